"""Admins' page of administrative units: the list (in force and retired, with what names each
one), adding a unit, and retiring one by merging it into another after a confirmation that
says what will move."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from shared_schema.records import UNIT_KINDS
from sync_server.console.web import Form, not_found, redirect, render, server_of
from sync_server.core import units
from sync_server.core.access import Actor
from sync_server.core.errors import ServiceError


def _units_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    values: dict[str, str] | None = None,
    confirm: dict[str, Any] | None = None,
) -> Response[str]:
    server = server_of(request)
    listed = units.list_units(server.db, viewer)
    return render(
        request,
        "units.html",
        status=status,
        units=listed,
        in_force=[u for u in listed if u.in_force],
        usage=units.unit_usage(server.db, viewer),
        kinds=UNIT_KINDS,
        error=error,
        values=values or {"kind": "district"},
        confirm=confirm,
    )


@get("/units", sync_to_thread=True, include_in_schema=False)
def units_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    return _units_page(request, viewer)


@post("/units", sync_to_thread=True, include_in_schema=False)
def create_unit(request: Request[Any, Any, Any], viewer: Actor, data: Form) -> Response[Any]:
    try:
        units.create_unit(
            server_of(request).db,
            viewer,
            units.UnitInput(
                name=data.get("name") or "",
                kind=data.get("kind") or "",
                parent=(data.get("parent") or "").strip() or None,
            ),
        )
    except ServiceError as exc:
        return _units_page(request, viewer, status=exc.status, error=exc, values=dict(data))
    return redirect("/console/units", flash="flash_unit_saved")


@post("/units/{unit_id:str}/merge", sync_to_thread=True, include_in_schema=False)
def merge_unit(request: Request[Any, Any, Any], viewer: Actor, unit_id: str, data: Form) -> Response[Any]:
    """Without ``confirm``: the same page with a confirmation of what will move; with it: the merge."""
    server = server_of(request)
    into = (data.get("into") or "").strip()
    unit = next((u for u in units.list_units(server.db, viewer) if u.id == unit_id), None)
    if unit is None:
        return not_found(request)
    if data.get("confirm") != "1":
        usage = units.unit_usage(server.db, viewer).get(unit.name, units.UnitUsage())
        return _units_page(request, viewer, confirm={"unit": unit, "into": into, "usage": usage})
    try:
        units.merge_unit(server.db, viewer, unit_id, units.MergeInput(into=into))
    except ServiceError as exc:
        return _units_page(request, viewer, status=exc.status, error=exc)
    return redirect("/console/units", flash="flash_unit_merged")


HANDLERS = [units_page, create_unit, merge_unit]
