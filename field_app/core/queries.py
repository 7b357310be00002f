"""Reading the local store into view models: sites, checklists, inspections, notices."""

from __future__ import annotations

import threading
from typing import Any

import msgspec

from field_app.core import outbox, replica
from field_app.core.folding import fold
from field_app.core.models import (
    ActionView,
    AppError,
    ChecklistOption,
    InspectionSummary,
    InspectionView,
    MyInspections,
    Notice,
    SiteDetail,
    SiteSummary,
)
from field_app.core.notices import conflict_notice, rejection_notice
from field_app.core.store import Store
from shared_schema import actions as action_rules
from shared_schema import evidence, protocol
from shared_schema.checklist import ChecklistTemplate
from shared_schema.records import Answer, InspectionHeader, Review, Site
from shared_schema.relevance import relevant_questions
from shared_schema.scoring import score
from shared_schema.text import LocalText
from shared_schema.workflow import HIDDEN_STATUSES, is_locked, submission_problems

NOT_FOUND_SITE = LocalText("Không tìm thấy cơ sở này trên máy.", "This site is not on this device.")
NOT_FOUND_INSPECTION = LocalText("Không tìm thấy biên bản này trên máy.", "This inspection is not on this device.")
NOT_FOUND_TEMPLATE = LocalText(
    "Bảng kiểm này chưa có trên máy: hãy đồng bộ khi có mạng.",
    "This checklist is not on this device yet: sync when you have a connection.",
)


def site_from(key: str, data: dict[str, Any]) -> Site:
    full = {"code": "", "name": "", "kind": "", "district": "", **data, "id": key}
    return msgspec.convert(full, Site)


def header_from(key: str, data: dict[str, Any]) -> InspectionHeader:
    full = {"site_id": "", "template_id": "", "template_version": 1, **data, "id": key}
    full = {k: v for k, v in full.items() if v is not None or k in ("score", "result")}
    return msgspec.convert(full, InspectionHeader)


def answer_from(key: str, data: dict[str, Any]) -> Answer:
    inspection_id, question_id = protocol.split_answer_entity_id(key)
    fields = {k: v for k, v in data.items() if k in protocol.ANSWER_FIELDS and v is not None}
    return msgspec.convert({**fields, "inspection_id": inspection_id, "question_id": question_id}, Answer)


class Queries:
    def __init__(self, store: Store):
        self.store = store
        self._templates: dict[tuple[str, int], ChecklistTemplate] = {}
        self._lock = threading.Lock()

    # --- sites -----------------------------------------------------------------------------

    def _site_filter(self, query: str, district: str | None, kind: str | None) -> tuple[str, list[Any]]:
        where = ["active = 1"]
        params: list[Any] = []
        key = fold(query)
        if key:
            where.append("search_key LIKE ?")
            params.append(f"%{key}%")
        if district:
            where.append("district = ?")
            params.append(district)
        if kind:
            where.append("kind = ?")
            params.append(kind)
        return " AND ".join(where), params

    def list_sites(
        self, query: str, district: str | None, kind: str | None, limit: int, offset: int
    ) -> list[SiteSummary]:
        where, params = self._site_filter(query, district, kind)
        rows = self.store.query(
            f"SELECT key, data FROM sites WHERE {where} ORDER BY name COLLATE NOCASE, code LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        out = []
        for row in rows:
            site = site_from(row["key"], replica.loads(row["data"]))
            out.append(SiteSummary(site.id, site.code, site.name, site.kind, site.district, site.address, site.active))
        return out

    def count_sites(self, query: str, district: str | None, kind: str | None) -> int:
        where, params = self._site_filter(query, district, kind)
        return int(str(self.store.scalar(f"SELECT count(*) FROM sites WHERE {where}", params) or 0))

    def districts(self) -> list[str]:
        rows = self.store.query("SELECT DISTINCT district FROM sites WHERE active = 1 AND district IS NOT NULL")
        return sorted(r["district"] for r in rows)

    def site_kinds(self) -> list[str]:
        rows = self.store.query("SELECT DISTINCT kind FROM sites WHERE active = 1 AND kind IS NOT NULL")
        return sorted(r["kind"] for r in rows)

    def site(self, site_id: str) -> Site | None:
        rows = self.store.query("SELECT data FROM sites WHERE key = ?", [site_id])
        return site_from(site_id, replica.loads(rows[0]["data"])) if rows else None

    def site_detail(self, site_id: str) -> SiteDetail:
        site = self.site(site_id)
        if site is None:
            raise AppError("not_found", NOT_FOUND_SITE)
        summaries = self._summaries("WHERE i.site_id = ?", [site_id])
        summaries.sort(key=lambda s: s.started_at or "", reverse=True)
        return SiteDetail(site, summaries, self.open_actions(site_id))

    # --- corrective actions ----------------------------------------------------------------

    def _actions(self, where: str, params: list[Any]) -> list[action_rules.Action]:
        rows = self.store.query(f"SELECT key, data FROM actions {where}", params)
        return [action_rules.action_from_fields(r["key"], replica.loads(r["data"])) for r in rows]

    def action(self, action_id: str) -> action_rules.Action | None:
        found = self._actions("WHERE key = ?", [action_id])
        return found[0] if found else None

    def inspection_actions(self, inspection_id: str) -> list[action_rules.Action]:
        return sorted(self._actions("WHERE inspection_id = ?", [inspection_id]), key=lambda a: (a.deadline or "", a.id))

    def open_actions(self, site_id: str) -> list[ActionView]:
        """The site's corrective actions not yet verified, earliest deadline first, each with
        whether it is overdue in Viet Nam days and the label of the item it comes from: what
        a follow-up visit checks first ("Tồn tại từ lần trước")."""
        today = action_rules.viet_nam_today()
        found = self._actions("WHERE site_id = ? AND status <> 'verified'", [site_id])
        found.sort(key=lambda a: (a.deadline is None, a.deadline or "", a.id))
        return [
            ActionView(
                a,
                action_rules.is_overdue(a.status, a.deadline, today),
                self._question_label(a.inspection_id, a.question_id),
            )
            for a in found
        ]

    # --- checklists ------------------------------------------------------------------------

    def template(self, template_id: str, version: int) -> ChecklistTemplate:
        cache_key = (template_id, int(version))
        with self._lock:
            cached = self._templates.get(cache_key)
        if cached is not None:
            return cached
        rows = self.store.query(
            "SELECT data FROM templates WHERE key = ?", [protocol.template_entity_id(template_id, int(version))]
        )
        document = replica.loads(rows[0]["data"]).get("document") if rows else None
        if document is None:
            raise AppError("no_checklist", NOT_FOUND_TEMPLATE)
        template = msgspec.convert(document, ChecklistTemplate)
        with self._lock:
            self._templates[cache_key] = template
        return template

    def template_status(self, template_id: str, version: int) -> str | None:
        """``published`` or ``retired`` (None when the version is not on the device)."""
        value = self.store.scalar(
            "SELECT status FROM templates WHERE key = ?", [protocol.template_entity_id(template_id, int(version))]
        )
        return str(value) if value is not None else None

    def template_title(self, template_id: str, version: int) -> LocalText | None:
        try:
            return self.template(template_id, version).title
        except (AppError, msgspec.ValidationError):
            return None

    def latest_published(self) -> dict[str, int]:
        rows = self.store.query(
            "SELECT template_id, max(version) AS version FROM templates WHERE status = 'published' GROUP BY template_id"
        )
        return {r["template_id"]: r["version"] for r in rows}

    def checklists_for_kind(self, site_kind: str) -> list[ChecklistOption]:
        options = []
        for template_id, version in sorted(self.latest_published().items()):
            try:
                t = self.template(template_id, version)
            except (AppError, msgspec.ValidationError):
                continue
            if site_kind in t.site_kinds:
                options.append(ChecklistOption(t.template_id, t.version, t.title, t.description, list(t.site_kinds)))
        return options

    # --- inspections -----------------------------------------------------------------------

    def inspection_row(self, inspection_id: str) -> dict[str, Any] | None:
        rows = self.store.query("SELECT data FROM inspections WHERE key = ?", [inspection_id])
        return replica.loads(rows[0]["data"]) if rows else None

    def answers(self, inspection_id: str) -> dict[str, Answer]:
        rows = self.store.query("SELECT key, data FROM answers WHERE inspection_id = ?", [inspection_id])
        out = {}
        for row in rows:
            answer = answer_from(row["key"], replica.loads(row["data"]))
            out[answer.question_id] = answer
        return out

    def _result(self, header: Any) -> tuple[float | None, LocalText | None]:
        """The score and the result in words of an inspection: the server's when it has sent
        them, else computed here by the shared rule (a draft not yet synced)."""
        try:
            template = self.template(header.template_id, header.template_version)
        except (AppError, msgspec.ValidationError):
            return header.score, None
        if header.result is not None:
            band = next((b for b in template.scoring.bands if b.id == header.result), None)
            return header.score, band.label if band else None
        values = {qid: a.value for qid, a in self.answers(header.id).items()}
        if not values:
            return header.score, None
        local = score(template, values)
        return local.score, local.result_label

    def pending_for(self, inspection_id: str) -> int:
        with self.store.read() as conn:
            return outbox.pending_for_inspection(conn, inspection_id)

    def inspection(self, inspection_id: str) -> InspectionView:
        data = self.inspection_row(inspection_id)
        if data is None or not data.get("template_id"):
            raise AppError("not_found", NOT_FOUND_INSPECTION)
        header = header_from(inspection_id, data)
        template = self.template(header.template_id, header.template_version)
        answers = self.answers(inspection_id)
        values = {qid: a.value for qid, a in answers.items()}
        actions = self.inspection_actions(inspection_id)
        return InspectionView(
            header=header,
            site=self.site(header.site_id),
            template=template,
            answers=answers,
            relevant=relevant_questions(template, values),
            score=score(template, values),
            problems=submission_problems(template, answers, actions)
            + evidence.stale_signatures(template, data, answers, actions),
            editable=not is_locked(header.status),
            pending_changes=self.pending_for(inspection_id),
            notices=self.notices(inspection_id),
            actions=actions,
        )

    def _summaries(self, where: str, params: list[Any]) -> list[InspectionSummary]:
        rows = self.store.query(
            f"SELECT i.key, i.data, s.data AS site FROM inspections i LEFT JOIN sites s ON s.key = i.site_id {where}",
            params,
        )
        with self.store.read() as conn:
            pending = outbox.pending_by_inspection(conn)
        out = []
        for row in rows:
            data = replica.loads(row["data"])
            if not data.get("template_id") or data.get("status") in HIDDEN_STATUSES:
                continue
            h = header_from(row["key"], data)
            site = replica.loads(row["site"]) if row["site"] else {}
            shown_score, result_label = self._result(h)
            out.append(
                InspectionSummary(
                    id=h.id,
                    site_id=h.site_id,
                    site_name=site.get("name"),
                    site_code=site.get("code"),
                    template_id=h.template_id,
                    template_version=h.template_version,
                    template_title=self.template_title(h.template_id, h.template_version),
                    status=h.status,
                    kind=h.kind,
                    started_at=h.started_at,
                    completed_at=h.completed_at,
                    score=shown_score,
                    result=h.result,
                    pending_changes=pending.get(row["key"], 0),
                    review=h.review,
                    result_label=result_label,
                )
            )
        return out

    def my_inspections(self) -> MyInspections:
        groups: dict[str, list[InspectionSummary]] = {
            k: [] for k in ("draft", "waiting", "submitted", "returned", "approved", "rejected")
        }
        summaries = self._summaries("", [])
        summaries.sort(key=lambda s: s.started_at or "", reverse=True)
        for s in summaries:
            group = "waiting" if s.pending_changes else s.status
            groups.setdefault(group, []).append(s)
        return MyInspections(
            groups["draft"],
            groups["waiting"],
            groups["submitted"],
            groups["returned"],
            groups["approved"],
            groups["rejected"],
        )

    def review(self, inspection_id: str) -> Review | None:
        data = self.inspection_row(inspection_id)
        if data is None:
            raise AppError("not_found", NOT_FOUND_INSPECTION)
        review = data.get("review")
        return msgspec.convert(review, Review) if review else None

    # --- notices ---------------------------------------------------------------------------

    def notices(self, inspection_id: str | None = None) -> list[Notice]:
        cond, params = ("WHERE inspection_id = ?", [inspection_id]) if inspection_id else ("", [])
        out: list[Notice] = []
        with self.store.read() as conn:
            refused = outbox.open_rejections(conn, inspection_id)
        for row in refused:
            out.append(rejection_notice(row, self._question_label))
        for row in self.store.query(f"SELECT key, data FROM conflicts {cond} ORDER BY key", params):
            entry = replica.loads(row["data"]).get("entry")
            if entry:
                out.append(conflict_notice(row["key"], entry, self._question_label))
        return out

    def _question_label(self, inspection_id: str | None, question_id: str | None) -> LocalText | None:
        if not inspection_id or not question_id:
            return None
        data = self.inspection_row(inspection_id)
        if not data or not data.get("template_id"):
            return None
        try:
            question = self.template(data["template_id"], data["template_version"]).question_map().get(question_id)
        except (AppError, msgspec.ValidationError):
            return None
        return question.label if question else None
