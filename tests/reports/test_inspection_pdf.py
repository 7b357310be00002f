"""The inspection record PDF: the text a reader (and pdftotext) gets out of it is the right
Vietnamese, and page 1 renders to an image a person can check (kept as a test artifact)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import msgspec
import pytest
from PIL import Image

from shared_schema.relevance import relevant_questions
from sync_server.core.content import checklist_paths, load_checklist
from sync_server.reports.inspection_pdf import render_inspection_pdf
from tests.reports.poppler import require_poppler
from tests.reports.sample_report import SITE_NAME, answers_for, sample_report, signature_png


@pytest.fixture(autouse=True)
def _poppler() -> None:
    require_poppler()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    # Table cells wrap; compare with whitespace collapsed.
    return re.sub(r"\s+", " ", out.decode("utf-8"))


def image_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return len(listing.strip().splitlines()) - 2


def test_record_text_has_the_vietnamese_site_answers_and_result(tmp_path: Path, reports_dir: Path) -> None:
    blobs: dict[str, bytes] = {}
    pdf = render_inspection_pdf(sample_report(blobs=blobs), lang="vi", load_blob=blobs.get)
    (reports_dir / "bien-ban-kiem-tra.pdf").write_bytes(pdf)
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "BIÊN BẢN KIỂM TRA",
        "Số: 12/BB-SCT",
        SITE_NAME,
        "Xã Kha Sơn, huyện Phú Bình, tỉnh Thái Nguyên",
        "Doanh nghiệp / nhà máy sản xuất",
        "09:30 05/08/2021",  # 02:30 UTC is 09:30 in Viet Nam
        "Đột xuất",
        "Phạm Quốc Khánh",
        "Tổng số người lao động",
        "1.850 người",  # Vietnamese thousands grouping
        "Dưới 80%",
        "Gạo; Khẩu trang",
        "Xưởng may số 2: nhiều",  # the note; its cell wraps after "nhiều"
        "Phát khẩu trang miễn phí",
        "12/08/2021",
        "Điểm tuân thủ: 70 %",
        "Kết quả: Không đạt",
        "Lê Thị Hương",
    ]:
        assert expected in text, f"{expected!r} missing from the record"
    assert image_count(pdf, tmp_path) == 2, "both signatures are drawn as images"


def test_record_in_english_uses_the_english_labels(tmp_path: Path) -> None:
    text = pdf_text(render_inspection_pdf(sample_report(), lang="en"), tmp_path)
    for expected in ["INSPECTION RECORD", "Share wearing masks", "Under 80%", "Result: Fail", "2021-08-12", SITE_NAME]:
        assert expected in text


def test_questions_that_do_not_apply_are_left_out(tmp_path: Path) -> None:
    data = sample_report()
    data.answers["dorm"].value = "no"
    text = pdf_text(render_inspection_pdf(data), tmp_path)
    assert "Có ký túc xá?" in text
    assert "Số người ở ký túc xá" not in text


def test_passing_record_says_no_critical_item_failed(tmp_path: Path) -> None:
    text = pdf_text(render_inspection_pdf(sample_report(masks="all")), tmp_path)
    assert "Không có mục trọng yếu nào không đạt." in text
    assert "Phát khẩu trang miễn phí" not in text


def test_missing_or_unreadable_signature_is_said_in_words(tmp_path: Path) -> None:
    data = sample_report()
    pdf = render_inspection_pdf(data, load_blob=lambda sha: b"not an image")
    text = pdf_text(pdf, tmp_path)
    assert text.count("(chưa có ảnh chữ ký)") == 2
    assert image_count(pdf, tmp_path) == 0


def test_page_one_renders_to_a_readable_image(tmp_path: Path, reports_dir: Path) -> None:
    blobs: dict[str, bytes] = {}
    pdf = render_inspection_pdf(sample_report(blobs=blobs), load_blob=blobs.get)
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    for page in (1, 2):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(path),
                str(reports_dir / f"bien-ban-page{page}"),
            ],
            check=True,
        )
    image = Image.open(reports_dir / "bien-ban-page1.png").convert("L")
    width, height = image.size
    assert height > width, "A4 portrait"
    # The title band (top fifth) carries dark text, the page is mostly white.
    top = image.crop((0, 0, width, height // 5))
    assert top.getextrema()[0] < 60
    histogram = image.histogram()
    assert sum(histogram[200:]) / (width * height) > 0.6


@pytest.mark.parametrize("path", checklist_paths(), ids=lambda p: p.stem)
def test_every_shipped_checklist_prints_every_question(path: Path, tmp_path: Path, reports_dir: Path) -> None:
    template = load_checklist(path)
    data = sample_report()
    data = msgspec.structs.replace(
        data,
        template=template,
        answers=answers_for(template),
        header=msgspec.structs.replace(
            data.header, template_id=template.template_id, template_version=template.version
        ),
    )
    pdf = render_inspection_pdf(data)
    (reports_dir / f"{path.stem}.pdf").write_bytes(pdf)
    text = pdf_text(pdf, tmp_path)
    relevant = relevant_questions(template, data.values())
    labels = {q.id: q.label.vi for q in template.questions()}
    # Long labels wrap inside their cell; their first words are on one line.
    missing = [qid for qid in relevant if " ".join(labels[qid].split()[:3]) not in text]
    assert not missing, f"questions missing from the record: {missing}"
    assert "Khắc phục ngay" in text
    if template.risk_index is not None:
        assert "chưa xếp mức" not in text, "an incomplete risk index is working data, not printed"


def test_evidence_photos_are_printed_in_an_appendix(tmp_path: Path) -> None:
    blobs: dict[str, bytes] = {}
    data = sample_report(blobs=blobs)
    photo = data.answers["masks"].photos[0]
    without = render_inspection_pdf(data, load_blob=blobs.get)
    assert "(ảnh chưa có trên máy chủ)" in pdf_text(without, tmp_path)
    assert image_count(without, tmp_path) == 2, "only the two signatures"
    blobs[photo] = signature_png("a photo of workshop 2")
    with_photo = render_inspection_pdf(data, load_blob=blobs.get)
    text = pdf_text(with_photo, tmp_path)
    assert "PHỤ LỤC: ẢNH MINH CHỨNG" in text and "Tỷ lệ đeo khẩu trang" in text
    assert "(ảnh chưa có trên máy chủ)" not in text
    assert image_count(with_photo, tmp_path) == 3


def test_a_record_without_photos_has_no_appendix(tmp_path: Path) -> None:
    data = sample_report(masks="all")
    data.answers["overview"].value = None
    data.answers["masks"].photos = []
    assert "PHỤ LỤC" not in pdf_text(render_inspection_pdf(data), tmp_path)


def test_the_official_record_has_the_agency_header_number_place_date_and_full_names(
    tmp_path: Path, reports_dir: Path
) -> None:
    blobs: dict[str, bytes] = {}
    data = sample_report(blobs=blobs)
    data = msgspec.structs.replace(data, header=msgspec.structs.replace(data.header, score=82.2), revised=True)
    pdf = render_inspection_pdf(data, load_blob=blobs.get)
    (reports_dir / "bien-ban-chinh-thuc.pdf").write_bytes(pdf)
    text = pdf_text(pdf, tmp_path)
    for expected in [
        "UBND TỈNH THÁI NGUYÊN",
        "SỞ CÔNG THƯƠNG",
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/BB-SCT",
        "Thái Nguyên, ngày 05 tháng 8 năm 2021",  # completed 04:10 UTC = 11:10 in Viet Nam
        "Phạm Quốc Khánh - Trưởng đoàn, Sở Công Thương",
        "Nguyễn Văn An",  # the inspector by full name, not the user name
        "Lê Thị Hương, Trưởng phòng Hành chính",
        "Điểm tuân thủ: 82,2 %",
        "sửa đổi sau lần nộp đầu tiên",
        "Chữ ký không gắn với nội dung",  # signatures of an app that recorded no digest
    ]:
        assert expected in text, f"{expected!r} missing from the record"
    for internal in ["Bổ sung ảnh xưởng may số 2", "giamsat", "inspector1", "82.2"]:
        assert internal not in text, f"{internal!r} must not be on the record"


def test_prices_are_grouped_the_vietnamese_way(tmp_path: Path) -> None:
    template = load_checklist(next(p for p in checklist_paths() if p.stem == "covid19-market"))
    answers = answers_for(template)
    answers["B4.6a"] = msgspec.structs.replace(answers["B4.6a"], value=120000)
    data = sample_report()
    data = msgspec.structs.replace(
        data,
        template=template,
        answers=answers,
        header=msgspec.structs.replace(
            data.header, template_id=template.template_id, template_version=template.version
        ),
    )
    text = pdf_text(render_inspection_pdf(data), tmp_path)
    assert "120.000 đ/kg" in text
    assert "120000" not in text


def test_each_signature_says_whether_it_matches_the_content(tmp_path: Path) -> None:
    from shared_schema import evidence

    blobs: dict[str, bytes] = {}
    data = sample_report(blobs=blobs)
    header = msgspec.to_builtins(data.header)
    digest = evidence.content_digest(header, data.answers, evidence.signature_question_ids(data.template))
    lead = msgspec.structs.replace(data.header.signatures[0], digest=digest)
    answers = dict(data.answers)
    answers["sig_rep"] = msgspec.structs.replace(
        answers["sig_rep"], value={**answers["sig_rep"].value, "digest": "0" * 64}
    )
    signed = msgspec.structs.replace(
        data, header=msgspec.structs.replace(data.header, signatures=[lead]), answers=answers
    )
    text = pdf_text(render_inspection_pdf(signed, load_blob=blobs.get), tmp_path)
    assert "Khớp nội dung đã ký" in text  # the team leader signed this very content
    assert "Nội dung đã đổi sau khi ký" in text  # the representative signed something else


@pytest.mark.parametrize(
    ("number", "inspection_id", "stem"),
    [
        ("15/BB-SCT", "x", "bien-ban-15-BB-SCT"),
        ("Số 01/BB-ĐKT", "x", "bien-ban-So-01-BB-DKT"),
        ('1"/\r\nBB', "x", "bien-ban-1-BB"),
        (None, "2f0c1c1e-aaaa", "bien-ban-2f0c1c1e-aaaa"),
        ("///", "x", "bien-ban-khong-so"),
    ],
)
def test_the_pdf_file_name_is_ascii_safe_and_carries_the_number(
    number: str | None, inspection_id: str, stem: str
) -> None:
    from sync_server.reports.inspection_pdf import pdf_file_stem

    assert pdf_file_stem(number, inspection_id) == stem
    assert stem.isascii()
