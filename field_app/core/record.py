"""The biên bản (official inspection record) as a PDF, rendered on the device, offline, with the
same renderer the server uses (``record_pdf``): the inspector can show it to the unit's
representative before they sign, and open or share it.

The report data comes from the local replica: the header, the site, the pinned checklist version
and the answers as this device holds them; photos and signatures from the blobs on the device.
Two things only the server knows are approximated: the inspector's full name (the logged-in
user's when it is their record) and the "revised after first submission" remark (the server's
revision history; the device does not print it). The agency header and the time zone are the
defaults of ``record_pdf.settings`` (the Department's).
"""

from __future__ import annotations

from pathlib import Path

from field_app.core import blobs
from field_app.core.models import AppError, Session
from field_app.core.queries import NOT_FOUND_INSPECTION, NOT_FOUND_SITE, Queries, header_from
from field_app.core.store import Store
from record_pdf.inspection_pdf import pdf_file_stem, render_inspection_pdf
from record_pdf.model import BlobLoader, ReportData
from record_pdf.settings import RecordSettings

RECORDS_DIR = "records"


def report_data(queries: Queries, session: Session | None, inspection_id: str) -> ReportData:
    """The report input of one inspection as this device holds it. ``AppError`` ``not_found``."""
    data = queries.inspection_row(inspection_id)
    if data is None or not data.get("template_id"):
        raise AppError("not_found", NOT_FOUND_INSPECTION)
    header = header_from(inspection_id, data)
    site = queries.site(header.site_id)
    if site is None:
        raise AppError("not_found", NOT_FOUND_SITE)
    template = queries.template(header.template_id, header.template_version)
    inspector_name = None
    if session is not None and header.inspector in (None, session.user.username):
        inspector_name = session.user.full_name or session.user.username
    return ReportData(
        header=header,
        site=site,
        template=template,
        answers=queries.answers(inspection_id),
        actions=queries.inspection_actions(inspection_id),
        inspector_name=inspector_name,
    )


def local_blob_loader(store: Store) -> BlobLoader:
    """Reads a photo or signature from the device only (rendering never waits for a network)."""

    def load(sha256: str) -> bytes | None:
        path = blobs.blob_file(store, sha256)
        return path.read_bytes() if path.exists() else None

    return load


def render_record(
    store: Store, queries: Queries, session: Session | None, inspection_id: str, lang: str = "vi"
) -> bytes:
    """The biên bản of the inspection as PDF bytes, rendered here, offline."""
    data = report_data(queries, session, inspection_id)
    return render_inspection_pdf(data, lang, local_blob_loader(store), RecordSettings(on_device=True))


def record_file_name(queries: Queries, inspection_id: str) -> str:
    """``bien-ban-15-BB-SCT.pdf`` (the server's name for the same record), or by id before a number."""
    data = queries.inspection_row(inspection_id) or {}
    return pdf_file_stem(data.get("record_number"), inspection_id) + ".pdf"


def save_record(store: Store, queries: Queries, session: Session | None, inspection_id: str, lang: str = "vi") -> Path:
    """Render the record and keep it in the data directory (``records/``); returns the file."""
    pdf = render_record(store, queries, session, inspection_id, lang)
    folder = store.data_dir / RECORDS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / record_file_name(queries, inspection_id)
    tmp = target.with_suffix(".pdf.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(target)
    return target
