"""Two inspectors and a supervisor against a real server process: offline work, syncs in
either order, a return during offline editing, a checklist published meanwhile."""

from __future__ import annotations

import pytest

from field_app.core.models import AppError
from tests.field_app.e2e import assert_converged, device_snapshot, site_id, sync_ok
from tests.field_app.helpers import complete_answers, png_bytes
from tests.support.sample_checklist import sample_template

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("first", ["an", "binh"])
def test_two_inspectors_and_a_supervisor_end_in_the_same_state_with_the_conflict_visible(world, first):
    a = world.device(f"a-{first}", "an")
    b = world.device(f"b-{first}", "binh")
    for app in (a, b):
        sync_ok(app)  # online once: sites and checklists arrive
    version = max(o.version for o in a.checklists_for_kind("DN_SX"))

    # Offline: A inspects site 1 and submits; B inspects site 2.
    x = a.start_inspection(site_id(a, "DN-001"), "sample-factory")
    photo = png_bytes(11)
    sha = a.add_photo(x, "team", photo)
    complete_answers(a, x)  # signed last: the signature binds the content
    a.set_site_field(site_id(a, "DN-001"), "workers", 321)
    assert a.submit(x).ok
    y = b.start_inspection(site_id(b, "DN-002"), "sample-factory")
    b.set_answer_value(y, "workers", 40)
    b.set_note(y, "workers", "Theo sổ lao động")

    order = [a, b] if first == "an" else [b, a]
    for app in order:
        sync_ok(app)
    for app in order:
        sync_ok(app)
    assert x in {s.id for s in b.my_inspections().submitted}
    assert b.get_site(site_id(b, "DN-001")).site.workers == 321
    assert b.blob_path(sha).read_bytes() == a.blob_path(sha).read_bytes()  # fetched from the server on demand

    # A submitted X, so X is locked until the supervisor returns it. Once the return has reached
    # both devices, A edits it offline and B (same team) edits the same answer without having
    # seen A's edit: a concurrent edit.
    with pytest.raises(AppError) as locked:
        a.set_answer_value(x, "workers", 130)
    assert locked.value.code == "locked" and "trả lại" in locked.value.message.vi
    world.review("chi", x, "return", "Bổ sung số lao động chính xác")
    for app in (a, b):
        sync_ok(app)
    a.set_answer_value(x, "workers", 130)
    a.set_corrective_action(x, "team", "Thành lập tổ an toàn")
    b.set_answer_value(x, "workers", 140)
    # A new checklist version is published meanwhile.
    world.publish(sample_template(version + 1))

    for app in order:
        sync_ok(app)
    for app in order:
        sync_ok(app)

    # A sees the return with its comment, and its edits are still there.
    view = a.get_inspection(x)
    assert view.header.status == "returned"
    assert a.review_feedback(x).comment == "Bổ sung số lao động chính xác"
    assert [s.id for s in a.my_inspections().returned] == [x]
    assert view.answers["team"].corrective_action == "Thành lập tổ an toàn"
    # The later of the two concurrent edits won on every side; the other is in the conflict log.
    winner = view.answers["workers"].value
    assert winner in (130, 140) and b.get_inspection(x).answers["workers"].value == winner
    loser = 140 if winner == 130 else 130
    for app in (a, b):
        conflicts = [n for n in app.notices(x) if n.kind == "conflict" and n.question_id == "workers"]
        assert conflicts and conflicts[0].value == loser and conflicts[0].other_value == winner
        assert conflicts[0].message.vi and conflicts[0].message.en
    server_view = world.inspection("chi", x)
    assert any(
        c["entry"]["entity_id"] == f"{x}/workers" and c["entry"]["loser_value"] == loser
        for c in server_view["conflicts"]
    ), server_view["conflicts"]
    # The new version reached both devices; the started inspections keep version 1.
    for app in (a, b):
        assert [o.version for o in app.checklists_for_kind("DN_SX")] == [version + 1]
        assert app.get_inspection(x).template.version == version
        assert app.get_inspection(y).template.version == version

    # The content changed after the representative signed: A has it signed again, then resubmits;
    # everything converges.
    assert not a.submit(x).ok
    assert a.set_answer_value(x, "sig_rep", {"sha256": a.store_blob(png_bytes(98)), "name": "Ông B"}) is None
    assert a.submit(x).ok
    sync_ok(a)
    sync_ok(b)
    assert b.get_inspection(x).header.status == "submitted"
    assert_converged(world, (a, "an"), (b, "binh"))
    assert world.inspection("chi", x)["header"]["status"] == "submitted"
    assert world.inspection("chi", x)["missing_blobs"] == []
    a.close()
    b.close()


def test_two_devices_submitting_the_same_inspection_end_with_the_same_status_and_clock(world):
    a = world.device("submit-a", "an")
    b = world.device("submit-b", "binh")
    x = a.start_inspection(site_id(a, "DN-001"), "sample-factory")
    complete_answers(a, x)
    sync_ok(a)
    sync_ok(b)  # b has the draft
    assert a.submit(x).ok
    sync_ok(a)
    assert b.submit(x).ok  # b has not pulled a's submit: its own clock is later than the server's
    sync_ok(b)  # the server already holds 'submitted': it re-stamps it with its own clock
    sync_ok(a)
    key = ("inspection", x, "status")
    held = [device_snapshot(app)[key] for app in (a, b)]
    assert held[0] == held[1] == world.server_snapshot("chi")[key]
    assert held[0][0] == "submitted" and held[0][1].endswith("-server")
    assert_converged(world, (a, "an"), (b, "binh"))
    a.close()
    b.close()
