"""The one facade the screens call: session, sites, checklists, inspections, sync.

Every method is plain Python and safe to call from any thread. Edits validate first and
change nothing when the input is bad (they return the ``Invalid`` or raise ``AppError``);
an accepted edit writes the record and its outbox change in one transaction.

Background sync calls the subscribers registered with ``subscribe`` from its own thread;
a Flet screen should only schedule a refresh from the callback.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from field_app.core import blobs, messages, outbox, photos
from field_app.core.background import BackgroundSync
from field_app.core.device_state import DeviceClock, read_state, set_error
from field_app.core.editing import Editor
from field_app.core.engine import ApiFactory, StepHook, SyncEngine
from field_app.core.models import (
    ActionView,
    AppError,
    AppEvent,
    ChecklistOption,
    InspectionView,
    MyInspections,
    Notice,
    Session,
    SiteDetail,
    SiteSummary,
    SubmitResult,
    SyncReport,
    SyncStatus,
)
from field_app.core.queries import Queries
from field_app.core.server_api import Offline, ServerApi, ServerError
from field_app.core.session import SessionKeeper, normalise_url
from field_app.core.site_correction import SiteDraft, site_changes
from field_app.core.store import Store, default_data_dir
from field_app.core.todo import NOT_FOUND_ASSIGNMENT, TodoItem, todo_items
from field_app.core.todo import assignment as assignment_document
from field_app.core.version_move import MovePlan, VersionMover
from shared_schema import protocol, validation
from shared_schema.actions import Action
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import Review
from shared_schema.text import LocalText
from shared_schema.validation import Invalid

APP_VERSION = "0.1.0"

log = logging.getLogger(__name__)


class AppServices:
    """The field app's services over one local store (one data directory)."""

    def __init__(
        self,
        data_dir: str | Path | None = None,
        server_url: str | None = None,
        *,
        api_factory: ApiFactory | None = None,
        on_step: StepHook | None = None,
        photo_settings: photos.PhotoSettings | None = None,
    ):
        self._store = Store(data_dir if data_dir is not None else default_data_dir())
        # how evidence photos are made small (FIELD_APP_PHOTO_MAX_SIDE / FIELD_APP_PHOTO_QUALITY)
        self.photo_settings = photo_settings or photos.PhotoSettings.from_env()
        self._server_url = normalise_url(server_url) if server_url else None
        self._api_factory: ApiFactory = api_factory or (lambda url, token: ServerApi(url, token))
        self._clock = DeviceClock(self._store)
        self._queries = Queries(self._store)
        self._session = SessionKeeper(self._store, self._api_factory, self._clock)
        self._subscribers: list[Callable[[AppEvent], None]] = []
        self._subscribers_lock = threading.Lock()
        self._online: bool | None = None
        self._background: BackgroundSync | None = None
        self._editor = Editor(self._store, self._clock, self._queries, self._session.role, self._after_edit)
        self._mover = VersionMover(self._store, self._clock, self._queries, self._after_edit)
        self._engine = SyncEngine(
            self._store,
            self._clock,
            app_version=APP_VERSION,
            api_factory=self._api_factory,
            on_step=on_step,
            on_progress=lambda _p: self._emit(AppEvent("sync")),
            on_data=self._after_pull,
        )

    # --- internals -------------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The local store (for tests and diagnostics)."""
        return self._store

    @property
    def engine(self) -> SyncEngine:
        return self._engine

    def _emit(self, event: AppEvent) -> None:
        with self._subscribers_lock:
            callbacks = list(self._subscribers)
        for callback in callbacks:
            try:
                callback(event)
            except Exception:
                log.exception("a subscriber failed")

    def _after_edit(self, inspection_id: str) -> None:
        if inspection_id:
            self._emit(AppEvent("data", frozenset({"inspection"}), frozenset({inspection_id})))
        else:
            self._emit(AppEvent("data", frozenset({"site"})))
        if self._background is not None:
            self._background.poke()

    def _after_pull(self, touched: dict[str, set[str]]) -> None:
        ids: set[str] = set()
        for entity, keys in touched.items():
            ids.update(i for k in keys if (i := protocol.inspection_of(entity, k)) is not None)
        self._emit(AppEvent("data", frozenset(touched), frozenset(ids)))

    def _can_sync(self) -> bool:
        session = self.current_session()
        return session is not None and not session.needs_password

    @staticmethod
    def _rejection_id(notice_id: str) -> str:
        kind, _, change_id = notice_id.partition(":")
        if kind != "rejected" or not change_id:
            raise AppError("not_found", LocalText("Không tìm thấy thông báo này.", "This notice was not found."))
        return change_id

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        server_url: str | None = None,
        *,
        background: bool = False,
        api_factory: ApiFactory | None = None,
        on_step: StepHook | None = None,
        photo_settings: photos.PhotoSettings | None = None,
    ) -> AppServices:
        """Open (or create) the store in ``data_dir``.

        ``data_dir`` defaults to ``$FLET_APP_STORAGE_DATA`` (set by Flet on a phone), else
        ``~/.field_app``. ``server_url`` is the default server for ``login`` (a session already
        saved keeps its own). With ``background=True`` a thread syncs by itself whenever the
        server is reachable (same as calling ``start_background_sync``). ``api_factory`` and
        ``on_step`` are for tests (another HTTP route; a hook between sync steps).
        """
        services = cls(data_dir, server_url, api_factory=api_factory, on_step=on_step, photo_settings=photo_settings)
        if background:
            services.start_background_sync()
        return services

    def close(self) -> None:
        """Stop background sync and close the store."""
        self.stop_background_sync()
        self._store.close()

    @property
    def data_dir(self) -> Path:
        return self._store.data_dir

    @property
    def default_server_url(self) -> str | None:
        """The server URL given to ``open`` or remembered from the last login."""
        session = self.current_session()
        return session.server_url if session else self._server_url

    # --- session ---------------------------------------------------------------------------

    def current_session(self) -> Session | None:
        """The saved session, or None before the first login. Survives restarts and offline days."""
        return self._session.current()

    def login(self, server_url: str, username: str, password: str) -> Session:
        """Log in online; saves the token and the user. Raises ``AppError`` (``login_failed``,
        ``offline``, ``other_user_pending``) with words to show. Logging in again after the
        token expired keeps the outbox; another user may log in only when nothing is waiting to
        be sent (their data is then cleared)."""
        session = self._session.login(server_url, username, password)
        self._emit(AppEvent("session"))
        self._emit(AppEvent("sync"))
        if self._background is not None:
            self._background.poke()
        return session

    def logout(self) -> None:
        """Forget the session (user and token): ``current_session()`` is None afterwards and the
        next login downloads the data again. Refuses (``AppError`` ``pending_changes``) while
        changes wait to be sent."""
        self._session.logout()
        self._emit(AppEvent("session"))

    # --- sites and checklists --------------------------------------------------------------

    def list_sites(
        self,
        query: str = "",
        *,
        district: str | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[SiteSummary]:
        """Active sites matching ``query`` in name or code (case and accent insensitive:
        "ha noi" finds "Hà Nội"), optionally of one district and kind, ordered by name."""
        return self._queries.list_sites(query, district, kind, limit, offset)

    def count_sites(self, query: str = "", *, district: str | None = None, kind: str | None = None) -> int:
        return self._queries.count_sites(query, district, kind)

    def districts(self) -> list[str]:
        """Districts of the sites on this device, sorted."""
        return self._queries.districts()

    def site_kinds(self) -> list[str]:
        """Kinds of the sites on this device (codes of ``shared_schema.records.SITE_KINDS``)."""
        return self._queries.site_kinds()

    def get_site(self, site_id: str) -> SiteDetail:
        """A site and its past inspections (newest first). ``AppError`` ``not_found``."""
        return self._queries.site_detail(site_id)

    def set_site_field(self, site_id: str, field: str, value: Any) -> Invalid | None:
        """Correct a site's ``workers``, ``contact`` (``{name, phone, email}``) or ``location``
        (``{lat, lon, accuracy_m}``) as found on the spot. Returns the ``Invalid`` and changes
        nothing when refused (``not_permitted`` for the registry's own fields such as the name)."""
        return self._editor.set_site_field(site_id, field, value)

    def correct_site(self, site_id: str, draft: SiteDraft) -> tuple[list[str], dict[str, LocalText]]:
        """Save the site correction screen: the workers, contact and location that differ from
        the site held here, all or nothing. Returns (fields saved, {}) or ([], problems by box);
        the corrections travel to the server at the next sync. ``AppError`` ``not_found``."""
        site = self.get_site(site_id).site
        changes, problems = site_changes(site, draft)
        if problems:
            return [], problems
        for name, value in changes.items():
            invalid = self._editor.set_site_field(site_id, name, value)
            if invalid is not None:  # checked by site_changes already; kept as a guard
                return [], {name: invalid.message}
        return list(changes), {}

    def record_start_location(self, inspection_id: str, location: dict[str, Any]) -> Invalid | None:
        """Keep where an inspection was started (``site_correction.gps_location`` or
        ``typed_location``) in its header ``location``, unless one is recorded already."""
        if self.get_inspection(inspection_id).header.location is not None:
            return None
        return self._editor.set_header(inspection_id, "location", location)

    def checklists_for_kind(self, site_kind: str) -> list[ChecklistOption]:
        """The latest published version of every checklist that lists ``site_kind``."""
        return self._queries.checklists_for_kind(site_kind)

    def template(self, template_id: str, version: int) -> ChecklistTemplate:
        """One checklist version held on the device. ``AppError`` ``not_found``."""
        return self._queries.template(template_id, version)

    # --- inspections -----------------------------------------------------------------------

    def start_inspection(
        self,
        site_id: str,
        template_id: str,
        version: int | None = None,
        *,
        kind: str = "periodic",
        assignment_id: str | None = None,
    ) -> str:
        """Start an inspection of ``site_id`` on a checklist (its latest published version
        unless ``version`` is given); returns the new inspection id. The version is pinned.
        ``assignment_id`` links it to the assignment it was started from (``todo``)."""
        return self._editor.start(site_id, template_id, version, kind, assignment_id)

    def todo(self, *, open_only: bool = True, today: dt.date | None = None) -> list[TodoItem]:
        """The to-do list: the assignments of the user's teams, overdue first (offline);
        ``today`` is the Viet Nam day it is read on (default: now)."""
        return todo_items(self._store, self._queries, today, open_only=open_only)

    def start_assignment(self, assignment_id: str) -> str:
        """Start an inspection from an assignment: its site, its checklist's latest published
        version on this device, linked by ``assignment_id``. ``AppError`` when impossible."""
        doc = assignment_document(self._store, assignment_id)
        if doc is None:
            raise AppError("not_found", NOT_FOUND_ASSIGNMENT)
        return self._editor.start(doc.site_id, doc.template_id, None, "periodic", assignment_id)

    def get_inspection(self, inspection_id: str) -> InspectionView:
        """Header, pinned checklist, answers, relevance, live score, submission problems,
        notices. ``AppError`` ``not_found``."""
        return self._queries.inspection(inspection_id)

    def validate_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        """Check a value without saving it (for inline messages)."""
        return self._editor.validate_answer(inspection_id, question_id, field, value)

    def set_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        """Set one answer field (``value``, ``note``, ``photos``, ``corrective_action``,
        ``due_date``). Returns the ``Invalid`` and changes nothing when the value is refused;
        raises ``AppError`` when the inspection is locked or the question unknown."""
        return self._editor.set_answer(inspection_id, question_id, field, value)

    def set_answer_value(self, inspection_id: str, question_id: str, value: Any) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "value", value)

    def set_note(self, inspection_id: str, question_id: str, note: str | None) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "note", note)

    def set_corrective_action(self, inspection_id: str, question_id: str, text: str | None) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "corrective_action", text)

    def set_due_date(self, inspection_id: str, question_id: str, due_date: str | None) -> Invalid | None:
        """``due_date`` as ``YYYY-MM-DD``."""
        return self.set_answer(inspection_id, question_id, "due_date", due_date)

    # --- corrective actions (biện pháp khắc phục) -------------------------------------------

    def add_action(
        self,
        inspection_id: str,
        question_id: str,
        description: str,
        deadline: str,
        responsible_name: str | None = None,
        responsible_phone: str | None = None,
    ) -> str | Invalid:
        """ "Thêm biện pháp khắc phục" on a failed item: returns the new action's id, or the
        ``Invalid`` (a past deadline, no description) and changes nothing. ``AppError``
        ``not_failed`` when the item did not fail, ``locked`` when the inspection is locked."""
        return self._editor.add_action(
            inspection_id, question_id, description, deadline, responsible_name, responsible_phone
        )

    def open_actions(self, site_id: str) -> list[ActionView]:
        """The site's actions not yet verified, earliest deadline first ("Tồn tại từ lần trước")."""
        return self._queries.open_actions(site_id)

    def inspection_actions(self, inspection_id: str) -> list[Action]:
        return self._queries.inspection_actions(inspection_id)

    def add_fix_photo(self, action_id: str, data: bytes) -> str:
        """A photo of the fix (offline), made small like every evidence photo; returns its SHA-256."""
        return self._editor.add_fix_photo(action_id, photos.shrink(data, self.photo_settings))

    def add_finding_photo(self, action_id: str, data: bytes) -> str:
        """A photo of the finding on an action of an inspection being edited (made small like
        every evidence photo); returns its SHA-256."""
        return self._editor.add_finding_photo(action_id, photos.shrink(data, self.photo_settings))

    def remove_finding_photo(self, action_id: str, sha256: str) -> None:
        self._editor.remove_finding_photo(action_id, sha256)

    def report_not_fixed(self, action_id: str, note: str) -> Invalid | None:
        """ "Chưa khắc phục" on a follow-up visit, with what was seen (offline; syncs like any edit)."""
        return self._editor.report_not_fixed(action_id, note)

    def report_fixed(self, action_id: str, note: str) -> Invalid | None:
        """Mark an action fixed (note and/or photos, dated today); syncs like any edit."""
        return self._editor.report_fixed(action_id, note)

    def add_photo(self, inspection_id: str, question_id: str, data: bytes, *, to_value: bool | None = None) -> str:
        """Make the photo small (upright, longest side ``photo_settings.max_side``, JPEG at
        ``photo_settings.quality``, capture time kept), store it as a blob and append it to the
        answer's photos — or to its value for a photo question (``to_value`` None: decided by the
        question kind). Returns the SHA-256 of the stored JPEG. ``AppError`` ``bad_photo`` (and
        nothing changes) when the bytes are not an image or too large to process."""
        small = photos.shrink(data, self.photo_settings)
        return self._editor.add_photo(inspection_id, question_id, small, to_value)

    def remove_photo(self, inspection_id: str, question_id: str, sha256: str) -> None:
        self._editor.remove_photo(inspection_id, question_id, sha256)

    def store_blob(self, data: bytes) -> str:
        """Store image bytes (e.g. a drawn signature PNG) as a blob; returns its SHA-256."""
        return blobs.save_blob(self._store, data)

    def blob_path(self, sha256: str) -> Path | None:
        """The local file of a blob, fetching it from the server when online; None if unavailable."""
        path = blobs.blob_file(self._store, sha256)
        if path.exists():
            return path
        with self._store.read() as conn:
            state = read_state(conn)
        if not state.token or not state.server_url or not validation.is_sha256(sha256):
            return None
        api = self._api_factory(state.server_url, state.token)
        try:
            data = api.blob_get(sha256)
        except ServerError:
            return None
        finally:
            api.close()
        return blobs.keep_fetched(self._store, sha256, data) if data else None

    def set_header(self, inspection_id: str, field: str, value: Any) -> Invalid | None:
        """Set a header field: ``kind``, ``team``, ``findings``, ``representative``,
        ``signatures``, ``location``, ``completed_at``, ``started_at`` (``record_number`` is
        given by the server). A signature taken now is bound to the content (its digest).
        Returns the ``Invalid`` and changes nothing when refused."""
        return self._editor.set_header(inspection_id, field, value)

    def submit(self, inspection_id: str) -> SubmitResult:
        """Submit (draft or returned → submitted) when nothing is missing; otherwise return the
        problems and change nothing. Sets ``completed_at`` when empty."""
        return self._editor.submit(inspection_id)

    def discard(self, inspection_id: str) -> None:
        """Discard a draft never submitted (after the inspector confirmed it); ``AppError``
        ``locked`` for one submitted before."""
        self._editor.discard(inspection_id)

    def version_move_plan(self, inspection_id: str) -> MovePlan | None:
        """What moving this draft to the newest published version of its checklist would keep
        and drop, or None when it cannot move (not a draft, or no newer version here)."""
        return self._mover.plan(inspection_id)

    def move_to_new_version(self, inspection_id: str, expect: MovePlan | None = None) -> str:
        """Move the draft to the newest published version (offline): a new draft with every
        answer still valid there, the old one discarded with ``migrated_to``. Returns the new
        inspection id. ``expect``: the plan the inspector confirmed (``AppError`` ``stale_plan``
        when it no longer holds; nothing changes)."""
        new_id, _plan = self._mover.move(inspection_id, expect=expect)
        return new_id

    def record_pdf(self, inspection_id: str, lang: str = "vi") -> bytes:
        """The biên bản of the inspection as PDF bytes, rendered on the device, offline, with the
        server's renderer (``record_pdf``). ``AppError`` ``not_found``."""
        from field_app.core import record  # fpdf2 and Pillow load only when a record is rendered

        return record.render_record(self._store, self._queries, self.current_session(), inspection_id, lang)

    def record_file_name(self, inspection_id: str) -> str:
        """The PDF's file name, the server's for the same record (``bien-ban-15-BB-SCT.pdf``)."""
        from field_app.core import record

        return record.record_file_name(self._queries, inspection_id)

    def save_record_pdf(self, inspection_id: str, lang: str = "vi") -> Path:
        """Render the biên bản and keep it under the data directory (``records/``)."""
        from field_app.core import record

        return record.save_record(self._store, self._queries, self.current_session(), inspection_id, lang)

    def my_inspections(self) -> MyInspections:
        """Inspections on this device grouped as drafts / waiting to sync / submitted /
        returned / approved / rejected."""
        return self._queries.my_inspections()

    def review_feedback(self, inspection_id: str) -> Review | None:
        """The supervisor's last decision and comment, if any."""
        return self._queries.review(inspection_id)

    def notices(self, inspection_id: str | None = None) -> list[Notice]:
        """Rejected changes and conflicts (of one inspection, or all), newest first, in words."""
        return self._queries.notices(inspection_id)

    def resend_rejected(self, notice_id: str) -> None:
        """Write a rejected value again as a new edit (e.g. after fixing the phone's clock)."""
        self._editor.resend_rejected(self._rejection_id(notice_id))

    def dismiss_notice(self, notice_id: str) -> None:
        """Hide a rejected-change notice the inspector has read."""
        self._editor.dismiss(self._rejection_id(notice_id))
        self._emit(AppEvent("data"))

    # --- sync ------------------------------------------------------------------------------

    def sync_status(self) -> SyncStatus:
        with self._store.read() as conn:
            state = read_state(conn)
            pending = outbox.pending_count(conn)
            pending_blobs = conn.execute("SELECT count(*) FROM blobs WHERE local = 1 AND uploaded = 0").fetchone()[0]
        session = self.current_session()
        return SyncStatus(
            online=self._online,
            running=self._engine.running,
            pending=pending,
            pending_blobs=pending_blobs,
            last_sync_at=state.last_sync_at,
            last_error=state.last_error,
            needs_password=bool(session and session.needs_password),
            progress=self._engine.progress,
            first_sync_done=state.first_sync_done,
        )

    def site_history(self, site_id: str) -> tuple[int, bool]:
        """Fetch a site's older inspections from the server (a bounded first sync leaves settled
        history there, PROTOCOL.md §7), merged by clock; returns how many inspections came and
        whether the server holds still more. Needs a connection: raises ``AppError("offline")``
        saying so when there is none."""
        try:
            found = self._engine.site_history(site_id)
        except Offline as exc:
            self._online = False
            self._emit(AppEvent("sync"))
            raise AppError("offline", messages.HISTORY_OFFLINE) from exc
        except ServerError as exc:
            raise AppError(exc.code, exc.message) from exc
        if not self._online:
            self._online = True
            self._emit(AppEvent("sync"))
        return found

    def sync_now(self) -> SyncReport:
        """Upload blobs, push the outbox, pull; blocks until done. Never raises for network
        trouble: the report (and ``sync_status().last_error``) says what went wrong."""
        self._emit(AppEvent("sync"))
        try:
            report = self._engine.run()
        except Exception as exc:  # never let a sync crash the screens; say what happened
            log.exception("sync failed")
            with self._store.write() as conn:
                set_error(conn, "unexpected", messages.fill(messages.SERVER_ERROR, detail=type(exc).__name__))
            report = SyncReport(False, error=messages.fill(messages.SERVER_ERROR, detail=type(exc).__name__))
        if report.ok:
            self._online = True
        elif report.error == messages.OFFLINE:
            self._online = False
        if report.error == messages.NEEDS_PASSWORD:
            self._emit(AppEvent("session"))
        self._emit(AppEvent("sync"))
        return report

    def check_online(self) -> bool:
        """A cheap request to ``/healthz``; updates ``sync_status().online``."""
        session = self.current_session()
        url = session.server_url if session else self._server_url
        if not url:
            return False
        api = self._api_factory(url, None)
        try:
            online = api.healthz()
        finally:
            api.close()
        if online != self._online:
            self._online = online
            self._emit(AppEvent("sync"))
        return online

    def start_background_sync(self, interval_s: float = 30.0) -> None:
        """Sync by itself: whenever the server becomes reachable and every ``interval_s``,
        backing off after failures."""
        if self._background is None:
            self._background = BackgroundSync(
                check_online=self.check_online,
                sync=self.sync_now,
                can_sync=self._can_sync,
                has_pending=lambda: self.sync_status().pending > 0,
                interval_s=interval_s,
            )
        self._background.interval_s = interval_s
        self._background.start()

    def sync_soon(self) -> None:
        """The app came back to the foreground or the network came back: sync (push and pull)
        as soon as the server answers, even with nothing waiting. No effect without background
        sync (``FIELD_APP_SYNC_INTERVAL=0``: the Sync button only)."""
        if self._background is not None and self._background.alive:
            self._background.poke(force=True)

    def stop_background_sync(self) -> None:
        if self._background is not None:
            self._background.stop()

    def subscribe(self, callback: Callable[[AppEvent], None]) -> Callable[[], None]:
        """Call ``callback`` on every change the screens show; returns the unsubscribe function."""
        with self._subscribers_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe
