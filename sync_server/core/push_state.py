"""What a push works on inside its transaction: the rows it touches, the field states it
holds, and the writes it stages (``PushContext``)."""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from shared_schema import protocol
from shared_schema.checklist import ChecklistTemplate
from shared_schema.errors import Code
from shared_schema.records import Answer, answer_from_fields
from shared_schema.sync import Change, ChangeResult
from sync_server.core.access import Actor, can_see_district
from sync_server.core.actions import ActionRow, row_of
from sync_server.core.db import Tx
from sync_server.core.errors import bi
from sync_server.core.feed import UNDECODED, FeedKey, FeedWriter, Held, read_held
from sync_server.core.revisions import PendingRevision
from sync_server.core.template_store import has_published, pinned_template, template_status
from sync_server.core.util import to_json


@dataclass(slots=True)
class InspectionRow:
    id: str
    site_id: str
    district: str
    template_id: str | None = None
    template_version: int | None = None
    status: str | None = None
    kind: str | None = None
    score: float | None = None
    result: str | None = None
    inspector: str | None = None
    created_by: str | None = None
    started_at: str | None = None
    submitted_at: str | None = None
    # given on first submission (``revisions``); set, the record has been submitted once
    record_number: str | None = None
    record_year: int | None = None
    record_seq: int | None = None
    first_submitted_at: str | None = None
    is_new: bool = False
    dirty: bool = False


# The columns of an ``InspectionRow`` (its fields but the two this push keeps for itself).
INSPECTION_FIELDS = tuple(f.name for f in fields(InspectionRow) if f.name not in ("is_new", "dirty"))
INSPECTION_COLUMNS = ", ".join(INSPECTION_FIELDS)


def inspection_from_row(r: Any) -> InspectionRow:
    return InspectionRow(**{name: r[name] for name in INSPECTION_FIELDS})


@dataclass(slots=True)
class SiteRow:
    id: str
    district: str
    active: bool


@dataclass(slots=True)
class AnswerGate:
    """An inspection that accepts answers in this push, with its pinned checklist version."""

    inspection: InspectionRow
    template: ChecklistTemplate
    questions: dict[str, Any]


class Rejection(Exception):
    def __init__(self, code: str, vi: str, en: str, restamp: bool = True):
        super().__init__(code)
        self.code = code
        self.reason = bi(vi, en)
        self.restamp = restamp


def written_once(c: Change, held: Any, vi: str, en: str) -> ChangeResult:
    """A field written once (first write wins) that already holds ``held``: ``applied`` when
    ``c`` sends it again (a retry, another device's copy), else a ``Rejection``
    (``identity_fixed``) saying ``vi``/``en``."""
    if held == c.value:
        return ChangeResult(change_id=c.change_id, status="applied")
    raise Rejection(Code.IDENTITY_FIXED, vi, en)


def chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass
class PushContext:
    tx: Tx
    actor: Actor
    client_id: str
    feed: FeedWriter
    now: int
    inspections: dict[str, InspectionRow | None] = field(default_factory=dict)
    sites: dict[str, SiteRow | None] = field(default_factory=dict)
    held: dict[FeedKey, Held | None] = field(default_factory=dict)
    answer_keys: dict[str, set[FeedKey]] = field(default_factory=dict)
    templates: dict[tuple[str, int], ChecklistTemplate | None] = field(default_factory=dict)
    question_maps: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    template_states: dict[tuple[str, int | None], str | None] = field(default_factory=dict)
    # inspections whose blob names may have changed in this push
    blobs_touched: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)
    ahead: set[int] = field(default_factory=set)
    _visible: dict[str | None, bool] = field(default_factory=dict)
    # inspections whose feed rows are all in ``held`` (loaded by ``preload``)
    preloaded: set[str] = field(default_factory=set)
    # inspections whose answers passed the checks of ``sync_service._answer_gate``
    answer_gates: dict[str, AnswerGate] = field(default_factory=dict)
    # client_seq → (value JSON, pull text) of each change, made before the write transaction
    # (``sync_service.prepare``) so that the single writer does not spend its time on them
    prepared: dict[int, str] = field(default_factory=dict)
    # changes to inspections submitted before, for the revision history (``revisions``)
    revisions: list[PendingRevision] = field(default_factory=list)
    # corrective actions read or made in this push (``sync_server.core.actions``)
    action_rows: dict[str, ActionRow | None] = field(default_factory=dict)

    def action(self, action_id: str) -> ActionRow | None:
        if action_id not in self.action_rows:
            self.action_rows[action_id] = row_of(self.tx, action_id)
        return self.action_rows[action_id]

    def reopen_gate(self, inspection_id: str) -> None:
        """Forget an inspection's answer gate: its status or pinned version changed."""
        self.answer_gates.pop(inspection_id, None)

    def visible(self, district: str | None) -> bool:
        seen = self._visible.get(district)
        if seen is None:
            seen = self._visible[district] = can_see_district(self.actor, district)
        return seen

    # -- loading --
    def preload(self, changes: list[Change]) -> None:
        ids: set[str] = set()
        for c in changes:
            inspection_id = protocol.inspection_of(c.entity, c.entity_id)
            if inspection_id is not None:
                ids.add(inspection_id)
        id_list = sorted(ids)
        for chunk in chunks(id_list):
            marks = ", ".join("?" for _ in chunk)
            for r in self.tx.query(f"SELECT {INSPECTION_COLUMNS} FROM inspections WHERE id IN ({marks})", chunk):
                self.inspections[r["id"]] = inspection_from_row(r)
            for r in self.tx.query(
                "SELECT entity, entity_id, field, value, hlc, writer_client, writer_user, inspection_id FROM feed"
                f" WHERE inspection_id IN ({marks})",
                chunk,
            ):
                key = (r["entity"], r["entity_id"], r["field"])
                self.held[key] = Held(r["value"], r["hlc"], r["writer_client"], r["writer_user"])
                if r["entity"] == "answer":
                    self.answer_keys.setdefault(r["inspection_id"], set()).add(key)
        for i in id_list:
            self.inspections.setdefault(i, None)
        self.preloaded.update(id_list)

    def inspection(self, inspection_id: str) -> InspectionRow | None:
        if inspection_id not in self.inspections:
            r = self.tx.one(f"SELECT {INSPECTION_COLUMNS} FROM inspections WHERE id = ?", (inspection_id,))
            self.inspections[inspection_id] = None if r is None else inspection_from_row(r)
        return self.inspections[inspection_id]

    def site(self, site_id: str) -> SiteRow | None:
        if site_id not in self.sites:
            r = self.tx.one("SELECT id, district, active FROM sites WHERE id = ?", (site_id,))
            self.sites[site_id] = None if r is None else SiteRow(r["id"], r["district"], bool(r["active"]))
        return self.sites[site_id]

    def get_held(self, key: FeedKey, inspection_id: str | None) -> Held | None:
        if key in self.held:
            return self.held[key]
        if inspection_id is not None and inspection_id in self.preloaded:
            return None  # every feed row of a preloaded inspection is already in ``held``
        found = read_held(self.tx, key)
        self.held[key] = found
        return found

    def template(self, insp: InspectionRow) -> ChecklistTemplate | None:
        if insp.template_id is None or insp.template_version is None:
            return None
        key = (insp.template_id, insp.template_version)
        if key not in self.templates:
            self.templates[key] = pinned_template(self.tx, *key)
        return self.templates[key]

    def questions(self, template: ChecklistTemplate) -> dict[str, Any]:
        key = (template.template_id, template.version)
        qmap = self.question_maps.get(key)
        if qmap is None:
            qmap = self.question_maps[key] = template.question_map()
        return qmap

    # -- writing --
    def write(
        self,
        key: FeedKey,
        value_json: str | None,
        hlc: str,
        district: str | None,
        inspection_id: str | None,
        *,
        server: bool = False,
        data: Any = UNDECODED,
    ) -> None:
        writer_client = protocol.SERVER_NODE if server else self.client_id
        user = self.actor.username
        self.feed.put(key, value_json, hlc, writer_client, user, district, inspection_id)
        self.held[key] = Held(value_json, hlc, writer_client, user, data)
        if inspection_id is not None and key[0] == "answer":
            keys = self.answer_keys.get(inspection_id)
            if keys is None:
                keys = self.answer_keys[inspection_id] = set()
            keys.add(key)

    def write_server(self, key: FeedKey, value: Any, district: str | None, inspection_id: str | None) -> None:
        self.write(key, to_json(value), self.feed.stamp(), district, inspection_id, server=True, data=value)

    # -- derived views --
    def answers(self, inspection_id: str) -> dict[str, Answer]:
        fields: dict[str, dict[str, Any]] = {}
        for key in self.answer_keys.get(inspection_id, ()):
            held = self.held.get(key)
            if held is None:
                continue
            qid = protocol.question_of_answer(key[1])
            fields.setdefault(qid, {})[key[2]] = held.decoded()
        return {qid: answer_from_fields(inspection_id, qid, f) for qid, f in fields.items()}

    def values(self, inspection_id: str) -> dict[str, Any]:
        """Question id → answer value, for scoring."""
        out: dict[str, Any] = {}
        for key in self.answer_keys.get(inspection_id, ()):
            if key[2] == "value":
                held = self.held.get(key)
                if held is not None:
                    out[protocol.question_of_answer(key[1])] = held.decoded()
        return out

    def template_state(self, template_id: str, version: int | None) -> str | None:
        """``published``/``retired``/``draft`` of a version (any published version when
        ``version`` is None), cached for the request."""
        key = (template_id, version)
        if key not in self.template_states:
            if version is None:
                self.template_states[key] = "published" if has_published(self.tx, template_id) else None
            else:
                self.template_states[key] = template_status(self.tx, template_id, version)
        return self.template_states[key]
