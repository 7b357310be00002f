"""Record numbers under load: 20 inspections submitted at the same moment by 20 separate
client processes to a real server running two worker processes get 20 different, consecutive
numbers (SQLite and PostgreSQL)."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support import postgres
from tests.support.server_process import ServerProcess, start_server
from tests.sync_server.helpers import Device, complete_answers, sha

pytestmark = pytest.mark.slow

PASSWORD = "a long enough password"
DISTRICT = "TX Phổ Yên"
SUBMITTERS = 20


def _submit(base_url: str, token: str, body: dict[str, Any], start_at: float) -> dict[str, Any]:
    """One client process: wait for the common start, then submit."""
    time.sleep(max(0.0, start_at - time.time()))
    r = httpx.post(f"{base_url}/api/v1/sync/push", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    r.raise_for_status()
    return r.json()


@pytest.fixture
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp(f"numbers-{backend}")
    pg_name = postgres.unique_name("sync_numbers") if backend == "postgres" else None
    env = {"SYNC_DATABASE_URL": postgres.create_database(pg_name)} if pg_name else {}
    proc = start_server(directory, workers=2, **env)
    try:
        proc.create_user("an", PASSWORD, "inspector", [DISTRICT])
        proc.add_site_and_sample_checklist(directory, DISTRICT)
        yield proc
    finally:
        proc.stop()
        if pg_name:
            postgres.drop_database(pg_name)


def test_twenty_concurrent_submissions_from_separate_processes_get_unique_consecutive_numbers(
    server: ServerProcess,
) -> None:
    token = server.token("an", PASSWORD)
    bodies: list[dict[str, Any]] = []
    ids: list[str] = []
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for _ in range(SUBMITTERS):
            dev = Device()
            iid, create = dev.start_inspection("site-1")
            r = http.post("/api/v1/sync/push", json=dev.body([*create, *complete_answers(dev, iid, sha(b"s"))]))
            assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"applied"}, r.text
            bodies.append(dev.body([dev.change("inspection", iid, "status", "submitted")]))
            ids.append(iid)
        start_at = time.time() + 3.0  # every process has started and imported by then
        with multiprocessing.get_context("spawn").Pool(SUBMITTERS) as pool:
            replies = pool.starmap(_submit, [(server.base_url, token, body, start_at) for body in bodies])
        assert [r["results"][0]["status"] for r in replies] == ["applied"] * SUBMITTERS
        numbers: dict[str, str] = {}
        cursor, more = 0, True
        while more:
            page = http.get("/api/v1/sync/pull", params={"cursor": cursor, "protocol": 1}).json()
            numbers.update({c["entity_id"]: c["value"] for c in page["changes"] if c["field"] == "record_number"})
            cursor, more = page["cursor"], page["has_more"]
    assert sorted(numbers) == sorted(ids)
    assert sorted(numbers.values(), key=lambda n: int(n.split("/")[0])) == [
        f"{n}/BB-SCT" for n in range(1, SUBMITTERS + 1)
    ]
