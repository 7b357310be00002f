"""A browser that has signed in to the console before keeps a device cookie, so strangers'
wrong passwords do not lock its user out; a new browser waits (docs/PROTOCOL.md,
Authentication)."""

from __future__ import annotations

import httpx

from tests.console.conftest import PASSWORD, ConsoleClient, World


def test_a_browser_that_signed_in_before_is_not_locked_out_by_strangers(world: World) -> None:
    base = world.server.base_url
    with httpx.Client(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {world.tokens['quantri']}"}
    ) as admin:
        admin.post(
            "/api/v1/users",
            json={"username": "khoa", "password": PASSWORD, "role": "supervisor", "districts": ["TX Phổ Yên"]},
        ).raise_for_status()
    known = ConsoleClient(base)
    new = ConsoleClient(base)
    try:
        assert known.login("khoa").status_code == 303
        assert "console_device" in known.http.cookies
        known.post("/console/logout")
        with httpx.Client(base_url=base, timeout=30) as stranger:
            codes = [
                stranger.post("/api/v1/auth/token", json={"username": "khoa", "password": f"x{i}"}).status_code
                for i in range(6)
            ]
        assert codes == [401] * 5 + [429]
        refused = new.login("khoa")
        assert refused.status_code == 429 and "Đăng nhập sai quá nhiều lần" in refused.text
        assert known.login("khoa").status_code == 303
        assert known.page("/console/inspections").status_code == 200
    finally:
        known.close()
        new.close()
