"""Devices (sync clients) and their sync health, for admins; and the record of a device's
last pull.

Recording a pull costs one small write per completed pull, not one per page: ``pull`` passes
the page's outcome to ``record_pull`` only for the last page of a pull (``has_more`` false),
and that writes only when the cursor moved or the recorded time is more than a minute old.
A device polling an idle server therefore writes at most once a minute, and a first pull of
many pages writes once, at its end. The write takes the single writer lock (SQLite's
``BEGIN IMMEDIATE``, PostgreSQL's advisory lock) for one primary-key update, which is far
cheaper than a push; doing it without the lock would break the rule that every write goes
through ``Database.write``.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from shared_schema import clock as hlc_clock
from shared_schema import protocol
from shared_schema.errors import Code
from sync_server.core.access import Actor, require_admin
from sync_server.core.db import Database, select_list
from sync_server.core.errors import Conflict, Forbidden, Invalid, bi
from sync_server.core.util import now_iso

# A pull that changes nothing is recorded again only after this long.
PULL_RECORD_INTERVAL = dt.timedelta(minutes=1)


class ClientInfo(msgspec.Struct, kw_only=True):
    client_id: str
    username: str | None
    app_version: str | None
    last_seq: int
    rejected_count: int
    last_push_at: str | None
    last_pull_at: str | None = None
    last_pull_cursor: int | None = None


def list_clients(db: Database, actor: Actor) -> list[ClientInfo]:
    """Every device that has pushed or pulled, the most recently seen first."""
    require_admin(actor, "xem thiết bị", "list devices")
    with db.read() as tx:
        clients: list[ClientInfo] = tx.records(
            ClientInfo,
            f"SELECT {select_list(ClientInfo)} FROM clients"
            " ORDER BY CASE WHEN COALESCE(last_push_at, '') > COALESCE(last_pull_at, '')"
            " THEN last_push_at ELSE COALESCE(last_pull_at, '') END DESC, client_id",
        )
    return clients


def check_client_id(client_id: str) -> None:
    """The same rule as a push's ``client_id``: a valid clock node, not the server's."""
    if not hlc_clock.is_valid(f"{0:015d}-{0:05d}-{client_id}") or client_id == protocol.SERVER_NODE:
        raise Invalid(
            bi(
                "Mã thiết bị (client_id) không hợp lệ: 1–64 ký tự chữ, số, '_', '.', ':' hoặc '-'.",
                "The client_id is invalid: 1–64 letters, digits, '_', '.', ':' or '-'.",
            ),
            code=Code.INVALID_CLIENT_ID,
        )


def not_yours() -> Forbidden:
    """The refusal of a push or pull that names another user's device (PROTOCOL.md §1): it says
    nothing about that device (no sequence, no owner)."""
    return Forbidden(
        bi(
            "Mã thiết bị (client_id) này đã được đăng ký cho một người dùng khác; không có gì được áp dụng. "
            "Hãy cài lại ứng dụng hoặc đăng nhập lại để thiết bị nhận mã mới.",
            "This client_id is registered to another user; nothing was applied. "
            "Reinstall the app or sign in again so that the device gets a new id.",
        ),
        code=protocol.CLIENT_NOT_YOURS,
    )


def reregister() -> Conflict:
    """The refusal of a push from a second install that reuses a client id (PROTOCOL.md §4)."""
    return Conflict(
        bi(
            "Máy chủ đã nhận các thay đổi khác với cùng số thứ tự từ mã thiết bị này: có một bản cài thứ hai "
            "(sao lưu được khôi phục, thư mục dữ liệu được sao chép). Không có gì được áp dụng; ứng dụng sẽ "
            "nhận mã thiết bị mới và gửi lại các thay đổi chưa gửi.",
            "The server holds different changes under the same sequence numbers from this client_id: a second "
            "install is using it (a restored backup or a copied data folder). Nothing was applied; the app takes "
            "a new client_id and sends its unsent changes again.",
        ),
        code=protocol.CLIENT_REREGISTER,
    )


def check_owner(owner_user_id: str | None, actor: Actor) -> None:
    """Refuse (403) when a registered client belongs to another user."""
    if owner_user_id is not None and owner_user_id != actor.user_id:
        raise not_yours()


def pull_needs_recording(recorded_at: str | None, recorded_cursor: int | None, cursor: int, now: dt.datetime) -> bool:
    """Whether a completed pull to ``cursor`` is news: the cursor moved, or the last record is
    more than ``PULL_RECORD_INTERVAL`` old (or missing or unreadable)."""
    if recorded_at is None or recorded_cursor != cursor:
        return True
    try:
        then = dt.datetime.fromisoformat(recorded_at)
    except ValueError:
        return True
    if then.tzinfo is None:
        then = then.replace(tzinfo=dt.UTC)
    return now - then > PULL_RECORD_INTERVAL


def record_pull(db: Database, actor: Actor, client_id: str, cursor: int) -> None:
    """Note that ``client_id`` (used by ``actor``) completed a pull up to ``cursor``; writes only
    when ``pull_needs_recording`` says so. An unknown client is registered to ``actor``; a
    client of another user is refused (403, ``check_owner``) and nothing is written."""
    with db.read() as tx:
        row = tx.one("SELECT last_pull_at, last_pull_cursor, user_id FROM clients WHERE client_id = ?", (client_id,))
    if row is not None:
        check_owner(row["user_id"], actor)
        if not pull_needs_recording(row["last_pull_at"], row["last_pull_cursor"], cursor, dt.datetime.now(dt.UTC)):
            return
    stamp = now_iso()
    with db.write() as tx:
        owner = tx.one("SELECT user_id FROM clients WHERE client_id = ?", (client_id,))
        if owner is None:
            tx.execute(
                "INSERT INTO clients (client_id, user_id, username, last_seq, rejected_count, last_pull_at,"
                " last_pull_cursor) VALUES (?, ?, ?, 0, 0, ?, ?)",
                (client_id, actor.user_id, actor.username, stamp, cursor),
            )
        else:
            check_owner(owner["user_id"], actor)
            tx.execute(
                "UPDATE clients SET last_pull_at = ?, last_pull_cursor = ? WHERE client_id = ?",
                (stamp, cursor, client_id),
            )
