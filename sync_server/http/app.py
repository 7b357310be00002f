"""The Litestar application.

``create_app(config, extra_route_handlers=...)`` builds the app. Other parts of the server
mount their routes through ``extra_route_handlers`` (route handlers, controllers or
``Router``s); the web console, for example, passes a ``Router(path="/console", …)``. When
``extra_route_handlers`` is not given, ``create_app`` mounts ``sync_server.console.router``
and ``sync_server.reports.router`` (a module attribute ``router``) if those packages exist.
Handlers reach the server's resources via ``request.app.state.server``
(a ``sync_server.core.server.Server``) or by declaring the ``server`` dependency, and the
signed-in API user by declaring ``actor``.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from sync_server.core.config import ServerConfig, from_env
from sync_server.core.server import Server
from sync_server.http.deps import DEPENDENCIES
from sync_server.http.input_guard import input_guard
from sync_server.http.openapi_errors import document_errors
from sync_server.http.problems import EXCEPTION_HANDLERS
from sync_server.http.routes_actions import ActionController
from sync_server.http.routes_admin import AdminController
from sync_server.http.routes_auth import AuthController
from sync_server.http.routes_blobs import BlobController
from sync_server.http.routes_inspections import InspectionController
from sync_server.http.routes_plans import PlanController
from sync_server.http.routes_registry import SiteController, TemplateController
from sync_server.http.routes_sync import SyncController
from sync_server.http.routes_units import UnitController

log = logging.getLogger("sync_server")
OPTIONAL_ROUTERS = ("sync_server.console", "sync_server.reports")


@get("/healthz", sync_to_thread=False, tags=["ops"], summary="Liveness: the server answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def optional_routers() -> list[Any]:
    """``router`` of each optional package (console, reports) that is present."""
    found: list[Any] = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue
            raise
        router = getattr(module, "router", None)
        if router is not None:
            found.append(router)
    return found


def settle_garbage_collector() -> None:
    """Once the app is built: move every object made so far (routes, schemas, templates) out
    of the collector's sight (``gc.freeze``) and collect the youngest generation less often.
    A push allocates thousands of short-lived objects; without this, full collections keep
    re-scanning the framework's long-lived objects in the middle of the single writer's
    work (measured: about a tenth of push time)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def app_from_env() -> Litestar:
    """The app configured from the environment: the factory each ``serve --workers N``
    process calls."""
    return create_app(from_env(), settle_gc=True)


def create_app(
    config: ServerConfig,
    extra_route_handlers: Sequence[Any] | None = None,
    *,
    debug: bool = False,
    settle_gc: bool = False,
) -> Litestar:
    """The Litestar app. ``settle_gc`` is for a serving process (``settle_garbage_collector``
    at start-up); tests that build many apps in one process leave it off."""
    server_holder: dict[str, Server] = {}

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        server = Server.open(config)
        server_holder["server"] = server
        app.state.server = server
        if settle_gc:
            settle_garbage_collector()
        try:
            yield
        finally:
            server.close()

    extra = list(optional_routers() if extra_route_handlers is None else extra_route_handlers)
    app = Litestar(
        route_handlers=[
            healthz,
            AuthController,
            SyncController,
            BlobController,
            SiteController,
            TemplateController,
            InspectionController,
            ActionController,
            PlanController,
            AdminController,
            UnitController,
            *extra,
        ],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[input_guard],
        lifespan=[lifespan],
        request_max_body_size=config.max_body_bytes,
        debug=debug,
        openapi_config=OpenAPIConfig(
            title="Field inspection sync server",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
    )
    document_errors(app)
    return app
