"""Fixtures for the sync server tests.

A seed database (users of every role, sites in two districts, the sample checklist published,
and a token per user) is built once per session; each test gets its own copy, so every test
runs against a real SQLite file without paying for password hashing again.

Every test that uses the seed runs twice: on SQLite (a copy of the seed file) and on a real
PostgreSQL (``CREATE DATABASE … TEMPLATE`` the seed database, dropped after the test), see
``tests/support/postgres.py`` for ``TEST_POSTGRES_URL`` and what happens when none is reachable.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from shared_schema.records import Site
from sync_server.core import auth, registry
from sync_server.core.access import SYSTEM, Actor
from sync_server.core.config import ServerConfig
from sync_server.core.server import Server
from sync_server.http.app import create_app
from tests.support import postgres
from tests.support.sample_checklist import sample_template

SECRET = "test-secret-key"
PASSWORD = "correct horse battery"
DISTRICT_A = "TX Phổ Yên"
DISTRICT_B = "TP Sông Công"
# POST /api/v1/plans: the sample checklist in district A, one team led by insp_a.
PLAN_BODY: dict[str, Any] = {
    "name": "Đợt kiểm tra nhà máy",
    "template_id": "sample-factory",
    "window_from": "2021-06-01",
    "window_to": "2999-06-30",
    "teams": [{"name": "Đoàn 1", "lead": "insp_a"}],
    "sites": {"district": DISTRICT_A},
}
USERS = {
    "admin": ("admin", []),
    "sup": ("supervisor", [DISTRICT_A]),
    "insp_a": ("inspector", [DISTRICT_A]),
    "insp_a2": ("inspector", [DISTRICT_A]),
    "insp_b": ("inspector", [DISTRICT_B]),
}


@dataclass
class World:
    server: Server
    db_path: Path | str  # the SQLite file, or the PostgreSQL URL (both work with dump_database)
    tokens: dict[str, str]
    site_a: str
    site_b: str

    def actor(self, username: str) -> Actor:
        with self.server.db.read() as tx:
            user_id = tx.scalar("SELECT id FROM users WHERE username = ?", (username,))
        actor = auth.actor_for_user(self.server.db, user_id)
        assert actor is not None
        return actor

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


BACKENDS = ("sqlite", "postgres")
DATABASE_URL_FILE = "database_url"  # a PostgreSQL test database's URL, written by copy_seed


def database_url_of(directory: Path) -> str:
    marker = directory / DATABASE_URL_FILE
    if marker.exists():
        return marker.read_text(encoding="utf-8").strip()
    return f"sqlite:///{directory / 'registry.db'}"


def make_config(directory: Path, **overrides: object) -> ServerConfig:
    values: dict[str, object] = {
        "database_url": database_url_of(directory),
        "blob_dir": directory / "blobs",
        "secret_key": SECRET,
        "sqlite_synchronous": "NORMAL",
        "login_max_failures": 3,
        "max_body_bytes": 1024 * 1024,
        "max_blob_bytes": 64 * 1024,
    }
    values.update(overrides)
    return ServerConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The storage engine a test runs on; PostgreSQL must be reachable (or fails clearly)."""
    if request.param == "postgres":
        postgres.require_postgres()
    return request.param


@pytest.fixture(scope="session")
def seed_dir(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    directory = tmp_path_factory.mktemp(f"seed-{backend}")
    if backend == "sqlite":
        yield _seed(directory)
        return
    seed_name = postgres.unique_name("sync_seed")
    (directory / DATABASE_URL_FILE).write_text(postgres.create_database(seed_name), encoding="utf-8")
    try:
        seed = _seed(directory)
        _copies[str(directory)] = postgres.SeedCopies(seed_name)
        yield seed
    finally:
        copies = _copies.pop(str(directory), None)
        if copies is not None:
            copies.drop_all()
        postgres.drop_database(seed_name)


_copies: dict[str, postgres.SeedCopies] = {}  # the PostgreSQL test databases of each seed


def _seed(directory: Path) -> tuple[Path, dict[str, str]]:
    server = Server.open(make_config(directory))
    tokens: dict[str, str] = {}
    try:
        for name, (role, districts) in USERS.items():
            auth.create_user(server.db, SYSTEM, name, PASSWORD, role, districts)
            tokens[name] = auth.login(server.db, server.auth, name, PASSWORD).access_token
        registry.create_site(
            server.db,
            SYSTEM,
            registry.SiteInput(code="DN-A", name="Nhà máy A", kind="DN_SX", district=DISTRICT_A, id="site-a"),
        )
        registry.create_site(
            server.db,
            SYSTEM,
            registry.SiteInput(code="DN-B", name="Nhà máy B", kind="DN_SX", district=DISTRICT_B, id="site-b"),
        )
        registry.save_template(server.db, SYSTEM, sample_template(1))
        registry.publish_template(server.db, SYSTEM, "sample-factory", 1)
    finally:
        server.close()
    if not database_url_of(directory).startswith("sqlite:"):
        return directory, tokens
    conn = sqlite3.connect(directory / "registry.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return directory, tokens


def copy_seed(seed: tuple[Path, dict[str, str]], target: Path) -> None:
    """The seed's data for one test under ``target``: a copy of the SQLite file, or a
    PostgreSQL database holding the seed's rows (its URL kept in ``target``)."""
    target.mkdir(parents=True, exist_ok=True)
    copies = _copies.get(str(seed[0]))
    if copies is not None:
        (target / DATABASE_URL_FILE).write_text(copies.take(), encoding="utf-8")
        return
    shutil.copy(seed[0] / "registry.db", target / "registry.db")


def drop_copy(seed: tuple[Path, dict[str, str]], target: Path) -> None:
    """Hand the PostgreSQL database ``copy_seed`` gave ``target`` back for the next test."""
    copies = _copies.get(str(seed[0]))
    if copies is not None:
        copies.give_back(database_url_of(target))


def _db_path(target: Path) -> Path | str:
    url = database_url_of(target)
    return target / "registry.db" if url.startswith("sqlite:") else url


@pytest.fixture
def world(seed_dir: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[World]:
    copy_seed(seed_dir, tmp_path)
    server = Server.open(make_config(tmp_path))
    try:
        yield World(server=server, db_path=_db_path(tmp_path), tokens=seed_dir[1], site_a="site-a", site_b="site-b")
    finally:
        server.close()
        drop_copy(seed_dir, tmp_path)


@pytest.fixture
def api(seed_dir: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    """A Litestar test client on a copy of the seed database, and the world it runs on."""
    copy_seed(seed_dir, tmp_path)
    app = create_app(make_config(tmp_path), extra_route_handlers=[])
    with TestClient(app, raise_server_exceptions=False) as client:
        server: Server = app.state.server
        yield (
            client,
            World(server=server, db_path=_db_path(tmp_path), tokens=seed_dir[1], site_a="site-a", site_b="site-b"),
        )
    drop_copy(seed_dir, tmp_path)


__all__ = ["DISTRICT_A", "DISTRICT_B", "PASSWORD", "Site", "World"]
