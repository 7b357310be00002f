"""The screens over the capability layer, and a failing control: messages, never a crash."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from field_app.core.capabilities import Capabilities, Position
from field_app.ui.app import guard_errors
from field_app.ui.state import AppState
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
