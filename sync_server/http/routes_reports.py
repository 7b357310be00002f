"""The report and export endpoints of the HTTP API (DESIGN.md "HTTP surface"), bearer-token
authenticated like the rest of ``/api/v1``:

- ``GET /api/v1/inspections/{id}/report.pdf`` — the inspection record, for anyone who may
  see the inspection (``?lang=en`` for English);
- ``GET /api/v1/exports/inspections.{csv,xlsx,geojson}`` — the inspections matching the same
  filters as ``GET /api/v1/inspections``, for supervisors and admins;
- ``GET /api/v1/reports/summary.{xlsx,pdf}?from=&to=&district=`` — the summary report upward
  of a period (``core.summary``), for supervisors and admins.

Mounted by ``sync_server.http.app.create_app`` with the rest of the API. The downloads they
send (``export_response``, ``summary_response``) are shared with the console's pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get
from litestar.params import Parameter, QueryParameter
from litestar.response import Stream

from shared_schema.errors import Code
from sync_server.core import summary
from sync_server.core.access import Actor, require_reviewer
from sync_server.core.errors import NotFound, bi
from sync_server.core.inspections import InspectionFilter
from sync_server.core.server import Server
from sync_server.core.summary import Summary
from sync_server.http.deps import GUARDS
from sync_server.http.downloads import base_url_of, content_disposition, download_operation, file_chunks
from sync_server.reports.exports import columns_for_templates, csv_chunks, geojson_chunks, write_xlsx
from sync_server.reports.inspection_pdf import pdf_file_stem, render_inspection_pdf
from sync_server.reports.report_data import ExportPlan, blob_loader, plan_export, report_data
from sync_server.reports.summary_report import summary_pdf, summary_xlsx

Lang = Parameter(default="vi", pattern="^(vi|en)$", description="vi (default) or en")
# the inspections list's sorts (``core.inspections.SORTS``) in the order the console offers them
SORTS = ("updated", "started", "created", "site", "score")


EXPORT_MEDIA_TYPES = {
    "csv": "text/csv",  # Litestar adds "; charset=utf-8" to every text/* type
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}


def export_response(plan: ExportPlan, fmt: str, lang: str, base_url: str = "") -> Response[bytes] | Stream:
    """The export as a download, streamed: CSV and GeoJSON as they are written, XLSX (a zip
    that is only complete at its end) written to a temporary file first, then sent from it."""
    headers = {"Content-Disposition": content_disposition(f"inspections.{fmt}")}
    media_type = EXPORT_MEDIA_TYPES[fmt]
    if fmt == "xlsx":
        columns = columns_for_templates(plan.templates, split_choices=True)
        chunks = file_chunks("inspections.xlsx", lambda path: write_xlsx(path, plan.records(), columns, lang, base_url))
        return Stream(chunks, media_type=media_type, headers=headers)
    columns = columns_for_templates(plan.templates)
    if fmt == "csv":
        chunks = csv_chunks(plan.records(), columns, lang, base_url)
    else:
        chunks = geojson_chunks(plan.records(), lang, base_url)
    return Stream(chunks, media_type=media_type, headers=headers)


def export_format(filename: str) -> str | None:
    """``inspections.csv`` → ``csv``; None for a name that is not an export."""
    stem, _, fmt = filename.rpartition(".")
    return fmt if stem == "inspections" and fmt in EXPORT_MEDIA_TYPES else None


@get(
    "/inspections/{inspection_id:str}/report.pdf",
    sync_to_thread=True,
    media_type="application/pdf",
    summary="The inspection record (biên bản kiểm tra) as a PDF",
)
def inspection_report(inspection_id: str, actor: Actor, server: Server, lang: str = Lang) -> Response[bytes]:
    data = report_data(server, actor, inspection_id)
    pdf = render_inspection_pdf(data, lang=lang, load_blob=blob_loader(server, actor))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(
                pdf_file_stem(data.header.record_number, inspection_id) + ".pdf", inline=True
            )
        },
    )


@get(
    "/exports/{filename:str}",
    sync_to_thread=True,
    summary="Inspections as CSV, XLSX (answers one column per question) or GeoJSON (supervisor, admin)",
    operation_class=download_operation(*EXPORT_MEDIA_TYPES.values()),
)
def export_inspections(
    request: Request[Any, Any, Any],
    filename: str,
    actor: Actor,
    server: Server,
    filters: InspectionFilter,
    lang: str = Lang,
    sort: str = Parameter(default="updated", description=", ".join(SORTS)),
    include_drafts: bool = Parameter(default=False, description="also export drafts (left out by default)"),
) -> Response[bytes] | Stream:
    require_reviewer(actor)
    fmt = export_format(filename)
    if fmt is None:
        raise NotFound(
            bi(
                f"Không có tệp xuất '{filename}'; dùng inspections.csv, .xlsx hoặc .geojson.",
                f"No export '{filename}'; use inspections.csv, .xlsx or .geojson.",
            ),
            code=Code.UNKNOWN_FORMAT,
        )
    plan = plan_export(server, actor, filters.given() | {"sort": sort}, include_drafts=include_drafts)
    return export_response(plan, fmt, lang, base_url_of(request))


SUMMARY_MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def summary_response(report: Summary, fmt: str, lang: str) -> Response[bytes]:
    """The summary report as a download (shared by the API and the console)."""
    body = summary_xlsx(report, lang) if fmt == "xlsx" else summary_pdf(report, lang)
    name = f"bao-cao-tong-hop-{report.date_from.isoformat()}-{report.date_to.isoformat()}.{fmt}"
    return Response(
        body,
        media_type=SUMMARY_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(name, inline=fmt == "pdf")},
    )


def summary_format(filename: str) -> str:
    stem, _, fmt = filename.rpartition(".")
    if stem != "summary" or fmt not in SUMMARY_MEDIA_TYPES:
        raise NotFound(
            bi(
                f"Không có báo cáo '{filename}'; dùng summary.xlsx hoặc summary.pdf.",
                f"No report '{filename}'; use summary.xlsx or summary.pdf.",
            ),
            code=Code.UNKNOWN_FORMAT,
        )
    return fmt


@get(
    "/reports/{filename:str}",
    sync_to_thread=True,
    summary="The summary report upward (báo cáo tổng hợp) of a period as XLSX or PDF (supervisor, admin)",
    operation_class=download_operation(*SUMMARY_MEDIA_TYPES.values()),
)
def summary_report(
    filename: str,
    actor: Actor,
    server: Server,
    lang: str = Lang,
    date_from: str | None = QueryParameter(name="from", default=None, description="YYYY-MM-DD, inclusive"),  # type: ignore[assignment]
    date_to: str | None = QueryParameter(name="to", default=None, description="YYYY-MM-DD, inclusive"),  # type: ignore[assignment]
    district: str | None = None,
) -> Response[bytes]:
    fmt = summary_format(filename)
    report = summary.summary(server.db, actor, date_from=date_from, date_to=date_to, district=district or None)
    return summary_response(report, fmt, lang)


api_reports_router = Router(
    path="/api/v1",
    route_handlers=[inspection_report, export_inspections, summary_report],
    guards=GUARDS,
    tags=["reports"],
)
