"""The camera / photo picker / location layer with fakes: a missing or failing capability gives
a message in words and never raises into a screen."""

from __future__ import annotations

import asyncio

import pytest

from field_app.core import capabilities as caps
from field_app.core.capabilities import Capabilities, LocationDenied, Position


class FakeCamera:
    def __init__(self, result: bytes | None = b"jpeg", error: Exception | None = None):
        self.result, self.error, self.calls = result, error, 0

    async def take_photo(self) -> bytes | None:
        self.calls += 1
        if self.error:
            raise self.error
        return self.result


class FakePicker:
    def __init__(self, files: list[bytes] | None = None, error: Exception | None = None, hang: bool = False):
        self.files, self.error, self.hang = files or [], error, hang

    async def pick_photos(self) -> list[bytes]:
        if self.hang:
            await asyncio.sleep(3600)
        if self.error:
            raise self.error
        return self.files


class FakeLocator:
    def __init__(self, position: Position | None = None, error: Exception | None = None):
        self.position, self.error = position, error

    async def locate(self) -> Position:
        if self.error:
            raise self.error
        assert self.position is not None
        return self.position


class TimeoutException(Exception):
    """Like Flet's: a control's method got no answer from the client."""


def run(coro):
    return asyncio.run(coro)


def test_nothing_available_gives_messages_not_errors():
    nothing = Capabilities()
    assert not (nothing.has_camera or nothing.has_picker or nothing.has_location)
    assert run(nothing.take_photo()).problem == caps.NO_CAMERA
    assert run(nothing.pick_photos()).problem == caps.NO_PICKER
    assert run(nothing.locate()).problem == caps.NO_LOCATION


def test_a_camera_photo_and_a_cancelled_camera():
    camera = FakeCamera(b"\xff\xd8photo")
    outcome = run(Capabilities(camera=camera).take_photo())
    assert outcome.ok and outcome.value == [b"\xff\xd8photo"] and camera.calls == 1
    cancelled = run(Capabilities(camera=FakeCamera(None)).take_photo())
    assert cancelled.ok and cancelled.value == []


def test_a_failing_camera_says_what_happened_in_both_languages_and_logs_the_error(caplog):
    outcome = run(Capabilities(camera=FakeCamera(error=RuntimeError("camera in use"))).take_photo())
    assert not outcome.ok
    assert outcome.problem.vi == "Không chụp được ảnh. Hãy thử lại hoặc dùng “Thêm ảnh”."
    assert "Add photo" in outcome.problem.en
    # the platform's English error is for the log, not for the inspector
    assert "camera in use" in caplog.text and "camera in use" not in outcome.problem.vi + outcome.problem.en


def test_picked_files_and_a_cancelled_pick():
    outcome = run(Capabilities(picker=FakePicker([b"a", b"", b"b"])).pick_photos())
    assert outcome.value == [b"a", b"b"]
    assert run(Capabilities(picker=FakePicker([])).pick_photos()).value == []


def test_a_picker_that_times_out_after_a_restart_gives_a_message_and_the_app_goes_on():
    error = TimeoutException("Timeout waiting for FilePicker.pick_files(...) method call")
    outcome = run(Capabilities(picker=FakePicker(error=error)).pick_photos())
    assert outcome.problem == caps.PICKER_FAILED
    assert "Timeout" not in outcome.problem.vi and "FilePicker" not in outcome.problem.vi
    assert "reload the page" in outcome.problem.en


def test_a_picker_that_never_answers_is_given_up_after_the_timeout():
    outcome = run(Capabilities(picker=FakePicker(hang=True), timeout_s=0.05).pick_photos())
    assert outcome.problem == caps.PICKER_FAILED


def test_a_cancelled_screen_task_is_not_swallowed():
    async def cancel_it() -> None:
        task = asyncio.create_task(Capabilities(picker=FakePicker(hang=True)).pick_photos())
        await asyncio.sleep(0.01)
        task.cancel()
        await task

    with pytest.raises(asyncio.CancelledError):
        run(cancel_it())


def test_location_found_refused_and_failed():
    here = Position(21.5942, 105.8482, 8.0)
    assert run(Capabilities(locator=FakeLocator(here)).locate()).value == here
    assert run(Capabilities(locator=FakeLocator(error=LocationDenied())).locate()).problem == caps.LOCATION_DENIED
    failed = run(Capabilities(locator=FakeLocator(error=OSError("no fix"))).locate())
    assert failed.problem == caps.LOCATION_FAILED and "OSError" not in failed.problem.vi


@pytest.mark.parametrize(
    ("platform", "web", "installed", "expected"),
    [
        ("android", False, {"flet_camera", "flet_geolocator"}, {"camera", "location"}),
        ("ios", False, {"flet_geolocator"}, {"location"}),
        ("android", False, set(), set()),
        # the browser and desktop clients do not carry the Flutter extensions
        ("android", True, {"flet_camera", "flet_geolocator"}, set()),
        ("linux", False, {"flet_camera", "flet_geolocator"}, set()),
        ("windows", False, {"flet_camera"}, set()),
    ],
)
def test_native_extensions_are_used_only_in_a_phone_build_that_has_them(platform, web, installed, expected):
    assert caps.detect(platform, web, installed.__contains__) == expected
