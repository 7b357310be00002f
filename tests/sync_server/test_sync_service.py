"""Push and pull at the service level (no HTTP): exactly-once, merge, conflicts, workflow,
validation against the pinned checklist, clock skew, re-stamping, visibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from shared_schema.protocol import MAX_CLOCK_SKEW_MS, answer_entity_id
from shared_schema.sync import PushReply
from sync_server.core import devices, inspections, registry, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.devices import pull_needs_recording
from sync_server.core.errors import BadRequest, Conflict, Invalid, TooLarge
from sync_server.core.util import now_ms
from tests.support.sample_checklist import sample_template
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device, complete_answers, dump_database, sha


def push(world: World, user: str, device: Device, changes: list[Any]) -> PushReply:
    return sync_service.push(world.server.db, world.actor(user), device.request(changes))


def pull_all(world: World, user: str, cursor: int = 0, limit: int = 1000) -> dict[str, Any]:
    """Every visible change above ``cursor``, following ``has_more``."""
    changes: list[dict[str, Any]] = []
    while True:
        page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), cursor, limit, 1))
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return {"changes": changes, "cursor": cursor}


def state(page: dict[str, Any]) -> dict[tuple[str, str, str], Any]:
    return {(c["entity"], c["entity_id"], c["field"]): c["value"] for c in page["changes"]}


def statuses(reply: PushReply) -> list[str]:
    return [r.status for r in reply.results]


def test_new_inspection_and_answers_are_applied_scored_and_pulled(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, "insp_a", dev, [*create, dev.answer(iid, "team", "yes"), dev.answer(iid, "masks", "most")])
    assert statuses(reply) == ["applied"] * 6
    assert reply.acked_seq == 6
    seen = state(pull_all(world, "insp_a"))
    assert seen[("answer", answer_entity_id(iid, "team"), "value")] == "yes"
    assert seen[("inspection", iid, "status")] == "draft"
    assert seen[("inspection", iid, "inspector")] == "insp_a"
    # team 3×1 + masks 3×0.5 = 4.5 of 6
    assert seen[("inspection", iid, "score")] == 75.0
    assert seen[("inspection", iid, "result")] == "pass_rec"


def test_replayed_push_is_duplicate_and_changes_nothing(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    batch = [*create, dev.answer(iid, "workers", 10)]
    first = push(world, "insp_a", dev, batch)
    before = dump_database(world.db_path)
    again = push(world, "insp_a", dev, batch)
    assert statuses(again) == ["duplicate"] * 5
    assert again.acked_seq == first.acked_seq
    assert again.cursor == first.cursor
    assert dump_database(world.db_path) == before


def test_sequence_gap_is_refused_whole_with_the_expected_seq(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create[:2])
    before = dump_database(world.db_path)
    with pytest.raises(Conflict) as err:
        push(world, "insp_a", dev, create[3:])  # skips client_seq 3
    assert err.value.code == "sequence_gap"
    assert err.value.extra["expected_seq"] == 3
    assert dump_database(world.db_path) == before


def test_gap_inside_a_batch_is_refused(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    with pytest.raises(Conflict) as err:
        push(world, "insp_a", dev, [create[0], create[2]])
    assert err.value.extra["expected_seq"] == 1


def test_partly_acknowledged_batch_applies_only_the_new_tail(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create[:2])
    reply = push(world, "insp_a", dev, create)
    assert statuses(reply) == ["duplicate", "duplicate", "applied", "applied"]
    assert reply.acked_seq == 4


def test_later_clock_wins_and_concurrent_loser_goes_to_the_conflict_log(world: World) -> None:
    a, b = Device("dev-a"), Device("dev-b")
    iid, create = a.start_inspection(world.site_a)
    push(world, "insp_a", a, create)
    b.apply_pull(pull_all(world, "insp_a2"))
    # Both edit the same answer without seeing each other; b's clock is later.
    edit_a = a.answer(iid, "workers", 100)
    edit_b = b.change("answer", answer_entity_id(iid, "workers"), "value", 200, hlc=f"{now_ms() + 5:015d}-00000-dev-b")
    ra = push(world, "insp_a", a, [edit_a])
    rb = push(world, "insp_a2", b, [edit_b])
    assert statuses(ra) == ["applied"] and not ra.results[0].conflict
    assert statuses(rb) == ["applied"] and rb.results[0].conflict
    seen = state(pull_all(world, "sup"))
    assert seen[("answer", answer_entity_id(iid, "workers"), "value")] == 200
    conflicts = [v for (e, _, _), v in seen.items() if e == "conflict"]
    assert len(conflicts) == 1
    entry = conflicts[0]
    assert (entry["winner_value"], entry["loser_value"]) == (200, 100)
    assert (entry["winner_user"], entry["loser_user"]) == ("insp_a2", "insp_a")
    assert entry["resolved"] is False


def test_concurrent_edit_arriving_late_is_superseded_and_logged(world: World) -> None:
    a, b = Device("dev-a"), Device("dev-b")
    iid, create = a.start_inspection(world.site_a)
    push(world, "insp_a", a, create)
    b.apply_pull(pull_all(world, "insp_a2"))
    edit_a = a.answer(iid, "manager", "ghi chú A", field="note")
    edit_b = b.answer(iid, "manager", "ghi chú B", field="note")  # later clock
    push(world, "insp_a2", b, [edit_b])
    ra = push(world, "insp_a", a, [edit_a])
    assert ra.results[0].status == "superseded" and ra.results[0].conflict
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM conflicts") == 1


def test_sequential_edits_by_two_devices_are_not_conflicts(world: World) -> None:
    a, b = Device("dev-a"), Device("dev-b")
    iid, create = a.start_inspection(world.site_a)
    push(world, "insp_a", a, [*create, a.answer(iid, "workers", 1)])
    b.apply_pull(pull_all(world, "insp_a2"))
    rb = push(world, "insp_a2", b, [b.answer(iid, "workers", 2)])  # saw a's value: base_hlc matches
    assert statuses(rb) == ["applied"] and not rb.results[0].conflict
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM conflicts") == 0


def rejected(reply: PushReply, index: int = -1) -> str | None:
    res = reply.results[index]
    assert res.status == "rejected", res
    assert res.reason
    return res.code


def test_value_outside_the_question_range_is_rejected_and_restamped(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, [*create, dev.answer(iid, "workers", 50)])
    cursor = pull_all(world, "insp_a")["cursor"]
    reply = push(world, "insp_a", dev, [dev.answer(iid, "workers", -5)])
    assert rejected(reply) == "invalid_value"
    assert reply.acked_seq == dev.seq  # a rejected change is acknowledged too
    after = pull_all(world, "insp_a", cursor)["changes"]
    restamped = [c for c in after if c["entity_id"] == answer_entity_id(iid, "workers")]
    assert restamped and restamped[0]["value"] == 50 and restamped[0]["hlc"].endswith("-server")


@pytest.mark.parametrize(
    ("question", "value"),
    [
        ("masks", "everyone"),
        ("team", "maybe"),
        ("self_check_date", "20/05/2021"),
        ("workers", 1.5),
        ("shortages", ["rice", "rice"]),
        ("overview", ["not-a-hash"]),
        ("gps", {"lat": 99, "lon": 0}),
    ],
)
def test_values_are_validated_against_their_question(world: World, question: str, value: Any) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, "insp_a", dev, [*create, dev.answer(iid, question, value)])
    assert rejected(reply) == "invalid_value"


def test_unknown_question_of_the_pinned_version_is_rejected(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, "insp_a", dev, [*create, dev.answer(iid, "no_such_question", "yes")])
    assert rejected(reply) == "unknown_field"


def test_unknown_checklist_version_is_rejected_and_answers_then_have_no_template(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a, version=7)
    reply = push(world, "insp_a", dev, [*create, dev.answer(iid, "team", "yes")])
    assert rejected(reply, 2) == "unknown_template"
    assert rejected(reply, 4) == "unknown_template"


def test_pinned_version_is_kept_when_a_new_version_is_published(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    v2 = msgspec.structs.replace(sample_template(2), sections=sample_template(2).sections[:1])
    registry.save_template(world.server.db, SYSTEM, v2)
    registry.publish_template(world.server.db, SYSTEM, "sample-factory", 2)
    # "team" exists only in version 1; the inspection keeps version 1.
    reply = push(
        world, "insp_a", dev, [dev.answer(iid, "team", "yes"), dev.change("inspection", iid, "template_version", 2)]
    )
    assert reply.results[0].status == "applied"
    assert rejected(reply, 1) == "identity_fixed"


def registry_rows(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of the registry and sync tables (not the client bookkeeping or the audit log)."""
    tables = ("feed", "inspections", "sites", "conflicts", "reviews", "blobs", "blob_refs", "templates")
    with world.server.db.read() as tx:
        return {t: sorted(tuple(r) for r in tx.query(f"SELECT * FROM {t}")) for t in tables}


def test_inspection_on_another_districts_site_is_rejected(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_b)
    before = registry_rows(world)
    reply = push(world, "insp_a", dev, create)
    assert [r.code for r in reply.results] == [
        "out_of_scope",
        "unknown_inspection",
        "unknown_inspection",
        "unknown_inspection",
    ]
    assert registry_rows(world) == before


def test_server_fields_are_not_writable_by_devices(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, "insp_a", dev, [*create, dev.change("inspection", iid, "score", 100.0)])
    assert rejected(reply) == "not_permitted"


def test_clock_far_ahead_is_rejected_and_never_adopted(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    future = now_ms() + MAX_CLOCK_SKEW_MS + 60_000
    ahead = dev.change(
        "answer", answer_entity_id(iid, "workers"), "value", 9, hlc=f"{future:015d}-00000-{dev.client_id}"
    )
    reply = push(world, "insp_a", dev, [ahead])
    assert rejected(reply) == "clock_ahead"
    assert "date and time" in (reply.results[0].reason or "")
    with world.server.db.read() as tx:
        clock = tx.scalar("SELECT value FROM meta WHERE key = 'server_clock'")
    assert int(clock[:15]) < future


def submit_ready(world: World, dev: Device, user: str = "insp_a") -> str:
    iid, create = dev.start_inspection(world.site_a)
    push(world, user, dev, [*create, *complete_answers(dev, iid, sha(b"sig"))])
    return iid


def test_submitting_an_incomplete_inspection_is_rejected_with_what_is_missing(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    reply = push(world, "insp_a", dev, [*create, dev.change("inspection", iid, "status", "submitted")])
    assert rejected(reply) == "incomplete"
    assert "Total workers" in (reply.results[-1].reason or "")


def test_failed_critical_item_needs_corrective_action_before_submit(world: World) -> None:
    dev = Device()
    iid = submit_ready(world, dev)
    reply = push(
        world, "insp_a", dev, [dev.answer(iid, "masks", "few"), dev.change("inspection", iid, "status", "submitted")]
    )
    assert rejected(reply) == "incomplete"
    assert "corrective action" in (reply.results[-1].reason or "")
    fixed = push(
        world,
        "insp_a",
        dev,
        [
            dev.answer(iid, "masks", "Phát khẩu trang tại cổng", field="corrective_action"),
            dev.answer(iid, "masks", "2021-06-01", field="due_date"),
            dev.answer(iid, "masks", [sha(b"photo")], field="photos"),
            dev.change("inspection", iid, "status", "submitted"),
        ],
    )
    assert statuses(fixed) == ["applied"] * 4
    seen = state(pull_all(world, "insp_a"))
    assert seen[("inspection", iid, "result")] == "fail"


def test_invalid_status_transition_is_rejected(world: World) -> None:
    dev = Device()
    iid = submit_ready(world, dev)
    push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    inspections.review(world.server.db, world.actor("sup"), iid, "return", "Bổ sung ảnh")
    reply = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "draft")])
    assert rejected(reply) == "invalid_transition"


def test_review_decisions_cannot_be_pushed_even_by_a_supervisor(world: World) -> None:
    dev = Device()
    iid = submit_ready(world, dev)
    push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    supervisors = Device()  # a device is registered to one user (PROTOCOL.md §1)
    reply = push(world, "sup", supervisors, [supervisors.change("inspection", iid, "status", "approved")])
    assert rejected(reply) == "not_permitted"
    assert "review" in (reply.results[0].reason or "")


def test_push_refuses_malformed_requests_whole(world: World) -> None:
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    bad_entity = msgspec.structs.replace(create[1], entity="spaceship")
    bad_field = msgspec.structs.replace(create[2], field="colour")
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as err:
        push(world, "insp_a", dev, [create[0], bad_entity, bad_field, create[3]])
    assert {e.code for e in err.value.errors} == {"unknown_entity", "unknown_field"}
    assert err.value.errors[0].field == "changes[1].entity"
    with pytest.raises(BadRequest) as proto:
        sync_service.push(
            world.server.db, world.actor("insp_a"), msgspec.structs.replace(dev.request(create), protocol=99)
        )
    assert proto.value.code == "protocol_unsupported"
    with pytest.raises(TooLarge):
        push(world, "insp_a", dev, [create[0]] * 501)
    forged = msgspec.structs.replace(create[0], hlc=create[0].hlc.replace(dev.client_id, "server"))
    with pytest.raises(Invalid):
        push(world, "insp_a", dev, [forged])
    assert dump_database(world.db_path) == before


def test_site_fields_devices_may_correct_and_those_they_may_not(world: World) -> None:
    dev = Device()
    reply = push(
        world,
        "insp_a",
        dev,
        [
            dev.change("site", world.site_a, "workers", 850),
            dev.change("site", world.site_a, "contact", {"name": "Chị Hoa", "phone": "0912345678"}),
            dev.change("site", world.site_a, "name", "Tên mới"),
            dev.change("site", world.site_b, "workers", 5),
        ],
    )
    assert [r.code for r in reply.results] == [None, None, "not_permitted", "out_of_scope"]
    site = registry.get_site(world.server.db, SYSTEM, world.site_a)
    assert site.workers == 850 and site.contact is not None and site.contact.name == "Chị Hoa"
    assert site.name == "Nhà máy A"


def test_pull_visibility_follows_districts(world: World) -> None:
    a, b = Device(), Device()
    ia, ca = a.start_inspection(world.site_a)
    ib, cb = b.start_inspection(world.site_b)
    push(world, "insp_a", a, ca)
    push(world, "insp_b", b, cb)
    seen_a = {k[1] for k in state(pull_all(world, "insp_a"))}
    seen_b = {k[1] for k in state(pull_all(world, "insp_b"))}
    seen_admin = {k[1] for k in state(pull_all(world, "admin"))}
    assert ia in seen_a and ib not in seen_a and world.site_b not in seen_a
    assert ib in seen_b and ia not in seen_b
    assert {ia, ib, world.site_a, world.site_b, "sample-factory@1"} <= seen_admin
    assert "sample-factory@1" in seen_a and "sample-factory@1" in seen_b


def test_pull_pages_are_complete_and_oldest_first(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, [*create, *complete_answers(dev, iid, sha(b"s"))])
    whole = pull_all(world, "insp_a")
    paged = pull_all(world, "insp_a", limit=3)
    assert paged["changes"] == whole["changes"]
    seqs = [c["seq"] for c in whole["changes"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert pull_all(world, "insp_a", whole["cursor"])["changes"] == []


def test_feed_is_compacted_one_row_per_field(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    for n in range(5):
        push(world, "insp_a", dev, [dev.answer(iid, "workers", n)])
    rows = [c for c in pull_all(world, "insp_a")["changes"] if c["entity_id"] == answer_entity_id(iid, "workers")]
    assert [r["value"] for r in rows] == [4]


def test_pull_checks_protocol_and_limits(world: World) -> None:
    with pytest.raises(BadRequest):
        sync_service.pull(world.server.db, world.actor("insp_a"), 0, 10, None)
    with pytest.raises(Invalid):
        sync_service.pull(world.server.db, world.actor("insp_a"), -1, 10, 1)
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("admin"), 0, 10**6, 1))
    assert len(page["changes"]) <= 5000


def test_server_clock_and_sequence_survive_a_restart(world: World, tmp_path: Any) -> None:
    from sync_server.core.server import Server

    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    first = push(world, "insp_a", dev, create)
    with world.server.db.read() as tx:
        clock_before = tx.scalar("SELECT value FROM meta WHERE key = 'server_clock'")
    config = world.server.config
    world.server.close()
    world.server = Server.open(config)
    second = push(world, "insp_a", dev, [dev.answer(iid, "workers", 3)])
    assert second.cursor > first.cursor
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT value FROM meta WHERE key = 'server_clock'") > clock_before


def test_pulls_during_concurrent_pushes_never_skip_a_change(world: World) -> None:
    """Writers commit in threads while a reader pulls page by page; replaying what the reader
    got must give exactly the server's final state."""
    import threading

    devices = [Device() for _ in range(4)]
    batches: list[tuple[Device, list[Any]]] = []
    for dev in devices:
        for _ in range(6):
            iid, create = dev.start_inspection(world.site_a)
            batches.append((dev, [*create, *complete_answers(dev, iid, sha(b"x"))]))
    done = threading.Event()

    def writer(dev: Device) -> None:
        for owner, changes in batches:
            if owner is dev:
                push(world, "insp_a", dev, changes)

    seen: dict[tuple[str, str, str], tuple[int, Any]] = {}
    cursor = 0

    def pull_once() -> None:
        nonlocal cursor
        page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), cursor, 7, 1))
        for c in page["changes"]:
            assert c["seq"] > cursor
            seen[(c["entity"], c["entity_id"], c["field"])] = (c["seq"], c["value"])
        cursor = page["cursor"]

    threads = [threading.Thread(target=writer, args=(d,)) for d in devices]
    for t in threads:
        t.start()
    while not done.is_set():
        pull_once()
        if not any(t.is_alive() for t in threads):
            done.set()
    for t in threads:
        t.join()
    pull_once()
    while True:  # drain what committed after the last page
        before = cursor
        pull_once()
        if cursor == before:
            break
    final = {
        (c["entity"], c["entity_id"], c["field"]): (c["seq"], c["value"]) for c in pull_all(world, "insp_a")["changes"]
    }
    assert seen == final


def device_row(world: World, client_id: str) -> Any:
    listed = devices.list_clients(world.server.db, world.actor("admin"))
    return next((d for d in listed if d.client_id == client_id), None)


def test_a_completed_pull_records_when_the_device_pulled_and_its_cursor(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    first = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 2, 1, dev.client_id))
    assert first["has_more"]
    assert device_row(world, dev.client_id).last_pull_at is None  # a page in the middle writes nothing
    cursor = pull_all(world, "insp_a")["cursor"]
    sync_service.pull(world.server.db, world.actor("insp_a"), first["cursor"], 1000, 1, dev.client_id)
    row = device_row(world, dev.client_id)
    assert row.last_pull_cursor == cursor and row.last_pull_at is not None and row.username == "insp_a"
    before = dump_database(world.db_path)
    sync_service.pull(world.server.db, world.actor("insp_a"), cursor, 1000, 1, dev.client_id)
    assert dump_database(world.db_path) == before  # nothing new within a minute: no write
    push(world, "insp_a", dev, [dev.answer(iid, "team", "yes")])
    sync_service.pull(world.server.db, world.actor("insp_a"), cursor, 1000, 1, dev.client_id)
    assert device_row(world, dev.client_id).last_pull_cursor > cursor


def test_a_device_that_only_pulls_is_listed(world: World) -> None:
    sync_service.pull(world.server.db, world.actor("sup"), 0, 1000, 1, "tablet-7")
    row = device_row(world, "tablet-7")
    assert row.last_seq == 0 and row.last_pull_at is not None and row.last_push_at is None


def test_pull_with_an_invalid_client_id_is_refused_and_records_nothing(world: World) -> None:
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as err:
        sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1, "bad id with spaces")
    assert err.value.code == "invalid_client_id"
    assert dump_database(world.db_path) == before


def test_pull_is_recorded_again_after_a_minute_even_without_news() -> None:
    now = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert pull_needs_recording(None, None, 5, now)
    assert pull_needs_recording("2026-05-01T07:59:30.000Z", 4, 5, now)
    assert not pull_needs_recording("2026-05-01T07:59:30.000Z", 5, 5, now)
    assert pull_needs_recording("2026-05-01T07:58:59.000Z", 5, 5, now)


# --- a lost reply: duplicates carry the original outcome (PROTOCOL.md §4) --------------------


def test_a_rejected_change_replayed_comes_back_duplicate_with_its_original_reason(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, [*create, dev.answer(iid, "workers", 50)])
    batch = [dev.answer(iid, "workers", -5), dev.answer(iid, "team", "yes")]
    first = push(world, "insp_a", dev, batch)
    assert statuses(first) == ["rejected", "applied"]
    before = dump_database(world.db_path)
    again = push(world, "insp_a", dev, batch)  # the first reply was lost
    assert statuses(again) == ["duplicate", "duplicate"]
    replayed, plain = again.results
    assert replayed.original_status == "rejected"
    assert replayed.code == first.results[0].code == "invalid_value"
    assert replayed.reason and replayed.reason == first.results[0].reason
    assert replayed.messages is not None and replayed.messages == first.results[0].messages
    assert (plain.original_status, plain.code, plain.reason, plain.conflict) == (None, None, None, False)
    assert again.acked_seq == first.acked_seq
    assert dump_database(world.db_path) == before  # a replay still writes nothing
    # A retry that also carries new changes: the replayed part is answered the same way.
    mixed = push(world, "insp_a", dev, [*batch, dev.answer(iid, "masks", "most")])
    assert statuses(mixed) == ["duplicate", "duplicate", "applied"]
    assert mixed.results[0].original_status == "rejected" and mixed.results[0].code == "invalid_value"
    assert mixed.results[1].original_status is None


def test_a_concurrent_edit_replayed_comes_back_duplicate_with_its_conflict(world: World) -> None:
    a, b = Device(), Device()
    iid, create = a.start_inspection(world.site_a)
    push(world, "insp_a", a, create)
    push(world, "insp_a", a, [a.answer(iid, "workers", 10)])
    late = [b.answer(iid, "workers", 20)]  # b never saw a's value: concurrent, and later
    first = push(world, "insp_a2", b, late)
    assert first.results[0].conflict
    again = push(world, "insp_a2", b, late)
    assert again.results[0].status == "duplicate"
    assert again.results[0].original_status == first.results[0].status
    assert again.results[0].conflict and again.results[0].reason == first.results[0].reason
    assert again.results[0].messages is not None and again.results[0].messages == first.results[0].messages


def test_a_rejected_change_carries_its_reason_in_each_language_and_as_one_text(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    reply = push(
        world, "insp_a", dev, [dev.answer(iid, "workers", -5), dev.change("inspection", iid, "record_number", "1")]
    )
    wire = msgspec.json.decode(msgspec.json.encode(reply))  # what an app receives
    invalid, server_only = wire["results"]
    assert (invalid["status"], invalid["code"], server_only["code"]) == ("rejected", "invalid_value", "not_permitted")
    for result in (invalid, server_only):
        vi, en = result["messages"]["vi"], result["messages"]["en"]
        assert vi and en and vi != en
        assert result["reason"] == f"{vi} / {en}"  # what apps before 2026-11-30 show
    assert "record_number" in server_only["messages"]["en"] and "Chỉ máy chủ" in server_only["messages"]["vi"]
    assert "Only the server" not in server_only["messages"]["vi"]


def test_an_applied_change_carries_no_reason_and_no_messages(world: World) -> None:
    dev = Device()
    _, create = dev.start_inspection(world.site_a)
    wire = msgspec.json.decode(msgspec.json.encode(push(world, "insp_a", dev, create)))
    assert all(set(r) == {"change_id", "status"} for r in wire["results"])


def test_a_result_remembered_before_messages_existed_is_replayed_with_its_reason_alone(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, create)
    batch = [dev.answer(iid, "workers", -5)]
    first = push(world, "insp_a", dev, batch)
    with world.server.db.write() as tx:  # as a server before migration 0017 kept it
        tx.execute("UPDATE push_results SET reason_vi = NULL, reason_en = NULL WHERE client_id = ?", (dev.client_id,))
    again = push(world, "insp_a", dev, batch).results[0]
    assert (again.status, again.original_status, again.code) == ("duplicate", "rejected", "invalid_value")
    assert again.reason == first.results[0].reason and again.messages is None


def test_only_rejected_and_conflicting_outcomes_are_kept_and_old_ones_are_pruned(world: World, monkeypatch) -> None:
    from sync_server.core import push_results

    monkeypatch.setattr(push_results, "KEEP_WINDOW", 3)
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    push(world, "insp_a", dev, [*create, dev.answer(iid, "workers", 50)])

    def kept() -> list[int]:
        with world.server.db.read() as tx:
            rows = tx.query("SELECT client_seq FROM push_results WHERE client_id = ?", (dev.client_id,))
        return sorted(int(r[0]) for r in rows)

    assert kept() == []  # applied changes leave no row
    push(world, "insp_a", dev, [dev.answer(iid, "workers", -1)])  # seq 6
    assert kept() == [6]
    push(world, "insp_a", dev, [dev.answer(iid, "team", "yes"), dev.answer(iid, "team", "no")])  # 7, 8
    assert kept() == [6]  # nothing to remember: nothing written, nothing pruned
    push(world, "insp_a", dev, [dev.answer(iid, "workers", -2)])  # seq 9: prunes <= 9 - 3
    assert kept() == [9]


# --- a status the server already holds is re-stamped ------------------------------------------


def test_a_status_pushed_that_the_server_holds_is_restamped_so_every_device_agrees(world: World) -> None:
    a, b = Device(), Device()
    iid = submit_ready(world, a)
    b.apply_pull(pull_all(world, "insp_a2"))
    b_submit = b.change("inspection", iid, "status", "submitted")  # offline: b has not seen a's submit
    assert statuses(push(world, "insp_a", a, [a.change("inspection", iid, "status", "submitted")])) == ["applied"]
    cursor = pull_all(world, "insp_a")["cursor"]
    assert statuses(push(world, "insp_a2", b, [b_submit])) == ["applied"]
    after = [c for c in pull_all(world, "insp_a", cursor)["changes"] if c["field"] == "status"]
    assert len(after) == 1 and after[0]["value"] == "submitted"
    assert after[0]["hlc"].endswith("-server") and after[0]["hlc"] > b_submit.hlc
    a.apply_pull(pull_all(world, "insp_a"))
    b.apply_pull(pull_all(world, "insp_a2"))
    key = ("inspection", iid, "status")
    assert (a.values[key], a.seen[key]) == (b.values[key], b.seen[key]) == ("submitted", after[0]["hlc"])


def test_an_other_specify_choice_needs_its_words_before_submit(world: World) -> None:
    dev = Device()
    iid = submit_ready(world, dev)
    reply = push(
        world,
        "insp_a",
        dev,
        [dev.answer(iid, "shortages", ["other"]), dev.change("inspection", iid, "status", "submitted")],
    )
    assert rejected(reply) == "incomplete"
    assert "other" in (reply.results[-1].reason or "").lower()
    fixed = push(
        world,
        "insp_a",
        dev,
        [dev.answer(iid, "shortages", "Bột giặt", field="other"), dev.change("inspection", iid, "status", "submitted")],
    )
    assert statuses(fixed) == ["applied"] * 2
    assert state(pull_all(world, "insp_a"))[("answer", f"{iid}/shortages", "other")] == "Bột giặt"
