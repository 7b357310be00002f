"""A complete inspection of a Vietnamese factory as ``ReportData``, for report and export tests."""

from __future__ import annotations

import hashlib
import io

from PIL import Image, ImageDraw

from shared_schema import checklist as cl
from shared_schema.records import (
    Answer,
    InspectionHeader,
    Location,
    Representative,
    Review,
    Signature,
    Site,
    TeamMember,
)
from sync_server.reports.model import ReportData
from tests.support.sample_checklist import sample_template

SITE_NAME = "Công ty CP Đầu tư và Thương mại TNG – Chi nhánh Phú Bình"


def signature_png(text: str = "Nguyễn") -> bytes:
    """A drawn-looking signature: a few strokes on a white background."""
    image = Image.new("RGB", (300, 120), "white")
    draw = ImageDraw.Draw(image)
    seed = hashlib.sha256(text.encode()).digest()
    points = [(20 + i * 26, 20 + seed[i] % 80) for i in range(10)]
    draw.line(points, fill="navy", width=5)
    draw.arc([(60, 40), (240, 110)], start=180, end=360, fill="navy", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sample_site(
    site_id: str = "site-tng",
    name: str = SITE_NAME,
    district: str = "H. Phú Bình",
    kind: str = "DN_SX",
    location: Location | None = None,
) -> Site:
    return Site(
        id=site_id,
        code="DN-PB-012",
        name=name,
        kind=kind,
        district=district,
        address="Xã Kha Sơn, huyện Phú Bình, tỉnh Thái Nguyên",
        workers=1850,
        location=location or Location(21.4932, 105.9871),
    )


def sample_report(
    *,
    inspection_id: str = "insp-0001",
    site: Site | None = None,
    masks: str = "few",
    started_at: str = "2021-08-05T02:30:00Z",
    status: str = "submitted",
    blobs: dict[str, bytes] | None = None,
) -> ReportData:
    """An inspection with every question kind answered; ``masks="few"`` fails a critical item."""
    site = site or sample_site()
    rep_sig = signature_png("rep")
    lead_sig = signature_png("lead")
    if blobs is not None:
        blobs[sha256(rep_sig)] = rep_sig
        blobs[sha256(lead_sig)] = lead_sig
    photo = "ab" * 32
    answers = {
        "workers": 1850,
        "manager": "Ông Trần Văn Hùng – Phó giám đốc",
        "self_check_date": "2021-07-30",
        "team": "yes",
        "temp_check": "yes",
        "masks": masks,
        "hoarding": "no",
        "dorm": "yes",
        "dorm_residents": 320,
        "shortages": ["rice", "masks"],
        "overview": [photo],
        "gps": {"lat": 21.4932, "lon": 105.9871, "accuracy_m": 8},
        "sig_rep": {"sha256": sha256(rep_sig), "name": "Lê Thị Hương"},
    }
    by_question = {qid: Answer(inspection_id=inspection_id, question_id=qid, value=v) for qid, v in answers.items()}
    by_question["masks"].note = "Xưởng may số 2: nhiều công nhân không đeo khẩu trang"
    by_question["masks"].photos = [photo]
    if masks == "few":
        by_question["masks"].corrective_action = "Phát khẩu trang miễn phí, nhắc nhở đầu ca, tổ an toàn giám sát"
        by_question["masks"].due_date = "2021-08-12"
    header = InspectionHeader(
        id=inspection_id,
        site_id=site.id,
        template_id="sample-factory",
        template_version=1,
        kind="unannounced",
        status=status,  # type: ignore[arg-type]
        started_at=started_at,
        completed_at="2021-08-05T04:10:00Z",
        location=Location(21.4932, 105.9871, 8),
        team=[
            TeamMember("Phạm Quốc Khánh", "Sở Công Thương", "Trưởng đoàn"),
            TeamMember("Đỗ Thị Lan", "Sở Y tế", "Thành viên"),
        ],
        findings="Cơ sở cơ bản thực hiện tốt; cần chấn chỉnh việc đeo khẩu trang tại xưởng may số 2.",
        representative=Representative("Lê Thị Hương", "Trưởng phòng Hành chính", "0912 345 678"),
        signatures=[Signature(role="lead", name="Phạm Quốc Khánh", sha256=sha256(lead_sig))],
        record_number="12/BB-SCT",
        inspector="inspector1",
    )
    return ReportData(
        header=header,
        site=site,
        template=sample_template(),
        answers=by_question,
        reviews=[
            Review(
                decision="return",
                comment="Bổ sung ảnh xưởng may số 2",
                reviewer="giamsat",
                decided_at="2021-08-06T01:00:00Z",
            )
        ],
        inspector_name="Nguyễn Văn An",
    )


def answers_for(
    template: cl.ChecklistTemplate, inspection_id: str = "insp-full", failing: bool = True
) -> dict[str, Answer]:
    """An answer to every question of ``template`` (failing every critical item when
    ``failing``), with a corrective action and deadline for each failed item."""
    answers: dict[str, Answer] = {}
    for q in template.questions():
        value: object
        match q:
            case cl.YesNoQuestion():
                value = q.fail_answer if (failing and q.critical) else ("no" if q.fail_answer == "yes" else "yes")
            case cl.NumberQuestion():
                value = int(q.min or 0) + 12
                if q.max is not None:
                    value = min(value, q.max)
            case cl.TextQuestion():
                value = "Đã kiểm tra thực tế tại xưởng"
            case cl.SingleChoiceQuestion():
                failing_choice = next((c for c in q.choices if c.fails), None)
                value = (failing_choice or q.choices[0]).id if failing else q.choices[0].id
            case cl.MultipleChoiceQuestion():
                value = [q.choices[0].id]
            case cl.DateQuestion():
                value = "2021-08-01"
            case cl.PhotoQuestion():
                value = ["cd" * 32]
            case cl.SignatureQuestion():
                value = {"sha256": "ef" * 32, "name": "Lê Thị Hương"}
            case _:
                value = {"lat": 21.59, "lon": 105.84}
        answers[q.id] = Answer(
            inspection_id=inspection_id,
            question_id=q.id,
            value=value,
            corrective_action="Khắc phục ngay, báo cáo bằng văn bản" if q.critical else None,
            due_date="2021-08-15" if q.critical else None,
        )
    return answers
