"""The assignment status rules (shared_schema.assignments): a table of derivations, overdue by
calendar day, the even split, and a state machine over the linked inspections' workflow in
which every status move the derivation makes is an allowed transition."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from shared_schema import assignments as rules
from shared_schema import codec
from shared_schema.workflow import TRANSITIONS as INSPECTION_TRANSITIONS
from tests.support.wire_strategies import for_type


@pytest.mark.parametrize(
    ("visits", "statuses", "cancelled", "expected"),
    [
        (1, [], False, "planned"),
        (1, ["draft"], False, "in_progress"),
        (1, ["submitted"], False, "done"),
        (1, ["approved"], False, "verified"),
        (1, ["returned"], False, "in_progress"),
        (1, ["rejected"], False, "planned"),
        (1, ["rejected", "draft"], False, "in_progress"),
        (2, ["submitted"], False, "in_progress"),
        (2, ["submitted", "approved"], False, "done"),
        (2, ["approved", "approved"], False, "verified"),
        (1, ["approved"], True, "cancelled"),
        (1, ["draft", "draft"], False, "in_progress"),  # two devices started it: still one visit
    ],
)
def test_status_follows_the_linked_inspections(
    visits: int, statuses: list[str], cancelled: bool, expected: str
) -> None:
    assert rules.derive_status(visits, statuses, cancelled) == expected


def test_overdue_is_open_work_past_its_due_day() -> None:
    due = "2021-06-30"
    assert rules.effective_status("planned", due, dt.date(2021, 6, 30)) == "planned"
    assert rules.effective_status("planned", due, dt.date(2021, 7, 1)) == "overdue"
    assert rules.effective_status("in_progress", due, dt.date(2021, 7, 1)) == "overdue"
    assert rules.effective_status("done", due, dt.date(2022, 1, 1)) == "done"
    assert rules.effective_status("cancelled", due, dt.date(2022, 1, 1)) == "cancelled"


def test_todo_order_puts_overdue_first_then_by_due_day() -> None:
    today = dt.date(2021, 6, 15)
    items = [
        ("planned", "2021-06-20", "B"),
        ("done", "2021-06-01", "C"),
        ("planned", "2021-06-10", "A"),
        ("in_progress", "2021-06-16", "D"),
    ]
    ordered = sorted(items, key=lambda i: rules.todo_order_key(*i, today))
    assert [i[2] for i in ordered] == ["A", "D", "B", "C"]


@given(st.integers(0, 10_000), st.integers(1, 50))
def test_even_split_shares_everything_and_differs_by_at_most_one(count: int, teams: int) -> None:
    shares = rules.even_split(count, teams)
    assert sum(shares) == count and len(shares) == teams
    assert max(shares) - min(shares) <= 1


class AssignmentMachine(RuleBasedStateMachine):
    """Inspections linked to one assignment move through their own workflow in any order;
    the assignment's derived status only ever moves along an allowed transition."""

    def __init__(self) -> None:
        super().__init__()
        self.visits = 1
        self.inspections: list[str] = []
        self.cancelled = False
        self.status = rules.derive_status(self.visits, [], False)

    def _move(self) -> None:
        new = rules.derive_status(self.visits, self.inspections, self.cancelled)
        assert rules.transition_allowed(self.status, new), (self.status, new)
        self.status = new

    @rule(visits=st.integers(1, 3))
    def set_visits(self, visits: int) -> None:
        if not self.inspections:
            self.visits = visits

    @rule()
    def start(self) -> None:
        self.inspections.append("draft")
        self._move()

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        if not self.inspections:
            return
        i = data.draw(st.integers(0, len(self.inspections) - 1))
        moves = [to for (frm, to) in INSPECTION_TRANSITIONS if frm == self.inspections[i]]
        if moves:
            self.inspections[i] = data.draw(st.sampled_from(sorted(moves)))
            self._move()

    @rule()
    def cancel(self) -> None:
        self.cancelled = True
        self._move()

    @invariant()
    def cancelled_is_final(self) -> None:
        assert (self.status == "cancelled") == self.cancelled

    @invariant()
    def finished_means_enough_visits(self) -> None:
        handed_in = sum(s in rules.VISITED_INSPECTION_STATUSES for s in self.inspections)
        if self.status in ("done", "verified"):
            assert handed_in >= self.visits


TestAssignmentMachine = AssignmentMachine.TestCase


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_assignment_document_round_trips_through_json(data: st.DataObject) -> None:
    doc = data.draw(for_type(rules.AssignmentDocument))
    assert codec.decode(codec.encode(doc), rules.AssignmentDocument) == doc


def test_an_assignment_document_with_a_field_added_later_still_decodes() -> None:
    doc = rules.AssignmentDocument(
        id="a1",
        site_id="s1",
        site_code="DN-1",
        site_name="Nhà máy",
        district="Phổ Yên",
        template_id="t",
        team_id="team1",
        team_name="Đoàn 1",
        due_date="2021-06-30",
        status="planned",
    )
    newer = {**msgspec.to_builtins(doc), "priority": "high"}
    assert codec.decode(msgspec.json.encode(newer), rules.AssignmentDocument) == doc
