"""Reading checklist versions from the database, with a cache of the immutable ones.

Published and retired versions never change (protocol §8), so decoded documents are cached
per process, keyed by the document text itself (several databases may live in one process,
e.g. in tests); drafts are never cached.
"""

from __future__ import annotations

import threading

from shared_schema.checklist import ChecklistTemplate
from shared_schema.codec import decode_template
from sync_server.core.db import Tx

_cache: dict[str, ChecklistTemplate] = {}
_lock = threading.Lock()


def pinned_template(tx: Tx, template_id: str, version: int) -> ChecklistTemplate | None:
    """A published or retired version (the ones an inspection can pin), or ``None``."""
    row = tx.one(
        "SELECT document FROM templates WHERE template_id = ? AND version = ? AND status IN ('published', 'retired')",
        (template_id, version),
    )
    if row is None:
        return None
    document: str = row["document"]
    cached = _cache.get(document)
    if cached is not None:
        return cached
    template = decode_template(document)
    with _lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[document] = template
    return template


def template_status(tx: Tx, template_id: str, version: int) -> str | None:
    status = tx.scalar("SELECT status FROM templates WHERE template_id = ? AND version = ?", (template_id, version))
    return None if status is None else str(status)


def has_published(tx: Tx, template_id: str) -> bool:
    return tx.one("SELECT 1 FROM templates WHERE template_id = ? AND status = 'published'", (template_id,)) is not None
