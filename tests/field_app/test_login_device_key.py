"""The app keeps the device key of its last sign-in (docs/PROTOCOL.md, Authentication): when
strangers' wrong passwords have locked its user out, the phone still signs in; a new phone
waits and is told why in both languages."""

from __future__ import annotations

import httpx
import pytest

from field_app.core.models import AppError
from field_app.core.services import AppServices
from tests.field_app.e2e import PASSWORD, World


def test_a_phone_that_signed_in_before_signs_in_while_strangers_have_locked_its_user_out(world: World) -> None:
    world.server.create_user("dung", PASSWORD, "inspector", ["TX Phổ Yên"])
    phone = world.device("key-phone", "dung", sync=False)
    assert phone.store.scalar("SELECT login_device_key FROM sync_state")
    phone.logout()
    with httpx.Client(base_url=world.url, timeout=30) as stranger:
        codes = [
            stranger.post("/api/v1/auth/token", json={"username": "dung", "password": f"doan {i}"}).status_code
            for i in range(8)
        ]
    assert codes[-1] == 429
    newcomer = AppServices.open(world.root / "devices" / "key-newcomer")
    try:
        with pytest.raises(AppError) as refused:
            newcomer.login(world.url, "dung", PASSWORD)
        assert "Đăng nhập sai quá nhiều lần" in refused.value.message.vi
        assert "Too many failed sign-ins" in refused.value.message.en
    finally:
        newcomer.close()
    session = phone.login(world.url, "dung", PASSWORD)
    assert session.user.username == "dung" and not session.needs_password
    phone.close()
