"""Per-field merge: convergence and idempotence whatever the delivery order, and no
concurrent edit lost silently."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared_schema import clock
from shared_schema.merge import Edit, FieldState, Outcome, merge_field


def test_first_write_is_applied_without_conflict() -> None:
    d = merge_field(None, Edit("yes", "000000000000010-00000-a"))
    assert d.outcome is Outcome.APPLIED and not d.concurrent


def test_a_later_edit_that_saw_the_held_value_is_not_a_conflict() -> None:
    held = FieldState("yes", "000000000000010-00000-a")
    d = merge_field(held, Edit("no", "000000000000020-00000-b", base_hlc=held.hlc))
    assert d.outcome is Outcome.APPLIED and not d.concurrent


def test_a_later_edit_that_did_not_see_the_held_value_is_a_conflict_with_the_loser_kept() -> None:
    held = FieldState("yes", "000000000000010-00000-a")
    d = merge_field(held, Edit("no", "000000000000020-00000-b", base_hlc=None))
    assert d.outcome is Outcome.APPLIED and d.concurrent and d.loser == held


def test_an_older_edit_from_another_writer_is_superseded_and_logged() -> None:
    held = FieldState("yes", "000000000000020-00000-a")
    d = merge_field(held, Edit("no", "000000000000010-00000-b"))
    assert d.outcome is Outcome.SUPERSEDED and d.concurrent and d.result == held
    assert d.loser == FieldState("no", "000000000000010-00000-b")


def test_the_same_writer_editing_twice_is_never_a_conflict() -> None:
    held = FieldState("yes", "000000000000010-00000-a")
    d = merge_field(held, Edit("no", "000000000000020-00000-a", base_hlc=None))
    assert d.outcome is Outcome.APPLIED and not d.concurrent


def test_the_same_edit_twice_changes_nothing() -> None:
    held = FieldState("yes", "000000000000010-00000-a")
    d = merge_field(held, Edit("yes", held.hlc))
    assert d.outcome is Outcome.UNCHANGED and d.result == held


# --- properties ---------------------------------------------------------------------------

WRITERS = ["dev-a", "dev-b", "dev-c", "server"]


@st.composite
def histories(draw: st.DrawFn) -> list[Edit]:
    """A causally consistent set of edits of one field by several writers.

    Each edit is made by a writer who has seen some earlier edit (or none): its base is that
    edit's clock and its own clock is above it, as the hybrid clock guarantees.
    """
    edits: list[Edit] = []
    n = draw(st.integers(min_value=1, max_value=8))
    used: set[str] = set()
    last_wall: dict[str, int] = {}
    for i in range(n):
        writer = draw(st.sampled_from(WRITERS))
        base = draw(st.none() | st.sampled_from(edits)) if edits else None
        # A writer's clock only moves forward, and an edit is later than what it saw.
        floor = max(clock.decode(base.hlc).wall_ms + 1 if base else 0, last_wall.get(writer, -1) + 1)
        last_wall[writer] = floor
        wall = draw(st.integers(min_value=floor, max_value=floor + 50))
        last_wall[writer] = wall
        hlc = clock.encode(clock.Hlc(wall, i, writer))
        if hlc in used:
            continue
        used.add(hlc)
        edits.append(Edit(value=f"v{i}", hlc=hlc, base_hlc=base.hlc if base else None))
    return edits


def apply_all(edits: list[Edit]) -> tuple[FieldState | None, list[FieldState]]:
    held: FieldState | None = None
    losers: list[FieldState] = []
    for e in edits:
        d = merge_field(held, e)
        held = d.result
        if d.loser is not None:
            losers.append(d.loser)
    return held, losers


@settings(max_examples=300)
@given(histories(), st.data())
def test_any_order_and_any_duplication_converge_to_the_same_value(edits: list[Edit], data: st.DataObject) -> None:
    reference, _ = apply_all(edits)
    delivery = data.draw(st.lists(st.sampled_from(edits), min_size=0, max_size=3 * len(edits)))
    shuffled = data.draw(st.permutations(edits + delivery))
    state, _ = apply_all(shuffled)
    assert state == reference
    assert state is not None and state.hlc == max(e.hlc for e in edits)


@settings(max_examples=300)
@given(histories(), st.data())
def test_applying_an_edit_again_is_idempotent(edits: list[Edit], data: st.DataObject) -> None:
    state, _ = apply_all(edits)
    again = merge_field(state, data.draw(st.sampled_from(edits)))
    assert again.result == state
    assert again.outcome in (Outcome.UNCHANGED, Outcome.SUPERSEDED)


@settings(max_examples=300)
@given(histories(), st.data())
def test_no_concurrent_edit_is_lost_silently_in_causal_delivery(edits: list[Edit], data: st.DataObject) -> None:
    """Delivered in any causal order (as the server receives them), every edit that lost
    without having been seen by a later edit of another writer is in the conflict log."""
    pending = list(edits)
    order: list[Edit] = []
    delivered: set[str] = set()
    while pending:
        # Causal: after its base, and after the same writer's earlier edits (pushed in order).
        ready = [
            e
            for e in pending
            if (e.base_hlc is None or e.base_hlc in delivered)
            and not any(clock.node_of(o.hlc) == clock.node_of(e.hlc) and o.hlc < e.hlc for o in pending)
        ]
        e = data.draw(st.sampled_from(ready))
        pending.remove(e)
        order.append(e)
        delivered.add(e.hlc)
    final, losers = apply_all(order)
    assert final is not None
    logged = {s.hlc for s in losers}
    seen_by_descendant = {e.base_hlc for e in edits if e.base_hlc}
    for e in edits:
        if e.hlc == final.hlc or e.hlc in seen_by_descendant:
            continue
        same_writer_later = any(clock.node_of(o.hlc) == clock.node_of(e.hlc) and o.hlc > e.hlc for o in edits)
        if same_writer_later:
            continue  # a writer overwriting its own value is not a conflict
        assert e.hlc in logged, f"edit {e} lost without a conflict-log entry"
