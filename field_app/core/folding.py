"""Case- and accent-insensitive search keys for Vietnamese text ("Hà Nội" → "ha noi")."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower case, without diacritics, ``đ`` as ``d``, runs of spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())
