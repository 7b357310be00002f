"""A signature: once saved, its image (with "Sign again"); before that, or while signing again,
a canvas inside a GestureDetector. The strokes stay in the component until "Save", which hands
them to the state to rasterise as a PNG blob; the saved signature stays until a new one is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft
import flet.canvas as cv

from field_app.ui.views import widgets as w
from field_app.ui.views.blob_image import BlobImage, Loader

PAD_WIDTH = 340
PAD_HEIGHT = 150
Strokes = list[list[tuple[float, float]]]
# The words a pad needs (keys of the i18n table).
SIGNATURE_TEXTS = (
    "sign_here",
    "clear_signature",
    "save_signature",
    "signature_saved",
    "sign_again",
    "cancel",
    "saved_signature",
    "signature_loading",
    "signature_unavailable",
)


def _path(stroke: list[tuple[float, float]]) -> cv.Path:
    elements: list[Any] = [cv.Path.MoveTo(stroke[0][0], stroke[0][1])]
    elements += [cv.Path.LineTo(x, y) for x, y in stroke[1:]] or [cv.Path.LineTo(stroke[0][0] + 1, stroke[0][1])]
    return cv.Path(
        elements,
        paint=ft.Paint(
            stroke_width=3,
            style=ft.PaintingStyle.STROKE,
            color=ft.Colors.BLACK,
            stroke_cap=ft.StrokeCap.ROUND,
            stroke_join=ft.StrokeJoin.ROUND,
        ),
    )


def _saved_image(label: str, texts: dict[str, str], sha: str, load_image: Loader | None) -> ft.Control:
    frame = {"width": PAD_WIDTH, "height": PAD_HEIGHT}
    if load_image is None:
        return ft.Container(
            **frame,
            bgcolor=ft.Colors.GREY_200,
            alignment=ft.Alignment.CENTER,
            content=w.muted(texts["signature_unavailable"]),
        )
    image = BlobImage(
        load_image,
        sha,
        f"{texts['saved_signature']}: {label}",
        PAD_WIDTH,
        PAD_HEIGHT,
        fit=ft.BoxFit.CONTAIN,
        placeholder=w.muted(texts["signature_loading"]),
        unavailable=ft.Container(padding=8, content=w.muted(texts["signature_unavailable"])),
        key=f"signature:{sha}",
    )
    return ft.Container(
        content=image, **frame, bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.GREY_400), border_radius=4
    )


@ft.component
def SignaturePad(
    label: str,
    texts: dict[str, str],
    on_save: Callable[[Strokes, int, int], Any],
    signed_sha: str | None = None,
    load_image: Loader | None = None,
    signed_caption: str | None = None,
    disabled: bool = False,
    stale_text: str | None = None,
) -> ft.Control:
    """``texts``: the words of ``SIGNATURE_TEXTS``. ``signed_sha``: the saved signature's image,
    read with ``load_image``. ``on_save`` returns whether the drawing was saved. ``stale_text``:
    the content changed after this signature was taken (said instead of "signed")."""
    strokes_ref = ft.use_ref(list)
    version, set_version = ft.use_state(0)
    signing_again, set_signing_again = ft.use_state(False)
    strokes: Strokes = strokes_ref.current

    def start(e: Any) -> None:
        strokes.append([(e.local_position.x, e.local_position.y)])
        set_version(version + 1)

    def move(e: Any) -> None:
        if not strokes:
            strokes.append([])
        strokes[-1].append((e.local_position.x, e.local_position.y))
        set_version(lambda v: v + 1)

    def clear(e: Any) -> None:
        strokes.clear()
        set_version(lambda v: v + 1)

    def save(e: Any) -> None:
        saved = on_save([list(s) for s in strokes], PAD_WIDTH, PAD_HEIGHT)
        strokes.clear()
        set_version(lambda v: v + 1)
        if saved is not False:
            set_signing_again(False)

    def sign_again(e: Any) -> None:
        strokes.clear()
        set_signing_again(True)

    def keep_saved(e: Any) -> None:
        strokes.clear()
        set_signing_again(False)

    status = (
        ft.Row(
            w.compact(
                [
                    ft.Icon(
                        ft.Icons.WARNING_AMBER if stale_text else ft.Icons.CHECK_CIRCLE,
                        color=ft.Colors.ORANGE_800 if stale_text else ft.Colors.GREEN_700,
                        size=18,
                    ),
                    ft.Text(
                        stale_text or texts["signature_saved"],
                        color=ft.Colors.ORANGE_900 if stale_text else ft.Colors.GREEN_800,
                        weight=ft.FontWeight.W_600 if stale_text else None,
                    ),
                    w.muted(signed_caption) if signed_caption else None,
                ]
            ),
            wrap=True,
        )
        if signed_sha
        else None
    )
    if signed_sha and (disabled or not signing_again):
        return ft.Column(
            w.compact(
                [
                    status,
                    _saved_image(label, texts, signed_sha, load_image),
                    None if disabled else ft.Row([w.action(texts["sign_again"], sign_again, icon=ft.Icons.DRAW)]),
                ]
            ),
            spacing=6,
        )
    if disabled:
        return ft.Column([], spacing=6)
    canvas = cv.Canvas(shapes=[_path(s) for s in strokes if s], width=PAD_WIDTH, height=PAD_HEIGHT)
    pad = ft.Semantics(
        label=f"{texts['sign_here']}: {label}",
        container=True,
        content=ft.GestureDetector(
            content=ft.Container(
                content=canvas,
                width=PAD_WIDTH,
                height=PAD_HEIGHT,
                bgcolor=ft.Colors.WHITE,
                border=ft.Border.all(1, ft.Colors.GREY_500),
                border_radius=4,
            ),
            on_pan_start=start,
            on_pan_update=move,
            drag_interval=20,
        ),
    )
    return ft.Column(
        w.compact(
            [
                status,
                pad,
                ft.Row(
                    w.compact(
                        [
                            w.action(texts["clear_signature"], clear),
                            w.action(texts["save_signature"], save, primary=True),
                            w.action(texts["cancel"], keep_saved) if signed_sha else None,
                        ]
                    ),
                    wrap=True,
                ),
            ]
        ),
        spacing=6,
    )
