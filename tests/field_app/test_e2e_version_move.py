"""A draft moves to a newer checklist version across sync, against a real server process: the
new version is published on the server, reaches the phone, the draft moves offline, and after
sync the server holds the new draft with the kept answers and the old one discarded and linked.
A second phone that moves the same draft later cannot change the link (first write wins)."""

from __future__ import annotations

import msgspec
import pytest

from tests.field_app.e2e import assert_converged, site_id, sync_ok
from tests.support.changed_checklist import changed_template

pytestmark = pytest.mark.slow


def test_a_draft_moved_offline_reaches_the_server_discarded_and_linked_and_the_link_is_written_once(world):
    phone = world.device("move-a", "an")
    other = world.device("move-b", "an")  # the same inspector's second phone
    old_id = phone.start_inspection(site_id(phone, "DN-001"), "sample-factory")
    for qid, value in [("workers", 150), ("team", "yes"), ("manager", "Bà Lan"), ("masks", "all")]:
        assert phone.set_answer_value(old_id, qid, value) is None
    assert phone.set_note(old_id, "team", "Tổ 5 người") is None
    sync_ok(phone)
    sync_ok(other)
    assert other.get_inspection(old_id).header.status == "draft"

    path = world.root / "sample-factory-2.json"
    path.write_bytes(msgspec.json.encode(changed_template(2)))
    done = world.server.cli("load-checklist", str(path), "--publish")
    assert done.returncode == 0, done.stderr or done.stdout
    sync_ok(phone)
    sync_ok(other)
    plan = phone.version_move_plan(old_id)
    assert plan is not None and plan.to_version == 2

    # offline: the phone moves the draft, then syncs
    new_id = phone.move_to_new_version(old_id, expect=plan)
    sync_ok(phone)
    old = world.inspection("an", old_id)["header"]
    new = world.inspection("an", new_id)
    assert old["status"] == "discarded" and old["migrated_to"] == new_id
    assert new["header"]["status"] == "draft" and new["header"]["template_version"] == 2
    answers = {a["question_id"]: a for a in new["answers"]}
    assert answers["team"]["value"] == "yes" and answers["team"]["note"] == "Tổ 5 người"
    assert answers["masks"]["value"] == "all"
    assert "manager" not in answers and answers.get("workers", {}).get("value") is None
    assert_converged(world, (phone, "an"))

    # the second phone moved the same draft before it heard of the first move: the old draft is
    # already discarded (locked), so its link is refused and the first one stays
    second_new = other.move_to_new_version(old_id)
    sync_ok(other)
    assert world.inspection("an", old_id)["header"]["migrated_to"] == new_id
    codes = {r["field"]: r["code"] for r in other.store.query("SELECT field, code FROM rejections")}
    assert codes.get("migrated_to") == "locked"
    assert other.get_inspection(old_id).header.migrated_to == new_id  # the server's link came back
    assert other.get_inspection(second_new).header.template_version == 2  # its own draft is kept, not lost
