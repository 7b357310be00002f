"""Inspection plans in the console (issue 14): the list with progress, the plan form (filters
or a list of codes, a preview of the count, teams), a plan's coverage page with its CSV/XLSX,
editing and closing, and the follow-up button of an inspection."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from shared_schema.errors import Code
from shared_schema.records import SITE_KINDS
from sync_server.console.web import Form, Upload, lang_of, not_found, redirect, render, server_of
from sync_server.core import local_time, plans, queries
from sync_server.core.access import Actor
from sync_server.core.errors import Invalid, ServiceError, bi, nul_refused
from sync_server.http.downloads import content_disposition
from sync_server.http.routes_reports import EXPORT_MEDIA_TYPES
from sync_server.reports.coverage_export import coverage_csv, coverage_xlsx

TEAM_BLOCKS = 4
COVERAGE_WRITERS = {"csv": coverage_csv, "xlsx": coverage_xlsx}


@get("/plans", sync_to_thread=True, include_in_schema=False)
def plans_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    return render(request, "plans.html", plans=plans.list_plans(server.db, viewer))


def _parents(server: Any, viewer: Actor) -> list[tuple[str, str]]:
    return queries.industrial_parks(server.db, viewer)


def _form_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    values: dict[str, Any],
    *,
    status: int = 200,
    error: Any = None,
    preview: plans.SitePreview | None = None,
) -> Response[str]:
    server = server_of(request)
    return render(
        request,
        "plan_form.html",
        status=status,
        values=values,
        error=error,
        preview=preview,
        templates=plans.published_templates(server.db),
        inspectors=plans.inspectors_for(server.db, viewer),
        districts=queries.districts_in_scope(server.db, viewer),
        site_kinds=list(SITE_KINDS),
        parents=_parents(server, viewer),
        team_blocks=TEAM_BLOCKS,
    )


@get("/plans/new", sync_to_thread=True, include_in_schema=False)
def new_plan_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    today = local_time.today()
    values = {"window_from": today.isoformat(), "window_to": "", "visits": "1", "mode": "filters"}
    return _form_page(request, viewer, values)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _codes(text: str) -> list[str]:
    """Site codes from pasted text or a CSV/TXT file: the first column of each line, a header
    row ``code``/``mã`` skipped."""
    codes: list[str] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0].strip():
            continue
        first = row[0].strip().lstrip("\ufeff")
        if not codes and first.lower() in ("code", "mã", "ma", "mã cơ sở", "site code"):
            continue
        codes.append(first)
    return codes


def _selection(data: dict[str, Any], values: dict[str, Any]) -> plans.SiteSelection:
    if values["mode"] == "codes":
        text = values["codes"]
        upload = data.get("codes_file")
        if isinstance(upload, UploadFile) and upload.filename:
            raw = upload.file.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise Invalid(
                    bi("Tệp mã cơ sở phải là văn bản UTF-8 (CSV/TXT).", "The file of site codes must be UTF-8 text."),
                    code=Code.INVALID_FILE,
                ) from exc
            if "\x00" in text:  # an uploaded file is not read by the request's NUL check
                raise nul_refused("codes_file", bi("trong tệp mã cơ sở", "in the file of site codes"))
            values["codes"] = "\n".join(_codes(text))
        return plans.SiteSelection(codes=_codes(text))
    return plans.SiteSelection(
        district=values["district"] or None,
        kind=values["kind"] or None,
        parent_id=values["parent_id"] or None,
        search=values["search"] or None,
    )


def _teams(data: dict[str, Any], inspectors: list[plans.InspectorChoice]) -> list[plans.TeamInput]:
    teams = []
    for i in range(1, TEAM_BLOCKS + 1):
        name = _text(data, f"team{i}_name")
        if not name:
            continue
        members = [u.username for u in inspectors if _text(data, f"team{i}_m_{u.username}")]
        teams.append(plans.TeamInput(name=name, lead=_text(data, f"team{i}_lead"), members=members))
    return teams


@post("/plans/new", sync_to_thread=True, include_in_schema=False)
def create_plan(request: Request[Any, Any, Any], viewer: Actor, data: Upload) -> Response[Any]:
    server = server_of(request)
    names = ("name", "purpose", "template_id", "window_from", "window_to", "visits", "mode")
    values: dict[str, Any] = {n: _text(data, n) for n in names}
    values.update({n: _text(data, n) for n in ("district", "kind", "parent_id", "search", "codes")})
    for key in data:
        if key.startswith("team"):
            values[key] = _text(data, key)
    values["mode"] = "codes" if values["mode"] == "codes" else "filters"
    try:
        selection = _selection(data, values)
        if _text(data, "action") == "preview":
            return _form_page(request, viewer, values, preview=plans.preview_sites(server.db, viewer, selection))
        try:
            visits = int(values["visits"] or "1")
        except ValueError:
            visits = 0
        detail = plans.create_plan(
            server.db,
            viewer,
            plans.PlanInput(
                name=values["name"],
                purpose=values["purpose"] or None,
                template_id=values["template_id"],
                window_from=values["window_from"],
                window_to=values["window_to"],
                visits=visits,
                teams=_teams(data, plans.inspectors_for(server.db, viewer)),
                sites=selection,
            ),
        )
    except ServiceError as exc:
        return _form_page(request, viewer, values, status=exc.status, error=exc)
    return redirect(f"/console/plans/{detail.plan.id}", flash="flash_plan_saved")


def _plan_page(
    request: Request[Any, Any, Any], viewer: Actor, plan_id: str, *, status: int = 200, error: Any = None
) -> Response[str]:
    server = server_of(request)
    coverage = plans.coverage(server.db, viewer, plan_id)
    detail = plans.get_plan(server.db, viewer, plan_id)
    return render(
        request, "plan.html", status=status, cov=coverage, detail=detail, error=error, totals=coverage.plan.progress
    )


@get("/plans/{plan_id:str}", sync_to_thread=True, include_in_schema=False)
def plan_page(request: Request[Any, Any, Any], viewer: Actor, plan_id: str) -> Response[str]:
    return _plan_page(request, viewer, plan_id)


@post("/plans/{plan_id:str}/edit", sync_to_thread=True, include_in_schema=False)
def edit_plan(request: Request[Any, Any, Any], viewer: Actor, plan_id: str, data: Form) -> Response[Any]:
    server = server_of(request)
    add = _codes(data.get("add_codes") or "")
    cancel = _codes(data.get("cancel_codes") or "")
    move_team = (data.get("move_team") or "").strip()
    moves = {code: move_team for code in _codes(data.get("move_codes") or "")}
    patch = plans.PlanPatch(
        name=(data.get("name") or "").strip() or None,
        purpose=data.get("purpose"),
        window_from=(data.get("window_from") or "").strip() or None,
        window_to=(data.get("window_to") or "").strip() or None,
        add_sites=plans.SiteSelection(codes=add) if add else None,
        cancel_site_codes=cancel or None,
        move_sites=moves or None,
    )
    try:
        plans.update_plan(server.db, viewer, plan_id, patch)
    except ServiceError as exc:
        return _plan_page(request, viewer, plan_id, status=exc.status, error=exc)
    return redirect(f"/console/plans/{plan_id}", flash="flash_plan_saved")


@post("/plans/{plan_id:str}/close", sync_to_thread=True, include_in_schema=False)
def close_plan(request: Request[Any, Any, Any], viewer: Actor, plan_id: str) -> Redirect:
    plans.close_plan(server_of(request).db, viewer, plan_id)
    return redirect(f"/console/plans/{plan_id}", flash="flash_plan_closed")


@get("/plans/{plan_id:str}/export/{filename:str}", sync_to_thread=True, include_in_schema=False)
def coverage_file(request: Request[Any, Any, Any], viewer: Actor, plan_id: str, filename: str) -> Response[Any]:
    """``coverage.csv`` or ``coverage.xlsx``: every assignment of the plan with its status."""
    server = server_of(request)
    fmt = filename.removeprefix("coverage.") if filename.startswith("coverage.") else ""
    lang = lang_of(request)
    coverage = plans.coverage(server.db, viewer, plan_id)
    views = plans.get_plan(server.db, viewer, plan_id).assignments
    name = f"bao-phu-{coverage.plan.window_from}-{plan_id[:8]}"
    write = COVERAGE_WRITERS.get(fmt)
    if write is None:
        return not_found(request)
    return Response(
        write(coverage, views, lang),
        media_type=EXPORT_MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(f"{name}.{fmt}")},
    )


@post("/inspections/{inspection_id:str}/follow-up", sync_to_thread=True, include_in_schema=False)
def follow_up(request: Request[Any, Any, Any], viewer: Actor, inspection_id: str) -> Redirect:
    plans.create_follow_up(server_of(request).db, viewer, inspection_id)
    return redirect(f"/console/inspections/{inspection_id}", flash="flash_follow_up")


HANDLERS = [
    plans_page,
    new_plan_page,
    create_plan,
    plan_page,
    edit_plan,
    close_plan,
    coverage_file,
    follow_up,
]
