"""Importing the site registry from CSV: every row or nothing, every bad row named."""

from __future__ import annotations

import csv
import io

import msgspec

from shared_schema.errors import Code, FieldProblem
from shared_schema.records import SITE_KINDS, Contact, Location, Site
from sync_server.core import audit
from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database
from sync_server.core.errors import Invalid, bi, problem
from sync_server.core.feed import FeedWriter
from sync_server.core.sites import SITE_SELECT, site_from_row, site_id_for_code, site_problems, write_site
from sync_server.core.units import unit_problems, unknown_unit_message


class ImportReport(msgspec.Struct, kw_only=True):
    created: int
    updated: int
    rows: int
    unchanged: int = 0


# The columns of the registry file the demo ships (sync_server/content/sites_thai_nguyen.csv).
BASE_COLUMNS = (
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
)
# Every column the import reads: the base ones plus optional extras.
CSV_COLUMNS = (
    *BASE_COLUMNS,
    "contact_email",
    "parent_code",
    "active",
)
CSV_REQUIRED = ("code", "name", "kind", "district")
# Where an operator reads more (the CLI and the API say it; the console, for people, does not).
CSV_DOC = " (docs/CHECKLISTS.md, 'Site registry CSV')"
CSV_HELP = (
    f"CSV, UTF-8, comma separated, first row the header{CSV_DOC}. Columns: "
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
            problem(column, f"Dòng {line}, cột {column}: {vi}", f"Row {line}, column {column}: {en}", row=line)
        )

    before = len(problems)
    for column, value in row.items():  # PostgreSQL cannot store NUL, and no person types it
        if isinstance(column, str) and isinstance(value, str) and "\x00" in value:
            bad(
                column,
                "có ký tự NUL (mã 0), không lưu được; hãy xóa ký tự đó.",
                "holds a NUL character (code 0), which cannot be stored; remove it.",
            )
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
            # the help is in English only: it names columns (docs/CHECKLISTS.md)
            bi(
                f"Tệp CSV thiếu cột: {', '.join(missing)}. ",
                f"The CSV lacks the columns: {', '.join(missing)}. " + CSV_HELP,
            ),
            code=Code.CSV_COLUMNS,
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
                    problem(
                        key.partition(":")[0],
                        f"Dòng {line}: '{key.partition(':')[2]}' trùng dòng {seen[key]}.",
                        f"Row {line}: '{key.partition(':')[2]}' repeats row {seen[key]}.",
                        row=line,
                    )
                )
            elif key:
                seen[key] = line
        parsed.append((line, site, parent))
    with db.write() as tx:
        by_code = {r["code"]: r["id"] for r in tx.query("SELECT code, id FROM sites")}
        known_ids = set(by_code.values())
        file_ids: dict[str, str] = {}
        for line, site, _ in parsed:
            site_id = site.id or by_code.get(site.code) or site_id_for_code(site.code)
            owner = by_code.get(site.code)
            if owner is not None and owner != site_id:
                problems.append(
                    problem(
                        "code",
                        f"Dòng {line}: mã '{site.code}' đã thuộc một cơ sở khác (id {owner}).",
                        f"Row {line}: code '{site.code}' already belongs to another site (id {owner}).",
                        row=line,
                    )
                )
            file_ids[site.code] = site_id
        all_ids = known_ids | set(file_ids.values())
        resolved: list[tuple[Site, Site | None]] = []
        suggestions: dict[str, list[str]] = {}
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
                        problem(
                            f"parent_{kind}",
                            f"Dòng {line}: không có cơ sở cha '{value}' trong tệp hay danh mục.",
                            f"Row {line}: no parent site '{value}' in the file or the registry.",
                            row=line,
                        )
                    )
                    continue
                site = msgspec.structs.replace(site, parent_id=parent_id)
            old_row = tx.one(SITE_SELECT + " WHERE id = ?", (site.id,))
            old_site = site_from_row(old_row) if old_row else None
            if old_site is None or old_site.district != site.district:
                for name, close in unit_problems(tx, [site.district]):
                    problems.append(
                        FieldProblem(
                            row=line,
                            field="district",
                            message=bi(f"Dòng {line}: ", f"Row {line}: ") + unknown_unit_message(name, close),
                            code=Code.UNKNOWN_UNIT,
                        )
                    )
                    suggestions[name] = close
            resolved.append((site, old_site))
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise Invalid(
                bi(
                    f"Không nhập gì cả: {len(problems)} lỗi. Hãy sửa các dòng được nêu rồi nhập lại.",
                    f"Nothing was imported: {len(problems)} problem(s). Fix the rows listed and import again.",
                ),
                code=Code.CSV_INVALID,
                errors=problems,
                suggestions=suggestions or None,
            )
        feed = FeedWriter(tx)
        # Parents first, so that parent_id always names a stored site.
        resolved.sort(key=lambda pair: pair[0].parent_id is not None)
        created = updated = 0
        for site, old in resolved:
            changed = write_site(tx, feed, site, old, source="import", by=actor.username)
            created += old is None
            updated += old is not None and bool(changed)
        feed.flush()
        report = ImportReport(
            created=created, updated=updated, unchanged=len(resolved) - created - updated, rows=len(resolved)
        )
        audit.record(tx, actor, "site.import", "site", None, msgspec.to_builtins(report))
    return report
