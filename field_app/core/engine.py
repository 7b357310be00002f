"""The sync engine: push the outbox, upload blobs resumably, pull the change feed.

Every step that changes the store is one transaction, and every step can be cut off
(connection lost, reply lost, app killed) without losing or doubling anything:
- push: rows leave the outbox only up to the server's ``acked_seq``, in the transaction that
  records the results; a retry of a committed batch comes back ``duplicate``;
- blobs: the server's ``Upload-Offset`` says where to resume;
- pull: a page and the cursor after it are saved in one transaction; re-applying a page is
  harmless (the merge is idempotent), which is what lets a change of the user's districts
  (a new ``scope`` on the page) restart the pull from cursor 0.

``on_step(name)`` is called between steps (tests use it to cut the process at each point):
``push_send``, ``push_replied``, ``push_recorded``, ``blob_chunk``, ``blob_done``,
``pull_request``, ``pull_received``, ``pull_applied``; ``client_renewed`` after the install
took a new client id (PROTOCOL.md §4).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import msgspec

from field_app.core import blobs, bounded, messages, outbox, replica, scope
from field_app.core.device_state import DeviceClock, read_state, set_error, update_state
from field_app.core.models import SyncProgress, SyncReport
from field_app.core.server_api import (
    ClientNotYours,
    ClientReregister,
    Offline,
    SequenceGap,
    ServerApi,
    ServerError,
    Unauthorized,
    UploadOffsetMismatch,
)
from field_app.core.store import Store
from shared_schema import protocol
from shared_schema.errors import Code
from shared_schema.protocol import DEFAULT_PULL_LIMIT, MAX_CHANGES_PER_PUSH, MAX_RECORDS_PER_FETCH, PROTOCOL_VERSION
from shared_schema.sync import Change, ChangeResult, PulledChange, PushReply, PushRequest, RecordsPage
from shared_schema.text import LocalText

ApiFactory = Callable[[str, str | None], ServerApi]
StepHook = Callable[[str], None]
ProgressHook = Callable[[SyncProgress], None]
DataHook = Callable[[dict[str, set[str]]], None]

CHUNK_SIZE = 256 * 1024
UPLOADING = LocalText("Đang tải ảnh lên…", "Uploading photos…")
DOWNLOADING = LocalText("Đang tải dữ liệu về…", "Downloading…")
RESCOPED = LocalText("Địa bàn của bạn đã thay đổi: đang tải lại dữ liệu…", "Your districts changed: downloading again…")


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _default_api(url: str, token: str | None) -> ServerApi:
    return ServerApi(url, token)


class SyncEngine:
    """Runs one sync at a time over a store (``run`` is serialised by a lock)."""

    def __init__(
        self,
        store: Store,
        clock: DeviceClock,
        *,
        app_version: str,
        api_factory: ApiFactory = _default_api,
        on_step: StepHook | None = None,
        on_progress: ProgressHook | None = None,
        on_data: DataHook | None = None,
        push_batch: int = MAX_CHANGES_PER_PUSH,
        pull_limit: int = DEFAULT_PULL_LIMIT,
        chunk_size: int = CHUNK_SIZE,
    ):
        self.store = store
        self.clock = clock
        self.app_version = app_version
        self.api_factory = api_factory
        self.on_step = on_step
        self.on_progress = on_progress
        self.on_data = on_data
        self.push_batch = min(push_batch, MAX_CHANGES_PER_PUSH)
        self.pull_limit = pull_limit
        self.chunk_size = chunk_size
        self._run_lock = threading.Lock()
        self.progress = SyncProgress("idle")

    # --- helpers ---------------------------------------------------------------------------

    def _step(self, name: str) -> None:
        if self.on_step is not None:
            self.on_step(name)

    def _report(self, progress: SyncProgress) -> None:
        self.progress = progress
        if self.on_progress is not None:
            self.on_progress(progress)

    @property
    def running(self) -> bool:
        return self._run_lock.locked()

    # --- the whole sync --------------------------------------------------------------------

    def run(self) -> SyncReport:
        with self._run_lock:
            try:
                return self._run()
            finally:
                self._report(SyncProgress("idle"))

    def _run(self) -> SyncReport:
        with self.store.read() as conn:
            state = read_state(conn)
        if not state.token or not state.server_url:
            return SyncReport(False, error=messages.NOT_LOGGED_IN)
        if state.needs_password:
            return SyncReport(False, error=messages.NEEDS_PASSWORD)
        pushed = rejected = uploaded = pulled = 0
        api = self.api_factory(state.server_url, state.token)
        try:
            pushed, rejected = self._push(api, state.client_id)
            uploaded = self._upload_blobs(api)
            try:
                pulled = self._pull(api)
            except ClientNotYours:  # registered to another user by a pull: take a new id, pull again
                with self.store.write() as conn:
                    outbox.take_new_client_id(conn, self.clock, keep_clocks=False)
                pulled = self._pull(api)
        except Unauthorized as exc:
            with self.store.write() as conn:
                update_state(conn, needs_password=1)
                set_error(conn, exc.code, exc.message)
            return SyncReport(False, pushed, pulled, uploaded, rejected, exc.message)
        except ServerError as exc:
            with self.store.write() as conn:
                set_error(conn, exc.code, exc.message)
            return SyncReport(False, pushed, pulled, uploaded, rejected, exc.message)
        finally:
            api.close()
        with self.store.write() as conn:
            update_state(conn, last_sync_at=_now_iso(), first_sync_done=1)
            set_error(conn, None, None)
        return SyncReport(True, pushed, pulled, uploaded, rejected)

    # --- push ------------------------------------------------------------------------------

    def _push(self, api: ServerApi, client_id: str) -> tuple[int, int]:
        pushed = rejected = 0
        with self.store.read() as conn:
            total = outbox.pending_count(conn)
        gaps = renewed = 0
        while True:
            with self.store.read() as conn:
                batch = outbox.pending_batch(conn, self.push_batch)
            if not batch:
                return pushed, rejected
            self._report(SyncProgress("pushing", pushed, total, LocalText("Đang gửi thay đổi…", "Sending changes…")))
            self._step("push_send")
            request = PushRequest(
                protocol=PROTOCOL_VERSION, client_id=client_id, app_version=self.app_version, changes=batch
            )
            try:
                reply = api.push(request)
            except SequenceGap as gap:
                gaps += 1
                if gaps > 3:
                    raise
                with self.store.write() as conn:
                    self._handle_gap(conn, gap.expected_seq, batch)
                continue
            except (ClientReregister, ClientNotYours) as refused:
                # Another install uses this client id, or another user owns it (PROTOCOL.md §1,
                # §4): nothing was applied; queue every unsent change again under a new id.
                renewed += 1
                if renewed > 2:
                    raise
                with self.store.write() as conn:
                    client_id = outbox.take_new_client_id(
                        conn, self.clock, keep_clocks=isinstance(refused, ClientReregister)
                    )
                self._step("client_renewed")
                continue
            self._step("push_replied")
            if reply.acked_seq < batch[0].client_seq:
                raise ServerError(messages.fill(messages.SERVER_ERROR, detail=f"acked_seq {reply.acked_seq}"))
            with self.store.write() as conn:
                rejected += self._record_results(conn, batch, reply)
            pushed += sum(1 for c in batch if c.client_seq <= reply.acked_seq)
            self._step("push_recorded")

    def _handle_gap(self, conn: sqlite3.Connection, expected_seq: int, batch: list[Change]) -> None:
        first = batch[0].client_seq
        if expected_seq > first:
            # The server already holds everything before expected_seq: those rows are acknowledged.
            outbox.acknowledge(conn, expected_seq - 1)
        else:
            outbox.renumber_from(conn, expected_seq)

    def _record_results(self, conn: sqlite3.Connection, batch: list[Change], reply: PushReply) -> int:
        by_id = {c.change_id: c for c in batch}
        rejected = 0
        rebased = False
        for result in reply.results:
            change = by_id.get(result.change_id)
            if change is None or not _was_rejected(result):
                continue
            rejected += 1
            inspection_id = _inspection_of(change.entity, change.entity_id)
            outbox.record_rejection(conn, change, result.code, result.reason, inspection_id, result.messages)
            replica.forget_clock(conn, change.entity, change.entity_id, change.field, change.hlc)
            if result.code == Code.CLOCK_AHEAD and reply.server_time_ms and not rebased:
                self.clock.rebase(conn, reply.server_time_ms)
                rebased = True
        outbox.acknowledge(conn, reply.acked_seq)
        return rejected

    # --- blobs -----------------------------------------------------------------------------

    def _upload_blobs(self, api: ServerApi) -> int:
        with self.store.read() as conn:
            todo = blobs.pending_uploads(conn)
        done = 0
        for index, (sha, size) in enumerate(todo):
            self._report(SyncProgress("uploading", index, len(todo), UPLOADING))
            path = blobs.blob_file(self.store, sha)
            state = self._upload_one(api, sha, path, size)
            with self.store.write() as conn:
                blobs.mark_uploaded(conn, sha, state)
            self._step("blob_done")
            done += state == 1
        return done

    def _upload_one(self, api: ServerApi, sha: str, path: Path, size: int) -> int:
        if not path.exists():
            return -1
        offset, complete = api.blob_offset(sha)
        if complete:
            return 1
        data = path.read_bytes()
        size = len(data)
        mismatches = 0
        while offset < size:
            chunk = data[offset : offset + self.chunk_size]
            self._step("blob_chunk")
            try:
                offset = api.blob_append(sha, offset, size, chunk)
            except UploadOffsetMismatch as exc:
                mismatches += 1
                if mismatches > 5:
                    raise
                offset = exc.offset
            except (Offline, Unauthorized):
                raise
            except ServerError as exc:
                if exc.status in (413, 415, 422):
                    return -1
                raise
        return 1

    # --- pull ------------------------------------------------------------------------------

    def _pull(self, api: ServerApi) -> int:
        pulled = 0
        message = DOWNLOADING
        rescoped = False  # at most once per sync
        while True:
            with self.store.read() as conn:
                state = read_state(conn)
                horizon = conn.execute("SELECT pull_horizon FROM sync_state").fetchone()[0]
            cursor = state.cursor
            self._report(SyncProgress("pulling", pulled, None, message))
            self._step("pull_request")
            # Bounded (PROTOCOL.md §7): settled history stays on the server until it is asked for.
            page = api.pull(cursor, self.pull_limit, state.client_id, bounded=True, horizon=horizon)
            self._step("pull_received")
            # A new scope means the user's districts changed (PROTOCOL.md §7): rows of a district
            # just granted lie below the cursor, so pull again from 0, and first forget the rows
            # of districts the user lost. ``pull_scope`` keeps the scope the replica reflects.
            user = None
            if page.scope is not None and page.scope != state.pull_scope and cursor > 0 and not rescoped:
                user = api.me()
            with self.store.write() as conn:
                changes = bounded.set_aside(conn, page.changes, page.older or ())
                touched = replica.merge_pulled(conn, changes)
                if page.changes:
                    self.clock.observe(conn, max(c.hlc for c in page.changes))
                if page.horizon is not None and horizon is None:
                    update_state(conn, pull_horizon=page.horizon)
                if user is not None:
                    forgotten = scope.forget_outside(conn, user.districts) if user.role != "admin" else None
                    for entity, keys in (forgotten.dropped if forgotten else {}).items():
                        touched.setdefault(entity, set()).update(keys)
                    # Rows kept for unsent work are forgotten by a later sync, after its push has
                    # sent that work: until then the old scope stays.
                    done = forgotten is None or forgotten.complete
                    # What this device holds is whole up to its cursor: only what it lacks
                    # (a district just granted) may stay bounded below it.
                    update_state(
                        conn,
                        pull_horizon=cursor,
                        cursor=0,
                        pull_scope=page.scope if done else state.pull_scope,
                        user_json=msgspec.json.encode(user).decode(),
                    )
                else:
                    keep = rescoped or page.scope is None
                    update_state(
                        conn, cursor=max(cursor, page.cursor), pull_scope=state.pull_scope if keep else page.scope
                    )
            pulled += len(page.changes)
            self._step("pull_applied")
            if touched and self.on_data is not None:
                self.on_data(touched)
            if user is not None:
                rescoped, message = True, RESCOPED
                continue
            if not page.has_more or page.cursor <= cursor:
                return pulled + self._complete(api)

    def _complete(self, api: ServerApi) -> int:
        """Fetch whole the records a page showed this device lacks (``bounded``)."""
        fetched = 0
        while True:
            with self.store.read() as conn:
                ids = sorted(bounded.queued(conn))[:MAX_RECORDS_PER_FETCH]
            if not ids:
                return fetched
            reply = api.records(inspection_ids=ids)
            with self.store.write() as conn:
                bounded.done(conn, ids)  # one not sent back is out of reach now: nothing to keep
                touched = self.merge_records(conn, reply)
            fetched += len(reply.changes)
            if touched and self.on_data is not None:
                self.on_data(touched)

    def merge_records(self, conn: sqlite3.Connection, reply: RecordsPage) -> dict[str, set[str]]:
        """Merge whole records (``GET /api/v1/sync/records``) by clock, like a pull page."""
        changes: list[PulledChange] = reply.changes
        touched = replica.merge_pulled(conn, changes)
        if changes:
            self.clock.observe(conn, max(c.hlc for c in changes))
        return touched

    def site_history(self, site_id: str) -> tuple[int, bool]:
        """Fetch a site's inspections whole (its older history), merged by clock; returns how
        many inspections the server sent and whether it has more. Raises ``Offline`` (and the
        other ``ServerError``s) when the server cannot be reached."""
        with self.store.read() as conn:
            state = read_state(conn)
        if not state.token or not state.server_url:
            raise Unauthorized(messages.NOT_LOGGED_IN)
        api = self.api_factory(state.server_url, state.token)
        try:
            reply = api.records(site_id=site_id)
        finally:
            api.close()
        with self.store.write() as conn:
            bounded.done(conn, reply.inspections)
            touched = self.merge_records(conn, reply)
        if touched and self.on_data is not None:
            self.on_data(touched)
        return len(reply.inspections), reply.more


def _was_rejected(result: ChangeResult) -> bool:
    """Rejected now, or a ``duplicate`` of a change first rejected in a reply that was lost
    (PROTOCOL.md §4): either way the inspector is told, once (``INSERT OR IGNORE``)."""
    return result.status == "rejected" or (result.status == "duplicate" and result.original_status == "rejected")


_inspection_of = protocol.inspection_of
