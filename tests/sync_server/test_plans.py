"""Inspection plans at the service level (no HTTP): creating, scope, bad input that changes
nothing, assignments reaching only their team's devices, statuses following linked
inspections (also from two devices at once), overdue by Viet Nam days, coverage, follow-ups."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import msgspec
import pytest

from sync_server.core import auth, blobs, inspections, local_time, plans, registry, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.support.sample_checklist import sample_template
from tests.support.threads import run_in_threads
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World
from tests.sync_server.helpers import Device, complete_answers, png_bytes, sha, unchanged


def add_sites(world: World, n: int, district: str = DISTRICT_A, kind: str = "DN_SX", prefix: str = "P") -> list[str]:
    codes = []
    for i in range(n):
        code = f"{prefix}-{district[:2]}-{i:02d}"
        registry.create_site(
            world.server.db,
            SYSTEM,
            registry.SiteInput(code=code, name=f"Cơ sở {code}", kind=kind, district=district),
        )
        codes.append(code)
    return codes


def plan_input(**overrides: Any) -> plans.PlanInput:
    values: dict[str, Any] = {
        "name": "Đợt kiểm tra Covid-19 tháng 6",
        "purpose": "Kiểm tra 5K tại nhà máy",
        "template_id": "sample-factory",
        "window_from": "2021-06-01",
        "window_to": "2999-06-30",
        "teams": [
            plans.TeamInput(name="Đoàn 1", lead="insp_a"),
            plans.TeamInput(name="Đoàn 2", lead="insp_a2"),
        ],
        "sites": plans.SiteSelection(district=DISTRICT_A, kind="DN_SX"),
    }
    values.update(overrides)
    return plans.PlanInput(**values)


def pull_state(world: World, user: str) -> dict[tuple[str, str, str], Any]:
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), 0, 5000, 1))
    return {(c["entity"], c["entity_id"], c["field"]): c["value"] for c in page["changes"]}


def pulled_assignments(world: World, user: str) -> dict[str, dict[str, Any]]:
    return {k[1]: v for k, v in pull_state(world, user).items() if k[0] == "assignment"}


def test_supervisor_plans_a_district_split_evenly_between_two_teams(world: World) -> None:
    add_sites(world, 4)
    detail = plans.create_plan(world.server.db, world.actor("sup"), plan_input())
    assert detail.plan.status == "open"
    assert detail.plan.districts == [DISTRICT_A]
    assert detail.plan.progress.planned == 5  # the seed's DN-A and four more
    per_team: dict[str, int] = {}
    for a in detail.assignments:
        per_team[a.document.team_name] = per_team.get(a.document.team_name, 0) + 1
        assert a.document.status == "planned" and a.document.due_date == "2999-06-30"
    assert per_team == {"Đoàn 1": 3, "Đoàn 2": 2}
    assert [p.name for p in plans.list_plans(world.server.db, world.actor("sup"))] == [detail.plan.name]


def test_a_team_names_its_lead_by_full_name(world: World) -> None:
    admin = world.actor("admin")
    auth.update_user(world.server.db, admin, world.actor("insp_a").user_id, full_name="Nguyễn Thị Lan")
    detail = plans.create_plan(world.server.db, world.actor("sup"), plan_input())
    teams = {t.name: t for t in plans.get_plan(world.server.db, world.actor("sup"), detail.plan.id).plan.teams}
    assert (teams["Đoàn 1"].lead, teams["Đoàn 1"].lead_name) == ("insp_a", "Nguyễn Thị Lan")
    assert teams["Đoàn 2"].lead_name == "insp_a2"  # no full name: the user name


def test_sites_named_for_a_team_go_to_it_and_the_rest_are_split_evenly(world: World) -> None:
    codes = add_sites(world, 3)
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        plans.create_plan(
            world.server.db,
            world.actor("sup"),
            plan_input(site_teams={codes[0]: "Đoàn 9", "DN-B": "Đoàn 1"}),
        )
    assert sorted((p.field, p.code) for p in err.value.errors) == [
        ("site_teams.DN-B", "unknown_site"),  # not among the chosen sites
        (f"site_teams.{codes[0]}", "unknown_team"),
    ]
    detail = plans.create_plan(
        world.server.db, world.actor("sup"), plan_input(site_teams={"DN-A": "Đoàn 2", codes[0]: "Đoàn 2"})
    )
    teams = {a.document.site_code: a.document.team_name for a in detail.assignments}
    assert teams["DN-A"] == teams[codes[0]] == "Đoàn 2"
    assert sorted(teams[c] for c in codes[1:]) == ["Đoàn 1", "Đoàn 2"]  # the two left, one each


def test_a_site_needing_two_visits_is_visited_only_when_both_are_handed_in(world: World) -> None:
    detail = plans.create_plan(
        world.server.db,
        world.actor("sup"),
        plan_input(visits=2, teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a", members=["insp_a2"])]),
    )
    aid = detail.assignments[0].document.id
    assert detail.assignments[0].document.visits == 2
    for user in ("insp_a", "insp_a2"):
        dev = Device()
        iid = start_linked(world, user, dev, aid)
        submit_complete(world, user, dev, iid)
        progress = plans.coverage(world.server.db, world.actor("sup"), detail.plan.id).plan.progress
        if user == "insp_a":
            assert status_of(world, detail.plan.id) == "in_progress" and progress.visited == 0
    assert status_of(world, detail.plan.id) == "done" and (progress.visited, progress.pending) == (1, 0)


def test_preview_counts_the_sites_a_selection_picks(world: World) -> None:
    add_sites(world, 3)
    add_sites(world, 2, kind="CHO", prefix="C")
    preview = plans.preview_sites(world.server.db, world.actor("sup"), plans.SiteSelection(kind="CHO"))
    assert preview.count == 2 and preview.districts == {DISTRICT_A: 2}
    # a supervisor's filters never reach another district's sites
    everything = plans.preview_sites(world.server.db, world.actor("sup"), plans.SiteSelection())
    assert everything.count == 6
    assert plans.preview_sites(world.server.db, SYSTEM, plans.SiteSelection()).count == 7


def test_the_search_filter_finds_vietnamese_names_whatever_the_case_on_both_engines(world: World) -> None:
    for code, name in [
        ("DT-1", "Công ty Điện tử Đông Anh"),
        ("DT-2", "Xưởng ĐIỆN TỬ Ưu Việt"),
        ("MAY-1", "Công ty May"),
    ]:
        registry.create_site(
            world.server.db, SYSTEM, registry.SiteInput(code=code, name=name, kind="DN_SX", district=DISTRICT_A)
        )
    for search in ("điện tử", "Điện Tử", "ĐIỆN TỬ"):
        preview = plans.preview_sites(world.server.db, world.actor("sup"), plans.SiteSelection(search=search))
        assert sorted(s.split(" — ")[0] for s in preview.sample) == ["DT-1", "DT-2"], search
    only = plans.preview_sites(world.server.db, world.actor("sup"), plans.SiteSelection(search="ưu việt"))
    assert only.count == 1


def test_unknown_site_codes_are_named_row_by_row_and_nothing_is_saved(world: World) -> None:
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        plans.create_plan(
            world.server.db,
            world.actor("sup"),
            plan_input(sites=plans.SiteSelection(codes=["DN-A", "KHONG-CO", "DN-B", "CUNG-KHONG"])),
        )
    rows = [(p.row, p.code) for p in err.value.errors]
    assert rows == [(2, "unknown_site"), (3, "unknown_site"), (4, "unknown_site")]  # DN-B is another district
    assert "KHONG-CO" in err.value.errors[0].message


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"window_from": "2021-06-30", "window_to": "2021-06-01"}, "window_to", "window_reversed"),
        ({"window_from": "30/06/2021"}, "window_from", "invalid_date"),
        (
            {"teams": [plans.TeamInput(name="Đoàn 1", lead="insp_a", members=["sup"])]},
            "teams[0].members[0]",
            "not_inspector",
        ),
        ({"teams": [plans.TeamInput(name="Đoàn 1", lead="nobody")]}, "teams[0].lead", "unknown_user"),
        ({"teams": []}, "teams", "required"),
        ({"name": "  "}, "name", "required"),
        ({"template_id": "no-such"}, "template_id", "unknown_template"),
        ({"visits": 0}, "visits", "invalid_visits"),
    ],
)
def test_bad_plan_input_is_refused_with_the_field_and_changes_nothing(
    world: World, overrides: dict[str, Any], field: str, code: str
) -> None:
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        plans.create_plan(world.server.db, world.actor("sup"), plan_input(**overrides))
    assert (field, code) in [(p.field, p.code) for p in err.value.errors]


def test_inspectors_cannot_plan_and_supervisors_only_see_their_districts(world: World) -> None:
    with pytest.raises(Forbidden):
        plans.create_plan(world.server.db, world.actor("insp_a"), plan_input())
    other = plans.create_plan(
        world.server.db,
        SYSTEM,
        plan_input(
            teams=[plans.TeamInput(name="Đoàn B", lead="insp_b")], sites=plans.SiteSelection(district=DISTRICT_B)
        ),
    )
    assert plans.list_plans(world.server.db, world.actor("sup")) == []
    with pytest.raises(NotFound):
        plans.get_plan(world.server.db, world.actor("sup"), other.plan.id)
    with pytest.raises(NotFound):
        plans.close_plan(world.server.db, world.actor("sup"), other.plan.id)


def test_assignments_reach_only_their_team_members_by_pull(world: World) -> None:
    detail = plans.create_plan(
        world.server.db,
        world.actor("sup"),
        plan_input(teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a")]),
    )
    mine = pulled_assignments(world, "insp_a")
    assert set(mine) == {a.document.id for a in detail.assignments}
    doc = next(iter(mine.values()))
    assert doc["site_code"] == "DN-A" and doc["team_name"] == "Đoàn 1" and doc["template_id"] == "sample-factory"
    assert doc["plan_name"] == "Đợt kiểm tra Covid-19 tháng 6" and doc["district"] == DISTRICT_A
    assert pulled_assignments(world, "insp_a2") == {}  # same district, not in the team
    assert pulled_assignments(world, "insp_b") == {}
    assert set(pulled_assignments(world, "admin")) == set(mine)


def start_linked(world: World, user: str, dev: Device, assignment_id: str, site_id: str = "site-a") -> str:
    iid, create = dev.start_inspection(site_id)
    reply = sync_service.push(
        world.server.db,
        world.actor(user),
        dev.request([*create, dev.change("inspection", iid, "assignment_id", assignment_id)]),
    )
    assert [r.status for r in reply.results] == ["applied"] * 5, reply.results
    return iid


def submit_complete(world: World, user: str, dev: Device, iid: str) -> None:
    """Answer every question of ``iid`` and submit it, as ``user`` on ``dev``."""
    sync_service.push(
        world.server.db,
        world.actor(user),
        dev.request([*complete_answers(dev, iid, sha(b"s")), dev.change("inspection", iid, "status", "submitted")]),
    )


def only_assignment(world: World, user: str = "sup") -> tuple[str, str]:
    detail = plans.create_plan(
        world.server.db,
        world.actor(user),
        plan_input(teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a", members=["insp_a2"])]),
    )
    return detail.plan.id, detail.assignments[0].document.id


def status_of(world: World, plan_id: str) -> str:
    return plans.get_plan(world.server.db, world.actor("sup"), plan_id).assignments[0].document.status


def test_assignment_status_follows_its_inspection_from_start_to_approval(world: World) -> None:
    plan_id, aid = only_assignment(world)
    dev = Device()
    iid = start_linked(world, "insp_a", dev, aid)
    assert status_of(world, plan_id) == "in_progress"
    assert pulled_assignments(world, "insp_a")[aid]["status"] == "in_progress"
    signature = png_bytes(seed=3)
    sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        dev.request(
            [*complete_answers(dev, iid, sha(signature)), dev.change("inspection", iid, "status", "submitted")]
        ),
    )
    assert status_of(world, plan_id) == "done"
    blobs.append(
        world.server.db, world.server.blobs, world.actor("insp_a"), sha(signature), 0, len(signature), signature, 10**6
    )
    inspections.review(world.server.db, world.actor("sup"), iid, "approve")
    assert status_of(world, plan_id) == "verified"
    assert pulled_assignments(world, "insp_a2")[aid]["status"] == "verified"
    cov = plans.coverage(world.server.db, world.actor("sup"), plan_id)
    assert (cov.plan.progress.planned, cov.plan.progress.visited, cov.plan.progress.pending) == (1, 1, 0)


def test_assignment_id_is_first_write_wins_and_must_match_the_site(world: World) -> None:
    _plan_id, aid = only_assignment(world)
    dev = Device()
    iid = start_linked(world, "insp_a", dev, aid)
    again = sync_service.push(
        world.server.db, world.actor("insp_a"), dev.request([dev.change("inspection", iid, "assignment_id", "other")])
    )
    assert again.results[0].code == "identity_fixed"
    elsewhere = Device()
    other_iid, create = elsewhere.start_inspection("site-b")
    reply = sync_service.push(
        world.server.db,
        world.actor("admin"),
        elsewhere.request([*create, elsewhere.change("inspection", other_iid, "assignment_id", aid)]),
    )
    assert reply.results[-1].code == "invalid_value"
    unknown = Device()
    u_iid, create = unknown.start_inspection("site-a")
    reply = sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        unknown.request([*create, unknown.change("inspection", u_iid, "assignment_id", "no-such-assignment")]),
    )
    assert reply.results[-1].code == "invalid_value"


def test_a_link_to_an_assignment_of_another_checklist_is_refused_and_links_nothing(world: World) -> None:
    _plan_id, aid = only_assignment(world)
    registry.save_template(world.server.db, SYSTEM, sample_template(1, template_id="other-checklist"))
    registry.publish_template(world.server.db, SYSTEM, "other-checklist", 1)
    other_checklist = Device()
    iid, create = other_checklist.start_inspection("site-a", template_id="other-checklist")
    reply = sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        other_checklist.request([*create, other_checklist.change("inspection", iid, "assignment_id", aid)]),
    )
    assert [r.status for r in reply.results[:-1]] == ["applied"] * 4
    assert reply.results[-1].code == "invalid_value"
    view = plans.get_plan(world.server.db, world.actor("sup"), _plan_id).assignments[0]
    assert view.inspection_ids == [] and view.document.status == "planned"
    state = pull_state(world, "admin")
    # the pulled inspection carries no link (a refused field reads as null)
    assert state.get(("inspection", iid, "assignment_id")) is None


def test_two_devices_starting_the_same_assignment_make_two_linked_inspections(world: World) -> None:
    plan_id, aid = only_assignment(world)
    devices = {"insp_a": Device(), "insp_a2": Device()}
    made: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def run(user: str) -> None:
        barrier.wait()
        made[user] = start_linked(world, user, devices[user], aid)

    run_in_threads(run, [(u,) for u in devices])
    view = plans.get_plan(world.server.db, world.actor("sup"), plan_id).assignments[0]
    assert sorted(view.inspection_ids) == sorted(made.values())
    assert view.document.status == "in_progress"
    state = pull_state(world, "insp_a")
    for iid in made.values():
        assert state[("inspection", iid, "assignment_id")] == aid
        assert state[("inspection", iid, "site_id")] == "site-a"


def test_overdue_is_counted_by_the_vietnamese_day(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    detail = plans.create_plan(
        world.server.db, world.actor("sup"), plan_input(window_from="2021-06-01", window_to="2021-06-30")
    )
    clock_day = local_time.today

    def at(moment: str) -> None:
        monkeypatch.setattr(local_time, "today", lambda: clock_day(dt.datetime.fromisoformat(moment)))

    # 2021-06-30T17:30Z is already 1 July in Viet Nam (UTC+7): the due day has passed.
    at("2021-06-30T17:30:00+00:00")
    cov = plans.coverage(world.server.db, world.actor("sup"), detail.plan.id)
    assert cov.plan.progress.overdue == 1 and cov.plan.progress.pending == 1
    assert cov.pending[0].shown_status == "overdue"
    assert [v.shown_status for v in plans.my_assignments(world.server.db, world.actor("insp_a"))] == ["overdue"]
    # 16:59Z is still 30 June there (the UTC day is the same): not overdue yet
    at("2021-06-30T16:59:00+00:00")
    cov = plans.coverage(world.server.db, world.actor("sup"), detail.plan.id)
    assert cov.plan.progress.overdue == 0 and cov.pending[0].shown_status == "planned"


def test_the_servers_day_is_the_vietnamese_calendar_day() -> None:
    assert local_time.today(dt.datetime(2021, 6, 30, 16, 59, tzinfo=dt.UTC)) == dt.date(2021, 6, 30)
    assert local_time.today(dt.datetime(2021, 6, 30, 17, 0, tzinfo=dt.UTC)) == dt.date(2021, 7, 1)


def test_coverage_by_district_and_team_after_one_visit(world: World) -> None:
    add_sites(world, 3)
    detail = plans.create_plan(world.server.db, world.actor("sup"), plan_input())
    first = next(a for a in detail.assignments if a.document.team_name == "Đoàn 1")
    dev = Device()
    iid = start_linked(world, "insp_a", dev, first.document.id, first.document.site_id)
    submit_complete(world, "insp_a", dev, iid)
    cov = plans.coverage(world.server.db, world.actor("sup"), detail.plan.id)
    p = cov.plan.progress
    assert (p.planned, p.visited, p.pending, p.overdue) == (4, 1, 3, 0)
    assert [(r.label, r.progress.visited, r.progress.pending) for r in cov.by_team] == [
        ("Đoàn 1", 1, 1),
        ("Đoàn 2", 0, 2),
    ]
    assert [(r.key, r.progress.planned) for r in cov.by_district] == [(DISTRICT_A, 4)]
    assert first.document.site_id not in {v.document.site_id for v in cov.pending}


def test_edit_adds_and_cancels_sites_and_close_cancels_open_work(world: World) -> None:
    plan_id, _aid = only_assignment(world)
    codes = add_sites(world, 2)
    detail = plans.update_plan(
        world.server.db,
        world.actor("sup"),
        plan_id,
        plans.PlanPatch(name="Đợt 2", add_sites=plans.SiteSelection(codes=codes), cancel_site_codes=["DN-A"]),
    )
    shown = {a.document.site_code: a.document.status for a in detail.assignments}
    assert shown == {"DN-A": "cancelled", codes[0]: "planned", codes[1]: "planned"}
    assert all(a["plan_name"] == "Đợt 2" for a in pulled_assignments(world, "insp_a").values())
    with unchanged(world.db_path), pytest.raises(Invalid):
        plans.update_plan(world.server.db, world.actor("sup"), plan_id, plans.PlanPatch(window_to="2000-01-01"))
    closed = plans.close_plan(world.server.db, world.actor("sup"), plan_id)
    assert closed.plan.status == "closed"
    assert {a.document.status for a in closed.assignments} == {"cancelled"}
    with pytest.raises(Conflict):
        plans.update_plan(world.server.db, world.actor("sup"), plan_id, plans.PlanPatch(name="x"))


def test_follow_up_is_due_at_the_latest_corrective_action_deadline(world: World) -> None:
    plan_id, aid = only_assignment(world)
    dev = Device()
    iid = start_linked(world, "insp_a", dev, aid)
    reply = sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        dev.request(
            [
                *complete_answers(dev, iid, sha(b"s")),
                dev.answer(iid, "masks", "few"),
                dev.answer(iid, "masks", "Phát khẩu trang", field="corrective_action"),
                dev.answer(iid, "masks", "2031-06-10", field="due_date"),
                dev.answer(iid, "masks", [sha(b"p")], field="photos"),
                dev.answer(iid, "team", "no"),
                dev.answer(iid, "team", "Lập tổ an toàn", field="corrective_action"),
                dev.answer(iid, "team", "2031-06-20", field="due_date"),
                dev.answer(iid, "team", [sha(b"q")], field="photos"),
                dev.change("inspection", iid, "status", "submitted"),
            ]
        ),
    )
    assert reply.results[-1].status == "applied", reply.results[-1]
    follow = plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    assert follow.document.due_date == "2031-06-20"
    assert follow.document.follow_up_of == iid and follow.document.team_name == "Đoàn 1"
    assert pulled_assignments(world, "insp_a")[follow.document.id]["status"] == "planned"
    assert plans.get_plan(world.server.db, world.actor("sup"), plan_id).plan.progress.planned == 2


def test_a_follow_up_after_the_plan_closed_goes_to_the_same_team_outside_the_closed_plan(world: World) -> None:
    plan_id, aid = only_assignment(world)
    dev = Device()
    iid = start_linked(world, "insp_a", dev, aid)
    submit_complete(world, "insp_a", dev, iid)
    closed = plans.close_plan(world.server.db, world.actor("sup"), plan_id).plan.progress
    follow = plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    assert follow.document.plan_id is None and follow.document.team_name == "Đoàn 1"
    assert follow.document.status == "planned"
    after = plans.coverage(world.server.db, world.actor("sup"), plan_id)
    assert after.plan.progress == closed  # a closed plan's coverage stays as it was closed
    assert pulled_assignments(world, "insp_a2")[follow.document.id]["follow_up_of"] == iid
    assert follow.document.id in {v.document.id for v in plans.my_assignments(world.server.db, world.actor("insp_a"))}


def test_a_second_follow_up_is_refused_while_the_first_is_still_to_do(world: World) -> None:
    plan_id, aid = only_assignment(world)
    dev = Device()
    iid = start_linked(world, "insp_a", dev, aid)
    submit_complete(world, "insp_a", dev, iid)
    first = plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    with unchanged(world.db_path), pytest.raises(Conflict) as err:
        plans.create_follow_up(world.server.db, world.actor("sup"), iid)  # a double click
    assert err.value.code == "duplicate"
    # once the follow-up visit was made, another one may be given
    again = Device()
    visit = start_linked(world, "insp_a", again, first.document.id)
    sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        again.request(
            [*complete_answers(again, visit, sha(b"t")), again.change("inspection", visit, "status", "submitted")]
        ),
    )
    second = plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    assert second.document.id != first.document.id
    assert plans.get_plan(world.server.db, world.actor("sup"), plan_id).plan.progress.planned == 3


def test_follow_up_without_a_plan_goes_to_the_inspector_and_drafts_are_refused(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection("site-a")
    sync_service.push(world.server.db, world.actor("insp_a"), dev.request(create))
    with pytest.raises(Conflict):
        plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    submit_complete(world, "insp_a", dev, iid)
    follow = plans.create_follow_up(world.server.db, world.actor("sup"), iid)
    expected = local_time.today() + dt.timedelta(days=14)
    assert follow.document.due_date == expected.isoformat()
    assert follow.document.plan_id is None
    assert follow.document.id in pulled_assignments(world, "insp_a")
    assert [v.document.id for v in plans.my_assignments(world.server.db, world.actor("insp_a"))] == [follow.document.id]
    with pytest.raises(NotFound):
        plans.create_follow_up(world.server.db, world.actor("sup"), "no-such-inspection")


def test_a_follow_up_of_another_districts_inspection_is_not_found_and_changes_nothing(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection("site-b")
    sync_service.push(
        world.server.db,
        world.actor("insp_b"),
        dev.request(
            [*create, *complete_answers(dev, iid, sha(b"s")), dev.change("inspection", iid, "status", "submitted")]
        ),
    )
    with unchanged(world.db_path):
        with pytest.raises(NotFound):
            plans.create_follow_up(world.server.db, world.actor("sup"), iid)
        with pytest.raises(Forbidden):
            plans.create_follow_up(world.server.db, world.actor("insp_b"), iid)
    assert plans.create_follow_up(world.server.db, world.actor("admin"), iid).document.site_id == "site-b"


def test_a_member_added_later_pulls_the_teams_assignments_from_their_cursor(world: World) -> None:
    detail = plans.create_plan(
        world.server.db, world.actor("sup"), plan_input(teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a")])
    )
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a2"), 0, 5000, 1))
    assert not [c for c in page["changes"] if c["entity"] == "assignment"]
    plans.update_plan(
        world.server.db,
        world.actor("sup"),
        detail.plan.id,
        plans.PlanPatch(teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a", members=["insp_a2"])]),
    )
    later = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a2"), page["cursor"], 5000, 1))
    assert [c["entity_id"] for c in later["changes"] if c["entity"] == "assignment"] == [
        detail.assignments[0].document.id
    ]
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        plans.update_plan(
            world.server.db,
            world.actor("sup"),
            detail.plan.id,
            plans.PlanPatch(teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a", members=["admin"])]),
        )
    assert err.value.errors[0].code == "not_inspector"


def test_a_site_moved_by_hand_leaves_the_old_team_and_reaches_the_new_one(world: World) -> None:
    add_sites(world, 1)
    detail = plans.create_plan(world.server.db, world.actor("sup"), plan_input())
    moved = next(a.document for a in detail.assignments if a.document.team_name == "Đoàn 1")
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        plans.update_plan(
            world.server.db,
            world.actor("sup"),
            detail.plan.id,
            plans.PlanPatch(move_sites={moved.site_code: "Đoàn 9", "KHONG-CO": "Đoàn 2"}),
        )
    assert [(p.row, p.code) for p in err.value.errors] == [(1, "unknown_team"), (2, "unknown_site")]
    plans.update_plan(
        world.server.db, world.actor("sup"), detail.plan.id, plans.PlanPatch(move_sites={moved.site_code: "Đoàn 2"})
    )
    old = pulled_assignments(world, "insp_a")
    assert old[moved.id]["status"] == "cancelled"
    assert not [a for a in old.values() if a["site_id"] == moved.site_id and a["status"] != "cancelled"]
    new = [a for a in pulled_assignments(world, "insp_a2").values() if a["site_id"] == moved.site_id]
    assert [(a["team_name"], a["status"]) for a in new] == [("Đoàn 2", "planned")]
    cov = plans.coverage(world.server.db, world.actor("sup"), detail.plan.id)
    assert cov.plan.progress.planned == 2 and cov.plan.progress.cancelled == 1


def test_the_dashboard_tells_sites_with_open_planned_work_from_sites_no_plan_covers(world: World) -> None:
    assert plans.sites_in_open_plans(world.server.db, world.actor("sup")) == set()
    plan_id, _aid = only_assignment(world)
    assert plans.sites_in_open_plans(world.server.db, world.actor("sup")) == {"site-a"}
    assert plans.sites_in_open_plans(world.server.db, world.actor("insp_a")) == set()
    plans.close_plan(world.server.db, world.actor("sup"), plan_id)
    assert plans.sites_in_open_plans(world.server.db, world.actor("sup")) == set()
