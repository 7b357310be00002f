"""Photos and signatures as files named by their SHA-256, with a table of what is held,
its media type and whether the server has it."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
from pathlib import Path

from field_app.core.models import AppError
from field_app.core.store import Store
from shared_schema import protocol
from shared_schema.text import LocalText

MAX_BLOB_BYTES = protocol.MAX_BLOB_BYTES
_MAX_MB = MAX_BLOB_BYTES // (1024 * 1024)

NOT_AN_IMAGE = LocalText(
    "Tệp này không phải ảnh JPEG, PNG hoặc WebP: hãy chụp lại hoặc chọn ảnh khác.",
    "This file is not a JPEG, PNG or WebP image: take the photo again or choose another one.",
)
TOO_LARGE = LocalText(
    f"Ảnh quá lớn (tối đa {_MAX_MB} MB): hãy chụp với độ phân giải thấp hơn.",
    f"The image is too large (at most {_MAX_MB} MB): take it at a lower resolution.",
)

# JPEG, PNG or WebP by magic bytes (``shared_schema.protocol``); None for anything else.
media_type_of = protocol.image_media_type


def blob_file(store: Store, sha256: str) -> Path:
    return store.blob_dir / sha256[:2] / sha256


def save_blob(store: Store, data: bytes) -> str:
    """Keep ``data`` as a file and a row (idempotent); returns its SHA-256.

    Raises ``AppError`` ``bad_photo`` (changing nothing) when it is not an image we can send.
    """
    media_type = media_type_of(data)
    if media_type is None:
        raise AppError("bad_photo", NOT_AN_IMAGE)
    if len(data) > MAX_BLOB_BYTES:
        raise AppError("bad_photo", TOO_LARGE)
    sha = hashlib.sha256(data).hexdigest()
    path = blob_file(store, sha)
    if not path.exists() or path.stat().st_size != len(data):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO blobs (sha256, media_type, size, local, uploaded, created_at) VALUES (?, ?, ?, 1, 0, ?)"
            " ON CONFLICT(sha256) DO UPDATE SET local = 1, media_type = excluded.media_type, size = excluded.size",
            (sha, media_type, len(data), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
    return sha


def keep_fetched(store: Store, sha256: str, data: bytes) -> Path | None:
    """Keep a blob downloaded from the server (checked against its hash)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    path = blob_file(store, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO blobs (sha256, media_type, size, local, uploaded, created_at) VALUES (?, ?, ?, 1, 1, ?)"
            " ON CONFLICT(sha256) DO UPDATE SET local = 1",
            (sha256, media_type_of(data), len(data), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
    return path


def pending_uploads(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT sha256, size FROM blobs WHERE local = 1 AND uploaded = 0 ORDER BY created_at, sha256"
        )
    ]


def mark_uploaded(conn: sqlite3.Connection, sha256: str, state: int = 1) -> None:
    """``state`` 1: the server holds it; -1: the server refused it (shown as an error)."""
    conn.execute("UPDATE blobs SET uploaded = ? WHERE sha256 = ?", (state, sha256))
