"""Supervisors' pages: the inspections list (filters, sort, pages, counts), one inspection
(review, conflicts, PDF, photos) and exports of the filtered list."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Redirect, Stream

from shared_schema import actions as action_rules
from shared_schema.records import INSPECTION_KINDS, SITE_KINDS, STATUSES
from sync_server.console import catalog
from sync_server.console.inspection_view import build_view
from sync_server.console.web import Form, lang_of, not_found, redirect, render, server_of
from sync_server.core import actions as corrective_actions
from sync_server.core import blobs, inspections, plans, queries, registry
from sync_server.core.access import Actor
from sync_server.core.errors import ServiceError
from sync_server.http.downloads import base_url_of, content_disposition
from sync_server.http.routes_reports import SORTS, export_format, export_response
from sync_server.reports.inspection_pdf import pdf_file_stem, render_inspection_pdf
from sync_server.reports.report_data import blob_loader, plan_export, report_data, template_of

PAGE_SIZES = (10, 25, 50, 100)
PAGE_SIZE = 25


MAX_PAGE = 1_000_000  # a page number beyond this is no page (and no database overflow)


def _int(text: str | None, default: int) -> int:
    try:
        value = int(text or default)
    except ValueError:
        return default
    return value if abs(value) <= MAX_PAGE else default


class ListFilters(inspections.InspectionFilter, kw_only=True):
    """The list's filters, sort and page as they travel in the query string."""

    sort: str = "updated"
    page: int = 1
    per_page: int = PAGE_SIZE
    cursor: str | None = None  # a page's next/prev cursor; without one, ``page`` is read by offset

    @classmethod
    def from_query(cls, query: Any) -> ListFilters:
        values = {name: (query.get(name) or "").strip() or None for name in inspections.FILTER_NAMES}
        sort = query.get("sort") or "updated"
        return cls(
            **values,
            sort=sort if sort in SORTS else "updated",
            page=max(_int(query.get("page"), 1), 1),
            per_page=size if (size := _int(query.get("per_page"), PAGE_SIZE)) in PAGE_SIZES else PAGE_SIZE,
            cursor=(query.get("cursor") or "").strip() or None,
        )

    def service_filters(self) -> dict[str, Any]:
        return self.given() | {"sort": self.sort}

    def query(self, **override: Any) -> str:
        values = {
            name: getattr(self, name) for name in (*inspections.FILTER_NAMES, "sort", "page", "per_page")
        } | override
        values.setdefault("cursor", None)  # a cursor belongs to one page: only links that name one carry it
        defaults = {"page": 1, "per_page": PAGE_SIZE}
        return urlencode({k: v for k, v in values.items() if v not in (None, "") and defaults.get(k) != v})


@get("/inspections", sync_to_thread=True, include_in_schema=False)
def inspections_list(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    filters = ListFilters.from_query(request.query_params)
    try:
        page = inspections.list_inspections(
            server.db,
            viewer,
            **filters.service_filters(),
            limit=filters.per_page,
            offset=0 if filters.cursor else (filters.page - 1) * filters.per_page,
            cursor=filters.cursor,
        )
        error = None
    except ServiceError as exc:
        page, error = inspections.InspectionPage(items=[], total=0, limit=PAGE_SIZE, offset=0, counts={}), exc.detail
    templates = registry.list_templates(server.db, viewer)
    return render(
        request,
        "inspections.html",
        filters=filters,
        page=page,
        error=error,
        pages=max(1, math.ceil(page.total / filters.per_page)),
        page_sizes=PAGE_SIZES,
        statuses=STATUSES,
        site_kinds=list(SITE_KINDS),
        sorts=SORTS,
        districts=queries.districts_in_scope(server.db, viewer),
        inspectors=queries.inspectors_in_scope(server.db, viewer),
        results=queries.results_in_scope(server.db, viewer),
        sites=registry.list_sites(server.db, viewer, limit=1000).items,
        template_ids=sorted({t.template_id for t in templates}),
        template_titles=catalog.template_titles(templates),
        band_labels=catalog.band_labels(server, viewer, lang_of(request)),
    )


def _inspection_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    inspection_id: str,
    *,
    status: int = 200,
    error: str | None = None,
    comment: str = "",
) -> Response[str]:
    server = server_of(request)
    detail = inspections.get_inspection(server.db, viewer, inspection_id)
    template = template_of(server, viewer, detail.summary)
    view = build_view(detail, template, lang_of(request))
    return render(
        request,
        "inspection.html",
        status=status,
        detail=detail,
        template=template,
        view=view,
        header=detail.header,
        error=error,
        comment=comment,
        kinds=INSPECTION_KINDS,
        action_items=corrective_actions.list_actions(server.db, viewer, inspection_id=inspection_id, limit=500).items,
        action_status_labels=action_rules.STATUS_LABELS,
        follow_ups=plans.follow_ups_of(server.db, viewer, inspection_id),
    )


@get("/inspections/{inspection_id:str}", sync_to_thread=True, include_in_schema=False)
def inspection_page(request: Request[Any, Any, Any], viewer: Actor, inspection_id: str) -> Response[str]:
    return _inspection_page(request, viewer, inspection_id)


@post("/inspections/{inspection_id:str}/review", sync_to_thread=True, include_in_schema=False)
def review(request: Request[Any, Any, Any], viewer: Actor, inspection_id: str, data: Form) -> Response[Any]:
    server = server_of(request)
    decision = data.get("decision") or ""
    comment = data.get("comment") or ""
    try:
        inspections.review(server.db, viewer, inspection_id, decision, comment)  # type: ignore[arg-type]
    except ServiceError as exc:
        return _inspection_page(request, viewer, inspection_id, status=exc.status, error=exc.detail, comment=comment)
    return redirect(f"/console/inspections/{inspection_id}", flash=f"flash_reviewed_{decision}")


@post("/conflicts/{conflict_id:str}/resolve", sync_to_thread=True, include_in_schema=False)
def resolve_conflict(request: Request[Any, Any, Any], viewer: Actor, conflict_id: str, data: Form) -> Redirect:
    server = server_of(request)
    keep = "loser" if data.get("keep") == "loser" else "winner"
    inspections.resolve_conflict(server.db, viewer, conflict_id, keep)
    inspection_id = data.get("inspection_id") or ""
    return redirect(f"/console/inspections/{inspection_id}" if inspection_id else "/console/inspections")


@get("/inspections/{inspection_id:str}/report.pdf", sync_to_thread=True, include_in_schema=False)
def report_pdf(request: Request[Any, Any, Any], viewer: Actor, inspection_id: str) -> Response[bytes]:
    server = server_of(request)
    data = report_data(server, viewer, inspection_id)
    pdf = render_inspection_pdf(data, lang=lang_of(request), load_blob=blob_loader(server, viewer))
    name = pdf_file_stem(data.header.record_number, inspection_id) + ".pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": content_disposition(name, inline=True)}
    )


@get("/blobs/{sha256:str}", sync_to_thread=True, include_in_schema=False)
def blob(request: Request[Any, Any, Any], viewer: Actor, sha256: str) -> Stream:
    server = server_of(request)
    status = blobs.readable(server.db, server.blobs, viewer, sha256)
    return Stream(
        server.blobs.read_chunks(sha256),
        media_type=status.media_type or "application/octet-stream",
        headers={"Cache-Control": "private, max-age=86400"},
    )


def include_drafts(query: Any) -> bool:
    """``?include_drafts=1`` (or ``true``/``yes``): the export keeps drafts too."""
    return (query.get("include_drafts") or "").strip().lower() in ("1", "true", "yes", "on")


@get("/exports/{filename:str}", sync_to_thread=True, include_in_schema=False)
def export(request: Request[Any, Any, Any], viewer: Actor, filename: str) -> Response[Any]:
    fmt = export_format(filename)
    if fmt is None:
        return not_found(request)
    filters = ListFilters.from_query(request.query_params)
    plan = plan_export(
        server_of(request), viewer, filters.service_filters(), include_drafts=include_drafts(request.query_params)
    )
    return export_response(plan, fmt, lang_of(request), base_url_of(request))


HANDLERS = [inspections_list, inspection_page, review, resolve_conflict, report_pdf, blob, export]
