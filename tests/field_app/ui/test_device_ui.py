"""The screens over the capability layer, and a failing control: messages, never a crash."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import flet as ft
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import MessageAction
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from field_app.core import outbox
from field_app.core.capabilities import Capabilities, Position
from field_app.core.device_state import DeviceClock
from field_app.core.services import AppServices
from field_app.ui.app import guard_errors, handle_back, watch_device
from field_app.ui.device import share_for
from field_app.ui.state import AppState
from field_app.ui.views.questions import _notice_words
from field_app.ui.views.record_view import record_action, share_action
from shared_schema import protocol
from shared_schema.text import LocalText
from tests.field_app.helpers import png_bytes
from tests.field_app.ui.test_state import _start


class Picker:
    def __init__(self, files=None, error=None):
        self.files, self.error = files or [], error

    async def pick_photos(self):
        if self.error:
            raise self.error
        return self.files


class Locator:
    async def locate(self):
        return Position(21.5942, 105.8482, 6.5)


def test_a_picker_that_fails_shows_a_message_under_the_photos_and_changes_nothing(state: AppState):
    _start(state)
    form = state.form
    caps = Capabilities(picker=Picker(error=TimeoutError("Timeout waiting for FilePicker.pick_files")))
    assert asyncio.run(form.add_photos("team", asyncio.run(caps.pick_photos()))) == 0
    assert form.error("team", "photos").startswith("Không mở được trình chọn ảnh. Hãy thử lại")
    assert form.photos("team") == []
    caps = Capabilities(picker=Picker([png_bytes(1), b"not an image", png_bytes(2)]))
    assert asyncio.run(form.add_photos("team", asyncio.run(caps.pick_photos()))) == 2
    assert len(form.photos("team")) == 2
    assert "không phải ảnh" in form.error("team", "photos")  # the one that was not a photo is named


def test_no_camera_no_gps_the_screens_still_work_and_gps_saves_a_position(state: AppState):
    _start(state)
    form = state.form
    nothing = Capabilities()
    assert not form.use_position("gps", asyncio.run(nothing.locate()))
    assert "nhập vĩ độ và kinh độ" in form.error("gps", "value")
    assert form.use_position("gps", asyncio.run(Capabilities(locator=Locator()).locate()))
    saved = form.value("gps")
    assert saved == {"lat": 21.5942, "lon": 105.8482, "accuracy_m": 6.5}


def test_a_control_that_fails_becomes_a_message_not_a_crashed_screen(state: AppState):
    page = SimpleNamespace(session=SimpleNamespace())
    guard_errors(page, state)
    state.busy = True
    page.session.error(
        "TimeoutException: Timeout waiting for FilePicker.pick_files\nTraceback (most recent call last):"
    )
    # in words, without Flet's English exception (that goes to the log)
    assert state.flash == "Thao tác vừa rồi không thực hiện được. Dữ liệu đã nhập vẫn được giữ; hãy thử lại."
    assert not state.busy and state.route == "home"


class RecordingConnection(Connection):
    """A client connection that keeps what the session sends it."""

    def __init__(self) -> None:
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.sent: list = []

    def send_message(self, message) -> None:
        self.sent.append(message)


def _raise_in_a_handler(guarded: bool, state: AppState) -> list:
    """A real Flet session whose page runs a handler that raises, as a dialog's call does when it
    times out; what the session sent its client."""
    conn = RecordingConnection()
    session = Session(conn)
    if guarded:
        guard_errors(session.page, state)

    def handler(e) -> None:
        raise TimeoutError("Timeout waiting for FilePicker.pick_files(...) method call")

    session.page.on_logout = handler
    asyncio.run(session.dispatch_event(session.page._i, "logout", None))
    return [m.action for m in conn.sent]


def test_a_handler_that_raises_in_a_real_flet_session_leaves_a_message_not_a_crashed_screen(state: AppState):
    # without the guard Flet replaces the whole screen with the English traceback
    assert MessageAction.SESSION_CRASHED in _raise_in_a_handler(False, state)
    assert state.flash is None
    assert MessageAction.SESSION_CRASHED not in _raise_in_a_handler(True, state)
    assert state.flash == "Thao tác vừa rồi không thực hiện được. Dữ liệu đã nhập vẫn được giữ; hãy thử lại."


class Syncs:
    """The part of AppServices the device watch calls: a sync soon."""

    def __init__(self) -> None:
        self.asked = 0

    def sync_soon(self) -> None:
        self.asked += 1


def test_back_in_the_foreground_or_back_online_asks_for_a_sync_through_a_real_flet_session():
    session = Session(RecordingConnection())
    session.get_page_patch()  # the page as the client first receives it
    syncs = Syncs()
    current = _context_page.set(session.page)  # the page a Flet service registers with
    try:
        watch_device(session.page, syncs)  # type: ignore[arg-type]
    finally:
        _context_page.reset(current)
    [connectivity] = [s for s in session.page._services._services if type(s).__name__ == "Connectivity"]
    connectivity_id = connectivity._i
    del connectivity  # only the app's own references keep the service (Flet drops unreferenced ones)

    def lifecycle(state: str) -> int:
        asyncio.run(session.dispatch_event(session.page._i, "app_lifecycle_state_change", {"state": state}))
        return syncs.asked

    def network(*kinds: str) -> int:
        asyncio.run(session.dispatch_event(connectivity_id, "change", {"connectivity": list(kinds)}))
        return syncs.asked

    assert (lifecycle("inactive"), lifecycle("hide"), lifecycle("pause")) == (0, 0, 0)
    assert lifecycle("resume") == 1 and lifecycle("show") == 2
    assert network("none") == 2
    assert network("mobile") == 3 and network("wifi", "vpn") == 4
    assert MessageAction.SESSION_CRASHED not in [m.action for m in session.connection.sent]


def test_other_specify_asks_for_words_and_submit_waits_for_them(state: AppState):
    _start(state)
    form = state.form
    assert form.toggle_choice("shortages", "rice", True)
    assert not form.needs_specify("shortages")
    assert form.toggle_choice("shortages", "other", True)
    assert form.needs_specify("shortages")
    assert ("shortages", "specify") in {(m.question_id, m.code) for m in form.missing()}
    form.edit("shortages", "other", "Bột giặt")
    assert form.commit("shortages", "other")
    assert form.answer_field("shortages", "other") == "Bột giặt"
    assert ("shortages", "specify") not in {(m.question_id, m.code) for m in form.missing()}


def test_any_question_takes_a_note(state: AppState):
    _start(state)
    form = state.form
    assert not form.note_open("workers")
    form.open_note("workers")
    assert form.note_open("workers")
    form.edit("workers", "note", "Theo sổ lao động tháng 5")
    assert form.commit("workers", "note")
    assert form.answer_field("workers", "note") == "Theo sổ lao động tháng 5"
    state.go_home()
    state.open_inspection(form.inspection_id)
    assert state.form.note_open("workers")  # a saved note stays shown


def test_the_home_list_says_the_result_in_words(state: AppState):
    inspection_id = _start(state)
    state.form.answer("team", "no")  # a failed critical item: the result is "Không đạt"
    state.go_home()
    [item] = [i for _, items in state.groups() for i in items if i.id == inspection_id]
    assert item.result_label is not None and item.result_label.vi == "Không đạt"
    assert item.score is not None


def test_the_back_gesture_walks_back_screen_by_screen_and_stops_at_home(state: AppState):
    _start(state)
    state.show_complete()
    assert state.go_back() and state.route == "fill"
    assert state.go_back() and state.route == "site"
    assert state.go_back() and state.route == "sites"
    assert state.go_back() and state.route == "home"
    assert not state.go_back() and state.route == "home"  # the system's own back from here


def test_the_system_back_gesture_as_flet_delivers_it_takes_the_app_one_screen_back(state: AppState):
    # Android's back (or an iOS swipe) pops the top Flet view; the client sends "view_pop"
    session = Session(RecordingConnection())
    session.get_page_patch()
    handle_back(session.page, state)
    _start(state)
    state.show_complete()

    def system_back(route: str) -> str:
        asyncio.run(session.dispatch_event(session.page._i, "view_pop", {"route": route}))
        return state.route

    assert [system_back(f"/{r}") for r in ("complete", "fill", "site", "sites")] == ["fill", "site", "sites", "home"]
    assert MessageAction.SESSION_CRASHED not in [m.action for m in session.connection.sent]


class NoSaveDialog:
    async def save_file(self, name: str, data: bytes, extension: str) -> None:
        raise RuntimeError("save_file is not supported on this platform")


def test_a_record_kept_on_the_device_when_there_is_no_save_dialog_names_no_file(state: AppState):
    inspection_id = _start(state)
    button = record_action(state, state.form, SimpleNamespace(capabilities=SimpleNamespace(picker=NoSaveDialog())))
    asyncio.run(button.on_click(None))
    kept = state.services.data_dir / "records" / f"bien-ban-{inspection_id}.pdf"
    assert kept.read_bytes().startswith(b"%PDF")
    message = state.form.message
    assert message.startswith("Máy này không mở được hộp thoại lưu tệp")
    assert not any(part in message for part in ("bien-ban", ".pdf", "/", "records")), message


class ShareSheet:
    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.shared = error, []

    async def share_file(self, name: str, data: bytes, mime_type: str) -> None:
        if self.error:
            raise self.error
        self.shared.append((name, data, mime_type))


def test_on_a_phone_the_record_goes_to_the_share_sheet_and_a_failure_is_said_in_words(state: AppState):
    inspection_id = _start(state)
    assert share_action(state, state.form, SimpleNamespace(share=None)) is None  # browser, desktop
    sheet = ShareSheet()
    button = share_action(state, state.form, SimpleNamespace(share=sheet))
    assert button is not None
    asyncio.run(button.on_click(None))
    [(name, data, mime)] = sheet.shared
    assert name == f"bien-ban-{inspection_id}.pdf" and data.startswith(b"%PDF") and mime == "application/pdf"
    assert state.form.message == "Đã tạo biên bản (chưa có số: số được cấp khi nộp)."
    failing = share_action(state, state.form, SimpleNamespace(share=ShareSheet(RuntimeError("PlatformException"))))
    asyncio.run(failing.on_click(None))
    assert state.form.message == "Không mở được bảng chia sẻ. Hãy thử lại hoặc dùng “Xem biên bản (PDF)”."


def test_only_a_phone_build_offers_the_share_sheet():
    def page(platform: str, web: bool) -> SimpleNamespace:
        return SimpleNamespace(platform=ft.PagePlatform(platform), web=web)

    assert share_for(page("android", False)) is not None and share_for(page("ios", False)) is not None
    assert share_for(page("android", True)) is None  # a phone's browser: the record downloads
    assert share_for(page("linux", False)) is None and share_for(page("windows", False)) is None


def _texts(control: Any) -> list[str]:
    """Every text a control tree shows."""
    found = [control.value] if isinstance(control, ft.Text) and isinstance(control.value, str) else []
    for child in (getattr(control, "content", None), *(getattr(control, "controls", None) or ())):
        if child is not None:
            found += _texts(child)
    return found


def test_a_refused_answer_is_explained_under_its_question_in_the_language_chosen(
    state: AppState, services: AppServices
):
    inspection_id = _start(state)
    server_words = LocalText("Số lao động phải từ 0 trở lên.", "The number of workers must be 0 or more.")
    with services.store.write() as conn:  # as the engine records a push result with ``messages``
        change = outbox.record_edit(
            conn,
            DeviceClock(services.store),
            "answer",
            protocol.answer_entity_id(inspection_id, "workers"),
            "value",
            -5,
            inspection_id,
        )
        outbox.record_rejection(
            conn, change, "invalid_value", f"{server_words.vi} / {server_words.en}", inspection_id, server_words
        )
    state.form.reload()
    shown_vi = [t for c in _notice_words(state.form, "workers") for t in _texts(c)]
    assert any("Số lao động phải từ 0 trở lên" in t for t in shown_vi)
    assert not any("must be 0 or more" in t or " / " in t for t in shown_vi)
    state.toggle_language()
    shown_en = [t for c in _notice_words(state.form, "workers") for t in _texts(c)]
    assert any("The number of workers must be 0 or more" in t for t in shown_en)
    assert not any("Số lao động" in t for t in shown_en)
