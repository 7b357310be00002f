"""What the device can do for the inspector: camera, photo picker, location.

Plain Python over three small protocols; the Flet screens plug in adapters (Flet's FilePicker,
``flet-camera``, ``flet-geolocator``) and tests plug in fakes. Which adapters exist is decided by
``detect``: the camera and location extensions are Flutter code compiled into a phone build only,
so the browser and desktop app never use them, even when the Python packages are installed.

Every call returns an ``Outcome``: the value, or a message in words for the inspector. A missing
capability or one that fails (a dialog that times out after the app restarted, a permission
refused, a camera that is busy) never raises into a screen.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from shared_schema.text import LocalText

log = logging.getLogger(__name__)

T = TypeVar("T")

PHONE_PLATFORMS = ("android", "ios")

NO_CAMERA = LocalText(
    "Máy này không mở được máy ảnh trong ứng dụng: hãy dùng “Thêm ảnh” để chọn ảnh đã chụp.",
    "The camera cannot be opened in the app on this device: use “Add photo” to choose a photo.",
)
CAMERA_FAILED = LocalText(
    "Không chụp được ảnh. Hãy thử lại hoặc dùng “Thêm ảnh”.",
    "The photo could not be taken. Try again or use “Add photo”.",
)
NO_PICKER = LocalText("Máy này không chọn được tệp ảnh.", "This device cannot pick photo files.")
PICKER_FAILED = LocalText(
    "Không mở được trình chọn ảnh. Hãy thử lại; nếu vẫn lỗi, tải lại trang hoặc mở lại ứng dụng.",
    "The photo picker did not open. Try again; if it still fails, reload the page or reopen the app.",
)
NO_LOCATION = LocalText(
    "Máy này không lấy được vị trí GPS: hãy nhập vĩ độ và kinh độ.",
    "This device cannot get a GPS position: type the latitude and longitude.",
)
LOCATION_DENIED = LocalText(
    "Ứng dụng chưa được phép dùng vị trí: hãy cho phép trong Cài đặt, hoặc nhập vĩ độ và kinh độ.",
    "The app may not use the location: allow it in Settings, or type the latitude and longitude.",
)
LOCATION_FAILED = LocalText(
    "Không lấy được vị trí: hãy thử lại ở nơi thoáng hoặc nhập vĩ độ và kinh độ.",
    "No position was found: try again in the open or type the latitude and longitude.",
)


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float | None = None


class LocationDenied(Exception):
    """The person (or the system) refused the app the location."""


class CameraAdapter(Protocol):
    async def take_photo(self) -> bytes | None:
        """One photo from the camera; None when the person cancelled."""
        ...


class PickerAdapter(Protocol):
    async def pick_photos(self) -> list[bytes]:
        """The chosen image files' bytes; [] when the person cancelled."""
        ...


class LocatorAdapter(Protocol):
    async def locate(self) -> Position:
        """The current position (asks for the permission first). ``LocationDenied`` if refused."""
        ...


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a capability gave (``value``), or why not (``problem``, in words); both None: cancelled."""

    value: T | None = None
    problem: LocalText | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def detect(platform: str, web: bool, installed: Callable[[str], bool]) -> frozenset[str]:
    """Which native extensions this page may use: ``camera`` (``flet_camera``) and ``location``
    (``flet_geolocator``), only in a phone build (Android/iOS, not the browser) that has them."""
    if web or platform not in PHONE_PLATFORMS:
        return frozenset()
    found = set()
    if installed("flet_camera"):
        found.add("camera")
    if installed("flet_geolocator"):
        found.add("location")
    return frozenset(found)


class Capabilities:
    """The camera, the photo picker and the location of one screen session, each optional."""

    def __init__(
        self,
        camera: CameraAdapter | None = None,
        picker: PickerAdapter | None = None,
        locator: LocatorAdapter | None = None,
        *,
        timeout_s: float = 300.0,
    ):
        self.camera = camera
        self.picker = picker
        self.locator = locator
        # a person may take minutes to choose; a dialog lost with its session must not hang forever
        self.timeout_s = timeout_s

    @property
    def has_camera(self) -> bool:
        return self.camera is not None

    @property
    def has_picker(self) -> bool:
        return self.picker is not None

    @property
    def has_location(self) -> bool:
        return self.locator is not None

    async def take_photo(self) -> Outcome[list[bytes]]:
        """A photo from the in-app camera (a one-item list), [] when cancelled, or a problem."""
        if self.camera is None:
            return Outcome(problem=NO_CAMERA)
        taken = await self._ask(self.camera.take_photo(), "the camera", CAMERA_FAILED)
        if taken.problem is not None:
            return Outcome(problem=taken.problem)
        return Outcome([taken.value] if taken.value else [])

    async def pick_photos(self) -> Outcome[list[bytes]]:
        """Photos chosen with the file picker ([] when cancelled), or a problem."""
        if self.picker is None:
            return Outcome(problem=NO_PICKER)
        picked = await self._ask(self.picker.pick_photos(), "the file picker", PICKER_FAILED)
        if picked.problem is not None:
            return Outcome(problem=picked.problem)
        return Outcome([f for f in picked.value or [] if f])

    async def locate(self) -> Outcome[Position]:
        """The device's position, or a problem (no GPS here, permission refused, no fix)."""
        if self.locator is None:
            return Outcome(problem=NO_LOCATION)
        return await self._ask(self.locator.locate(), "the location", LOCATION_FAILED)

    async def _ask(self, call: Awaitable[T], what: str, failed: LocalText) -> Outcome[T]:
        """What ``call`` gives within the time limit, or the problem in words (``failed``; a
        location refused by the person, ``LOCATION_DENIED``). The error itself (an English
        exception from Flet or the platform) goes to the log, never to the screen."""
        try:
            return Outcome(await asyncio.wait_for(call, self.timeout_s))
        except asyncio.CancelledError:
            raise
        except LocationDenied:
            return Outcome(problem=LOCATION_DENIED)
        except Exception:
            log.warning("%s failed", what, exc_info=True)
            return Outcome(problem=failed)
