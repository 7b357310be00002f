"""The same properties against a real ``python -m sync_server serve`` process on loopback,
set up through the operations interface (create-user, import-sites, load-checklist); and
the server SIGKILLed in the middle of a stream of pushes."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared_schema.protocol import answer_entity_id
from tests.support import postgres
from tests.support.server_process import ServerProcess, start_server
from tests.support.threads import run_in_threads
from tests.sync_server.helpers import Device, complete_answers, png_bytes, sha

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"
DISTRICT = "TX Phổ Yên"


class Remote:
    def __init__(self, server: ServerProcess):
        self.server = server
        self.tokens: dict[str, str] = {}
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def push(self, user: str, dev: Device, changes: list[Any]) -> dict[str, Any]:
        r = self.http.post("/api/v1/sync/push", json=dev.body(changes), headers=self.headers(user))
        assert r.status_code == 200, r.text
        return r.json()

    def pull(self, user: str, dev: Device) -> None:
        while True:
            r = self.http.get(
                "/api/v1/sync/pull",
                params={"cursor": dev.cursor, "limit": 500, "protocol": 1},
                headers=self.headers(user),
            )
            assert r.status_code == 200, r.text
            page = r.json()
            dev.apply_pull(page)
            if not page["has_more"]:
                return

    def db(self) -> Any:
        """A connection with ``?`` placeholders to the server's database (SQLite or PostgreSQL)."""
        if self.server.database_url.startswith("postgresql://"):
            return postgres.QmarkConnection(self.server.database_url)
        return sqlite3.connect(self.server.database_url.removeprefix("sqlite:///"))

    def state(self) -> dict[tuple[str, str, str], Any]:
        with self.db() as conn:
            rows = conn.execute(
                "SELECT entity, entity_id, field, value FROM feed WHERE entity IN ('inspection', 'answer')"
            ).fetchall()
        return {(r[0], r[1], r[2]): json.loads(r[3]) for r in rows if json.loads(r[3]) is not None}


@pytest.fixture(scope="module")
def remote(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Remote]:
    directory = tmp_path_factory.mktemp(f"process-{backend}")
    pg_name = postgres.unique_name("sync_process") if backend == "postgres" else None
    env = {"SYNC_DATABASE_URL": postgres.create_database(pg_name)} if pg_name else {}
    try:
        yield from _remote(directory, env)
    finally:
        if pg_name:
            postgres.drop_database(pg_name)


def _remote(directory: Path, env: dict[str, str]) -> Iterator[Remote]:
    server = start_server(directory, **env)
    try:
        for name, role, districts in (
            ("an", "inspector", [DISTRICT]),
            ("binh", "inspector", [DISTRICT]),
            ("chi", "supervisor", [DISTRICT]),
        ):
            server.create_user(name, PASSWORD, role, districts)
        server.add_site_and_sample_checklist(directory, DISTRICT)
        remote = Remote(server)
        for name in ("an", "binh", "chi"):
            remote.tokens[name] = server.token(name, PASSWORD)
        yield remote
        remote.http.close()
    finally:
        server.stop()


def test_full_cycle_two_devices_and_a_supervisor(remote: Remote) -> None:
    a, b = Device(), Device()
    signature = png_bytes(3000, seed=21)
    iid, create = a.start_inspection("site-1")
    remote.push("an", a, [*create, *complete_answers(a, iid, sha(signature))])
    half = len(signature) // 2
    for offset, chunk in ((0, signature[:half]), (half, signature[half:])):
        r = remote.http.patch(
            f"/api/v1/blobs/{sha(signature)}",
            content=chunk,
            headers={**remote.headers("an"), "Upload-Offset": str(offset), "Upload-Length": str(len(signature))},
        )
        assert r.status_code == 200, r.text
    remote.pull("binh", b)
    reply = remote.push("binh", b, [b.answer(iid, "workers", 125), b.change("inspection", iid, "status", "submitted")])
    assert [r["status"] for r in reply["results"]] == ["applied", "applied"]
    r = remote.http.post(
        f"/api/v1/inspections/{iid}/review", json={"decision": "approve"}, headers=remote.headers("chi")
    )
    assert r.status_code == 200, r.text
    remote.pull("an", a)
    remote.pull("binh", b)
    expected = remote.state()
    for dev in (a, b):
        assert {k: v for k, v in dev.values.items() if k[0] in ("inspection", "answer") and v is not None} == expected
    assert expected[("inspection", iid, "status")] == "approved"


def test_replay_and_lost_reply_apply_once(remote: Remote) -> None:
    dev = Device()
    iid, create = dev.start_inspection("site-1")
    first = remote.push("an", dev, create)
    assert {r["status"] for r in remote.push("an", dev, create)["results"]} == {"duplicate"}
    more = dev.answer(iid, "team", "yes")
    retry = remote.push("an", dev, [*create, more])
    assert [r["status"] for r in retry["results"]] == ["duplicate"] * 4 + ["applied"]
    assert retry["acked_seq"] == first["acked_seq"] + 1


def test_concurrent_edits_one_winner_everywhere_and_one_conflict(remote: Remote) -> None:
    a, b = Device(), Device()
    iid, create = a.start_inspection("site-1")
    remote.push("an", a, create)
    remote.pull("an", a)
    remote.pull("binh", b)
    remote.push("an", a, [a.answer(iid, "temp_check", "no")])
    rb = remote.push("binh", b, [b.answer(iid, "temp_check", "yes")])
    assert rb["results"][0]["conflict"] is True
    remote.pull("an", a)
    remote.pull("binh", b)
    key = ("answer", answer_entity_id(iid, "temp_check"), "value")
    assert a.values[key] == b.values[key] == remote.state()[key]
    with remote.db() as conn:
        assert conn.execute("SELECT COUNT(*) FROM conflicts WHERE inspection_id = ?", (iid,)).fetchone()[0] == 1


def test_resumed_upload_equals_one_shot_and_wrong_hash_is_refused(remote: Remote) -> None:
    data = png_bytes(9000, seed=33)
    digest = sha(data)
    h = remote.headers("an")
    r = remote.http.patch(
        f"/api/v1/blobs/{digest}",
        content=data[:4000],
        headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(data))},
    )
    assert r.headers["Upload-Offset"] == "4000"
    remote.server.kill()  # the connection drops mid-upload; the device resumes after a restart
    remote.server.start()
    offset = int(remote.http.head(f"/api/v1/blobs/{digest}", headers=h).headers["Upload-Offset"])
    r = remote.http.patch(
        f"/api/v1/blobs/{digest}",
        content=data[offset:],
        headers={**h, "Upload-Offset": str(offset), "Upload-Length": str(len(data))},
    )
    assert r.headers["Upload-Complete"] == "1"
    assert remote.http.get(f"/api/v1/blobs/{digest}", headers=h).content == data
    wrong = remote.http.patch(
        f"/api/v1/blobs/{'0' * 64}", content=data, headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(data))}
    )
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")


def test_sigkill_during_a_stream_of_pushes_loses_no_acked_change_and_applies_none_twice(remote: Remote) -> None:
    dev = Device()
    outbox: list[Any] = []
    expected: dict[tuple[str, str, str], Any] = {}
    for n in range(40):
        iid, create = dev.start_inspection("site-1")
        outbox += create
        for q, v in (("workers", n), ("manager", f"Người {n}"), ("team", "yes"), ("masks", "all")):
            outbox.append(dev.answer(iid, q, v))
            expected[("answer", answer_entity_id(iid, q), "value")] = v
    acked = 0
    killed = threading.Event()
    progress = threading.Condition()

    def stream() -> None:
        nonlocal acked
        while acked < len(outbox):
            batch = outbox[acked : acked + 8]
            try:
                r = remote.http.post(
                    "/api/v1/sync/push", json=dev.body(batch), headers=remote.headers("an"), timeout=10
                )
            except httpx.HTTPError:
                if killed.is_set():
                    return  # the server died under this request: its reply is lost
                raise
            assert r.status_code == 200, r.text
            with progress:
                acked = r.json()["acked_seq"]
                progress.notify_all()

    sender = threading.Thread(target=stream)
    sender.start()
    with progress:  # let several pushes commit, then kill the server under the stream
        assert progress.wait_for(lambda: acked >= 80, timeout=60)
    killed.set()
    remote.server.kill()
    sender.join(timeout=30)
    acked_before_restart = acked
    remote.server.start()
    with remote.db() as conn:
        held = conn.execute("SELECT last_seq FROM clients WHERE client_id = ?", (dev.client_id,)).fetchone()[0]
    assert held >= acked_before_restart  # nothing acknowledged was lost
    # The device resends its outbox from the first unacknowledged change.
    while acked < len(outbox):
        reply = remote.push("an", dev, outbox[acked : acked + 50])
        acked = reply["acked_seq"]
    state = remote.state()
    assert all(state[k] == v for k, v in expected.items())
    with remote.db() as conn:
        applied = [
            json.loads(r[0])["changes"]
            for r in conn.execute(
                "SELECT detail FROM audit WHERE action = 'sync.push' AND entity_id = ?", (dev.client_id,)
            )
        ]
        assert conn.execute("SELECT last_seq FROM clients WHERE client_id = ?", (dev.client_id,)).fetchone()[0] == len(
            outbox
        )
    assert sum(applied) == len(outbox)  # every change applied in exactly one committed push


def test_cli_help_lists_every_command(remote: Remote, tmp_path: Path) -> None:
    out = remote.server.cli("--help").stdout
    for command in ("serve", "create-user", "import-sites", "load-checklist", "seed-demo", "copy-database"):
        assert command in out
    bad = remote.server.cli("import-sites", str(tmp_path / "missing.csv"))
    assert bad.returncode != 0 and "not found" in bad.stderr


def test_seed_demo_is_idempotent_and_keeps_passwords_private(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "demo")  # operations run without a serving process
    first = server.cli("seed-demo")
    assert first.returncode == 0, first.stderr
    users_file = Path(server.database_url.removeprefix("sqlite:///")).parent / "demo-users.txt"
    assert users_file.stat().st_mode & 0o777 == 0o600
    lines = users_file.read_text(encoding="utf-8").splitlines()
    roles = {line.split("\t")[1] for line in lines}
    assert roles == {"inspector", "supervisor", "admin"}
    for line in lines:  # every password printed once is the one written down
        assert line.split("\t")[3] in first.stdout
    second = server.cli("seed-demo")
    assert second.returncode == 0, second.stderr
    assert "exists, kept" in second.stdout
    assert users_file.read_text(encoding="utf-8").splitlines() == lines
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == len(lines)
        published = conn.execute("SELECT COUNT(*) FROM templates WHERE status = 'published'").fetchone()[0]
    assert published >= 1
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as conn:
        # one plan in progress, so a newcomer sees the to-do list and coverage at once
        assert conn.execute("SELECT COUNT(*) FROM plans WHERE status = 'open'").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM assignments").fetchone()[0] >= 1
    assert "plan: exists, kept" in second.stdout
    username, _, _, password = lines[-1].split("\t")
    with server:
        assert server.token(username, password)


def test_two_worker_processes_on_one_sqlite_file_apply_concurrent_pushes_once_in_commit_order(
    tmp_path: Path,
) -> None:
    """``serve --workers 2``: six devices push at once (requests spread over both processes),
    every change is applied once, a replay changes nothing, and a pull from 0 returns every
    value with strictly increasing sequence numbers."""
    server = start_server(tmp_path, workers=2)
    try:
        server.create_user("an", PASSWORD, "inspector", [DISTRICT])
        server.add_site_and_sample_checklist(tmp_path, DISTRICT)
        remote = Remote(server)
        remote.tokens["an"] = server.token("an", PASSWORD)
        devices = [Device() for _ in range(6)]
        plans: list[list[list[Any]]] = []
        for dev in devices:
            batches: list[list[Any]] = []
            for _ in range(3):
                iid, start = dev.start_inspection("site-1")
                batches.append(start + [dev.answer(iid, q, "yes") for q in ("team", "temp_check", "hoarding")])
            plans.append(batches)
        failures: list[str] = []

        def run(dev: Device, batches: list[list[Any]]) -> None:
            with httpx.Client(base_url=server.base_url, timeout=30) as http:  # a connection per device
                for batch in batches:
                    r = http.post("/api/v1/sync/push", json=dev.body(batch), headers=remote.headers("an"))
                    if r.status_code != 200 or any(x["status"] != "applied" for x in r.json()["results"]):
                        failures.append(r.text)

        run_in_threads(run, zip(devices, plans, strict=True), timeout=60)
        assert failures == []
        replay = remote.push("an", devices[0], plans[0][-1])
        assert {x["status"] for x in replay["results"]} == {"duplicate"}

        reader = Device()
        seqs: list[int] = []
        cursor = 0
        while True:
            page = remote.http.get(
                "/api/v1/sync/pull",
                params={"cursor": cursor, "limit": 50, "protocol": 1},
                headers=remote.headers("an"),
            ).json()
            seqs += [c["seq"] for c in page["changes"]]
            reader.apply_pull(page)
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        assert seqs == sorted(set(seqs))
        for dev in devices:
            for key, value in dev.values.items():
                assert reader.values.get(key) == value, key
        with remote.db() as conn:
            last = dict(conn.execute("SELECT client_id, last_seq FROM clients").fetchall())
        assert all(last[d.client_id] == d.seq for d in devices)
        remote.http.close()
    finally:
        server.stop()
