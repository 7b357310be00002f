"""Group commit (``sync_server.core.group_commit``): concurrent write jobs share one
transaction, each job gets exactly what it would get alone, and nothing is handed back before
it is committed. Run on SQLite and PostgreSQL (the ``world`` fixture), plus a job stream
through the real push service."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sync_server.core import sync_service
from sync_server.core.db import Database
from sync_server.core.group_commit import GroupCommit
from tests.support.threads import run_in_threads
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device


@pytest.fixture
def scratch(world: World) -> Iterator[Database]:
    db = world.server.db
    with db.write() as tx:
        tx.execute("CREATE TABLE scratch (k TEXT PRIMARY KEY, v INTEGER NOT NULL)")
    yield db
    with db.write() as tx:  # PostgreSQL test databases are reused
        tx.execute("DROP TABLE scratch")


def keys(db: Database) -> set[str]:
    with db.read() as tx:
        return {r[0] for r in tx.query("SELECT k FROM scratch")}


class Held:
    """A first job that holds the writer until released, so that the next jobs queue up
    behind it and then run as one group."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def job(self, tx: Any) -> str:
        tx.execute("INSERT INTO scratch (k, v) VALUES ('first', 0)")
        self.started.set()
        assert self.release.wait(10)
        return "first"


def run_queued(group: GroupCommit, jobs: list[Callable[[Any], Any]]) -> list[tuple[str, Any]]:
    """Run a holding job, queue ``jobs`` behind it (in order), release; the outcome of each."""
    held = Held()
    outcomes: list[tuple[str, Any]] = [("", None)] * len(jobs)
    first = threading.Thread(target=group.run, args=(held.job,))
    first.start()
    assert held.started.wait(10)

    def call(i: int) -> None:
        try:
            outcomes[i] = ("ok", group.run(jobs[i]))
        except Exception as exc:
            outcomes[i] = ("error", exc)

    threads = []
    for i in range(len(jobs)):
        t = threading.Thread(target=call, args=(i,))
        t.start()
        threads.append(t)
        # each job is queued before the next starts, so the group runs them in this order
        _wait_until(lambda n=i + 1: len(group._queue) == n)
    held.release.set()
    first.join(10)
    for t in threads:
        t.join(10)
    return outcomes


def _wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        threading.Event().wait(0.005)
    raise AssertionError("the job never queued")


def insert(key: str, then: Callable[[Any], Any] | None = None) -> Callable[[Any], str]:
    def job(tx: Any) -> str:
        tx.execute("INSERT INTO scratch (k, v) VALUES (?, 1)", (key,))
        if then is not None:
            then(tx)
        return key

    return job


def test_jobs_queued_behind_a_running_one_run_together_in_one_transaction(scratch: Database) -> None:
    group = GroupCommit(scratch.write)
    seen_by_c: list[set[str]] = []

    def c_sees(tx: Any) -> None:
        seen_by_c.append({r[0] for r in tx.query("SELECT k FROM scratch")})

    outcomes = run_queued(group, [insert("a"), insert("b"), insert("c", then=c_sees)])
    assert outcomes == [("ok", "a"), ("ok", "b"), ("ok", "c")]
    assert group.groups == 2 and group.jobs == 4  # the holding job alone, then a, b and c together
    assert seen_by_c == [{"first", "a", "b", "c"}]  # c ran after a and b in the same transaction
    assert keys(scratch) == {"first", "a", "b", "c"}


def test_a_failing_job_gets_its_error_and_is_undone_alone_while_the_others_commit(scratch: Database) -> None:
    group = GroupCommit(scratch.write)

    def boom(tx: Any) -> None:
        raise ValueError("job b is broken")

    outcomes = run_queued(group, [insert("a"), insert("b", then=boom), insert("c")])
    assert outcomes[0] == ("ok", "a") and outcomes[2] == ("ok", "c")
    status, error = outcomes[1]
    assert status == "error" and isinstance(error, ValueError) and str(error) == "job b is broken"
    assert keys(scratch) == {"first", "a", "c"}  # b's row never exists


def test_when_the_commit_fails_every_job_of_the_group_fails_and_nothing_is_written(scratch: Database) -> None:
    failing = {"on": False}

    @contextmanager
    def begin() -> Iterator[Any]:
        with scratch.write() as tx:
            yield tx
            if failing["on"]:
                raise OSError("disk I/O error")  # raised before COMMIT: the transaction rolls back

    group = GroupCommit(begin)
    held = Held()
    first = threading.Thread(target=_outcome, args=(group, held.job))
    first.start()
    assert held.started.wait(10)
    failing["on"] = True
    outcomes: list[Any] = []
    threads = [
        threading.Thread(target=lambda k=k: outcomes.append(_outcome(group, insert(k)))) for k in ("a", "b", "c")
    ]
    for i, t in enumerate(threads):
        t.start()
        _wait_until(lambda n=i + 1: len(group._queue) == n)
    held.release.set()
    first.join(10)
    for t in threads:
        t.join(10)
    assert sorted(type(o).__name__ for o in outcomes) == ["OSError"] * 3
    assert keys(scratch) == set()  # not even the holding job: its commit failed too


def _outcome(group: GroupCommit, job: Callable[[Any], Any]) -> Any:
    try:
        return group.run(job)
    except Exception as exc:
        return exc


def test_a_result_is_handed_back_only_once_its_writes_are_committed(scratch: Database) -> None:
    group = GroupCommit(scratch.write)
    visible_at_return: list[bool] = []

    def check(key: str) -> None:
        visible_at_return.append(key in keys(scratch))  # read from another connection

    outcomes = run_queued(group, [insert("a"), insert("b")])
    for status, key in outcomes:
        assert status == "ok"
        check(key)
    assert visible_at_return == [True, True]


def test_many_devices_pushing_at_once_each_change_applied_once_in_commit_order(world: World) -> None:
    """Eight devices push five batches each from eight threads through the real service."""
    actor = world.actor("insp_a")
    devices = [Device() for _ in range(8)]
    batches: list[list[Any]] = []
    for dev in devices:
        iid, start = dev.start_inspection(world.site_a)
        answers = [dev.answer(iid, q, "yes") for q in ("team", "temp_check", "hoarding")]
        mine = [dev.request(start)] + [dev.request([a]) for a in answers]
        mine.append(dev.request([dev.change("inspection", iid, "findings", "Chưa đo thân nhiệt ở cổng phụ.")]))
        batches.append(mine)
    replies: dict[str, list[Any]] = {d.client_id: [] for d in devices}

    def run(dev: Device, requests: list[Any]) -> None:
        for req in requests:
            replies[dev.client_id].append(sync_service.push(world.server.db, actor, req))

    run_in_threads(run, zip(devices, batches, strict=True), timeout=30)
    for dev in devices:
        got = replies[dev.client_id]
        assert [r.acked_seq for r in got] == [4, 5, 6, 7, 8]
        assert all(res.status == "applied" for r in got for res in r.results), got
    with world.server.db.read() as tx:
        seqs = [r[0] for r in tx.query("SELECT seq FROM feed ORDER BY seq")]
        last = {r[0]: r[1] for r in tx.query("SELECT client_id, last_seq FROM clients")}
    assert len(seqs) == len(set(seqs))
    assert all(last[d.client_id] == 8 for d in devices)
    # a replay of every last batch now changes nothing
    before = seqs[-1]
    for requests in batches:
        again = sync_service.push(world.server.db, actor, requests[-1])
        assert [r.status for r in again.results] == ["duplicate"]
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT MAX(seq) FROM feed") == before
