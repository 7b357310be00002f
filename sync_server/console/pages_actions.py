"""The corrective-action board (Theo dõi khắc phục): filters, sort by deadline, one action with
its evidence and history, a supervisor's verify or reopen with a comment, and CSV/XLSX of the
filtered list. ``core.actions`` decides everything; this module renders."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Stream

from shared_schema import actions as rules
from sync_server.console.web import Form, lang_of, not_found, redirect, render, server_of
from sync_server.core import actions, queries, registry
from sync_server.core.access import Actor
from sync_server.core.actions import ActionItem
from sync_server.core.errors import ServiceError
from sync_server.http.downloads import content_disposition, file_chunks
from sync_server.http.routes_reports import EXPORT_MEDIA_TYPES
from sync_server.reports import action_export

PAGE_SIZE = 50
FILTERS = ("district", "site_id", "plan_id", "status", "overdue", "sort")


def _filters(query: Any) -> dict[str, str]:
    return {name: (query.get(name) or "").strip() for name in FILTERS}


def _service_filters(f: dict[str, str]) -> dict[str, Any]:
    overdue = {"yes": True, "no": False}.get(f["overdue"])
    return {
        "district": f["district"] or None,
        "site_id": f["site_id"] or None,
        "plan_id": f["plan_id"] or None,
        "status": f["status"] or None,
        "overdue": overdue,
        "sort": f["sort"] or "deadline",
    }


def _page_number(query: Any) -> int:
    try:
        return min(max(int(query.get("page") or 1), 1), 1_000_000)
    except ValueError:
        return 1


@get("/actions", sync_to_thread=True, include_in_schema=False)
def board(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    f = _filters(request.query_params)
    page_no = _page_number(request.query_params)
    error = None
    try:
        page = actions.list_actions(
            server.db, viewer, **_service_filters(f), limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE
        )
    except ServiceError as exc:
        error = exc.detail
        page = actions.ActionPage(items=[], total=0, limit=PAGE_SIZE, offset=0)
    query = urlencode({k: v for k, v in f.items() if v})
    return render(
        request,
        "actions.html",
        status=422 if error else 200,
        error=error,
        filters=f,
        query=query,
        page=page,
        page_no=page_no,
        pages=max(1, math.ceil(page.total / PAGE_SIZE)),
        statuses=rules.ACTION_STATUSES,
        status_labels=rules.STATUS_LABELS,
        districts=queries.districts_in_scope(server.db, viewer),
        sites=registry.list_sites(server.db, viewer, limit=1000).items,
        plans=actions.plan_choices(server.db, viewer),
    )


def _action_page(
    request: Request[Any, Any, Any], viewer: Actor, action_id: str, *, status: int = 200, error: str | None = None
) -> Response[str]:
    server = server_of(request)
    detail = actions.get_action(server.db, viewer, action_id)
    return render(
        request,
        "action.html",
        status=status,
        error=error,
        a=detail,
        status_labels=rules.STATUS_LABELS,
        can_review=viewer.role in rules.REVIEW_ROLES and detail.item.status == "reported_fixed",
    )


@get("/actions/{action_id:str}", sync_to_thread=True, include_in_schema=False)
def action_page(request: Request[Any, Any, Any], viewer: Actor, action_id: str) -> Response[str]:
    return _action_page(request, viewer, action_id)


@post("/actions/{action_id:str}/review", sync_to_thread=True, include_in_schema=False)
def review(request: Request[Any, Any, Any], viewer: Actor, action_id: str, data: Form) -> Response[Any]:
    decision = data.get("decision") or ""
    try:
        actions.review(server_of(request).db, viewer, action_id, decision, data.get("comment"))
    except ServiceError as exc:
        return _action_page(request, viewer, action_id, status=exc.status, error=exc.detail)
    return redirect(f"/console/actions/{action_id}", flash=f"flash_action_{decision}")


def _all_items(request: Request[Any, Any, Any], viewer: Actor) -> Iterator[ActionItem]:
    server = server_of(request)
    filters = _service_filters(_filters(request.query_params))
    offset = 0
    while True:
        page = actions.list_actions(server.db, viewer, **filters, limit=500, offset=offset)
        yield from page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


@get("/exports/actions/{filename:str}", sync_to_thread=True, include_in_schema=False)
def export(request: Request[Any, Any, Any], viewer: Actor, filename: str) -> Response[Any]:
    lang = lang_of(request)
    headers = {"Content-Disposition": content_disposition(filename)}
    if filename == "actions.csv":
        return Stream(
            action_export.csv_chunks(_all_items(request, viewer), lang),
            media_type=EXPORT_MEDIA_TYPES["csv"],
            headers=headers,
        )
    if filename == "actions.xlsx":
        return Stream(
            file_chunks("actions.xlsx", lambda path: action_export.write_xlsx(path, _all_items(request, viewer), lang)),
            media_type=EXPORT_MEDIA_TYPES["xlsx"],
            headers=headers,
        )
    return not_found(request)


HANDLERS = [board, action_page, review, export]
