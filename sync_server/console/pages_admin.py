"""Admins' pages: users (create, role, districts, deactivate, reset password), devices and
the audit log."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from shared_schema.records import ROLES
from sync_server.console.web import Form, not_found, redirect, render, server_of
from sync_server.core import audit, auth, devices, queries
from sync_server.core.access import Actor
from sync_server.core.errors import ServiceError

AUDIT_PAGE = 100


def _districts(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]


def _users_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    *,
    status: int = 200,
    error: ServiceError | None = None,
    values: dict[str, str] | None = None,
) -> Response[str]:
    server = server_of(request)
    return render(
        request,
        "users.html",
        status=status,
        users=auth.list_users(server.db, viewer),
        roles=ROLES,
        error=error,
        values=values or {"role": "inspector"},
    )


@get("/users", sync_to_thread=True, include_in_schema=False)
def users_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    return _users_page(request, viewer)


@post("/users", sync_to_thread=True, include_in_schema=False)
def create_user(request: Request[Any, Any, Any], viewer: Actor, data: Form) -> Response[Any]:
    server = server_of(request)
    try:
        auth.create_user(
            server.db,
            viewer,
            data.get("username") or "",
            data.get("password") or "",
            data.get("role") or "",
            _districts(data.get("districts")),
            (data.get("full_name") or "").strip() or None,
        )
    except ServiceError as exc:
        return _users_page(
            request, viewer, status=exc.status, error=exc, values={k: v for k, v in data.items() if k != "password"}
        )
    return redirect("/console/users", flash="flash_user_saved")


def _user(server: Any, viewer: Actor, user_id: str) -> auth.UserRecord | None:
    return next((u for u in auth.list_users(server.db, viewer) if u.id == user_id), None)


def _user_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    user_id: str,
    *,
    status: int = 200,
    error: ServiceError | None = None,
) -> Response[str]:
    server = server_of(request)
    user = _user(server, viewer, user_id)
    if user is None:
        return not_found(request)
    return render(request, "user.html", status=status, user=user, roles=ROLES, error=error)


@get("/users/{user_id:str}", sync_to_thread=True, include_in_schema=False)
def user_page(request: Request[Any, Any, Any], viewer: Actor, user_id: str) -> Response[str]:
    return _user_page(request, viewer, user_id)


@post("/users/{user_id:str}", sync_to_thread=True, include_in_schema=False)
def update_user(request: Request[Any, Any, Any], viewer: Actor, user_id: str, data: Form) -> Response[Any]:
    """One form per change: ``action`` is ``save`` (name, role, districts), ``activate``,
    ``deactivate`` or ``password``."""
    server = server_of(request)
    action = data.get("action") or "save"
    flash = "flash_user_saved"
    try:
        if action == "password":
            auth.update_user(server.db, viewer, user_id, password=data.get("password") or "")
            flash = "flash_password_reset"
        elif action in ("activate", "deactivate"):
            auth.update_user(server.db, viewer, user_id, active=action == "activate")
        else:
            auth.update_user(
                server.db,
                viewer,
                user_id,
                role=data.get("role") or None,
                districts=_districts(data.get("districts")),
                full_name=(data.get("full_name") or "").strip() or None,
            )
    except ServiceError as exc:
        return _user_page(request, viewer, user_id, status=exc.status, error=exc)
    return redirect(f"/console/users/{user_id}", flash=flash)


@get("/devices", sync_to_thread=True, include_in_schema=False)
def devices_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    return render(request, "devices.html", devices=devices.list_clients(server_of(request).db, viewer))


@get("/audit", sync_to_thread=True, include_in_schema=False)
def audit_page(
    request: Request[Any, Any, Any],
    viewer: Actor,
    username: str | None = None,
    action: str | None = None,
    page: int = 1,
) -> Response[str]:
    server = server_of(request)
    page = max(page, 1)
    entries = audit.list_entries(
        server.db,
        viewer,
        username=username or None,
        action=action or None,
        limit=AUDIT_PAGE + 1,
        offset=(page - 1) * AUDIT_PAGE,
    )
    return render(
        request,
        "audit.html",
        entries=entries[:AUDIT_PAGE],
        has_more=len(entries) > AUDIT_PAGE,
        page=page,
        username=username or "",
        action=action or "",
        actions=queries.audit_actions(server.db, viewer),
    )


HANDLERS = [users_page, create_user, user_page, update_user, devices_page, audit_page]
