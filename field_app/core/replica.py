"""The replicated records on the device: one table per entity, every field with its clock.

A row holds ``data`` (field → value) and ``clocks`` (field → hlc of the value held, or
``null`` after the server refused this device's write: then the server's value wins on the
next pull). Pulled changes are merged field by field with ``shared_schema.merge.merge_field``,
so a pending local edit with a later clock stays until it is pushed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from field_app.core.folding import fold
from shared_schema import protocol
from shared_schema.merge import Edit, FieldState, Outcome, merge_field
from shared_schema.sync import PulledChange

_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder()

Row = tuple[dict[str, Any], dict[str, Any]]  # (data, clocks)


def dumps(value: Any) -> str:
    return _enc.encode(value).decode()


def loads(text: str | bytes | None) -> Any:
    return None if text is None else _dec.decode(text)


def _site(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    active = d.get("active")
    return (
        d.get("code"),
        d.get("name"),
        fold(f"{d.get('name') or ''} {d.get('code') or ''}"),
        d.get("kind"),
        d.get("district"),
        0 if active is False else 1,
    )


def _template(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    template_id, version = protocol.split_template_entity_id(key)
    return (template_id, version, d.get("status"))


def _inspection(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    return (d.get("site_id"), d.get("template_id"), d.get("template_version"), d.get("status"), d.get("started_at"))


def _answer(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    inspection_id, question_id = protocol.split_answer_entity_id(key)
    return (inspection_id, question_id)


def _action(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    return (d.get("inspection_id"), d.get("site_id"), d.get("status") or "open", d.get("deadline"))


def conflict_inspection_id(entry: dict[str, Any]) -> str | None:
    return protocol.inspection_of(entry.get("entity") or "", entry.get("entity_id") or "")


def _conflict(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    entry = d.get("entry") or {}
    return (conflict_inspection_id(entry), 1 if entry.get("resolved") else 0)


def _assignment(key: str, d: dict[str, Any]) -> tuple[Any, ...]:
    found = d.get("document")
    doc: dict[str, Any] = found if isinstance(found, dict) else {}
    return (doc.get("site_id"), doc.get("due_date"), doc.get("status"))


@dataclass(frozen=True)
class EntityTable:
    entity: str
    table: str
    columns: tuple[str, ...]
    project: Callable[[str, dict[str, Any]], tuple[Any, ...]]

    @property
    def upsert_sql(self) -> str:
        cols = ("key", "data", "clocks", *self.columns)
        marks = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in cols[1:])
        return f"INSERT INTO {self.table} ({', '.join(cols)}) VALUES ({marks}) ON CONFLICT(key) DO UPDATE SET {updates}"


TABLES: dict[str, EntityTable] = {
    t.entity: t
    for t in (
        EntityTable("site", "sites", ("code", "name", "search_key", "kind", "district", "active"), _site),
        EntityTable("template", "templates", ("template_id", "version", "status"), _template),
        EntityTable(
            "inspection",
            "inspections",
            ("site_id", "template_id", "template_version", "status", "started_at"),
            _inspection,
        ),
        EntityTable("answer", "answers", ("inspection_id", "question_id"), _answer),
        EntityTable("conflict", "conflicts", ("inspection_id", "resolved"), _conflict),
        EntityTable("assignment", "assignments", ("site_id", "due_date", "status"), _assignment),
        EntityTable("action", "actions", ("inspection_id", "site_id", "status", "deadline"), _action),
    )
}


def load_rows(conn: sqlite3.Connection, entity: str, keys: Iterable[str]) -> dict[str, Row]:
    table = TABLES[entity].table
    found: dict[str, Row] = {}
    keys = list(keys)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for key, data, clocks in conn.execute(f"SELECT key, data, clocks FROM {table} WHERE key IN ({marks})", chunk):
            found[key] = (_dec.decode(data), _dec.decode(clocks))
    return found


def load_row(conn: sqlite3.Connection, entity: str, key: str) -> Row | None:
    return load_rows(conn, entity, [key]).get(key)


def save_rows(conn: sqlite3.Connection, entity: str, rows: dict[str, Row]) -> None:
    spec = TABLES[entity]
    conn.executemany(
        spec.upsert_sql,
        [(key, dumps(data), dumps(clocks), *spec.project(key, data)) for key, (data, clocks) in rows.items()],
    )


def write_local(conn: sqlite3.Connection, entity: str, key: str, field: str, value: Any, hlc: str) -> str | None:
    """Write one field edited on this device; returns the clock of the value it replaces."""
    data, clocks = load_row(conn, entity, key) or ({}, {})
    base = clocks.get(field)
    data[field] = value
    clocks[field] = hlc
    save_rows(conn, entity, {key: (data, clocks)})
    return base


def forget_clock(conn: sqlite3.Connection, entity: str, key: str, field: str, hlc: str) -> None:
    """The server refused the write with ``hlc``: let the server's value win on the next pull
    (only if no later local edit holds the field)."""
    _swap_clock(conn, entity, key, field, hlc, None)


def restamp_clock(conn: sqlite3.Connection, entity: str, key: str, field: str, old: str, new: str) -> None:
    """A queued edit's clock ``old`` became ``new`` (the device took a new client id): the
    record holds the new one, so the edit's echo from the server is recognised as its own."""
    _swap_clock(conn, entity, key, field, old, new)


def _swap_clock(conn: sqlite3.Connection, entity: str, key: str, field: str, old: str, new: str | None) -> None:
    """The field's clock becomes ``new`` if it still is ``old`` (a later edit keeps its own)."""
    if entity not in TABLES:
        return
    row = load_row(conn, entity, key)
    if row is None:
        return
    data, clocks = row
    if clocks.get(field) == old:
        clocks[field] = new
        save_rows(conn, entity, {key: (data, clocks)})


def merge_pulled(conn: sqlite3.Connection, changes: Iterable[PulledChange]) -> dict[str, set[str]]:
    """Merge pulled changes into the tables; returns entity → keys whose values changed.

    Entities this app does not know are skipped (a newer server may send more).
    """
    by_entity: dict[str, dict[str, list[PulledChange]]] = {}
    for ch in changes:
        if ch.entity in TABLES:
            by_entity.setdefault(ch.entity, {}).setdefault(ch.entity_id, []).append(ch)
    touched: dict[str, set[str]] = {}
    for entity, groups in by_entity.items():
        held_rows = load_rows(conn, entity, groups.keys())
        changed: dict[str, Row] = {}
        for key, fields in groups.items():
            data, clocks = held_rows.get(key) or ({}, {})
            dirty = False
            for ch in fields:
                held_hlc = clocks.get(ch.field)
                held = FieldState(data.get(ch.field), held_hlc) if held_hlc else None
                decision = merge_field(held, Edit(ch.value, ch.hlc))
                if decision.outcome is Outcome.APPLIED:
                    data[ch.field] = ch.value
                    clocks[ch.field] = ch.hlc
                    dirty = True
            if dirty:
                changed[key] = (data, clocks)
        if changed:
            save_rows(conn, entity, changed)
            touched[entity] = set(changed)
    return touched
