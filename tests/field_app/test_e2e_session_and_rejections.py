"""Session, refused changes, clock skew and background sync against a real server process."""

from __future__ import annotations

import threading

import pytest

from field_app.core.device_state import read_state, update_state
from field_app.core.models import AppError
from field_app.core.services import AppServices
from shared_schema.workflow import lock_reason
from tests.field_app.e2e import PASSWORD, assert_converged, site_id, sync_ok
from tests.field_app.helpers import complete_answers

pytestmark = pytest.mark.slow


def test_login_with_a_wrong_password_is_refused_in_words_and_saves_nothing(world):
    app = AppServices.open(world.root / "devices" / "wrong-pw")
    with pytest.raises(AppError) as err:
        app.login(world.url, "an", "not-the-password")
    assert err.value.code == "login_failed" and err.value.message.vi and err.value.message.en
    assert app.current_session() is None
    app.close()


def test_login_without_a_connection_says_so(world):
    app = AppServices.open(world.root / "devices" / "no-net")
    with pytest.raises(AppError) as err:
        app.login("http://127.0.0.1:9", "an", PASSWORD)
    assert err.value.code == "offline"
    app.close()


def test_the_first_sync_reports_progress_and_fills_the_device(world):
    app = world.device("progress", "an", sync=False)
    phases = []
    app.subscribe(lambda event: phases.append(app.sync_status().progress.phase) if event.kind == "sync" else None)
    assert not app.sync_status().first_sync_done
    sync_ok(app)
    assert "pulling" in phases and phases[-1] == "idle"
    status = app.sync_status()
    assert status.first_sync_done and status.last_sync_at and status.online and status.last_error is None
    assert app.count_sites() == 4 and app.checklists_for_kind("DN_SX")
    app.close()


def test_a_sync_tells_the_server_when_this_device_last_pulled(world):
    app = world.device("seen", "an", sync=False)
    sync_ok(app)
    with app.store.read() as conn:
        client_id = read_state(conn).client_id
    devices = world.api("quan").get("/api/v1/clients").raise_for_status().json()
    mine = next(d for d in devices if d["client_id"] == client_id)
    assert mine["last_pull_at"] and mine["last_pull_cursor"] > 0
    app.close()


def test_an_expired_token_asks_for_the_password_again_and_keeps_the_outbox(world):
    app = world.device("expired", "an")
    sync_ok(app)
    inspection_id = app.start_inspection(site_id(app, "DN-001"), "sample-factory")
    with app.store.write() as conn:
        update_state(conn, token="expired-or-revoked")
    pending = app.sync_status().pending
    report = app.sync_now()
    assert not report.ok and "password" in report.error.en
    session = app.current_session()
    assert session is not None and session.needs_password
    assert app.sync_status().needs_password and app.sync_status().pending == pending
    app.set_answer_value(inspection_id, "workers", 3)  # still works offline
    app.close()
    app = AppServices.open(world.root / "devices" / "expired")  # survives a restart
    assert app.current_session().needs_password
    app.login(world.url, "an", PASSWORD)
    assert not app.current_session().needs_password
    sync_ok(app)
    assert app.sync_status().pending == 0
    assert world.inspection("an", inspection_id)["answers"][0]["value"] == 3
    app.close()


def test_another_user_cannot_log_in_over_unsent_work(world):
    app = world.device("switch", "an")
    sync_ok(app)
    app.start_inspection(site_id(app, "DN-001"), "sample-factory")
    with pytest.raises(AppError) as err:
        app.login(world.url, "binh", PASSWORD)
    assert err.value.code == "other_user_pending"
    assert app.current_session().user.username == "an"
    sync_ok(app)
    app.login(world.url, "binh", PASSWORD)
    assert app.current_session().user.username == "binh"
    sync_ok(app)
    assert_converged(world, (app, "binh"))
    app.close()


def test_an_edit_to_an_inspection_approved_meanwhile_is_refused_shown_and_reverted(world):
    a = world.device("locked-a", "an")
    b = world.device("locked-b", "binh")
    sync_ok(a)
    x = a.start_inspection(site_id(a, "DN-003"), "sample-factory")
    complete_answers(a, x)
    sync_ok(a)
    sync_ok(b)
    assert b.submit(x).ok  # a teammate submits it and the supervisor approves it
    sync_ok(b)
    world.review("chi", x, "approve", "Tốt")
    a.set_answer_value(x, "workers", 999)  # offline: this device still holds the draft
    sync_ok(a)
    view = a.get_inspection(x)
    assert view.header.status == "approved" and not view.editable
    assert view.answers["workers"].value == 120  # the server's value came back
    rejected = [n for n in a.notices(x) if n.kind == "rejected"]
    assert len(rejected) == 1 and rejected[0].code == "locked" and rejected[0].value == 999
    # the server's own reason (push result ``messages``), each language on its own
    locked = lock_reason("approved")
    assert locked.en.rstrip(".") in rejected[0].message.en and locked.vi not in rejected[0].message.en
    assert locked.vi.rstrip(".") in rejected[0].message.vi and locked.en not in rejected[0].message.vi
    assert_converged(world, (a, "an"))
    a.dismiss_notice(rejected[0].notice_id)
    assert [n for n in a.notices(x) if n.kind == "rejected"] == []
    a.close()


def test_a_phone_clock_far_ahead_is_refused_then_rebased_and_the_edit_resent(world):
    app = world.device("skew", "an")
    sync_ok(app)
    inspection_id = app.start_inspection(site_id(app, "DN-002"), "sample-factory")
    sync_ok(app)
    app.close()
    with AppServices.open(world.root / "devices" / "skew").store.write() as conn:
        update_state(conn, clock_offset_ms=-3_600_000)  # the phone's clock runs an hour ahead
    app = AppServices.open(world.root / "devices" / "skew")
    app.set_answer_value(inspection_id, "workers", 77)
    sync_ok(app)
    notices = [n for n in app.notices(inspection_id) if n.kind == "rejected"]
    assert [n.code for n in notices] == ["clock_ahead"]
    assert "clock" in notices[0].message.en
    app.resend_rejected(notices[0].notice_id)
    sync_ok(app)
    assert app.get_inspection(inspection_id).answers["workers"].value == 77
    assert app.notices(inspection_id) == []
    assert_converged(world, (app, "an"))
    app.close()


def test_background_sync_sends_an_edit_by_itself_and_tells_subscribers(world):
    app = world.device("background", "an")
    sync_ok(app)
    synced = threading.Event()

    def on_event(event) -> None:
        if event.kind == "sync" and app.sync_status().pending == 0 and app.sync_status().last_sync_at:
            synced.set()

    app.start_background_sync(interval_s=60)
    inspection_id = app.start_inspection(site_id(app, "DN-001"), "sample-factory")
    app.subscribe(on_event)
    assert synced.wait(20), app.sync_status()
    assert app.sync_status().online is True
    assert world.inspection("an", inspection_id)["header"]["status"] == "draft"
    app.close()


def test_a_sequence_gap_is_answered_by_resending_from_where_the_server_expects(world):
    """If the server has no record of changes the device believes acknowledged (say it was
    restored from a backup), it answers 409 with the sequence it expects; the device renumbers
    its queue from there and the queue drains instead of blocking for ever."""
    app = world.device("gap", "an")
    inspection_id = app.start_inspection(site_id(app, "DN-001"), "sample-factory")
    sync_ok(app)
    app.set_answer_value(inspection_id, "workers", 1)
    app.set_answer_value(inspection_id, "team", "yes")
    app.set_answer_value(inspection_id, "masks", "all")
    next_seq = app.store.scalar("SELECT next_seq FROM sync_state")
    with app.store.write() as conn:  # the first queued change is gone: the batch starts after a gap
        conn.execute("DELETE FROM outbox WHERE client_seq = (SELECT min(client_seq) FROM outbox)")
    sync_ok(app)
    assert app.sync_status().pending == 0
    assert app.store.scalar("SELECT next_seq FROM sync_state") == next_seq - 1  # renumbered after the 409
    answers = {a["question_id"]: a["value"] for a in world.inspection("an", inspection_id)["answers"]}
    assert answers.get("team") == "yes" and answers.get("masks") == "all"
    app.close()
