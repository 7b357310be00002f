"""The console's administrative units page: the seeded list, adding a unit, an unknown parent
refused with the closest names, a user's unknown district refused in the console, and a
merge that first says what will move and only moves it once confirmed."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.console.conftest import ConsoleClient, World

pytestmark = pytest.mark.slow


def _unit_id(console: ConsoleClient, name: str) -> str:
    page = console.page("/console/units").text
    match = re.search(rf'data-unit="{re.escape(name)}".*?action="/console/units/([^"/]+)/merge"', page, re.S)
    assert match is not None, name
    return match.group(1)


def test_units_are_listed_added_and_merged_after_a_confirmation(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    page = console.page("/console/units")
    assert page.status_code == 200
    for name in ("TP Thái Nguyên", "TX Phổ Yên", "H. Phú Bình", "H. Võ Nhai"):
        assert f'data-unit="{name}"' in page.text
    assert "Đơn vị hành chính" in page.text and "Huyện" in page.text

    tag = uuid.uuid4().hex[:4]
    old, new = f"H. Cũ {tag}", f"H. Mới {tag}"
    bad = console.post("/console/units", {"name": f"X. Một {tag}", "kind": "commune", "parent": "Vo Nhai"})
    assert bad.status_code == 422 and "H. Võ Nhai" in bad.text and "/ There is no" not in bad.text
    for name in (old, new):
        assert console.post("/console/units", {"name": name, "kind": "district", "parent": ""}).status_code == 303
    assert "Đã thêm đơn vị." in console.page("/console/units").text

    username = f"tt_{tag}"
    refused = console.post(
        "/console/users",
        {"username": username, "password": "mây trắng qua đèo", "role": "inspector", "districts": f"Cu {tag}"},
    )
    assert refused.status_code == 422 and old in refused.text
    created = console.post(
        "/console/users",
        {"username": username, "password": "mây trắng qua đèo", "role": "inspector", "districts": old},
    )
    assert created.status_code == 303

    unit_id = _unit_id(console, old)
    asked = console.post(f"/console/units/{unit_id}/merge", {"into": new})
    assert asked.status_code == 200
    assert (
        f"Gộp {old} vào {new}: 0 cơ sở, 0 biên bản, 0 biện pháp khắc phục, 0 việc trong kế hoạch kiểm tra và 1 người dùng"
        in asked.text
    )
    row = re.search(rf'<tr data-unit="{re.escape(old)}".*?</tr>', asked.text, re.S)
    assert row is not None and "Thôi dùng" not in row.group(0)  # nothing moved yet (other tests' units may be retired)
    with world.api("quantri") as api:
        user = next(u for u in api.get("/api/v1/users").json() if u["username"] == username)
        assert user["districts"] == [old]
    done = console.post(f"/console/units/{unit_id}/merge", {"into": new, "confirm": "1"})
    assert done.status_code == 303
    after = console.page("/console/units").text
    assert "Đã gộp đơn vị." in after and f"gộp vào {new}" in after
    with world.api("quantri") as api:
        user = next(u for u in api.get("/api/v1/users").json() if u["username"] == username)
        assert user["districts"] == [new]
        audit = api.get("/api/v1/audit").json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "unit.merge" for e in entries)


def test_the_units_page_is_for_admins(console: ConsoleClient) -> None:
    console.login("giamsat")
    assert console.page("/console/units").status_code == 403
