"""The map's markers (``core.site_map``): each located site coloured by its latest handed-in
inspection, in the viewer's districts only, with the filters of the map page — on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from shared_schema import actions
from shared_schema.records import Location
from sync_server.core import registry, site_map, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Invalid
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World
from tests.sync_server.helpers import Device, complete_answers

SIGNATURE = "b" * 64
TODAY = dt.date(2026, 11, 30)
FUTURE = (actions.viet_nam_today() + dt.timedelta(days=60)).isoformat()  # a deadline a device may set now


def add_site(world: World, site_id: str, district: str = DISTRICT_A, kind: str = "DN_SX", located: bool = True) -> None:
    registry.create_site(
        world.server.db,
        SYSTEM,
        registry.SiteInput(
            id=site_id,
            code=site_id.upper(),
            name=f"Cơ sở {site_id}",
            kind=kind,
            district=district,
            location=Location(21.5 + len(site_id) / 1000, 105.8) if located else None,
        ),
    )


def inspect(
    world: World,
    site_id: str,
    *,
    masks: str = "all",
    submit: bool = True,
    started_at: str = "2026-11-20T02:00:00Z",
    due_date: str | None = None,
    user: str = "insp_a",
) -> str:
    if masks == "few" and due_date is None:
        due_date = "2026-12-20"  # a failed critical item needs a deadline before it can be submitted
    device = Device()
    inspection_id, changes = device.start_inspection(site_id)
    changes += complete_answers(device, inspection_id, SIGNATURE)
    changes += [
        device.answer(inspection_id, "masks", masks),
        device.change("inspection", inspection_id, "started_at", started_at),
    ]
    action_id = f"{inspection_id}-masks"
    if due_date:
        changes += [
            device.answer(inspection_id, "masks", ["c" * 64], field="photos"),
            device.change("action", action_id, "inspection_id", inspection_id),
            device.change("action", action_id, "question_id", "masks"),
            device.change("action", action_id, "description", "Phát khẩu trang"),
            device.change("action", action_id, "deadline", FUTURE),
        ]
    if submit:
        changes.append(device.change("inspection", inspection_id, "status", "submitted"))
    reply = sync_service.push(world.server.db, world.actor(user), device.request(changes))
    assert all(r.status == "applied" for r in reply.results), [r for r in reply.results if r.status != "applied"]
    if due_date:  # the days pass: the action's deadline becomes the one the test reads the map on
        with world.server.db.write() as tx:
            tx.execute("UPDATE actions SET deadline = ? WHERE id = ?", (due_date, action_id))
    return inspection_id


def states(world: World, username: str = "sup", **filters: Any) -> dict[str, str]:
    data = site_map.site_map(world.server.db, world.actor(username), today=TODAY, **filters)
    return {m.site_id: m.state for m in data.markers}


def test_each_site_is_coloured_by_its_latest_handed_in_inspection(world: World) -> None:
    for site_id in ("m-pass", "m-fail", "m-late", "m-open", "m-never", "m-draft", "m-newer"):
        add_site(world, site_id)
    inspect(world, "m-pass")
    inspect(world, "m-fail", masks="few")
    inspect(world, "m-late", masks="few", due_date="2026-11-25")
    inspect(world, "m-open", due_date="2026-12-20")
    inspect(world, "m-draft", submit=False)
    inspect(world, "m-newer", masks="few", started_at="2026-11-01T02:00:00Z")
    newest = inspect(world, "m-newer", started_at="2026-11-25T02:00:00Z")
    seen = states(world)
    assert {k: v for k, v in seen.items() if k.startswith("m-")} == {
        "m-pass": "passed",
        "m-fail": "failed",  # its corrective action is within its deadline, but failing comes first
        "m-late": "overdue",
        "m-open": "action_open",
        "m-never": "never",
        "m-draft": "never",  # a draft is not an inspection handed in
        # the newer inspection passed, but the older one's corrective action is not verified:
        # actions close only by verification, never by a later inspection
        "m-newer": "action_open",
    }
    data = site_map.site_map(world.server.db, world.actor("sup"), today=TODAY)
    newer = next(m for m in data.markers if m.site_id == "m-newer")
    assert newer.inspection_id == newest and newer.result == "pass" and newer.result_label is not None
    assert newer.result_label.vi == "Đạt"
    late = next(m for m in data.markers if m.site_id == "m-late")
    assert (late.overdue_actions, late.open_actions) == (1, 0)
    assert data.counts["passed"] == 1 and data.counts["never"] >= 2
    assert sum(data.counts.values()) == len(data.markers)


def test_a_viewer_sees_only_the_sites_of_their_districts(world: World) -> None:
    add_site(world, "a-1")
    add_site(world, "b-1", district=DISTRICT_B)
    inspect(world, "b-1", user="insp_b")
    supervisor = site_map.site_map(world.server.db, world.actor("sup"), today=TODAY)
    assert "a-1" in {m.site_id for m in supervisor.markers} and "b-1" not in {m.site_id for m in supervisor.markers}
    assert {d.name for d in supervisor.districts} == {DISTRICT_A}
    admin = states(world, "admin")
    assert admin["b-1"] == "passed" and "a-1" in admin
    # asking for another district's sites by filter shows nothing rather than them
    assert states(world, "sup", district=DISTRICT_B) == {}


def test_filters_by_district_kind_and_period(world: World) -> None:
    add_site(world, "k-market", kind="CHO")
    add_site(world, "k-factory")
    add_site(world, "k-b", district=DISTRICT_B)
    inspect(world, "k-market", started_at="2026-10-05T02:00:00Z")
    assert set(states(world, "admin", site_kind="CHO")) == {"k-market"}
    assert "k-b" not in states(world, "admin", district=DISTRICT_A)
    assert states(world, "admin", date_from="2026-10-01", date_to="2026-10-31")["k-market"] == "passed"
    # outside the period the site counts as not inspected (in that period)
    assert states(world, "admin", date_from="2026-11-01")["k-market"] == "never"


def test_a_site_without_coordinates_is_counted_not_drawn(world: World) -> None:
    add_site(world, "u-nowhere", located=False)
    data = site_map.site_map(world.server.db, world.actor("sup"), today=TODAY)
    assert "u-nowhere" not in {m.site_id for m in data.markers}
    assert data.unlocated >= 1


def test_a_bad_date_is_refused_with_a_clear_message(world: World) -> None:
    with pytest.raises(Invalid) as error:
        site_map.site_map(world.server.db, world.actor("sup"), date_from="30/11/2026")
    assert "YYYY-MM-DD" in error.value.detail and "không hợp lệ" in error.value.detail
