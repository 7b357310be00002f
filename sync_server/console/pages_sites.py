"""Admins' site registry pages: list, create, edit, CSV import (all or nothing, with a
row-by-row report) and the CSV template."""

from __future__ import annotations

import csv
import io
import math
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile

from shared_schema import actions as action_rules
from shared_schema.errors import FieldProblem
from shared_schema.records import SITE_KINDS, Contact, Location, Site
from sync_server.console.web import Form, Upload, redirect, render, server_of
from sync_server.core import actions as corrective_actions
from sync_server.core import queries, registry
from sync_server.core.access import Actor
from sync_server.core.errors import Invalid, ServiceError, bi, problem
from sync_server.http.downloads import content_disposition
from sync_server.http.routes_reports import EXPORT_MEDIA_TYPES

PAGE_SIZE = 50
# One example row of the CSV template; columns the registry has and this row lacks stay empty.
TEMPLATE_EXAMPLE = {
    "code": "DN-PB-001",
    "name": "Công ty TNHH Ví dụ",
    "kind": "DN_SX",
    "district": "H. Phú Bình",
    "address": "Xã Kha Sơn, huyện Phú Bình",
    "workers": "1200",
    "contact_name": "Nguyễn Văn A",
    "contact_phone": "0912345678",
    "lat": "21.4932",
    "lon": "105.9871",
    "active": "1",
}
# The lists the import page's help ("csv_help") names, from the rules the import applies.
CSV_HELP_VALUES = {
    "columns": ", ".join(registry.CSV_COLUMNS),
    "required": ", ".join(registry.CSV_REQUIRED),
    "kinds": ", ".join(SITE_KINDS),
}


@get("/sites", sync_to_thread=True, include_in_schema=False)
def sites_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    q: str | None = None,
    district: str | None = None,
    kind: str | None = None,
    page: int = 1,
    cursor: str | None = None,
) -> Response[str]:
    """The registry page by page: "next" and "previous" follow the keyset cursors of
    ``registry.list_sites`` (sites added meanwhile never make a row skip or repeat); a bare
    ``page`` (an old link) is read by offset."""
    server = server_of(request)
    page = max(page, 1)
    cursor = (cursor or "").strip() or None
    error = None
    try:
        result = registry.list_sites(
            server.db,
            viewer,
            q=q or None,
            district=district or None,
            kind=kind or None,
            limit=PAGE_SIZE,
            offset=0 if cursor else (page - 1) * PAGE_SIZE,
            cursor=cursor,
        )
    except ServiceError as exc:
        result, error = registry.SitePage(items=[], total=0, limit=PAGE_SIZE, offset=0), exc.detail
    query = {k: v for k, v in {"q": q, "district": district, "kind": kind}.items() if v}
    return render(
        request,
        "sites.html",
        sites=result,
        error=error,
        page=page,
        pages=max(1, math.ceil(result.total / PAGE_SIZE)),
        q=q or "",
        district=district or "",
        kind=kind or "",
        site_kinds=list(SITE_KINDS),
        districts=queries.districts_in_scope(server.db, viewer),
        query=urlencode(query),
        next_query=urlencode({**query, "page": page + 1, "cursor": result.next_cursor}) if result.next_cursor else None,
        prev_query=(
            urlencode({**query, "page": page - 1, "cursor": result.prev_cursor})
            if page > 2 and result.prev_cursor
            else urlencode(query)
            if page > 1 or result.prev_cursor
            else None
        ),
    )


def _float(text: str) -> float:
    return float(text.replace(",", "."))


def _site_input(server: Any, form: dict[str, str]) -> registry.SiteInput:
    """The form as a ``SiteInput``; ``Invalid`` listing each field that cannot be read."""
    problems: list[FieldProblem] = []
    value = {
        name: (form.get(name) or "").strip()
        for name in (
            "code",
            "name",
            "kind",
            "district",
            "address",
            "parent",
            "workers",
            "contact_name",
            "contact_phone",
            "lat",
            "lon",
            "notes",
        )
    }
    workers = None
    if value["workers"]:
        try:
            workers = int(value["workers"].replace(".", "").replace(" ", ""))
        except ValueError:
            problems.append(problem("workers", "Số lao động phải là số nguyên.", "Workers must be a whole number."))
    location = None
    if value["lat"] or value["lon"]:
        try:
            location = Location(lat=_float(value["lat"]), lon=_float(value["lon"]))
        except ValueError:
            problems.append(
                problem("location", "Cần cả vĩ độ và kinh độ dạng số.", "Give both latitude and longitude as numbers.")
            )
    parent_id = None
    if value["parent"]:
        found = queries.site_code_and_id(server.db, value["parent"])
        if found is None:
            problems.append(
                problem(
                    "parent_id", f"Không có cơ sở mã '{value['parent']}'.", f"No site has the code '{value['parent']}'."
                )
            )
        else:
            parent_id = found[1]
    if problems:
        raise Invalid(bi("Thông tin cơ sở chưa hợp lệ.", "The site is invalid."), errors=problems)
    contact = (
        Contact(name=value["contact_name"] or None, phone=value["contact_phone"] or None)
        if value["contact_name"] or value["contact_phone"]
        else None
    )
    return registry.SiteInput(
        code=value["code"],
        name=value["name"],
        kind=value["kind"],
        district=value["district"],
        address=value["address"] or None,
        parent_id=parent_id,
        workers=workers,
        contact=contact,
        location=location,
        notes=value["notes"] or None,
        active=form.get("active") in ("on", "1", "true"),
    )


def _form_values(site: Site | None, server: Any) -> dict[str, Any]:
    if site is None:
        return {"active": "on"}
    parent = queries.site_code_and_id(server.db, site.parent_id) if site.parent_id else None
    return {
        "code": site.code,
        "name": site.name,
        "kind": site.kind,
        "district": site.district,
        "address": site.address or "",
        "parent": parent[0] if parent else "",
        "workers": "" if site.workers is None else str(site.workers),
        "contact_name": site.contact.name if site.contact else "",
        "contact_phone": site.contact.phone if site.contact else "",
        "lat": "" if site.location is None else str(site.location.lat),
        "lon": "" if site.location is None else str(site.location.lon),
        "notes": site.notes or "",
        "active": "on" if site.active else "",
    }


def _site_form(
    request: Request[Any, Any, Any],
    values: dict[str, Any],
    *,
    site_id: str | None = None,
    status: int = 200,
    error: ServiceError | None = None,
) -> Response[str]:
    viewer = getattr(request.state, "viewer", None)
    history = (
        corrective_actions.list_actions(server_of(request).db, viewer, site_id=site_id, sort="updated", limit=500).items
        if site_id and viewer is not None
        else []
    )
    return render(
        request,
        "site_form.html",
        status=status,
        values=values,
        site_id=site_id,
        error=error,
        site_kinds=list(SITE_KINDS),
        action_items=history,
        action_status_labels=action_rules.STATUS_LABELS,
    )


@get("/sites/new", sync_to_thread=True, include_in_schema=False)
def new_site_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    return _site_form(request, _form_values(None, server_of(request)))


@post("/sites/new", sync_to_thread=True, include_in_schema=False)
def create_site(request: Request[Any, Any, Any], viewer: Actor, data: Form) -> Response[Any]:
    server = server_of(request)
    try:
        site = registry.create_site(server.db, viewer, _site_input(server, data))
    except ServiceError as exc:
        return _site_form(request, data, status=exc.status, error=exc)
    return redirect(f"/console/sites/{site.id}", flash="flash_site_saved")


@get("/sites/template.csv", sync_to_thread=True, include_in_schema=False)
def csv_template(viewer: Actor) -> Response[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(registry.CSV_COLUMNS)
    writer.writerow([TEMPLATE_EXAMPLE.get(column, "") for column in registry.CSV_COLUMNS])
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type=EXPORT_MEDIA_TYPES["csv"],
        headers={"Content-Disposition": content_disposition("sites-template.csv")},
    )


@get("/sites/import", sync_to_thread=True, include_in_schema=False)
def import_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    return render(request, "sites_import.html", help=CSV_HELP_VALUES)


@post("/sites/import", sync_to_thread=True, include_in_schema=False)
def import_sites(request: Request[Any, Any, Any], viewer: Actor, data: Upload) -> Response[Any]:
    server = server_of(request)
    file = data.get("file")
    error: ServiceError | None = None
    report = None
    if not isinstance(file, UploadFile):
        error = Invalid(bi("Hãy chọn một tệp CSV.", "Choose a CSV file."))
    else:
        try:
            text = file.file.read().decode("utf-8")
            report = registry.import_sites_csv(server.db, viewer, text)
        except UnicodeDecodeError:
            error = Invalid(bi("Tệp CSV phải mã hóa UTF-8.", "The CSV file must be UTF-8 encoded."))
        except ServiceError as exc:
            error = exc
    status = error.status if error is not None else 200
    return render(request, "sites_import.html", status=status, help=CSV_HELP_VALUES, error=error, report=report)


@get("/sites/{site_id:str}", sync_to_thread=True, include_in_schema=False)
def edit_site_page(request: Request[Any, Any, Any], viewer: Actor, site_id: str) -> Response[str]:
    server = server_of(request)
    site = registry.get_site(server.db, viewer, site_id)
    return _site_form(request, _form_values(site, server), site_id=site_id)


@post("/sites/{site_id:str}", sync_to_thread=True, include_in_schema=False)
def update_site(request: Request[Any, Any, Any], viewer: Actor, site_id: str, data: Form) -> Response[Any]:
    server = server_of(request)
    try:
        given = _site_input(server, data)
        patch = registry.SitePatch(**{name: getattr(given, name) for name in registry.SITE_FIELDS})
        registry.update_site(server.db, viewer, site_id, patch)
    except ServiceError as exc:
        return _site_form(request, data, site_id=site_id, status=exc.status, error=exc)
    return redirect(f"/console/sites/{site_id}", flash="flash_site_saved")


HANDLERS = [
    sites_page,
    new_site_page,
    create_site,
    csv_template,
    import_page,
    import_sites,
    edit_site_page,
    update_site,
]
