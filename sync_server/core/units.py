"""Administrative units as data: the districts (and, where used, communes) that sites,
inspections and users' scopes name. Admins add units; a merged or renamed unit is retired
and everything that named it moves to the unit that replaces it, in one audited write.

Every place that takes a district from a person (site import, site edit, user creation and
update) checks it with ``require_units``: an unknown name is refused with the closest names
in force, compared with and without Vietnamese diacritics."""

from __future__ import annotations

import difflib
import unicodedata
import uuid
from collections.abc import Iterable

import msgspec

from shared_schema.errors import Code, FieldProblem
from shared_schema.records import UNIT_KINDS
from shared_schema.text import BiText, join_bitexts
from sync_server.core import assignment_feed, audit
from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database, Row, Tx
from sync_server.core.errors import Conflict, Invalid, NotFound, bi
from sync_server.core.feed import FeedWriter
from sync_server.core.util import now_iso

MAX_SUGGESTIONS = 3


class Unit(msgspec.Struct, kw_only=True):
    id: str
    name: str
    kind: str
    parent: str | None = None  # the parent unit's name
    valid_from: str | None = None
    valid_to: str | None = None  # set when retired
    replaced_by: str | None = None  # the name of the unit that took over
    in_force: bool = True


class UnitInput(msgspec.Struct, kw_only=True):
    name: str
    kind: str
    parent: str | None = None


class MergeInput(msgspec.Struct, kw_only=True):
    into: str  # the name (or id) of the unit in force that takes over


class MergeReport(msgspec.Struct, kw_only=True):
    unit: Unit
    into: Unit
    sites: int
    inspections: int
    users: int
    actions: int = 0  # corrective actions moved with their inspections
    assignments: int = 0  # plan assignments moved (their plans' districts follow)


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d) and without repeated spaces, for comparison."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().replace(".", ". ").split())


def suggest(name: str, names: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The names closest to ``name``: an exact match without diacritics first, then names that
    contain it as whole words ("Phú Bình" → "H. Phú Bình"), then the closest by spelling
    (with and without diacritics)."""
    pool = sorted(set(names))
    wanted, wanted_folded = name.strip().lower(), fold(name)
    if not wanted_folded:
        return []
    folded = {n: fold(n) for n in pool}
    out: list[str] = [n for n in pool if folded[n] == wanted_folded]
    out += [n for n in pool if n not in out and f" {wanted_folded} " in f" {folded[n]} "]
    scores: dict[str, float] = {}
    for n in pool:
        if n in out:
            continue
        with_marks = difflib.SequenceMatcher(None, wanted, n.lower()).ratio()
        without = difflib.SequenceMatcher(None, wanted_folded, folded[n]).ratio()
        score = max(with_marks, without)
        if score >= 0.6:
            scores[n] = score
    out += sorted(scores, key=lambda n: (-scores[n], n))
    return out[:limit]


def _unit_from_row(r: Row, names: dict[str, str]) -> Unit:
    return Unit(
        id=str(r["id"]),
        name=str(r["name"]),
        kind=str(r["kind"]),
        parent=names.get(str(r["parent_id"])) if r["parent_id"] else None,
        valid_from=r["valid_from"] if isinstance(r["valid_from"], str) else None,
        valid_to=r["valid_to"] if isinstance(r["valid_to"], str) else None,
        replaced_by=names.get(str(r["replaced_by"])) if r["replaced_by"] else None,
        in_force=r["valid_to"] is None,
    )


def _all_units(tx: Tx) -> list[Unit]:
    rows = tx.query("SELECT id, name, kind, parent_id, valid_from, valid_to, replaced_by FROM units")
    names = {str(r["id"]): str(r["name"]) for r in rows}
    units = [_unit_from_row(r, names) for r in rows]
    # In force first, then by name as a Vietnamese reader expects (Đ with D, marks ignored).
    return sorted(units, key=lambda u: (not u.in_force, fold(u.name), u.name))


def names_in_force(tx: Tx) -> list[str]:
    return tx.scalars("SELECT name FROM units WHERE valid_to IS NULL ORDER BY name")


def list_units(db: Database, actor: Actor, *, include_retired: bool = True) -> list[Unit]:
    """Every unit (those in force first). Anyone signed in may read the list: pickers need it."""
    with db.read() as tx:
        units = _all_units(tx)
    return units if include_retired else [u for u in units if u.in_force]


class UnitUsage(msgspec.Struct, kw_only=True):
    """What names a unit: what a merge of it would move."""

    sites: int = 0
    inspections: int = 0
    users: int = 0
    actions: int = 0
    assignments: int = 0


def unit_usage(db: Database, actor: Actor) -> dict[str, UnitUsage]:
    """Sites, inspections, corrective actions, plan assignments and users naming each district
    (admin)."""
    require_admin(actor, "xem đơn vị hành chính", "view administrative units")
    usage: dict[str, UnitUsage] = {}
    with db.read() as tx:
        for field, sql in (
            ("sites", "SELECT district, COUNT(*) AS n FROM sites GROUP BY district"),
            ("inspections", "SELECT district, COUNT(*) AS n FROM inspections GROUP BY district"),
            ("users", "SELECT district, COUNT(*) AS n FROM user_districts GROUP BY district"),
            ("actions", "SELECT district, COUNT(*) AS n FROM actions GROUP BY district"),
            ("assignments", "SELECT district, COUNT(*) AS n FROM assignments GROUP BY district"),
        ):
            for r in tx.query(sql):
                setattr(usage.setdefault(str(r["district"]), UnitUsage()), field, int(r["n"]))
    return usage


def unknown_unit_message(name: str, suggestions: list[str]) -> BiText:
    if suggestions:
        listed = ", ".join(f"'{s}'" for s in suggestions)
        return bi(
            f"Không có đơn vị hành chính '{name}' trong danh mục; có phải: {listed}?",
            f"There is no administrative unit '{name}' in the list; did you mean: {listed}?",
        )
    return bi(
        f"Không có đơn vị hành chính '{name}' trong danh mục; quản trị viên thêm đơn vị ở trang Đơn vị hành chính.",
        f"There is no administrative unit '{name}' in the list; an admin adds units on the Administrative units page.",
    )


def unit_problems(tx: Tx, names: Iterable[str]) -> list[tuple[str, list[str]]]:
    """(name, suggestions) for every name that is not a unit in force."""
    known = names_in_force(tx)
    known_set = set(known)
    return [(n, suggest(n, known)) for n in dict.fromkeys(names) if n not in known_set]


def require_units(tx: Tx, names: Iterable[str], *, field: str = "district") -> None:
    """Raise ``Invalid`` (code ``unknown_unit``) naming every unknown unit with suggestions."""
    problems = unit_problems(tx, names)
    if not problems:
        return
    messages = [unknown_unit_message(n, s) for n, s in problems]
    raise Invalid(
        join_bitexts("; ", messages),
        code=Code.UNKNOWN_UNIT,
        errors=[FieldProblem(field=field, message=m, code=Code.UNKNOWN_UNIT) for m in messages],
        suggestions={n: s for n, s in problems},
    )


def _find_in_force(tx: Tx, ref: str) -> tuple[str, str] | None:
    row = tx.one("SELECT id, name FROM units WHERE valid_to IS NULL AND (name = ? OR id = ?)", (ref.strip(), ref))
    return (str(row["id"]), str(row["name"])) if row is not None else None


def create_unit(db: Database, actor: Actor, data: UnitInput) -> Unit:
    require_admin(actor, "thêm đơn vị hành chính", "add administrative units")
    name = " ".join(data.name.split())
    if not name or len(name) > 100:
        raise Invalid(
            bi("Tên đơn vị cần 1–100 ký tự.", "A unit's name needs 1–100 characters."), code=Code.INVALID_UNIT
        )
    if data.kind not in UNIT_KINDS:
        raise Invalid(
            bi(
                f"Cấp '{data.kind}' không có; dùng một trong: {', '.join(UNIT_KINDS)}.",
                f"Kind '{data.kind}' is unknown; use one of: {', '.join(UNIT_KINDS)}.",
            ),
            code=Code.INVALID_UNIT,
        )
    with db.write() as tx:
        parent_id = None
        if data.parent:
            found = _find_in_force(tx, data.parent)
            if found is None:
                require_units(tx, [data.parent], field="parent")
            else:
                parent_id = found[0]
        if data.kind == "commune" and parent_id is None:
            raise Invalid(
                bi("Xã/phường cần đơn vị cấp huyện (parent).", "A commune needs its district (parent)."),
                code=Code.INVALID_UNIT,
            )
        if _find_in_force(tx, name) is not None:
            raise Conflict(bi(f"Đã có đơn vị '{name}'.", f"The unit '{name}' exists already."), code=Code.UNIT_EXISTS)
        unit_id = str(uuid.uuid4())
        now = now_iso()
        tx.execute(
            "INSERT INTO units (id, name, kind, parent_id, valid_from, valid_to, replaced_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)",
            (unit_id, name, data.kind, parent_id, now[:10], now),
        )
        audit.record(tx, actor, "unit.create", "unit", unit_id, {"name": name, "kind": data.kind})
        return next(u for u in _all_units(tx) if u.id == unit_id)


def merge_unit(db: Database, actor: Actor, unit_id: str, data: MergeInput) -> MergeReport:
    """Retire a unit and move its sites (with their inspections, corrective actions and feed
    rows), its plans' districts and assignments, its users' scopes and its communes to the unit ``data.into``, in one audited write transaction."""
    require_admin(actor, "gộp đơn vị hành chính", "merge administrative units")
    from sync_server.core.sites import SITE_SELECT, site_from_row, write_site  # sites imports units

    with db.write() as tx:
        row = tx.one("SELECT id, name, valid_to FROM units WHERE id = ?", (unit_id,))
        if row is None:
            raise NotFound(bi("Không có đơn vị này.", "No such unit."), code=Code.UNIT_MISSING)
        if row["valid_to"] is not None:
            raise Conflict(
                bi(f"Đơn vị '{row['name']}' đã thôi hiệu lực.", f"The unit '{row['name']}' is retired already."),
                code=Code.UNIT_RETIRED,
            )
        old_name = str(row["name"])
        target = _find_in_force(tx, data.into)
        if target is None:
            require_units(tx, [data.into], field="into")
            raise AssertionError("unreachable")  # pragma: no cover
        if target[0] == unit_id:
            raise Invalid(
                bi("Không thể gộp một đơn vị vào chính nó.", "A unit cannot be merged into itself."),
                code=Code.INVALID_MERGE,
            )
        new_name = target[1]
        feed = FeedWriter(tx)
        actions = int(tx.scalar("SELECT COUNT(*) FROM actions WHERE district = ?", (old_name,)))
        assignments = int(tx.scalar("SELECT COUNT(*) FROM assignments WHERE district = ?", (old_name,)))
        site_rows = tx.query(SITE_SELECT + " WHERE district = ? ORDER BY id", (old_name,))
        inspections = 0
        for r in site_rows:
            old = site_from_row(r)
            inspections += int(tx.scalar("SELECT COUNT(*) FROM inspections WHERE site_id = ?", (old.id,)))
            write_site(tx, feed, msgspec.structs.replace(old, district=new_name), old)
        # Inspections whose site is elsewhere (none in a consistent registry) move too.
        inspections += move_inspections(tx, feed, "district = ?", (old_name,), new_name)
        move_actions(tx, feed, "district = ?", (old_name,), new_name)  # any left by a site elsewhere
        move_assignments(tx, feed, "district = ?", (old_name,), new_name)
        # A plan over the old district (even one whose assignments there are all gone) is over the new one.
        tx.execute(
            "DELETE FROM plan_districts WHERE district = ?"
            " AND plan_id IN (SELECT plan_id FROM plan_districts WHERE district = ?)",
            (old_name, new_name),
        )
        tx.execute("UPDATE plan_districts SET district = ? WHERE district = ?", (new_name, old_name))
        feed.flush()
        users = tx.scalars("SELECT user_id FROM user_districts WHERE district = ?", (old_name,))
        for user_id in users:
            tx.execute("DELETE FROM user_districts WHERE user_id = ? AND district = ?", (user_id, old_name))
            if tx.one("SELECT 1 FROM user_districts WHERE user_id = ? AND district = ?", (user_id, new_name)) is None:
                tx.execute("INSERT INTO user_districts (user_id, district) VALUES (?, ?)", (user_id, new_name))
        tx.execute("UPDATE units SET parent_id = ? WHERE parent_id = ? AND valid_to IS NULL", (target[0], unit_id))
        tx.execute("UPDATE units SET valid_to = ?, replaced_by = ? WHERE id = ?", (now_iso()[:10], target[0], unit_id))
        report_counts = {
            "sites": len(site_rows),
            "inspections": inspections,
            "users": len(users),
            "actions": actions,
            "assignments": assignments,
        }
        audit.record(tx, actor, "unit.merge", "unit", unit_id, {"from": old_name, "into": new_name, **report_counts})
        units = {u.id: u for u in _all_units(tx)}
    return MergeReport(unit=units[unit_id], into=units[target[0]], **report_counts)


def _write_feed_again(
    tx: Tx, feed: FeedWriter, where: str, params: tuple[object, ...], district: str, inspection_id: str | None
) -> None:
    """The feed rows matching ``where`` written again for ``district``: same values and clocks,
    fresh sequence numbers (so the devices of that district pull them)."""
    for r in tx.query(
        f"SELECT entity, entity_id, field, value, hlc, writer_client, writer_user FROM feed WHERE {where} ORDER BY seq",
        params,
    ):
        feed.put(
            (r["entity"], r["entity_id"], r["field"]),
            r["value"],
            r["hlc"],
            r["writer_client"],
            r["writer_user"],
            district=district,
            inspection_id=inspection_id,
        )


def move_inspections(tx: Tx, feed: FeedWriter, where: str, params: tuple[object, ...], district: str) -> int:
    """Give the inspections matching ``where`` the district ``district``: their rows, their
    conflicts and their feed rows, which are written again with fresh sequence numbers (same
    values and clocks) so that the devices of the new district pull them. Returns how many."""
    ids = tx.scalars(f"SELECT id FROM inspections WHERE ({where}) AND district <> ?", (*params, district))
    for inspection_id in ids:
        tx.execute("UPDATE inspections SET district = ? WHERE id = ?", (district, inspection_id))
        tx.execute("UPDATE conflicts SET district = ? WHERE inspection_id = ?", (district, inspection_id))
        _write_feed_again(tx, feed, "inspection_id = ?", (inspection_id,), district, inspection_id)
        move_actions(tx, feed, "inspection_id = ?", (inspection_id,), district)
    return len(ids)


def move_actions(tx: Tx, feed: FeedWriter, where: str, params: tuple[object, ...], district: str) -> int:
    """Give the corrective actions matching ``where`` the district ``district``: their index
    rows, their conflicts and their feed rows (entity ``action``, written again with fresh
    sequence numbers, same values and clocks, so the new district's devices pull them and the
    board of its supervisor lists them). Returns how many."""
    ids = tx.scalars(f"SELECT id FROM actions WHERE ({where}) AND district <> ?", (*params, district))
    for action_id in ids:
        tx.execute("UPDATE actions SET district = ? WHERE id = ?", (district, action_id))
        tx.execute("UPDATE conflicts SET district = ? WHERE entity = 'action' AND entity_id = ?", (district, action_id))
        _write_feed_again(tx, feed, "entity = 'action' AND entity_id = ?", (action_id,), district, None)
    return len(ids)


def move_assignments(tx: Tx, feed: FeedWriter, where: str, params: tuple[object, ...], district: str) -> int:
    """Give the plan assignments matching ``where`` the district ``district``, recompute the
    districts of their plans (a plan is over the districts of its assignments) and publish the
    moved assignments' documents, so the team's phones hold the new district. Returns how many."""
    rows = tx.query(
        f"SELECT id, plan_id FROM assignments WHERE ({where}) AND district <> ? ORDER BY id", (*params, district)
    )
    ids = [str(r["id"]) for r in rows]
    now = now_iso()
    for assignment_id in ids:
        tx.execute("UPDATE assignments SET district = ?, updated_at = ? WHERE id = ?", (district, now, assignment_id))
    for plan_id in sorted({str(r["plan_id"]) for r in rows if r["plan_id"] is not None}):
        tx.execute("DELETE FROM plan_districts WHERE plan_id = ?", (plan_id,))
        tx.execute(
            "INSERT INTO plan_districts (plan_id, district) SELECT DISTINCT plan_id, district FROM assignments"
            " WHERE plan_id = ?",
            (plan_id,),
        )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        assignment_feed.publish(tx, feed, f"a.id IN ({', '.join('?' for _ in chunk)})", chunk)
    return len(ids)
