"""Hybrid logical clock (Kulkarni et al., 2014).

A timestamp is ``(wall_ms, counter, node)``. Its string form
``"{wall_ms:015d}-{counter:05d}-{node}"`` sorts exactly like the tuple, so the database
and the wire can compare clocks as plain strings.

Properties (proved in tests/shared_schema/test_clock.py):
- ``tick`` and ``receive`` never return a timestamp at or below the last one, whatever the
  wall clock does (it may jump backwards, stand still, or the process may restart from the
  persisted last timestamp);
- an event that happens after receiving a timestamp is ordered after it (causality).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import NamedTuple

WALL_DIGITS = 15
COUNTER_DIGITS = 5
MAX_COUNTER = 10**COUNTER_DIGITS - 1
MAX_WALL_MS = 10**WALL_DIGITS - 1

_PATTERN = re.compile(r"^(\d{15})-(\d{5})-([A-Za-z0-9_.:-]{1,64})$")


class ClockError(ValueError):
    """A clock string that cannot be read, or a remote clock that is refused."""


class Hlc(NamedTuple):
    wall_ms: int
    counter: int
    node: str

    def encode(self) -> str:
        return encode(self)


def encode(hlc: Hlc) -> str:
    """The sortable string form of ``hlc``."""
    if not 0 <= hlc.wall_ms <= MAX_WALL_MS or not 0 <= hlc.counter <= MAX_COUNTER:
        raise ClockError(f"clock {hlc!r} is out of range")
    return f"{hlc.wall_ms:0{WALL_DIGITS}d}-{hlc.counter:0{COUNTER_DIGITS}d}-{hlc.node}"


def decode(text: str) -> Hlc:
    """Read a clock string; raises ``ClockError`` with the reason when it is malformed."""
    if not isinstance(text, str):
        raise ClockError(f"a clock must be a string, not {type(text).__name__}")
    m = _PATTERN.fullmatch(text)
    if m is None:
        raise ClockError(f"clock {text[:80]!r} is not of the form '<15-digit milliseconds>-<5-digit counter>-<node>'")
    return Hlc(int(m.group(1)), int(m.group(2)), m.group(3))


def is_valid(text: object) -> bool:
    return isinstance(text, str) and _PATTERN.fullmatch(text) is not None


def node_of(text: str) -> str:
    """The node (client id, or ``server``) that made the clock string."""
    return decode(text).node


def _advance(wall_ms: int, counter: int) -> tuple[int, int]:
    """Next counter; when the counter is full, borrow one millisecond of logical time."""
    if counter < MAX_COUNTER:
        return wall_ms, counter + 1
    return wall_ms + 1, 0


def tick(last: Hlc | None, now_ms: int, node: str) -> Hlc:
    """The clock for a local event at wall time ``now_ms``, after ``last``."""
    if last is None or now_ms > last.wall_ms:
        return Hlc(now_ms, 0, node)
    wall, counter = _advance(last.wall_ms, last.counter)
    return Hlc(wall, counter, node)


def receive(last: Hlc | None, remote: Hlc, now_ms: int, node: str) -> Hlc:
    """The clock after receiving ``remote`` at wall time ``now_ms``.

    The result is greater than both ``last`` and ``remote``. Callers that must bound the
    skew of ``remote`` check it with ``check_skew`` first.
    """
    last_wall = last.wall_ms if last is not None else -1
    last_counter = last.counter if last is not None else -1
    wall = max(last_wall, remote.wall_ms, now_ms)
    if wall == last_wall and wall == remote.wall_ms:
        wall, counter = _advance(wall, max(last_counter, remote.counter))
    elif wall == last_wall:
        wall, counter = _advance(wall, last_counter)
    elif wall == remote.wall_ms:
        wall, counter = _advance(wall, remote.counter)
    else:
        counter = 0
    return Hlc(wall, counter, node)


def skew_ms(remote: Hlc, now_ms: int) -> int:
    """How far ``remote`` is ahead of ``now_ms`` (negative when behind)."""
    return remote.wall_ms - now_ms


def check_skew(remote: Hlc, now_ms: int, max_skew_ms: int) -> None:
    """Raise ``ClockError`` when ``remote`` is more than ``max_skew_ms`` ahead of ``now_ms``."""
    ahead = skew_ms(remote, now_ms)
    if ahead > max_skew_ms:
        minutes = ahead // 60000
        raise ClockError(
            f"the device clock is {minutes} minutes ahead of the server; "
            "set the phone's date and time automatically, then send the edit again"
        )


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """A stateful clock for one node. Persist ``last`` to survive restarts.

    ``now_ms`` is injectable so tests can move the wall clock backwards.
    """

    def __init__(self, node: str, last: str | None = None, now_ms: Callable[[], int] = wall_clock_ms):
        self.node = node
        self._now = now_ms
        self._last: Hlc | None = decode(last) if last else None

    @property
    def last(self) -> str | None:
        return encode(self._last) if self._last is not None else None

    def tick(self) -> str:
        self._last = tick(self._last, self._now(), self.node)
        return encode(self._last)

    def receive(self, remote: str) -> str:
        self._last = receive(self._last, decode(remote), self._now(), self.node)
        return encode(self._last)

    def observe(self, remote: str) -> None:
        """Move past ``remote`` if it is ahead of what this clock has issued."""
        if self._last is None or decode(remote) > self._last:
            self.receive(remote)
