"""Photos and signatures: content-addressed, resumable uploads (protocol §9, tus-style).

``BlobStore`` is the storage interface (a filesystem implementation here; an object store
can implement the same methods later). The service functions below keep the bookkeeping
(declared length, uploader, completion) in the ``blobs`` table and decide who may read a
blob: its uploader, and users allowed to see an inspection that names it (``blob_refs``,
maintained by the push service).

The number of bytes held is the size of the partial file, so a server killed in the middle of
an append resumes from what actually reached the disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import msgspec

from shared_schema import protocol
from shared_schema.errors import Code
from shared_schema.validation import is_sha256
from sync_server.core import audit
from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Database, Tx
from sync_server.core.errors import BadRequest, Conflict, Invalid, NotFound, TooLarge, UnsupportedMedia, bi
from sync_server.core.files import open_append, private_dir
from sync_server.core.util import now_iso

CHUNK = 1024 * 1024


class BlobStatus(msgspec.Struct, kw_only=True):
    sha256: str
    offset: int
    length: int | None
    complete: bool
    media_type: str | None = None


class BlobStore(Protocol):
    def held(self, sha256: str) -> int | None:
        """Bytes held of an unfinished upload, or ``None`` when nothing is held."""
        ...

    def has(self, sha256: str) -> bool:
        """Whether the complete, verified blob is stored."""
        ...

    def append(self, sha256: str, data: bytes) -> int:
        """Append to the unfinished upload; returns the new size."""
        ...

    def partial_digest(self, sha256: str) -> str: ...

    def head_bytes(self, sha256: str, n: int) -> bytes: ...

    def finish(self, sha256: str) -> None:
        """Move the verified upload to its final place."""
        ...

    def discard(self, sha256: str) -> None: ...

    def size(self, sha256: str) -> int: ...

    def read_chunks(self, sha256: str) -> Iterator[bytes]: ...

    def path(self, sha256: str) -> Path: ...

    def lock(self, sha256: str) -> AbstractContextManager[None]:
        """Hold the upload of ``sha256`` against every process sharing this store (several
        server processes on one PostgreSQL share one blob directory)."""
        ...


class FilesystemBlobStore:
    """``root/ab/abcdef…`` for finished blobs, ``root/partial/abcdef…`` while uploading."""

    def __init__(self, root: Path):
        self.root = root
        private_dir(root / "partial")

    def _partial(self, sha256: str) -> Path:
        return self.root / "partial" / sha256

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def held(self, sha256: str) -> int | None:
        p = self._partial(sha256)
        return p.stat().st_size if p.exists() else None

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def append(self, sha256: str, data: bytes) -> int:
        with os.fdopen(open_append(self._partial(sha256)), "ab") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            return fh.tell()

    def partial_digest(self, sha256: str) -> str:
        h = hashlib.sha256()
        with open(self._partial(sha256), "rb") as fh:
            while chunk := fh.read(CHUNK):
                h.update(chunk)
        return h.hexdigest()

    def head_bytes(self, sha256: str, n: int) -> bytes:
        with open(self._partial(sha256), "rb") as fh:
            return fh.read(n)

    def finish(self, sha256: str) -> None:
        final = self.path(sha256)
        private_dir(final.parent)
        os.replace(self._partial(sha256), final)

    def discard(self, sha256: str) -> None:
        self._partial(sha256).unlink(missing_ok=True)

    def size(self, sha256: str) -> int:
        return self.path(sha256).stat().st_size

    def read_chunks(self, sha256: str) -> Iterator[bytes]:
        with open(self.path(sha256), "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk

    @contextmanager
    def lock(self, sha256: str) -> Iterator[None]:
        """An exclusive ``flock`` on ``partial/.lock-ab`` (one of 256 lock files by hash
        prefix, never deleted, so no lock file can vanish under a waiter)."""
        fd = os.open(self.root / "partial" / f".lock-{sha256[:2]}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


# JPEG, PNG or WebP by their magic bytes (``shared_schema.protocol``); ``None`` for anything else.
media_type_of = protocol.image_media_type


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(sha256: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(sha256, threading.Lock())


def check_sha(sha256: str) -> None:
    if not is_sha256(sha256):
        raise BadRequest(
            bi(
                "Mã ảnh phải là SHA-256 dạng 64 ký tự hex viết thường.",
                "A blob is named by its SHA-256: 64 lower-case hex characters.",
            ),
            code=Code.INVALID_HASH,
        )


def status(db: Database, store: BlobStore, actor: Actor, sha256: str) -> BlobStatus:
    """What the server holds of a blob (HEAD), told only to its uploader and to users who may
    read it (``may_read``); anyone else gets the same ``NotFound`` as for a missing blob."""
    check_sha(sha256)
    with db.read() as tx:
        row = tx.one("SELECT length, complete, media_type, uploaded_by FROM blobs WHERE sha256 = ?", (sha256,))
        if row is not None and not may_read(tx, actor, sha256, row["uploaded_by"]):
            row = None
    if row is None:
        raise NotFound(
            bi("Máy chủ chưa có ảnh này.", "The server holds nothing of this blob yet."), code=Code.BLOB_MISSING
        )
    if row["complete"] and store.has(sha256):
        return BlobStatus(
            sha256=sha256, offset=row["length"], length=row["length"], complete=True, media_type=row["media_type"]
        )
    held = store.held(sha256)
    return BlobStatus(sha256=sha256, offset=held or 0, length=row["length"], complete=False)


def append(
    db: Database, store: BlobStore, actor: Actor, sha256: str, offset: int, length: int, data: bytes, max_bytes: int
) -> BlobStatus:
    """Append a chunk at ``offset`` of a blob of ``length`` bytes (PATCH). Verifies the hash,
    media type and size when the last byte arrives."""
    check_sha(sha256)
    if length < 1:
        raise BadRequest(
            bi("Upload-Length phải lớn hơn 0.", "Upload-Length must be above 0."), code=Code.INVALID_LENGTH
        )
    if length > max_bytes:
        raise TooLarge(
            bi(
                f"Ảnh quá lớn ({length} byte); tối đa {max_bytes} byte. Hãy chụp lại ở độ phân giải thấp hơn.",
                f"The file is too large ({length} bytes); the limit is {max_bytes}. Use a lower resolution.",
            ),
            code=Code.BLOB_TOO_LARGE,
        )
    with _lock_for(sha256), store.lock(sha256):  # threads of this process, then other processes
        with db.read() as tx:
            row = tx.one("SELECT length, complete FROM blobs WHERE sha256 = ?", (sha256,))
        if row is not None and row["complete"] and store.has(sha256):
            if row["length"] != length:
                raise Conflict(
                    bi("Ảnh này đã có với kích thước khác.", "This blob is stored with another length."),
                    code=Code.LENGTH_MISMATCH,
                )
            return BlobStatus(sha256=sha256, offset=length, length=length, complete=True)
        if row is not None and row["length"] is not None and row["length"] != length:
            raise Conflict(
                bi(
                    f"Upload-Length khác lần trước ({row['length']}).",
                    f"Upload-Length differs from before ({row['length']}).",
                ),
                code=Code.LENGTH_MISMATCH,
            )
        held = store.held(sha256) or 0
        if offset != held:
            raise Conflict(
                bi(
                    f"Vị trí tải lên sai: máy chủ đang có {held} byte; hãy gửi tiếp từ đó.",
                    f"Wrong upload offset: the server holds {held} bytes; continue from there.",
                ),
                code=Code.OFFSET_MISMATCH,
                headers={"Upload-Offset": str(held)},
                offset=held,
            )
        if offset + len(data) > length:
            raise BadRequest(
                bi("Phần gửi vượt quá Upload-Length.", "The chunk goes past Upload-Length."), code=Code.CHUNK_TOO_LONG
            )
        if offset == 0 and len(data) >= 12 and media_type_of(data[:12]) is None:
            raise UnsupportedMedia(_media_message(), code=Code.UNSUPPORTED_MEDIA_TYPE)
        if row is None:
            with db.write() as tx:
                tx.execute(
                    tx.dialect.insert_ignore.format(
                        table="blobs",
                        columns="sha256, length, complete, uploaded_by, created_at",
                        placeholders="?, ?, 0, ?, ?",
                    ),
                    (sha256, length, actor.username, now_iso()),
                )
        size = store.append(sha256, data) if data else held
        if size < length:
            return BlobStatus(sha256=sha256, offset=size, length=length, complete=False)
        return _complete(db, store, actor, sha256, length)


def _media_message() -> str:
    return bi("Chỉ nhận ảnh JPEG, PNG hoặc WebP.", "Only JPEG, PNG or WebP images are accepted.")


def _complete(db: Database, store: BlobStore, actor: Actor, sha256: str, length: int) -> BlobStatus:
    digest = store.partial_digest(sha256)
    media = media_type_of(store.head_bytes(sha256, 12))
    if digest != sha256 or media is None:
        store.discard(sha256)
        with db.write() as tx:
            tx.execute("DELETE FROM blobs WHERE sha256 = ? AND complete = 0", (sha256,))
        if digest != sha256:
            raise Invalid(
                bi(
                    "Nội dung ảnh không khớp mã SHA-256; phần đã tải bị hủy, hãy tải lại từ đầu.",
                    "The content does not match its SHA-256; the upload was discarded, upload it again.",
                ),
                code=Code.HASH_MISMATCH,
            )
        raise UnsupportedMedia(_media_message(), code=Code.UNSUPPORTED_MEDIA_TYPE)
    store.finish(sha256)
    with db.write() as tx:
        tx.execute(
            "UPDATE blobs SET complete = 1, media_type = ?, completed_at = ? WHERE sha256 = ?",
            (media, now_iso(), sha256),
        )
        audit.record(tx, actor, "blob.upload", "blob", sha256, {"length": length, "media_type": media})
    return BlobStatus(sha256=sha256, offset=length, length=length, complete=True, media_type=media)


def may_read(tx: Tx, actor: Actor, sha256: str, uploaded_by: str | None) -> bool:
    """Whether ``actor`` may read a blob (PROTOCOL.md §9): they uploaded it, or they may see an
    inspection that currently names it through a vouched reference (its namer uploaded the
    blob, or could read it when naming it). Naming a hash seen elsewhere grants nothing."""
    if uploaded_by is not None and uploaded_by == actor.username:
        return True
    cond, params = district_filter(actor, "i.district")
    return (
        tx.one(
            "SELECT 1 FROM blob_refs r JOIN inspections i ON i.id = r.inspection_id"
            " WHERE r.sha256 = ? AND (r.vouched = 1 OR r.named_by = ?)" + cond,
            [sha256, uploaded_by or "", *params],
        )
        is not None
    )


def vouched(tx: Tx, actor: Actor, sha256: str) -> bool:
    """Whether a reference ``actor`` makes now to a blob is vouched for: ``actor`` may already
    read it (a blob not uploaded yet is vouched for later by its uploader naming it)."""
    row = tx.one("SELECT uploaded_by FROM blobs WHERE sha256 = ?", (sha256,))
    return row is not None and may_read(tx, actor, sha256, row["uploaded_by"])


def readable(db: Database, store: BlobStore, actor: Actor, sha256: str) -> BlobStatus:
    """The blob's status when ``actor`` may read it; ``NotFound`` otherwise (no leak)."""
    check_sha(sha256)
    with db.read() as tx:
        row = tx.one("SELECT length, media_type, uploaded_by FROM blobs WHERE sha256 = ? AND complete = 1", (sha256,))
        allowed = row is not None and may_read(tx, actor, sha256, row["uploaded_by"])
    if row is None or not allowed or not store.has(sha256):
        raise NotFound(
            bi("Không có ảnh này hoặc bạn không được xem.", "No such blob, or you may not see it."),
            code=Code.BLOB_MISSING,
        )
    return BlobStatus(
        sha256=sha256, offset=row["length"], length=row["length"], complete=True, media_type=row["media_type"]
    )
