"""User administration in the console: the last active admin stays an admin, a guessable
password is refused saying why (in the user's language), an inspector keeps a district."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.console.conftest import ConsoleClient, World

pytestmark = pytest.mark.slow


def _user_id(console: ConsoleClient, username: str) -> str:
    match = re.search(
        rf'data-user="{username}".*?href="/console/users/([^"]+)"', console.page("/console/users").text, re.S
    )
    assert match is not None
    return match.group(1)


def test_the_last_admin_cannot_lock_themselves_out(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    admin_id = _user_id(console, "quantri")
    console.page(f"/console/users/{admin_id}")
    refused = console.post(f"/console/users/{admin_id}", {"action": "deactivate"})
    assert refused.status_code == 409
    assert "quản trị viên cuối cùng" in refused.text and "/ This is the last" not in refused.text
    demoted = console.post(
        f"/console/users/{admin_id}", {"action": "save", "role": "supervisor", "districts": "TX Phổ Yên"}
    )
    assert demoted.status_code == 409
    with world.api("quantri") as api:
        assert api.get("/api/v1/me").json()["role"] == "admin"


def test_a_guessable_password_and_a_missing_district_are_explained(world: World, console: ConsoleClient) -> None:
    console.login("quantri")
    console.page("/console/users")
    username = f"tt_{uuid.uuid4().hex[:6]}"
    weak = console.post(
        "/console/users", {"username": username, "password": "12345678", "role": "inspector", "districts": "TX Phổ Yên"}
    )
    assert weak.status_code == 422
    assert "Đây là một trong 10 mật khẩu phổ biến nhất" in weak.text and "top-10" not in weak.text
    no_district = console.post(
        "/console/users", {"username": username, "password": "mây trắng qua đèo", "role": "inspector", "districts": ""}
    )
    assert no_district.status_code == 422 and "ít nhất một huyện" in no_district.text
    created = console.post(
        "/console/users",
        {"username": username, "password": "mây trắng qua đèo", "role": "inspector", "districts": "TX Phổ Yên"},
    )
    assert created.status_code == 303
    user_id = _user_id(console, username)
    console.page(f"/console/users/{user_id}")
    emptied = console.post(f"/console/users/{user_id}", {"action": "save", "role": "inspector", "districts": ""})
    assert emptied.status_code == 422 and "ít nhất một huyện" in emptied.text
    assert "TX Phổ Yên</textarea>" in console.page(f"/console/users/{user_id}").text
