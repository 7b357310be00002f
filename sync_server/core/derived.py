"""Fields the server derives after a push: score, result and risk index (with
``shared_schema.scoring``), the blobs an inspection names, and the inspections index rows."""

import datetime as dt
import operator
from typing import Any

import msgspec

from shared_schema import scoring, validation
from shared_schema.checklist import ChecklistTemplate, PhotoQuestion, SignatureQuestion
from shared_schema.records import Answer
from sync_server.core.blobs import vouched
from sync_server.core.db import Tx
from sync_server.core.push_state import INSPECTION_COLUMNS, INSPECTION_FIELDS, InspectionRow, PushContext
from sync_server.core.util import now_iso


def blob_names(template: ChecklistTemplate | None, answers: dict[str, Answer], signatures: Any) -> set[str]:
    """Every blob (SHA-256) an inspection names: answer photos, photo and signature answers,
    and the header signatures."""
    names: set[str] = set()
    questions = template.question_map() if template is not None else {}
    for qid, a in answers.items():
        names.update(p for p in a.photos if validation.is_sha256(p))
        q = questions.get(qid)
        if isinstance(q, PhotoQuestion) and isinstance(a.value, list):
            names.update(p for p in a.value if validation.is_sha256(p))
        elif (
            isinstance(q, SignatureQuestion)
            and isinstance(a.value, dict)
            and validation.is_sha256(a.value.get("sha256"))
        ):
            names.add(a.value["sha256"])
    if isinstance(signatures, list):
        names.update(s["sha256"] for s in signatures if isinstance(s, dict) and validation.is_sha256(s.get("sha256")))
    return names


def recompute(ctx: PushContext, inspection_id: str) -> None:
    """Score, result and risk index (written only when they change), blob references, and
    the inspection's index row."""
    insp = ctx.inspections[inspection_id]
    assert insp is not None
    template = ctx.template(insp)
    if template is not None:
        values = ctx.values(inspection_id)
        result = scoring.score(template, values)
        derived: dict[str, Any] = {"score": result.score, "result": result.result}
        if template.risk_index is not None:
            derived["risk_index"] = msgspec.to_builtins(scoring.risk_index(template.risk_index, template, values))
        for name, value in derived.items():
            key = ("inspection", inspection_id, name)
            held = ctx.get_held(key, inspection_id)
            if held is None or held.decoded() != value:
                ctx.write_server(key, value, insp.district, inspection_id)
        if insp.score != result.score or insp.result != result.result:
            insp.score, insp.result = result.score, result.result
            insp.dirty = True
    if inspection_id in ctx.blobs_touched:
        sig_held = ctx.get_held(("inspection", inspection_id, "signatures"), inspection_id)
        names = blob_names(template, ctx.answers(inspection_id), sig_held.decoded() if sig_held else None)
        save_blob_refs(ctx, inspection_id, names | action_blob_names(ctx, inspection_id))


def action_blob_names(ctx: PushContext, inspection_id: str) -> set[str]:
    """The photos of the corrective actions an inspection gave (finding and fix evidence): they
    are readable by whoever may see the inspection, i.e. the action's district."""
    names: set[str] = set()
    for (action_id,) in ctx.tx.query("SELECT id FROM actions WHERE inspection_id = ?", (inspection_id,)):
        for name in ("finding_photos", "fix_photos"):
            held = ctx.get_held(("action", action_id, name), None)
            value = held.decoded() if held is not None else None
            if isinstance(value, list):
                names.update(v for v in value if isinstance(v, str))
    return names


def save_blob_refs(ctx: PushContext, inspection_id: str, names: set[str]) -> None:
    """Make ``blob_refs`` hold exactly the blobs the inspection names now: a name no longer
    there stops granting access (PROTOCOL.md §9); a new one records who named it and whether
    it is vouched for (``blobs.vouched``)."""
    tx = ctx.tx
    held = set(tx.scalars("SELECT sha256 FROM blob_refs WHERE inspection_id = ?", (inspection_id,)))
    gone = sorted(held - names)
    if gone:
        tx.executemany(
            "DELETE FROM blob_refs WHERE sha256 = ? AND inspection_id = ?", [(n, inspection_id) for n in gone]
        )
    new = sorted(names - held)
    if new:
        tx.executemany(
            "INSERT INTO blob_refs (sha256, inspection_id, named_by, vouched) VALUES (?, ?, ?, ?)",
            [(n, inspection_id, ctx.actor.username, int(vouched(tx, ctx.actor, n))) for n in new],
        )


def started_key(started_at: str | None, created_at: str) -> str | None:
    """When an inspection started (``COALESCE(started_at, created_at)``) in UTC, as the digits
    ``YYYYMMDDHHMMSS`` the dashboard groups by; ``None`` for a plain date (read as a local day)
    or a time that is not ISO 8601. Migration 0010 fills the same key in SQL."""
    value = started_at if started_at is not None else created_at
    if len(value) == 10:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    u = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}{u.hour:02d}{u.minute:02d}{u.second:02d}"


# started_key of the stored created_at (always the server's own UTC time) in SQL
_CREATED_KEY = (
    "substr(created_at, 1, 4) || substr(created_at, 6, 2) || substr(created_at, 9, 2)"
    " || substr(created_at, 12, 2) || substr(created_at, 15, 2) || substr(created_at, 18, 2)"
)


# What a push may change on an inspection's row once it exists (not its site, district or author).
_UPDATED_FIELDS = tuple(
    n for n in INSPECTION_FIELDS if n not in ("id", "site_id", "district", "inspector", "created_by")
)
_inserted = operator.attrgetter(*INSPECTION_FIELDS)
_updated = operator.attrgetter(*_UPDATED_FIELDS)
_INSERT = (
    f"INSERT INTO inspections ({INSPECTION_COLUMNS}, created_at, updated_at, started_key)"
    f" VALUES ({', '.join('?' * (len(INSPECTION_FIELDS) + 3))})"
)
_UPDATE = (
    f"UPDATE inspections SET {''.join(f'{name} = ?, ' for name in _UPDATED_FIELDS)}updated_at = ?,"
    f" started_key = CASE WHEN CAST(? AS TEXT) IS NULL THEN {_CREATED_KEY} ELSE ? END WHERE id = ?"
)


def save_inspections(tx: Tx, rows: list[InspectionRow]) -> None:
    """Write the index rows of the inspections a push created or changed, in two statements."""
    stamp = now_iso()
    new = [r for r in rows if r.is_new]
    changed = [r for r in rows if not r.is_new and r.dirty]
    if new:
        tx.insert_rows(_INSERT, [(*_inserted(r), stamp, stamp, started_key(r.started_at, stamp)) for r in new])
    touched_only = [r for r in rows if not r.is_new and not r.dirty]
    if changed:
        tx.executemany(
            _UPDATE,
            [(*_updated(r), stamp, r.started_at, started_key(r.started_at, stamp), r.id) for r in changed],
        )
    if touched_only:
        tx.executemany("UPDATE inspections SET updated_at = ? WHERE id = ?", [(stamp, r.id) for r in touched_only])
    for r in rows:
        r.is_new = False
        r.dirty = False
