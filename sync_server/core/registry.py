"""The registry: sites (with CSV import) and checklist templates.

Sites: admins create and edit them; every change is written to the feed (entity ``site``)
so devices of the site's district get it. Devices correct ``workers``, ``contact`` and
``location`` by push (``sync_service``).

Checklist templates: an admin saves a draft (a new template or the next version of one),
the server validates it with ``shared_schema.template_rules``, and publishing makes the
version immutable and sends it to every device (entity ``template``, fields ``document``
and ``status``). Retiring keeps it readable for inspections that pinned it.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import msgspec

from shared_schema.checklist import ChecklistTemplate
from shared_schema.codec import WireError, convert, decode_template
from shared_schema.errors import FieldProblem
from shared_schema.protocol import template_entity_id
from shared_schema.records import SITE_KINDS, Contact, Location, Site
from shared_schema.template_rules import TemplateProblem, validate_template
from shared_schema.text import LocalText
from shared_schema.validation import validate_site_field
from sync_server.core import audit
from sync_server.core.access import Actor, district_filter, require_admin, require_district
from sync_server.core.db import Database, Tx
from sync_server.core.errors import Conflict, Invalid, NotFound, bi
from sync_server.core.feed import FeedWriter
from sync_server.core.util import from_json, now_iso, to_json

SITE_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4f0e-9a51-2f7c1e0b9d11")
SITE_FIELDS = (
    "code",
    "name",
    "kind",
    "district",
    "address",
    "parent_id",
    "workers",
    "contact",
    "location",
    "notes",
    "active",
)

# --- sites -----------------------------------------------------------------------------------


class SiteInput(msgspec.Struct, kw_only=True):
    code: str
    name: str
    kind: str
    district: str
    address: str | None = None
    parent_id: str | None = None
    workers: int | None = None
    contact: Contact | None = None
    location: Location | None = None
    notes: str | None = None
    active: bool = True
    id: str | None = None


class SitePatch(msgspec.Struct, kw_only=True, omit_defaults=True):
    code: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    kind: str | msgspec.UnsetType = msgspec.UNSET
    district: str | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType | None = msgspec.UNSET
    parent_id: str | msgspec.UnsetType | None = msgspec.UNSET
    workers: int | msgspec.UnsetType | None = msgspec.UNSET
    contact: Contact | msgspec.UnsetType | None = msgspec.UNSET
    location: Location | msgspec.UnsetType | None = msgspec.UNSET
    notes: str | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class SitePage(msgspec.Struct, kw_only=True):
    items: list[Site]
    total: int
    limit: int
    offset: int


class ImportReport(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    rows: int


_SITE_SELECT = (
    "SELECT id, code, name, kind, district, address, parent_id, workers, contact, location, notes, active FROM sites"
)


def _site_from_row(r: Any) -> Site:
    return Site(
        id=r[0],
        code=r[1],
        name=r[2],
        kind=r[3],
        district=r[4],
        address=r[5],
        parent_id=r[6],
        workers=r[7],
        contact=msgspec.convert(from_json(r[8]), Contact) if r[8] else None,
        location=msgspec.convert(from_json(r[9]), Location) if r[9] else None,
        notes=r[10],
        active=bool(r[11]),
    )


def site_problems(site: Site) -> list[tuple[str, str]]:
    """(field, message) for every problem of a site record."""
    out: list[tuple[str, str]] = []
    if not site.code.strip() or len(site.code) > 50:
        out.append(("code", bi("Mã cơ sở cần 1–50 ký tự.", "The site code needs 1–50 characters.")))
    if not site.name.strip() or len(site.name) > 300:
        out.append(("name", bi("Tên cơ sở cần 1–300 ký tự.", "The site name needs 1–300 characters.")))
    if site.kind not in SITE_KINDS:
        out.append(
            (
                "kind",
                bi(
                    f"Loại cơ sở '{site.kind}' không có; dùng một trong: {', '.join(SITE_KINDS)}.",
                    f"Site kind '{site.kind}' is unknown; use one of: {', '.join(SITE_KINDS)}.",
                ),
            )
        )
    if not site.district.strip() or len(site.district) > 100:
        out.append(("district", bi("Cần ghi huyện/thành phố (district).", "The district is required.")))
    for name in ("workers", "contact", "location"):
        value = getattr(site, name)
        bad = validate_site_field(name, msgspec.to_builtins(value) if value is not None else None)
        if bad is not None:
            out.append((name, str(bad)))
    return out


def _raise_site_problems(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise Invalid(
            bi("Thông tin cơ sở chưa hợp lệ: ", "The site is invalid: ") + "; ".join(m for _, m in problems),
            code="invalid_site",
            errors=[FieldProblem(field=f, message=m, code="invalid") for f, m in problems],
        )


def site_id_for_code(code: str) -> str:
    return str(uuid.uuid5(SITE_NAMESPACE, code.strip()))


def _site_value(site: Site, name: str) -> Any:
    value = getattr(site, name)
    return msgspec.to_builtins(value) if isinstance(value, msgspec.Struct) else value


def _write_site(tx: Tx, feed: FeedWriter, site: Site, old: Site | None) -> list[str]:
    """Store ``site`` and put its changed fields (all of them when the district moved) in the feed."""
    contact = to_json(site.contact) if site.contact is not None else None
    location = to_json(site.location) if site.location is not None else None
    if old is None:
        tx.execute(
            "INSERT INTO sites (id, code, name, kind, district, address, parent_id, workers, contact, location, notes,"
            " active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                site.id,
                site.code,
                site.name,
                site.kind,
                site.district,
                site.address,
                site.parent_id,
                site.workers,
                contact,
                location,
                site.notes,
                1 if site.active else 0,
                now_iso(),
            ),
        )
    else:
        tx.execute(
            "UPDATE sites SET code = ?, name = ?, kind = ?, district = ?, address = ?, parent_id = ?, workers = ?,"
            " contact = ?, location = ?, notes = ?, active = ?, updated_at = ? WHERE id = ?",
            (
                site.code,
                site.name,
                site.kind,
                site.district,
                site.address,
                site.parent_id,
                site.workers,
                contact,
                location,
                site.notes,
                1 if site.active else 0,
                now_iso(),
                site.id,
            ),
        )
    moved = old is None or old.district != site.district
    changed = [f for f in SITE_FIELDS if moved or _site_value(site, f) != _site_value(old, f)]  # type: ignore[arg-type]
    for name in changed:
        feed.put_server(
            ("site", site.id, name), to_json(_site_value(site, name)), district=site.district, inspection_id=None
        )
    return changed


def _check_parent(tx: Tx, site: Site) -> None:
    if site.parent_id is not None and tx.one("SELECT 1 FROM sites WHERE id = ?", (site.parent_id,)) is None:
        _raise_site_problems(
            [("parent_id", bi("Cơ sở cha không có trong danh mục.", "The parent site is not in the registry."))]
        )


def create_site(db: Database, actor: Actor, data: SiteInput) -> Site:
    require_admin(actor, "thêm cơ sở", "add sites")
    site = Site(id=data.id or site_id_for_code(data.code), **{f: getattr(data, f) for f in SITE_FIELDS})
    _raise_site_problems(site_problems(site))
    with db.write() as tx:
        if tx.one("SELECT 1 FROM sites WHERE id = ? OR code = ?", (site.id, site.code)) is not None:
            raise Conflict(
                bi(f"Đã có cơ sở mã '{site.code}'.", f"A site with code '{site.code}' already exists."),
                code="site_exists",
            )
        _check_parent(tx, site)
        feed = FeedWriter(tx)
        _write_site(tx, feed, site, None)
        feed.flush()
        audit.record(tx, actor, "site.create", "site", site.id, {"code": site.code})
    return site


def update_site(db: Database, actor: Actor, site_id: str, patch: SitePatch) -> Site:
    require_admin(actor, "sửa danh mục cơ sở", "edit the site registry")
    with db.write() as tx:
        row = tx.one(_SITE_SELECT + " WHERE id = ?", (site_id,))
        if row is None:
            raise NotFound(bi("Không có cơ sở này.", "No such site."), code="site_missing")
        old = _site_from_row(row)
        changes = {f: getattr(patch, f) for f in SITE_FIELDS if getattr(patch, f) is not msgspec.UNSET}
        site = msgspec.structs.replace(old, **changes)
        _raise_site_problems(site_problems(site))
        if site.code != old.code and tx.one("SELECT 1 FROM sites WHERE code = ? AND id <> ?", (site.code, site.id)):
            raise Conflict(
                bi(f"Đã có cơ sở mã '{site.code}'.", f"A site with code '{site.code}' already exists."),
                code="site_exists",
            )
        _check_parent(tx, site)
        feed = FeedWriter(tx)
        changed = _write_site(tx, feed, site, old)
        feed.flush()
        audit.record(tx, actor, "site.update", "site", site.id, {"fields": changed})
    return site


def get_site(db: Database, actor: Actor, site_id: str) -> Site:
    with db.read() as tx:
        row = tx.one(_SITE_SELECT + " WHERE id = ?", (site_id,))
    site = _site_from_row(row) if row is not None else None
    require_district(actor, site.district if site else None, "cơ sở", "site")
    assert site is not None
    return site


def list_sites(
    db: Database,
    actor: Actor,
    *,
    q: str | None = None,
    district: str | None = None,
    kind: str | None = None,
    active: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> SitePage:
    cond, params = district_filter(actor, "district")
    sql = " WHERE 1 = 1" + cond
    if q:
        sql += " AND (LOWER(name) LIKE ? OR LOWER(code) LIKE ? OR LOWER(COALESCE(address, '')) LIKE ?)"
        like = f"%{q.lower()}%"
        params += [like, like, like]
    if district:
        sql += " AND district = ?"
        params.append(district)
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    if active is not None:
        sql += " AND active = ?"
        params.append(1 if active else 0)
    limit = min(max(limit, 1), 1000)
    offset = max(offset, 0)
    with db.read() as tx:
        total = tx.scalar("SELECT COUNT(*) FROM sites" + sql, params)
        rows = tx.query(
            _SITE_SELECT + sql + " ORDER BY district, name, code LIMIT ? OFFSET ?", [*params, limit, offset]
        )
    return SitePage(items=[_site_from_row(r) for r in rows], total=total, limit=limit, offset=offset)


# --- CSV import ------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "code",
    "name",
    "kind",
    "district",
    "address",
    "parent_id",
    "workers",
    "contact_name",
    "contact_phone",
    "lat",
    "lon",
    "notes",
    "contact_email",
    "parent_code",
    "active",
)
CSV_REQUIRED = ("code", "name", "kind", "district")
CSV_HELP = (
    "CSV, UTF-8, comma separated, first row the header (docs/CHECKLISTS.md, 'Site registry CSV'). Columns: "
    + ", ".join(CSV_COLUMNS)
    + f". Required: {', '.join(CSV_REQUIRED)}. kind is one of {', '.join(SITE_KINDS)}. id is the site's stable UUID"
    " (derived from code when blank); a row whose id (or code) exists updates that site. parent_id names another"
    " site's id, parent_code its code (in the file or the registry). lat and lon go together. An empty cell means"
    " unknown. active is 1/0 (default 1)."
)

ParentRef = tuple[str, str] | None  # ("id" | "code", value)


def _blank(v: str | None) -> str | None:
    v = (v or "").strip()
    return v or None


def _parse_row(row: dict[str, str], line: int, problems: list[FieldProblem]) -> tuple[Site, ParentRef] | None:
    def bad(column: str, vi: str, en: str) -> None:
        problems.append(
            FieldProblem(
                row=line,
                field=column,
                message=bi(f"Dòng {line}, cột {column}: {vi}", f"Row {line}, column {column}: {en}"),
            )
        )

    before = len(problems)
    for col in CSV_REQUIRED:
        if not _blank(row.get(col)):
            bad(col, "không được để trống.", "must not be empty.")
    workers = None
    if _blank(row.get("workers")):
        try:
            workers = int(row["workers"].strip().replace(".", "").replace(",", ""))
        except ValueError:
            bad("workers", "phải là số nguyên.", "must be a whole number.")
    location = None
    lat, lon = _blank(row.get("lat")), _blank(row.get("lon"))
    if lat or lon:
        try:
            location = Location(lat=float(lat or ""), lon=float(lon or ""))
        except ValueError:
            bad("lat/lon", "cần cả vĩ độ và kinh độ dạng số.", "need both latitude and longitude as numbers.")
    contact = None
    if any(_blank(row.get(c)) for c in ("contact_name", "contact_phone", "contact_email")):
        contact = Contact(
            name=_blank(row.get("contact_name")),
            phone=_blank(row.get("contact_phone")),
            email=_blank(row.get("contact_email")),
        )
    active_raw = (_blank(row.get("active")) or "1").lower()
    if active_raw not in ("1", "0", "true", "false", "yes", "no", "có", "không"):
        bad("active", "chỉ nhận 1 hoặc 0.", "accepts only 1 or 0.")
    if len(problems) > before:
        return None
    code = row["code"].strip()
    site = Site(
        id=_blank(row.get("id")) or "",
        code=code,
        name=row["name"].strip(),
        kind=row["kind"].strip(),
        district=row["district"].strip(),
        address=_blank(row.get("address")),
        workers=workers,
        contact=contact,
        location=location,
        notes=_blank(row.get("notes")),
        active=active_raw in ("1", "true", "yes", "có"),
    )
    for column, message in site_problems(site):
        problems.append(FieldProblem(row=line, field=column, message=bi(f"Dòng {line}: ", f"Row {line}: ") + message))
    if len(problems) > before:
        return None
    parent: ParentRef = None
    if _blank(row.get("parent_id")):
        parent = ("id", row["parent_id"].strip())
    elif _blank(row.get("parent_code")):
        parent = ("code", row["parent_code"].strip())
    return site, parent


def import_sites_csv(db: Database, actor: Actor, text: str) -> ImportReport:
    """Import (create, or update by id or code) every row, or nothing: on any bad row raises
    ``Invalid`` listing every problem with its row number (the header is row 1)."""
    require_admin(actor, "nhập danh mục cơ sở", "import sites")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise Invalid(
            bi(f"Tệp CSV thiếu cột: {', '.join(missing)}. ", f"The CSV lacks the columns: {', '.join(missing)}. ")
            + CSV_HELP,
            code="csv_columns",
            errors=[FieldProblem(row=1, field=c, message=f"missing column {c}") for c in missing],
        )
    problems: list[FieldProblem] = []
    parsed: list[tuple[int, Site, ParentRef]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        result = _parse_row(row, line, problems)
        if result is None:
            continue
        site, parent = result
        for key in (f"code:{site.code}", f"id:{site.id}" if site.id else ""):
            if key and key in seen:
                problems.append(
                    FieldProblem(
                        row=line,
                        field=key.partition(":")[0],
                        message=bi(
                            f"Dòng {line}: '{key.partition(':')[2]}' trùng dòng {seen[key]}.",
                            f"Row {line}: '{key.partition(':')[2]}' repeats row {seen[key]}.",
                        ),
                    )
                )
            elif key:
                seen[key] = line
        parsed.append((line, site, parent))
    with db.write() as tx:
        by_code = {r[0]: r[1] for r in tx.query("SELECT code, id FROM sites")}
        known_ids = set(by_code.values())
        file_ids: dict[str, str] = {}
        for line, site, _ in parsed:
            site_id = site.id or by_code.get(site.code) or site_id_for_code(site.code)
            owner = by_code.get(site.code)
            if owner is not None and owner != site_id:
                problems.append(
                    FieldProblem(
                        row=line,
                        field="code",
                        message=bi(
                            f"Dòng {line}: mã '{site.code}' đã thuộc một cơ sở khác (id {owner}).",
                            f"Row {line}: code '{site.code}' already belongs to another site (id {owner}).",
                        ),
                    )
                )
            file_ids[site.code] = site_id
        all_ids = known_ids | set(file_ids.values())
        resolved: list[tuple[Site, Site | None]] = []
        for line, site, parent in parsed:
            site = msgspec.structs.replace(site, id=file_ids[site.code])
            if parent is not None:
                kind, value = parent
                parent_id = (
                    (value if value in all_ids else None)
                    if kind == "id"
                    else (file_ids.get(value) or by_code.get(value))
                )
                if parent_id is None or parent_id == site.id:
                    problems.append(
                        FieldProblem(
                            row=line,
                            field=f"parent_{kind}",
                            message=bi(
                                f"Dòng {line}: không có cơ sở cha '{value}' trong tệp hay danh mục.",
                                f"Row {line}: no parent site '{value}' in the file or the registry.",
                            ),
                        )
                    )
                    continue
                site = msgspec.structs.replace(site, parent_id=parent_id)
            old_row = tx.one(_SITE_SELECT + " WHERE id = ?", (site.id,))
            resolved.append((site, _site_from_row(old_row) if old_row else None))
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise Invalid(
                bi(
                    f"Không nhập gì cả: {len(problems)} lỗi. Hãy sửa các dòng được nêu rồi nhập lại.",
                    f"Nothing was imported: {len(problems)} problem(s). Fix the rows listed and import again.",
                ),
                code="csv_invalid",
                errors=problems,
            )
        feed = FeedWriter(tx)
        # Parents first, so that parent_id always names a stored site.
        resolved.sort(key=lambda pair: pair[0].parent_id is not None)
        for site, old in resolved:
            _write_site(tx, feed, site, old)
        feed.flush()
        created = sum(1 for _, old in resolved if old is None)
        report = ImportReport(created=created, updated=len(resolved) - created, rows=len(resolved))
        audit.record(tx, actor, "site.import", "site", None, msgspec.to_builtins(report))
    return report


# --- checklist templates -------------------------------------------------------------------


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
        template_id=r[0],
        version=r[1],
        status=r[2],
        title=LocalText(r[3] or "", r[4] or ""),
        created_at=r[5],
        published_at=r[6],
        retired_at=r[7],
    )


def parse_template(text: str | bytes, fmt: str = "json") -> ChecklistTemplate:
    """Read a checklist version from JSON or YAML text; ``Invalid`` says where it is wrong."""
    try:
        if fmt == "yaml":
            import yaml  # the server's optional dependency; only the CLI and console read YAML

            return convert(yaml.safe_load(text), ChecklistTemplate, "checklist")
        return decode_template(text)
    except WireError as exc:
        raise Invalid(
            exc.message, code="invalid_checklist", errors=[FieldProblem(field=exc.path, message=exc.message)]
        ) from None
    except Exception as exc:  # YAML syntax errors
        raise Invalid(
            bi(f"Không đọc được tệp bảng kiểm: {exc}", f"The checklist file cannot be read: {exc}"),
            code="invalid_checklist",
        ) from None


def _problems_error(problems: list[TemplateProblem]) -> Invalid:
    return Invalid(
        bi(
            f"Bảng kiểm có {len(problems)} lỗi; hãy sửa rồi thử lại.",
            f"The checklist has {len(problems)} problem(s); fix them and try again.",
        ),
        code="invalid_checklist",
        errors=[FieldProblem(field=p.path, message=p.message, code=p.question_id) for p in problems],
    )


def save_template(db: Database, actor: Actor, template: ChecklistTemplate) -> TemplateSaved:
    """Save a draft: a new checklist or a new version of one. A published or retired
    ``(template_id, version)`` is immutable (409 naming the next free version)."""
    require_admin(actor, "sửa bảng kiểm", "edit checklists")
    problems = validate_template(template)
    document = to_json(template)
    with db.write() as tx:
        row = tx.one(
            "SELECT status FROM templates WHERE template_id = ? AND version = ?",
            (template.template_id, template.version),
        )
        if row is not None and row[0] != "draft":
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
                code="template_immutable",
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
            {"problems": len(problems)},
        )
        summary = _summary(
            tx.one(
                _TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template.template_id, template.version)
            )
        )
    return TemplateSaved(template=summary, problems=problems)


def _get_row(tx: Tx, template_id: str, version: int) -> Any:
    row = tx.one(_TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template_id, version))
    if row is None:
        raise NotFound(
            bi(
                f"Không có bảng kiểm '{template_id}' phiên bản {version}.",
                f"No checklist '{template_id}' version {version}.",
            ),
            code="template_missing",
        )
    return row


def publish_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateSummary:
    require_admin(actor, "ban hành bảng kiểm", "publish checklists")
    with db.write() as tx:
        row = _get_row(tx, template_id, version)
        if row[2] != "draft":
            raise Conflict(
                bi(f"Phiên bản {version} đã ở trạng thái '{row[2]}'.", f"Version {version} is already {row[2]}."),
                code="template_not_draft",
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
        feed = FeedWriter(tx)
        eid = template_entity_id(template_id, version)
        feed.put_server(("template", eid, "document"), document, district=None, inspection_id=None)
        feed.put_server(("template", eid, "status"), to_json("published"), district=None, inspection_id=None)
        feed.flush()
        audit.record(tx, actor, "template.publish", "template", eid)
        return _summary(_get_row(tx, template_id, version))


def retire_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateSummary:
    require_admin(actor, "ngừng dùng bảng kiểm", "retire checklists")
    with db.write() as tx:
        row = _get_row(tx, template_id, version)
        if row[2] != "published":
            raise Conflict(
                bi("Chỉ ngừng dùng được phiên bản đang ban hành.", "Only a published version can be retired."),
                code="template_not_published",
            )
        tx.execute(
            "UPDATE templates SET status = 'retired', retired_at = ? WHERE template_id = ? AND version = ?",
            (now_iso(), template_id, version),
        )
        feed = FeedWriter(tx)
        eid = template_entity_id(template_id, version)
        feed.put_server(("template", eid, "status"), to_json("retired"), district=None, inspection_id=None)
        feed.flush()
        audit.record(tx, actor, "template.retire", "template", eid)
        return _summary(_get_row(tx, template_id, version))


def list_templates(db: Database, actor: Actor) -> list[TemplateSummary]:
    """Admins see drafts too; everyone else the published and retired versions."""
    where = "" if actor.is_admin else " WHERE status IN ('published', 'retired')"
    with db.read() as tx:
        rows = tx.query(_TEMPLATE_SELECT + where + " ORDER BY template_id, version")
    return [_summary(r) for r in rows]


def get_template(db: Database, actor: Actor, template_id: str, version: int) -> TemplateVersion:
    with db.read() as tx:
        row = tx.one(_TEMPLATE_SELECT + " WHERE template_id = ? AND version = ?", (template_id, version))
        document = tx.scalar(
            "SELECT document FROM templates WHERE template_id = ? AND version = ?", (template_id, version)
        )
    if row is None or (row[2] == "draft" and not actor.is_admin):
        raise NotFound(
            bi(
                f"Không có bảng kiểm '{template_id}' phiên bản {version}.",
                f"No checklist '{template_id}' version {version}.",
            ),
            code="template_missing",
        )
    return TemplateVersion(summary=_summary(row), document=decode_template(document))
