"""``copy-database``: the whole registry moves into a new, empty database of the other engine
(SQLite → PostgreSQL as a province grows; PostgreSQL → SQLite back) and the server goes on
from there as if nothing happened: same rows, same pull, same exactly-once bookkeeping, same
sign-ins. A target that already holds data is refused and left as it was."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared_schema.sync import PushRequest
from sync_server.core import auth, database_copy, pull, sync_service
from sync_server.core.errors import Conflict
from sync_server.core.server import Server
from tests.support import postgres
from tests.sync_server.conftest import PASSWORD, World, make_config
from tests.sync_server.helpers import Device, complete_answers

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def target_url(world: World, tmp_path: Path) -> Iterator[str]:
    """A new, empty database of the OTHER engine than the world's."""
    if str(world.db_path).startswith("postgresql://"):
        yield f"sqlite:///{tmp_path / 'copy' / 'registry.db'}"
        return
    with postgres.fresh_database("sync_copy") as url:
        yield url


def open_target(world: World, url: str) -> Server:
    return Server.open(dataclasses.replace(world.server.config, database_url=url))


def all_rows(server: Server) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    with server.db.read() as tx:
        for table in database_copy.TABLE_KEYS:
            out[table] = sorted((tuple(r) for r in tx.query(f"SELECT * FROM {table}")), key=repr)
    return out


def some_work(world: World) -> tuple[Device, PushRequest]:
    device = Device()
    inspection_id, started = device.start_inspection(world.site_a)
    request = device.request(started + complete_answers(device, inspection_id, "b" * 64))
    sync_service.push(world.server.db, world.actor("insp_a"), request)
    return device, request


def test_the_copy_holds_every_row_and_the_server_goes_on_from_it(
    world: World, target_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    device, request = some_work(world)
    monkeypatch.setattr(database_copy, "PAGE_ROWS", 7)  # several pages per table, so paging is exercised
    target = open_target(world, target_url)
    try:
        seen: list[str] = []
        copied = database_copy.copy_database(world.server.db, target.db, lambda t, done, total: seen.append(t))
        assert copied["feed"] > 7 and "feed" in seen
        assert all_rows(target) == all_rows(world.server)
        sup = world.actor("sup")
        before = pull.pull(world.server.db, sup, 0, 5000, 1).split(b',"server_time_ms"')[0]
        after = pull.pull(target.db, sup, 0, 5000, 1).split(b',"server_time_ms"')[0]
        assert after == before
        # the device's push replayed against the copy: already applied, nothing changes
        reply = sync_service.push(target.db, world.actor("insp_a"), request)
        assert {r.status for r in reply.results} == {"duplicate"}
        assert reply.acked_seq == device.seq
        # a token issued before the copy still signs in (same secret, same token hashes)
        assert auth.authenticate(target.db, target.auth, world.tokens["insp_a"]).username == "insp_a"
    finally:
        target.close()


def test_every_table_of_the_schema_is_copied(tmp_path: Path) -> None:
    server = Server.open(make_config(tmp_path))
    try:
        with server.db.read() as tx:
            tables = {r[0] for r in tx.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        server.close()
    assert tables - {"schema_migrations"} == set(database_copy.TABLE_KEYS), "a new table needs a TABLE_KEYS entry"


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(world: World, target_url: str) -> None:
    target = open_target(world, target_url)
    try:
        auth.create_user(target.db, world.actor("admin"), "someone", PASSWORD, "inspector", ["H. Võ Nhai"])
        before = all_rows(target)
        with pytest.raises(Conflict) as refused:
            database_copy.copy_database(world.server.db, target.db)
        assert refused.value.code == "target_not_empty" and "users 1" in refused.value.detail
        assert all_rows(target) == before
    finally:
        target.close()


def test_the_command_copies_and_says_what_to_do_next(tmp_path: Path) -> None:
    source = make_config(tmp_path / "source")
    (tmp_path / "source").mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SYNC_DATABASE_URL": source.database_url,
        "SYNC_BLOB_DIR": str(tmp_path / "source" / "blobs"),
        "SYNC_SECRET_KEY": "k" * 40,
    }
    created = subprocess.run(
        [sys.executable, "-m", "sync_server", "create-user", "lan", "--role", "admin"],
        input=PASSWORD + "\n",
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    target = f"sqlite:///{tmp_path / 'target' / 'registry.db'}"
    command = [sys.executable, "-m", "sync_server", "copy-database", "--to", target]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "users" in done.stdout and f"SYNC_DATABASE_URL={target}" in done.stdout
    again = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "The target database already holds data (users 1" in again.stderr
    same = subprocess.run(
        [*command[:-1], source.database_url], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert same.returncode == 2 and "new, empty database" in same.stderr
