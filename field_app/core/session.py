"""Logging in once online and keeping the session across restarts and offline days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import msgspec

from field_app.core import messages, outbox
from field_app.core.device_state import DeviceClock, read_state, set_error, update_state
from field_app.core.models import AppError, Session
from field_app.core.server_api import Offline, ServerApi, ServerError, Unauthorized
from field_app.core.store import Store
from record_pdf.formatting import parse_instant
from shared_schema.records import UserInfo
from shared_schema.text import LocalText

REPLICATED_TABLES = (
    "sites",
    "templates",
    "inspections",
    "answers",
    "conflicts",
    "assignments",
    "actions",
)


def _expired(expires_at: str | None) -> bool:
    """The session's expiry has passed (no expiry, or one that is not a time, never has)."""
    when = parse_instant(expires_at)
    return when is not None and when <= dt.datetime.now(dt.UTC)


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = f"http://{url}"
    return url


class SessionKeeper:
    def __init__(
        self,
        store: Store,
        api_factory: Callable[[str, str | None], ServerApi],
        clock: DeviceClock | None = None,
    ):
        self.store = store
        self.api_factory = api_factory
        self.clock = clock

    def current(self) -> Session | None:
        with self.store.read() as conn:
            state = read_state(conn)
        if not state.user_json or not state.server_url:
            return None
        user = msgspec.json.decode(state.user_json, type=UserInfo)
        needs = state.needs_password or not state.token or _expired(state.token_expires_at)
        return Session(user, state.server_url, state.token_expires_at, needs)

    def role(self) -> str:
        session = self.current()
        return session.user.role if session else "inspector"

    def login(self, server_url: str, username: str, password: str) -> Session:
        url = normalise_url(server_url)
        if not url:
            raise AppError("login_failed", LocalText("Hãy nhập địa chỉ máy chủ.", "Enter the server address."))
        if not username.strip() or not password:
            raise AppError(
                "login_failed", LocalText("Hãy nhập tên đăng nhập và mật khẩu.", "Enter your username and password.")
            )
        previous = self.current()
        with self.store.read() as conn:
            pending = outbox.pending_count(conn)
        switching = previous is not None and (previous.user.username != username.strip() or previous.server_url != url)
        if previous is not None and switching and pending:
            raise AppError(
                "other_user_pending",
                LocalText(
                    f"Còn {pending} thay đổi của {previous.user.username} chưa gửi: hãy đăng nhập bằng tài khoản đó "
                    "và đồng bộ trước.",
                    f"{pending} changes by {previous.user.username} are not sent yet: log in as that user and sync first.",
                ),
            )
        with self.store.read() as conn:
            (device_key, key_server) = conn.execute(
                "SELECT login_device_key, server_url FROM sync_state WHERE id = 1"
            ).fetchone()
        if key_server != url:  # a key is one server's: never show it to another
            device_key = None
        api = self.api_factory(url, None)
        try:
            reply = api.token(username.strip(), password, device_key)
        except Unauthorized as exc:
            raise AppError("login_failed", exc.message) from None
        except Offline as exc:
            raise AppError("offline", exc.message) from None
        except ServerError as exc:
            raise AppError("server_error", exc.message) from None
        finally:
            api.close()
        with self.store.write() as conn:
            if switching or previous is None:
                for table in REPLICATED_TABLES:
                    conn.execute(f"DELETE FROM {table}")
                outbox.forget_rejections(conn)
                update_state(conn, cursor=0, first_sync_done=0, last_sync_at=None, pull_scope=None, pull_horizon=None)
                conn.execute("DELETE FROM record_fetch")  # a new first sync (PROTOCOL.md §7)
                if self.clock is not None and not outbox.pending_count(conn):
                    # The server registers a client id to one user (PROTOCOL.md §1): whoever
                    # signs in on a cleared install is a new device to it.
                    outbox.take_new_client_id(conn, self.clock, keep_clocks=True)
            update_state(
                conn,
                server_url=url,
                user_json=msgspec.json.encode(reply.user).decode(),
                token=reply.access_token,
                token_expires_at=reply.expires_at,
                needs_password=0,
            )
            if reply.device_key:
                update_state(conn, login_device_key=reply.device_key)
            set_error(conn, None, None)
        session = self.current()
        assert session is not None
        return session

    def logout(self) -> None:
        with self.store.read() as conn:
            pending = outbox.pending_count(conn)
        if pending:
            raise AppError(
                "pending_changes",
                LocalText(
                    f"Còn {pending} thay đổi chưa gửi: hãy đồng bộ trước khi đăng xuất.",
                    f"{pending} changes are not sent yet: sync before logging out.",
                ),
            )
        with self.store.write() as conn:
            update_state(conn, token=None, token_expires_at=None, user_json=None, needs_password=0)
            set_error(conn, None, None)

    def needs_password_message(self) -> LocalText:
        return messages.NEEDS_PASSWORD
