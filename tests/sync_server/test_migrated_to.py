"""``migrated_to`` on the server (PROTOCOL.md §3): the link from a draft to the inspection it
was moved to is written once, first write wins, on both databases."""

from __future__ import annotations

from typing import Any

from shared_schema.sync import PushReply
from sync_server.core import sync_service
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device


def push(world: World, user: str, device: Device, changes: list[Any]) -> PushReply:
    return sync_service.push(world.server.db, world.actor(user), device.request(changes))


def test_the_link_to_the_new_inspection_is_written_once_and_first_write_wins(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    first = push(world, "insp_a", dev, [*create, dev.change("inspection", iid, "migrated_to", "new-1")])
    assert [r.status for r in first.results] == ["applied"] * (len(create) + 1)
    again = push(world, "insp_a", dev, [dev.change("inspection", iid, "migrated_to", "new-1")])
    assert again.results[0].status in ("applied", "duplicate")
    other = push(world, "insp_a", dev, [dev.change("inspection", iid, "migrated_to", "new-2")])
    assert (other.results[0].status, other.results[0].code) == ("rejected", "identity_fixed")
    assert other.results[0].reason is not None and "new-1" in other.results[0].reason
    with world.server.db.read() as tx:
        value = tx.scalar(
            "SELECT value FROM feed WHERE entity = 'inspection' AND entity_id = ? AND field = 'migrated_to'", (iid,)
        )
    assert value == '"new-1"'


def test_a_link_to_itself_or_empty_is_refused(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(
        world,
        "insp_a",
        dev,
        [
            *create,
            dev.change("inspection", iid, "migrated_to", iid),
            dev.change("inspection", iid, "migrated_to", None),
        ],
    )
    assert [r.code for r in reply.results[-2:]] == ["invalid_value", "invalid_value"]
