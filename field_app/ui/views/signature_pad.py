"""A signature drawn on screen: a canvas inside a GestureDetector. The strokes stay in the
component until "Save", which hands them to the state to rasterise as a PNG blob."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft
import flet.canvas as cv

from field_app.ui.views import widgets as w

PAD_WIDTH = 340
PAD_HEIGHT = 150
Strokes = list[list[tuple[float, float]]]


def _path(stroke: list[tuple[float, float]]) -> cv.Path:
    elements: list[Any] = [cv.Path.MoveTo(stroke[0][0], stroke[0][1])]
    elements += [cv.Path.LineTo(x, y) for x, y in stroke[1:]] or [cv.Path.LineTo(stroke[0][0] + 1, stroke[0][1])]
    return cv.Path(elements, paint=ft.Paint(stroke_width=3, style=ft.PaintingStyle.STROKE, color=ft.Colors.BLACK,
                                            stroke_cap=ft.StrokeCap.ROUND, stroke_join=ft.StrokeJoin.ROUND))


@ft.component
def SignaturePad(label: str, texts: dict[str, str], on_save: Callable[[Strokes, int, int], Any],
                 signed: bool = False, disabled: bool = False) -> ft.Control:
    """``texts``: the words for sign_here, clear_signature, save_signature, signature_saved."""
    strokes_ref = ft.use_ref(list)
    version, set_version = ft.use_state(0)
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
        on_save([list(s) for s in strokes], PAD_WIDTH, PAD_HEIGHT)
        strokes.clear()
        set_version(lambda v: v + 1)

    canvas = cv.Canvas(shapes=[_path(s) for s in strokes if s], width=PAD_WIDTH, height=PAD_HEIGHT)
    pad = ft.Semantics(
        label=f"{texts['sign_here']}: {label}",
        container=True,
        content=ft.GestureDetector(
            content=ft.Container(content=canvas, width=PAD_WIDTH, height=PAD_HEIGHT, bgcolor=ft.Colors.WHITE,
                                 border=ft.Border.all(1, ft.Colors.GREY_500), border_radius=4),
            on_pan_start=None if disabled else start,
            on_pan_update=None if disabled else move,
            drag_interval=20,
        ),
    )
    status = ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700, size=18),
                     ft.Text(texts["signature_saved"], color=ft.Colors.GREEN_800)]) if signed else None
    return ft.Column(w.compact([
        status,
        None if disabled else pad,
        None if disabled else ft.Row([
            w.action(texts["clear_signature"], clear),
            w.action(texts["save_signature"], save, primary=True),
        ]),
    ]), spacing=6)
