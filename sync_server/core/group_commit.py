"""Group commit: concurrent write jobs share one transaction and one commit.

Every push is a write transaction, and the registry has one writer at a time (SQLite's
``BEGIN IMMEDIATE``; PostgreSQL's advisory lock, see ``pg_db``). Much of a push's time in
that single lane is the commit itself (on SQLite with ``synchronous=FULL``: writing the WAL
frames and an fsync). When many devices push at once, the pushes that arrive while one
transaction is running are therefore run together, one after another, in the next one and
committed once, as database servers do with their log flush.

What each job sees and gets is what it would get alone, in the order the jobs run:

- a job's writes are visible to the jobs after it in the same transaction (they are on one
  connection), so sequence numbers, ``last_seq`` and merges stay exactly as if the jobs ran
  one transaction each, one after the other;
- if a job raises (or the COMMIT fails), the whole group is rolled back and its jobs are run
  again one transaction each, in the same order: the failure stays with the job that caused
  it and the others commit (jobs are plain functions of the transaction, so running one
  again after a rollback is safe; savepoints would do the same but cost every push a
  sub-journal);
- no job's result is handed back before the COMMIT that holds it has returned.

The leader is simply the first waiting thread: it takes every job queued so far, runs them,
commits, and wakes the others; a job that is not done when the leader finishes makes its
thread the next leader. A group is capped (``max_jobs``) so one commit never waits on an
unbounded queue.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Job(Generic[T]):
    __slots__ = ("done", "error", "fn", "value")

    def __init__(self, fn: Callable[[Any], T]):
        self.fn = fn
        self.done = False
        self.value: T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class GroupCommit:
    """Runs write jobs of concurrent callers in shared transactions (see the module doc).

    ``begin`` opens the engine's write transaction (``Database.write``); its transaction
    object must accept ``execute(sql)``.
    """

    def __init__(self, begin: Callable[[], AbstractContextManager[Any]], max_jobs: int = 32):
        self._begin = begin
        self._max_jobs = max_jobs
        self._cond = threading.Condition()
        self._queue: list[_Job[Any]] = []
        self._leading = False
        self.groups = 0  # transactions run so far
        self.jobs = 0  # jobs run in them (jobs / groups = how much commits are shared)

    def run(self, fn: Callable[[Any], T]) -> T:
        """Run ``fn(tx)`` in a write transaction, possibly shared with concurrent jobs; return
        its result once that transaction has committed (or raise its exception)."""
        job: _Job[T] = _Job(fn)
        with self._cond:
            self._queue.append(job)
            while self._leading and not job.done:
                self._cond.wait()
            if job.done:
                return job.outcome()
            self._leading = True
            group, rest = self._queue[: self._max_jobs], self._queue[self._max_jobs :]
            if job not in group:  # older jobs fill the cap, or a leader died mid-group: take ours too
                group.append(job)
                rest = [j for j in rest if j is not job]
            self._queue = rest
        try:
            self._run_group(group)
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()
        return job.outcome()

    def _run_group(self, group: list[_Job[Any]]) -> None:
        self.groups += 1
        self.jobs += len(group)
        if len(group) == 1:
            self._run_alone(group[0])
            return
        try:
            with self._begin() as tx:
                for job in group:
                    job.value = job.fn(tx)
        except Exception:
            # One job failed (or the commit did): nothing of the group exists. Replay the jobs
            # one transaction each, in the same order, so each gets exactly what it would
            # have got alone and the failure stays with the job that caused it.
            for job in group:
                job.value = None
                self._run_alone(job)
        else:
            for job in group:
                job.done = True

    def _run_alone(self, job: _Job[Any]) -> None:
        try:
            with self._begin() as tx:
                job.value = job.fn(tx)
        except Exception as exc:
            job.value = None
            job.error = exc
        finally:
            job.done = True
