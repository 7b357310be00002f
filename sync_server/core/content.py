"""The shipped content and the files an operator loads: one checklist reader for both.

The shipped content is plain data in ``sync_server/content/`` (no code there):

- ``checklists/*.yaml``: checklist versions in the ``shared_schema.checklist.ChecklistTemplate``
  format (``load_checklists``; the ``.xlsx`` copies beside them are generated from the YAML);
- ``directive_measures.yaml``: each measure of the May 2021 Sở Công Thương Thái Nguyên
  directive, quoted, with the questions that cover it (``load_directive_measures``);
- ``sites_thai_nguyen.csv``: a demo registry of Thai Nguyen sites with the columns
  ``SITE_CSV_COLUMNS`` (``load_sites_csv_path``); the server's CSV import reads it.

``read_checklist_file`` is the one checklist reader: ``load-checklist`` and ``seed-demo``
(``load_checklist_file``) save what it reads, and ``load_checklist`` checks a shipped file with
it. Loading a shipped file that does not decode or does not pass ``validate_template`` raises
``ContentError`` naming the file and what to fix; nothing is half-loaded.

Also here: the idempotent demo seed (``seed_demo``).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from shared_schema import actions as action_rules
from shared_schema.checklist import ChecklistTemplate, YesNoQuestion
from shared_schema.clock import HybridClock
from shared_schema.codec import WireError, convert
from shared_schema.errors import Code, FieldProblem
from shared_schema.protocol import PROTOCOL_VERSION, answer_entity_id, template_entity_id
from shared_schema.sync import Change, PushRequest, new_change
from shared_schema.template_rules import validate_template
from sync_server.core import actions as corrective_actions
from sync_server.core import auth, registry, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Invalid, bi
from sync_server.core.server import Server
from sync_server.core.site_csv import BASE_COLUMNS
from sync_server.core.template_store import pinned_template, template_status
from sync_server.core.util import to_json
from sync_server.core.xlsform import XLSFORM_SUFFIXES, XlsformIssue, read_xlsform

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
CHECKLISTS_DIR = CONTENT_DIR / "checklists"
DIRECTIVE_MEASURES_PATH = CONTENT_DIR / "directive_measures.yaml"
DIRECTIVE_SOURCE_PATH = CONTENT_DIR / "sources" / "sct-thai-nguyen-2021-05.txt"
SITES_CSV_PATH = CONTENT_DIR / "sites_thai_nguyen.csv"
CHECKLIST_SUFFIXES = (".yaml", ".yml", ".json")  # the shipped .xlsx copies are generated from the YAML
DEMO_USERS_FILE = "demo-users.txt"

# Columns of the site registry CSV, in order (docs/CHECKLISTS.md, "Site registry CSV"): the
# columns the server's CSV import reads, without its optional extras.
SITE_CSV_COLUMNS: tuple[str, ...] = BASE_COLUMNS

# District-level units of Thái Nguyên province as named in 2021 (before TX Phổ Yên became a
# city in 2022 and before the 2025 reform). Site records keep this historical district.
DISTRICTS_2021: tuple[str, ...] = (
    "TP Thái Nguyên",
    "TP Sông Công",
    "TX Phổ Yên",
    "H. Phú Bình",
    "H. Đồng Hỷ",
    "H. Đại Từ",
    "H. Định Hóa",
    "H. Phú Lương",
    "H. Võ Nhai",
)


class ContentError(ValueError):
    """A shipped content file cannot be used; the message names the file and the fix."""


class DirectiveMeasure(msgspec.Struct, frozen=True, kw_only=True):
    """One measure the directive asks for, and the checklist questions that cover it."""

    id: str
    quote_vi: str
    en: str
    checklist: str
    questions: list[str]
    part: str | None = None


class DirectiveSource(msgspec.Struct, frozen=True):
    title: str
    applies: str
    file: str


class DirectiveMeasures(msgspec.Struct, frozen=True):
    source: DirectiveSource
    measures: list[DirectiveMeasure]


@dataclass
class LoadResult:
    template_id: str
    version: int
    status: str
    problems: list[str] = field(default_factory=list)
    message: str = ""
    dropped: list[XlsformIssue] = field(default_factory=list)


def issue_line(issue: XlsformIssue) -> str:
    """One unsupported row of an XLSForm, in Vietnamese and English."""
    return (
        f"{issue.sheet}!{issue.row} [{issue.column}]: {issue.what.vi} — {issue.why.vi}"
        f" / {issue.what.en} — {issue.why.en}"
    )


def unsupported_rows_error(issues: list[XlsformIssue]) -> Invalid:

    return Invalid(
        bi(
            f"Tệp có {len(issues)} dòng bảng kiểm không biểu diễn được; chưa lưu gì. Hãy sửa tệp, hoặc chấp nhận"
            " lưu bản nháp không có các dòng này (--accept-dropped).",
            f"The file has {len(issues)} row(s) a checklist cannot express; nothing was saved. Fix the file, or"
            " accept a draft without those rows (--accept-dropped).",
        ),
        code=Code.XLSFORM_UNSUPPORTED,
        errors=[
            FieldProblem(
                field=f"{i.sheet}!{i.column}", row=i.row, message=f"{i.what.vi} — {i.why.vi} / {i.what.en} — {i.why.en}"
            )
            for i in issues
        ],
    )


def read_checklist_file(path: Path) -> tuple[ChecklistTemplate, list[XlsformIssue] | None]:
    """The checklist version in ``path`` (YAML, JSON or an XLSForm ``.xlsx``/``.xls``) and, for
    an XLSForm, the rows a checklist cannot express (None for YAML and JSON). ``Invalid`` says
    where a file does not decode. The one reader of checklist files: ``load_checklist_file``
    (``load-checklist``, ``seed-demo``) and ``load_checklist`` (the content's tests) use it."""
    if path.suffix.lower() in XLSFORM_SUFFIXES:
        imported = read_xlsform(path.read_bytes(), path.name)
        return imported.template, imported.issues
    fmt = "yaml" if path.suffix.lower() in (".yaml", ".yml") else "json"
    return registry.parse_template(path.read_text(encoding="utf-8"), fmt), None


def load_checklist_file(server: Server, path: Path, publish: bool = False, accept_dropped: bool = False) -> LoadResult:
    """Save the checklist in ``path`` (YAML, JSON or an XLSForm ``.xlsx``/``.xls``) as a draft
    and, with ``publish``, publish it. Loading a version that is already published with the
    same content is a no-op. An XLSForm with rows a checklist cannot express saves nothing
    unless ``accept_dropped``; the draft then records what was left out."""
    template, dropped = read_checklist_file(path)
    if dropped and not accept_dropped:
        raise unsupported_rows_error(dropped)
    eid = template_entity_id(template.template_id, template.version)
    with server.db.read() as tx:
        status = template_status(tx, template.template_id, template.version)
        stored = tx.scalar(
            "SELECT document FROM templates WHERE template_id = ? AND version = ?",
            (template.template_id, template.version),
        )
    if status in ("published", "retired") and stored == to_json(template):
        return LoadResult(template.template_id, template.version, status, message=f"{eid} is already {status}")
    saved = registry.save_template(
        server.db, SYSTEM, template, dropped=dropped, source=path.name if dropped is not None else None
    )
    problems = [f"{p.path}: {p.message}" for p in saved.problems]
    if publish:
        summary = registry.publish_template(server.db, SYSTEM, template.template_id, template.version)
        return LoadResult(
            template.template_id, template.version, summary.status, message=f"{eid} published", dropped=dropped or []
        )
    return LoadResult(
        template.template_id,
        template.version,
        "draft",
        problems,
        message=f"{eid} saved as draft",
        dropped=dropped or [],
    )


def import_sites_file(server: Server, path: Path) -> registry.ImportReport:
    return registry.import_sites_csv(server.db, SYSTEM, path.read_text(encoding="utf-8-sig"))


# --- the shipped content ------------------------------------------------------------------


def load_checklist(path: Path) -> ChecklistTemplate:
    """Read one shipped checklist file with ``read_checklist_file``; it must decode and pass
    ``validate_template`` (``ContentError`` otherwise)."""
    try:
        template, _ = read_checklist_file(path)
    except OSError as exc:
        raise ContentError(f"{path.name}: cannot read the file ({exc}).") from None
    except Invalid as exc:
        if exc.errors:  # decoded, but not a checklist
            raise ContentError(f"{path.name}: {exc.detail}") from None
        raise ContentError(
            f"{path.name}: cannot read the file as YAML ({exc.detail}). Fix the file's syntax."
        ) from None
    problems = validate_template(template)
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems)
        raise ContentError(f"{path.name}: the checklist cannot be published: {listed}")
    return template


def checklist_paths(content_dir: Path = CONTENT_DIR) -> list[Path]:
    """The checklist files in ``content_dir/checklists`` (the shipped ones by default), in name
    order: what ``seed_demo`` loads."""
    checklist_dir = content_dir / "checklists"
    return sorted(p for p in checklist_dir.glob("*") if p.suffix.lower() in CHECKLIST_SUFFIXES)


def load_checklists() -> list[ChecklistTemplate]:
    """Every shipped checklist version, decoded and validated (ordered by file name)."""
    templates = [load_checklist(path) for path in checklist_paths()]
    seen: set[tuple[str, int]] = set()
    for t in templates:
        key = (t.template_id, t.version)
        if key in seen:
            raise ContentError(f"Two shipped files define {t.template_id} version {t.version}; keep one.")
        seen.add(key)
    return templates


def _read_yaml(path: Path) -> Any:
    import yaml  # the server's optional dependency (``core.checklists``)

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read the file as YAML ({exc}). Fix the file's syntax.") from None


def load_directive_measures() -> DirectiveMeasures:
    """The directive's measures with the question ids that cover each."""
    try:
        return convert(_read_yaml(DIRECTIVE_MEASURES_PATH), DirectiveMeasures, "list of directive measures")
    except WireError as exc:
        raise ContentError(f"{DIRECTIVE_MEASURES_PATH.name}: {exc.message}") from None


def load_sites_csv_path() -> Path:
    """Path of the demo site registry CSV (UTF-8, header row ``SITE_CSV_COLUMNS``)."""
    return SITES_CSV_PATH


# --- the demo seed ------------------------------------------------------------------------


@dataclass
class DemoUser:
    username: str
    role: str
    districts: list[str]
    password: str


@dataclass
class SeedReport:
    lines: list[str] = field(default_factory=list)
    created_users: list[DemoUser] = field(default_factory=list)
    users_file: Path | None = None


def _districts(server: Server) -> list[str]:
    with server.db.read() as tx:
        return [
            r["district"]
            for r in tx.query("SELECT district, COUNT(*) AS n FROM sites GROUP BY district ORDER BY n DESC, district")
        ]


def seed_demo(server: Server, content_dir: Path = CONTENT_DIR) -> SeedReport:
    """Load every shipped checklist and the demo site registry, and create demo users with
    random passwords (written once to ``demo-users.txt`` beside the database, mode 0600).
    Running it again keeps every existing record and password."""
    report = SeedReport()
    checklist_dir = content_dir / "checklists"
    files = checklist_paths(content_dir) if checklist_dir.is_dir() else []
    if not files:
        report.lines.append(f"no checklist files in {checklist_dir}; skipped checklists")
    for path in files:
        result = load_checklist_file(server, path, publish=True)
        report.lines.append(f"checklist {path.name}: {result.message}")
    sites_csv = content_dir / "sites_thai_nguyen.csv"
    if sites_csv.exists():
        imported = import_sites_file(server, sites_csv)
        report.lines.append(
            f"sites {sites_csv.name}: {imported.created} created, {imported.updated} updated,"
            f" {imported.unchanged} unchanged"
        )
    else:
        report.lines.append(f"no site registry at {sites_csv}; skipped sites")
    districts = _districts(server) or ["Demo"]
    wanted = [
        ("thanhtra1", "inspector", districts[:1]),
        ("thanhtra2", "inspector", districts[1:2] or districts[:1]),
        ("giamsat", "supervisor", districts),
        ("quantri", "admin", []),
    ]
    for username, role, user_districts in wanted:
        if auth.user_exists(server.db, username):
            report.lines.append(f"user {username}: exists, kept")
            continue
        password = secrets.token_urlsafe(9)
        auth.create_user(server.db, SYSTEM, username, password, role, user_districts)
        report.created_users.append(DemoUser(username, role, list(user_districts), password))
    from sync_server.core.demo_plan import seed_plan  # only the demo seeds a plan

    report.lines.append(seed_plan(server, districts[0]))
    if report.created_users:
        path = server.config.data_dir / DEMO_USERS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            for u in report.created_users:
                fh.write(f"{u.username}\t{u.role}\t{','.join(u.districts)}\t{u.password}\n")
        os.chmod(path, 0o600)
        report.users_file = path
    report.lines.append(seed_demo_actions(server))
    return report


def seed_demo_actions(server: Server) -> str:
    """A demo inspection by ``thanhtra1`` with a failed item and two corrective actions: one
    open and overdue, one reported fixed and verified by ``giamsat`` — so the board, the map
    and the dashboard show something at once. Kept when any action exists already."""
    db = server.db
    with db.read() as tx:
        if tx.scalar("SELECT COUNT(*) FROM actions"):
            return "corrective actions: exist, kept"
        inspector = tx.scalar("SELECT id FROM users WHERE username = 'thanhtra1'")
        supervisor = tx.scalar("SELECT id FROM users WHERE username = 'giamsat'")
        published = [
            (r["template_id"], r["version"])
            for r in tx.query("SELECT template_id, version FROM templates WHERE status = 'published'")
        ]
    inspector_actor = auth.actor_for_user(db, inspector) if inspector else None
    supervisor_actor = auth.actor_for_user(db, supervisor) if supervisor else None
    if inspector_actor is None or supervisor_actor is None or not inspector_actor.districts:
        return "corrective actions: no demo inspector or supervisor; skipped"
    district = sorted(inspector_actor.districts)[0]
    with db.read() as tx:
        sites = [
            (r["id"], r["kind"])
            for r in tx.query("SELECT id, kind FROM sites WHERE district = ? AND active = 1 ORDER BY code", (district,))
        ]
        chosen: tuple[str, ChecklistTemplate, str] | None = None
        for template_id, version in sorted(published):
            template = pinned_template(tx, template_id, version)
            if template is None:
                continue
            question = next(
                (q.id for q in template.questions() if isinstance(q, YesNoQuestion) and q.relevant_if is None), None
            )
            site = next((sid for sid, kind in sites if kind in template.site_kinds), None)
            if question is not None and site is not None:
                chosen = (site, template, question)
                break
    if chosen is None:
        return "corrective actions: no site with a checklist that has a yes/no item; skipped"
    site_id, template, question_id = chosen
    clock = HybridClock("seed-demo")
    seq = 0

    def change(entity: str, entity_id: str, field: str, value: object) -> Change:
        nonlocal seq
        seq += 1
        return new_change(seq, entity, entity_id, field, value, clock.tick())

    today = action_rules.viet_nam_today()
    iid, overdue_id, verified_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    q = next(q for q in template.questions() if q.id == question_id)
    fail = q.fail_answer if isinstance(q, YesNoQuestion) else "no"
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(days=20)).isoformat(timespec="seconds").replace("+00:00", "Z")
    changes = [
        change("inspection", iid, "site_id", site_id),
        change("inspection", iid, "template_id", template.template_id),
        change("inspection", iid, "template_version", template.version),
        change("inspection", iid, "status", "draft"),
        change("inspection", iid, "started_at", started),
        change("answer", answer_entity_id(iid, question_id), "value", fail),
    ]
    for aid, what in (
        (overdue_id, "Bố trí điểm rửa tay có xà phòng ở lối vào khu sản xuất"),
        (verified_id, "Dán bảng hướng dẫn phòng dịch ở nhà ăn ca"),
    ):
        changes += [
            change("action", aid, "inspection_id", iid),
            change("action", aid, "question_id", question_id),
            change("action", aid, "description", what),
            change("action", aid, "deadline", (today + dt.timedelta(days=7)).isoformat()),
            change("action", aid, "responsible_name", "Nguyễn Thị Lan"),
            change("action", aid, "responsible_phone", "0912 345 678"),
        ]
    changes += [
        change("action", verified_id, "fix_note", "Đã dán 3 bảng hướng dẫn ở nhà ăn và cổng"),
        change("action", verified_id, "fixed_on", today.isoformat()),
        change("action", verified_id, "status", "reported_fixed"),
    ]
    reply = sync_service.push(
        db,
        inspector_actor,
        PushRequest(protocol=PROTOCOL_VERSION, client_id="seed-demo", app_version="seed", changes=changes),
    )
    refused = [r for r in reply.results if r.status == "rejected"]
    if refused:
        return f"corrective actions: refused ({refused[0].reason}); skipped"
    corrective_actions.review(db, supervisor_actor, verified_id, "verify", "Đã kiểm tra lại tại cơ sở: đạt")
    corrective_actions.backdate(db, overdue_id, (today - dt.timedelta(days=5)).isoformat())
    return "corrective actions: 1 open and overdue, 1 verified"
