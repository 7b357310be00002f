"""What schemathesis found once it reached real records (``test_schemathesis.py``): the
downloads' answers named media types the schema did not document (it said
``application/json`` for every one), and a CSV export named its charset twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from shared_schema.protocol import IMAGE_MEDIA_TYPES
from sync_server.core import auth
from sync_server.core.access import SYSTEM
from sync_server.http.app import create_app
from tests.sync_server.conftest import PASSWORD, make_config


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A test client of a fresh server, and an admin's authorization header."""
    app = create_app(make_config(tmp_path), extra_route_handlers=[])
    with TestClient(app) as client:
        server = app.state.server
        auth.create_user(server.db, SYSTEM, "quantri", PASSWORD, "admin", [])
        token = auth.login(server.db, server.auth, "quantri", PASSWORD).access_token
        yield client, {"Authorization": f"Bearer {token}"}


def test_a_csv_export_names_its_charset_once(client: tuple[TestClient, dict[str, str]]) -> None:
    http, admin = client
    reply = http.get("/api/v1/exports/inspections.csv", headers=admin)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/csv; charset=utf-8"


def test_the_schema_documents_each_media_type_a_download_answers_with(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    http, _ = client
    paths = http.get("/schema/openapi.json").json()["paths"]

    def documented(path: str) -> list[str]:
        return list(paths[path]["get"]["responses"]["200"]["content"])

    assert documented("/api/v1/exports/{filename}") == [
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/geo+json",
    ]
    assert documented("/api/v1/reports/{filename}") == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/pdf",
    ]
    assert documented("/api/v1/blobs/{sha256}") == [*IMAGE_MEDIA_TYPES, "application/octet-stream"]
