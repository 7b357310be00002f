"""A photo is made small (seconds on a busy phone) in a worker thread while the screen says so:
the question's, the finding's or (on the site screen) the fix's photos show "Đang xử lý ảnh…" with a progress ring and their
buttons wait; when it is done, kept or refused, the ring goes and the buttons come back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import flet as ft
import pytest
from flet.components.component import Renderer

from field_app.core import photos
from field_app.core.capabilities import Capabilities, Outcome
from field_app.ui.state import AppState
from field_app.ui.views.questions import finding_photos_row, photo_row
from field_app.ui.views.sites import _carried_action
from tests.field_app.helpers import png_bytes
from tests.field_app.ui.test_state import _add_gate_check_action, _start

PROCESSING = {"vi": "Đang xử lý ảnh…", "en": "Processing the photo…"}


class Device:
    """A camera and a picker that are there (what they give is passed to the form directly)."""

    async def take_photo(self) -> bytes | None:
        return None

    async def pick_photos(self) -> list[bytes]:
        return []


CAPS = Capabilities(camera=Device(), picker=Device())


def _built(view: Any, *args: Any, **kwargs: Any) -> ft.Control:
    """A view function's controls, built as Flet builds a screen (its thumbnails are components)."""
    return Renderer().render(view, *args, **kwargs)


def _controls(control: Any) -> Iterator[Any]:
    yield control
    for child in (getattr(control, "content", None), *(getattr(control, "controls", None) or ())):
        if isinstance(child, ft.Control):
            yield from _controls(child)


def _seen(row: ft.Control) -> tuple[list[str], dict[str, bool], bool]:
    """What a photo area shows: its texts, its buttons (label → enabled) and whether a ring turns."""
    found = list(_controls(row))
    texts = [c.value for c in found if isinstance(c, ft.Text)]
    buttons = {c.content: not c.disabled for c in found if isinstance(c, ft.FilledButton | ft.OutlinedButton)}
    return texts, buttons, any(isinstance(c, ft.ProgressRing) for c in found)


def test_a_photo_is_made_small_off_the_event_loop_while_its_question_shows_it(state: AppState, monkeypatch):
    _start(state)
    form = state.form
    made_small = photos.shrink
    release = threading.Event()
    loop_thread = threading.get_ident()

    def slow_shrink(data: bytes, settings: photos.PhotoSettings | None = None) -> bytes:
        # never on the event loop's thread: waiting here would freeze the screen (and this test)
        assert threading.get_ident() != loop_thread
        assert release.wait(10), "the screen was not shown busy while the photo was made small"
        return made_small(data, settings)

    monkeypatch.setattr(photos, "shrink", slow_shrink)

    async def take_one() -> tuple[int, ft.Control]:
        adding = asyncio.create_task(form.add_photos("overview", Outcome([png_bytes(4)])))
        await asyncio.sleep(0)  # it starts, and waits for its worker thread
        assert form.is_busy("overview", "photos") and not adding.done()
        while_busy = _built(photo_row, form, "overview", CAPS, label="Ảnh tổng quan")
        release.set()
        return await adding, while_busy

    added, while_busy = asyncio.run(take_one())
    texts, buttons, ring = _seen(while_busy)
    assert PROCESSING["vi"] in texts and ring
    assert buttons == {"Chụp ảnh": False, "Thêm ảnh": False}
    assert added == 1 and len(form.photos("overview")) == 1 and form.error("overview", "photos") is None
    texts, buttons, ring = _seen(_built(photo_row, form, "overview", CAPS, label="Ảnh tổng quan"))
    assert PROCESSING["vi"] not in texts and not ring
    assert buttons == {"Chụp ảnh": True, "Thêm ảnh": True}
    assert not form.is_busy("overview", "photos")


def test_a_refused_photo_shows_its_message_and_the_buttons_come_back_in_english_too(state: AppState):
    _start(state)
    state.toggle_language()
    form = state.form
    shown: list[ft.Control] = []

    async def run(work: Any, *args: Any) -> Any:
        shown.append(_built(photo_row, form, "overview", CAPS, label="Overview photo"))
        return await asyncio.to_thread(work, *args)

    assert asyncio.run(form.add_photos("overview", Outcome([b"not an image at all"]), run)) == 0
    texts, buttons, ring = _seen(shown[0])
    assert PROCESSING["en"] in texts and ring and buttons == {"Take photo": False, "Add photo": False}
    texts, buttons, ring = _seen(_built(photo_row, form, "overview", CAPS, label="Overview photo"))
    assert PROCESSING["en"] not in texts and not ring and buttons == {"Take photo": True, "Add photo": True}
    assert any("not a photo" in t for t in texts) and form.photos("overview") == []


def test_a_failure_of_the_worker_itself_still_gives_the_buttons_back(state: AppState):
    _start(state)
    form = state.form

    async def run(work: Any, *args: Any) -> Any:
        raise OSError("disk full")  # not a refusal in words: the app's guard reports it

    with pytest.raises(OSError):
        asyncio.run(form.add_photos("overview", Outcome([png_bytes(4)]), run))
    assert not form.is_busy("overview", "photos") and form.photos("overview") == []


def test_the_photos_of_a_finding_show_it_too(state: AppState):
    _start(state)
    form = state.form
    assert form.answer("temp_check", "no")
    action = _add_gate_check_action(form)
    shown: list[ft.Control] = []

    async def run(work: Any, *args: Any) -> Any:
        shown.append(_built(finding_photos_row, form, form.actions_for("temp_check")[0], CAPS))
        return await asyncio.to_thread(work, *args)

    assert asyncio.run(form.add_finding_photos(action.id, Outcome([png_bytes(5, 40, 30)]), run)) == 1
    texts, buttons, ring = _seen(shown[0])
    assert PROCESSING["vi"] in texts and ring
    assert buttons == {"Chụp ảnh phát hiện": False, "Chọn ảnh phát hiện": False}
    [action] = form.actions_for("temp_check")
    texts, buttons, ring = _seen(_built(finding_photos_row, form, action, CAPS))
    assert PROCESSING["vi"] not in texts and not ring and len(action.finding_photos) == 1
    assert buttons == {"Chụp ảnh phát hiện": True, "Chọn ảnh phát hiện": True}
    assert not form.is_busy(action.id, "finding_photos")


def _fix_to_photograph(state: AppState) -> str:
    """A failed item's action, carried to the site screen of the follow-up visit."""
    _start(state)
    assert state.form.answer("temp_check", "no")
    action = _add_gate_check_action(state.form)
    state.back()
    state.open_site("s1")
    return action.id


def _carried(state: AppState) -> ft.Control:
    [view] = state.site.open_actions
    return _built(_carried_action, state, view, CAPS)


FIX_BUTTONS = ("Chụp ảnh sau khắc phục", "Đã khắc phục", "Vẫn chưa khắc phục")


def test_a_photo_of_the_fix_is_made_small_off_the_event_loop_while_its_action_shows_it(state: AppState):
    action_id = _fix_to_photograph(state)
    shown: list[ft.Control] = []

    async def run(work: Any, *args: Any) -> Any:
        shown.append(_carried(state))
        return await asyncio.to_thread(work, *args)

    async def add(photos: list[bytes]) -> int:
        return await state.add_fix_photos(action_id, Outcome(photos), run)

    assert asyncio.run(add([png_bytes(7, 40, 30)])) == 1
    texts, buttons, ring = _seen(shown[0])
    assert PROCESSING["vi"] in texts and ring and buttons == dict.fromkeys(FIX_BUTTONS, False)
    texts, buttons, ring = _seen(_carried(state))
    assert PROCESSING["vi"] not in texts and not ring and buttons == dict.fromkeys(FIX_BUTTONS, True)
    assert "1 ảnh" in texts and action_id not in state.fix_busy and action_id not in state.fix_errors
    [view] = state.site.open_actions
    assert len(view.action.fix_photos) == 1
    # a refused photo: its message shows under the action, and the buttons come back
    assert asyncio.run(add([b"not an image at all"])) == 0
    texts, buttons, ring = _seen(_carried(state))
    assert any("không phải ảnh" in t for t in texts) and not ring
    assert buttons == dict.fromkeys(FIX_BUTTONS, True) and "1 ảnh" in texts


def test_a_photo_of_the_fix_is_made_in_a_worker_thread_by_default(state: AppState, monkeypatch):
    action_id = _fix_to_photograph(state)
    made_small = photos.shrink
    loop_thread = threading.get_ident()
    threads: list[int] = []

    def shrink(data: bytes, settings: photos.PhotoSettings | None = None) -> bytes:
        threads.append(threading.get_ident())
        return made_small(data, settings)

    monkeypatch.setattr(photos, "shrink", shrink)
    assert asyncio.run(state.add_fix_photos(action_id, Outcome([png_bytes(8, 40, 30)]))) == 1
    assert threads and loop_thread not in threads


def test_no_photo_of_the_fix_from_the_device_says_why_and_a_failed_worker_gives_the_buttons_back(
    state: AppState,
):
    from field_app.core.capabilities import NO_CAMERA

    action_id = _fix_to_photograph(state)
    assert asyncio.run(state.add_fix_photos(action_id, Outcome(problem=NO_CAMERA))) == 0
    assert state.fix_errors[action_id] == NO_CAMERA.vi and action_id not in state.fix_busy

    async def run(work: Any, *args: Any) -> Any:
        raise OSError("disk full")  # not a refusal in words: the app's guard reports it

    with pytest.raises(OSError):
        asyncio.run(state.add_fix_photos(action_id, Outcome([png_bytes(9)]), run))
    assert action_id not in state.fix_busy
    texts, buttons, ring = _seen(_carried(state))
    assert not ring and buttons == dict.fromkeys(FIX_BUTTONS, True) and NO_CAMERA.vi in texts
