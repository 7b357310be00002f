"""The map page (Bản đồ): the sites of the viewer's districts as markers coloured by their
latest inspection, with filters, clustering and popups (``core.site_map`` decides every
state; this module only renders the page and serves the markers as JSON)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, get

from shared_schema.records import SITE_KINDS
from sync_server.console.web import PAGE_HEADERS, lang_of, pick_lang, render, server_of
from sync_server.core import queries, site_map
from sync_server.core.access import Actor
from sync_server.core.errors import ServiceError
from sync_server.reports.formatting import fmt_datetime

FILTERS = ("district", "site_kind", "date_from", "date_to")


def _filters(query: Any) -> dict[str, str | None]:
    return {name: (query.get(name) or "").strip() or None for name in FILTERS}


def tile_origin(url: str) -> str | None:
    """The origin the browser fetches tiles from, for the page's Content-Security-Policy
    (``{s}`` subdomains become a wildcard); None for tiles served by this server or none."""
    if not url or url.startswith("/"):
        return None
    parts = urlsplit(url.replace("{s}.", "SUBDOMAIN."))
    host = parts.netloc.replace("SUBDOMAIN.", "*.")
    return f"{parts.scheme}://{host}"


@get("/map", sync_to_thread=True, include_in_schema=False)
def map_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    lang = lang_of(request)
    filters = _filters(request.query_params)
    config = server.config
    settings = {
        "markers": "/console/map/markers",
        "tiles": config.map_tile_url,
        "attribution": config.map_tile_attribution,
        "lang": lang,
        "states": {state: label.get(lang) for state, label in site_map.STATES.items()},
        "kinds": {kind: label.get(lang) for kind, label in SITE_KINDS.items()},
    }
    response = render(
        request,
        "map.html",
        filters=filters,
        districts=queries.districts_in_scope(server.db, viewer),
        site_kinds=list(SITE_KINDS),
        states=site_map.STATES,
        settings=json.dumps(settings, ensure_ascii=False),
    )
    # images: the tile host, and data: (Leaflet blanks a tile that failed with an empty data: image)
    origin = tile_origin(config.map_tile_url)
    sources = " ".join(["'self'", "data:", *([origin] if origin else [])])
    response.headers["Content-Security-Policy"] = PAGE_HEADERS["Content-Security-Policy"].replace(
        "img-src 'self'", f"img-src {sources}"
    )
    return response


@get("/map/markers", sync_to_thread=True, include_in_schema=False)
def map_markers(request: Request[Any, Any, Any], viewer: Actor) -> Response[bytes]:
    """The markers of the map page as JSON (``core.site_map.SiteMap``), with each inspection
    time also written for a person (``inspected_at_text``); a bad filter is a 400 with a
    message in the viewer's language."""
    server = server_of(request)
    lang = lang_of(request)
    try:
        data = site_map.site_map(server.db, viewer, **_filters(request.query_params))
    except ServiceError as exc:
        body = {"code": exc.code, "detail": pick_lang(exc.detail, lang)}
        return Response(msgspec.json.encode(body), status_code=exc.status, media_type="application/json")
    payload = msgspec.to_builtins(data)
    for marker in payload["markers"]:
        marker["inspected_at_text"] = (
            fmt_datetime(marker.get("inspected_at"), lang) if marker.get("inspected_at") else None
        )
    return Response(
        msgspec.json.encode(payload),
        media_type="application/json",
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


HANDLERS = [map_page, map_markers]
