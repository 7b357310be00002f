"""Moving a draft to a newer checklist version, on the device core (real SQLite, no server)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from field_app.core.models import AppError
from field_app.core.services import AppServices
from shared_schema import protocol
from shared_schema.validation import validate_answer_field, validate_header_field
from tests.field_app.helpers import apply_pulled, png_bytes, pulled, signed_in_device, site_fields, template_fields
from tests.support.changed_checklist import changed_template

SITES = {"s1": site_fields("DN-001", "Công ty May Hà Nội", "DN_SX", "TX Phổ Yên")}


@pytest.fixture
def app(tmp_path):
    with signed_in_device(tmp_path / "device", SITES) as services:
        yield services


def publish_on_device(app: AppServices, version: int = 2, *, retire_old: bool = False) -> None:
    t = changed_template(version)
    changes = pulled("template", protocol.template_entity_id(t.template_id, version), template_fields(t))
    if retire_old:
        changes += pulled("template", protocol.template_entity_id(t.template_id, 1), {"status": "retired"})
    apply_pulled(app, changes)


def draft_with_answers(app: AppServices) -> str:
    iid = app.start_inspection("s1", "sample-factory", kind="unannounced")
    for qid, value in [
        ("workers", 120),  # v2 allows at most 100
        ("manager", "Bà Lan"),  # removed in v2
        ("self_check_date", "2026-11-02"),  # becomes a text question
        ("team", "yes"),
        ("temp_check", "no"),
        ("masks", "most"),  # choice withdrawn
        ("dorm", "yes"),
        ("dorm_residents", 40),
    ]:
        assert app.set_answer_value(iid, qid, value) is None, qid
    assert app.set_note(iid, "team", "Tổ có 5 người") is None
    assert app.set_corrective_action(iid, "temp_check", "Đặt máy đo ở cổng") is None
    assert app.set_note(iid, "workers", "Theo sổ lao động") is None
    app.add_photo(iid, "overview", png_bytes(3))
    assert app.set_header(iid, "findings", "Cơ sở hợp tác tốt.") is None
    assert app.set_header(iid, "representative", {"name": "Ông Bình", "title": "Giám đốc"}) is None
    sig = app.store_blob(png_bytes(9))
    assert app.set_answer_value(iid, "sig_rep", {"sha256": sig, "name": "Ông Bình"}) is None
    return iid


def test_no_move_is_offered_without_a_newer_version(app):
    iid = draft_with_answers(app)
    assert app.version_move_plan(iid) is None
    with pytest.raises(AppError) as err:
        app.move_to_new_version(iid)
    assert err.value.code == "not_movable"


def test_the_plan_keeps_valid_answers_and_names_every_dropped_one(app):
    iid = draft_with_answers(app)
    publish_on_device(app)
    plan = app.version_move_plan(iid)
    assert plan is not None
    assert (plan.from_version, plan.to_version, plan.retired) == (1, 2, False)
    dropped = {(d.question_id, d.field): d.reason for d in plan.dropped}
    assert set(dropped) == {
        ("workers", "value"),
        ("manager", "value"),
        ("self_check_date", "value"),
        ("masks", "value"),
        ("sig_rep", "value"),
    }
    assert dropped[("manager", "value")].en == "The question is not in the new version."
    assert "different kind" in dropped[("self_check_date", "value")].en
    assert "100" in dropped[("workers", "value")].vi  # the shared validation's own message
    assert "signed again" in dropped[("sig_rep", "value")].en
    assert set(plan.kept) == {
        ("workers", "note"),
        ("team", "value"),
        ("team", "note"),
        ("temp_check", "value"),
        ("temp_check", "corrective_action"),
        ("dorm", "value"),
        ("dorm_residents", "value"),
        ("overview", "value"),
    }
    # new required (ventilation), and required answers the move drops (workers, masks); sig_rep
    # is dropped too and required
    assert [qid for qid, _ in plan.needs_answer] == ["workers", "masks", "ventilation", "sig_rep"]


def test_moving_starts_a_new_draft_and_discards_the_old_one_with_a_link(app):
    iid = draft_with_answers(app)
    old_answers = app.get_inspection(iid).answers
    publish_on_device(app)
    plan = app.version_move_plan(iid)
    new_id = app.move_to_new_version(iid, expect=plan)
    assert new_id != iid
    new = app.get_inspection(new_id)
    assert (new.header.template_version, new.header.status, new.header.kind) == (2, "draft", "unannounced")
    assert new.header.site_id == "s1"
    assert new.header.findings == "Cơ sở hợp tác tốt."
    assert new.header.representative is not None and new.header.representative.name == "Ông Bình"
    assert new.header.started_at == app.get_inspection(iid).header.started_at
    assert new.answers["team"].value == "yes" and new.answers["team"].note == "Tổ có 5 người"
    assert new.answers["temp_check"].corrective_action == "Đặt máy đo ở cổng"
    assert new.answers["overview"].value == old_answers["overview"].value
    assert new.answers["workers"].value is None and new.answers["workers"].note == "Theo sổ lao động"
    assert "manager" not in new.answers and "sig_rep" not in new.answers
    assert new.editable
    # the old draft keeps everything it held, discarded and linked
    old = app.get_inspection(iid)
    assert old.header.status == "discarded" and old.header.migrated_to == new_id
    assert old.answers == old_answers
    assert not old.editable
    # the old draft leaves the lists; the new one is there
    mine = app.my_inspections()
    listed = [s.id for s in mine.drafts + mine.waiting]
    assert new_id in listed and iid not in listed
    # it cannot move twice
    assert app.version_move_plan(iid) is None
    with pytest.raises(AppError):
        app.move_to_new_version(iid)


def test_the_outbox_sends_the_new_record_first_and_the_link_before_the_discard(app):
    iid = draft_with_answers(app)
    publish_on_device(app)
    before = app.store.scalar("SELECT max(client_seq) FROM outbox")
    new_id = app.move_to_new_version(iid)
    rows = app.store.query(
        "SELECT entity, entity_id, field FROM outbox WHERE client_seq > ? ORDER BY client_seq", [before]
    )
    assert (rows[0]["entity_id"], rows[0]["field"]) == (new_id, "site_id")
    assert [(r["entity_id"], r["field"]) for r in rows[-2:]] == [(iid, "migrated_to"), (iid, "status")]


def test_a_plan_that_no_longer_holds_is_refused_and_changes_nothing(app):
    iid = draft_with_answers(app)
    publish_on_device(app)
    plan = app.version_move_plan(iid)
    assert app.set_answer_value(iid, "workers", 80) is None  # now valid there: the plan changed
    count = app.store.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(AppError) as err:
        app.move_to_new_version(iid, expect=plan)
    assert err.value.code == "stale_plan"
    assert app.store.scalar("SELECT count(*) FROM outbox") == count
    assert app.get_inspection(iid).header.status == "draft"


def test_a_submitted_record_is_never_moved(app):
    from tests.field_app.helpers import complete_answers

    iid = app.start_inspection("s1", "sample-factory")
    complete_answers(app, iid)
    assert app.submit(iid).ok
    publish_on_device(app)
    assert app.version_move_plan(iid) is None
    with pytest.raises(AppError) as err:
        app.move_to_new_version(iid)
    assert err.value.code == "not_movable"


def test_a_retired_version_is_named_in_the_plan(app):
    iid = app.start_inspection("s1", "sample-factory")
    publish_on_device(app, retire_old=True)
    plan = app.version_move_plan(iid)
    assert plan is not None and plan.retired
    assert plan.dropped == [] and plan.kept == []


def test_the_link_cannot_be_written_as_a_header_edit(app):
    iid = app.start_inspection("s1", "sample-factory")
    with pytest.raises(AppError) as err:
        app.set_header(iid, "migrated_to", "another")
    assert err.value.code == "unknown_field"
    assert validate_header_field("migrated_to", None) is not None
    assert validate_header_field("migrated_to", "") is not None
    assert validate_header_field("migrated_to", "x" * 101) is not None


def test_no_move_to_a_version_that_is_not_for_the_sites_kind(app):
    import msgspec

    iid = app.start_inspection("s1", "sample-factory")
    t = msgspec.structs.replace(changed_template(2), site_kinds=["CHO"])
    apply_pulled(app, pulled("template", protocol.template_entity_id(t.template_id, 2), template_fields(t)))
    assert app.version_move_plan(iid) is None
    with pytest.raises(AppError) as err:
        app.move_to_new_version(iid)
    assert err.value.code == "not_movable"
    assert app.get_inspection(iid).header.status == "draft"


ANSWER_POOL = {
    "workers": [0, 7, 100, 101, 5000],
    "manager": ["Bà Lan", "Ông Nam"],
    "self_check_date": ["2026-01-02", "2025-12-31"],
    "team": ["yes", "no", "na"],
    "temp_check": ["yes", "no"],
    "masks": ["all", "most", "few"],
    "hoarding": ["yes", "no"],
    "dorm": ["yes", "no"],
    "dorm_residents": [0, 12],
    "shortages": [["rice"], ["rice", "masks"], ["other"]],
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chosen=st.dictionaries(st.sampled_from(sorted(ANSWER_POOL)), st.integers(0, 4), max_size=len(ANSWER_POOL)),
    notes=st.sets(st.sampled_from(sorted(ANSWER_POOL)), max_size=4),
)
def test_every_answer_is_either_carried_over_unchanged_or_named_as_dropped(tmp_path_factory, chosen, notes):
    with signed_in_device(tmp_path_factory.mktemp("device"), SITES) as app:
        iid = app.start_inspection("s1", "sample-factory")
        for qid, pick in chosen.items():
            pool = ANSWER_POOL[qid]
            app.set_answer_value(iid, qid, pool[pick % len(pool)])  # a value v1 refuses is simply not set
        for qid in notes:
            assert app.set_note(iid, qid, f"ghi chú {qid}") is None
        before = app.get_inspection(iid).answers
        given_fields = {
            (qid, name) for qid, a in before.items() for name in ("value", "note") if getattr(a, name) is not None
        }
        publish_on_device(app)
        plan = app.version_move_plan(iid)
        assert plan is not None
        dropped = {(d.question_id, d.field) for d in plan.dropped}
        assert set(plan.kept) | dropped == given_fields and not set(plan.kept) & dropped
        new_id = app.move_to_new_version(iid, expect=plan)
        after = app.get_inspection(new_id).answers
        new_questions = changed_template(2).question_map()
        for qid, name in plan.kept:
            assert getattr(after[qid], name) == getattr(before[qid], name)
            assert validate_answer_field(new_questions[qid], name, getattr(after[qid], name)) is None
        carried = {
            (qid, name) for qid, a in after.items() for name in ("value", "note") if getattr(a, name) is not None
        }
        assert carried == set(plan.kept)
        assert app.get_inspection(iid).answers == before  # the old draft keeps everything
