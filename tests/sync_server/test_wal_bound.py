"""The SQLite WAL stays under its limit (``SYNC_SQLITE_WAL_LIMIT_MB``) while pushes and reads
run without pause against a real server process, with readers always holding a snapshot, and
every push still lands (``sync_server.core.checkpointer``)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server_process import start_server
from tests.sync_server.helpers import Device, complete_answers, sha

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"
DISTRICT = "TX Phổ Yên"
LIMIT_MB = 4
WRITERS, PUSHES = 3, 120


@pytest.mark.parametrize("limit_mb", [LIMIT_MB, 1_000_000], ids=["bounded", "control-unbounded"])
def test_wal_stays_under_its_limit_under_pushes_and_readers_holding_snapshots(tmp_path: Path, limit_mb: int) -> None:
    """The control run (a limit never reached) shows the same load takes the WAL past
    ``LIMIT_MB``: the bound is what keeps it under."""
    server = start_server(tmp_path, SYNC_SQLITE_WAL_LIMIT_MB=str(limit_mb), SYNC_SQLITE_SYNCHRONOUS="NORMAL")
    try:
        server.create_user("an", PASSWORD, "inspector", [DISTRICT])
        server.add_site_and_sample_checklist(tmp_path, DISTRICT)
        token = server.token("an", PASSWORD)
        headers = {"Authorization": f"Bearer {token}"}
        db_file = Path(server.database_url.removeprefix("sqlite:///"))
        wal = db_file.with_name(db_file.name + "-wal")
        done = threading.Event()
        sizes: list[int] = []
        pushed: list[str] = []
        errors: list[str] = []

        def write(n: int) -> None:
            dev = Device()
            with httpx.Client(base_url=server.base_url, timeout=60) as http:
                for _ in range(PUSHES):
                    iid, create = dev.start_inspection("site-1")
                    changes = [*create, *complete_answers(dev, iid, sha(b"sig"))]
                    changes.append(dev.answer(iid, "manager", f"Người quản lý {n} " + "ghi chú dài " * 150))
                    r = http.post("/api/v1/sync/push", json=dev.body(changes), headers=headers)
                    if r.status_code != 200:
                        errors.append(r.text)
                        return
                    pushed.append(iid)

        def pull() -> None:  # a device pulling everything, again and again
            with httpx.Client(base_url=server.base_url, timeout=60) as http:
                while not done.is_set():
                    cursor = 0
                    while not done.is_set():
                        r = http.get(
                            "/api/v1/sync/pull",
                            params={"cursor": cursor, "limit": 500, "protocol": 1, "client_id": "reader-1"},
                            headers=headers,
                        )
                        if r.status_code != 200:
                            errors.append(r.text)
                            return
                        cursor = r.json()["cursor"]
                        if not r.json()["has_more"]:
                            break

        def hold(delay: float) -> None:  # a reader that always holds an old snapshot for 0.3 s
            conn = sqlite3.connect(db_file, isolation_level=None, timeout=30)
            time.sleep(delay)
            try:
                while not done.is_set():
                    conn.execute("BEGIN")
                    conn.execute("SELECT COUNT(*) FROM feed").fetchone()
                    time.sleep(0.3)
                    conn.execute("COMMIT")
            finally:
                conn.close()

        def watch() -> None:
            while not done.is_set():
                with contextlib.suppress(FileNotFoundError):
                    sizes.append(wal.stat().st_size)
                time.sleep(0.01)

        readers = [
            threading.Thread(target=f, args=a) for f, a in ((pull, ()), (hold, (0.0,)), (hold, (0.15,)), (watch, ()))
        ]
        writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for t in readers + writers:
            t.start()
        for t in writers:
            t.join()
        done.set()
        for t in readers:
            t.join()
        assert not errors, errors[:3]
        assert len(pushed) == WRITERS * PUSHES
        conn = sqlite3.connect(db_file)
        try:
            stored = {r[0] for r in conn.execute("SELECT id FROM inspections")}
        finally:
            conn.close()
        assert stored == set(pushed)
        if limit_mb == LIMIT_MB:
            assert max(sizes) <= LIMIT_MB * 1024 * 1024, f"the WAL reached {max(sizes):,} bytes"
        else:
            assert max(sizes) > LIMIT_MB * 1024 * 1024, f"the load took the WAL only to {max(sizes):,} bytes"
    finally:
        server.stop()
