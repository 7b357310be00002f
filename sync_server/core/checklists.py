"""Checklist templates: an admin saves a draft (a new checklist or the next version of one),
the server validates it with ``shared_schema.template_rules``, and publishing makes the
version immutable and sends it to every device (entity ``template``, fields ``document`` and
``status``). Retiring keeps it readable for inspections that pinned it."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shared_schema.checklist import ChecklistTemplate
from shared_schema.codec import WireError, convert, decode_template
from shared_schema.errors import Code, FieldProblem
from shared_schema.protocol import MAX_INT, template_entity_id
from shared_schema.template_rules import TemplateProblem, validate_template
from shared_schema.text import LocalText
from sync_server.core import audit
from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database, Tx
from sync_server.core.errors import Conflict, Invalid, NotFound, bi, nul_path, nul_refused
from sync_server.core.feed import FeedWriter
from sync_server.core.util import from_json, now_iso, to_json
from sync_server.core.xlsform import XlsformIssue, write_xlsform


class TemplateSummary(msgspec.Struct, kw_only=True):
    template_id: str
    version: int
    status: str
    title: LocalText
    created_at: str
    published_at: str | None = None
    retired_at: str | None = None


class TemplateSaved(msgspec.Struct, kw_only=True):
    template: TemplateSummary
    problems: list[TemplateProblem]


class TemplateVersion(msgspec.Struct, kw_only=True):
    summary: TemplateSummary
    document: ChecklistTemplate


_TEMPLATE_SELECT = (
    "SELECT template_id, version, status, title_vi, title_en, created_at, published_at, retired_at FROM templates"
)


def _summary(r: Any) -> TemplateSummary:
    return TemplateSummary(
        template_id=r["template_id"],
        version=r["version"],
        status=r["status"],
        title=LocalText(r["title_vi"] or "", r["title_en"] or ""),
        created_at=r["created_at"],
        published_at=r["published_at"],
        retired_at=r["retired_at"],
    )


def check_no_nul(template: ChecklistTemplate) -> None:
    """Refuse (400 ``nul_character``, naming the field) a checklist holding a NUL character: a
    file (JSON ``\\u0000``, YAML ``\\0``) or a form's JSON text carries one past the HTTP
    layer's check, and PostgreSQL cannot take it, not even as a query's parameter."""
    nul_at = nul_path(msgspec.to_builtins(template))
    if nul_at is not None:
        raise nul_refused(nul_at)


def parse_template(text: str | bytes, fmt: str = "json") -> ChecklistTemplate:
    """Read a checklist version from JSON or YAML text; ``Invalid`` says where it is wrong
    (``BadRequest`` for a NUL character, ``check_no_nul``)."""
    try:
        if fmt == "yaml":
            import yaml  # the server's optional dependency; only the CLI and console read YAML

            template = convert(yaml.safe_load(text), ChecklistTemplate, "checklist")
        else:
            template = decode_template(text)
    except WireError as exc:
        raise Invalid(
            exc.message, code=Code.INVALID_CHECKLIST, errors=[FieldProblem(field=exc.path, message=exc.message)]
        ) from None
    except Exception as exc:  # YAML syntax errors
        raise Invalid(
            bi(f"Không đọc được tệp bảng kiểm: {exc}", f"The checklist file cannot be read: {exc}"),
            code=Code.INVALID_CHECKLIST,
        ) from None
    check_no_nul(template)
    return template


def _problems_error(problems: list[TemplateProblem]) -> Invalid:
    return Invalid(
        bi(
            f"Bảng kiểm có {len(problems)} lỗi; hãy sửa rồi thử lại.",
            f"The checklist has {len(problems)} problem(s); fix them and try again.",
        ),
        code=Code.INVALID_CHECKLIST,
        errors=[
            FieldProblem(field=p.path, message=p.message, code=p.question_id, messages=p.messages) for p in problems
        ],
    )


class ImportNotes(msgspec.Struct, kw_only=True):
    """What an admin accepted to leave out when a draft was imported from a file (XLSForm)."""

    source: str
    at: str
    username: str | None
    dropped: list[XlsformIssue]


def save_template(
    db: Database,
    actor: Actor,
    template: ChecklistTemplate,
    *,
    dropped: list[XlsformIssue] | None = None,
    source: str | None = None,
) -> TemplateSaved:
    """Save a draft: a new checklist or a new version of one. A published or retired
    ``(template_id, version)`` is immutable (409 naming the next free version).

    ``dropped`` lists what the file (``source``) had that the checklist cannot express and the
    admin accepted to leave out; the draft records it (:func:`import_notes`)."""
    require_admin(actor, "sửa bảng kiểm", "edit checklists")
    check_no_nul(template)
    nul_at = nul_path({"source": source, "dropped": msgspec.to_builtins(dropped or [])})
    if nul_at is not None:
        raise nul_refused(nul_at)
    problems = validate_template(template)
    document = to_json(template)
    with db.write() as tx:
        row = tx.one(
            "SELECT status FROM templates WHERE template_id = ? AND version = ?",
            (template.template_id, template.version),
        )
        if row is not None and row["status"] != "draft":
            nxt = (
                tx.scalar("SELECT MAX(version) FROM templates WHERE template_id = ?", (template.template_id,)) or 0
            ) + 1
            raise Conflict(
                bi(
                    f"Phiên bản {template.version} của '{template.template_id}' đã ban hành và không sửa được; "
                    f"hãy lưu thành phiên bản {nxt}.",
                    f"Version {template.version} of '{template.template_id}' is published and immutable; "
                    f"save it as version {nxt}.",
                ),
                code=Code.TEMPLATE_IMMUTABLE,
            )
        now = now_iso()
        if row is None:
            tx.execute(
                "INSERT INTO templates (template_id, version, status, document, title_vi, title_en, created_by,"
                " created_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?)",
                (
                    template.template_id,
                    template.version,
                    document,
                    template.title.vi,
                    template.title.en,
                    actor.username,
                    now,
                ),
            )
        else:
            tx.execute(
                "UPDATE templates SET document = ?, title_vi = ?, title_en = ? WHERE template_id = ? AND version = ?",
                (document, template.title.vi, template.title.en, template.template_id, template.version),
            )
        audit.record(
            tx,
            actor,
            "template.save",
            "template",
            template_entity_id(template.template_id, template.version),
            {"problems": len(problems)}
            if dropped is None and source is None
            else {"problems": len(problems), "source": source, "dropped": msgspec.to_builtins(dropped or [])},
        )
        summary = _summary(
            tx.one(
                _TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template.template_id, template.version)
            )
        )
    return TemplateSaved(template=summary, problems=problems)


def _storable_version(version: int) -> bool:
    """A version a database can hold (1 up to a 64-bit integer); others are simply not there."""
    return 0 < version <= MAX_INT


def _missing(template_id: str, version: int) -> NotFound:
    return NotFound(
        bi(
            f"Không có bảng kiểm '{template_id}' phiên bản {version}.",
            f"No checklist '{template_id}' version {version}.",
        ),
        code=Code.TEMPLATE_MISSING,
    )


def _get_row(tx: Tx, template_id: str, version: int) -> Any:
    row = None
    if _storable_version(version):
        row = tx.one(_TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template_id, version))
    if row is None:
        raise _missing(template_id, version)
    return row


def publish_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateSummary:
    require_admin(actor, "ban hành bảng kiểm", "publish checklists")
    with db.write() as tx:
        row = _get_row(tx, template_id, version)
        if row["status"] != "draft":
            raise Conflict(
                bi(
                    f"Phiên bản {version} đã ở trạng thái '{row['status']}'.",
                    f"Version {version} is already {row['status']}.",
                ),
                code=Code.TEMPLATE_NOT_DRAFT,
            )
        document = tx.scalar(
            "SELECT document FROM templates WHERE template_id = ? AND version = ?", (template_id, version)
        )
        problems = validate_template(decode_template(document))
        if problems:
            raise _problems_error(problems)
        now = now_iso()
        tx.execute(
            "UPDATE templates SET status = 'published', published_at = ? WHERE template_id = ? AND version = ?",
            (now, template_id, version),
        )
        return _announce(tx, actor, template_id, version, "published", "template.publish", document)


def retire_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateSummary:
    require_admin(actor, "ngừng dùng bảng kiểm", "retire checklists")
    with db.write() as tx:
        row = _get_row(tx, template_id, version)
        if row["status"] != "published":
            raise Conflict(
                bi("Chỉ ngừng dùng được phiên bản đang ban hành.", "Only a published version can be retired."),
                code=Code.TEMPLATE_NOT_PUBLISHED,
            )
        tx.execute(
            "UPDATE templates SET status = 'retired', retired_at = ? WHERE template_id = ? AND version = ?",
            (now_iso(), template_id, version),
        )
        return _announce(tx, actor, template_id, version, "retired", "template.retire")


def _announce(
    tx: Tx, actor: Actor, template_id: str, version: int, status: str, action: str, document: str | None = None
) -> TemplateSummary:
    """Tell the devices (through the feed) that the version is now ``status``, with its
    ``document`` when that is given; audit ``action``; the version's summary as it is now."""
    feed = FeedWriter(tx)
    eid = template_entity_id(template_id, version)
    if document is not None:
        feed.put_server(("template", eid, "document"), document, district=None, inspection_id=None)
    feed.put_server(("template", eid, "status"), to_json(status), district=None, inspection_id=None)
    feed.flush()
    audit.record(tx, actor, action, "template", eid)
    return _summary(_get_row(tx, template_id, version))


def list_templates(db: Database, actor: Actor) -> list[TemplateSummary]:
    """Admins see drafts too; everyone else the published and retired versions."""
    where = "" if actor.is_admin else " WHERE status IN ('published', 'retired')"
    with db.read() as tx:
        rows = tx.query(_TEMPLATE_SELECT + where + " ORDER BY template_id, version")
    return [_summary(r) for r in rows]


def get_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateVersion:
    if not _storable_version(version):
        raise _missing(template_id, version)
    with db.read() as tx:
        row = tx.one(_TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template_id, version))
        document = tx.scalar(
            "SELECT document FROM templates WHERE template_id = ? AND version = ?", (template_id, version)
        )
    if row is None or (row["status"] == "draft" and not actor.is_admin):
        raise _missing(template_id, version)
    return TemplateVersion(summary=_summary(row), document=decode_template(document))


def import_notes(db: Database, actor: Actor, template_id: str, version: int) -> ImportNotes | None:
    """The file the draft was last saved from and the rows it left out, if it came from one."""
    require_admin(actor, "xem bảng kiểm", "view checklists")
    with db.read() as tx:
        rows = tx.query(
            "SELECT at, username, detail FROM audit WHERE action = 'template.save' AND entity = 'template'"
            " AND entity_id = ? ORDER BY at DESC",
            (template_entity_id(template_id, version),),
        )
    for at, username, detail in rows:
        data = from_json(detail) if detail else {}
        if isinstance(data, dict) and "dropped" in data:
            return ImportNotes(
                source=data.get("source") or "",
                at=at,
                username=username,
                dropped=msgspec.convert(data["dropped"], list[XlsformIssue]),
            )
        return None  # saved since from JSON/YAML or the API: nothing was dropped
    return None


def template_xlsform(db: Database, actor: Actor, template_id: str, version: int) -> tuple[str, bytes]:
    """A checklist version as an XLSForm workbook: (file name, ``.xlsx`` bytes). Readable by
    whoever may read the version."""
    found = get_template(db, actor, template_id, version)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", template_id).strip("._") or "checklist"
    return f"{safe}-v{version}.xlsx", write_xlsform(found.document)
