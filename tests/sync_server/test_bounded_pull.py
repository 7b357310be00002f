"""A bounded first sync (PROTOCOL.md §7, ``bounded=1``): what a new device receives, what it
does not, the site history it fetches on demand, and that a device walking the feed while
others write ends with whole, current copies of every record it holds and every record it needs.
Runs on SQLite and PostgreSQL (the ``world`` and ``api`` fixtures)."""

from __future__ import annotations

import threading
from typing import Any

import msgspec
import pytest

from shared_schema import protocol
from sync_server.core import auth, inspections, pull, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import NotFound
from sync_server.core.feed import FeedWriter
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World
from tests.sync_server.helpers import Device, complete_answers, png_bytes, sha
from tests.sync_server.test_core_services import submitted

Key = tuple[str, str, str]


def page_of(world: World, user: str, cursor: int, limit: int = 1000, **bounded: Any) -> dict[str, Any]:
    return msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), cursor, limit, 1, **bounded))


def full_state(world: World, user: str) -> dict[Key, tuple[Any, str]]:
    """Everything ``user`` may see, as an old device pulls it (no ``bounded``)."""
    state: dict[Key, tuple[Any, str]] = {}
    cursor = 0
    while True:
        page = page_of(world, user, cursor, 5000)
        for c in page["changes"]:
            state[(c["entity"], c["entity_id"], c["field"])] = (c["value"], c["hlc"])
        cursor = page["cursor"]
        if not page["has_more"]:
            return state


def inspection_of(key: Key, value: Any) -> str | None:
    if key[0] == "inspection":
        return key[1]
    if key[0] == "answer":
        return key[1].split("/", 1)[0]
    if key[0] == "conflict" and isinstance(value, dict):
        entity, entity_id = value.get("entity"), value.get("entity_id") or ""
        return entity_id if entity == "inspection" else entity_id.split("/", 1)[0] if entity == "answer" else None
    return None


class BoundedDevice:
    """A device doing what the app does (``field_app.core.engine``): bounded pulls with the
    horizon of its first page; rows of an inspection it holds nothing of that the page names in
    ``older`` are not kept but the record is fetched whole (``records``) after the pull."""

    def __init__(self, world: World, user: str):
        self.world, self.user = world, user
        self.state: dict[Key, tuple[Any, str]] = {}
        self.cursor = 0
        self.horizon: int | None = None
        self.to_fetch: set[str] = set()

    def held(self) -> set[str]:
        return {k[1] for k in self.state if k[0] == "inspection" and k[2] == "site_id"}

    def merge(self, changes: list[dict[str, Any]]) -> None:
        for c in changes:
            key = (c["entity"], c["entity_id"], c["field"])
            if key not in self.state or self.state[key][1] < c["hlc"]:
                self.state[key] = (c["value"], c["hlc"])

    def pull_page(self, limit: int) -> bool:
        page = page_of(self.world, self.user, self.cursor, limit, bounded=True, horizon=self.horizon)
        assert page["horizon"] is not None
        self.horizon = page["horizon"]
        held = self.held()
        self.to_fetch |= {i for i in page["older"] if i not in held}
        self.merge(
            [
                c
                for c in page["changes"]
                if inspection_of((c["entity"], c["entity_id"], c["field"]), c["value"]) not in self.to_fetch
            ]
        )
        self.cursor = max(self.cursor, page["cursor"])
        return bool(page["has_more"])

    def complete(self) -> None:
        ids = sorted(self.to_fetch)
        self.to_fetch.clear()
        if ids:
            self.merge(fetch(self.world, self.user, inspection_ids=ids)["changes"])

    def sync(self, limit: int = 1000) -> None:
        while self.pull_page(limit):
            pass
        self.complete()


def fetch(world: World, user: str, **what: Any) -> dict[str, Any]:
    return msgspec.json.decode(pull.records(world.server.db, world.actor(user), 1, **what))


def approved(world: World, user: str) -> str:
    iid, _dev, _sig = submitted(world, user)
    inspections.review(world.server.db, world.actor("sup"), iid, "approve", "Đạt")
    return iid


def by_age(world: World, ids: list[str]) -> list[str]:
    """``ids`` newest first, as the server ranks them (creation time, then id)."""
    with world.server.db.read() as tx:
        rows = tx.query(
            f"SELECT id FROM inspections WHERE id IN ({', '.join('?' for _ in ids)}) ORDER BY created_at DESC, id DESC",
            ids,
        )
    return [r[0] for r in rows]


def inspections_in(state: dict[Key, tuple[Any, str]]) -> set[str]:
    return {k[1] for k in state if k[0] == "inspection"}


def assert_whole_and_current(device: BoundedDevice, server: dict[Key, tuple[Any, str]]) -> None:
    """Every record the device holds is exactly the server's; nothing outside records differs."""
    for key, (value, hlc) in device.state.items():
        assert server.get(key) == (value, hlc), key
    held = device.held()
    for key, got in server.items():
        owner = inspection_of(key, got[0])
        if owner is None or owner in held:
            assert device.state.get(key) == got, f"missing {key}"


@pytest.fixture
def history(world: World) -> tuple[list[str], str, str]:
    """Five approved inspections of another inspector at site A (oldest first), a submitted one
    and a draft of insp_a."""
    old = [approved(world, "insp_a2") for _ in range(5)]
    pending, _dev, _sig = submitted(world, "insp_a")
    dev = Device()
    draft, create = dev.start_inspection(world.site_a)
    sync_service.push(world.server.db, world.actor("insp_a"), dev.request(create))
    return old, pending, draft


def test_bounded_first_pull_leaves_out_settled_history_but_keeps_what_a_device_needs(world: World, history) -> None:
    old, pending, draft = history
    device = BoundedDevice(world, "insp_a")
    device.sync()
    got = inspections_in(device.state)
    newest = by_age(world, old)
    assert set(newest[: protocol.BOUNDED_LATEST_PER_SITE]) <= got  # the latest few for context
    assert not set(newest[protocol.BOUNDED_LATEST_PER_SITE :]) & got  # older approved history left out
    assert {pending, draft} <= got  # every inspection not yet approved
    kinds = {k[0] for k in device.state}
    assert {"site", "template"} <= kinds
    assert_whole_and_current(device, full_state(world, "insp_a"))


def test_an_old_device_that_does_not_ask_for_bounded_gets_everything(world: World, history) -> None:
    old, pending, draft = history
    page = page_of(world, "insp_a", 0, 5000)
    assert set(old) | {pending, draft} <= {c["entity_id"] for c in page["changes"] if c["entity"] == "inspection"}
    assert "horizon" not in page and "older" not in page


def test_the_users_own_approved_inspections_come_with_the_first_sync(world: World) -> None:
    own = [approved(world, "insp_a") for _ in range(protocol.BOUNDED_LATEST_PER_SITE + 2)]
    device = BoundedDevice(world, "insp_a")
    device.sync()
    assert set(own) <= inspections_in(device.state)
    other = BoundedDevice(world, "insp_a2")
    other.sync()
    assert len(set(own) & inspections_in(other.state)) == protocol.BOUNDED_LATEST_PER_SITE


def test_site_history_fetched_on_demand_holds_every_record_whole(world: World, history) -> None:
    old, _pending, _draft = history
    device = BoundedDevice(world, "insp_a")
    device.sync()
    reply = fetch(world, "insp_a", site_id=world.site_a)
    assert set(old) <= set(reply["inspections"]) and reply["more"] is False
    device.merge(reply["changes"])
    assert set(old) <= inspections_in(device.state)
    assert_whole_and_current(device, full_state(world, "insp_a"))


def test_site_history_of_another_district_is_not_found(world: World, history) -> None:
    with pytest.raises(NotFound):
        fetch(world, "insp_a", site_id=world.site_b)
    reply = fetch(world, "insp_b", inspection_ids=history[0][:2])
    assert reply == {"changes": [], "inspections": [], "more": False}


def test_a_record_left_out_of_the_first_sync_that_changes_later_arrives_whole(world: World, history) -> None:
    old, _pending, _draft = history
    oldest = by_age(world, old)[-1]
    device = BoundedDevice(world, "insp_a")
    device.sync()
    assert oldest not in device.held()
    # An approved record is locked for devices; what may still change it is the server (an
    # admin's correction, a conflict resolution): its new row carries only what changed.
    with world.server.db.write() as tx:
        feed = FeedWriter(tx)
        feed.put_server(("inspection", oldest, "status"), '"returned"', district="TX Phổ Yên", inspection_id=oldest)
        feed.flush()
        tx.execute("UPDATE inspections SET status = 'returned' WHERE id = ?", (oldest,))
    page = page_of(world, "insp_a", device.cursor, bounded=True, horizon=device.horizon)
    assert page["older"] == [oldest]  # only its status changed: the device lacks the rest
    device.sync()
    assert oldest in device.held()
    assert_whole_and_current(device, full_state(world, "insp_a"))


@pytest.mark.parametrize("limit", [7, 40])
def test_a_bounded_walk_never_skips_while_others_write(world: World, history, limit: int) -> None:
    """Between every two pages another inspector edits, submits, a supervisor approves and
    returns: the device ends with every record it needs, each whole and current."""
    _old, pending, draft = history
    device = BoundedDevice(world, "insp_a")
    writer = Device()
    signature = png_bytes(seed=7)
    made: list[str] = []
    step = 0
    while device.pull_page(limit):
        step += 1
        if step % 3 == 1:
            iid, create = writer.start_inspection(world.site_a)
            changes = [*create, *complete_answers(writer, iid, sha(signature))]
            changes.append(writer.change("inspection", iid, "status", "submitted"))
            sync_service.push(world.server.db, world.actor("insp_a2"), writer.request(changes))
            made.append(iid)
        elif step % 3 == 2 and made:
            inspections.review(world.server.db, world.actor("sup"), made[-1], "return", "Bổ sung ảnh")
        else:
            sync_service.push(
                world.server.db,
                world.actor("insp_a2"),
                writer.request([writer.answer(draft, "manager", f"Ông Tư {step}")]),
            )
    device.complete()
    while device.pull_page(limit):
        pass
    device.complete()
    server = full_state(world, "insp_a")
    assert_whole_and_current(device, server)
    needed = BoundedDevice(world, "insp_a")
    needed.sync()
    assert needed.held() <= device.held()
    assert {pending, draft, *made} <= device.held()


def test_http_pull_accepts_bounded_and_records_by_id(api) -> None:
    client, world = api
    iid, _dev, _sig = submitted(world, "insp_a")
    r = client.get(
        "/api/v1/sync/pull", params={"cursor": 0, "protocol": 1, "bounded": "true"}, headers=world.headers("insp_a")
    )
    assert r.status_code == 200, r.text
    assert r.json()["horizon"] >= 1 and r.json()["older"] == []
    r = client.get(
        "/api/v1/sync/records",
        params={"protocol": 1, "inspection_id": [iid, "nope"]},
        headers=world.headers("insp_a"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["inspections"] == [iid]
    assert {c["entity_id"] for c in r.json()["changes"] if c["entity"] == "inspection"} == {iid}
    r = client.get("/api/v1/sync/records", params={"protocol": 1}, headers=world.headers("insp_a"))
    assert r.status_code == 422


def test_a_bounded_walk_never_skips_while_a_writer_runs_alongside(world: World, history) -> None:
    """The same, with the writes made by another thread while the device pulls small pages."""
    _old, pending, _draft = history
    stop = threading.Event()
    made: list[str] = []
    signature = png_bytes(seed=7)

    def write() -> None:
        writer = Device()
        while not stop.is_set() and len(made) < 12:
            iid, create = writer.start_inspection(world.site_a)
            changes = [*create, *complete_answers(writer, iid, sha(signature))]
            changes.append(writer.change("inspection", iid, "status", "submitted"))
            sync_service.push(world.server.db, world.actor("insp_a2"), writer.request(changes))
            made.append(iid)
            if len(made) % 2:
                inspections.review(world.server.db, world.actor("sup"), iid, "reject", "Không đạt yêu cầu")

    device = BoundedDevice(world, "insp_a")
    thread = threading.Thread(target=write)
    thread.start()
    try:
        while device.pull_page(5):
            pass
    finally:
        stop.set()
        thread.join()
    device.sync(5)
    assert_whole_and_current(device, full_state(world, "insp_a"))
    needed = BoundedDevice(world, "insp_a")
    needed.sync()
    assert needed.held() <= device.held()
    assert pending in device.held()


def test_a_district_granted_later_is_bounded_and_what_the_device_held_stays_current(world: World, history) -> None:
    """Scope change (§7): the device pulls again from 0 with its old cursor as the horizon. What
    it held is whole and current; the new district's settled history is left out but its latest."""
    signature = png_bytes(seed=7)
    other = Device()
    settled_b = []
    for _ in range(protocol.BOUNDED_LATEST_PER_SITE + 2):
        iid, create = other.start_inspection(world.site_b)
        changes = [*create, *complete_answers(other, iid, sha(signature))]
        changes.append(other.change("inspection", iid, "status", "submitted"))
        sync_service.push(world.server.db, world.actor("insp_b"), other.request(changes))
        inspections.review(world.server.db, SYSTEM, iid, "reject", "Không đạt yêu cầu")
        settled_b.append(iid)
    device = BoundedDevice(world, "insp_a")
    device.sync()
    assert not set(settled_b) & device.held()
    # then a record the device holds changes in its old district, and the user gains district B
    _old, pending, _draft = history
    inspections.review(world.server.db, world.actor("sup"), pending, "return", "Bổ sung ảnh")
    user_id = world.actor("insp_a").user_id
    auth.update_user(world.server.db, SYSTEM, user_id, districts=[DISTRICT_A, DISTRICT_B])
    device.horizon, device.cursor = device.cursor, 0  # what the app does on a new scope
    device.sync()
    newest_b = by_age(world, settled_b)
    assert set(newest_b[: protocol.BOUNDED_LATEST_PER_SITE]) <= device.held()
    assert not set(newest_b[protocol.BOUNDED_LATEST_PER_SITE :]) & device.held()
    assert device.state[("inspection", pending, "status")][0] == "returned"
    assert_whole_and_current(device, full_state(world, "insp_a"))
