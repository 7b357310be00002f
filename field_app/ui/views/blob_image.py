"""An image kept as a blob (a photo or a drawn signature), read — or fetched from the server —
in a worker thread, never while the screen is drawn; recent images are kept in memory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import flet as ft

_CACHE: dict[str, bytes] = {}
_CACHE_SIZE = 64
Loader = Callable[[str], bytes | None]


def _remember(sha: str, data: bytes) -> None:
    _CACHE[sha] = data
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))


@ft.component
def BlobImage(
    load: Loader,
    sha: str,
    label: str,
    width: int,
    height: int,
    *,
    fit: ft.BoxFit = ft.BoxFit.COVER,
    placeholder: ft.Control | None = None,
    unavailable: ft.Control | None = None,
) -> ft.Control:
    """The image of blob ``sha`` named ``label``; ``placeholder`` while it loads, ``unavailable``
    (default: the placeholder) when this device cannot get it."""
    data, set_data = ft.use_state(lambda: _CACHE.get(sha))
    failed, set_failed = ft.use_state(False)

    async def fetch() -> None:
        if data is not None:
            return
        fetched = await asyncio.to_thread(load, sha)
        if fetched is None:
            set_failed(True)
            return
        _remember(sha, fetched)
        set_data(fetched)

    ft.use_effect(fetch, [sha])
    if data is None:
        shown = unavailable if failed and unavailable is not None else placeholder
        return ft.Container(
            width=width, height=height, bgcolor=ft.Colors.GREY_200, content=shown, alignment=ft.Alignment.CENTER
        )
    return ft.Image(src=data, width=width, height=height, fit=fit, semantics_label=label)
