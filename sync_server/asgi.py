"""The whole server as one ASGI app: the HTTP API (``sync_server.http``) with the web console
(``sync_server.console``) mounted beside it.

This is the top layer of the server (``cli`` → ``asgi`` → ``console`` → ``http`` → ``reports``
→ ``core``, checked by import-linter): the only module that knows both the API and the console.
``python -m sync_server serve`` runs ``create_app``; each ``serve --workers N`` process calls
``app_from_env``.
"""

from __future__ import annotations

from litestar import Litestar

from sync_server import console
from sync_server.core.config import ServerConfig, from_env
from sync_server.http import app as api


def create_app(config: ServerConfig, *, debug: bool = False, settle_gc: bool = False) -> Litestar:
    """The server's app: every API route, then the console. ``settle_gc`` is for a serving
    process (``sync_server.http.app.settle_garbage_collector`` at start-up)."""
    return api.create_app(config, [console.router], debug=debug, settle_gc=settle_gc)


def app_from_env() -> Litestar:
    """The app configured from the environment: the factory each ``serve --workers N``
    process calls."""
    return create_app(from_env(), settle_gc=True)
