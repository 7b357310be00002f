"""Flet adapters of the capability layer (``field_app.core.capabilities``): the file picker,
the in-app camera (``flet-camera``) and GPS (``flet-geolocator``).

The camera and GPS packages are Flutter extensions: only a phone build (`flet build apk|ipa`)
compiles them into the client, so ``capabilities_for`` offers them on Android/iOS only, and only
when the Python package is installed. The browser and desktop app use the file picker and typed
coordinates. Nothing here raises into a screen: ``Capabilities`` turns failures into messages.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.core.capabilities import PHONE_PLATFORMS, Capabilities, LocationDenied, Position, detect


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class FilePickerAdapter:
    """Image files chosen with Flet's FilePicker, read into memory."""

    def __init__(self, picker: ft.FilePicker):
        self._picker = picker

    async def pick_photos(self) -> list[bytes]:
        files = await self._picker.pick_files(
            file_type=ft.FilePickerFileType.IMAGE, allow_multiple=True, with_data=True
        )
        return [f.bytes for f in files or [] if f.bytes]

    async def save_file(self, name: str, data: bytes, extension: str) -> None:
        """Hand ``data`` to the platform as a file named ``name``: a download in a browser, the
        system's save dialog on a phone or desktop."""
        await self._picker.save_file(
            file_name=name, src_bytes=data, file_type=ft.FilePickerFileType.CUSTOM, allowed_extensions=[extension]
        )


class GeolocatorAdapter:
    """The position from ``flet_geolocator.Geolocator`` (asks for the permission first)."""

    def __init__(self) -> None:
        import flet_geolocator as fg

        self._fg = fg
        self._geolocator = fg.Geolocator()

    async def locate(self) -> Position:
        fg = self._fg
        status = await self._geolocator.request_permission()
        if status in (fg.GeolocatorPermissionStatus.DENIED, fg.GeolocatorPermissionStatus.DENIED_FOREVER):
            raise LocationDenied()
        position = await self._geolocator.get_current_position()
        return Position(position.latitude, position.longitude, getattr(position, "accuracy", None))


class CameraAdapter:
    """One photo taken in a dialog with the back camera's preview (``flet_camera.Camera``)."""

    def __init__(self, words: Callable[[str], str]):
        self._words = words

    async def take_photo(self) -> bytes | None:
        import flet_camera as fc

        page = ft.context.page
        loop = asyncio.get_running_loop()
        done: asyncio.Future[bytes | None] = loop.create_future()
        camera = fc.Camera(expand=True, preview_enabled=True)

        async def shoot(e: Any) -> None:
            try:
                data = await camera.take_picture()
            except Exception as exc:
                if not done.done():
                    done.set_exception(exc)
                return
            if not done.done():
                done.set_result(data)

        def cancel(e: Any) -> None:
            if not done.done():
                done.set_result(None)

        dialog = ft.AlertDialog(
            modal=True,
            content=ft.Container(camera, width=360, height=480),
            actions=[
                ft.TextButton(self._words("cancel"), on_click=cancel),
                ft.FilledButton(self._words("take_photo"), icon=ft.Icons.CAMERA, on_click=shoot),
            ],
        )
        page.show_dialog(dialog)
        try:
            cameras = await camera.get_available_cameras()
            if not cameras:
                raise RuntimeError("no camera")
            back = next((c for c in cameras if c.lens_direction == fc.CameraLensDirection.BACK), cameras[0])
            await camera.initialize(back, fc.ResolutionPreset.VERY_HIGH, enable_audio=False)
            return await done
        finally:
            page.pop_dialog()


class ShareAdapter:
    """The phone's share sheet (``ft.Share``): a file handed to Zalo, mail, Drive, a PDF viewer …"""

    def __init__(self, share: ft.Share):
        self._share = share

    async def share_file(self, name: str, data: bytes, mime_type: str) -> None:
        await self._share.share_files([ft.ShareFile.from_bytes(data, mime_type=mime_type, name=name)])


def share_for(page: ft.Page) -> ShareAdapter | None:
    """The share sheet of a phone build (Android/iOS app, not the browser); None elsewhere, where
    the record downloads or is saved through the file dialog instead."""
    platform = page.platform.value if page.platform is not None else ""
    if page.web or platform not in PHONE_PLATFORMS:
        return None
    try:
        return ShareAdapter(ft.Share())
    except Exception:
        return None


def capabilities_for(page: ft.Page, words: Callable[[str], str]) -> Capabilities:
    """The capabilities of ``page``: the file picker everywhere; camera and GPS in a phone build."""
    platform = page.platform.value if page.platform is not None else ""
    found = detect(platform, bool(page.web), _installed)
    picker: FilePickerAdapter | None
    try:
        picker = FilePickerAdapter(ft.FilePicker())
    except Exception:  # no picker on this client: the screens say so
        picker = None
    locator: GeolocatorAdapter | None = None
    if "location" in found:
        try:
            locator = GeolocatorAdapter()
        except Exception:
            locator = None
    camera = CameraAdapter(words) if "camera" in found else None
    return Capabilities(camera=camera, picker=picker, locator=locator)
