"""Corrective actions: the state machine, overdue in Viet Nam days, deadlines, and what a
submission needs of them."""

from __future__ import annotations

import datetime as dt

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from shared_schema import actions
from shared_schema.actions import Action
from shared_schema.records import Answer
from shared_schema.validation import parse_date, validate_action_field
from shared_schema.workflow import submission_problems
from tests.support.sample_checklist import sample_template

T = sample_template()
SHA = "b" * 64
STATUSES = st.sampled_from([None, *actions.ACTION_STATUSES])
ROLES = st.sampled_from(["inspector", "supervisor", "admin"])


@given(current=STATUSES, new=st.sampled_from(actions.ACTION_STATUSES), role=ROLES)
def test_the_state_machine_allows_exactly_the_designed_moves(current, new, role) -> None:
    designed = {
        (None, "open"): {"inspector", "supervisor", "admin"},
        ("open", "reported_fixed"): {"inspector", "supervisor", "admin"},
        ("reopened", "reported_fixed"): {"inspector", "supervisor", "admin"},
        ("reported_fixed", "verified"): {"supervisor", "admin"},
        ("reported_fixed", "reopened"): {"supervisor", "admin"},
    }
    allowed = current == new or role in designed.get((current, new), set())
    assert (actions.transition_problem(current, new, role) is None) is allowed


@given(moves=st.lists(st.tuples(st.sampled_from(actions.ACTION_STATUSES), ROLES), max_size=30))
def test_any_sequence_of_moves_closes_only_through_a_supervisors_verification(moves) -> None:
    status: str | None = None
    status = actions.next_status(status, "open", "inspector")
    for new, role in moves:
        try:
            after = actions.next_status(status, new, role)
        except ValueError:
            continue
        if after == "verified" and status != "verified":
            assert role in {"supervisor", "admin"} and status == "reported_fixed"
        if status == "verified":  # closed is final
            assert after == "verified"
        status = after
    assert status in actions.ACTION_STATUSES


def test_an_inspector_cannot_verify_or_reopen_and_the_reason_is_in_both_languages() -> None:
    for new in ("verified", "reopened"):
        problem = actions.transition_problem("reported_fixed", new, "inspector")
        assert problem is not None and "giám sát" in problem.vi and "supervisor" in problem.en
    assert actions.transition_problem("open", "verified", "supervisor") is not None  # must be reported first


@given(
    deadline=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)),
    today=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)),
    status=st.sampled_from(actions.ACTION_STATUSES),
)
def test_overdue_means_not_verified_and_the_deadline_day_is_past(deadline, today, status) -> None:
    overdue = actions.is_overdue(status, deadline.isoformat(), today)
    assert overdue == (status != "verified" and deadline < today)


def test_the_day_is_the_viet_nam_day_not_the_utc_day() -> None:
    # 18:00 UTC on 1 March is 01:00 on 2 March in Viet Nam: a 1 March deadline is past there.
    now = dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.UTC)
    today = actions.viet_nam_today(now)
    assert today == dt.date(2026, 3, 2)
    assert actions.is_overdue("open", "2026-03-01", today)
    assert not actions.is_overdue("open", "2026-03-01", actions.viet_nam_today(now.replace(hour=16)))


@given(offset=st.integers(min_value=-400, max_value=400))
def test_a_deadline_before_today_is_refused_and_today_or_later_accepted(offset) -> None:
    today = dt.date(2026, 6, 15)
    day = today + dt.timedelta(days=offset)
    bad = validate_action_field("deadline", day.isoformat(), today)
    assert (bad is None) == (offset >= 0)
    if bad is not None:
        assert bad.code == "invalid_value" and "đã qua" in bad.message.vi and "past" in bad.message.en


def test_a_device_cannot_write_a_malformed_action_field() -> None:
    today = dt.date(2026, 6, 15)
    assert validate_action_field("deadline", "15/06/2026", today) is not None
    assert validate_action_field("status", "closed", today) is not None
    assert validate_action_field("fix_photos", ["not-a-hash"], today) is not None
    assert validate_action_field("fix_photos", [SHA], today) is None
    assert validate_action_field("description", "x" * 5000, today) is not None
    assert validate_action_field("inspection_id", "", today) is not None


@given(
    deadlines=st.lists(
        st.tuples(st.dates(dt.date(2025, 1, 1), dt.date(2030, 1, 1)), st.sampled_from(actions.ACTION_STATUSES)),
        max_size=8,
    )
)
def test_latest_deadline_is_the_last_day_of_the_actions_still_to_check(deadlines) -> None:
    items = [
        Action(id=str(i), inspection_id="i", deadline=d.isoformat(), status=s) for i, (d, s) in enumerate(deadlines)
    ]
    open_days = [d for d, s in deadlines if s != "verified"]
    expected = max(open_days).isoformat() if open_days else None
    assert actions.latest_deadline(items, "i") == expected
    assert actions.latest_deadline(items, "other") is None


def test_fields_round_trip_through_json_into_an_action() -> None:
    fields = {
        "inspection_id": "i1",
        "question_id": "team",
        "description": "Lắp thêm bồn rửa tay",
        "deadline": "2026-07-01",
        "fix_photos": [SHA],
        "status": "reported_fixed",
        "history": [{"event": "created", "at": "2026-06-01T00:00:00Z", "by": "an"}, {"bad": 1}],
    }
    a = actions.action_from_fields("a1", msgspec.json.decode(msgspec.json.encode(fields)))
    assert a.status == "reported_fixed" and a.fix_photos == [SHA]
    assert [e.event for e in a.history] == ["created"]  # a malformed history item is left out


def _answers(**values) -> dict[str, Answer]:
    return {k: Answer(inspection_id="i", question_id=k, value=v) for k, v in values.items()}


def test_an_action_on_a_failed_critical_item_stands_for_the_answers_text_and_deadline() -> None:
    answers = _answers(workers=10, team="no", temp_check="yes", masks="all", sig_rep={"sha256": SHA})
    answers["team"] = Answer(inspection_id="i", question_id="team", value="no", photos=[SHA])
    codes = {p.code for p in submission_problems(T, answers) if p.question_id == "team"}
    assert codes == {"corrective_action", "due_date"}
    incomplete = Action(id="a", inspection_id="i", question_id="team", description="Thành lập tổ")
    assert {p.code for p in submission_problems(T, answers, [incomplete]) if p.question_id == "team"} == codes
    action = Action(id="a", inspection_id="i", question_id="team", description="Thành lập tổ", deadline="2026-07-01")
    assert submission_problems(T, answers, [action]) == []


def test_a_checklist_or_question_asking_for_actions_needs_one_on_every_failed_item() -> None:
    answers = _answers(workers=10, team="yes", temp_check="no", masks="all", sig_rep={"sha256": SHA})
    assert submission_problems(T, answers) == []  # temp_check is not critical
    strict = msgspec.structs.replace(T, action_on_fail=True)
    problems = submission_problems(strict, answers)
    assert [(p.question_id, p.code) for p in problems] == [("temp_check", "action")]
    assert "biện pháp khắc phục" in problems[0].message.vi
    action = Action(
        id="a", inspection_id="i", question_id="temp_check", description="Đo nhiệt độ", deadline="2026-07-01"
    )
    assert submission_problems(strict, answers, [action]) == []
    # per question
    sections = [
        msgspec.structs.replace(
            s,
            questions=[
                msgspec.structs.replace(q, action_on_fail=True) if q.id == "temp_check" else q for q in s.questions
            ],
        )
        for s in T.sections
    ]
    per_question = msgspec.structs.replace(T, sections=sections)
    assert [(p.question_id, p.code) for p in submission_problems(per_question, answers)] == [("temp_check", "action")]


def test_migrated_action_ids_are_the_same_on_every_side() -> None:
    assert actions.migrated_action_id("i1", "team") == "i1:team"


@given(day=st.dates(), note=st.text(max_size=200), junk=st.text(max_size=20))
def test_a_not_yet_fixed_check_takes_any_day_and_a_note_and_leaves_the_status_alone(day, note, junk) -> None:
    today = actions.viet_nam_today()
    assert validate_action_field("checked_on", day.isoformat(), today) is None  # a past day is fine
    assert validate_action_field("check_note", note, today) is None
    if parse_date(junk) is None:
        assert validate_action_field("checked_on", junk, today) is not None
    fields = {"status": "open", "checked_on": day.isoformat(), "check_note": note}
    action = actions.action_from_fields("a1", fields)
    assert (action.status, action.checked_on, action.check_note) == ("open", day.isoformat(), note)
