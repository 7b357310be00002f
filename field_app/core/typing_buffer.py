"""What is being typed into the form's boxes, before it is saved.

Each box has a key (``qid:field`` for an answer box, the field name for a header box). Every
keystroke bumps the box's typing mark, so a save scheduled after a pause can tell whether typing
went on since (then it does nothing).
"""

from __future__ import annotations

from collections.abc import Iterator


class TypingBuffer:
    def __init__(self) -> None:
        self._text: dict[str, str] = {}
        self._marks: dict[str, int] = {}

    def type(self, key: str, text: str) -> int:
        """Keep ``text`` as the box's content; returns the new typing mark."""
        self._text[key] = text
        self._marks[key] = self._marks.get(key, 0) + 1
        return self._marks[key]

    def is_latest(self, key: str, mark: int) -> bool:
        """Whether ``mark`` is the box's last keystroke (nothing was typed since)."""
        return self._marks.get(key) == mark

    def __contains__(self, key: object) -> bool:
        return key in self._text

    def __getitem__(self, key: str) -> str:
        return self._text[key]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._text))

    def drop(self, key: str) -> None:
        """The box's text was saved (or given up): the box shows the saved value again."""
        self._text.pop(key, None)


def answer_key(qid: str, field: str) -> str:
    return f"{qid}:{field}"


def split_key(key: str) -> tuple[str, str] | None:
    """``(qid, field)`` of an answer box's key; None for a header box."""
    if ":" not in key:
        return None
    qid, field = key.split(":", 1)
    return qid, field
