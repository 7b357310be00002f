"""Several server processes on one PostgreSQL: pull cursors stay complete under concurrent
pushes, a push sent to two processes at once applies once, concurrent uploads of one blob
to two processes keep it intact, and processes started together migrate once."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import msgspec
import pytest

from tests.postgres.conftest import PROCESSES, Cluster
from tests.support.threads import run_in_threads
from tests.sync_server.helpers import Device, png_bytes, sha

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

PUSHERS = 8
PUSHES_EACH = 25
PULL_LIMIT = 40


def inspection_push(dev: Device) -> list[Any]:
    """A new inspection and four answers: every change names a field nobody else writes."""
    iid, create = dev.start_inspection("site-1")
    return [
        *create,
        dev.answer(iid, "workers", 100 + dev.seq),
        dev.answer(iid, "manager", f"Người phụ trách {dev.seq}"),
        dev.answer(iid, "team", "yes"),
        dev.answer(iid, "temp_check", "no"),
    ]


def together(*calls: Any) -> list[Any]:
    """Run the calls in threads released at the same instant; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    run_in_threads(run, [(i,) for i in range(len(calls))], timeout=120)
    return results


def test_processes_started_together_migrated_once_and_share_one_secret(cluster: Cluster) -> None:
    versions = [r[0] for r in cluster.query("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(set(versions)) and versions[0] == "0001_initial"
    assert all(s.running for s in cluster.servers)
    assert not [p.name for p in cluster.blob_dir.parent.iterdir() if p.name.startswith(".secret")]
    for i in range(PROCESSES):  # a token issued by one process works on every process
        assert cluster.client(i).get("/api/v1/me", headers=cluster.headers("an")).status_code == 200
        assert cluster.client(i).get("/api/v1/me", headers=cluster.headers("sup")).status_code == 200


def test_pull_cursor_misses_nothing_while_processes_push_concurrently(cluster: Cluster) -> None:
    pushed: dict[tuple[str, str, str], Any] = {}
    pushed_lock = threading.Lock()
    failures: list[str] = []
    done = threading.Event()
    received: list[tuple[int, tuple[str, str, str], Any]] = []

    def pusher(n: int) -> None:
        dev = Device()
        for k in range(PUSHES_EACH):
            changes = inspection_push(dev)
            r = cluster.client(n + k).post("/api/v1/sync/push", json=dev.body(changes), headers=cluster.headers("an"))
            if r.status_code != 200 or {x["status"] for x in r.json()["results"]} != {"applied"}:
                failures.append(f"push {n}/{k}: {r.status_code} {r.text[:300]}")
                return
            with pushed_lock:
                pushed.update({(c.entity, c.entity_id, c.field): c.value for c in changes})

    def puller() -> None:
        cursor, turn = 0, 0
        while True:
            finished = done.is_set()  # sampled BEFORE the request: the last page starts after every ack
            r = cluster.client(turn).get(
                "/api/v1/sync/pull",
                params={"cursor": cursor, "limit": PULL_LIMIT, "protocol": 1},
                headers=cluster.headers("sup"),
            )
            turn += 1
            if r.status_code != 200:
                failures.append(f"pull: {r.status_code} {r.text[:300]}")
                return
            page = r.json()
            received.extend((c["seq"], (c["entity"], c["entity_id"], c["field"]), c["value"]) for c in page["changes"])
            assert page["cursor"] >= cursor
            cursor = page["cursor"]
            if finished and not page["has_more"]:
                return

    pull_thread = threading.Thread(target=puller)
    pull_thread.start()
    push_threads = [threading.Thread(target=pusher, args=(n,)) for n in range(PUSHERS)]
    for t in push_threads:
        t.start()
    for t in push_threads:
        t.join(timeout=150)
    done.set()
    pull_thread.join(timeout=60)
    assert not failures, failures
    assert not pull_thread.is_alive()
    assert len(pushed) == PUSHERS * PUSHES_EACH * 8

    seqs = [seq for seq, _, _ in received]
    assert seqs == sorted(set(seqs)), "a sequence number came twice or out of order"
    device_rows = [(key, value) for _, key, value in received if key in pushed]
    seen = [key for key, _ in device_rows]
    assert len(seen) == len(set(seen)), "a change was delivered twice"
    missing = set(pushed) - set(seen)
    assert not missing, f"{len(missing)} acknowledged changes were skipped by the cursor, e.g. {sorted(missing)[:3]}"
    assert all(pushed[key] == value for key, value in device_rows)


def test_same_push_sent_to_two_processes_at_once_applies_once(cluster: Cluster) -> None:
    for round_ in range(8):
        _push_twice_at_once(cluster, cluster.client(round_), cluster.client(round_ + 1))


def _push_twice_at_once(cluster: Cluster, first: httpx.Client, second: httpx.Client) -> None:
    dev = Device()
    changes = inspection_push(dev)
    body = dev.body(changes)
    replies: list[httpx.Response] = together(
        lambda: first.post("/api/v1/sync/push", json=body, headers=cluster.headers("an")),
        lambda: second.post("/api/v1/sync/push", json=body, headers=cluster.headers("an")),
    )
    assert [r.status_code for r in replies] == [200, 200], [r.text for r in replies]
    a, b = (r.json() for r in replies)
    assert a["acked_seq"] == b["acked_seq"] == len(changes)
    for ra, rb in zip(a["results"], b["results"], strict=True):
        assert sorted([ra["status"], rb["status"]]) == ["applied", "duplicate"]
    assert cluster.query("SELECT last_seq FROM clients WHERE client_id = %s", (dev.client_id,)) == [(len(changes),)]
    pushes = cluster.query("SELECT COUNT(*) FROM audit WHERE action = 'sync.push' AND entity_id = %s", (dev.client_id,))
    assert pushes == [(1,)]


def test_concurrent_patches_of_one_blob_from_two_processes_keep_it_intact(cluster: Cluster) -> None:
    for round_ in range(5):
        _upload_race(cluster, round_, png_bytes(2 * 1024 * 1024, seed=1000 + round_))


def _upload_race(cluster: Cluster, round_: int, data: bytes) -> None:
    digest, half = sha(data), len(data) // 2
    url = f"/api/v1/blobs/{digest}"
    a, b, c = cluster.client(round_), cluster.client(round_ + 1), cluster.client(round_ + 2)

    def patch(client: httpx.Client, offset: int, chunk: bytes) -> httpx.Response:
        headers = {**cluster.headers("an"), "Upload-Offset": str(offset), "Upload-Length": str(len(data))}
        return client.patch(url, content=chunk, headers=headers)

    # two processes get the same first half at once: one appends it, the other says where to go on
    replies = together(lambda: patch(a, 0, data[:half]), lambda: patch(b, 0, data[:half]))
    assert sorted(r.status_code for r in replies) == [200, 409], [r.text for r in replies]
    refused = next(r for r in replies if r.status_code == 409)
    assert refused.headers["Upload-Offset"] == str(half)
    # both get the second half at once: one completes it, the other finds it complete or is told the offset
    replies = together(lambda: patch(b, half, data[half:]), lambda: patch(c, half, data[half:]))
    assert 200 in [r.status_code for r in replies], [r.text for r in replies]
    assert all(r.status_code in (200, 409) for r in replies)
    for i in range(PROCESSES):
        assert cluster.client(i).get(url, headers=cluster.headers("an")).content == data
    assert not (cluster.blob_dir / "partial" / digest).exists()


def test_a_process_killed_during_pushes_leaves_the_others_writing_and_loses_nothing(cluster: Cluster) -> None:
    victim, survivor = cluster.servers[0], cluster.client(1)
    dev = Device()
    outbox = [c for _ in range(30) for c in inspection_push(dev)]  # 240 changes, sent 16 at a time
    acked, stop = 0, threading.Event()
    progress = threading.Condition()

    def stream() -> None:
        nonlocal acked
        with httpx.Client(base_url=victim.base_url, timeout=10) as http:
            while not stop.is_set() and acked < len(outbox):
                try:
                    r = http.post(
                        "/api/v1/sync/push", json=dev.body(outbox[acked : acked + 16]), headers=cluster.headers("an")
                    )
                except httpx.HTTPError:
                    return  # the process died under the request
                with progress:
                    acked = r.json()["acked_seq"]
                    progress.notify_all()

    sender = threading.Thread(target=stream)
    sender.start()
    with progress:
        assert progress.wait_for(lambda: acked >= 48, timeout=60)
    victim.kill()  # SIGKILL, possibly inside a push transaction holding the write lock
    stop.set()
    sender.join(timeout=30)
    # the other processes keep writing at once: a dead process's lock went with its connection
    other = Device()
    r = survivor.post("/api/v1/sync/push", json=other.body(inspection_push(other)), headers=cluster.headers("an"))
    assert r.status_code == 200 and {x["status"] for x in r.json()["results"]} == {"applied"}
    held = cluster.query("SELECT last_seq FROM clients WHERE client_id = %s", (dev.client_id,))[0][0]
    assert held >= acked  # nothing acknowledged was lost
    victim.start()
    while held < len(outbox):  # the device resends from its last acknowledgement, to any process
        r = survivor.post("/api/v1/sync/push", json=dev.body(outbox[held : held + 50]), headers=cluster.headers("an"))
        held = r.json()["acked_seq"]
    keys = {(c.entity, c.entity_id, c.field) for c in outbox}
    stored = {tuple(r) for r in cluster.query("SELECT entity, entity_id, field FROM feed")}
    assert keys <= stored  # every change arrived
    details = cluster.query("SELECT detail FROM audit WHERE action = 'sync.push' AND entity_id = %s", (dev.client_id,))
    assert sum(msgspec.json.decode(d[0])["changes"] for d in details) == len(outbox)  # and none twice
