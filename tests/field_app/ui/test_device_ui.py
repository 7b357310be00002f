"""The screens over the capability layer, and a failing control: messages, never a crash."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import flet as ft

from field_app.core import outbox
from field_app.core.capabilities import Capabilities, Position
from field_app.core.device_state import DeviceClock
from field_app.core.services import AppServices
from field_app.ui.app import guard_errors
from field_app.ui.state import AppState
from field_app.ui.views.questions import _notice_words
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
    assert form.add_photos("team", asyncio.run(caps.pick_photos())) == 0
    assert form.error("team", "photos").startswith("Không mở được trình chọn ảnh (TimeoutError")
    assert form.photos("team") == []
    caps = Capabilities(picker=Picker([png_bytes(1), b"not an image", png_bytes(2)]))
    assert form.add_photos("team", asyncio.run(caps.pick_photos())) == 2
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
    assert state.flash == (
        "Thao tác vừa rồi không thực hiện được (TimeoutException: Timeout waiting for FilePicker.pick_files). "
        "Dữ liệu đã nhập vẫn được giữ; hãy thử lại."
    )
    assert not state.busy and state.route == "home"


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
