"""The local store and the services the screens call, on real SQLite files (no server)."""

from __future__ import annotations

import hashlib
import sqlite3
import threading

import pytest

from field_app.core import replica
from field_app.core.migrations import MIGRATIONS
from field_app.core.models import AppError
from field_app.core.services import AppServices
from shared_schema import protocol
from tests.field_app.helpers import (
    apply_pulled,
    complete_answers,
    fake_session,
    png_bytes,
    pulled,
    seed,
    signed_in_device,
    site_fields,
)
from tests.support.sample_checklist import sample_template

SITES = {
    "s1": site_fields("DN-001", "Công ty May Hà Nội", "DN_SX", "TX Phổ Yên"),
    "s2": site_fields("CHO-01", "Chợ Đồng Hỷ", "CHO", "H. Đồng Hỷ"),
    "s3": site_fields("KCN-01", "KCN Yên Bình", "KCN", "TX Phổ Yên"),
}


@pytest.fixture
def app(tmp_path):
    with signed_in_device(tmp_path / "device", SITES) as services:
        yield services


def outbox_rows(app: AppServices) -> list[dict]:
    return app.store.query("SELECT * FROM outbox ORDER BY client_seq")


# --- store ---------------------------------------------------------------------------------


def test_store_is_wal_and_records_each_migration_once(tmp_path):
    first = AppServices.open(tmp_path / "d")
    first.close()
    again = AppServices.open(tmp_path / "d")
    rows = again.store.query("SELECT id, name FROM _migrations")
    assert [r["id"] for r in rows] == list(range(1, len(MIGRATIONS) + 1))
    assert again.store.scalar("PRAGMA journal_mode") == "wal"
    again.close()


def test_a_failed_write_transaction_leaves_nothing_behind(app):
    before = app.store.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(RuntimeError), app.store.write() as conn:
        conn.execute(
            "INSERT INTO outbox (client_seq, change_id, entity, entity_id, field, hlc, created_at)"
            " VALUES (99, 'x', 'answer', 'a/b', 'value', 'h', 'now')"
        )
        raise RuntimeError("crash in the middle")
    assert app.store.scalar("SELECT count(*) FROM outbox") == before


def test_the_data_dir_comes_from_flet_app_storage_data(tmp_path, monkeypatch):
    monkeypatch.setenv("FLET_APP_STORAGE_DATA", str(tmp_path / "phone"))
    services = AppServices.open()
    assert services.data_dir == tmp_path / "phone"
    assert (tmp_path / "phone" / "field_app.db").exists()
    services.close()


# --- sites and checklists -------------------------------------------------------------------


def test_site_search_ignores_case_and_accents_and_filters(app):
    assert [s.id for s in app.list_sites("ha noi")] == ["s1"]
    assert [s.id for s in app.list_sites("dn-001")] == ["s1"]
    assert {s.id for s in app.list_sites(district="TX Phổ Yên")} == {"s1", "s3"}
    assert [s.id for s in app.list_sites(district="TX Phổ Yên", kind="KCN")] == ["s3"]
    assert app.count_sites("cho") == 1
    assert app.districts() == sorted(["TX Phổ Yên", "H. Đồng Hỷ"])
    assert app.site_kinds() == ["CHO", "DN_SX", "KCN"]


def test_only_the_latest_published_version_applying_to_the_kind_is_offered(app):
    seed(app, [sample_template(2), sample_template(1, template_id="market-only")], {})
    # market-only lists DN_SX too in the sample; retire it to prove retired ones are not offered.
    apply_pulled(app, pulled("template", "market-only@1", {"status": "retired"}))
    options = app.checklists_for_kind("DN_SX")
    assert [(o.template_id, o.version) for o in options] == [("sample-factory", 2)]
    assert app.checklists_for_kind("CHO") == []
    with pytest.raises(AppError) as err:
        app.start_inspection("s1", "market-only", 1)
    assert err.value.code == "retired"
    assert app.get_inspection(app.start_inspection("s1", "sample-factory", 1)).template.version == 1


def test_a_started_inspection_keeps_its_pinned_version_when_a_new_one_arrives(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    seed(app, [sample_template(2)], {})
    view = app.get_inspection(inspection_id)
    assert view.header.template_version == 1
    assert view.template.version == 1
    assert app.get_inspection(app.start_inspection("s1", "sample-factory")).template.version == 2


def test_starting_on_a_checklist_not_for_the_site_kind_is_refused_and_changes_nothing(app):
    with pytest.raises(AppError) as err:
        app.start_inspection("s2", "sample-factory")
    assert err.value.code == "not_applicable"
    assert err.value.message.vi and err.value.message.en
    assert outbox_rows(app) == []


# --- edits and the outbox -------------------------------------------------------------------


def test_every_edit_writes_record_and_outbox_change_with_consecutive_seq_and_rising_clock(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    assert app.set_answer_value(inspection_id, "workers", 10) is None
    assert app.set_answer_value(inspection_id, "workers", 12) is None
    rows = outbox_rows(app)
    assert [r["client_seq"] for r in rows] == list(range(1, len(rows) + 1))
    assert [r["field"] for r in rows[:4]] == ["site_id", "template_id", "template_version", "status"]
    hlcs = [r["hlc"] for r in rows]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    first, second = rows[-2], rows[-1]
    assert first["base_hlc"] is None and second["base_hlc"] == first["hlc"]
    key = protocol.answer_entity_id(inspection_id, "workers")
    with app.store.read() as conn:
        data, clocks = replica.load_row(conn, "answer", key)
    assert data["value"] == 12 and clocks["value"] == second["hlc"]
    assert app.store.scalar("SELECT clock_last FROM sync_state") == second["hlc"]


def test_setting_the_same_value_again_sends_nothing(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    app.set_answer_value(inspection_id, "team", "yes")
    count = len(outbox_rows(app))
    app.set_answer_value(inspection_id, "team", "yes")
    assert len(outbox_rows(app)) == count


def test_an_invalid_answer_is_explained_in_both_languages_and_changes_nothing(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    count = len(outbox_rows(app))
    invalid = app.set_answer_value(inspection_id, "workers", -5)
    assert invalid is not None and invalid.code == "below_min"
    assert "0" in invalid.message.vi and "at least" in invalid.message.en
    assert app.validate_answer(inspection_id, "masks", "value", "nope").code == "invalid_choice"
    assert app.set_due_date(inspection_id, "team", "31/12/2026").code == "invalid_date"
    assert len(outbox_rows(app)) == count
    assert app.get_inspection(inspection_id).answers == {}


def test_unknown_question_and_unknown_inspection_are_refused(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    with pytest.raises(AppError) as err:
        app.set_answer_value(inspection_id, "no-such-question", "yes")
    assert err.value.code == "unknown_question"
    with pytest.raises(AppError) as err:
        app.get_inspection("missing")
    assert err.value.code == "not_found"


def test_header_fields_are_validated_and_identity_fields_cannot_be_edited(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    assert app.set_header(inspection_id, "findings", "Đạt yêu cầu") is None
    assert app.set_header(inspection_id, "team", [{"name": "Nguyễn Văn A", "agency": "Sở Y tế"}]) is None
    assert app.set_header(inspection_id, "location", {"lat": 200, "lon": 0}).code == "invalid_location"
    with pytest.raises(AppError):
        app.set_header(inspection_id, "site_id", "s3")
    header = app.get_inspection(inspection_id).header
    assert header.findings == "Đạt yêu cầu" and header.team[0].name == "Nguyễn Văn A" and header.location is None


def test_a_locked_inspection_refuses_edits_and_changes_nothing(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    apply_pulled(app, pulled("inspection", inspection_id, {"status": "approved"}, "9" * 15 + "-00000-server"))
    count = len(outbox_rows(app))
    with pytest.raises(AppError) as err:
        app.set_answer_value(inspection_id, "team", "yes")
    assert err.value.code == "locked"
    assert len(outbox_rows(app)) == count
    assert not app.get_inspection(inspection_id).editable


def test_photos_are_kept_as_files_named_by_sha256_and_non_images_are_refused(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    sha = app.add_photo(inspection_id, "team", png_bytes(1))
    stored = app.blob_path(sha).read_bytes()
    assert sha == hashlib.sha256(stored).hexdigest()
    assert stored.startswith(b"\xff\xd8\xff")  # re-encoded as JPEG (tests/field_app/test_photos.py)
    assert app.get_inspection(inspection_id).answers["team"].photos == [sha]
    overview = app.add_photo(inspection_id, "overview", png_bytes(2))
    assert app.get_inspection(inspection_id).answers["overview"].value == [overview]
    count = len(outbox_rows(app))
    with pytest.raises(AppError) as err:
        app.add_photo(inspection_id, "team", b"%PDF-1.4 not a photo")
    assert err.value.code == "bad_photo"
    assert len(outbox_rows(app)) == count
    assert app.store.scalar("SELECT count(*) FROM blobs") == 2
    app.remove_photo(inspection_id, "team", sha)
    assert app.get_inspection(inspection_id).answers["team"].photos == []


# --- the inspection view and submitting ----------------------------------------------------


def test_relevance_score_and_problems_follow_the_shared_rules(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    view = app.get_inspection(inspection_id)
    assert "dorm_residents" not in view.relevant
    assert {p.question_id for p in view.problems} >= {"workers", "team", "masks", "sig_rep"}
    app.set_answer_value(inspection_id, "dorm", "yes")
    app.set_answer_value(inspection_id, "masks", "few")
    view = app.get_inspection(inspection_id)
    assert "dorm_residents" in view.relevant
    assert view.score.result == "fail" and view.score.failed_critical == ["masks"]
    masks = [p for p in view.problems if p.question_id == "masks"]
    assert {p.code for p in masks} == {"photo", "corrective_action", "due_date"}
    assert all(p.section_id == "measures" for p in masks)


def test_submit_refuses_an_incomplete_inspection_and_changes_nothing(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    count = len(outbox_rows(app))
    result = app.submit(inspection_id)
    assert not result.ok and result.problems
    assert len(outbox_rows(app)) == count
    assert app.get_inspection(inspection_id).header.status == "draft"


def test_submit_a_complete_inspection_sets_status_and_completion_time(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    complete_answers(app, inspection_id)
    assert app.submit(inspection_id).ok
    header = app.get_inspection(inspection_id).header
    assert header.status == "submitted" and header.completed_at
    assert outbox_rows(app)[-1]["field"] == "status"


def test_my_inspections_are_grouped_waiting_until_acknowledged_then_by_status(app):
    draft = app.start_inspection("s1", "sample-factory")
    returned = app.start_inspection("s3", "sample-factory")
    assert {s.id for s in app.my_inspections().waiting} == {draft, returned}
    with app.store.write() as conn:
        conn.execute("DELETE FROM outbox")
    review = {"decision": "return", "comment": "Thiếu ảnh", "reviewer": "giam_sat", "decided_at": "2026-01-01"}
    apply_pulled(
        app, pulled("inspection", returned, {"status": "returned", "review": review}, "9" * 15 + "-00000-server")
    )
    groups = app.my_inspections()
    assert [s.id for s in groups.drafts] == [draft]
    assert [s.id for s in groups.returned] == [returned]
    assert groups.returned[0].review.comment == "Thiếu ảnh"
    assert app.review_feedback(returned).comment == "Thiếu ảnh"
    assert app.get_site("s3").inspections[0].id == returned


# --- merging what is pulled -----------------------------------------------------------------


def test_a_pull_never_undoes_a_pending_local_edit_with_a_later_clock(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    app.set_answer_value(inspection_id, "workers", 50)
    key = protocol.answer_entity_id(inspection_id, "workers")
    old = pulled("answer", key, {"value": 7}, "000000000000001-00000-server")
    later = pulled("answer", key, {"value": 99}, "9" * 15 + "-00000-server")
    apply_pulled(app, old)
    assert app.get_inspection(inspection_id).answers["workers"].value == 50
    apply_pulled(app, later)
    assert app.get_inspection(inspection_id).answers["workers"].value == 99
    assert apply_pulled(app, later) == {}  # applying the same page twice changes nothing


def test_the_session_and_the_clock_survive_a_restart(tmp_path):
    first = AppServices.open(tmp_path / "d")
    fake_session(first)
    seed(first, [sample_template(1)], SITES)
    inspection_id = first.start_inspection("s1", "sample-factory")
    last = first.store.scalar("SELECT max(hlc) FROM outbox")
    first.close()
    again = AppServices.open(tmp_path / "d")
    session = again.current_session()
    assert session is not None and session.user.username == "an" and not session.needs_password
    again.set_answer_value(inspection_id, "team", "no")
    assert again.store.scalar("SELECT max(hlc) FROM outbox") > last
    assert again.store.scalar("SELECT max(client_seq) FROM outbox") == 7
    again.close()


def test_a_site_correction_is_validated_and_queued_and_registry_fields_are_refused(app):
    assert app.set_site_field("s1", "workers", 250) is None
    assert app.get_site("s1").site.workers == 250
    assert outbox_rows(app)[-1]["entity"] == "site"
    count = len(outbox_rows(app))
    assert app.set_site_field("s1", "workers", -1).code == "wrong_type"
    assert app.set_site_field("s1", "name", "Tên khác").code == "not_permitted"
    assert len(outbox_rows(app)) == count and app.get_site("s1").site.name == "Công ty May Hà Nội"


def test_logout_is_refused_while_changes_wait(app):
    app.start_inspection("s1", "sample-factory")
    with pytest.raises(AppError) as err:
        app.logout()
    assert err.value.code == "pending_changes"
    assert app.current_session() is not None
    with app.store.write() as conn:
        conn.execute("DELETE FROM outbox")
    app.logout()
    assert app.current_session() is None


def test_sync_without_a_server_keeps_the_outbox_and_says_so(app):
    app.start_inspection("s1", "sample-factory")
    report = app.sync_now()
    assert not report.ok and report.error.vi and report.error.en
    status = app.sync_status()
    assert status.pending == 6 and status.last_error == report.error and not status.running


def test_background_sync_notices_there_is_no_server_and_keeps_the_work(app):
    offline = threading.Event()
    app.subscribe(lambda e: offline.set() if e.kind == "sync" and app.sync_status().online is False else None)
    app.start_inspection("s1", "sample-factory")
    app.start_background_sync(interval_s=5)
    assert offline.wait(10)
    app.stop_background_sync()
    assert app.sync_status().pending == 6


def test_subscribers_hear_about_edits_and_can_unsubscribe(app):
    events = []
    unsubscribe = app.subscribe(events.append)
    inspection_id = app.start_inspection("s1", "sample-factory")
    assert events and events[-1].kind == "data" and inspection_id in events[-1].inspection_ids
    unsubscribe()
    app.set_answer_value(inspection_id, "team", "yes")
    assert len(events) == 1


def test_the_local_database_is_one_sqlite_file(app):
    conn = sqlite3.connect(app.store.path)
    assert conn.execute("SELECT count(*) FROM sites").fetchone()[0] == 3
    conn.close()
