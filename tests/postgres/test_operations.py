"""The operations interface on PostgreSQL: ``seed-demo`` on an empty database, run twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.server_process import ServerProcess

pytestmark = pytest.mark.slow


@pytest.fixture
def empty_database() -> Iterator[str]:
    with postgres.fresh_database("sync_ops") as url:
        yield url


def test_seed_demo_on_postgresql_is_idempotent_and_its_users_can_log_in(empty_database: str, tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "demo", SYNC_DATABASE_URL=empty_database)
    first = server.cli("seed-demo")
    assert first.returncode == 0, first.stderr
    users_file = server.blob_dir.parent / "demo-users.txt"  # beside the blobs when the database is not a file
    assert users_file.stat().st_mode & 0o777 == 0o600
    lines = users_file.read_text(encoding="utf-8").splitlines()
    counts = postgres.query(empty_database, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM sites)")
    second = server.cli("seed-demo")
    assert second.returncode == 0, second.stderr
    assert "exists, kept" in second.stdout
    assert postgres.query(empty_database, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM sites)") == counts
    assert counts[0][0] == len(lines) and counts[0][1] > 0
    # one plan in progress, so a newcomer sees the to-do list and coverage at once
    planned = postgres.query(
        empty_database, "SELECT (SELECT COUNT(*) FROM plans WHERE status = 'open'), (SELECT COUNT(*) FROM assignments)"
    )
    assert planned[0][0] == 1 and planned[0][1] >= 1
    assert "plan: exists, kept" in second.stdout
    username, _, _, password = lines[-1].split("\t")
    with server:
        assert server.token(username, password)
