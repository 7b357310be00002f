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


class BiText(str):
    """A message in both languages that still reads as one ``"vi / en"`` string.

    The string is what a problem document's ``detail`` has always carried (old apps show it);
    ``vi`` and ``en`` keep the two languages apart up to the screen or page that picks one
    (``text``, ``get``). Adding two ``BiText`` joins each language; anything else added gives
    a plain string.
    """

    vi: str
    en: str

    def __new__(cls, vi: str, en: str) -> BiText:
        self = super().__new__(cls, f"{vi} / {en}" if en else vi)
        self.vi = vi
        self.en = en
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        return (self.vi, self.en)

    def __add__(self, other: str) -> str:
        if isinstance(other, BiText):
            return BiText(self.vi + other.vi, self.en + other.en)
        return str(self) + other

    @property
    def text(self) -> LocalText:
        return LocalText(self.vi, self.en)

    def get(self, lang: str) -> str:
        return self.text.get(lang)

    @classmethod
    def of(cls, text: LocalText) -> BiText:
        return cls(text.vi, text.en)


def as_sent(text: str, messages: LocalText | None) -> tuple[str, LocalText | None]:
    """``text`` and ``messages`` as a Struct sends them (msgspec encodes plain strings only): a
    ``BiText`` travels as its "vi / en" string, its two languages in ``messages`` unless these
    are given already."""
    if isinstance(text, BiText) and messages is None:
        messages = text.text
    return str(text), messages


def join_bitexts(separator: str, parts: list[BiText]) -> BiText:
    """``parts`` joined in each language by ``separator``."""
    return BiText(separator.join(p.vi for p in parts), separator.join(p.en for p in parts))


def local_text(message: object) -> LocalText | None:
    """The two languages of ``message`` when it carries them (a ``BiText`` or a ``LocalText``)."""
    if isinstance(message, BiText):
        return message.text
    if isinstance(message, LocalText):
        return message
    return None
