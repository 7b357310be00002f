"""Login limits (docs/PROTOCOL.md, Authentication): per user name and per client address,
decided atomically before the password is checked, so a parallel burst counts every attempt;
a device that signed in before is not locked out by strangers' failures. Run on SQLite and
PostgreSQL, and against a real server process."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from sync_server.core import auth
from sync_server.core.errors import RateLimited, ServiceError, Unauthorized
from tests.support.server_process import start_server
from tests.sync_server.conftest import PASSWORD, World

BURST = 40


def attempt(world: World, settings: auth.AuthSettings, user: str, password: str, **kw: str | None) -> object:
    try:
        return auth.login(world.server.db, settings, user, password, **kw)
    except ServiceError as exc:
        return exc


def kinds(results: list[object]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in results:
        name = type(r).__name__
        out[name] = out.get(name, 0) + 1
    return out


def test_a_parallel_burst_of_wrong_logins_checks_only_as_many_passwords_as_the_limit(world: World) -> None:
    settings = dataclasses.replace(world.server.auth, login_max_per_address=1000)
    limit = settings.login_max_failures
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        results = list(
            pool.map(lambda i: attempt(world, settings, "insp_a", f"wrong {i}", address=f"10.0.0.{i}"), range(BURST))
        )
    assert kinds(results) == {"Unauthorized": limit, "RateLimited": BURST - limit}
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM login_attempts WHERE scope = 'user:insp_a'") == limit
    locked = attempt(world, settings, "insp_a", PASSWORD, address="10.0.1.1")
    assert isinstance(locked, RateLimited) and int(locked.headers["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in locked.detail and "Too many failed sign-ins" in locked.detail


def test_strangers_failures_do_not_lock_out_a_device_that_signed_in_before(world: World) -> None:
    settings = world.server.auth
    phone = auth.login(world.server.db, settings, "insp_a2", PASSWORD, address="10.1.0.1")
    assert phone.device_key
    for i in range(settings.login_max_failures + 2):
        attempt(world, settings, "insp_a2", "guess", address=f"10.2.0.{i}")
    assert isinstance(attempt(world, settings, "insp_a2", PASSWORD, address="10.3.0.1"), RateLimited)
    again = auth.login(world.server.db, settings, "insp_a2", PASSWORD, address="10.1.0.1", device_key=phone.device_key)
    assert again.user.username == "insp_a2" and again.device_key == phone.device_key
    # The key is bound to its user: it opens nothing for another user name.
    other = attempt(world, settings, "insp_a", "guess", address="10.4.0.1", device_key=phone.device_key)
    assert isinstance(other, Unauthorized)
    # The device has a limit of its own (a stolen key is not an unlimited oracle).
    for _ in range(settings.login_max_failures):
        assert isinstance(attempt(world, settings, "insp_a2", "nope", device_key=phone.device_key), Unauthorized)
    assert isinstance(attempt(world, settings, "insp_a2", PASSWORD, device_key=phone.device_key), RateLimited)


def test_one_client_address_is_limited_across_user_names(world: World) -> None:
    settings = dataclasses.replace(world.server.auth, login_max_per_address=4, login_max_failures=100)
    users = ["insp_a", "insp_a2", "insp_b", "sup", "admin"]
    results = [attempt(world, settings, u, "guess", address="192.0.2.7") for u in users]
    assert kinds(results) == {"Unauthorized": 4, "RateLimited": 1}
    assert isinstance(attempt(world, settings, "insp_b", PASSWORD, address="192.0.2.7"), RateLimited)
    assert attempt(world, settings, "insp_b", PASSWORD, address="192.0.2.8").user.username == "insp_b"  # type: ignore[union-attr]


def test_a_successful_sign_in_clears_earlier_failures_of_its_user(world: World) -> None:
    settings = world.server.auth
    for _ in range(settings.login_max_failures - 1):
        attempt(world, settings, "sup", "typo", address="10.9.0.1")
    auth.login(world.server.db, settings, "sup", PASSWORD, address="10.9.0.1")
    for _ in range(settings.login_max_failures - 1):
        assert isinstance(attempt(world, settings, "sup", "typo", address="10.9.0.1"), Unauthorized)
    assert auth.login(world.server.db, settings, "sup", PASSWORD, address="10.9.0.1").user.username == "sup"


@pytest.mark.slow
def test_a_burst_against_a_real_server_counts_every_attempt(tmp_path: Path) -> None:
    server = start_server(tmp_path, SYNC_LOGIN_MAX_FAILURES="5", SYNC_LOGIN_MAX_PER_ADDRESS="1000")
    try:
        server.create_user("lan", "a long password 1", "inspector", ["TP Sông Công"])
        with httpx.Client(base_url=server.base_url, timeout=60) as http:
            known = http.post("/api/v1/auth/token", json={"username": "lan", "password": "a long password 1"}).json()

            def wrong(i: int) -> int:
                body = {"username": "lan", "password": f"wrong {i}"}
                return http.post("/api/v1/auth/token", json=body).status_code

            with ThreadPoolExecutor(max_workers=BURST) as pool:
                codes = sorted(pool.map(wrong, range(BURST)))
            assert codes == [401] * 5 + [429] * (BURST - 5)
            right = {"username": "lan", "password": "a long password 1"}
            assert http.post("/api/v1/auth/token", json=right).status_code == 429
            ok = http.post("/api/v1/auth/token", json={**right, "device_key": known["device_key"]})
            assert ok.status_code == 200, ok.text
    finally:
        server.stop()
