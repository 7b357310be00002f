"""What the services hand to the screens: plain, immutable view models.

Nothing here touches the database or the network; the screens read these and call
``field_app.core.services.AppServices`` to change anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from shared_schema.actions import Action
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import Answer, InspectionHeader, Review, Site, UserInfo
from shared_schema.scoring import ScoreResult
from shared_schema.text import LocalText
from shared_schema.workflow import MissingItem


class AppError(Exception):
    """A refused action, with a message a person can act on (Vietnamese and English).

    ``code`` is for programs: ``not_found``, ``locked``, ``not_logged_in``, ``login_failed``,
    ``offline``, ``other_user_pending``, ``bad_photo``, ``unknown_question``, ``no_checklist``…
    Raising it never leaves a half-made change behind.
    """

    def __init__(self, code: str, message: LocalText):
        super().__init__(f"{message.vi} / {message.en}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Session:
    """Who is logged in on this device, against which server."""

    user: UserInfo
    server_url: str
    expires_at: str | None
    # True after the server answered 401: the screens must ask for the password again.
    # The outbox is kept; nothing is lost.
    needs_password: bool = False


@dataclass(frozen=True)
class SyncProgress:
    """Progress of a running sync (or of the first download after login)."""

    phase: Literal["idle", "uploading", "pushing", "pulling"]
    # Items moved in this phase so far, and the total when it is known.
    done: int = 0
    total: int | None = None
    message: LocalText = field(default_factory=lambda: LocalText("", ""))


@dataclass(frozen=True)
class SyncStatus:
    """Everything the sync bar shows."""

    # None: not checked yet; True: the server answered /healthz; False: it did not.
    online: bool | None
    running: bool
    pending: int
    pending_blobs: int
    last_sync_at: str | None
    last_error: LocalText | None
    needs_password: bool
    progress: SyncProgress
    # True until the first full download after login has finished.
    first_sync_done: bool


@dataclass(frozen=True)
class SyncReport:
    """What one ``sync_now`` did."""

    ok: bool
    pushed: int = 0
    pulled: int = 0
    uploaded_blobs: int = 0
    rejected: int = 0
    error: LocalText | None = None


@dataclass(frozen=True)
class SiteSummary:
    id: str
    code: str
    name: str
    kind: str
    district: str
    address: str | None
    active: bool


@dataclass(frozen=True)
class InspectionSummary:
    """One line of a list of inspections."""

    id: str
    site_id: str
    site_name: str | None
    site_code: str | None
    template_id: str
    template_version: int
    template_title: LocalText | None
    status: str
    kind: str
    started_at: str | None
    completed_at: str | None
    score: float | None
    result: str | None
    # Local edits not yet acknowledged by the server.
    pending_changes: int
    review: Review | None
    # The result in words ("Đạt", "Không đạt"…): the server's, else computed on the device.
    result_label: LocalText | None = None


@dataclass(frozen=True)
class SiteDetail:
    site: Site
    inspections: list[InspectionSummary]
    # corrective actions not yet verified, earliest deadline first ("Tồn tại từ lần trước")
    open_actions: list[ActionView] = field(default_factory=list)


@dataclass(frozen=True)
class ActionView:
    """A corrective action as the phone shows it."""

    action: Action
    overdue: bool
    question_label: LocalText | None = None


@dataclass(frozen=True)
class ChecklistOption:
    """A checklist version an inspector may start on a site of some kind."""

    template_id: str
    version: int
    title: LocalText
    description: LocalText | None
    site_kinds: list[str]


@dataclass(frozen=True)
class Notice:
    """Something the inspector must be told about one field: a rejected change or a conflict."""

    kind: Literal["rejected", "conflict"]
    entity: str
    entity_id: str
    field: str
    # For answers: the question; for header fields: None.
    inspection_id: str | None
    question_id: str | None
    message: LocalText
    # The value this device tried to write (rejected) or the value that lost (conflict).
    value: Any = None
    # The value that is held now (conflict winner), when known.
    other_value: Any = None
    code: str | None = None
    at: str | None = None
    # Id to pass to ``AppServices.resend_rejected`` / ``dismiss_notice``.
    notice_id: str = ""
    resolved: bool = False


@dataclass(frozen=True)
class InspectionView:
    """Everything the inspection screen needs, computed with the shared rules."""

    header: InspectionHeader
    site: Site | None
    # The pinned checklist version (never a newer one).
    template: ChecklistTemplate
    answers: dict[str, Answer]
    # Question ids that apply given the answers so far, in checklist order.
    relevant: list[str]
    # Live score and result band (shared_schema.scoring.score).
    score: ScoreResult
    # What still stops submitting, in checklist order, each with section and question.
    problems: list[MissingItem]
    editable: bool
    pending_changes: int
    notices: list[Notice] = field(default_factory=list)
    # The inspection's corrective actions (signed with it: ``shared_schema.evidence``).
    actions: list[Action] = field(default_factory=list)


@dataclass(frozen=True)
class SubmitResult:
    ok: bool
    problems: list[MissingItem] = field(default_factory=list)


@dataclass(frozen=True)
class MyInspections:
    """The inspector's inspections, grouped the way the home screen shows them.

    ``waiting`` holds inspections with local edits not yet acknowledged (whatever their status);
    the other groups hold the rest by status.
    """

    drafts: list[InspectionSummary]
    waiting: list[InspectionSummary]
    submitted: list[InspectionSummary]
    returned: list[InspectionSummary]
    approved: list[InspectionSummary]
    rejected: list[InspectionSummary]


@dataclass(frozen=True)
class AppEvent:
    """Told to every subscriber when something the screens show has changed.

    ``kind``: ``data`` (records changed: see ``inspection_ids``/``entities``), ``sync`` (the
    sync status changed), ``session`` (logged in, or the password is needed again).
    """

    kind: Literal["data", "sync", "session"]
    entities: frozenset[str] = frozenset()
    inspection_ids: frozenset[str] = frozenset()
