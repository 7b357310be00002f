"""Every Flet control in the views is built with arguments the installed Flet 1.0 accepts.

A wrong keyword (a Flet 0.x name such as ``error_text`` on a TextField) only fails when the
screen is first shown in the browser, and there it fails silently: the update loop stops and
the screen freezes. Checking the calls against the installed classes catches it in a second.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import flet as ft
import flet.canvas as cv
import flet_camera as fc
import flet_geolocator as fg

VIEWS = Path(__file__).resolve().parents[3] / "field_app" / "ui"
# fc/fg: the phone build's camera and GPS extensions (field_app/ui/device.py), checked the same way
NAMESPACES = {"ft": ft, "cv": cv, "fc": fc, "fg": fg}


def _resolve(func: ast.expr) -> tuple[str, object | None] | None:
    chain: list[str] = []
    while isinstance(func, ast.Attribute):
        chain.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or func.id not in NAMESPACES:
        return None
    obj: object | None = NAMESPACES[func.id]
    for name in reversed(chain):
        try:
            obj = getattr(obj, name, None)
        except RuntimeError:  # e.g. ft.context.page outside a running app: not a control call
            return None
        if obj is None:
            break
    return f"{func.id}." + ".".join(reversed(chain)), obj


def _problems(path: Path) -> list[str]:
    problems: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        resolved = _resolve(node.func)
        if resolved is None:
            continue
        name, obj = resolved
        if obj is None:
            problems.append(f"{path.name}:{node.lineno} {name} does not exist in the installed Flet")
            continue
        if not inspect.isclass(obj):
            continue
        params = inspect.signature(obj).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            continue
        problems += [
            f"{path.name}:{node.lineno} {name} has no argument {kw.arg!r}"
            for kw in node.keywords
            if kw.arg and kw.arg not in params
        ]
    return problems


def test_every_flet_control_in_the_views_gets_only_arguments_it_accepts():
    files = sorted(VIEWS.rglob("*.py"))
    assert any(f.name == "questions.py" for f in files)
    problems = [p for f in files for p in _problems(f)]
    assert problems == []


def test_the_camera_and_gps_adapters_are_checked_too():
    calls = {
        resolved[0]
        for node in ast.walk(ast.parse((VIEWS / "device.py").read_text(encoding="utf-8")))
        if isinstance(node, ast.Call) and (resolved := _resolve(node.func)) is not None
    }
    assert {"fc.Camera", "fg.Geolocator"} <= calls


def test_the_check_itself_catches_a_flet_0x_argument(tmp_path):
    bad = tmp_path / "bad_view.py"
    bad.write_text('import flet as ft\nft.TextField(label="a", error_text="b")\nft.NoSuchControl()\n')
    assert _problems(bad) == [
        "bad_view.py:2 ft.TextField has no argument 'error_text'",
        "bad_view.py:3 ft.NoSuchControl does not exist in the installed Flet",
    ]
