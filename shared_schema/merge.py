"""Per-field last-writer-wins merge with conflict detection (protocol §5).

Every field of every record is merged on its own: the edit with the greater hybrid
logical clock wins. Two edits were *concurrent* when they come from different writers
(nodes) and neither saw the other; the losing one of such a pair goes to the conflict log so
nothing is lost silently.

Why the rule below is enough: every edit reaches other nodes only through the server, and a
device pushes its edits in order, so the server receives every edit after the edits it was
based on. At the server, then:
- an incoming edit with a *greater* clock saw the held value only if its ``base_hlc`` is the
  held clock; otherwise it overwrote a value its writer never saw (concurrent, unless the same
  writer made both);
- an incoming edit with a *smaller* clock cannot be an ancestor of the held value (an ancestor
  would have arrived first), so it is concurrent with the held value unless the same writer
  made both.
The winner is the same whatever the arrival order (``max`` of clocks), and every concurrent
loser is reported, so values converge and no concurrent edit disappears unseen.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec

from shared_schema import clock


class FieldState(msgspec.Struct, frozen=True):
    """What a side holds for one field: the value and the clock of the edit that wrote it."""

    value: Any
    hlc: str


class Edit(msgspec.Struct, frozen=True):
    """An incoming edit of one field."""

    value: Any
    hlc: str
    base_hlc: str | None = None


class Outcome(StrEnum):
    APPLIED = "applied"
    SUPERSEDED = "superseded"
    UNCHANGED = "unchanged"  # the very same edit is already held


class MergeDecision(msgspec.Struct, frozen=True):
    outcome: Outcome
    # True when the two edits were concurrent; the loser then belongs in the conflict log.
    concurrent: bool
    # The state to hold after the merge.
    result: FieldState
    # The concurrent edit that lost, if any.
    loser: FieldState | None = None


def writer_of(hlc: str) -> str:
    return clock.node_of(hlc)


def merge_field(held: FieldState | None, incoming: Edit) -> MergeDecision:
    """Decide what happens when ``incoming`` meets the ``held`` state of one field."""
    new_state = FieldState(incoming.value, incoming.hlc)
    if held is None:
        return MergeDecision(Outcome.APPLIED, False, new_state)
    if incoming.hlc == held.hlc:
        return MergeDecision(Outcome.UNCHANGED, False, held)
    same_writer = writer_of(incoming.hlc) == writer_of(held.hlc)
    if incoming.hlc > held.hlc:
        concurrent = not same_writer and incoming.base_hlc != held.hlc
        return MergeDecision(Outcome.APPLIED, concurrent, new_state, held if concurrent else None)
    concurrent = not same_writer
    return MergeDecision(Outcome.SUPERSEDED, concurrent, held, new_state if concurrent else None)


def winner(a: FieldState, b: FieldState) -> FieldState:
    """The state that wins between two edits of one field."""
    return a if a.hlc >= b.hlc else b
