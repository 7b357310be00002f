"""The screen state without a browser: every action a person takes on the screens, over the
real services and a real SQLite store (seeded the way a pull seeds it)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import flet as ft
import msgspec
import pytest

from field_app.core.capabilities import Outcome
from field_app.core.device_state import update_state
from field_app.core.models import AppError
from field_app.core.services import AppServices
from field_app.ui.form_state import InspectionForm
from field_app.ui.signature_png import render_png, sha256_hex
from field_app.ui.state import AppState
from field_app.ui.views.home import inspection_tile
from shared_schema import actions as action_rules
from shared_schema.checklist import ChecklistTemplate, Equals, SignatureQuestion
from shared_schema.text import LocalText as T
from tests.field_app.helpers import fake_session, png_bytes, seed
from tests.field_app.ui.conftest import SITES
from tests.support.sample_checklist import sample_template

STROKES = [[(10.0, 10.0), (80.0, 40.0), (120.0, 20.0)]]


def _start(state: AppState) -> str:
    state.open_sites()
    state.search_sites("may ha noi")
    state.open_site(state.sites[0].id)
    inspection_id = state.start_inspection("sample-factory", 1)
    assert inspection_id is not None
    return inspection_id


def _add_gate_check_action(form: InspectionForm) -> action_rules.Action:
    """The corrective action "Đặt máy đo thân nhiệt ở cổng", due in ten days, of the failed
    temperature check ``temp_check``, typed and saved as the inspector does."""
    form.open_action_draft("temp_check")
    form.edit_action_draft("temp_check", "description", "Đặt máy đo thân nhiệt ở cổng")
    later = (action_rules.viet_nam_today() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    form.edit_action_draft("temp_check", "deadline", later)
    assert form.save_action("temp_check")
    [action] = form.actions_for("temp_check")
    return action


def test_without_a_saved_session_the_app_opens_on_login(tmp_path):
    app = AppServices.open(tmp_path / "fresh")
    try:
        state = AppState(app, "http://127.0.0.1:9")
        state.start()
        assert state.route == "login"
        assert state.login_text("server") == "http://127.0.0.1:9"
    finally:
        app.close()


def test_an_incomplete_login_form_says_what_is_missing_and_sends_nothing(tmp_path):
    app = AppServices.open(tmp_path / "fresh")
    try:
        state = AppState(app)
        state.start()
        state.edit_login("server", "may chu")
        assert not asyncio.run(state.login())
        assert "địa chỉ máy chủ" in (state.login_error or "")
        state.edit_login("server", "http://127.0.0.1:9")
        assert not asyncio.run(state.login())
        assert state.login_error == "Hãy nhập tên đăng nhập."
        state.edit_login("username", "an")
        asyncio.run(state.login())
        assert state.login_error == "Hãy nhập mật khẩu."
        assert app.current_session() is None and state.route == "login"
    finally:
        app.close()


def test_logging_in_to_an_unreachable_server_explains_it_and_stays_on_login(tmp_path):
    app = AppServices.open(tmp_path / "fresh")
    try:
        state = AppState(app, "http://127.0.0.1:9")
        state.start()
        state.edit_login("username", "an")
        state.edit_login("password", "secret")
        assert not asyncio.run(state.login())
        assert state.login_error and not state.busy
        assert state.route == "login" and app.current_session() is None
    finally:
        app.close()


def test_a_saved_session_opens_straight_on_home_with_the_sync_bar_offline(state):
    assert state.route == "home"
    words = state.sync_summary()
    assert words["pending"] == "Không có thay đổi chờ gửi"
    assert words["last"] == "Chưa đồng bộ"
    assert state.groups() == []


def test_syncing_without_a_server_keeps_the_work_and_says_so_in_words(state):
    inspection_id = _start(state)
    state.form.answer("team", "yes")
    assert not asyncio.run(state.sync())
    assert state.flash
    words = state.sync_summary()
    assert words["pending"].endswith("thay đổi chờ gửi") and words["pending"][0].isdigit()
    assert words["error"].startswith("Lỗi: ")
    assert state.services.get_inspection(inspection_id).answers["team"].value == "yes"


def test_the_language_switch_changes_every_text_to_english(state):
    state.toggle_language()
    assert state.lang == "en"
    assert state.sync_summary()["last"] == "Never synced"
    assert state.t("sync_now") == "Sync"


def test_sites_are_found_by_name_or_code_without_accents_and_filtered(state):
    state.open_sites()
    assert state.site_total == 3
    assert set(state.districts) == {"TX Phổ Yên", "H. Đồng Hỷ"}
    state.search_sites("cho dong hy")
    assert [s.code for s in state.sites] == ["CHO-01"]
    state.search_sites("KCN-01")
    assert [s.name for s in state.sites] == ["KCN Yên Bình"]
    state.search_sites("")
    state.filter_sites("TX Phổ Yên", None)
    assert {s.code for s in state.sites} == {"DN-001", "KCN-01"}
    state.filter_sites("TX Phổ Yên", "KCN")
    assert [s.code for s in state.sites] == ["KCN-01"]


def test_a_site_page_offers_the_checklist_of_its_kind_and_starts_an_inspection(state):
    inspection_id = _start(state)
    assert state.route == "fill"
    assert state.form is not None and state.form.inspection_id == inspection_id
    state.back()
    assert state.route == "site"
    assert [i.id for i in state.site.inspections] == [inspection_id]
    state.open_site("s2")  # a market: the sample checklist is for factories only
    assert state.checklists == []


def test_a_tapped_answer_is_saved_at_once_and_the_score_follows(state):
    inspection_id = _start(state)
    form = state.form
    assert form.score_text() == "Điểm: chưa có"
    assert form.answer("temp_check", "yes")
    assert state.services.get_inspection(inspection_id).answers["temp_check"].value == "yes"
    # one answer of many: the score and result are only provisional until nothing is missing
    assert form.score_text() == "Điểm tạm tính: 100,0 · Kết quả tạm tính: Đạt"
    assert form.progress() == (1, 12)  # 13 questions, the dormitory one does not apply yet


def test_typed_numbers_and_dates_save_when_the_box_is_left_and_bad_input_changes_nothing(state):
    inspection_id = _start(state)
    form = state.form
    form.edit("workers", "value", "mười")
    assert not form.commit("workers")
    assert form.error("workers") == "Hãy nhập một số, ví dụ 12 hoặc 3,5."
    form.edit("workers", "value", "-5")
    assert not form.commit("workers")
    assert "từ 0" in form.error("workers")
    assert (
        "workers" not in state.services.get_inspection(inspection_id).answers
        or state.services.get_inspection(inspection_id).answers["workers"].value is None
    )
    form.edit("workers", "value", "1.250")
    assert form.commit("workers")
    assert form.error("workers") is None
    assert state.services.get_inspection(inspection_id).answers["workers"].value == 1250
    form.edit("self_check_date", "value", "31/02/2021")
    assert not form.commit("self_check_date")
    assert "dd/mm/yyyy" in form.error("self_check_date")
    form.edit("self_check_date", "value", "20/05/2021")
    assert form.commit("self_check_date")
    assert form.value("self_check_date") == "2021-05-20"
    assert form.text_value("self_check_date") == "20/05/2021"


def test_questions_appear_and_disappear_by_relevance(state):
    _start(state)
    form = state.form
    form.go_section(1)
    ids = lambda: [q.id for q in form.relevant()]  # noqa: E731
    assert "dorm_residents" not in ids()
    form.answer("dorm", "yes")
    assert "dorm_residents" in ids()
    form.answer("dorm", "no")
    assert "dorm_residents" not in ids()


def test_multiple_choices_toggle_and_keep_the_checklist_order(state):
    _start(state)
    form = state.form
    form.toggle_choice("shortages", "other", True)
    form.toggle_choice("shortages", "rice", True)
    assert form.value("shortages") == ["rice", "other"]
    form.toggle_choice("shortages", "rice", False)
    assert form.value("shortages") == ["other"]


def test_a_failed_critical_item_asks_for_photo_corrective_action_and_deadline(state):
    _start(state)
    form = state.form
    form.answer("team", "no")
    assert form.is_failed_critical("team")
    codes = {(m.question_id, m.code) for m in form.missing()}
    assert {("team", "photo"), ("team", "corrective_action"), ("team", "due_date")} <= codes
    assert "Không đạt" in form.score_text()
    form.edit("team", "corrective_action", "Thành lập Tổ an toàn trong 7 ngày")
    assert form.commit("team", "corrective_action")
    # a deadline already past is refused with a message and nothing is saved
    past = dt.date.today() - dt.timedelta(days=1)
    form.edit("team", "due_date", past.strftime("%d/%m/%Y"))
    assert not form.commit("team", "due_date")
    assert form.error("team", "due_date").startswith("Thời hạn khắc phục đã qua")
    assert form.answer_field("team", "due_date") is None
    deadline = dt.date.today() + dt.timedelta(days=7)
    form.edit("team", "due_date", deadline.strftime("%d/%m/%Y"))
    assert form.commit("team", "due_date")
    assert form.error("team", "due_date") is None
    assert asyncio.run(form.add_photos("team", Outcome([png_bytes(3)]))) == 1
    assert not any(m.question_id == "team" for m in form.missing())
    assert form.answer_field("team", "due_date") == deadline.isoformat()


def test_a_file_that_is_not_an_image_is_refused_with_words(state):
    _start(state)
    form = state.form
    assert asyncio.run(form.add_photos("overview", Outcome([b"not an image at all"]))) == 0
    assert form.error("overview", "photos")
    assert form.photos("overview") == []
    assert asyncio.run(form.add_photos("overview", Outcome([png_bytes(4)]))) == 1
    assert len(form.photos("overview")) == 1
    form.remove_photo("overview", form.photos("overview")[0])
    assert form.photos("overview") == []


def test_a_drawn_signature_is_saved_as_a_png_blob_and_an_empty_pad_is_refused(state):
    _start(state)
    form = state.form
    assert not form.save_signature("sig_rep", [], 340, 150)
    assert form.error("sig_rep") == "Chưa có nét ký: hãy ký vào ô trước khi lưu."
    assert form.save_signature("sig_rep", STROKES, 340, 150, name="Ông B")
    value = form.value("sig_rep")
    path = state.services.blob_path(value["sha256"])
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert value["name"] == "Ông B"


def test_a_saved_signature_reads_back_as_the_png_that_was_drawn_so_the_screen_can_show_it(state):
    _start(state)
    form = state.form
    assert form.signature_sha("sig_rep") is None and form.signature_caption("sig_rep") is None
    assert form.save_signature("sig_rep", STROKES, 340, 150, name="Ông B")
    sha = form.signature_sha("sig_rep")
    data = form.blob_bytes(sha)
    assert data == render_png(STROKES, 340, 150) and sha256_hex(data) == sha
    assert form.signature_caption("sig_rep").startswith("Ông B · ")


def test_the_signer_name_typed_before_signing_is_saved_with_the_signature_and_can_be_corrected(state):
    _start(state)
    form = state.form
    assert form.signer_name("sig_rep") == ""
    form.type_signer_name("sig_rep", "  Trần Thị Bình ")
    assert form.save_signature("sig_rep", STROKES, 340, 150)
    signed = form.value("sig_rep")
    assert signed["name"] == "Trần Thị Bình" and form.signature_caption("sig_rep").startswith("Trần Thị Bình · ")
    assert form.set_signer_name("sig_rep", "Trần Thị Bích")  # a typo fixed after signing: image and time stay
    fixed = form.value("sig_rep")
    assert (fixed["sha256"], fixed["signed_at"], fixed["name"]) == (
        signed["sha256"],
        signed["signed_at"],
        "Trần Thị Bích",
    )
    assert state.services.sync_status().pending > 0
    assert form.set_signer_name("sig_rep", "")
    assert "name" not in form.value("sig_rep") and form.signature_sha("sig_rep") == signed["sha256"]


def test_signing_again_replaces_the_saved_signature_and_an_empty_redraw_keeps_it(state):
    _start(state)
    form = state.form
    assert form.save_signature("sig_rep", STROKES, 340, 150)
    assert form.save_header_signature("inspector", STROKES, 340, 150, "Nguyễn Văn An")
    first, first_header = form.signature_sha("sig_rep"), form.header_signature_sha("inspector")
    assert not form.save_signature("sig_rep", [], 340, 150)
    assert not form.save_header_signature("inspector", [], 340, 150, "Nguyễn Văn An")
    assert form.signature_sha("sig_rep") == first and form.header_signature_sha("inspector") == first_header
    again = [[(20.0, 100.0), (200.0, 30.0)]]
    assert form.save_signature("sig_rep", again, 340, 150)
    assert form.save_header_signature("inspector", again, 340, 150, "Nguyễn Văn An")
    assert (
        form.signature_sha("sig_rep")
        == form.header_signature_sha("inspector")
        == sha256_hex(render_png(again, 340, 150))
    )
    assert form.signature_sha("sig_rep") != first
    assert [s.role for s in form.view.header.signatures] == ["inspector"]


def test_a_signature_image_neither_on_this_device_nor_reachable_reads_as_unavailable(state):
    _start(state)
    assert state.form.blob_bytes("ab" * 32) is None  # the saved server (port 9) refuses: no image, no error


def test_a_location_is_typed_by_hand_in_local_notation_and_nonsense_is_refused(state):
    _start(state)
    form = state.form
    assert not form.set_location("gps", "bắc", "105,8")
    assert "Vĩ độ và kinh độ" in form.error("gps")
    assert not form.set_location("gps", "121,5", "105,8")
    assert form.error("gps")
    assert form.set_location("gps", "21,5942", "105,8482")
    assert form.value("gps") == {"lat": 21.5942, "lon": 105.8482}


def test_the_missing_items_jump_to_their_question(state):
    _start(state)
    form = state.form
    first = form.missing()[0]
    assert first.question_id == "workers"
    state.show_complete()
    assert state.route == "complete"
    target = next(m for m in form.missing() if m.question_id == "sig_rep")
    state.show_fill(target.question_id)
    assert state.route == "fill" and form.section == 2 and form.focus_qid == "sig_rep"


def test_submitting_an_incomplete_inspection_lists_what_is_missing_and_changes_nothing(state):
    inspection_id = _start(state)
    form = state.form
    assert not form.submit()
    assert form.message == "Chưa thể nộp: còn thiếu mục bắt buộc hoặc chữ ký cần ký lại."
    assert form.submit_problems
    assert state.services.get_inspection(inspection_id).header.status == "draft"


def _answer_required(form) -> None:
    form.edit("workers", "value", "120")
    form.commit("workers")
    for qid, value in [("team", "yes"), ("temp_check", "yes"), ("masks", "all"), ("dorm", "no")]:
        assert form.answer(qid, value), qid


def _fill_header(form) -> None:
    assert form.set_kind("unannounced")
    form.edit_header("team", "Nguyễn Văn An\nTrần Thị Bình\n")
    assert form.commit_header("team")
    form.edit_header("rep_name", "Lê Văn Cường")
    assert form.commit_header("rep_name")
    form.edit_header("rep_title", "Giám đốc")
    assert form.commit_header("rep_title")
    form.edit_header("findings", "Đạt yêu cầu")


def _complete_and_signed(state: AppState) -> str:
    """A new inspection with every required answer, the header filled in and the representative's
    signature on that content: ready to submit."""
    inspection_id = _start(state)
    _answer_required(state.form)
    state.show_complete()
    _fill_header(state.form)
    assert state.form.commit_header("findings")
    assert state.form.save_signature("sig_rep", STROKES, 340, 150)
    return inspection_id


def test_a_checklist_with_signature_questions_is_signed_through_them_once_and_submitted(state):
    inspection_id = _start(state)
    form = state.form
    _answer_required(form)
    state.show_complete()
    # the complete screen asks for the checklist's signature question, not header signatures as well
    assert form.signs_in_checklist
    assert [q.id for q in form.signature_questions()] == ["sig_rep"]
    assert [m.question_id for m in form.missing()] == ["sig_rep"]
    _fill_header(form)
    assert form.commit_header("findings")
    assert form.save_signature("sig_rep", STROKES, 340, 150)  # signing comes last: it binds the content
    assert form.missing() == []
    assert form.submit()
    inspection = state.services.get_inspection(inspection_id)
    header = inspection.header
    assert header.status == "submitted" and header.kind == "unannounced"
    assert [m.name for m in header.team] == ["Nguyễn Văn An", "Trần Thị Bình"]
    assert header.representative.name == "Lê Văn Cường" and header.representative.title == "Giám đốc"
    assert header.findings == "Đạt yêu cầu"
    assert header.signatures == []  # signed once: as the answer, with no header copy
    assert inspection.answers["sig_rep"].value["sha256"] == sha256_hex(render_png(STROKES, 340, 150))
    state.go_home()
    groups = dict(state.groups())
    assert [i.id for i in groups["Chờ đồng bộ"]] == [inspection_id]


@contextlib.contextmanager
def _inspection_of(tmp_path: Path, template: ChecklistTemplate) -> Iterator[tuple[AppServices, AppState, str]]:
    """A signed-in device that holds only ``template``, with an inspection of site s1 started in it."""
    app = AppServices.open(tmp_path / "device")
    try:
        fake_session(app)
        seed(app, [template], SITES)
        state = AppState(app)
        state.start()
        state.open_sites()
        state.open_site("s1")
        inspection_id = state.start_inspection(template.template_id, template.version)
        assert inspection_id is not None
        yield app, state, inspection_id
    finally:
        app.close()


def test_a_checklist_without_signature_questions_is_signed_in_the_header(tmp_path):
    plain = sample_template(1, template_id="no-signatures")
    plain = msgspec.structs.replace(
        plain,
        sections=[
            msgspec.structs.replace(s, questions=[q for q in s.questions if q.id != "sig_rep"]) for s in plain.sections
        ],
    )
    with _inspection_of(tmp_path, plain) as (app, state, inspection_id):
        form = state.form
        assert not form.signs_in_checklist and form.signature_questions() == []
        _answer_required(form)
        state.show_complete()
        _fill_header(form)
        assert form.commit_header("findings")
        assert form.save_header_signature("inspector", STROKES, 340, 150, "Nguyễn Văn An")
        assert form.save_header_signature("representative", STROKES, 340, 150, "Lê Văn Cường")
        assert form.missing() == []
        assert form.submit()
        header = app.get_inspection(inspection_id).header
        assert header.status == "submitted"
        assert {(s.role, s.name) for s in header.signatures} == {
            ("inspector", "Nguyễn Văn An"),
            ("representative", "Lê Văn Cường"),
        }


def test_a_signature_question_that_does_not_apply_is_not_asked_on_the_complete_screen(tmp_path):
    template = sample_template(1, template_id="dorm-signature")
    dorm_sig = SignatureQuestion(
        id="sig_dorm",
        label=T("Chữ ký quản lý ký túc xá", "Dormitory manager signature"),
        relevant_if=Equals(question="dorm", value="yes"),
    )
    last = template.sections[-1]
    template = msgspec.structs.replace(
        template,
        sections=[*template.sections[:-1], msgspec.structs.replace(last, questions=[*last.questions, dorm_sig])],
    )
    with _inspection_of(tmp_path, template) as (_, state, _):
        form = state.form
        assert form.answer("dorm", "no")
        assert [q.id for q in form.signature_questions()] == ["sig_rep"]
        assert form.answer("dorm", "yes")
        assert [q.id for q in form.signature_questions()] == ["sig_rep", "sig_dorm"]


def test_a_refresh_after_background_changes_reloads_the_open_inspection(state):
    inspection_id = _start(state)
    state.services.set_answer_value(inspection_id, "temp_check", "no")
    state.refresh()
    assert state.form.value("temp_check") == "no"


def test_a_conflict_pulled_from_the_server_is_shown_on_its_question_in_words(state):
    from tests.field_app.helpers import apply_pulled, pulled

    inspection_id = _start(state)
    state.form.edit("manager", "value", "Lê Văn Cường")
    state.form.commit("manager")
    entry = {
        "entity": "answer",
        "entity_id": f"{inspection_id}/manager",
        "field": "value",
        "winner_value": "Lê Văn Cường",
        "winner_hlc": f"{1_700_000_000_001:015d}-00000-device-a",
        "winner_user": "an",
        "loser_value": "Nguyễn Văn Khác",
        "loser_hlc": f"{1_700_000_000_000:015d}-00000-device-b",
        "loser_user": "cuong",
        "resolved": False,
    }
    apply_pulled(state.services, pulled("conflict", "c1", {"entry": entry}))
    state.refresh()
    [notice] = state.form.notices_for("manager")
    words = notice.message.get("vi")
    assert "an" in words and "cuong" in words and "Nguyễn Văn Khác" in words
    assert state.form.notices_for("workers") == []
    assert any(n.notice_id == notice.notice_id for n in state.notices)


def test_an_expired_login_asks_for_the_password_again_and_keeps_the_work(state):
    inspection_id = _start(state)
    state.form.answer("team", "yes")
    state.go_home()
    assert not state.needs_password
    with state.services.store.write() as conn:  # the token expired while the phone was away
        update_state(conn, token_expires_at="2000-01-01T00:00:00+00:00")
    state.refresh()
    assert state.needs_password and state.route == "home"
    assert not asyncio.run(state.relogin())
    assert state.login_error == "Hãy nhập mật khẩu."
    state.edit_login("password", "secret")
    assert not asyncio.run(state.relogin())  # the server (127.0.0.1:9) cannot be reached
    assert state.login_error and state.needs_password
    assert state.services.get_inspection(inspection_id).answers["team"].value == "yes"


def test_the_connection_watch_tells_the_sync_bar_the_server_is_unreachable_and_stops_on_close(state):
    assert state.status.online is not False

    async def watch_briefly() -> None:
        task = asyncio.create_task(state.watch_connection(every_s=0.01))
        while state.status.online is not False:
            await asyncio.sleep(0.01)
        state.close()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(asyncio.wait_for(watch_briefly(), timeout=20))
    assert state.sync_summary()["online"] == "Ngoại tuyến"


def test_a_pause_in_typing_saves_the_answer_and_keeps_the_typed_text_in_the_box(state):
    inspection_id = _start(state)
    form = state.form
    first = form.edit("manager", "value", "Lê Văn")
    second = form.edit("manager", "value", "Lê Văn Cường")
    assert not form.autosave("manager", "value", first)  # typing went on: nothing saved yet
    assert "manager" not in state.services.get_inspection(inspection_id).answers
    assert form.autosave("manager", "value", second)
    assert state.services.get_inspection(inspection_id).answers["manager"].value == "Lê Văn Cường"
    assert form.text_value("manager") == "Lê Văn Cường"
    mark = form.edit_header("findings", "Chưa có Tổ an toàn")
    assert form.autosave_header("findings", mark)
    assert state.services.get_inspection(inspection_id).header.findings == "Chưa có Tổ an toàn"


def test_the_language_choice_is_remembered_on_the_device_and_a_damaged_file_is_ignored(services):
    first = AppState(services)
    assert first.lang == "vi"
    first.toggle_language()
    assert AppState(services).lang == "en"
    (services.data_dir / "screen-preferences.json").write_text("{not json", encoding="utf-8")
    assert AppState(services, lang="vi").lang == "vi"


def test_a_signature_goes_stale_when_the_content_changes_and_blocks_submit_until_signed_again(state):
    inspection_id = _complete_and_signed(state)
    form = state.form
    assert form.missing() == []
    form.edit_header("findings", "Đạt yêu cầu, cần bổ sung sổ theo dõi")
    assert form.commit_header("findings")
    stale = form.missing()
    assert [(m.question_id, m.code) for m in stale] == [("sig_rep", "stale_signature")]
    assert "cần ký lại" in stale[0].message.vi
    assert not form.submit()
    assert state.services.get_inspection(inspection_id).header.status == "draft"
    assert form.message == "Chưa thể nộp: còn thiếu mục bắt buộc hoặc chữ ký cần ký lại."
    assert form.save_signature("sig_rep", [[(5.0, 5.0), (60.0, 90.0)]], 340, 150)  # signed again, on the new content
    assert form.missing() == []
    assert form.message is None  # the refusal goes once nothing stops the submission
    assert form.submit()
    assert state.services.get_inspection(inspection_id).header.status == "submitted"


def test_an_action_added_or_changed_after_signing_makes_the_signature_stale_until_signed_again(state):
    """Corrective actions are signed with the record (their item, description, deadline and
    finding photos): one added, or a finding photo added to one, after the representative
    signed makes that signature stale here, as on the server; who answers for it does not."""
    inspection_id = _start(state)
    form = state.form
    _answer_required(form)
    assert form.answer("temp_check", "no")
    state.show_complete()
    _fill_header(form)
    assert form.commit_header("findings")
    assert form.save_signature("sig_rep", STROKES, 340, 150)
    assert form.missing() == []
    signed = state.services.get_inspection(inspection_id).answers["sig_rep"].value
    assert signed["digest"].startswith("bb2:") and not form.signature_is_stale(signed)
    # an action added after signing
    _add_gate_check_action(form)
    assert form.signature_is_stale(signed)
    assert [(m.question_id, m.code) for m in form.missing()] == [("sig_rep", "stale_signature")]
    assert not form.submit()
    assert state.services.get_inspection(inspection_id).header.status == "draft"
    assert form.save_signature("sig_rep", [[(5.0, 5.0), (60.0, 90.0)]], 340, 150)
    assert form.missing() == []
    # a finding photo added to it after signing is a change of the signed content too
    signed = state.services.get_inspection(inspection_id).answers["sig_rep"].value
    [action] = form.actions_for("temp_check")
    assert asyncio.run(form.add_finding_photos(action.id, Outcome(value=[png_bytes(5, 40, 30)]))) == 1
    assert form.signature_is_stale(signed)
    assert [(m.question_id, m.code) for m in form.missing()] == [("sig_rep", "stale_signature")]
    assert form.save_signature("sig_rep", [[(7.0, 7.0), (50.0, 80.0)]], 340, 150)
    assert form.missing() == []
    assert form.submit()
    assert state.services.get_inspection(inspection_id).header.status == "submitted"


def test_a_draft_is_discarded_after_confirmation_and_leaves_the_lists(state):
    inspection_id = _start(state)
    form = state.form
    assert form.can_discard
    assert form.discard()
    state.go_home()
    assert inspection_id not in {i.id for _, items in state.groups() for i in items}
    assert state.services.get_inspection(inspection_id).header.status == "discarded"
    assert not state.services.get_inspection(inspection_id).editable
    with pytest.raises(AppError) as err:
        state.services.set_answer_value(inspection_id, "workers", 5)
    assert err.value.code == "locked" and "không khôi phục được" in err.value.message.vi


def test_a_submitted_record_is_read_only_and_says_why(state):
    inspection_id = _complete_and_signed(state)
    form = state.form
    assert form.submit()
    view = state.services.get_inspection(inspection_id)
    assert not view.editable and not form.can_discard
    with pytest.raises(AppError) as err:
        state.services.set_answer_value(inspection_id, "workers", 5)
    assert "giám sát viên trả lại" in err.value.message.vi
    with pytest.raises(AppError):
        state.services.discard(inspection_id)


def test_a_failed_item_gets_a_corrective_action_and_the_next_visit_sees_it_first(state):
    import datetime as dt

    inspection_id = _start(state)
    form = state.form
    assert form.answer("temp_check", "no")
    assert state.services.inspection_actions(inspection_id) == []
    assert form.is_failed("temp_check") and not form.is_failed("workers")
    form.open_action_draft("temp_check")
    form.edit_action_draft("temp_check", "description", "Đặt máy đo thân nhiệt ở cổng")
    form.edit_action_draft("temp_check", "deadline", "01/01/2020")
    assert not form.save_action("temp_check")
    assert "đã qua" in form.error("temp_check", "action")
    assert form.actions_for("temp_check") == []  # refused: nothing written
    later = (action_rules.viet_nam_today() + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    form.edit_action_draft("temp_check", "deadline", later)
    form.edit_action_draft("temp_check", "responsible_name", "Ông Hùng")
    assert form.save_action("temp_check")
    [action] = form.actions_for("temp_check")
    assert action.description == "Đặt máy đo thân nhiệt ở cổng" and action.responsible_name == "Ông Hùng"
    assert "temp_check" not in form.action_drafts_open
    # the site page shows it first, and marking it fixed needs a note or a photo
    state.back()
    state.open_site("s1")
    [carried] = state.site.open_actions
    assert carried.action.id == action.id and not carried.overdue
    assert not state.report_fixed(action.id)
    assert "ảnh hoặc ghi chú" in state.fix_errors[action.id]
    state.edit_fix_note(action.id, "Đã đặt 2 máy đo")
    assert state.report_fixed(action.id)
    [after] = state.site.open_actions  # still open until a supervisor verifies it
    assert after.action.status == "reported_fixed" and after.action.fix_note == "Đã đặt 2 máy đo"
    assert state.services.sync_status().pending > 0  # queued to sync like any edit


def test_an_action_takes_finding_photos_on_the_fill_screen_and_a_follow_up_records_not_yet_fixed(state):
    from field_app.core.capabilities import NO_CAMERA

    inspection_id = _start(state)
    form = state.form
    assert form.answer("temp_check", "no")
    action = _add_gate_check_action(form)
    # no camera: the picker's photo is taken, made small like every evidence photo
    assert asyncio.run(form.add_finding_photos(action.id, Outcome(problem=NO_CAMERA))) == 0
    assert form.error(action.id, "finding_photos") == NO_CAMERA.vi
    assert asyncio.run(form.add_finding_photos(action.id, Outcome(value=[png_bytes(5, 40, 30), b"not a photo"]))) == 1
    assert "không phải ảnh" in form.error(action.id, "finding_photos")
    [action] = form.actions_for("temp_check")
    assert len(action.finding_photos) == 1 and form.blob_bytes(action.finding_photos[0])[:2] == b"\xff\xd8"
    form.remove_finding_photo(action.id, action.finding_photos[0])
    assert form.actions_for("temp_check")[0].finding_photos == []
    assert asyncio.run(form.add_finding_photos(action.id, Outcome(value=[png_bytes(6, 40, 30)]))) == 1
    # the follow-up visit: "Vẫn chưa khắc phục" needs a note of what is missing, keeps it open
    state.back()
    state.open_site("s1")
    assert not state.report_not_fixed(action.id)
    assert "còn thiếu gì" in state.fix_errors[action.id]
    state.edit_fix_note(action.id, "Mới mua máy đo, chưa lắp")
    assert state.report_not_fixed(action.id)
    [after] = state.site.open_actions
    assert after.action.status == "open" and after.action.check_note == "Mới mua máy đo, chưa lắp"
    assert after.action.checked_on == action_rules.viet_nam_today().isoformat()
    assert after.action.deadline == action.deadline and action.id not in state.fix_errors
    assert [a.id for a in state.services.inspection_actions(inspection_id)] == [action.id]


def test_a_drafts_tile_on_home_calls_its_result_provisional(state):
    _start(state)
    state.form.answer("temp_check", "yes")
    mine = state.services.my_inspections()
    draft = (mine.drafts + mine.waiting)[0]  # not yet synced: under "waiting"
    assert draft.status == "draft"
    tile = inspection_tile(state, draft)
    assert isinstance(tile, ft.ListTile) and isinstance(tile.subtitle, ft.Column)
    words = tile.subtitle.controls[0].value
    assert "Kết quả tạm tính: Đạt" in words and "Điểm tạm tính: 100,0" in words
