"""The state of the whole app on screen: which screen, the session, the sync bar, home, sites.

Plain Python over ``AppServices`` (observable so the Flet views re-render when it changes).
Blocking work (log in, sync) runs in a worker thread through the ``async`` methods; the state
itself is only changed on the caller's thread, so a Flet event loop stays the only writer.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import flet as ft

from field_app.core.capabilities import Capabilities, Outcome
from field_app.core.models import (
    AppError,
    AppEvent,
    ChecklistOption,
    InspectionSummary,
    MyInspections,
    Notice,
    Session,
    SiteDetail,
    SiteSummary,
    SyncStatus,
)
from field_app.core.services import AppServices
from field_app.core.site_correction import gps_location
from field_app.core.todo import TodoItem
from field_app.core.version_move import MOVED, MovePlan
from field_app.ui import i18n
from field_app.ui.form_context import Runner, store_each, working
from field_app.ui.form_state import InspectionForm
from shared_schema.text import LocalText
from shared_schema.validation import Invalid

log = logging.getLogger(__name__)

# The home screen's groups, in the order shown: (key of MyInspections, label key).
HOME_GROUPS: tuple[tuple[str, str], ...] = (
    ("drafts", "group_draft"),
    ("waiting", "group_waiting"),
    ("returned", "group_returned"),
    ("submitted", "group_submitted"),
    ("approved", "group_approved"),
    ("rejected", "group_rejected"),
)


PREFS_FILE = "screen-preferences.json"


def _saved_language(services: AppServices) -> str | None:
    try:
        saved = json.loads((Path(services.data_dir) / PREFS_FILE).read_text(encoding="utf-8")).get("lang")
    except (OSError, ValueError, AttributeError):
        return None
    return saved if saved in i18n.LANGS else None


@dataclass(frozen=True)
class StartLocation:
    """An inspection whose start position is being taken (``problem`` None) or could not be
    (``problem``: why, in words; the fill screen then offers typed coordinates or skip)."""

    inspection_id: str
    problem: LocalText | None = None


NO_POSITION = LocalText("Chưa lấy được vị trí.", "No position was taken.")


@ft.observable
class AppState:
    """Everything the screens show, and every action a person can take."""

    def __init__(self, services: AppServices, server_url: str | None = None, lang: str = "vi"):
        self._services = services
        self._login_text: dict[str, str] = {
            "server": server_url or services.default_server_url or "",
            "username": "",
            "password": "",
        }
        self._site_query = ""
        self._closed = False
        self.lang = _saved_language(services) or lang
        self.route = "login"
        self.session: Session | None = None
        self.status: SyncStatus | None = None
        self.mine: MyInspections | None = None
        self.notices: list[Notice] = []
        self.todo: list[TodoItem] = []
        self.busy = False
        self.login_error: str | None = None
        self._fix_notes: dict[str, str] = {}
        self.fix_errors: dict[str, str] = {}
        # the actions whose photos of the fix are being made small off the event loop
        self.fix_busy: frozenset[str] = frozenset()
        # how many "not yet fixed" checks each action had here: a new round empties its note box
        self.fix_note_rounds: dict[str, int] = {}
        self.flash: str | None = None
        # sites
        self.sites: list[SiteSummary] = []
        self.site_total = 0
        self.district: str | None = None
        self.kind: str | None = None
        self.districts: list[str] = []
        self.kinds: list[str] = []
        self.site: SiteDetail | None = None
        # "Xem lịch sử cũ": what the last fetch of the site's older history said, and whether one runs
        self.history_note: str | None = None
        self.history_error = False
        self.history_busy = False
        self.checklists: list[ChecklistOption] = []
        # one inspection
        self.form: InspectionForm | None = None
        # the position asked for when an inspection started (``locate_start``)
        self.start_location: StartLocation | None = None

    def close(self) -> None:
        """The page was closed: stop the background watch."""
        self._closed = True

    @property
    def services(self) -> AppServices:
        return self._services

    def t(self, key: str, **values: Any) -> str:
        return i18n.t(self.lang, key, **values)

    # --- start, language ---------------------------------------------------------------

    def start(self) -> None:
        """Open where the person left: home when a session is saved (online or not), else login."""
        self.session = self._services.current_session()
        self.route = "home" if self.session is not None else "login"
        self.refresh()

    def toggle_language(self) -> None:
        """Switch Vietnamese ↔ English; the choice is remembered on this device."""
        self.lang = "en" if self.lang == "vi" else "vi"
        try:
            (Path(self._services.data_dir) / PREFS_FILE).write_text(json.dumps({"lang": self.lang}), encoding="utf-8")
        except OSError:  # a read-only data directory only loses the memory of the choice
            log.warning("could not remember the language choice", exc_info=True)

    async def watch_connection(self, every_s: float = 5.0, run: Runner = asyncio.to_thread) -> None:
        """Keep the sync bar's online/offline true: a cheap check of the server every few seconds."""
        while not self._closed:
            if self.session is not None and not self.busy:
                await run(self._services.check_online)
                self.status = self._services.sync_status()
            await asyncio.sleep(every_s)

    def refresh(self, event: AppEvent | None = None) -> None:
        """Read again what the services changed (called for every ``AppEvent``)."""
        self.status = self._services.sync_status()
        if event is None or event.kind == "session":
            self.session = self._services.current_session() if self.route != "login" else self.session
        if self.session is None:
            return
        self.mine = self._services.my_inspections()
        self.notices = self._services.notices()
        self.todo = self._services.todo()
        if self.route in ("sites", "site"):
            self._load_sites()
            if self.site is not None:
                self.site = self._services.get_site(self.site.site.id)
        form = self.form
        if form is not None and (event is None or event.kind != "sync" or form.inspection_id in event.inspection_ids):
            try:
                form.view = self._services.get_inspection(form.inspection_id)
            except AppError:
                self.form = None

    # --- login and first download ------------------------------------------------------

    def login_text(self, field: str) -> str:
        return self._login_text.get(field, "")

    def edit_login(self, field: str, text: str) -> None:
        self._login_text[field] = text

    def login_problem(self) -> str | None:
        """What is missing from the login form, in words; ``None`` when it can be sent."""
        server = self._login_text["server"].strip()
        if not server.startswith(("http://", "https://")) or len(server) < 10:
            return self.t("need_server")
        if not self._login_text["username"].strip():
            return self.t("need_username")
        if not self._login_text["password"]:
            return self.t("need_password")
        return None

    async def login(self, run: Runner = asyncio.to_thread) -> bool:
        """Log in, then download sites and checklists (progress in ``status.progress``)."""
        problem = self.login_problem()
        if problem is not None:
            self.login_error = problem
            return False
        self.login_error = None
        self.busy = True
        try:
            self.session = await run(
                self._services.login,
                self._login_text["server"].strip().rstrip("/"),
                self._login_text["username"].strip(),
                self._login_text["password"],
            )
        except AppError as exc:
            self.busy = False
            self.login_error = exc.message.get(self.lang)
            return False
        self._login_text["password"] = ""
        self.status = self._services.sync_status()
        report = await run(self._services.sync_now)
        self.busy = False
        if not report.ok and report.error is not None:
            self.flash = report.error.get(self.lang)
        self.route = "home"
        self.refresh()
        return True

    @property
    def needs_password(self) -> bool:
        """The saved login has expired (or the server said 401): work goes on, sync waits for the password."""
        session = self.session
        return session is not None and (session.needs_password or bool(self.status and self.status.needs_password))

    async def relogin(self, run: Runner = asyncio.to_thread) -> bool:
        """Log in again as the same user on the same server, keeping every change that waits."""
        session = self.session
        if session is None:
            return False
        if not self._login_text["password"]:
            self.login_error = self.t("need_password")
            return False
        self.busy = True
        try:
            self.session = await run(
                self._services.login, session.server_url, session.user.username, self._login_text["password"]
            )
        except AppError as exc:
            self.login_error = exc.message.get(self.lang)
            return False
        finally:
            self.busy = False
        self._login_text["password"] = ""
        self.login_error = None
        return await self.sync(run)

    def logout(self) -> None:
        try:
            self._services.logout()
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return
        self.session = None
        self.form = None
        self.route = "login"

    # --- sync --------------------------------------------------------------------------

    async def sync(self, run: Runner = asyncio.to_thread) -> bool:
        """Sync now: send what waits, fetch what changed. Never raises for network trouble."""
        self.flash = None
        self.busy = True
        self.status = self._services.sync_status()
        try:
            report = await run(self._services.sync_now)
        finally:
            self.busy = False
        self.refresh()
        if report.ok:
            self.flash = self.t("sync_done")
        elif report.error is not None:
            self.flash = report.error.get(self.lang)
        return report.ok

    def sync_summary(self) -> dict[str, str]:
        """The words of the sync bar: connection, waiting changes, last sync, last error."""
        status = self.status
        if status is None:
            return {
                "online": self.t("offline"),
                "pending": self.t("no_pending"),
                "last": self.t("never_synced"),
                "error": "",
            }
        pending = status.pending + status.pending_blobs
        error = status.last_error.get(self.lang) if status.last_error is not None else ""
        return {
            "online": self.t("online") if status.online else self.t("offline"),
            "pending": self.t("pending", count=pending) if pending else self.t("no_pending"),
            "last": self.t("last_sync", when=i18n.fmt_datetime(status.last_sync_at))
            if status.last_sync_at
            else self.t("never_synced"),
            "error": self.t("sync_error", error=error) if error else "",
        }

    # --- home --------------------------------------------------------------------------

    def groups(self) -> list[tuple[str, list[InspectionSummary]]]:
        """Non-empty groups of my inspections as (label, items)."""
        if self.mine is None:
            return []
        return [(self.t(label), items) for key, label in HOME_GROUPS if (items := getattr(self.mine, key))]

    def dismiss_notice(self, notice_id: str) -> None:
        """Hide a rejected-change notice the inspector has read."""
        try:
            self._services.dismiss_notice(notice_id)
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return
        self.notices = self._services.notices()

    def control_failed(self) -> None:
        """A control on screen failed: say so where messages appear (in words: the error itself
        is in the log); everything else goes on."""
        self.busy = False
        self.flash = self.t("control_failed")

    def go_home(self) -> None:
        if self.form is not None:
            self.form.commit_all()
        self.form = None
        self.site = None
        self.route = "home"
        self.refresh()

    # --- sites -------------------------------------------------------------------------

    @property
    def site_query(self) -> str:
        return self._site_query

    def _load_sites(self) -> None:
        query = self._site_query.strip()
        self.sites = self._services.list_sites(query, district=self.district, kind=self.kind, limit=50)
        self.site_total = self._services.count_sites(query, district=self.district, kind=self.kind)

    def open_sites(self) -> None:
        self.districts = self._services.districts()
        self.kinds = self._services.site_kinds()
        self.site = None
        self.route = "sites"
        self._load_sites()

    def search_sites(self, query: str) -> None:
        self._site_query = query
        self._load_sites()

    def filter_sites(self, district: str | None = None, kind: str | None = None) -> None:
        self.district = district or None
        self.kind = kind or None
        self._load_sites()

    def open_site(self, site_id: str) -> None:
        try:
            self.site = self._services.get_site(site_id)
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return
        self.checklists = self._services.checklists_for_kind(self.site.site.kind)
        self.history_note, self.history_error = None, False
        self.route = "site"

    async def load_site_history(self, run: Runner = asyncio.to_thread) -> bool:
        """ "Xem lịch sử cũ": fetch the open site's older inspections from the server (online
        only; offline the note says a connection is needed)."""
        if self.site is None:
            return False
        site_id = self.site.site.id
        self.history_busy, self.history_note, self.history_error = True, None, False
        try:
            count, more = await run(lambda: self._services.site_history(site_id))
        except AppError as exc:
            self.history_note, self.history_error = exc.message.get(self.lang), True
            self.status = self._services.sync_status()
            return False
        finally:
            self.history_busy = False
        self.status = self._services.sync_status()
        self.site = self._services.get_site(site_id)
        key = "history_loaded_more" if more else "history_loaded"
        self.history_note = self.t(key, count=i18n.fmt_number(count, self.lang))
        return True

    # --- corrective actions on a follow-up visit ---------------------------------------------

    def edit_fix_note(self, action_id: str, text: str) -> None:
        self._fix_notes[action_id] = text  # not observed: typing redraws nothing

    async def add_fix_photos(
        self, action_id: str, outcome: Outcome[list[bytes]], run: Runner = asyncio.to_thread
    ) -> int:
        """Photos of the fix taken on the follow-up visit (offline), from the camera or the
        picker, each made small by the services in a worker thread while the action shows them
        busy (``fix_busy``); why one was not kept, or why the capability gave none, is shown
        under the action. Returns how many were added."""
        if outcome.problem is not None:
            self.fix_errors = {**self.fix_errors, action_id: outcome.problem.get(self.lang)}
            return 0
        with working(self, "fix_busy", action_id):
            added, refused = await store_each(
                outcome.value or [], partial(self._services.add_fix_photo, action_id), run
            )
        if refused is not None:
            self.fix_errors = {**self.fix_errors, action_id: refused.message.get(self.lang)}
        if added and self.site is not None:
            self.site = self._services.get_site(self.site.site.id)
        return added

    def report_fixed(self, action_id: str) -> bool:
        """Mark a carried-over action fixed with the typed note (offline; syncs like any edit)."""
        return self._report_on_action(action_id, self._services.report_fixed)

    def report_not_fixed(self, action_id: str) -> bool:
        """ "Chưa khắc phục" on a follow-up visit, with the typed note of what is still missing
        (offline; syncs like any edit); the action stays open with its deadline."""
        return self._report_on_action(action_id, self._services.report_not_fixed, new_round=True)

    def _report_on_action(
        self, action_id: str, report: Callable[[str, str], Invalid | None], *, new_round: bool = False
    ) -> bool:
        """Send the typed note of a follow-up report; its box empties when accepted (a new
        box when ``new_round``), a refusal is shown under it."""
        try:
            invalid = report(action_id, self._fix_notes.get(action_id, ""))
        except AppError as exc:
            self.fix_errors = {**self.fix_errors, action_id: exc.message.get(self.lang)}
            return False
        if invalid is not None:
            self.fix_errors = {**self.fix_errors, action_id: invalid.message.get(self.lang)}
            return False
        self._fix_notes.pop(action_id, None)
        if new_round:
            self.fix_note_rounds = {**self.fix_note_rounds, action_id: self.fix_note_rounds.get(action_id, 0) + 1}
        self.fix_errors = {k: v for k, v in self.fix_errors.items() if k != action_id}
        if self.site is not None:
            self.site = self._services.get_site(self.site.site.id)
        return True

    def start_inspection(self, template_id: str, version: int) -> str | None:
        """Start an inspection of the open site on a checklist and show its first section."""
        if self.site is None:
            return None
        try:
            inspection_id = self._services.start_inspection(self.site.site.id, template_id, version)
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return None
        self.open_inspection(inspection_id)
        return inspection_id

    def start_assignment(self, item: TodoItem) -> str | None:
        """Open the work of an assignment: its inspection started on this device, or a new
        one started from it (linked by ``assignment_id``)."""
        if item.inspection_ids:
            self.open_inspection(item.inspection_ids[-1])
            return item.inspection_ids[-1]
        try:
            inspection_id = self._services.start_assignment(item.id)
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return None
        self.site = None
        self.open_inspection(inspection_id)
        return inspection_id

    async def locate_start(self, inspection_id: str, caps: Capabilities) -> None:
        """Record where the inspection started, through the device's capability layer (with
        accuracy and time). Without a position the fill screen asks to type it or skip."""
        self.start_location = StartLocation(inspection_id)
        outcome = await caps.locate()
        problem = outcome.problem
        if outcome.value is not None:
            invalid = self._services.record_start_location(inspection_id, gps_location(outcome.value))
            problem = invalid.message if invalid is not None else None
        elif problem is None:
            problem = NO_POSITION
        self.start_location = StartLocation(inspection_id, problem) if problem is not None else None
        if self.form is not None and self.form.inspection_id == inspection_id:
            self.form.reload()

    def save_start_location(self, value: dict[str, Any]) -> bool:
        """Keep typed coordinates as the inspection's start position."""
        pending = self.start_location
        if pending is None:
            return False
        invalid = self._services.record_start_location(pending.inspection_id, value)
        if invalid is not None:
            self.flash = invalid.message.get(self.lang)
            return False
        self.start_location = None
        if self.form is not None:
            self.form.reload()
        return True

    def skip_start_location(self) -> None:
        self.start_location = None

    def open_site_edit(self) -> None:
        """The site correction screen of the open site (workers, contact, location)."""
        if self.site is not None:
            self.route = "site_edit"

    def site_saved(self, fields: list[str]) -> None:
        """Back on the site's page after a correction, with its new values."""
        if self.site is None:
            return
        self.site = self._services.get_site(self.site.site.id)
        self.flash = self.t("site_saved" if fields else "site_unchanged")
        self.route = "site"

    # --- one inspection ----------------------------------------------------------------

    def open_inspection(self, inspection_id: str, screen: str = "fill") -> None:
        try:
            self.form = InspectionForm(self._services, inspection_id, lambda: self.lang)
        except AppError as exc:
            self.flash = exc.message.get(self.lang)
            return
        self.route = screen

    def move_to_new_version(self, plan: MovePlan) -> str | None:
        """Move the open draft to a newer checklist version (confirmed) and open the new one."""
        if self.form is None:
            return None
        new_id = self.form.move_to_new_version(plan)
        if new_id is not None:
            self.open_inspection(new_id)
            self.flash = MOVED.get(self.lang).format(version=plan.to_version)
        return new_id

    def show_complete(self) -> None:
        if self.form is not None:
            self.form.commit_all()
            self.route = "complete"

    def show_fill(self, qid: str | None = None) -> None:
        if self.form is not None:
            if qid is not None:
                self.form.jump_to(qid)
            self.route = "fill"

    def go_back(self) -> bool:
        """The back gesture: one screen back; False on home and login (nothing to go back to)."""
        if self.route in ("home", "login") or self.session is None:
            return False
        self.back()
        return True

    def back(self) -> None:
        """One screen back: complete → fill → (site or home); site → sites → home."""
        match self.route:
            case "complete":
                self.route = "fill"
            case "fill":
                if self.form is not None:
                    self.form.commit_all()
                self.form = None
                if self.site is not None:
                    self.site = self._services.get_site(self.site.site.id)
                    self.route = "site"
                else:
                    self.go_home()
            case "site_edit":
                self.route = "site"
            case "site":
                self.route = "sites"
                self.site = None
                self._load_sites()
            case _:
                self.go_home()
