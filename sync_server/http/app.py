"""The Litestar application of the HTTP API.

``create_app(config, extra_route_handlers=...)`` builds the app: every ``/api/v1`` route (the
reports and exports of ``routes_reports`` too) and whatever a layer above passes in
``extra_route_handlers`` (route handlers, controllers or ``Router``s). The whole server, with
the web console's ``Router(path="/console", …)``, is assembled by ``sync_server.asgi``, the
top layer: this package never imports the console. Handlers reach the server's resources via
``request.app.state.server`` (a ``sync_server.core.server.Server``) or by declaring the
``server`` dependency, and the signed-in API user by declaring ``actor``.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from sync_server.core.config import ServerConfig
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
from sync_server.http.routes_reports import api_reports_router
from sync_server.http.routes_sync import SyncController
from sync_server.http.routes_units import UnitController

log = logging.getLogger("sync_server")


@get("/healthz", sync_to_thread=False, tags=["ops"], summary="Liveness: the server answers")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def settle_garbage_collector() -> None:
    """Once the app is built: move every object made so far (routes, schemas, templates) out
    of the collector's sight (``gc.freeze``) and collect the youngest generation less often.
    A push allocates thousands of short-lived objects; without this, full collections keep
    re-scanning the framework's long-lived objects in the middle of the single writer's
    work (measured: about a tenth of push time)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


def create_app(
    config: ServerConfig,
    extra_route_handlers: Sequence[Any] = (),
    *,
    debug: bool = False,
    settle_gc: bool = False,
) -> Litestar:
    """The API app, with ``extra_route_handlers`` mounted after the API's routes. ``settle_gc`` is for a serving process (``settle_garbage_collector``
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
            api_reports_router,
            *extra_route_handlers,
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
