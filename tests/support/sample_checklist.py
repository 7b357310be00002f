"""A small checklist that uses every question kind, a relevance condition, critical items,
weights, choice credits and result bands. Tests across the suite build on it; the real
checklists live in sync_server/content/checklists/."""

from __future__ import annotations

from shared_schema import checklist as cl
from shared_schema.text import LocalText as T

SCORING = cl.Scoring(
    bands=[
        cl.ResultBand("pass", T("Đạt", "Pass"), 90),
        cl.ResultBand("pass_rec", T("Đạt, có khuyến nghị", "Pass with recommendations"), 75),
        cl.ResultBand(
            "fix",
            T("Chưa đạt – yêu cầu khắc phục", "Not yet – corrective action"),
            50,
            passing=False,
            correction_days=15,
        ),
        cl.ResultBand("fail", T("Không đạt", "Fail"), 0, passing=False),
    ],
    critical_failure_band="fail",
)


def sample_template(version: int = 1, template_id: str = "sample-factory") -> cl.ChecklistTemplate:
    return cl.ChecklistTemplate(
        template_id=template_id,
        version=version,
        title=T("Kiểm tra mẫu cơ sở sản xuất", "Sample factory inspection"),
        site_kinds=["DN_SX", "KCN", "CCN"],
        scoring=SCORING,
        sections=[
            cl.Section(
                "general",
                T("Thông tin chung", "General"),
                [
                    cl.NumberQuestion(
                        id="workers",
                        label=T("Tổng số người lao động", "Total workers"),
                        min=0,
                        max=100000,
                        integer=True,
                        required=True,
                        unit=T("người", "people"),
                    ),
                    cl.TextQuestion(id="manager", label=T("Người phụ trách", "Person in charge"), max_length=200),
                    cl.DateQuestion(id="self_check_date", label=T("Ngày tự đánh giá", "Self-assessment date")),
                ],
            ),
            cl.Section(
                "measures",
                T("Biện pháp phòng dịch", "Prevention measures"),
                [
                    cl.YesNoQuestion(
                        id="team",
                        label=T("Có Tổ an toàn COVID-19?", "COVID-19 safety team?"),
                        required=True,
                        critical=True,
                        weight=3,
                        evidence="optional",
                        basis="Thiết kế bộ câu hỏi (design)",
                    ),
                    cl.YesNoQuestion(
                        id="temp_check",
                        label=T("Đo thân nhiệt tại cổng?", "Temperature check at gate?"),
                        required=True,
                        weight=2,
                        basis="QĐ 2194/QĐ-BCĐQG, Phần thứ nhất; VOV2 2021",
                    ),
                    cl.SingleChoiceQuestion(
                        id="masks",
                        label=T("Tỷ lệ đeo khẩu trang", "Share wearing masks"),
                        required=True,
                        critical=True,
                        weight=3,
                        choices=[
                            cl.Choice("all", T("100%", "100%"), credit=1),
                            cl.Choice("most", T("80–99%", "80–99%"), credit=0.5),
                            cl.Choice("few", T("Dưới 80%", "Under 80%"), credit=0, fails=True),
                        ],
                    ),
                    cl.YesNoQuestion(
                        id="hoarding",
                        label=T("Có dấu hiệu găm hàng?", "Signs of hoarding?"),
                        weight=2,
                        fail_answer="yes",
                        allow_na=False,
                    ),
                    cl.YesNoQuestion(id="dorm", label=T("Có ký túc xá?", "Has a dormitory?"), allow_na=False),
                    cl.NumberQuestion(
                        id="dorm_residents",
                        label=T("Số người ở ký túc xá", "Dormitory residents"),
                        min=0,
                        integer=True,
                        required=True,
                        relevant_if=cl.Equals(question="dorm", value="yes"),
                    ),
                    cl.MultipleChoiceQuestion(
                        id="shortages",
                        label=T("Mặt hàng thiếu", "Items short"),
                        choices=[
                            cl.Choice("rice", T("Gạo", "Rice")),
                            cl.Choice("masks", T("Khẩu trang", "Masks")),
                            cl.Choice("other", T("Khác (ghi rõ)", "Other (specify)"), specify=True),
                        ],
                    ),
                ],
            ),
            cl.Section(
                "conclusion",
                T("Kết luận", "Conclusion"),
                [
                    cl.PhotoQuestion(id="overview", label=T("Ảnh tổng quan", "Overview photo"), min_photos=1),
                    cl.LocationQuestion(id="gps", label=T("Vị trí", "Location")),
                    cl.SignatureQuestion(
                        id="sig_rep", label=T("Chữ ký đại diện cơ sở", "Site representative signature"), required=True
                    ),
                ],
            ),
        ],
    )
