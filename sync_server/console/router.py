"""The console router (``/console``): pages, static files, session login, CSRF on every
POST, and error pages in the user's language instead of JSON problems."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.static_files import create_static_files_router

from sync_server import fonts
from sync_server.console import (
    pages_actions,
    pages_admin,
    pages_auth,
    pages_checklists,
    pages_dashboard,
    pages_inspections,
    pages_map,
    pages_plans,
    pages_sites,
    pages_summary,
    pages_units,
)
from sync_server.console.i18n import translate
from sync_server.console.web import (
    STATIC_DIR,
    ConsoleForbidden,
    CsrfRejected,
    LoginRequired,
    check_csrf,
    lang_of,
    not_found,
    pick_lang,
    provide_admin_viewer,
    provide_viewer,
    redirect,
    render,
)
from sync_server.core.errors import ServiceError

log = logging.getLogger("sync_server.console")


def _login_redirect(request: Request[Any, Any, Any], exc: LoginRequired) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    from urllib.parse import quote

    return redirect(f"/console/login?next={quote(target, safe='')}")


def _forbidden(request: Request[Any, Any, Any], exc: ConsoleForbidden) -> Response[Any]:
    return render(request, "error.html", status=403, message=translate(lang_of(request), exc.key))


def _csrf(request: Request[Any, Any, Any], exc: CsrfRejected) -> Response[Any]:
    return render(request, "error.html", status=403, message=translate(lang_of(request), "csrf_failed"))


def _service_error(request: Request[Any, Any, Any], exc: ServiceError) -> Response[Any]:
    return render(request, "error.html", status=exc.status, message=pick_lang(exc.detail, lang_of(request)))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("console: unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(request, "error.html", status=500, message=translate(lang_of(request), "server_error"))


def _not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    return not_found(request)


def _bad_request(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return render(request, "error.html", status=exc.status_code, message=translate(lang_of(request), "bad_request"))


PAGES = [
    *pages_inspections.HANDLERS,
    *pages_dashboard.HANDLERS,
    *pages_actions.HANDLERS,
    *pages_map.HANDLERS,
    *pages_summary.HANDLERS,
    *pages_plans.HANDLERS,
]
# The admin area: every page of it is for admins only, said once here (its ``viewer`` is an admin).
ADMIN_PAGES = [
    *pages_checklists.HANDLERS,
    *pages_sites.HANDLERS,
    *pages_admin.HANDLERS,
    *pages_units.HANDLERS,
]
admin_router = Router(
    path="/",
    route_handlers=ADMIN_PAGES,
    dependencies={"viewer": Provide(provide_admin_viewer, sync_to_thread=True)},
)

console_router = Router(
    path="/console",
    route_handlers=[
        pages_auth.index,
        pages_auth.login_page,
        pages_auth.login,
        pages_auth.logout,
        pages_auth.switch_language,
        *PAGES,
        admin_router,
        create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        # The shipped DejaVu Sans, so Vietnamese looks the same on every desk, offline too.
        create_static_files_router(
            path="/fonts",
            directories=[fonts.FONT_DIR],
            include_in_schema=False,
            cache_control=CacheControlHeader(max_age=7 * 24 * 3600),
        ),
    ],
    dependencies={"viewer": Provide(provide_viewer, sync_to_thread=True)},
    before_request=check_csrf,
    exception_handlers={
        LoginRequired: _login_redirect,
        ConsoleForbidden: _forbidden,
        CsrfRejected: _csrf,
        ServiceError: _service_error,
        NotFoundException: _not_found,
        HTTPException: _bad_request,
        Exception: _unexpected,
    },
    include_in_schema=False,
)
