"""Signing in and out, and the language switch."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.response import Redirect

from sync_server.console import security
from sync_server.console.i18n import translate
from sync_server.console.web import CONSOLE_ROLES, Form, cookie, lang_of, redirect, render, server_of, session_actor
from sync_server.core import auth
from sync_server.core.errors import ServiceError

DEVICE_COOKIE = "console_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600


@get("/", sync_to_thread=True, include_in_schema=False)
def index(request: Request[Any, Any, Any]) -> Redirect:
    return redirect("/console/inspections" if session_actor(request) else "/console/login")


@get("/login", sync_to_thread=True, include_in_schema=False)
def login_page(request: Request[Any, Any, Any], next: str | None = None) -> Response[str]:
    return render(request, "login.html", next=security.safe_next(next))


@post("/login", sync_to_thread=True, include_in_schema=False)
def login(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    server = server_of(request)
    username = (data.get("username") or "").strip()
    target = security.safe_next(data.get("next"))
    try:
        reply = auth.login(
            server.db,
            server.auth,
            username,
            data.get("password") or "",
            address=request.client.host if request.client else None,
            device_key=request.cookies.get(DEVICE_COOKIE),
        )
    except ServiceError as exc:
        return render(request, "login.html", status=exc.status, error=exc.detail, username=username, next=target)
    if reply.user.role not in CONSOLE_ROLES:
        auth.revoke(server.db, server.auth, reply.access_token)
        message = translate(lang_of(request), "console_roles_only")
        return render(request, "login.html", status=403, error=message, username=username, next=target)
    response = redirect(target)
    response.cookies.append(cookie(security.SESSION_COOKIE, reply.access_token, secure=request.url.scheme == "https"))
    if reply.device_key:  # lets this browser sign in while strangers have locked the user out
        response.cookies.append(
            cookie(DEVICE_COOKIE, reply.device_key, max_age=DEVICE_COOKIE_AGE, secure=request.url.scheme == "https")
        )
    return response


@post("/logout", sync_to_thread=True, include_in_schema=False)
def logout(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(security.SESSION_COOKIE)
    if token:
        server = server_of(request)
        auth.revoke(server.db, server.auth, token)
    response = redirect("/console/login", flash="flash_logged_out")
    response.cookies.append(cookie(security.SESSION_COOKIE, "", max_age=0))
    return response


@get("/lang/{lang:str}", sync_to_thread=False, include_in_schema=False)
def switch_language(lang: str, next: str | None = None) -> Redirect:
    response = redirect(security.safe_next(next))
    if lang in security.LANGUAGES:
        response.cookies.append(cookie(security.LANG_COOKIE, lang, max_age=365 * 24 * 3600))
    return response
