"""Server configuration from the environment, each setting with a safe default.

| variable | default | meaning |
|---|---|---|
| ``SYNC_DATABASE_URL`` | ``sqlite:///var/registry.db`` | ``sqlite:///path`` or ``postgresql://user@host/db`` |
| ``SYNC_BLOB_DIR`` | ``var/blobs`` | where photos and signatures are kept |
| ``SYNC_SECRET_KEY`` | made on first run, kept in ``secret.key`` beside the DB | keys token hashes, sessions |
| ``SYNC_TOKEN_TTL_HOURS`` | ``336`` (14 days: inspectors stay offline for days) | bearer token lifetime |
| ``SYNC_MAX_BODY_BYTES`` | ``8388608`` | largest JSON request body |
| ``SYNC_MAX_BLOB_BYTES`` | ``26214400`` | largest photo or signature |
| ``SYNC_LOGIN_MAX_FAILURES`` / ``SYNC_LOGIN_WINDOW_SECONDS`` | ``5`` / ``900`` | login rate limit per user name |
| ``SYNC_SQLITE_SYNCHRONOUS`` | ``FULL`` | SQLite durability (``NORMAL`` survives process crashes, not power loss) |
| ``SYNC_PG_POOL_SIZE`` | ``8`` | PostgreSQL connections per server process (docs/DEPLOYMENT.md) |
| ``SYNC_TIMEZONE`` | ``Asia/Ho_Chi_Minh`` | the zone of the days people pick and read (filters, dashboard, records) |
| ``SYNC_SQLITE_WAL_LIMIT_MB`` | ``512`` | the size SQLite's write-ahead log is kept under (checkpointer.py) |
| ``SYNC_WORKERS`` | ``1`` | server processes for ``serve`` (``--workers`` overrides; docs/DEPLOYMENT.md) |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sync_server.core.local_time import DEFAULT_TIMEZONE, load_zone

DEFAULT_DATABASE_URL = "sqlite:///var/registry.db"
DEFAULT_BLOB_DIR = "var/blobs"
SECRET_FILE_NAME = "secret.key"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what to do."""


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = DEFAULT_DATABASE_URL
    blob_dir: Path = Path(DEFAULT_BLOB_DIR)
    secret_key: str = field(default="", repr=False)
    token_ttl_seconds: int = 14 * 24 * 3600
    max_body_bytes: int = 8 * 1024 * 1024
    max_blob_bytes: int = 25 * 1024 * 1024
    login_max_failures: int = 5
    login_window_seconds: int = 900
    sqlite_synchronous: str = "FULL"
    pg_pool_size: int = 8
    timezone: str = DEFAULT_TIMEZONE
    workers: int = 1
    wal_limit_bytes: int = 512 * 1024 * 1024

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file of a ``sqlite:///path`` URL, or ``None`` for another engine."""
        return sqlite_path(self.database_url)

    @property
    def data_dir(self) -> Path:
        """Where files that belong next to the database live (secret key, demo users)."""
        path = self.sqlite_path
        return path.parent if path is not None else self.blob_dir.parent


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :])
    if url.startswith("sqlite://"):
        raise ConfigError(
            f"SYNC_DATABASE_URL {url!r}: write a SQLite URL as sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    return None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be above 0")
    return value


def load_or_create_secret(directory: Path) -> str:
    """The secret key kept in ``directory/secret.key``, created (mode 0600) on first run."""
    path = directory / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    directory.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Written aside, then linked into place: several processes starting at once on a shared
    # directory agree on the first key and never read a half-written file.
    draft = directory / f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(draft, path)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    finally:
        draft.unlink(missing_ok=True)
    return key


def _timezone(env: Mapping[str, str]) -> str:
    name = env.get("SYNC_TIMEZONE") or DEFAULT_TIMEZONE
    try:
        load_zone(name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return name


def from_env(env: Mapping[str, str] | None = None) -> ServerConfig:
    """Read the configuration; creates the secret key file when ``SYNC_SECRET_KEY`` is unset."""
    env = os.environ if env is None else env
    url = env.get("SYNC_DATABASE_URL") or DEFAULT_DATABASE_URL
    if not (url.startswith("sqlite:") or url.startswith(("postgresql://", "postgres://"))):
        raise ConfigError(
            f"SYNC_DATABASE_URL {url!r} is not supported; use sqlite:///path/to/registry.db or postgresql://…"
        )
    sqlite_path(url)  # validates the form
    synchronous = (env.get("SYNC_SQLITE_SYNCHRONOUS") or "FULL").upper()
    if synchronous not in ("FULL", "NORMAL", "EXTRA"):
        raise ConfigError("SYNC_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")
    cfg = ServerConfig(
        database_url=url,
        blob_dir=Path(env.get("SYNC_BLOB_DIR") or DEFAULT_BLOB_DIR),
        token_ttl_seconds=_int(env, "SYNC_TOKEN_TTL_HOURS", 14 * 24) * 3600,
        max_body_bytes=_int(env, "SYNC_MAX_BODY_BYTES", 8 * 1024 * 1024),
        max_blob_bytes=_int(env, "SYNC_MAX_BLOB_BYTES", 25 * 1024 * 1024),
        login_max_failures=_int(env, "SYNC_LOGIN_MAX_FAILURES", 5),
        login_window_seconds=_int(env, "SYNC_LOGIN_WINDOW_SECONDS", 900),
        sqlite_synchronous=synchronous,
        pg_pool_size=_int(env, "SYNC_PG_POOL_SIZE", 8),
        timezone=_timezone(env),
        workers=_int(env, "SYNC_WORKERS", 1),
        wal_limit_bytes=_int(env, "SYNC_SQLITE_WAL_LIMIT_MB", 512) * 1024 * 1024,
    )
    secret = env.get("SYNC_SECRET_KEY") or load_or_create_secret(cfg.data_dir)
    return ServerConfig(**{**cfg.__dict__, "secret_key": secret})
