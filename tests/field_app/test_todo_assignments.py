"""The to-do list on the phone against a real server: a supervisor's plan reaches each team's
devices, the inspector works through it offline (starting from an assignment links the
inspection), syncs, and the plan's coverage counts the visit; work outside the plan stays
possible; a wrong link is refused and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from field_app.core.models import AppError
from tests.field_app.e2e import DISTRICT, assert_converged, site_id, sync_ok
from tests.field_app.helpers import complete_answers
from tests.support.sample_checklist import sample_template

pytestmark = pytest.mark.slow


def make_plan(world, window_to: str = "2999-12-31") -> dict:
    body = {
        "name": "Kiểm tra nhà máy Phổ Yên",
        "template_id": "sample-factory",
        "window_from": "2021-06-01",
        "window_to": window_to,
        "teams": [{"name": "Đoàn An", "lead": "an"}, {"name": "Đoàn Bình", "lead": "binh"}],
        "sites": {"district": DISTRICT, "kind": "DN_SX"},
    }
    with world.api("chi") as http:
        r = http.post("/api/v1/plans", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def coverage(world, plan_id: str) -> dict:
    with world.api("chi") as http:
        return http.get(f"/api/v1/plans/{plan_id}/coverage").json()


def test_the_plan_reaches_each_team_and_an_offline_visit_counts_after_sync(world) -> None:
    plan = make_plan(world)
    a = world.device("todo-a", "an")
    b = world.device("todo-b", "binh")
    mine, theirs = a.todo(), b.todo()
    assert len(mine) + len(theirs) == 3 and {len(mine), len(theirs)} == {1, 2}
    assert {i.team_name for i in mine} == {"Đoàn An"} and {i.team_name for i in theirs} == {"Đoàn Bình"}
    item = mine[0]
    assert item.district == DISTRICT and item.site_name and item.template_title is not None
    assert item.status == "planned" and item.plan_name == "Kiểm tra nhà máy Phổ Yên"

    # offline from here: start from the assignment, complete, submit
    before = len(mine)
    x = a.start_assignment(item.id)
    assert a.get_inspection(x).header.site_id == item.site_id
    assert [i.status for i in a.todo() if i.id == item.id] == ["in_progress"]
    complete_answers(a, x)
    assert a.submit(x).ok
    assert item.id not in {i.id for i in a.todo()}  # done: off the to-do list
    assert len(a.todo()) == before - 1
    # outside the plan ("ngoài kế hoạch") stays possible
    outside = a.start_inspection(site_id(a, "DN-001"), "sample-factory")
    sync_ok(a)
    sync_ok(b)

    server = world.inspection("chi", x)
    assert server["summary"]["status"] == "submitted"
    cov = coverage(world, plan["plan"]["id"])
    assert cov["plan"]["progress"]["visited"] == 1 and cov["plan"]["progress"]["pending"] == 2
    done = [a_ for a_ in a.todo(open_only=False) if a_.id == item.id]
    assert [d.status for d in done] == ["done"]  # the server's status arrived by pull
    assert outside not in {i for v in cov["pending"] for i in v["inspection_ids"]}
    assert_converged(world, (a, "an"), (b, "binh"))


def test_a_wrong_assignment_is_refused_and_nothing_is_written(world) -> None:
    make_plan(world)
    a = world.device("todo-wrong", "an")
    item = a.todo()[0]
    other_site = next(s.id for s in a.list_sites("") if s.id != item.site_id and s.kind == "DN_SX")
    queued = a.sync_status().pending
    with pytest.raises(AppError) as err:
        a.start_inspection(other_site, "sample-factory", assignment_id=item.id)
    assert err.value.code == "invalid_value"
    with pytest.raises(AppError):
        a.start_assignment("no-such-assignment")
    assert a.sync_status().pending == queued


def test_overdue_work_comes_first_by_the_viet_nam_day(world) -> None:
    make_plan(world, window_to="2021-06-30")
    a = world.device("todo-late", "an")
    late = [i for i in a.todo(today=dt.date(2021, 7, 1)) if i.due_date == "2021-06-30"]
    assert late and {i.status for i in late} == {"overdue"}
    first = a.todo(today=dt.date(2021, 7, 1))[0]
    assert first.status == "overdue"
    assert {i.status for i in a.todo(today=dt.date(2021, 6, 30)) if i.due_date == "2021-06-30"} == {"planned"}


def test_a_visit_from_an_assignment_uses_the_latest_published_version_of_its_checklist(world) -> None:
    world.publish(sample_template(1, template_id="plan-latest"))
    body = {
        "name": "Kiểm tra theo bảng kiểm mới",
        "template_id": "plan-latest",
        "window_from": "2021-06-01",
        "window_to": "2999-12-31",
        "teams": [{"name": "Đoàn An", "lead": "an"}],
        "sites": {"codes": ["DN-003"]},
    }
    with world.api("chi") as http:
        assert http.post("/api/v1/plans", json=body).status_code == 201
    a = world.device("todo-latest", "an")
    # a newer version is published after the plan was made and before the visit starts
    world.publish(sample_template(2, template_id="plan-latest"))
    sync_ok(a)
    item = next(i for i in a.todo() if i.template_id == "plan-latest")
    x = a.start_assignment(item.id)
    header = a.get_inspection(x).header
    assert (header.template_id, header.template_version) == ("plan-latest", 2)


def test_the_phones_day_is_the_viet_nam_day_whatever_the_utc_day() -> None:
    from field_app.core.todo import today_in_viet_nam

    assert today_in_viet_nam(dt.datetime(2021, 6, 30, 16, 59, tzinfo=dt.UTC)) == dt.date(2021, 6, 30)
    assert today_in_viet_nam(dt.datetime(2021, 6, 30, 17, 0, tzinfo=dt.UTC)) == dt.date(2021, 7, 1)
