"""Fixtures of the field app core tests: one real server process per test module that needs it."""

from __future__ import annotations

import pytest

from tests.field_app.e2e import World, make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    w = make_world(tmp_path_factory.mktemp("world"))
    yield w
    w.server.stop()
