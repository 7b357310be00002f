"""Bilingual text: every label a person reads exists in Vietnamese and English."""

from __future__ import annotations

import msgspec


class LocalText(msgspec.Struct, frozen=True):
    """A text in Vietnamese (the default) and English."""

    vi: str
    en: str = ""

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("vi" or "en"), falling back to Vietnamese."""
        if lang == "en" and self.en:
            return self.en
        return self.vi


def lt(vi: str, en: str) -> LocalText:
    return LocalText(vi=vi, en=en)
