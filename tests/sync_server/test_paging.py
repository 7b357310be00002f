"""Keyset pages of the inspections list: opaque cursor tokens, no row skipped or repeated while
inspections are being added, the same on SQLite and PostgreSQL; bad tokens refused."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from sync_server.core import inspections
from sync_server.core.access import Actor
from sync_server.core.db import Database
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World
from tests.sync_server.helpers import dump_database
from tests.sync_server.test_http_api import Api, assert_problem

SITES = [(f"site-p{i}", f"P-{i}", f"Cơ sở {chr(65 + i % 7)} {i}", (DISTRICT_A, DISTRICT_B)[i % 2]) for i in range(6)]
STATUSES = ("submitted", "approved", "returned", "draft")


def _stamp(rng: random.Random) -> str:
    return (
        f"2021-{rng.randint(6, 9):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
    )


def _rows(rng: random.Random, prefix: str, n: int) -> list[tuple[Any, ...]]:
    """Inspection index rows; keys repeat on purpose (ties are broken by the id)."""
    rows = []
    for i in range(n):
        site = rng.choice(SITES)
        stamp = rng.choice(("2021-08-01T00:00:00Z", _stamp(rng)))
        rows.append(
            (
                f"{prefix}{i:04d}-{rng.randrange(10**6):06d}",
                site[0],
                site[3],
                rng.choice(STATUSES),
                rng.choice((None, 50.0, 75.5, 100.0)),
                rng.choice((None, stamp, _stamp(rng))),
                stamp,
                rng.choice((stamp, _stamp(rng))),
            )
        )
    return rows


def _insert(db: Database, rows: list[tuple[Any, ...]]) -> None:
    with db.write() as tx:
        tx.executemany(
            "INSERT INTO inspections (id, site_id, district, status, score, started_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _seed(world: World, n: int, seed: int) -> list[str]:
    with world.server.db.write() as tx:
        tx.executemany(
            "INSERT INTO sites (id, code, name, kind, district, updated_at) VALUES (?, ?, ?, 'CHO', ?, 'x')", SITES
        )
    rows = _rows(random.Random(seed), "old-", n)
    _insert(world.server.db, rows)
    return [r[0] for r in rows]


def _walk(db: Database, actor: Actor, sort: str, limit: int, **filters: Any) -> tuple[list[str], list[str]]:
    """Every id, page by page forward with next_cursor, then back with prev_cursor."""
    forward: list[str] = []
    page = inspections.list_inspections(db, actor, sort=sort, limit=limit, **filters)
    pages = [page]
    forward += [i.id for i in page.items]
    while page.next_cursor:
        page = inspections.list_inspections(db, actor, sort=sort, limit=limit, cursor=page.next_cursor, **filters)
        assert page.items, "a next_cursor never leads to an empty page while rows are only added"
        pages.append(page)
        forward += [i.id for i in page.items]
    backward: list[str] = [i.id for i in page.items][::-1]
    while page.prev_cursor:
        page = inspections.list_inspections(db, actor, sort=sort, limit=limit, cursor=page.prev_cursor, **filters)
        backward += [i.id for i in page.items][::-1]
    return forward, backward


@pytest.mark.parametrize("sort", sorted(inspections.SORTS))
def test_keyset_pages_never_skip_or_repeat_a_row_while_inspections_are_added(world: World, sort: str) -> None:
    old = _seed(world, 120, seed=len(sort))
    admin = world.actor("admin")
    stop = threading.Event()
    added: list[str] = []

    def add() -> None:  # a second writer adding inspections with keys anywhere in the order
        rng = random.Random(7)
        batch = 0
        while not stop.is_set():
            rows = _rows(rng, f"new{batch:03d}-", 3)
            _insert(world.server.db, rows)
            added.extend(r[0] for r in rows)
            batch += 1

    writer = threading.Thread(target=add)
    writer.start()
    try:
        forward, backward = _walk(world.server.db, admin, sort, limit=7)
    finally:
        stop.set()
        writer.join()
    assert added, "the writer added rows while the pages were read"
    for ids in (forward, backward):
        assert len(ids) == len(set(ids)), "a row was repeated"
        assert set(old) <= set(ids), "a row that was there before the first page was skipped"
        assert set(ids) <= set(old) | set(added)
    # the order is the list's order: what a single query returns, restricted to the rows seen
    everything = inspections.list_inspections(world.server.db, admin, sort=sort, limit=500)
    more = everything
    whole = [i.id for i in everything.items]
    while more.next_cursor:
        more = inspections.list_inspections(world.server.db, admin, sort=sort, limit=500, cursor=more.next_cursor)
        whole += [i.id for i in more.items]
    seen = set(forward)
    assert forward == [i for i in whole if i in seen]


def test_keyset_pages_follow_filters_and_scope_and_match_offset_pages(world: World) -> None:
    _seed(world, 80, seed=3)
    sup = world.actor("sup")  # sees DISTRICT_A only
    forward, backward = _walk(world.server.db, sup, "started", limit=9, status="submitted")
    by_offset: list[str] = []
    offset = 0
    while True:
        page = inspections.list_inspections(
            world.server.db, sup, sort="started", status="submitted", limit=9, offset=offset
        )
        if not page.items:
            break
        by_offset += [i.id for i in page.items]
        offset += 9
    assert forward == by_offset == backward[::-1]
    first = inspections.list_inspections(world.server.db, sup, sort="started", status="submitted", limit=9)
    assert first.total == len(forward) and first.counts["submitted"] == len(forward)
    assert first.prev_cursor is None
    with world.server.db.read() as tx:
        districts = {
            r[0]
            for r in tx.query(
                f"SELECT district FROM inspections WHERE id IN ({', '.join('?' * len(forward))})", forward
            )
        }
    assert districts == {DISTRICT_A}


def test_api_pages_by_cursor_and_refuses_a_bad_or_foreign_cursor_changing_nothing(api: Api) -> None:
    client, world = api
    _seed(world, 30, seed=5)
    headers = world.headers("admin")
    first = client.get("/api/v1/inspections", params={"limit": 10}, headers=headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["prev_cursor"] is None and body["next_cursor"]
    second = client.get("/api/v1/inspections", params={"limit": 10, "cursor": body["next_cursor"]}, headers=headers)
    assert second.status_code == 200, second.text
    assert second.json()["prev_cursor"] and {i["id"] for i in second.json()["items"]}.isdisjoint(
        i["id"] for i in body["items"]
    )
    # offset still works for old clients, and gives the same second page
    old = client.get("/api/v1/inspections", params={"limit": 10, "offset": 10}, headers=headers)
    assert [i["id"] for i in old.json()["items"]] == [i["id"] for i in second.json()["items"]]
    before = dump_database(world.db_path)
    for bad in ("not-a-token", body["next_cursor"][:-3], "W1tdXQ", "x" * 3000):
        assert_problem(
            client.get("/api/v1/inspections", params={"cursor": bad}, headers=headers), 422, "invalid_cursor"
        )
    # a token of another list (another sort, other filters, another caller's scope) is refused
    for params, who in (
        ({"sort": "created"}, "admin"),
        ({"status": "approved"}, "admin"),
        ({}, "sup"),
    ):
        r = client.get(
            "/api/v1/inspections", params={**params, "cursor": body["next_cursor"]}, headers=world.headers(who)
        )
        assert_problem(r, 422, "invalid_cursor")
    assert dump_database(world.db_path) == before


def test_sites_page_by_cursor_like_by_offset_and_refuse_a_foreign_cursor(api: Api) -> None:
    client, world = api
    _seed(world, 0, seed=1)
    headers = world.headers("admin")
    by_cursor: list[str] = []
    params: dict[str, Any] = {"limit": 3}
    while True:
        r = client.get("/api/v1/sites/", params=params, headers=headers)
        assert r.status_code == 200, r.text
        by_cursor += [s["code"] for s in r.json()["items"]]
        if not r.json()["next_cursor"]:
            break
        params = {"limit": 3, "cursor": r.json()["next_cursor"]}
    everything = client.get("/api/v1/sites/", params={"limit": 1000}, headers=headers).json()
    assert by_cursor == [s["code"] for s in everything["items"]] and len(by_cursor) == everything["total"] == 8
    back = client.get("/api/v1/sites/", params={"limit": 3, "cursor": r.json()["prev_cursor"]}, headers=headers)
    assert [s["code"] for s in back.json()["items"]] == by_cursor[-5:-2]
    assert_problem(
        client.get("/api/v1/sites/", params={"cursor": params["cursor"], "kind": "CHO"}, headers=headers),
        422,
        "invalid_cursor",
    )
