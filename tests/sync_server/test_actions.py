"""Corrective actions on the server (SQLite and PostgreSQL): made by push from a failed item,
scoped by the site's district, past deadlines refused, the state machine (devices report
fixed, supervisors verify or reopen), concurrent reports (one wins, the other in the conflict
log), the migration of existing text+deadline answers, and the board's list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
import pytest

from shared_schema import actions as rules
from shared_schema.protocol import answer_entity_id
from shared_schema.sync import PushReply
from sync_server.core import actions, sync_service
from sync_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from sync_server.core.migrations import migrate
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device, complete_answers, dump_database, png_bytes, sha
from tests.sync_server.test_plans import only_assignment, start_linked

TODAY = rules.viet_nam_today()
SOON = (TODAY + dt.timedelta(days=14)).isoformat()
PHOTO = "c" * 64


def push(world: World, user: str, device: Device, changes: list[Any]) -> PushReply:
    return sync_service.push(world.server.db, world.actor(user), device.request(changes))


def pulled(world: World, user: str) -> dict[tuple[str, str, str], Any]:
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), 0, 5000, 1))
    return {(c["entity"], c["entity_id"], c["field"]): c["value"] for c in page["changes"]}


def answered_inspection(
    world: World, dev: Device, answers: list[tuple[str, str, Any]], user: str = "insp_a"
) -> tuple[str, PushReply]:
    """A new inspection of site A with ``answers`` (question, field, value), pushed by ``user``."""
    iid, create = dev.start_inspection(world.site_a)
    return iid, push(world, user, dev, [*create, *(dev.answer(iid, q, value, field=f) for q, f, value in answers)])


def failed_inspection(world: World, dev: Device, user: str = "insp_a") -> str:
    iid, reply = answered_inspection(world, dev, [("temp_check", "value", "no")], user)
    assert {r.status for r in reply.results} == {"applied"}
    return iid


def new_action(dev: Device, iid: str, question: str = "temp_check", deadline: str = SOON) -> tuple[str, list[Any]]:
    aid = str(uuid.uuid4())
    return aid, [
        dev.change("action", aid, "inspection_id", iid),
        dev.change("action", aid, "question_id", question),
        dev.change("action", aid, "description", "Lắp đặt điểm rửa tay ở lối vào xưởng"),
        dev.change("action", aid, "deadline", deadline),
        dev.change("action", aid, "responsible_name", "Lê Văn Cường"),
        dev.change("action", aid, "responsible_phone", "0912345678"),
    ]


def report_fixed(dev: Device, aid: str, note: str = "Đã lắp 2 bồn rửa tay") -> list[Any]:
    return [
        dev.change("action", aid, "fix_photos", [PHOTO]),
        dev.change("action", aid, "fix_note", note),
        dev.change("action", aid, "fixed_on", TODAY.isoformat()),
        dev.change("action", aid, "status", "reported_fixed"),
    ]


def test_a_failed_item_gets_an_action_that_travels_to_its_district_only(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    reply = push(world, "insp_a", dev, changes)
    assert [r.status for r in reply.results] == ["applied"] * 6
    seen = pulled(world, "insp_a2")  # a colleague of the same district
    assert seen[("action", aid, "site_id")] == world.site_a
    assert seen[("action", aid, "status")] == "open"
    assert seen[("action", aid, "deadline")] == SOON
    assert [e["event"] for e in seen[("action", aid, "history")]] == ["created"]
    assert not any(k[0] == "action" for k in pulled(world, "insp_b"))  # another district sees nothing
    page = actions.list_actions(world.server.db, world.actor("sup"))
    assert [(i.id, i.status, i.overdue, i.site_name) for i in page.items] == [(aid, "open", False, "Nhà máy A")]


def test_an_inspector_of_another_district_neither_sees_nor_changes_an_action(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    push(world, "insp_a", dev, changes)
    before = dump_database(world.db_path)
    other = Device()
    reply = push(world, "insp_b", other, [other.change("action", aid, "fix_note", "x")])
    assert reply.results[0].status == "rejected" and reply.results[0].code == "out_of_scope"
    # nor can one make an action on an inspection outside the districts
    reply = push(world, "insp_b", other, [other.change("action", str(uuid.uuid4()), "inspection_id", iid)])
    assert reply.results[0].code == "out_of_scope"
    assert actions.list_actions(world.server.db, world.actor("insp_b")).items == []
    with pytest.raises(NotFound):
        actions.get_action(world.server.db, world.actor("insp_b"), aid)
    after = dump_database(world.db_path)
    changed = [r for r in after if r not in before and "action" in r and "audit" not in r and "clients" not in r]
    assert not any(aid in r and "fix_note" in r for r in changed)


def test_a_past_deadline_is_refused_with_a_clear_reason_and_changes_nothing(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    aid, changes = new_action(dev, iid, deadline=yesterday)
    reply = push(world, "insp_a", dev, changes)
    result = reply.results[3]
    assert result.status == "rejected" and result.code == "invalid_value"
    assert "đã qua" in (result.reason or "") and "past" in (result.reason or "")
    # the device converges back to the server's value (none: the rejection is re-stamped)
    assert pulled(world, "insp_a").get(("action", aid, "deadline")) is None
    detail = actions.get_action(world.server.db, world.actor("sup"), aid)
    assert detail.item.deadline is None


def test_a_device_reports_fixed_and_only_a_supervisor_verifies_or_reopens(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    push(world, "insp_a", dev, changes)
    # reporting fixed needs evidence
    bare = push(world, "insp_a", dev, [dev.change("action", aid, "status", "reported_fixed")])
    assert bare.results[0].code == "incomplete"
    # a device cannot verify
    sneaky = push(world, "insp_a", dev, [dev.change("action", aid, "status", "verified")])
    assert sneaky.results[0].code == "not_permitted"
    reply = push(world, "insp_a", dev, report_fixed(dev, aid))
    assert [r.status for r in reply.results] == ["applied"] * 4
    with pytest.raises(Forbidden):
        actions.review(world.server.db, world.actor("insp_a"), aid, "verify", "ok")
    with pytest.raises(Invalid):
        actions.review(world.server.db, world.actor("sup"), aid, "reopen", "  ")  # reopening needs a comment
    reopened = actions.review(world.server.db, world.actor("sup"), aid, "reopen", "Bồn chưa có xà phòng")
    assert reopened.item.status == "reopened"
    with pytest.raises(Conflict):  # a reopened action must be reported fixed again first
        actions.review(world.server.db, world.actor("sup"), aid, "verify", None)
    push(
        world,
        "insp_a",
        dev,
        [
            dev.change("action", aid, "fix_note", "Đã bổ sung xà phòng"),
            dev.change("action", aid, "status", "reported_fixed"),
        ],
    )
    done = actions.review(world.server.db, world.actor("sup"), aid, "verify", "Đạt")
    assert done.item.status == "verified"
    assert [(e.event, e.comment) for e in done.history] == [
        ("created", None),
        ("reported_fixed", None),
        ("reopened", "Bồn chưa có xà phòng"),
        ("reported_fixed", None),
        ("verified", "Đạt"),
    ]
    seen = pulled(world, "insp_a")
    assert seen[("action", aid, "status")] == "verified"
    assert seen[("action", aid, "history")][-1]["comment"] == "Đạt"


def test_an_action_leaves_the_overdue_list_only_when_verified(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    push(world, "insp_a", dev, [*changes, *report_fixed(dev, aid)])
    later = TODAY + dt.timedelta(days=30)  # after the deadline
    sup = world.actor("sup")
    assert [i.id for i in actions.list_actions(world.server.db, sup, overdue=True, today=later).items] == [aid]
    # a later approved inspection of the site does not hide it
    dev2 = Device()
    iid2, create = dev2.start_inspection(world.site_a)
    push(world, "insp_a", dev2, [*create, *complete_answers(dev2, iid2, sha(png_bytes()))])
    assert [i.id for i in actions.list_actions(world.server.db, sup, overdue=True, today=later).items] == [aid]
    actions.review(world.server.db, sup, aid, "verify", None)
    assert actions.list_actions(world.server.db, sup, overdue=True, today=later).items == []
    assert actions.list_actions(world.server.db, sup, status="verified").total == 1


def test_two_devices_report_the_same_action_fixed_one_wins_the_other_is_in_the_conflict_log(world: World) -> None:
    a, b = Device(), Device()
    iid = failed_inspection(world, a)
    aid, changes = new_action(a, iid)
    push(world, "insp_a", a, changes)
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a2"), 0, 5000, 1))
    b.apply_pull(page)
    first = push(world, "insp_a", a, report_fixed(a, aid, "Lắp bồn rửa tay (máy A)"))
    second = push(world, "insp_a2", b, report_fixed(b, aid, "Lắp bồn rửa tay (máy B)"))
    assert {r.status for r in first.results} == {"applied"}
    note = second.results[1]
    assert note.conflict and note.status in ("applied", "superseded")
    assert second.results[3].status == "applied"  # the status converges: already reported fixed
    with world.server.db.read() as tx:
        rows = tx.query("SELECT entity, entity_id, field FROM conflicts WHERE entity = 'action'")
    assert ("action", aid, "fix_note") in [tuple(r) for r in rows]
    seen = pulled(world, "insp_a")
    assert seen[("action", aid, "status")] == "reported_fixed"
    assert seen[("action", aid, "fix_note")] in ("Lắp bồn rửa tay (máy A)", "Lắp bồn rửa tay (máy B)")


def test_what_was_asked_is_fixed_once_the_inspection_is_submitted_but_the_fix_can_follow(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    signature = sha(png_bytes())
    answers = complete_answers(dev, iid, signature)  # then the critical item "team" fails:
    team_fail = [dev.answer(iid, "team", "no"), dev.answer(iid, "team", [PHOTO], field="photos")]
    push(world, "insp_a", dev, [*create, *answers, *team_fail])
    # a failed critical item without an action (nor text and deadline) cannot be submitted
    refused = push(world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
    assert refused.results[0].code == "incomplete"
    aid, changes = new_action(dev, iid, question="team")
    reply = push(world, "insp_a", dev, [*changes, dev.change("inspection", iid, "status", "submitted")])
    assert reply.results[-1].status == "applied", reply.results[-1].reason
    locked = push(world, "insp_a", dev, [dev.change("action", aid, "description", "Khác")])
    assert locked.results[0].code == "locked"
    fixed = push(world, "insp_a", dev, report_fixed(dev, aid))
    assert [r.status for r in fixed.results] == ["applied"] * 4
    # the fix photo is readable by the action's district through the inspection's references
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM blob_refs WHERE sha256 = ? AND inspection_id = ?", (PHOTO, iid)) == 1


def test_existing_text_and_deadline_answers_become_actions_by_the_migration(world: World) -> None:
    iid, _ = answered_inspection(
        world,
        Device(),
        [
            ("team", "value", "no"),
            ("team", "corrective_action", "Thành lập tổ an toàn COVID"),
            ("team", "due_date", "2021-06-01"),
            ("masks", "value", "none"),
            ("masks", "corrective_action", "Phát khẩu trang"),
        ],
    )
    db = world.server.db
    with db.write() as tx:  # back to the schema before the migration, data as it was then
        tx.execute("DELETE FROM feed WHERE entity = 'action'")
        tx.execute("DROP TABLE action_events")
        tx.execute("DROP TABLE actions")
        tx.execute("DELETE FROM schema_migrations WHERE version = '0012_actions'")
        tx.execute("ALTER TABLE feed ADD COLUMN tail TEXT")  # the feed of then (0016 dropped it)
    assert migrate(db) == ["0012_actions"]
    with db.write() as tx:
        tx.execute("ALTER TABLE feed DROP COLUMN tail")
    team, masks = rules.migrated_action_id(iid, "team"), rules.migrated_action_id(iid, "masks")
    page = actions.list_actions(db, world.actor("sup"), sort="deadline")
    by_id = {i.id: i for i in page.items}
    assert set(by_id) == {team, masks}
    assert by_id[team].description == "Thành lập tổ an toàn COVID" and by_id[team].deadline == "2021-06-01"
    assert by_id[team].overdue and by_id[team].status == "open" and by_id[team].site_id == world.site_a
    assert by_id[masks].description == "Phát khẩu trang" and by_id[masks].deadline is None
    seen = pulled(world, "insp_a")
    assert seen[("action", team, "question_id")] == "team"
    assert seen[("action", team, "description")] == "Thành lập tổ an toàn COVID"
    assert seen[("answer", answer_entity_id(iid, "team"), "corrective_action")] == "Thành lập tổ an toàn COVID"
    assert [e["event"] for e in seen[("action", team, "history")]] == ["migrated"]
    with db.read() as tx:
        assert actions.latest_action_deadline(tx, iid) == "2021-06-01"
    # pulled changes carry increasing sequence numbers above everything before
    feed = msgspec.json.decode(sync_service.pull(db, world.actor("insp_a"), 0, 5000, 1))["changes"]
    seqs = [c["seq"] for c in feed]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_a_follow_up_records_not_yet_fixed_in_the_history_and_the_status_rules_stay(world: World) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    push(world, "insp_a", dev, changes)
    checked = [
        dev.change("action", aid, "check_note", "Mới mua máy đo, chưa lắp"),
        dev.change("action", aid, "checked_on", TODAY.isoformat()),
    ]
    assert [r.status for r in push(world, "insp_a", dev, checked).results] == ["applied"] * 2
    db, sup = world.server.db, world.actor("sup")
    detail = actions.get_action(db, sup, aid)
    assert detail.item.status == "open" and detail.item.deadline == SOON
    assert (detail.checked_on, detail.check_note) == (TODAY.isoformat(), "Mới mua máy đo, chưa lắp")
    assert [(e.event, e.by, e.comment) for e in detail.history][-1] == (
        "not_yet_fixed",
        "insp_a",
        "Mới mua máy đo, chưa lắp",
    )
    seen = pulled(world, "insp_a2")
    assert seen[("action", aid, "checked_on")] == TODAY.isoformat()
    assert [e["event"] for e in seen[("action", aid, "history")]] == ["created", "not_yet_fixed"]
    # still open: a supervisor can neither verify nor reopen it; a bad day is refused
    for decision in ("verify", "reopen"):
        with pytest.raises(Conflict):
            actions.review(db, sup, aid, decision, "Kiểm tra")
    bad = push(world, "insp_a", dev, [dev.change("action", aid, "checked_on", "hôm qua")]).results[0]
    assert bad.status == "rejected" and bad.code == "invalid_value"
    assert len(actions.get_action(db, sup, aid).history) == 2
    # and it can still be reported fixed later, then verified
    push(world, "insp_a", dev, report_fixed(dev, aid))
    assert actions.review(db, sup, aid, "verify").item.status == "verified"


def test_the_board_filters_by_plan_through_the_assignment_its_inspection_is_linked_to(world: World) -> None:
    plan_id, assignment = only_assignment(world)
    dev = Device()
    planned = start_linked(world, "insp_a", dev, assignment, world.site_a)
    failed = dev.answer(planned, "temp_check", "no")
    in_plan, changes = new_action(dev, planned)
    push(world, "insp_a", dev, [failed, *changes])
    unplanned = failed_inspection(world, dev)
    outside, changes = new_action(dev, unplanned)
    push(world, "insp_a", dev, changes)
    db, sup = world.server.db, world.actor("sup")
    assert {i.id for i in actions.list_actions(db, sup).items} == {in_plan, outside}
    page = actions.list_actions(db, sup, plan_id=plan_id)
    assert [i.id for i in page.items] == [in_plan] and page.total == 1
    assert actions.list_actions(db, sup, plan_id=plan_id, status="verified").items == []
    assert actions.list_actions(db, sup, plan_id="no-such-plan").items == []
    # the board offers the plan by its name, to those whose districts it touches
    assert actions.plan_choices(db, sup) == [(plan_id, "Đợt kiểm tra Covid-19 tháng 6")]
    assert actions.plan_choices(db, world.actor("insp_b")) == []
    assert actions.list_actions(db, world.actor("insp_b"), plan_id=plan_id).items == []


def test_the_board_refuses_unknown_filters_clearly(world: World) -> None:
    with pytest.raises(Invalid) as bad:
        actions.list_actions(world.server.db, world.actor("sup"), status="closed")
    assert "closed" in str(bad.value.detail)
    with pytest.raises(Invalid):
        actions.list_actions(world.server.db, world.actor("sup"), sort="name")


def test_the_actions_api_lists_reads_verifies_and_refuses_bad_input_changing_nothing(api) -> None:
    client, world = api
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    failed = dev.answer(iid, "temp_check", "no")
    aid, changes = new_action(dev, iid)
    body = dev.body([*create, failed, *changes, *report_fixed(dev, aid)])
    assert client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_a")).status_code == 200
    sup = world.headers("sup")
    page = client.get("/api/v1/actions?overdue=false&sort=deadline&limit=10", headers=sup).json()
    assert [i["id"] for i in page["items"]] == [aid] and page["total"] == 1
    assert page["items"][0]["status"] == "reported_fixed" and page["items"][0]["overdue"] is False
    assert client.get(f"/api/v1/actions?site_id={world.site_b}", headers=sup).json()["items"] == []
    assert client.get("/api/v1/actions?plan_id=no-such-plan", headers=sup).json()["items"] == []
    detail = client.get(f"/api/v1/actions/{aid}", headers=world.headers("insp_a")).json()
    assert detail["fix_photos"] == [PHOTO] and detail["item"]["responsible_name"] == "Lê Văn Cường"
    before = dump_database(world.db_path)
    for method, path, kwargs, status in [
        ("GET", "/api/v1/actions?status=closed", {}, 422),
        ("GET", "/api/v1/actions?sort=name", {}, 422),
        ("GET", "/api/v1/actions?overdue=maybe", {}, 400),
        ("GET", "/api/v1/actions?limit=0", {}, 400),
        ("GET", "/api/v1/actions/no-such-action", {}, 404),
        ("POST", "/api/v1/actions/no-such-action/verify", {"json": {}}, 404),
        ("POST", f"/api/v1/actions/{aid}/reopen", {"json": {}}, 422),  # reopening needs a comment
        ("POST", f"/api/v1/actions/{aid}/reopen", {"json": {"comment": "x" * 4001}}, 422),
        ("POST", f"/api/v1/actions/{aid}/verify", {"content": b"not json"}, 400),
        ("POST", f"/api/v1/actions/{aid}/verify", {"json": {"comment": 5}}, 400),
    ]:
        r = client.request(method, path, headers=sup, **kwargs)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert dump_database(world.db_path) == before
    ok = client.post(f"/api/v1/actions/{aid}/verify", json={"comment": "Đã kiểm tra tại chỗ"}, headers=sup)
    assert ok.status_code == 200 and ok.json()["item"]["status"] == "verified"
    again = client.post(f"/api/v1/actions/{aid}/verify", json={}, headers=sup)
    assert again.status_code == 409 and "Verified" in again.json()["detail"]


def test_the_seeded_demo_has_an_open_overdue_action_and_a_verified_one(tmp_path) -> None:
    from sync_server.core import content
    from sync_server.core.server import Server
    from tests.sync_server.conftest import make_config

    server = Server.open(make_config(tmp_path))
    try:
        report = content.seed_demo(server)
        assert "corrective actions: 1 open and overdue, 1 verified" in report.lines
        admin = server.db
        from sync_server.core.access import SYSTEM

        page = actions.list_actions(admin, SYSTEM)
        states = sorted((i.status, i.overdue) for i in page.items)
        assert states == [("open", True), ("verified", False)]
        assert all(i.description and i.site_name for i in page.items)
        again = content.seed_demo(server)  # a second run keeps them
        assert "corrective actions: exist, kept" in again.lines
        assert actions.list_actions(admin, SYSTEM).total == 2
    finally:
        server.close()


def test_an_older_apps_answer_text_and_deadline_become_the_same_action_nothing_lost(world: World) -> None:
    dev = Device()
    iid, _ = answered_inspection(
        world,
        dev,
        [("masks", "value", "none"), ("masks", "corrective_action", "Phát khẩu trang"), ("masks", "due_date", SOON)],
    )
    aid = rules.migrated_action_id(iid, "masks")
    detail = actions.get_action(world.server.db, world.actor("sup"), aid)
    assert (detail.item.description, detail.item.deadline, detail.item.status) == ("Phát khẩu trang", SOON, "open")
    push(world, "insp_a", dev, [dev.answer(iid, "masks", "Phát khẩu trang cho cả ca đêm", field="corrective_action")])
    assert (
        actions.get_action(world.server.db, world.actor("sup"), aid).item.description == "Phát khẩu trang cho cả ca đêm"
    )
    assert actions.list_actions(world.server.db, world.actor("sup")).total == 1  # one record, not one per edit
    seen = pulled(world, "insp_a")
    assert seen[("action", aid, "description")] == "Phát khẩu trang cho cả ca đêm"


def test_an_actions_site_and_inspection_are_fixed_and_an_unknown_action_needs_its_inspection_first(
    world: World,
) -> None:
    dev = Device()
    iid = failed_inspection(world, dev)
    aid, changes = new_action(dev, iid)
    push(world, "insp_a", dev, changes)
    moved = push(world, "insp_a", dev, [dev.change("action", aid, "site_id", world.site_b)])
    assert moved.results[0].code == "identity_fixed"
    assert pulled(world, "insp_a")[("action", aid, "site_id")] == world.site_a
    orphan = push(world, "insp_a", dev, [dev.change("action", str(uuid.uuid4()), "description", "x")])
    assert orphan.results[0].code == "unknown_action"
    server_only = push(world, "insp_a", dev, [dev.change("action", aid, "history", [])])
    assert server_only.results[0].code == "not_permitted"
