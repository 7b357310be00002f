"""The app core's tests that need no server run a second time with the phone's native packages
(msgspec 0.21.1, pillow 12.2.0, ...) in ``.venv-mobile``: ``scripts/bootstrap.py test`` runs
``MOBILE_TESTS`` there. A new server-free test file left out of that list would be run only with
the desktop versions; this check names it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What a test file of the app needs a server process (or the server's code) for.
NEEDS_A_SERVER = re.compile(r"\bworld\b|start_server|ServerProcess|sync_server|tests\.field_app\.e2e|sync_child")


def mobile_tests() -> list[str]:
    spec = importlib.util.spec_from_file_location("bootstrap_script", ROOT / "scripts" / "bootstrap.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.MOBILE_TESTS)


def server_free(text: str) -> bool:
    return NEEDS_A_SERVER.search(text) is None


def test_every_server_free_app_core_test_file_also_runs_with_the_phones_packages():
    listed = mobile_tests()
    assert "tests/shared_schema" in listed
    for entry in listed:
        assert (ROOT / entry).exists(), f"MOBILE_TESTS names {entry}, which does not exist"
    left_out = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "tests" / "field_app").glob("test_*.py"))
        if server_free(path.read_text(encoding="utf-8")) and path.relative_to(ROOT).as_posix() not in listed
    ]
    assert left_out == [], f"add these server-free app tests to MOBILE_TESTS in scripts/bootstrap.py: {left_out}"


def test_a_test_file_is_told_server_free_or_not_by_what_it_uses():
    assert server_free("from field_app.core.outbox import Outbox\n")
    assert not server_free("def test_sync(world):\n")
    assert not server_free("from tests.field_app.e2e import sync_ok\n")
    assert not server_free("from sync_server.core import record_settings\n")
