"""The hybrid logical clock: monotonic whatever the wall clock does, causal, sortable."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_schema import clock
from shared_schema.clock import ClockError, Hlc, HybridClock

walls = st.integers(min_value=0, max_value=2_000_000_000_000)
nodes = st.text(alphabet="abcdef0123456789-", min_size=1, max_size=36)
hlcs = st.builds(Hlc, walls, st.integers(min_value=0, max_value=clock.MAX_COUNTER), nodes)


@given(hlcs)
def test_encode_then_decode_gives_the_same_clock(h: Hlc) -> None:
    assert clock.decode(clock.encode(h)) == h


@given(hlcs, hlcs)
def test_string_order_is_the_clock_order(a: Hlc, b: Hlc) -> None:
    assert (clock.encode(a) < clock.encode(b)) == (a < b)


@given(st.lists(st.tuples(st.sampled_from(["tick", "receive", "restart"]), walls, hlcs), max_size=60))
def test_clock_never_goes_backwards_whatever_the_wall_clock_does(events: list[tuple[str, int, Hlc]]) -> None:
    now = {"ms": 0}
    c = HybridClock("device-a", now_ms=lambda: now["ms"])
    last: str | None = None
    for kind, wall, remote in events:
        now["ms"] = wall  # the wall clock jumps anywhere, backwards included
        if kind == "tick":
            issued = c.tick()
        elif kind == "receive":
            issued = c.receive(clock.encode(remote))
            assert clock.decode(issued)[:2] > remote[:2]  # ordered after what it received
        else:  # the app restarts from the persisted last clock
            c = HybridClock("device-a", last=c.last, now_ms=lambda: now["ms"])
            issued = c.tick()
        if last is not None:
            assert issued > last
        last = issued


@given(walls, walls, walls)
def test_an_event_after_receiving_is_ordered_after_the_sent_event(t_send: int, t_recv: int, t_next: int) -> None:
    a = HybridClock("a", now_ms=lambda: t_send)
    sent = a.tick()
    b = HybridClock("b", now_ms=lambda: t_recv)
    b.receive(sent)
    b._now = lambda: t_next
    later = b.tick()
    assert clock.decode(later)[:2] > clock.decode(sent)[:2]


def test_counter_overflow_borrows_a_millisecond_instead_of_breaking_the_format() -> None:
    last = Hlc(1000, clock.MAX_COUNTER, "n")
    nxt = clock.tick(last, 1000, "n")
    assert nxt == Hlc(1001, 0, "n")
    assert clock.encode(nxt) > clock.encode(last)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1-2-x", "000000000000001-00001-", "000000000000001-0001-node", "00000000000000a-00001-n", 12],
)
def test_malformed_clock_strings_are_refused_with_the_expected_form(text: object) -> None:
    with pytest.raises(ClockError, match=r"form|string"):
        clock.decode(text)  # type: ignore[arg-type]


def test_a_clock_far_ahead_of_the_server_is_refused_with_advice() -> None:
    now = 1_700_000_000_000
    clock.check_skew(Hlc(now + 60_000, 0, "d"), now, 10 * 60_000)
    with pytest.raises(ClockError, match="ahead of the server"):
        clock.check_skew(Hlc(now + 3_600_000, 0, "d"), now, 10 * 60_000)
