"""What the signed-in user may see, and forgetting what they no longer may (PROTOCOL.md §7).

When an admin changes a user's districts, the server's pull pages carry a new ``scope``
token. The sync engine then pulls again from cursor 0 (rows of a newly granted district
lie below the cursor) and, before that, drops the rows of districts the user lost, so the
phone holds what the server shows the user. Nothing an inspector has not sent yet is
dropped: a site or inspection with a change still in the outbox stays (and is forgotten
after the next push has sent that change), and a change the server refused stays in the
inspector's notices with its value and the reason.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from field_app.core import outbox, replica


def _in(column: str, keys: Collection[str]) -> tuple[str, list[str]]:
    return f"{column} IN ({','.join('?' * len(keys))})", list(keys)


def _delete(conn: sqlite3.Connection, table: str, column: str, keys: Iterable[str]) -> None:
    keys = list(keys)
    for i in range(0, len(keys), 500):
        where, params = _in(column, keys[i : i + 500])
        conn.execute(f"DELETE FROM {table} WHERE {where}", params)


@dataclass(frozen=True)
class Forgotten:
    dropped: dict[str, set[str]]  # entity → keys (sites and inspections; answers go with them)
    complete: bool  # False when rows stayed for unsent work: forget again after the next push


def forget_outside(conn: sqlite3.Connection, districts: Collection[str]) -> Forgotten:
    """Drop the sites outside ``districts`` with their inspections, answers and conflicts,
    keeping everything with an unsent change. Refusal notices stay (they hold the
    inspector's refused values and say why), and so do rows without a district (checklists).
    Call inside ``Store.write()``."""
    if districts:
        where, params = _in("district", districts)
        outside_sql, outside_params = f"district IS NOT NULL AND NOT ({where})", params
    else:
        outside_sql, outside_params = "district IS NOT NULL", []
    sites = {key for (key,) in conn.execute(f"SELECT key FROM sites WHERE {outside_sql}", outside_params)}
    if not sites:
        return Forgotten({}, complete=True)
    unsent_sites = outbox.unsent_site_ids(conn)
    unsent_inspections = outbox.unsent_inspection_ids(conn)
    inspections: set[str] = set()
    for key, site_id in conn.execute("SELECT key, site_id FROM inspections"):
        if site_id not in sites:
            continue
        if key in unsent_inspections:
            unsent_sites.add(site_id)  # the inspection stays, so its site does too
        else:
            inspections.add(key)
    complete = not (sites & unsent_sites)
    sites -= unsent_sites
    site_conflicts = []
    for key, data in conn.execute("SELECT key, data FROM conflicts WHERE inspection_id IS NULL"):
        entry = replica.loads(data).get("entry") or {}
        if entry.get("entity") == "site" and entry.get("entity_id") in sites:
            site_conflicts.append(key)
    for table in ("answers", "conflicts"):
        _delete(conn, table, "inspection_id", inspections)
    _delete(conn, "conflicts", "key", site_conflicts)
    _delete(conn, "inspections", "key", inspections)
    _delete(conn, "sites", "key", sites)
    dropped = {"site": sites, "inspection": inspections}
    return Forgotten({entity: keys for entity, keys in dropped.items() if keys}, complete)
