"""Users, passwords, bearer tokens and the login rate limit.

- Passwords are hashed with argon2id (argon2-cffi).
- Tokens are 256-bit random strings; only an HMAC of each (keyed by the server secret) is
  stored, with its expiry, so a copy of the database does not hand out sessions.
- A failed login never says whether the user name or the password was wrong, and costs the
  same time either way. Limits (``login``): ``login_max_failures`` attempts per user name and
  ``login_max_per_address`` per client address within the window, decided and recorded in one
  write transaction before the password is checked; a device holding the key it was given at an
  earlier sign-in of the user is not bound by the user's limit (only by one of its own), so
  strangers cannot lock the real user out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared_schema.errors import Code
from shared_schema.records import ROLES, UserInfo
from shared_schema.sync import TokenReply
from sync_server.core import audit, passwords
from sync_server.core.access import Actor, require_admin
from sync_server.core.config import ServerConfig
from sync_server.core.db import Database, Row, Tx, select_list, to_record
from sync_server.core.errors import Conflict, Invalid, NotFound, RateLimited, Unauthorized, bi
from sync_server.core.units import require_units
from sync_server.core.util import iso_from_ms, new_id, now_iso, now_ms

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password " + secrets.token_hex(8))

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
BAD_LOGIN = bi(
    "Tên đăng nhập hoặc mật khẩu không đúng. Hãy kiểm tra lại và thử lần nữa.",
    "Wrong user name or password. Check both and try again.",
)


class UserRecord(msgspec.Struct, kw_only=True):
    id: str
    username: str
    full_name: str | None
    role: str
    districts: list[str]
    active: bool
    created_at: str


_USER_SELECT = f"SELECT {select_list(UserRecord, skip=('districts',))} FROM users"


@dataclass(frozen=True)
class AuthSettings:
    secret_key: str
    token_ttl_seconds: int
    login_max_failures: int
    login_window_seconds: int
    login_max_per_address: int = 30

    @classmethod
    def from_config(cls, config: ServerConfig) -> AuthSettings:
        return cls(
            config.secret_key,
            config.token_ttl_seconds,
            config.login_max_failures,
            config.login_window_seconds,
            config.login_max_per_address,
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def _districts(tx: Tx, user_id: str) -> list[str]:
    return tx.scalars("SELECT district FROM user_districts WHERE user_id = ? ORDER BY district", (user_id,))


def require_strong_password(password: str, user_inputs: Iterable[str]) -> None:
    """``Invalid`` (``weak_password``) saying why, unless the password policy accepts it."""
    problem = passwords.password_problem(password, user_inputs)
    if problem is not None:
        raise Invalid(bi(problem.vi, problem.en), code=Code.WEAK_PASSWORD)


def _validate_new_user(
    username: str, password: str, role: str, districts: Iterable[str], full_name: str | None = None
) -> list[str]:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise Invalid(
            bi(
                "Tên đăng nhập phải có 1–64 ký tự, không có khoảng trắng.",
                "A user name has 1–64 characters and no spaces.",
            ),
            code=Code.INVALID_USERNAME,
        )
    if role not in ROLES:
        raise Invalid(
            bi(
                f"Vai trò '{role}' không tồn tại; chọn một trong: {', '.join(ROLES)}.",
                f"Role '{role}' does not exist; choose one of: {', '.join(ROLES)}.",
            ),
            code=Code.INVALID_ROLE,
        )
    require_strong_password(password, (username, full_name or ""))
    cleaned = _cleaned_districts(districts)
    _require_a_district(role, cleaned, " (--district)", " (--district)")
    return cleaned


def _cleaned_districts(districts: Iterable[str]) -> list[str]:
    """The districts given, trimmed, without blanks and repeats, sorted."""
    return sorted({d.strip() for d in districts if d.strip()})


def _require_a_district(role: str, districts: list[str], how_vi: str, how_en: str) -> None:
    """Inspectors and supervisors work in at least one district: ``Invalid``
    (``district_required``) otherwise, the message ending with ``how`` to give one."""
    if role != "admin" and not districts:
        raise Invalid(
            bi(
                f"Thanh tra viên và giám sát cần ít nhất một huyện{how_vi}.",
                f"Inspectors and supervisors need at least one district{how_en}.",
            ),
            code=Code.DISTRICT_REQUIRED,
        )


def create_user(
    db: Database,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    districts: Iterable[str] = (),
    full_name: str | None = None,
) -> UserRecord:
    require_admin(actor, "tạo người dùng", "create users")
    cleaned = _validate_new_user(username, password, role, districts, full_name)
    username = username.strip()
    password_hash = hash_password(password)
    with db.write() as tx:
        if tx.one("SELECT 1 FROM users WHERE username = ?", (username,)) is not None:
            raise Conflict(
                bi(
                    f"Tên đăng nhập '{username}' đã có; hãy chọn tên khác.",
                    f"The user name '{username}' is taken; choose another.",
                ),
                code=Code.USERNAME_TAKEN,
            )
        require_units(tx, cleaned, field="districts")
        user_id = new_id()
        created = now_iso()
        tx.execute(
            "INSERT INTO users (id, username, full_name, password_hash, role, active, created_at)"
            " VALUES (?, ?, ?, ?, ?, 1, ?)",
            (user_id, username, full_name, password_hash, role, created),
        )
        tx.executemany("INSERT INTO user_districts (user_id, district) VALUES (?, ?)", [(user_id, d) for d in cleaned])
        audit.record(
            tx, actor, "user.create", "user", user_id, {"username": username, "role": role, "districts": cleaned}
        )
    return UserRecord(
        id=user_id,
        username=username,
        full_name=full_name,
        role=role,
        districts=cleaned,
        active=True,
        created_at=created,
    )


def user_exists(db: Database, username: str) -> bool:
    with db.read() as tx:
        return tx.one("SELECT 1 FROM users WHERE username = ?", (username,)) is not None


def list_users(db: Database, actor: Actor) -> list[UserRecord]:
    require_admin(actor, "xem danh sách người dùng", "list users")
    with db.read() as tx:
        rows = tx.query(_USER_SELECT + " ORDER BY username")
        return [to_record(UserRecord, r, districts=_districts(tx, r["id"])) for r in rows]


def update_user(
    db: Database,
    actor: Actor,
    user_id: str,
    *,
    role: str | None = None,
    districts: Iterable[str] | None = None,
    active: bool | None = None,
    password: str | None = None,
    full_name: str | None = None,
) -> UserRecord:
    """Change a user's role, districts, active flag, name or password (admin). Deactivating
    or resetting the password ends the user's sessions."""
    require_admin(actor, "sửa người dùng", "change users")
    if role is not None and role not in ROLES:
        raise Invalid(bi(f"Vai trò '{role}' không tồn tại.", f"Role '{role}' does not exist."), code=Code.INVALID_ROLE)
    new_districts = None if districts is None else _cleaned_districts(districts)
    new_hash = None
    if password is not None:
        with db.read() as tx:
            names = tx.one("SELECT username, full_name FROM users WHERE id = ?", (user_id,))
        require_strong_password(password, [n for n in (names or ()) if n] + ([full_name] if full_name else []))
        new_hash = hash_password(password)
    with db.write() as tx:
        current = tx.one("SELECT role, active FROM users WHERE id = ?", (user_id,))
        if current is None:
            raise NotFound(bi("Không có người dùng này.", "No such user."))
        final_role = role if role is not None else current["role"]
        final_active = bool(current["active"]) if active is None else active
        if current["role"] == "admin" and current["active"] and (final_role != "admin" or not final_active):
            _require_another_active_admin(tx, user_id)
        final_districts = _districts(tx, user_id) if new_districts is None else new_districts
        _require_a_district(final_role, final_districts, "; hãy chọn huyện trước khi lưu", "; choose one before saving")
        if new_districts is not None:
            held = set(_districts(tx, user_id))
            require_units(tx, [d for d in new_districts if d not in held], field="districts")
        if role is not None:
            tx.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))
        if full_name is not None:
            tx.execute("UPDATE users SET full_name = ? WHERE id = ?", (full_name, user_id))
        if new_districts is not None:
            tx.execute("DELETE FROM user_districts WHERE user_id = ?", (user_id,))
            tx.executemany(
                "INSERT INTO user_districts (user_id, district) VALUES (?, ?)", [(user_id, d) for d in new_districts]
            )
        if active is not None:
            tx.execute("UPDATE users SET active = ? WHERE id = ?", (1 if active else 0, user_id))
        if new_hash is not None:
            tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (new_hash, user_id))
        if active is False or new_hash is not None:
            tx.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))
        audit.record(
            tx,
            actor,
            "user.update",
            "user",
            user_id,
            {
                "role": role,
                "districts": None if districts is None else list(districts),
                "active": active,
                "password_reset": password is not None,
            },
        )
        r = tx.one(_USER_SELECT + " WHERE id = ?", (user_id,))
        return to_record(UserRecord, r, districts=_districts(tx, user_id))


def _require_another_active_admin(tx: Tx, user_id: str) -> None:
    """``Conflict`` (``last_admin``) when ``user_id`` is the only active admin: demoting or
    deactivating them would leave nobody able to manage users."""
    others = tx.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> ?", (user_id,))
    if not others:
        raise Conflict(
            bi(
                "Đây là quản trị viên cuối cùng còn hoạt động: không thể hạ quyền hay khóa tài khoản này. "
                "Hãy tạo hoặc kích hoạt một quản trị viên khác trước.",
                "This is the last active admin: it cannot be demoted or deactivated. "
                "Create or activate another admin first.",
            ),
            code=Code.LAST_ADMIN,
        )


def _too_many(wait_seconds: int) -> RateLimited:
    wait_min = max(1, -(-wait_seconds // 60))
    return RateLimited(
        bi(
            f"Đăng nhập sai quá nhiều lần. Hãy đợi {wait_min} phút rồi thử lại, hoặc đăng nhập từ thiết bị "
            "bạn đã từng đăng nhập.",
            f"Too many failed sign-ins. Wait {wait_min} minutes and try again, or sign in from a device you "
            "have signed in on before.",
        ),
        headers={"Retry-After": str(wait_seconds)},
    )


def _retry_after(tx: Tx, scope: str, limit: int, window_start: int, window_ms: int, now: int) -> int:
    """Seconds until ``scope`` has fewer than ``limit`` attempts in the window."""
    times = tx.scalars(
        "SELECT at_ms FROM login_attempts WHERE scope = ? AND at_ms > ? ORDER BY at_ms DESC LIMIT ?",
        (scope, window_start, limit),
    )
    oldest = times[-1] if times else now
    return max(1, (oldest + window_ms - now + 999) // 1000)


def _reserve(
    db: Database, settings: AuthSettings, username: str, address: str | None, key_hash: str | None, now: int
) -> tuple[str, bool]:
    """Decide, in one write transaction, whether this sign-in may check its password, and
    record it first (so a parallel burst counts every attempt: each sees the ones before it).

    The user's limit (``login_max_failures`` in the window) does not bind a device that
    presents a key it was given at an earlier sign-in of this user: it has a limit of its own.
    The client address's limit (``login_max_per_address``) binds every device without such a
    key, and every attempt from the address counts against it, refused ones included. Returns
    (attempt id, whether the device is known); raises ``RateLimited``."""
    window_ms = settings.login_window_seconds * 1000
    window_start = now - window_ms
    attempt = new_id()
    user_scope = f"user:{username}"
    addr_scope = f"addr:{address}" if address else None
    with db.write() as tx:
        tx.execute("DELETE FROM login_attempts WHERE at_ms <= ?", (window_start,))
        known = False
        if key_hash is not None:
            known = (
                tx.one(
                    "SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id"
                    " WHERE d.key_hash = ? AND u.username = ?",
                    (key_hash, username),
                )
                is not None
            )

        def count(scope: str) -> int:
            return int(
                tx.scalar("SELECT COUNT(*) FROM login_attempts WHERE scope = ? AND at_ms > ?", (scope, window_start))
            )

        if known:
            scopes = [f"device:{key_hash}"]
            blocked = [(scopes[0], settings.login_max_failures)]
        else:
            scopes = [user_scope] + ([addr_scope] if addr_scope else [])
            blocked = [(user_scope, settings.login_max_failures)]
            if addr_scope:
                blocked.append((addr_scope, settings.login_max_per_address))
        over = [(scope, limit) for scope, limit in blocked if count(scope) >= limit]
        if over:
            if addr_scope and not known:  # a refused attempt still counts against its address
                tx.execute(
                    "INSERT INTO login_attempts (scope, at_ms, attempt) VALUES (?, ?, ?)", (addr_scope, now, attempt)
                )
            wait = max(_retry_after(tx, scope, limit, window_start, window_ms, now) for scope, limit in over)
            refusal = _too_many(wait)
        else:
            tx.executemany(
                "INSERT INTO login_attempts (scope, at_ms, attempt) VALUES (?, ?, ?)",
                [(scope, now, attempt) for scope in scopes],
            )
            refusal = None
    if refusal is not None:
        raise refusal
    return attempt, known


def login(
    db: Database,
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    address: str | None = None,
    device_key: str | None = None,
) -> TokenReply:
    """Check the password and hand out a token and a device key. Raises ``Unauthorized`` (one
    message for any failure) or ``RateLimited`` (``_reserve``: limits per user, per client
    ``address`` and per known device, evaluated atomically)."""
    now = now_ms()
    key_hash = token_hash(settings.secret_key, "device:" + device_key) if device_key else None
    attempt, known = _reserve(db, settings, username, address, key_hash, now)
    with db.read() as tx:
        row = tx.one("SELECT id, password_hash, active FROM users WHERE username = ?", (username,))
    ok = False
    try:
        ok = _hasher.verify(row["password_hash"] if row is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row["active"]:
        raise Unauthorized(BAD_LOGIN, code=Code.BAD_CREDENTIALS)  # the attempt stays counted
    actor = actor_for_user(db, row["id"])
    assert actor is not None
    token = secrets.token_urlsafe(32)
    expires = now + settings.token_ttl_seconds * 1000
    new_key = device_key if known and device_key else secrets.token_urlsafe(32)
    stamp = now_iso()
    with db.write() as tx:
        tx.execute(
            "INSERT INTO tokens (token_hash, user_id, expires_at_ms, created_at) VALUES (?, ?, ?, ?)",
            (token_hash(settings.secret_key, token), row["id"], expires, stamp),
        )
        tx.execute("DELETE FROM tokens WHERE expires_at_ms < ?", (now,))
        # A success is not a failure; a device that was not locked out also clears its user's
        # earlier failures (a known device signing in past an attack leaves them counting).
        tx.execute("DELETE FROM login_attempts WHERE attempt = ?", (attempt,))
        if not known:
            tx.execute("DELETE FROM login_attempts WHERE scope = ?", (f"user:{username}",))
            tx.execute(
                "INSERT INTO login_devices (key_hash, user_id, created_at, last_login_at) VALUES (?, ?, ?, ?)",
                (token_hash(settings.secret_key, "device:" + new_key), row["id"], stamp, stamp),
            )
        else:
            tx.execute("DELETE FROM login_attempts WHERE scope = ?", (f"device:{key_hash}",))
            tx.execute("UPDATE login_devices SET last_login_at = ? WHERE key_hash = ?", (stamp, key_hash))
        audit.record(tx, actor, "auth.login", "user", actor.user_id, {"known_device": known})
    return TokenReply(access_token=token, expires_at=iso_from_ms(expires), user=user_info(actor), device_key=new_key)


def actor_for_user(db: Database, user_id: str) -> Actor | None:
    with db.read() as tx:
        row = tx.one(f"SELECT {_ACTOR_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))
        return None if row is None or not row["active"] else _actor(tx, row)


def authenticate(db: Database, settings: AuthSettings, token: str | None) -> Actor:
    """The actor a bearer token stands for; ``Unauthorized`` when missing, unknown or expired."""
    if not token:
        raise Unauthorized(
            bi("Bạn chưa đăng nhập. Hãy đăng nhập rồi thử lại.", "You are not signed in. Sign in and try again."),
            code=Code.TOKEN_MISSING,
        )
    with db.read() as tx:
        row = tx.one(
            f"SELECT {_ACTOR_COLUMNS}, t.expires_at_ms FROM tokens t JOIN users u ON u.id = t.user_id"
            " WHERE t.token_hash = ?",
            (token_hash(settings.secret_key, token),),
        )
        if row is None or not row["active"] or row["expires_at_ms"] <= now_ms():
            raise Unauthorized(
                bi(
                    "Phiên đăng nhập đã hết hạn hoặc không hợp lệ. Hãy đăng nhập lại.",
                    "Your session has expired or is invalid. Sign in again.",
                ),
                code=Code.TOKEN_INVALID,
            )
        return _actor(tx, row)


# the columns of a signed-in user (``_actor``), from ``users u``
_ACTOR_COLUMNS = "u.id, u.username, u.role, u.full_name, u.active"


def _actor(tx: Tx, row: Row) -> Actor:
    """The actor of a row holding ``_ACTOR_COLUMNS``."""
    return Actor(
        user_id=row["id"],
        username=row["username"],
        role=row["role"],
        districts=frozenset(_districts(tx, row["id"])),
        full_name=row["full_name"],
    )


def revoke(db: Database, settings: AuthSettings, token: str) -> None:
    with db.write() as tx:
        tx.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash(settings.secret_key, token),))


def user_info(actor: Actor) -> UserInfo:
    return UserInfo(
        id=actor.user_id,
        username=actor.username,
        full_name=actor.full_name,
        role=actor.role,  # type: ignore[arg-type]
        districts=sorted(actor.districts),
    )
