"""Sites of the registry: admins create and edit them; every change is written to the feed
(entity ``site``) so that the devices of the site's district get it. Devices correct
``workers``, ``contact`` and ``location`` by push (``sync_service``)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from shared_schema import protocol, records
from shared_schema.errors import Code, FieldProblem
from shared_schema.records import SITE_KINDS, Contact, Location, Site
from shared_schema.text import BiText, join_bitexts
from shared_schema.validation import validate_site_field
from sync_server.core import audit, paging
from sync_server.core.access import Actor, district_filter, require_admin, require_district
from sync_server.core.db import Database, Tx, equal_filters, select_list
from sync_server.core.errors import Conflict, Invalid, NotFound, bi
from sync_server.core.feed import FeedWriter
from sync_server.core.units import move_actions, move_assignments, move_inspections, require_units
from sync_server.core.util import from_json, now_iso, to_json

SITE_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4f0e-9a51-2f7c1e0b9d11")
SITE_FIELDS = records.SITE_FIELDS


class SiteInput(Site, kw_only=True):
    """A new site: a ``Site`` whose id the server may make (``None``)."""

    id: str | None = None  # type: ignore[assignment]


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
    next_cursor: str | None = None  # the page after this one (paging.py); None on the last page
    prev_cursor: str | None = None


SITE_KEYSET = paging.Keyset(("district", "name", "code"), descending=False)  # code is unique
SITE_COLUMNS = select_list(Site)  # the columns of a site row, named as ``Site``'s fields
SITE_SELECT = f"SELECT {SITE_COLUMNS} FROM sites"


def site_from_row(r: Any, prefix: str = "") -> Site:
    """A ``Site`` from a row holding ``SITE_COLUMNS``, each named ``{prefix}{field}``."""
    contact, location = r[prefix + "contact"], r[prefix + "location"]
    return Site(
        id=r[prefix + "id"],
        code=r[prefix + "code"],
        name=r[prefix + "name"],
        kind=r[prefix + "kind"],
        district=r[prefix + "district"],
        address=r[prefix + "address"],
        parent_id=r[prefix + "parent_id"],
        workers=r[prefix + "workers"],
        contact=msgspec.convert(from_json(contact), Contact) if contact else None,
        location=msgspec.convert(from_json(location), Location) if location else None,
        notes=r[prefix + "notes"],
        active=bool(r[prefix + "active"]),
    )


def site_problems(site: Site) -> list[tuple[str, BiText]]:
    """(field, message) for every problem of a site record."""
    out: list[tuple[str, BiText]] = []
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
    for name in (f for f in SITE_FIELDS if f in protocol.SITE_DEVICE_FIELDS):
        value = getattr(site, name)
        bad = validate_site_field(name, msgspec.to_builtins(value) if value is not None else None)
        if bad is not None:
            out.append((name, BiText.of(bad.message)))
    return out


def _raise_site_problems(problems: list[tuple[str, BiText]]) -> None:
    if problems:
        raise Invalid(
            bi("Thông tin cơ sở chưa hợp lệ: ", "The site is invalid: ") + join_bitexts("; ", [m for _, m in problems]),
            code=Code.INVALID_SITE,
            errors=[FieldProblem(field=f, message=m, code=Code.INVALID) for f, m in problems],
        )


def site_id_for_code(code: str) -> str:
    return str(uuid.uuid5(SITE_NAMESPACE, code.strip()))


def _site_value(site: Site, name: str) -> Any:
    value = getattr(site, name)
    return msgspec.to_builtins(value) if isinstance(value, msgspec.Struct) else value


class LocationSource(msgspec.Struct, kw_only=True, omit_defaults=True):
    """Where a site's registry coordinates came from (``sites.location_source``)."""

    source: str  # "import" (CSV), "admin" (console/API edit) or "device" (a correction pushed)
    by: str | None = None  # user name
    at: str  # server time of the change
    client_id: str | None = None  # the device, for "device"


def location_source(source: str, by: str | None, client_id: str | None = None) -> str:
    return to_json(LocationSource(source=source, by=by, at=now_iso(), client_id=client_id))


def get_location_source(db: Database, site_id: str) -> LocationSource | None:
    with db.read() as tx:
        raw = tx.scalar("SELECT location_source FROM sites WHERE id = ?", (site_id,))
    return msgspec.convert(from_json(raw), LocationSource) if raw else None


def write_site(
    tx: Tx, feed: FeedWriter, site: Site, old: Site | None, *, source: str = "admin", by: str | None = None
) -> list[str]:
    """Store ``site`` and put its changed fields (all of them when the district moved) in the
    feed; returns the names of the changed fields (nothing is written when none changed).
    A changed location remembers its ``source`` and who (``by``) set it. When the district
    changed, the site's inspections, corrective actions and plan assignments move with it
    (``units.move_inspections``, ``move_actions``, ``move_assignments``)."""
    moved = old is None or old.district != site.district
    changed = [f for f in SITE_FIELDS if moved or _site_value(site, f) != _site_value(old, f)]  # type: ignore[arg-type]
    if not changed:
        return []
    contact = to_json(site.contact) if site.contact is not None else None
    location = to_json(site.location) if site.location is not None else None
    # The stored columns, in the order both statements below name them.
    columns = (
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
    )
    if old is None:
        tx.execute(
            "INSERT INTO sites (code, name, kind, district, address, parent_id, workers, contact, location, notes,"
            " active, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*columns, site.id),
        )
    else:
        tx.execute(
            "UPDATE sites SET code = ?, name = ?, kind = ?, district = ?, address = ?, parent_id = ?, workers = ?,"
            " contact = ?, location = ?, notes = ?, active = ?, updated_at = ? WHERE id = ?",
            (*columns, site.id),
        )
    for name in changed:
        feed.put_server(
            ("site", site.id, name), to_json(_site_value(site, name)), district=site.district, inspection_id=None
        )
    if "location" in changed and (old is None or old.location != site.location):
        source_json = location_source(source, by) if site.location is not None else None
        tx.execute("UPDATE sites SET location_source = ? WHERE id = ?", (source_json, site.id))
    if old is not None and old.district != site.district:
        # The site's inspections follow it: the new district's people see and sync them.
        move_inspections(tx, feed, "site_id = ?", (site.id,), site.district)
        move_actions(tx, feed, "site_id = ?", (site.id,), site.district)
        move_assignments(tx, feed, "site_id = ?", (site.id,), site.district)
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
                code=Code.SITE_EXISTS,
            )
        require_units(tx, [site.district])
        _check_parent(tx, site)
        feed = FeedWriter(tx)
        write_site(tx, feed, site, None, by=actor.username)
        feed.flush()
        audit.record(tx, actor, "site.create", "site", site.id, {"code": site.code})
    return site


def update_site(db: Database, actor: Actor, site_id: str, patch: SitePatch) -> Site:
    require_admin(actor, "sửa danh mục cơ sở", "edit the site registry")
    with db.write() as tx:
        row = tx.one(SITE_SELECT + " WHERE id = ?", (site_id,))
        if row is None:
            raise NotFound(bi("Không có cơ sở này.", "No such site."), code=Code.SITE_MISSING)
        old = site_from_row(row)
        changes = {f: getattr(patch, f) for f in SITE_FIELDS if getattr(patch, f) is not msgspec.UNSET}
        site = msgspec.structs.replace(old, **changes)
        _raise_site_problems(site_problems(site))
        if site.code != old.code and tx.one("SELECT 1 FROM sites WHERE code = ? AND id <> ?", (site.code, site.id)):
            raise Conflict(
                bi(f"Đã có cơ sở mã '{site.code}'.", f"A site with code '{site.code}' already exists."),
                code=Code.SITE_EXISTS,
            )
        if site.district != old.district:
            require_units(tx, [site.district])
        _check_parent(tx, site)
        feed = FeedWriter(tx)
        changed = write_site(tx, feed, site, old, by=actor.username)
        feed.flush()
        audit.record(tx, actor, "site.update", "site", site.id, {"fields": changed})
    return site


def get_site(db: Database, actor: Actor, site_id: str) -> Site:
    with db.read() as tx:
        row = tx.one(SITE_SELECT + " WHERE id = ?", (site_id,))
    site = site_from_row(row) if row is not None else None
    require_district(actor, site.district if site else None, "cơ sở", "site", found=site is not None)
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
    cursor: str | None = None,
) -> SitePage:
    """Sites in scope by district, name and code; ``cursor`` pages by keyset (``paging``),
    ``offset`` is kept for old clients. The count is of sites, which do not grow with history."""
    cond, scope_params = district_filter(actor, "district")
    params: list[Any] = list(scope_params)
    sql = " WHERE 1 = 1" + cond
    if q:
        sql += " AND (LOWER(name) LIKE ? OR LOWER(code) LIKE ? OR LOWER(COALESCE(address, '')) LIKE ?)"
        like = f"%{q.lower()}%"
        params += [like, like, like]
    filters, filter_params = equal_filters(
        ("district", district), ("kind", kind), ("active", None if active is None else 1 if active else 0)
    )
    sql += filters
    params += filter_params
    args = paging.page_args(limit, offset, cursor, 1000)
    finger = paging.fingerprint("sites", params)
    page_sql, page_params, before = sql, list(params), False
    if args.cursor is not None:
        before, key = paging.decode_cursor(args.cursor, finger, len(SITE_KEYSET.columns))
        page_sql += SITE_KEYSET.where(before)
        page_params += key
    tail = " LIMIT ?" if args.cursor else " LIMIT ? OFFSET ?"
    tail_params = [args.limit + 1] if args.cursor else [args.limit + 1, args.offset]
    with db.read() as tx:
        total = tx.scalar("SELECT COUNT(*) FROM sites" + sql, params)
        rows = tx.query(SITE_SELECT + page_sql + SITE_KEYSET.order_by(before) + tail, [*page_params, *tail_params])
    win = paging.window(
        rows, args, before, finger, lambda r: (r["district"], r["name"], r["code"]), args.cursor is not None
    )
    return SitePage(
        items=[site_from_row(r) for r in win.rows],
        total=total,
        limit=args.limit,
        offset=0 if args.cursor else args.offset,
        next_cursor=win.next_cursor,
        prev_cursor=win.prev_cursor,
    )
