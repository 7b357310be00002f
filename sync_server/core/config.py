"""Server configuration from the environment, each setting with a safe default.

The table of every setting, its default and meaning is docs/CONFIGURATION.md (kept in step
with this module by tests/content/test_docs.py).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from record_pdf.settings import DEFAULT_AGENCY_NAME, DEFAULT_AGENCY_PARENT, DEFAULT_PLACE_NAME
from shared_schema import protocol
from sync_server.core.files import private_dir
from sync_server.core.local_time import DEFAULT_TIMEZONE, load_zone
from sync_server.core.record_settings import DEFAULT_RECORD_NUMBER_FORMAT, check_record_number_format

DEFAULT_DATABASE_URL = "sqlite:///var/registry.db"
DEFAULT_BLOB_DIR = "var/blobs"
SECRET_FILE_NAME = "secret.key"
# The console map's background (OpenStreetMap's standard tiles and the attribution they ask for).
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what to do."""


@dataclass(frozen=True)
class ServerConfig:
    database_url: str = DEFAULT_DATABASE_URL
    blob_dir: Path = Path(DEFAULT_BLOB_DIR)
    secret_key: str = field(default="", repr=False)
    token_ttl_seconds: int = 14 * 24 * 3600
    max_body_bytes: int = 8 * 1024 * 1024
    max_blob_bytes: int = protocol.MAX_BLOB_BYTES
    login_max_failures: int = 5
    login_window_seconds: int = 900
    login_max_per_address: int = 30
    sqlite_synchronous: str = "FULL"
    pg_pool_size: int = 8
    timezone: str = DEFAULT_TIMEZONE
    workers: int = 1
    map_tile_url: str = DEFAULT_TILE_URL  # "" draws the map on a plain background
    map_tile_attribution: str = DEFAULT_TILE_ATTRIBUTION
    record_number_format: str = DEFAULT_RECORD_NUMBER_FORMAT
    agency_parent: str = DEFAULT_AGENCY_PARENT
    agency_name: str = DEFAULT_AGENCY_NAME
    place_name: str = DEFAULT_PLACE_NAME
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
    private_dir(directory)
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


def _checked(env: Mapping[str, str], name: str, default: str, check: Callable[[str], object]) -> str:
    """The text of setting ``name`` (``default`` when unset or empty) once ``check`` accepts
    it; ``ConfigError`` with what ``check`` said (``ValueError``), led by ``name`` unless it
    already names it."""
    value = env.get(name) or default
    try:
        check(value)
    except ValueError as exc:
        said = str(exc)
        raise ConfigError(said if said.startswith(name) else f"{name}: {said}") from exc
    return value


def _tile_url(env: Mapping[str, str]) -> str:
    """``SYNC_MAP_TILE_URL``: a tile URL template with ``{z}``, ``{x}`` and ``{y}``; ``none``
    (or empty) for no tiles (markers on a plain background)."""
    raw = env.get("SYNC_MAP_TILE_URL")
    if raw is None:
        return DEFAULT_TILE_URL
    url = raw.strip()
    if url.lower() in ("", "none", "off"):
        return ""
    if not url.startswith(("http://", "https://", "/")) or not all(p in url for p in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            "SYNC_MAP_TILE_URL must be a tile address with {z}, {x} and {y} "
            "(e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png), or 'none' for no tiles"
        )
    return url


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
        max_blob_bytes=_int(env, "SYNC_MAX_BLOB_BYTES", protocol.MAX_BLOB_BYTES),
        login_max_failures=_int(env, "SYNC_LOGIN_MAX_FAILURES", 5),
        login_window_seconds=_int(env, "SYNC_LOGIN_WINDOW_SECONDS", 900),
        login_max_per_address=_int(env, "SYNC_LOGIN_MAX_PER_ADDRESS", 30),
        sqlite_synchronous=synchronous,
        pg_pool_size=_int(env, "SYNC_PG_POOL_SIZE", 8),
        timezone=_checked(env, "SYNC_TIMEZONE", DEFAULT_TIMEZONE, load_zone),
        workers=_int(env, "SYNC_WORKERS", 1),
        map_tile_url=_tile_url(env),
        map_tile_attribution=env.get("SYNC_MAP_TILE_ATTRIBUTION") or DEFAULT_TILE_ATTRIBUTION,
        record_number_format=_checked(
            env, "SYNC_RECORD_NUMBER_FORMAT", DEFAULT_RECORD_NUMBER_FORMAT, check_record_number_format
        ),
        agency_parent=env.get("SYNC_AGENCY_PARENT") or DEFAULT_AGENCY_PARENT,
        agency_name=env.get("SYNC_AGENCY_NAME") or DEFAULT_AGENCY_NAME,
        place_name=env.get("SYNC_PLACE_NAME") or DEFAULT_PLACE_NAME,
        wal_limit_bytes=_int(env, "SYNC_SQLITE_WAL_LIMIT_MB", 512) * 1024 * 1024,
    )
    secret = env.get("SYNC_SECRET_KEY") or load_or_create_secret(cfg.data_dir)
    return ServerConfig(**{**cfg.__dict__, "secret_key": secret})
