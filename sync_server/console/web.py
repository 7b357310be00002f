"""What every console handler shares: the signed-in viewer, the language, CSRF, flash
messages and rendering a Jinja template into an HTML response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from shared_schema.text import local_text
from sync_server.console import security
from sync_server.console.checklist_view import relevance_text
from sync_server.console.i18n import translator
from sync_server.core import auth
from sync_server.core.access import Actor
from sync_server.core.errors import Unauthorized
from sync_server.core.server import Server
from sync_server.reports import formatting

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
CONSOLE_ROLES = frozenset({"supervisor", "admin"})
FLASH_COOKIE = "console_flash"
# Pages load nothing from elsewhere and run no script but the vendored htmx (no inline script,
# no eval); forms post only to this server.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
# The body of a console form post, as handlers declare it (``data: Form``); ``Upload`` for a
# form with a file.
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

env = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters["dt"] = formatting.fmt_datetime
env.filters["date"] = formatting.fmt_date
env.filters["num"] = lambda v: "" if v is None else formatting.fmt_number(v)
env.filters["lnum"] = lambda v, lang="vi", decimals=2: (
    "" if v is None else formatting.fmt_number_local(v, lang, decimals)
)
env.filters["loc"] = formatting.fmt_location


def value_text(value: Any) -> str:
    """A stored value as a person reads it: text as is, anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


env.filters["val"] = value_text
env.globals["relevance_text"] = relevance_text


class LoginRequired(Exception):
    """The page needs a signed-in supervisor or admin; the handler redirects to the login page."""


class ConsoleForbidden(Exception):
    """Signed in, but the role may not open this page; ``key`` names the message."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class CsrfRejected(Exception):
    """A POST whose CSRF token does not match the browser's nonce."""


def server_of(request: Request[Any, Any, Any]) -> Server:
    return request.app.state.server


def lang_of(request: Request[Any, Any, Any]) -> str:
    lang = request.cookies.get(security.LANG_COOKIE, "vi")
    return lang if lang in security.LANGUAGES else "vi"


def pick_lang(text: object, lang: str) -> str:
    """A service message in one language: its structured ``vi``/``en`` (``bi()``, a
    ``LocalText``) picked, never a string split; any other text as it is."""
    local = local_text(text)
    if local is not None:
        return local.get(lang)
    return "" if text is None else str(text)


def session_actor(request: Request[Any, Any, Any]) -> Actor | None:
    """The user of the session cookie, or None (no cookie, expired, revoked, deactivated)."""
    token = request.cookies.get(security.SESSION_COOKIE)
    if not token:
        return None
    server = server_of(request)
    try:
        return auth.authenticate(server.db, server.auth, token)
    except Unauthorized:
        return None


def provide_viewer(request: Request[Any, Any, Any]) -> Actor:
    """A signed-in supervisor or admin; inspectors are refused, anyone else sent to log in."""
    actor = session_actor(request)
    if actor is None:
        raise LoginRequired()
    if actor.role not in CONSOLE_ROLES:
        raise ConsoleForbidden("console_roles_only")
    request.state.viewer = actor
    return actor


def provide_admin_viewer(request: Request[Any, Any, Any]) -> Actor:
    """The viewer of the admin area (``router.ADMIN_PAGES``): an admin; a supervisor gets the
    "admins only" page, anyone else what ``provide_viewer`` gives them."""
    actor = provide_viewer(request)
    if not actor.is_admin:
        raise ConsoleForbidden("admins_only")
    return actor


def nonce_of(request: Request[Any, Any, Any]) -> str:
    """The browser's CSRF nonce; a new one (set on the response by ``render``) when absent."""
    nonce = request.cookies.get(security.NONCE_COOKIE) or getattr(request.state, "new_nonce", None)
    if not nonce:
        nonce = security.new_nonce()
        request.state.new_nonce = nonce
    return nonce


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """Router hook: every unsafe request must carry the CSRF token of the browser's nonce."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.headers.get(security.CSRF_HEADER)
    if not submitted:
        form = await request.form()
        value = form.get(security.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    server = server_of(request)
    if not security.csrf_valid(server.config.secret_key, request.cookies.get(security.NONCE_COOKIE), submitted):
        raise CsrfRejected()


def cookie(key: str, value: str, *, max_age: int | None = None, secure: bool = False) -> Cookie:
    """A console cookie: HttpOnly, SameSite=Lax, only sent to ``/console`` (Secure over HTTPS)."""
    return Cookie(key=key, value=value, path="/console", httponly=True, samesite="lax", max_age=max_age, secure=secure)


def render(request: Request[Any, Any, Any], template_name: str, *, status: int = 200, **context: Any) -> Response[str]:
    """``template_name`` rendered with the page context (language, viewer, CSRF token, flash)."""
    lang = lang_of(request)
    nonce = nonce_of(request)
    server = server_of(request)
    viewer: Actor | None = getattr(request.state, "viewer", None)
    flash_key = request.cookies.get(FLASH_COOKIE)
    page = {
        "lang": lang,
        "t": translator(lang),
        "viewer": viewer,
        "csrf_field": security.CSRF_FIELD,
        "csrf_token": security.csrf_token(server.config.secret_key, nonce),
        "flash": flash_key,
        "path": request.url.path,
        "here": quote(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""), safe=""),
        "pick": lambda text: pick_lang(text, lang),
        "status_label": lambda s: formatting.status_label(s, lang),
        "site_kind_label": lambda k: formatting.site_kind_label(k, lang),
        "kind_label": lambda k: formatting.inspection_kind_label(k, lang),
    }
    html = env.get_template(template_name).render(**page, **context)
    cookies = []
    if getattr(request.state, "new_nonce", None):
        cookies.append(cookie(security.NONCE_COOKIE, request.state.new_nonce))
    if flash_key:
        cookies.append(cookie(FLASH_COOKIE, "", max_age=0))
    return Response(
        html,
        status_code=status,
        media_type="text/html",
        cookies=cookies,
        headers=PAGE_HEADERS,
    )


def not_found(request: Request[Any, Any, Any]) -> Response[str]:
    """The console's "no such page or record" page (404), in the reader's language."""
    return render(request, "error.html", status=404, message=translator(lang_of(request))("not_found"))


def redirect(path: str, flash: str | None = None) -> Redirect:
    """A 303 redirect (POST → GET), optionally with a flash message key for the next page."""
    cookies = [cookie(FLASH_COOKIE, flash, max_age=60)] if flash else []
    return Redirect(path=path, status_code=303, cookies=cookies)
