"""End-to-end helpers: a real server process with users, sites and the sample checklist, and
the comparison of what a device holds with what the server shows that device's user."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msgspec

from field_app.core import replica
from field_app.core.services import AppServices
from shared_schema.checklist import ChecklistTemplate
from tests.support.sample_checklist import sample_template
from tests.support.server_process import ServerProcess, start_server

PASSWORD = "mat-khau-123"
DISTRICT = "TX Phổ Yên"

SITES = [
    ("DN-001", "Công ty May Phổ Yên", "DN_SX"),
    ("DN-002", "Nhà máy Gạch Hà Nội", "DN_SX"),
    ("KCN-01", "KCN Yên Bình", "KCN"),
    ("DN-003", "Xưởng Cơ khí Đông Anh", "DN_SX"),
]

Snapshot = dict[tuple[str, str, str], tuple[Any, str]]


@dataclass
class World:
    """One server process with two inspectors and a supervisor of one district."""

    server: ServerProcess
    root: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.base_url

    def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = self.server.token(username, PASSWORD)
        return self.tokens[username]

    def publish(self, template: ChecklistTemplate) -> None:
        path = self.root / f"{template.template_id}-{template.version}.json"
        path.write_bytes(msgspec.json.encode(template))
        result = self.server.cli("load-checklist", str(path), "--publish")
        assert result.returncode == 0, result.stderr or result.stdout

    def import_sites(self, rows: list[tuple[str, str, str]], district: str = DISTRICT) -> None:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["code", "name", "kind", "district", "address"])
        for code, name, kind in rows:
            writer.writerow([code, name, kind, district, f"{name}, {district}"])
        path = self.root / "sites.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        result = self.server.cli("import-sites", str(path))
        assert result.returncode == 0, result.stderr or result.stdout

    def api(self, username: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token(username)}"}, timeout=30)

    def review(self, username: str, inspection_id: str, decision: str, comment: str | None = None) -> dict:
        with self.api(username) as http:
            r = http.post(
                f"/api/v1/inspections/{inspection_id}/review", json={"decision": decision, "comment": comment}
            )
        assert r.status_code == 200, r.text
        return r.json()

    def inspection(self, username: str, inspection_id: str) -> dict:
        with self.api(username) as http:
            r = http.get(f"/api/v1/inspections/{inspection_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def server_snapshot(self, username: str) -> Snapshot:
        """Everything the server lets ``username`` pull, as (entity, id, field) → (value, hlc)."""
        snap: Snapshot = {}
        cursor = 0
        with self.api(username) as http:
            while True:
                r = http.get("/api/v1/sync/pull", params={"cursor": cursor, "limit": 5000, "protocol": 1})
                assert r.status_code == 200, r.text
                page = r.json()
                for ch in page["changes"]:
                    snap[(ch["entity"], ch["entity_id"], ch["field"])] = (ch["value"], ch["hlc"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    return snap

    def device(self, name: str, username: str, *, url: str | None = None, sync: bool = True) -> AppServices:
        """A phone that logged in (and, with ``sync``, made its first sync)."""
        app = AppServices.open(self.root / "devices" / name)
        app.login(url or self.url, username, PASSWORD)
        if sync:
            sync_ok(app)
        return app


def make_world(root: Path, **env: str) -> World:
    """A real server process (``env``: its settings, e.g. ``SYNC_DATABASE_URL`` for PostgreSQL)
    with users, sites and the sample checklist."""
    server = start_server(root, **env)
    world = World(server, root)
    server.create_user("an", PASSWORD, "inspector", [DISTRICT])
    server.create_user("binh", PASSWORD, "inspector", [DISTRICT])
    server.create_user("chi", PASSWORD, "supervisor", [DISTRICT])
    server.create_user("quan", PASSWORD, "admin", [])
    world.import_sites(SITES)
    world.publish(sample_template(1))
    return world


def device_snapshot(app: AppServices) -> Snapshot:
    snap: Snapshot = {}
    entity_tables = {
        "site": "sites",
        "template": "templates",
        "inspection": "inspections",
        "answer": "answers",
        "conflict": "conflicts",
        "action": "actions",
        "assignment": "assignments",
    }
    for entity, table in entity_tables.items():
        for row in app.store.query(f"SELECT key, data, clocks FROM {table}"):
            data, clocks = replica.loads(row["data"]), replica.loads(row["clocks"])
            for name, value in data.items():
                snap[(entity, row["key"], name)] = (value, clocks.get(name))
    return snap


def assert_converged(world: World, *devices: tuple[AppServices, str]) -> None:
    """Every device holds exactly what the server shows its user, and nothing waits to be sent."""
    for app, username in devices:
        status = app.sync_status()
        assert status.pending == 0, f"{username}: {status.pending} changes still queued"
        assert status.pending_blobs == 0, f"{username}: photos not uploaded"
        server = world.server_snapshot(username)
        device = device_snapshot(app)
        missing = {k: (v, device.get(k)) for k, v in server.items() if device.get(k) != v}
        extra = {k: v for k, v in device.items() if k not in server}
        assert not missing and not extra, f"{username}: differs from server: missing={missing} extra={extra}"


def inspection_of(key: tuple[str, str, str], value: Any) -> str | None:
    """The inspection a replicated field belongs to (its header, an answer, a conflict about it)."""
    if key[0] == "inspection":
        return key[1]
    if key[0] == "answer":
        return key[1].split("/", 1)[0]
    if key[0] == "conflict" and isinstance(value, dict):
        return replica.conflict_inspection_id(value.get("entry") if "entry" in value else value)
    return None


def needed_inspections(world: World, username: str) -> set[str]:
    """The inspections a new phone of ``username`` receives by a bounded first sync (PROTOCOL.md §7)."""
    found: set[str] = set()
    cursor, horizon = 0, None
    with world.api(username) as http:
        while True:
            params: dict[str, Any] = {"cursor": cursor, "limit": 5000, "protocol": 1, "bounded": "true"}
            if horizon is not None:
                params["horizon"] = horizon
            page = http.get("/api/v1/sync/pull", params=params).json()
            horizon = page["horizon"]
            found |= {c["entity_id"] for c in page["changes"] if c["entity"] == "inspection"}
            cursor = page["cursor"]
            if not page["has_more"]:
                return found


def assert_converged_bounded(world: World, *devices: tuple[AppServices, str]) -> None:
    """Phones after a bounded first sync (and any history fetched on demand): nothing waits to
    be sent; everything they hold is the server's (value and clock); every inspection they hold
    is whole; every row outside inspections is there; and every inspection a new phone of the
    user would need is held."""
    for app, username in devices:
        status = app.sync_status()
        assert status.pending == 0, f"{username}: {status.pending} changes still queued"
        assert status.pending_blobs == 0, f"{username}: photos not uploaded"
        assert not app.store.query("SELECT 1 FROM record_fetch"), f"{username}: records still to fetch"
        server = world.server_snapshot(username)
        device = device_snapshot(app)
        differ = {k: (v, server.get(k)) for k, v in device.items() if server.get(k) != v}
        assert not differ, f"{username}: holds values the server does not: {differ}"
        held = {k[1] for k in device if k[0] == "inspection"}
        missing = {
            k: v
            for k, v in server.items()
            if k not in device and ((owner := inspection_of(k, v[0])) is None or owner in held)
        }
        assert not missing, f"{username}: lacks part of what it holds or needs: {missing}"
        lacking = needed_inspections(world, username) - held
        assert not lacking, f"{username}: lacks inspections it needs: {lacking}"


def sync_ok(app: AppServices) -> None:
    report = app.sync_now()
    assert report.ok, report.error


def site_id(app: AppServices, code: str) -> str:
    return next(s.id for s in app.list_sites(code) if s.code == code)


@contextlib.contextmanager
def world_on_engine(engine: str, root: Path, name: str) -> Iterator[World]:
    """``make_world`` on ``engine`` (``sqlite``, or ``postgres`` in a new database ``name``…,
    skipped where PostgreSQL is not reachable), stopped and dropped afterwards."""
    from tests.support import postgres  # here: the phone's test environment has no PostgreSQL driver

    pg_name = None
    env: dict[str, str] = {}
    if engine == "postgres":
        postgres.require_postgres()
        pg_name = postgres.unique_name(name)
        env["SYNC_DATABASE_URL"] = postgres.create_database(pg_name)
    world = make_world(root, **env)
    try:
        yield world
    finally:
        world.server.stop()
        if pg_name:
            postgres.drop_database(pg_name)


def start_server_world(tmp_path_factory: Any) -> World:
    return make_world(tmp_path_factory.mktemp("world"))


__all__ = [
    "World",
    "assert_converged",
    "assert_converged_bounded",
    "device_snapshot",
    "make_world",
    "sample_template",
    "site_id",
    "sync_ok",
    "world_on_engine",
]
