"""A device's client_id belongs to the user who first used it (PROTOCOL.md §1): another user
naming it is refused and learns nothing; a second install reusing it (a restored backup, a
copied data folder) is told to re-register and loses nothing. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shared_schema import protocol
from shared_schema.protocol import answer_entity_id
from shared_schema.sync import Change, PushReply
from sync_server.core import devices, sync_service
from sync_server.core.errors import Conflict, Forbidden, Invalid
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device, dump_database

Api = tuple[Any, World]


def push(world: World, user: str, device: Device, changes: list[Change], client_id: str | None = None) -> PushReply:
    request = device.request(changes)
    if client_id is not None:
        request = msgspec.structs.replace(request, client_id=client_id)
    return sync_service.push(world.server.db, world.actor(user), request)


def pull(world: World, user: str, client_id: str | None, cursor: int = 0) -> dict[str, Any]:
    return msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), cursor, 1000, 1, client_id))


def value_of(world: World, user: str, key: tuple[str, str, str]) -> Any:
    page = pull(world, user, None)
    return {(c["entity"], c["entity_id"], c["field"]): c["value"] for c in page["changes"]}.get(key)


def clone(device: Device) -> Device:
    """A second install made from a copy of ``device``'s data: same id, sequence and clock."""
    twin = Device(device.client_id)
    twin.seq = device.seq
    twin.clock.observe(device.clock.tick())
    twin.seen = dict(device.seen)
    return twin


def test_another_users_push_under_a_devices_id_is_refused_and_discloses_nothing(world: World) -> None:
    victim = Device()
    iid, create = victim.start_inspection(world.site_a)
    push(world, "insp_a", victim, create)
    before = dump_database(world.db_path)
    # The attacker knows the id (every pulled clock names it) and tries both a gap and the next seq.
    attacker = Device(victim.client_id)
    attacker.seq = 40
    with pytest.raises(Forbidden) as gap:
        push(world, "insp_b", attacker, [attacker.change("site", world.site_b, "workers", 1)])
    attacker.seq = victim.seq
    with pytest.raises(Forbidden) as next_seq:
        push(world, "insp_a2", attacker, [attacker.answer(iid, "workers", 666)])
    for err in (gap.value, next_seq.value):
        assert err.status == 403 and err.code == protocol.CLIENT_NOT_YOURS
        assert "expected_seq" not in err.extra and str(victim.seq + 1) not in err.detail
        assert "Mã thiết bị" in err.detail and "registered to another user" in err.detail
    assert dump_database(world.db_path) == before
    # The owner's next edits are applied, not answered duplicate.
    edits = [victim.answer(iid, "workers", 12), victim.answer(iid, "team", "yes")]
    reply = push(world, "insp_a", victim, edits)
    assert [r.status for r in reply.results] == ["applied", "applied"] and reply.acked_seq == victim.seq
    assert value_of(world, "sup", ("answer", answer_entity_id(iid, "workers"), "value")) == 12
    row = devices.list_clients(world.server.db, world.actor("admin"))
    assert [(d.username, d.last_seq) for d in row if d.client_id == victim.client_id] == [("insp_a", victim.seq)]


def test_a_sequence_gap_is_told_only_to_the_owner(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create[:2])
    with pytest.raises(Forbidden):
        push(world, "insp_a2", dev, create[3:])
    with pytest.raises(Conflict) as owner:
        push(world, "insp_a", dev, create[3:])
    assert owner.value.code == protocol.SEQUENCE_GAP and owner.value.extra["expected_seq"] == 3


def test_pull_naming_another_users_device_is_refused_and_records_nothing(world: World) -> None:
    dev = Device()
    pull(world, "insp_a", dev.client_id)  # the first pull registers the device to insp_a
    before = dump_database(world.db_path)
    with pytest.raises(Forbidden) as err:
        pull(world, "insp_b", dev.client_id)
    assert err.value.code == protocol.CLIENT_NOT_YOURS
    assert dump_database(world.db_path) == before
    with pytest.raises(Forbidden):  # and a push by another user, after registration by pull
        push(world, "insp_a2", dev, [dev.change("site", world.site_a, "workers", 3)])
    listed = [d for d in devices.list_clients(world.server.db, world.actor("admin")) if d.client_id == dev.client_id]
    assert [d.username for d in listed] == ["insp_a"]


def test_a_restored_copy_pushing_overlapping_sequences_is_told_to_re_register(world: World) -> None:
    original = Device()
    iid, create = original.start_inspection(world.site_a)
    push(world, "insp_a", original, create)
    restored = clone(original)  # the backup
    pushed = [original.answer(iid, "workers", 5), original.answer(iid, "team", "yes")]
    push(world, "insp_a", original, pushed)
    before = dump_database(world.db_path)
    # The copy's next edit has a sequence the server acknowledged for another change: it would
    # otherwise come back "duplicate" and be dropped.
    with pytest.raises(Conflict) as short:
        push(world, "insp_a", restored, [restored.answer(iid, "masks", "most")])
    with pytest.raises(Conflict) as long:
        push(world, "insp_a", restored, [restored.answer(iid, "note_q", "x", field="note") for _ in range(3)])
    for err in (short.value, long.value):
        assert err.status == 409 and err.code == protocol.CLIENT_REREGISTER and "expected_seq" not in err.extra
    assert dump_database(world.db_path) == before


def test_a_re_registered_device_sends_its_unsent_changes_under_a_new_id_exactly_once(world: World) -> None:
    original = Device()
    iid, create = original.start_inspection(world.site_a)
    push(world, "insp_a", original, create)
    shared = original.answer(iid, "workers", 7)  # queued when the copy was made: in both installs
    restored = clone(original)
    push(world, "insp_a", original, [shared, original.answer(iid, "team", "yes")])
    own = restored.answer(iid, "masks", "most")  # the same sequence as the original's "team"
    with pytest.raises(Conflict):
        push(world, "insp_a", restored, [shared, own])
    # The app takes a new id and re-queues from 1, keeping each change's clock and change id.
    new_id = "dev-renewed-1"
    requeued = [msgspec.structs.replace(c, client_seq=i) for i, c in enumerate([shared, own], 1)]
    reply = push(world, "insp_a", Device(new_id), requeued)
    assert [r.status for r in reply.results] == ["duplicate", "applied"] and reply.acked_seq == 2
    assert value_of(world, "sup", ("answer", answer_entity_id(iid, "masks"), "value")) == "most"
    assert value_of(world, "sup", ("answer", answer_entity_id(iid, "workers"), "value")) == 7
    assert value_of(world, "sup", ("answer", answer_entity_id(iid, "team"), "value")) == "yes"
    conflicts = [c for c in pull(world, "sup", None)["changes"] if c["entity"] == "conflict"]
    assert conflicts == []
    # The original goes on under the old id undisturbed.
    assert push(world, "insp_a", original, [original.answer(iid, "team", "no")]).results[0].status == "applied"


def test_clocks_of_another_users_device_are_refused(world: World) -> None:
    other = Device()
    push(world, "insp_b", other, [other.change("site", world.site_b, "workers", 3)])
    mine = Device()
    forged = mine.change("site", world.site_a, "workers", 9, hlc=other.clock.tick())
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as err:
        push(world, "insp_a", mine, [forged])
    assert err.value.code == "malformed_push" and err.value.errors[0].field == "changes[0].hlc"
    assert dump_database(world.db_path) == before


def test_http_refusals_are_bilingual_problems(api: Api) -> None:
    client, world = api
    dev = Device()
    body = dev.body([dev.change("site", world.site_a, "workers", 4)])
    assert client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_a")).status_code == 200
    refused = client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_b"))
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["code"] == protocol.CLIENT_NOT_YOURS and "expected_seq" not in problem
    assert " / " in problem["detail"]
    pulled = client.get(
        "/api/v1/sync/pull",
        params={"cursor": 0, "protocol": 1, "client_id": dev.client_id},
        headers=world.headers("insp_b"),
    )
    assert pulled.status_code == 403 and pulled.json()["code"] == protocol.CLIENT_NOT_YOURS
    listed = client.get("/api/v1/clients", headers=world.headers("admin")).json()
    assert [d["username"] for d in listed if d["client_id"] == dev.client_id] == ["insp_a"]
