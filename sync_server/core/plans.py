"""Inspection plans (đợt kiểm tra): who inspects which site by when (issue 14).

A supervisor (within their districts) or an admin creates a plan: a name, a purpose, a
checklist (template id; a visit uses its latest published version), a window, one or more
teams (đoàn: a lead and members, all inspectors) and the sites, chosen by filters (district,
kind, parent, search) or by a list of site codes. Each (plan, site, team) is an assignment
due at the end of the window; sites are split evenly among the teams unless the input names
a team per site. Assignments reach the team members' devices by pull (``assignment_feed``);
their status follows from the inspections started from them. Coverage counts, per plan, the
sites planned, visited (done or verified), pending (not visited yet) and overdue (pending
past the due Vietnamese day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import msgspec

from shared_schema import actions as rules_actions
from shared_schema import assignments as rules
from shared_schema.errors import Code, FieldProblem
from sync_server.core import actions as corrective_actions
from sync_server.core import assignment_feed, audit, local_time
from sync_server.core.access import REVIEWERS, Actor, district_filter, require_district, require_role
from sync_server.core.db import Database, Tx, equal_filters, select_list, to_records
from sync_server.core.errors import Conflict, Invalid, NotFound, bi, problem
from sync_server.core.feed import FeedWriter
from sync_server.core.util import new_id, now_iso

MAX_NAME = 200
MAX_PURPOSE = 4000
MAX_CODES = 5000
MAX_VISITS = 20


# --- input -----------------------------------------------------------------------------------


class TeamInput(msgspec.Struct, kw_only=True):
    name: str
    lead: str  # username
    members: list[str] = msgspec.field(default_factory=list)  # usernames (the lead is always a member)


class SiteSelection(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Sites by filters, or (when ``codes`` is given) exactly the sites with these codes."""

    district: str | None = None
    kind: str | None = None
    parent_id: str | None = None
    search: str | None = None
    codes: list[str] | None = None


class PlanInput(msgspec.Struct, kw_only=True):
    name: str
    template_id: str
    window_from: str  # YYYY-MM-DD
    window_to: str
    teams: list[TeamInput]
    sites: SiteSelection
    purpose: str | None = None
    visits: int = 1
    # site code → team name, to split by hand; sites not named are split evenly
    site_teams: dict[str, str] | None = None


class PlanPatch(msgspec.Struct, kw_only=True, omit_defaults=True):
    name: str | None = None
    purpose: str | None = None
    window_from: str | None = None
    window_to: str | None = None
    add_sites: SiteSelection | None = None  # new assignments, split evenly among the teams
    cancel_site_codes: list[str] | None = None  # their open assignments become cancelled
    # teams by name: an existing team gets this lead and these members, a new name a new team
    teams: list[TeamInput] | None = None
    # site code → team name: the site's open assignment moves to that team (split by hand)
    move_sites: dict[str, str] | None = None


class FollowUpInput(msgspec.Struct, kw_only=True, omit_defaults=True):
    due_date: str | None = None  # default: the latest corrective-action deadline


# --- output ----------------------------------------------------------------------------------


class TeamView(msgspec.Struct, kw_only=True):
    id: str
    name: str
    lead: str
    members: list[str]
    member_names: list[str]
    lead_name: str = ""  # the lead's full name (the user name when there is none)


class Progress(msgspec.Struct, kw_only=True):
    planned: int = 0  # every assignment that is not cancelled
    visited: int = 0  # done or verified
    verified: int = 0
    in_progress: int = 0
    pending: int = 0  # not visited yet (overdue included)
    overdue: int = 0
    cancelled: int = 0


class PlanRow(msgspec.Struct, kw_only=True):
    """The columns of a ``plans`` row a summary and an edit read."""

    id: str
    name: str
    purpose: str | None
    template_id: str
    window_from: str
    window_to: str
    status: str
    created_at: str


_PLAN_SELECT = f"SELECT {select_list(PlanRow)} FROM plans"


class PlanSite(msgspec.Struct, kw_only=True):
    """The columns of a site a plan picks."""

    id: str
    code: str
    name: str
    district: str
    kind: str


_SITE_COLUMNS = select_list(PlanSite)


class PlanSummary(msgspec.Struct, kw_only=True):
    id: str
    name: str
    purpose: str | None
    template_id: str
    template_title: str  # the Vietnamese title of its latest version
    window_from: str
    window_to: str
    status: str
    districts: list[str]
    teams: list[TeamView]
    progress: Progress
    created_at: str


class AssignmentView(msgspec.Struct, kw_only=True):
    document: rules.AssignmentDocument
    shown_status: str  # the stored status, or "overdue"
    inspection_ids: list[str] = msgspec.field(default_factory=list)


class PlanDetail(msgspec.Struct, kw_only=True):
    plan: PlanSummary
    assignments: list[AssignmentView]


class CoverageRow(msgspec.Struct, kw_only=True):
    key: str
    label: str
    progress: Progress


class Coverage(msgspec.Struct, kw_only=True):
    plan: PlanSummary
    by_district: list[CoverageRow]
    by_team: list[CoverageRow]
    pending: list[AssignmentView]
    today: str


class SitePreview(msgspec.Struct, kw_only=True):
    count: int
    districts: dict[str, int]
    sample: list[str]  # "code — name" of the first sites


# --- helpers ---------------------------------------------------------------------------------


def _require_planner(actor: Actor) -> None:
    require_role(actor, REVIEWERS, "lập kế hoạch kiểm tra", "plan inspections")


def _day(field: str, value: str | None, problems: list[FieldProblem]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        problems.append(
            problem(
                field,
                f"Ngày không hợp lệ: {value!r} (dạng YYYY-MM-DD).",
                f"Not a date: {value!r} (YYYY-MM-DD).",
                code=Code.INVALID_DATE,
            )
        )
        return None


def _check_window(frm: str | None, to: str | None, problems: list[FieldProblem]) -> None:
    start, end = _day("window_from", frm, problems), _day("window_to", to, problems)
    if start is not None and end is not None and end < start:
        problems.append(
            problem(
                "window_to",
                f"Ngày kết thúc ({end}) trước ngày bắt đầu ({start}).",
                f"The window ends ({end}) before it starts ({start}).",
                code=Code.WINDOW_REVERSED,
            )
        )


def _check_text(field: str, value: str | None, limit: int, required: bool, problems: list[FieldProblem]) -> None:
    text = (value or "").strip()
    if required and not text:
        problems.append(problem(field, "Cần điền trường này.", "This field is required.", code=Code.REQUIRED))
    elif len(text) > limit:
        problems.append(
            problem(field, f"Dài quá {limit} ký tự.", f"Longer than {limit} characters.", code=Code.TOO_LONG)
        )


def _raise(problems: list[FieldProblem]) -> None:
    if problems:
        raise Invalid(
            bi(
                "Kế hoạch chưa lưu được: "
                + "; ".join(p.messages.vi if p.messages else p.message for p in problems[:5]),
                "The plan was not saved: "
                + "; ".join(p.messages.en if p.messages else p.message for p in problems[:5]),
            ),
            code=Code.INVALID_PLAN,
            errors=problems,
        )


class TeamUser(msgspec.Struct, kw_only=True):
    """The columns of a user a team names."""

    id: str
    username: str
    role: str
    active: bool
    full_name: str | None


def _users(tx: Tx, usernames: Iterable[str]) -> dict[str, TeamUser]:
    names = sorted(set(usernames))
    if not names:
        return {}
    marks = ", ".join("?" for _ in names)
    rows = tx.records(TeamUser, f"SELECT {select_list(TeamUser)} FROM users WHERE username IN ({marks})", names)
    return {r.username: r for r in rows}


def _check_teams(tx: Tx, teams: list[TeamInput], problems: list[FieldProblem]) -> dict[str, TeamUser]:
    if not teams:
        problems.append(
            problem("teams", "Kế hoạch cần ít nhất một đoàn.", "A plan needs at least one team.", code=Code.REQUIRED)
        )
        return {}
    users = _users(tx, [n for t in teams for n in (t.lead, *t.members)])
    seen: set[str] = set()
    for i, team in enumerate(teams):
        if not team.name.strip():
            problems.append(problem(f"teams[{i}].name", "Đoàn cần có tên.", "A team needs a name.", code=Code.REQUIRED))
        elif team.name.strip() in seen:
            problems.append(
                problem(
                    f"teams[{i}].name",
                    f"Hai đoàn cùng tên '{team.name}'.",
                    f"Two teams are named '{team.name}'.",
                    code=Code.DUPLICATE,
                )
            )
        seen.add(team.name.strip())
        for where, username in [("lead", team.lead)] + [(f"members[{j}]", m) for j, m in enumerate(team.members)]:
            u = users.get(username)
            if u is None or not u.active:
                problems.append(
                    problem(
                        f"teams[{i}].{where}",
                        f"Không có người dùng '{username}' đang hoạt động.",
                        f"No active user '{username}'.",
                        code=Code.UNKNOWN_USER,
                    )
                )
            elif u.role != "inspector":
                problems.append(
                    problem(
                        f"teams[{i}].{where}",
                        f"'{username}' không phải thanh tra viên; đoàn chỉ gồm thanh tra viên.",
                        f"'{username}' is not an inspector; teams are made of inspectors.",
                        code=Code.NOT_INSPECTOR,
                    )
                )
    return users


def select_sites(tx: Tx, actor: Actor, sel: SiteSelection, problems: list[FieldProblem]) -> list[PlanSite]:
    """The active sites ``sel`` picks within the actor's districts, by district and code.
    Unknown, inactive or out-of-scope codes are named row by row in ``problems``."""
    if sel.codes is not None:
        codes = [c.strip() for c in sel.codes]
        if len(codes) > MAX_CODES:
            problems.append(
                problem(
                    "sites.codes",
                    f"Quá {MAX_CODES} mã cơ sở.",
                    f"More than {MAX_CODES} site codes.",
                    code=Code.TOO_MANY,
                )
            )
            return []
        wanted = sorted({c for c in codes if c})
        found: dict[str, Any] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" for _ in chunk)
            for r in tx.query(f"SELECT {_SITE_COLUMNS}, active FROM sites WHERE code IN ({marks})", chunk):
                found[r["code"]] = r
        picked: dict[str, Any] = {}
        for row_no, code in enumerate(codes, start=1):
            r = found.get(code)
            if not code:
                continue
            if r is None or not (actor.is_admin or r["district"] in actor.districts):
                problems.append(
                    problem(
                        "code",
                        f"Dòng {row_no}: không có cơ sở mã '{code}' trong các huyện bạn phụ trách.",
                        f"Row {row_no}: no site with code '{code}' in your districts.",
                        code=Code.UNKNOWN_SITE,
                        row=row_no,
                    )
                )
            elif not r["active"]:
                problems.append(
                    problem(
                        "code",
                        f"Dòng {row_no}: cơ sở '{code}' đã ngừng hoạt động.",
                        f"Row {row_no}: site '{code}' is no longer active.",
                        code=Code.INACTIVE_SITE,
                        row=row_no,
                    )
                )
            else:
                picked[r["id"]] = r
        rows = to_records(PlanSite, sorted(picked.values(), key=lambda r: (r["district"], r["code"])))
    else:
        cond, params = district_filter(actor, "district")
        filters, filter_args = equal_filters(
            ("district", sel.district), ("kind", sel.kind), ("parent_id", sel.parent_id)
        )
        sql = f"SELECT {_SITE_COLUMNS} FROM sites WHERE active = 1" + cond + filters
        args: list[Any] = [*params, *filter_args]
        if sel.search:
            like = f"%{sel.search.strip().lower()}%"
            sql += " AND (LOWER(name) LIKE ? OR LOWER(code) LIKE ? OR LOWER(COALESCE(address, '')) LIKE ?)"
            args += [like, like, like]
        rows = tx.records(PlanSite, sql + " ORDER BY district, code", args)
    if not rows and not problems:
        problems.append(
            problem("sites", "Không có cơ sở nào khớp lựa chọn.", "No site matches the selection.", code=Code.NO_SITES)
        )
    return rows


def preview_sites(db: Database, actor: Actor, sel: SiteSelection) -> SitePreview:
    """How many sites a selection picks (before saving a plan); bad codes are named."""
    _require_planner(actor)
    problems: list[FieldProblem] = []
    with db.read() as tx:
        rows = select_sites(tx, actor, sel, problems)
    if problems and not (len(problems) == 1 and problems[0].code == Code.NO_SITES):
        _raise(problems)
    districts: dict[str, int] = {}
    for r in rows:
        districts[r.district] = districts.get(r.district, 0) + 1
    return SitePreview(count=len(rows), districts=districts, sample=[f"{r.code} — {r.name}" for r in rows[:10]])


def _check_template(tx: Tx, template_id: str, problems: list[FieldProblem]) -> None:
    if tx.one("SELECT 1 FROM templates WHERE template_id = ? AND status = 'published'", (template_id,)) is None:
        problems.append(
            problem(
                "template_id",
                f"Không có bảng kiểm '{template_id}' đã ban hành.",
                f"No published checklist '{template_id}'.",
                code=Code.UNKNOWN_TEMPLATE,
            )
        )


def _insert_team(tx: Tx, plan_id: str | None, team: TeamInput, users: dict[str, TeamUser], position: int) -> str:
    team_id = new_id()
    tx.execute(
        "INSERT INTO teams (id, plan_id, name, lead_id, position) VALUES (?, ?, ?, ?, ?)",
        (team_id, plan_id, team.name.strip(), users[team.lead].id, position),
    )
    for username in sorted({team.lead, *team.members}):
        tx.execute("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", (team_id, users[username].id))
    return team_id


def _insert_assignments(
    tx: Tx,
    plan_id: str | None,
    sites: list[PlanSite],
    team_ids: list[str],
    template_id: str,
    due: str,
    visits: int,
    fixed: dict[str, str] | None = None,
    follow_up_of: str | None = None,
) -> list[str]:
    """One assignment per site: the sites in ``fixed`` (site id → team id) go to that team,
    the rest are split evenly among ``team_ids`` in district and code order."""
    fixed = fixed or {}
    rest = [s for s in sites if s.id not in fixed]
    plan: list[tuple[PlanSite, str]] = [(s, fixed[s.id]) for s in sites if s.id in fixed]
    start = 0
    for team_id, n in zip(team_ids, rules.even_split(len(rest), len(team_ids)), strict=True):
        plan += [(s, team_id) for s in rest[start : start + n]]
        start += n
    stamp = now_iso()
    ids: list[str] = []
    for site, team_id in plan:
        assignment_id = new_id()
        tx.execute(
            "INSERT INTO assignments (id, plan_id, site_id, district, team_id, template_id, visits, due_date, status,"
            " follow_up_of, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?)",
            (
                assignment_id,
                plan_id,
                site.id,
                site.district,
                team_id,
                template_id,
                visits,
                due,
                follow_up_of,
                stamp,
                stamp,
            ),
        )
        ids.append(assignment_id)
    return ids


def _publish_ids(tx: Tx, feed: FeedWriter, ids: list[str]) -> None:
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        assignment_feed.publish(tx, feed, f"a.id IN ({', '.join('?' for _ in chunk)})", chunk)


def _sync_districts(tx: Tx, plan_id: str) -> None:
    tx.execute("DELETE FROM plan_districts WHERE plan_id = ?", (plan_id,))
    tx.execute(
        "INSERT INTO plan_districts (plan_id, district) SELECT DISTINCT plan_id, district FROM assignments"
        " WHERE plan_id = ?",
        (plan_id,),
    )


# --- services --------------------------------------------------------------------------------


def create_plan(db: Database, actor: Actor, data: PlanInput) -> PlanDetail:
    """Create a plan with its teams and assignments, all or nothing; every problem is named."""
    _require_planner(actor)
    problems: list[FieldProblem] = []
    _check_text("name", data.name, MAX_NAME, True, problems)
    _check_text("purpose", data.purpose, MAX_PURPOSE, False, problems)
    _check_window(data.window_from, data.window_to, problems)
    if not 1 <= data.visits <= MAX_VISITS:
        problems.append(
            problem(
                "visits",
                f"Số lần kiểm tra phải từ 1 đến {MAX_VISITS}.",
                f"Visits must be 1 to {MAX_VISITS}.",
                code=Code.INVALID_VISITS,
            )
        )
    plan_id = new_id()
    with db.write() as tx:
        _check_template(tx, data.template_id, problems)
        users = _check_teams(tx, data.teams, problems)
        sites = select_sites(tx, actor, data.sites, problems)
        team_names = [t.name.strip() for t in data.teams]
        fixed_names: dict[str, str] = {}
        if data.site_teams:
            codes = {s.code: s.id for s in sites}
            for code, team_name in data.site_teams.items():
                if code not in codes:
                    problems.append(
                        problem(
                            f"site_teams.{code}",
                            f"Cơ sở '{code}' không nằm trong các cơ sở đã chọn.",
                            f"Site '{code}' is not among the chosen sites.",
                            code=Code.UNKNOWN_SITE,
                        )
                    )
                elif team_name.strip() not in team_names:
                    problems.append(
                        problem(
                            f"site_teams.{code}",
                            f"Không có đoàn '{team_name}'.",
                            f"No team '{team_name}'.",
                            code=Code.UNKNOWN_TEAM,
                        )
                    )
                else:
                    fixed_names[codes[code]] = team_name.strip()
        _raise(problems)
        stamp = now_iso()
        tx.execute(
            "INSERT INTO plans (id, name, purpose, template_id, window_from, window_to, status, created_by, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
            (
                plan_id,
                data.name.strip(),
                (data.purpose or "").strip() or None,
                data.template_id,
                data.window_from,
                data.window_to,
                actor.user_id,
                stamp,
                stamp,
            ),
        )
        team_ids = [_insert_team(tx, plan_id, t, users, i) for i, t in enumerate(data.teams)]
        by_name = dict(zip(team_names, team_ids, strict=True))
        fixed = {site_id: by_name[name] for site_id, name in fixed_names.items()}
        ids = _insert_assignments(tx, plan_id, sites, team_ids, data.template_id, data.window_to, data.visits, fixed)
        _sync_districts(tx, plan_id)
        feed = FeedWriter(tx)
        _publish_ids(tx, feed, ids)
        feed.flush()
        audit.record(tx, actor, "plan.create", "plan", plan_id, {"name": data.name, "sites": len(ids)})
    return get_plan(db, actor, plan_id)


def _load_plan(tx: Tx, actor: Actor, plan_id: str) -> PlanRow:
    row = tx.record(PlanRow, _PLAN_SELECT + " WHERE id = ?", (plan_id,))
    districts = tx.scalars("SELECT district FROM plan_districts WHERE plan_id = ?", (plan_id,))
    if row is None or not _may_see(actor, districts):
        raise NotFound(
            bi(
                "Không tìm thấy kế hoạch trong các huyện bạn phụ trách.",
                "No such plan in the districts assigned to you.",
            ),
            code=Code.OUT_OF_SCOPE,
        )
    return row


def _may_see(actor: Actor, districts: list[str]) -> bool:
    """A supervisor sees a plan whose every district is theirs; an inspector one whose teams
    they are in (checked by the caller); an admin every plan."""
    if actor.is_admin:
        return True
    return bool(districts) and all(d in actor.districts for d in districts)


def _teams(tx: Tx, plan_id: str) -> list[TeamView]:
    out: list[TeamView] = []
    for t in tx.query(
        "SELECT t.id, t.name, u.username, COALESCE(u.full_name, u.username) AS full_name FROM teams t"
        " JOIN users u ON u.id = t.lead_id WHERE t.plan_id = ?"
        " ORDER BY t.position, t.name",
        (plan_id,),
    ):
        members = tx.query(
            "SELECT u.username, COALESCE(u.full_name, u.username) AS full_name FROM team_members m"
            " JOIN users u ON u.id = m.user_id WHERE m.team_id = ? ORDER BY u.username",
            (t["id"],),
        )
        out.append(
            TeamView(
                id=t["id"],
                name=t["name"],
                lead=t["username"],
                members=[m["username"] for m in members],
                member_names=[m["full_name"] for m in members],
                lead_name=t["full_name"],
            )
        )
    return out


def _count(progress: Progress, status: str, due: str, today: dt.date) -> None:
    if status == "cancelled":
        progress.cancelled += 1
        return
    progress.planned += 1
    if status in ("done", "verified"):
        progress.visited += 1
        progress.verified += status == "verified"
        return
    progress.pending += 1
    progress.in_progress += status == "in_progress"
    if rules.effective_status(status, due, today) == "overdue":
        progress.overdue += 1


def _summary(tx: Tx, row: PlanRow, today: dt.date) -> PlanSummary:
    progress = Progress()
    for r in tx.query("SELECT status, due_date FROM assignments WHERE plan_id = ?", (row.id,)):
        _count(progress, r["status"], r["due_date"], today)
    districts = tx.scalars("SELECT district FROM plan_districts WHERE plan_id = ? ORDER BY 1", (row.id,))
    title = tx.scalar(
        "SELECT title_vi FROM templates WHERE template_id = ? ORDER BY version DESC LIMIT 1", (row.template_id,)
    )
    return PlanSummary(
        **msgspec.structs.asdict(row),
        template_title=title or row.template_id,
        districts=districts,
        teams=_teams(tx, row.id),
        progress=progress,
    )


def _views(tx: Tx, where: str, params: list[Any], today: dt.date) -> list[AssignmentView]:
    docs = assignment_feed.documents(tx, where + " ORDER BY a.due_date, a.district, s.code", params)
    links: dict[str, list[str]] = {}
    for i in range(0, len(docs), 500):
        chunk = [d.id for d in docs[i : i + 500]]
        marks = ", ".join("?" for _ in chunk)
        for r in tx.query(
            "SELECT assignment_id, inspection_id FROM assignment_inspections"
            f" WHERE assignment_id IN ({marks}) ORDER BY linked_at",
            chunk,
        ):
            links.setdefault(r["assignment_id"], []).append(r["inspection_id"])
    return [
        AssignmentView(
            document=d,
            shown_status=rules.effective_status(d.status, d.due_date, today),
            inspection_ids=links.get(d.id, []),
        )
        for d in docs
    ]


def list_plans(db: Database, actor: Actor, status: str | None = None) -> list[PlanSummary]:
    """Plans the actor may see, newest first, with their progress."""
    _require_planner(actor)
    today = local_time.today()
    with db.read() as tx:
        sql = _PLAN_SELECT
        params: list[Any] = []
        if status:
            sql += " WHERE status = ?"
            params.append(status)
        rows = tx.records(PlanRow, sql + " ORDER BY created_at DESC, name", params)
        out = []
        for row in rows:
            districts = tx.scalars("SELECT district FROM plan_districts WHERE plan_id = ?", (row.id,))
            if _may_see(actor, districts):
                out.append(_summary(tx, row, today))
    return out


def get_plan(db: Database, actor: Actor, plan_id: str) -> PlanDetail:
    _require_planner(actor)
    today = local_time.today()
    with db.read() as tx:
        row = _load_plan(tx, actor, plan_id)
        return PlanDetail(plan=_summary(tx, row, today), assignments=_views(tx, "a.plan_id = ?", [plan_id], today))


def update_plan(db: Database, actor: Actor, plan_id: str, patch: PlanPatch) -> PlanDetail:
    """Edit an open plan: name, purpose, window (open assignments move to the new end),
    add sites (split evenly), cancel sites. All or nothing."""
    _require_planner(actor)
    problems: list[FieldProblem] = []
    if patch.name is not None:
        _check_text("name", patch.name, MAX_NAME, True, problems)
    if patch.purpose is not None:
        _check_text("purpose", patch.purpose, MAX_PURPOSE, False, problems)
    with db.write() as tx:
        row = _load_plan(tx, actor, plan_id)
        if row.status != "open":
            raise Conflict(
                bi("Kế hoạch đã đóng; không sửa được nữa.", "The plan is closed; it cannot be changed."),
                code=Code.PLAN_CLOSED,
            )
        frm = patch.window_from or row.window_from
        to = patch.window_to or row.window_to
        if patch.window_from is not None or patch.window_to is not None:
            _check_window(frm, to, problems)
        new_sites: list[PlanSite] = []
        if patch.add_sites is not None:
            held = set(tx.scalars("SELECT site_id FROM assignments WHERE plan_id = ?", (plan_id,)))
            new_sites = [s for s in select_sites(tx, actor, patch.add_sites, problems) if s.id not in held]
        cancel_ids: list[str] = []
        if patch.cancel_site_codes:
            for row_no, code in enumerate(patch.cancel_site_codes, start=1):
                found = tx.query(
                    "SELECT a.id FROM assignments a JOIN sites s ON s.id = a.site_id"
                    " WHERE a.plan_id = ? AND s.code = ? AND a.status IN ('planned', 'in_progress')",
                    (plan_id, code),
                )
                if not found:
                    problems.append(_no_open_assignment(row_no, code))
                cancel_ids += [r["id"] for r in found]
        users = _check_teams(tx, patch.teams, problems) if patch.teams is not None else {}
        moves = _check_moves(tx, plan_id, patch.move_sites or {}, patch.teams or [], problems)
        _raise(problems)
        touched: list[str] = []
        if patch.teams is not None:
            touched += _update_teams(tx, plan_id, patch.teams, users)
        touched += _move(tx, plan_id, moves)
        tx.execute(
            "UPDATE plans SET name = ?, purpose = ?, window_from = ?, window_to = ?, updated_at = ? WHERE id = ?",
            (
                (patch.name or row.name).strip(),
                row.purpose if patch.purpose is None else (patch.purpose.strip() or None),
                frm,
                to,
                now_iso(),
                plan_id,
            ),
        )
        if to != row.window_to:
            touched += tx.scalars(
                "SELECT id FROM assignments WHERE plan_id = ? AND follow_up_of IS NULL AND due_date = ?"
                " AND status IN ('planned', 'in_progress')",
                (plan_id, row.window_to),
            )
            tx.execute(
                "UPDATE assignments SET due_date = ?, updated_at = ? WHERE plan_id = ? AND follow_up_of IS NULL"
                " AND due_date = ? AND status IN ('planned', 'in_progress')",
                (to, now_iso(), plan_id, row.window_to),
            )
        if new_sites:
            team_ids = tx.scalars("SELECT id FROM teams WHERE plan_id = ? ORDER BY position", (plan_id,))
            visits = tx.scalar("SELECT MAX(visits) FROM assignments WHERE plan_id = ?", (plan_id,)) or 1
            touched += _insert_assignments(tx, plan_id, new_sites, team_ids, row.template_id, to, visits)
        for assignment_id in cancel_ids:
            tx.execute(
                "UPDATE assignments SET status = 'cancelled', updated_at = ? WHERE id = ?", (now_iso(), assignment_id)
            )
        touched += cancel_ids
        # names and due dates are in every document: rewrite them all when those changed
        if patch.name is not None and patch.name.strip() != row.name:
            touched = tx.scalars("SELECT id FROM assignments WHERE plan_id = ?", (plan_id,))
        _sync_districts(tx, plan_id)
        feed = FeedWriter(tx)
        _publish_ids(tx, feed, sorted(set(touched)))
        feed.flush()
        audit.record(tx, actor, "plan.update", "plan", plan_id, msgspec.to_builtins(patch))
    return get_plan(db, actor, plan_id)


def _no_open_assignment(row_no: int, code: str) -> FieldProblem:
    return problem(
        "code",
        f"Dòng {row_no}: kế hoạch không có việc đang chờ ở cơ sở '{code}'.",
        f"Row {row_no}: the plan has no open assignment at site '{code}'.",
        code=Code.UNKNOWN_SITE,
        row=row_no,
    )


def _check_moves(
    tx: Tx, plan_id: str, moves: dict[str, str], new_teams: list[TeamInput], problems: list[FieldProblem]
) -> list[tuple[Any, str]]:
    """(open assignment row, team name) for each site code to move; problems name the rest."""
    names = set(tx.scalars("SELECT name FROM teams WHERE plan_id = ?", (plan_id,)))
    names |= {t.name.strip() for t in new_teams}
    out: list[tuple[Any, str]] = []
    for row_no, (code, team_name) in enumerate(moves.items(), start=1):
        row = tx.one(
            "SELECT a.id, a.site_id, a.template_id, a.visits, a.due_date, t.name AS team_name"
            " FROM assignments a JOIN sites s ON s.id = a.site_id JOIN teams t ON t.id = a.team_id"
            " WHERE a.plan_id = ? AND s.code = ? AND a.status IN ('planned', 'in_progress')",
            (plan_id, code),
        )
        if row is None:
            problems.append(_no_open_assignment(row_no, code))
        elif team_name.strip() not in names:
            problems.append(
                problem(
                    "team",
                    f"Dòng {row_no}: không có đoàn '{team_name}'.",
                    f"Row {row_no}: no team '{team_name}'.",
                    code=Code.UNKNOWN_TEAM,
                    row=row_no,
                )
            )
        elif row["team_name"] != team_name.strip():
            out.append((row, team_name.strip()))
    return out


def _move(tx: Tx, plan_id: str, moves: list[tuple[Any, str]]) -> list[str]:
    """Move open assignments to another team: the old one is cancelled (so the old team's
    devices see it go) and a new one made for the new team, with the same due day; an
    inspection already linked to the old one stays linked to it."""
    if not moves:
        return []
    teams = {r["name"]: r["id"] for r in tx.query("SELECT id, name FROM teams WHERE plan_id = ?", (plan_id,))}
    touched: list[str] = []
    for row, team_name in moves:
        tx.execute("UPDATE assignments SET status = 'cancelled', updated_at = ? WHERE id = ?", (now_iso(), row["id"]))
        site = _plan_site(tx, row["site_id"])
        touched.append(row["id"])
        touched += _insert_assignments(
            tx, plan_id, [site], [teams[team_name]], row["template_id"], row["due_date"], row["visits"]
        )
    return touched


def _plan_site(tx: Tx, site_id: str) -> PlanSite:
    site = tx.record(PlanSite, f"SELECT {_SITE_COLUMNS} FROM sites WHERE id = ?", (site_id,))
    assert site is not None  # an assignment's or an inspection's site: never deleted
    return site


def _update_teams(tx: Tx, plan_id: str, teams: list[TeamInput], users: dict[str, TeamUser]) -> list[str]:
    """Set each named team's lead and members (new names make new teams); returns the
    assignments of every team whose members changed, to write them to the feed again so that
    a new member's next pull brings them whatever its cursor."""
    existing = {r["name"]: r["id"] for r in tx.query("SELECT id, name FROM teams WHERE plan_id = ?", (plan_id,))}
    position = len(existing)
    changed: list[str] = []
    for team in teams:
        team_id = existing.get(team.name.strip())
        if team_id is None:
            _insert_team(tx, plan_id, team, users, position)
            position += 1
            continue
        wanted = {users[u].id for u in {team.lead, *team.members}}
        held = set(tx.scalars("SELECT user_id FROM team_members WHERE team_id = ?", (team_id,)))
        tx.execute("UPDATE teams SET lead_id = ? WHERE id = ?", (users[team.lead].id, team_id))
        if wanted != held:
            tx.execute("DELETE FROM team_members WHERE team_id = ?", (team_id,))
            for user_id in sorted(wanted):
                tx.execute("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", (team_id, user_id))
            changed += tx.scalars("SELECT id FROM assignments WHERE team_id = ?", (team_id,))
    return changed


def close_plan(db: Database, actor: Actor, plan_id: str) -> PlanDetail:
    """Close a plan: it stays readable with its coverage; its open assignments are cancelled."""
    _require_planner(actor)
    with db.write() as tx:
        row = _load_plan(tx, actor, plan_id)
        if row.status == "closed":
            raise Conflict(bi("Kế hoạch đã đóng.", "The plan is already closed."), code=Code.PLAN_CLOSED)
        stamp = now_iso()
        ids = tx.scalars(
            "SELECT id FROM assignments WHERE plan_id = ? AND status IN ('planned', 'in_progress')", (plan_id,)
        )
        tx.execute(
            "UPDATE assignments SET status = 'cancelled', updated_at = ? WHERE plan_id = ?"
            " AND status IN ('planned', 'in_progress')",
            (stamp, plan_id),
        )
        tx.execute(
            "UPDATE plans SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?", (stamp, stamp, plan_id)
        )
        feed = FeedWriter(tx)
        _publish_ids(tx, feed, ids)
        feed.flush()
        audit.record(tx, actor, "plan.close", "plan", plan_id, {"cancelled": len(ids)})
    return get_plan(db, actor, plan_id)


def coverage(db: Database, actor: Actor, plan_id: str) -> Coverage:
    """Sites planned, visited, pending and overdue, by district and by team, and the pending
    sites (overdue first)."""
    _require_planner(actor)
    today = local_time.today()
    with db.read() as tx:
        row = _load_plan(tx, actor, plan_id)
        summary = _summary(tx, row, today)
        views = _views(tx, "a.plan_id = ?", [plan_id], today)
    by_district: dict[str, Progress] = {}
    by_team: dict[str, tuple[str, Progress]] = {}
    for v in views:
        d = v.document
        _count(by_district.setdefault(d.district, Progress()), d.status, d.due_date, today)
        _count(by_team.setdefault(d.team_id, (d.team_name, Progress()))[1], d.status, d.due_date, today)
    pending = [v for v in views if v.shown_status in ("planned", "in_progress", "overdue")]
    pending.sort(
        key=lambda v: rules.todo_order_key(v.document.status, v.document.due_date, v.document.site_name, today)
    )
    return Coverage(
        plan=summary,
        by_district=[CoverageRow(key=k, label=k, progress=p) for k, p in sorted(by_district.items())],
        by_team=[CoverageRow(key=k, label=name, progress=p) for k, (name, p) in by_team.items()],
        pending=pending,
        today=today.isoformat(),
    )


def my_assignments(db: Database, actor: Actor, include_finished: bool = False) -> list[AssignmentView]:
    """The assignments of the caller's teams, overdue first."""
    today = local_time.today()
    with db.read() as tx:
        where = "a.team_id IN (SELECT team_id FROM team_members WHERE user_id = ? UNION SELECT id FROM teams WHERE lead_id = ?)"
        params: list[Any] = [actor.user_id, actor.user_id]
        if not include_finished:
            where += " AND a.status IN ('planned', 'in_progress')"
        views = _views(tx, where, params, today)
    views.sort(key=lambda v: rules.todo_order_key(v.document.status, v.document.due_date, v.document.site_name, today))
    return views


def create_follow_up(
    db: Database, actor: Actor, inspection_id: str, data: FollowUpInput | None = None
) -> AssignmentView:
    """A follow-up visit to the inspection's site, due at the latest corrective-action deadline
    of that inspection (else in ``DEFAULT_FOLLOW_UP_DAYS``), for the team the inspection was
    assigned to (else a team of the inspector who made it). It belongs to the inspection's plan
    while that plan is open, to no plan once it is closed."""
    _require_planner(actor)
    problems: list[FieldProblem] = []
    due_given = _day("due_date", data.due_date, problems) if data and data.due_date else None
    _raise(problems)
    today = local_time.today()
    with db.write() as tx:
        insp = tx.one(
            "SELECT i.id, i.site_id, i.district, i.template_id, i.status, i.created_by FROM inspections i WHERE i.id = ?",
            (inspection_id,),
        )
        require_district(actor, insp["district"] if insp else None, "biên bản", "inspection", found=insp is not None)
        assert insp is not None
        if insp["status"] in (None, "draft"):
            raise Conflict(
                bi(
                    "Biên bản còn là nháp; chỉ lập việc kiểm tra lại sau khi biên bản đã nộp.",
                    "The inspection is still a draft; a follow-up is made once it has been submitted.",
                ),
                code=Code.INVALID_TRANSITION,
            )
        if tx.scalar(
            "SELECT COUNT(*) FROM assignments WHERE follow_up_of = ? AND status IN ('planned', 'in_progress')",
            (inspection_id,),
        ):
            # a second click (or a second supervisor) would send the team the same visit twice
            raise Conflict(
                bi(
                    "Biên bản này đã có việc kiểm tra lại chưa làm xong; không giao thêm.",
                    "This inspection already has a follow-up visit still to do; no second one is made.",
                ),
                code=Code.DUPLICATE,
            )
        previous = tx.one(
            "SELECT a.plan_id, a.team_id, a.template_id, p.status AS plan_status FROM assignment_inspections ai"
            " JOIN assignments a ON a.id = ai.assignment_id LEFT JOIN plans p ON p.id = a.plan_id"
            " WHERE ai.inspection_id = ? ORDER BY ai.linked_at",
            (inspection_id,),
        )
        deadline = rules_actions.parse_deadline(corrective_actions.latest_action_deadline(tx, inspection_id))
        due = due_given or deadline or today + dt.timedelta(days=rules.DEFAULT_FOLLOW_UP_DAYS)
        if previous is not None:
            plan_id, team_id, template_id = previous["plan_id"], previous["team_id"], previous["template_id"]
            if previous["plan_status"] == "closed":
                # the same team goes back, outside the closed plan: its coverage stays as it was
                # closed, and work that a closed plan can no longer cancel is never added to it
                plan_id = None
        else:
            lead = tx.one("SELECT id, username, full_name, role FROM users WHERE id = ?", (insp["created_by"],))
            if lead is None or lead["role"] != "inspector":
                raise Conflict(
                    bi(
                        "Không xác định được thanh tra viên để giao việc kiểm tra lại.",
                        "There is no inspector to give the follow-up to.",
                    ),
                    code=Code.NO_TEAM,
                )
            plan_id, template_id = None, insp["template_id"]
            team_id = new_id()
            tx.execute(
                "INSERT INTO teams (id, plan_id, name, lead_id, position) VALUES (?, NULL, ?, ?, 0)",
                (team_id, f"Kiểm tra lại — {lead['full_name'] or lead['username']}", lead["id"]),
            )
            tx.execute("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)", (team_id, lead["id"]))
        site = _plan_site(tx, insp["site_id"])
        ids = _insert_assignments(
            tx, plan_id, [site], [team_id], template_id, due.isoformat(), 1, follow_up_of=inspection_id
        )
        if plan_id is not None:
            _sync_districts(tx, plan_id)
        feed = FeedWriter(tx)
        _publish_ids(tx, feed, ids)
        feed.flush()
        audit.record(tx, actor, "assignment.follow_up", "inspection", inspection_id, {"assignment": ids[0]})
        return _views(tx, "a.id = ?", [ids[0]], today)[0]


def follow_ups_of(db: Database, actor: Actor, inspection_id: str) -> list[AssignmentView]:
    today = local_time.today()
    with db.read() as tx:
        return _views(tx, "a.follow_up_of = ?", [inspection_id], today)


def active_plans(db: Database, actor: Actor) -> list[PlanSummary]:
    """Open plans the actor may see (the dashboard)."""
    if actor.role not in REVIEWERS:
        return []
    return list_plans(db, actor, status="open")


class InspectorChoice(msgspec.Struct, kw_only=True):
    username: str
    full_name: str | None
    districts: list[str]


def inspectors_for(db: Database, actor: Actor) -> list[InspectorChoice]:
    """Active inspectors a planner may put in a team: for a supervisor, those sharing one of
    their districts; for an admin, all."""
    _require_planner(actor)
    with db.read() as tx:
        rows = tx.query(
            "SELECT u.id, u.username, u.full_name FROM users u WHERE u.role = 'inspector' AND u.active = 1"
            " ORDER BY u.username"
        )
        out = []
        for r in rows:
            districts = sorted(tx.scalars("SELECT district FROM user_districts WHERE user_id = ?", (r["id"],)))
            if actor.is_admin or any(d in actor.districts for d in districts):
                out.append(InspectorChoice(username=r["username"], full_name=r["full_name"], districts=districts))
    return out


def published_templates(db: Database) -> list[tuple[str, str]]:
    """(template id, Vietnamese title) of every checklist with a published version."""
    with db.read() as tx:
        rows = tx.query(
            "SELECT template_id, MAX(title_vi) AS title FROM templates WHERE status = 'published'"
            " GROUP BY template_id ORDER BY template_id"
        )
    return [(r["template_id"], r["title"] or r["template_id"]) for r in rows]


def sites_in_open_plans(db: Database, actor: Actor) -> set[str]:
    """Ids of the sites with open work (planned or in progress) in an open plan the actor may
    see: the dashboard tells them apart from sites that no plan covers."""
    if actor.role not in REVIEWERS:
        return set()
    cond, params = district_filter(actor, "a.district")
    with db.read() as tx:
        return set(
            tx.scalars(
                "SELECT DISTINCT a.site_id FROM assignments a JOIN plans p ON p.id = a.plan_id"
                " WHERE p.status = 'open' AND a.status IN ('planned', 'in_progress')" + cond,
                params,
            )
        )
