"""Fixtures of the screen tests: a device seeded the way a pull seeds it (no server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from field_app.core.services import AppServices
from field_app.ui.state import AppState
from tests.field_app.helpers import fake_session, seed, site_fields
from tests.support.sample_checklist import sample_template

SITES = {
    "s1": site_fields("DN-001", "Công ty May Hà Nội", "DN_SX", "TX Phổ Yên"),
    "s2": site_fields("CHO-01", "Chợ Đồng Hỷ", "CHO", "H. Đồng Hỷ"),
    "s3": site_fields("KCN-01", "KCN Yên Bình", "KCN", "TX Phổ Yên"),
}


@pytest.fixture
def services(tmp_path) -> Iterator[AppServices]:
    app = AppServices.open(tmp_path / "device")
    fake_session(app)
    seed(app, [sample_template(1)], SITES)
    yield app
    app.close()


@pytest.fixture
def state(services: AppServices) -> AppState:
    s = AppState(services)
    s.start()
    return s
