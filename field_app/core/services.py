"""The one facade the screens call: session, sites, checklists, inspections, sync.

Every method is plain Python and safe to call from any thread. Edits validate first and
change nothing when the input is bad (they return the ``Invalid`` or raise ``AppError``);
an accepted edit writes the record and its outbox change in one transaction.

Background sync calls the subscribers registered with ``subscribe`` from its own thread;
a Flet screen should only schedule a refresh from the callback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from field_app.core.models import (
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
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import Review
from shared_schema.validation import Invalid

APP_VERSION = "0.1.0"


class AppServices:
    """The field app's services over one local store (one data directory)."""

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: str | Path | None = None,
        server_url: str | None = None,
        *,
        background: bool = False,
    ) -> AppServices:
        """Open (or create) the store in ``data_dir``.

        ``data_dir`` defaults to ``$FLET_APP_STORAGE_DATA`` (set by Flet on a phone), else
        ``~/.field_app``. ``server_url`` is the default server for ``login`` (a session already
        saved keeps its own). With ``background=True`` a thread syncs by itself whenever the
        server is reachable (same as calling ``start_background_sync``).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Stop background sync and close the store."""
        raise NotImplementedError

    @property
    def data_dir(self) -> Path:
        raise NotImplementedError

    @property
    def default_server_url(self) -> str | None:
        """The server URL given to ``open`` or remembered from the last login."""
        raise NotImplementedError

    # --- session ---------------------------------------------------------------------------

    def current_session(self) -> Session | None:
        """The saved session, or None before the first login. Survives restarts and offline days."""
        raise NotImplementedError

    def login(self, server_url: str, username: str, password: str) -> Session:
        """Log in online; saves the token and the user. Raises ``AppError`` (``login_failed``,
        ``offline``, ``other_user_pending``) with words to show. Logging in again after the
        token expired keeps the outbox; another user may log in only when nothing is waiting to
        be sent (their data is then cleared)."""
        raise NotImplementedError

    def logout(self) -> None:
        """Forget the token. Refuses (``AppError`` ``pending_changes``) while changes wait to be sent."""
        raise NotImplementedError

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
        raise NotImplementedError

    def count_sites(self, query: str = "", *, district: str | None = None, kind: str | None = None) -> int:
        raise NotImplementedError

    def districts(self) -> list[str]:
        """Districts of the sites on this device, sorted."""
        raise NotImplementedError

    def site_kinds(self) -> list[str]:
        """Kinds of the sites on this device (codes of ``shared_schema.records.SITE_KINDS``)."""
        raise NotImplementedError

    def get_site(self, site_id: str) -> SiteDetail:
        """A site and its past inspections (newest first). ``AppError`` ``not_found``."""
        raise NotImplementedError

    def checklists_for_kind(self, site_kind: str) -> list[ChecklistOption]:
        """The latest published version of every checklist that lists ``site_kind``."""
        raise NotImplementedError

    def template(self, template_id: str, version: int) -> ChecklistTemplate:
        """One checklist version held on the device. ``AppError`` ``not_found``."""
        raise NotImplementedError

    # --- inspections -----------------------------------------------------------------------

    def start_inspection(
        self,
        site_id: str,
        template_id: str,
        version: int | None = None,
        *,
        kind: str = "periodic",
    ) -> str:
        """Start an inspection of ``site_id`` on a checklist (its latest published version
        unless ``version`` is given); returns the new inspection id. The version is pinned."""
        raise NotImplementedError

    def get_inspection(self, inspection_id: str) -> InspectionView:
        """Header, pinned checklist, answers, relevance, live score, submission problems,
        notices. ``AppError`` ``not_found``."""
        raise NotImplementedError

    def validate_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        """Check a value without saving it (for inline messages)."""
        raise NotImplementedError

    def set_answer(self, inspection_id: str, question_id: str, field: str, value: Any) -> Invalid | None:
        """Set one answer field (``value``, ``note``, ``photos``, ``corrective_action``,
        ``due_date``). Returns the ``Invalid`` and changes nothing when the value is refused;
        raises ``AppError`` when the inspection is locked or the question unknown."""
        raise NotImplementedError

    def set_answer_value(self, inspection_id: str, question_id: str, value: Any) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "value", value)

    def set_note(self, inspection_id: str, question_id: str, note: str | None) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "note", note)

    def set_corrective_action(self, inspection_id: str, question_id: str, text: str | None) -> Invalid | None:
        return self.set_answer(inspection_id, question_id, "corrective_action", text)

    def set_due_date(self, inspection_id: str, question_id: str, due_date: str | None) -> Invalid | None:
        """``due_date`` as ``YYYY-MM-DD``."""
        return self.set_answer(inspection_id, question_id, "due_date", due_date)

    def add_photo(self, inspection_id: str, question_id: str, data: bytes, *, to_value: bool | None = None) -> str:
        """Store ``data`` (JPEG, PNG or WebP) as a blob and append it to the answer's photos —
        or to its value for a photo question (``to_value`` None: decided by the question kind).
        Returns the SHA-256. ``AppError`` ``bad_photo`` when the bytes are not an image."""
        raise NotImplementedError

    def remove_photo(self, inspection_id: str, question_id: str, sha256: str) -> None:
        raise NotImplementedError

    def store_blob(self, data: bytes) -> str:
        """Store image bytes (e.g. a drawn signature PNG) as a blob; returns its SHA-256."""
        raise NotImplementedError

    def blob_path(self, sha256: str) -> Path | None:
        """The local file of a blob, fetching it from the server when online; None if unavailable."""
        raise NotImplementedError

    def set_header(self, inspection_id: str, field: str, value: Any) -> Invalid | None:
        """Set a header field: ``kind``, ``team``, ``findings``, ``representative``,
        ``signatures``, ``location``, ``record_number``, ``completed_at``, ``started_at``.
        Returns the ``Invalid`` and changes nothing when refused."""
        raise NotImplementedError

    def submit(self, inspection_id: str) -> SubmitResult:
        """Submit (draft or returned → submitted) when nothing is missing; otherwise return the
        problems and change nothing. Sets ``completed_at`` when empty."""
        raise NotImplementedError

    def my_inspections(self) -> MyInspections:
        """Inspections on this device grouped as drafts / waiting to sync / submitted /
        returned / approved / rejected."""
        raise NotImplementedError

    def review_feedback(self, inspection_id: str) -> Review | None:
        """The supervisor's last decision and comment, if any."""
        raise NotImplementedError

    def notices(self, inspection_id: str | None = None) -> list[Notice]:
        """Rejected changes and conflicts (of one inspection, or all), newest first, in words."""
        raise NotImplementedError

    def resend_rejected(self, notice_id: str) -> None:
        """Write a rejected value again as a new edit (e.g. after fixing the phone's clock)."""
        raise NotImplementedError

    def dismiss_notice(self, notice_id: str) -> None:
        """Hide a rejected-change notice the inspector has read."""
        raise NotImplementedError

    # --- sync ------------------------------------------------------------------------------

    def sync_status(self) -> SyncStatus:
        raise NotImplementedError

    def sync_now(self) -> SyncReport:
        """Upload blobs, push the outbox, pull; blocks until done. Never raises for network
        trouble: the report (and ``sync_status().last_error``) says what went wrong."""
        raise NotImplementedError

    def check_online(self) -> bool:
        """A cheap request to ``/healthz``; updates ``sync_status().online``."""
        raise NotImplementedError

    def start_background_sync(self, interval_s: float = 30.0) -> None:
        """Sync by itself: whenever the server becomes reachable and every ``interval_s``,
        backing off after failures."""
        raise NotImplementedError

    def stop_background_sync(self) -> None:
        raise NotImplementedError

    def subscribe(self, callback: Callable[[AppEvent], None]) -> Callable[[], None]:
        """Call ``callback`` on every change the screens show; returns the unsubscribe function."""
        raise NotImplementedError
