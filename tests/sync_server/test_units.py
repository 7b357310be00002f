"""Administrative units as data: unknown districts are refused with the closest names (site
create, edit, CSV import, user create and update), a merge moves sites, inspections and
scopes in one audited write, a site moved to another district takes its inspections (and
their feed rows) with it, and registry coordinates remember where they came from."""

from __future__ import annotations

import csv
import time
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from shared_schema.protocol import answer_entity_id
from sync_server.core import actions, auth, plans, sync_service, units
from sync_server.core.access import SYSTEM
from sync_server.core.content import SITES_CSV_PATH
from sync_server.core.errors import Invalid
from sync_server.core.sites import SitePatch, get_location_source, update_site
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, PASSWORD, World
from tests.sync_server.helpers import Device
from tests.sync_server.test_actions import failed_inspection, new_action

SEEDED = [
    "TP Thái Nguyên",
    "TP Sông Công",
    "TX Phổ Yên",
    "H. Đại Từ",
    "H. Định Hóa",
    "H. Đồng Hỷ",
    "H. Phú Bình",
    "H. Phú Lương",
    "H. Võ Nhai",
]


def _sites(world: World) -> list[tuple[Any, ...]]:
    with world.server.db.read() as tx:
        return [tuple(r) for r in tx.query("SELECT id, code, district FROM sites ORDER BY id")]


def _users(world: World) -> list[tuple[Any, ...]]:
    with world.server.db.read() as tx:
        return [tuple(r) for r in tx.query("SELECT user_id, district FROM user_districts ORDER BY user_id, district")]


def _assert_unknown(r: Any, name: str, first_suggestion: str) -> dict[str, Any]:
    assert r.status_code == 422, r.text
    body: dict[str, Any] = r.json()
    assert first_suggestion in body["detail"]
    assert "Không có đơn vị hành chính" in body["detail"] and "did you mean" in body["detail"]
    assert body["suggestions"][name][0] == first_suggestion
    return body


# --- plain rules ---------------------------------------------------------------------


def test_suggestions_compare_with_and_without_diacritics() -> None:
    assert units.suggest("Phú Bình", SEEDED)[0] == "H. Phú Bình"
    assert units.suggest("phu binh", SEEDED)[0] == "H. Phú Bình"
    assert units.suggest("Thái Nguyên", SEEDED)[0] == "TP Thái Nguyên"
    assert units.suggest("TX Pho Yen", SEEDED)[0] == "TX Phổ Yên"
    assert units.suggest("Dinh Hoa", SEEDED)[0] == "H. Định Hóa"
    assert units.suggest("Hà Nội", SEEDED) == []


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(SEEDED), strip=st.booleans(), upper=st.booleans())
def test_a_known_name_typed_without_marks_or_in_capitals_suggests_itself_first(
    name: str, strip: bool, upper: bool
) -> None:
    typed = units.fold(name) if strip else name
    typed = typed.upper() if upper else typed
    assert units.suggest(typed, SEEDED)[0] == name


def test_the_seeded_units_are_thai_nguyens_nine_and_match_the_shipped_site_list(world: World) -> None:
    listed = units.list_units(world.server.db, world.actor("insp_a"))
    assert sorted(u.name for u in listed if u.id.startswith("tn-")) == sorted(SEEDED)
    with SITES_CSV_PATH.open(encoding="utf-8") as f:
        assert {row["district"] for row in csv.DictReader(f)} <= set(SEEDED)


# --- unknown units refused --------------------------------------------------------------


def test_site_create_and_edit_refuse_an_unknown_district_with_suggestions(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = _sites(world)
    r = client.post(
        "/api/v1/sites",
        json={"code": "DN-X", "name": "Công ty X", "kind": "DN_SX", "district": "Phú Bình"},
        headers=world.headers("admin"),
    )
    _assert_unknown(r, "Phú Bình", "H. Phú Bình")
    r = client.patch("/api/v1/sites/site-a", json={"district": "Thái Nguyên"}, headers=world.headers("admin"))
    _assert_unknown(r, "Thái Nguyên", "TP Thái Nguyên")
    assert _sites(world) == before
    r = client.patch("/api/v1/sites/site-a", json={"name": "Nhà máy A mới"}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text


def test_csv_import_refuses_an_unknown_district_and_imports_nothing(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = _sites(world)
    csv_text = (
        "code,name,kind,district\n"
        "DN-1,Công ty Một,DN_SX,TX Phổ Yên\n"
        "DN-2,Công ty Hai,DN_SX,Thái Nguyên\n"
        "DN-3,Công ty Ba,DN_SX,pho yen\n"
    )
    r = client.post(
        "/api/v1/sites/import",
        content=csv_text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    rows = {e["row"]: e for e in body["errors"]}
    assert set(rows) == {3, 4}
    assert rows[3]["field"] == "district" and "'TP Thái Nguyên'" in rows[3]["message"]
    assert rows[4]["message"].startswith("Dòng 4: ") and "'TX Phổ Yên'" in rows[4]["message"]
    assert body["suggestions"]["pho yen"][0] == "TX Phổ Yên"
    assert _sites(world) == before


def test_user_create_and_update_refuse_an_unknown_district(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = _users(world)
    with pytest.raises(Invalid) as caught:
        auth.create_user(world.server.db, SYSTEM, "moi", PASSWORD + " x", "inspector", ["Phú Bình"])
    assert caught.value.code == "unknown_unit" and "H. Phú Bình" in caught.value.detail
    user_id = world.actor("insp_b").user_id
    r = client.patch(
        f"/api/v1/users/{user_id}", json={"districts": [DISTRICT_B, "Đồng Hỷ"]}, headers=world.headers("admin")
    )
    _assert_unknown(r, "Đồng Hỷ", "H. Đồng Hỷ")
    assert _users(world) == before
    assert not auth.user_exists(world.server.db, "moi")
    r = client.patch(
        f"/api/v1/users/{user_id}", json={"districts": [DISTRICT_B, "H. Đồng Hỷ"]}, headers=world.headers("admin")
    )
    assert r.status_code == 200 and r.json()["districts"] == sorted([DISTRICT_B, "H. Đồng Hỷ"])


# --- a moved site's inspections follow it -------------------------------------------------


def _push(client: TestClient, world: World, user: str, dev: Device, changes: list[Any]) -> dict[str, Any]:
    r = client.post("/api/v1/sync/push", json=dev.body(changes), headers=world.headers(user))
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _pull(client: TestClient, world: World, user: str, dev: Device) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    while True:
        params = {"cursor": dev.cursor, "limit": 1000, "protocol": 1, "client_id": dev.client_id}
        r = client.get("/api/v1/sync/pull", params=params, headers=world.headers(user))
        assert r.status_code == 200, r.text
        page = r.json()
        dev.apply_pull(page)
        changes += page["changes"]
        if not page["has_more"]:
            return changes


def test_a_moved_sites_inspections_follow_it_to_the_new_district(api: tuple[TestClient, World]) -> None:
    client, world = api
    a, b = Device("phone-a"), Device("phone-b")
    iid, create = a.start_inspection(world.site_a)
    _push(client, world, "insp_a", a, [*create, a.answer(iid, "manager", "Chị Lan")])
    _pull(client, world, "insp_b", b)  # B's phone is up to date before the move
    assert client.get(f"/api/v1/inspections/{iid}", headers=world.headers("insp_b")).status_code == 404

    r = client.patch("/api/v1/sites/site-a", json={"district": DISTRICT_B}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text

    assert client.get(f"/api/v1/inspections/{iid}", headers=world.headers("insp_b")).status_code == 200
    assert client.get(f"/api/v1/inspections/{iid}", headers=world.headers("insp_a")).status_code == 404
    got = _pull(client, world, "insp_b", b)
    keys = {(c["entity"], c["entity_id"], c["field"]) for c in got}
    assert ("inspection", iid, "site_id") in keys
    assert ("answer", answer_entity_id(iid, "manager"), "value") in keys
    assert ("site", "site-a", "district") in keys
    # The new district's inspector can work on it; the old one is refused.
    result = _push(client, world, "insp_b", b, [b.answer(iid, "manager", "Anh Minh")])
    assert result["results"][0]["status"] == "applied"
    result = _push(client, world, "insp_a", a, [a.answer(iid, "manager", "Chị Lan 2")])
    assert result["results"][0]["status"] == "rejected"
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT district FROM inspections WHERE id = ?", (iid,)) == DISTRICT_B
        districts = {r[0] for r in tx.query("SELECT DISTINCT district FROM feed WHERE inspection_id = ?", (iid,))}
    assert districts == {DISTRICT_B}


# --- merging units ------------------------------------------------------------------------


def test_a_merge_moves_sites_inspections_and_scopes_in_one_audited_operation(api: tuple[TestClient, World]) -> None:
    client, world = api
    a = Device("phone-a")
    iid, create = a.start_inspection(world.site_a)
    _push(client, world, "insp_a", a, create)
    r = client.post("/api/v1/units", json={"name": "TP Phổ Yên", "kind": "city"}, headers=world.headers("admin"))
    assert r.status_code == 201, r.text
    new_unit = r.json()
    assert new_unit["name"] == "TP Phổ Yên" and new_unit["in_force"] is True

    r = client.post("/api/v1/units/tn-tx-pho-yen/merge", json={"into": "TP Phổ Yên"}, headers=world.headers("admin"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["sites"], report["inspections"], report["users"]) == (1, 1, 3)
    assert report["unit"]["in_force"] is False and report["unit"]["replaced_by"] == "TP Phổ Yên"

    assert ("site-a", "DN-A", "TP Phổ Yên") in _sites(world)
    assert {d for _, d in _users(world)} == {"TP Phổ Yên", DISTRICT_B}
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT district FROM inspections WHERE id = ?", (iid,)) == "TP Phổ Yên"
        assert tx.scalar("SELECT COUNT(*) FROM feed WHERE district = ?", (DISTRICT_A,)) == 0
    # Users keep their work: the inspector of the old town sees the inspection under the new name.
    assert client.get(f"/api/v1/inspections/{iid}", headers=world.headers("insp_a")).status_code == 200
    audit = client.get("/api/v1/audit", headers=world.headers("admin")).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "unit.merge" for e in entries)
    # The retired name is refused from now on, pointing to the unit that replaced it.
    r = client.post(
        "/api/v1/sites",
        json={"code": "DN-Y", "name": "Công ty Y", "kind": "DN_SX", "district": "TX Phổ Yên"},
        headers=world.headers("admin"),
    )
    _assert_unknown(r, "TX Phổ Yên", "TP Phổ Yên")
    listed = client.get("/api/v1/units", params={"retired": "false"}, headers=world.headers("insp_b")).json()
    assert "TX Phổ Yên" not in {u["name"] for u in listed}


def test_a_bad_merge_or_unit_changes_nothing(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = (_sites(world), _users(world), units.list_units(world.server.db, SYSTEM))
    admin = world.headers("admin")
    r = client.post("/api/v1/units/tn-tx-pho-yen/merge", json={"into": "Pho Yen"}, headers=admin)
    assert r.status_code == 422 and r.json()["suggestions"]["Pho Yen"][0] == "TX Phổ Yên"
    r = client.post("/api/v1/units/tn-tx-pho-yen/merge", json={"into": "TX Phổ Yên"}, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "invalid_merge"
    assert client.post("/api/v1/units/nope/merge", json={"into": "TP Sông Công"}, headers=admin).status_code == 404
    r = client.post("/api/v1/units", json={"name": "TP Sông Công", "kind": "city"}, headers=admin)
    assert r.status_code == 409
    r = client.post("/api/v1/units", json={"name": "X. Tân Cương", "kind": "commune"}, headers=admin)
    assert r.status_code == 422
    r = client.post("/api/v1/units", json={"name": "Q. Một", "kind": "ward"}, headers=admin)
    assert r.status_code == 422
    assert (_sites(world), _users(world), units.list_units(world.server.db, SYSTEM)) == before
    r = client.post(
        "/api/v1/units", json={"name": "X. Tân Cương", "kind": "commune", "parent": "TP Thái Nguyên"}, headers=admin
    )
    assert r.status_code == 201 and r.json()["parent"] == "TP Thái Nguyên"


# --- where coordinates came from -----------------------------------------------------------


def test_registry_coordinates_remember_their_source(api: tuple[TestClient, World]) -> None:
    client, world = api
    csv_text = "code,name,kind,district,lat,lon\nDN-L,Công ty L,DN_SX,TX Phổ Yên,21.42,105.87\n"
    r = client.post(
        "/api/v1/sites/import",
        content=csv_text.encode(),
        headers={**world.headers("admin"), "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    site_id = next(s[0] for s in _sites(world) if s[1] == "DN-L")
    source = get_location_source(world.server.db, site_id)
    assert source is not None and (source.source, source.by) == ("import", "admin")

    r = client.patch(
        f"/api/v1/sites/{site_id}", json={"location": {"lat": 21.43, "lon": 105.88}}, headers=world.headers("admin")
    )
    assert r.status_code == 200
    source = get_location_source(world.server.db, site_id)
    assert source is not None and (source.source, source.by) == ("admin", "admin")

    # the phone corrects it after the admin: a second later, so the two edits never share a
    # millisecond (a tie of clocks is broken by node id, and the server's could win it)
    dev = Device("phone-a", now_ms=lambda: int(time.time() * 1000) + 1000)
    fix = dev.change("site", site_id, "location", {"lat": 21.44, "lon": 105.89, "accuracy_m": 8.0})
    assert _push(client, world, "insp_a", dev, [fix])["results"][0]["status"] == "applied"
    source = get_location_source(world.server.db, site_id)
    assert source is not None and (source.source, source.by, source.client_id) == ("device", "insp_a", "phone-a")
    assert DISTRICT_A in {s[2] for s in _sites(world)}


# --- plans and corrective actions follow a merge or a moved site -----------------------------


def _planned_work_in_district_a(world: World) -> tuple[str, str, str, str]:
    """A plan over DISTRICT_A (its one site, site-a, for insp_a's team) and, on site-a, a failed
    inspection with a corrective action: (plan, assignment, inspection, action)."""
    detail = plans.create_plan(
        world.server.db,
        world.actor("sup"),
        plans.PlanInput(
            name="Đợt kiểm tra Covid-19 tháng 6",
            template_id="sample-factory",
            window_from="2021-06-01",
            window_to="2999-06-30",
            teams=[plans.TeamInput(name="Đoàn 1", lead="insp_a")],
            sites=plans.SiteSelection(district=DISTRICT_A, kind="DN_SX"),
        ),
    )
    dev = Device("phone-a")
    inspection_id = failed_inspection(world, dev)
    action_id, changes = new_action(dev, inspection_id)
    reply = sync_service.push(world.server.db, world.actor("insp_a"), dev.request(changes))
    assert {r.status for r in reply.results} == {"applied"}
    return detail.plan.id, detail.assignments[0].document.id, inspection_id, action_id


def _pulled(world: World, user: str, since: int = 0) -> tuple[dict[tuple[str, str, str], Any], int]:
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor(user), since, 5000, 1))
    return {(c["entity"], c["entity_id"], c["field"]): c["value"] for c in page["changes"]}, page["cursor"]


def _district_of(world: World, table: str, row_id: str) -> str:
    with world.server.db.read() as tx:
        return str(tx.scalar(f"SELECT district FROM {table} WHERE id = ?", (row_id,)))


def test_a_merge_moves_plans_assignments_and_actions_and_phones_pull_them_again(world: World) -> None:
    plan_id, assignment_id, inspection_id, action_id = _planned_work_in_district_a(world)
    auth.create_user(world.server.db, SYSTEM, "sup_b", PASSWORD, "supervisor", [DISTRICT_B])
    _, cursor_a = _pulled(world, "insp_a")
    _, cursor_b = _pulled(world, "insp_b")
    assert plans.list_plans(world.server.db, world.actor("sup_b")) == []

    report = units.merge_unit(world.server.db, world.actor("admin"), "tn-tx-pho-yen", units.MergeInput(into=DISTRICT_B))

    assert (report.sites, report.inspections, report.actions, report.assignments) == (1, 1, 1, 1)
    with world.server.db.read() as tx:
        assert [r[0] for r in tx.query("SELECT district FROM plan_districts WHERE plan_id = ?", (plan_id,))] == [
            DISTRICT_B
        ]
        for table in ("plan_districts", "assignments", "actions", "inspections", "sites", "feed", "conflicts"):
            assert tx.scalar(f"SELECT COUNT(*) FROM {table} WHERE district = ?", (DISTRICT_A,)) == 0, table
    assert _district_of(world, "assignments", assignment_id) == DISTRICT_B
    assert _district_of(world, "actions", action_id) == DISTRICT_B
    # The new district's supervisor sees the plan, its assignment and the action; the old one's
    # scope moved with the unit, so they see them too under the new name.
    sup_b = world.actor("sup_b")
    assert [p.id for p in plans.list_plans(world.server.db, sup_b)] == [plan_id]
    detail = plans.get_plan(world.server.db, sup_b, plan_id)
    assert [(a.document.id, a.document.district) for a in detail.assignments] == [(assignment_id, DISTRICT_B)]
    assert [a.id for a in actions.list_actions(world.server.db, sup_b).items] == [action_id]
    assert actions.get_action(world.server.db, sup_b, action_id).item.district == DISTRICT_B
    # Phones pull the changed rows from where they were: the team's phone gets the assignment's
    # new district, the new district's phone gets the action it never had.
    after_a, _ = _pulled(world, "insp_a", cursor_a)
    assert after_a[("assignment", assignment_id, "document")]["district"] == DISTRICT_B
    after_b, _ = _pulled(world, "insp_b", cursor_b)
    assert after_b[("action", action_id, "inspection_id")] == inspection_id
    assert after_b[("action", action_id, "status")] == "open"
    assert ("inspection", inspection_id, "site_id") in after_b


def test_a_site_moved_to_another_district_takes_its_assignments_and_actions(world: World) -> None:
    plan_id, assignment_id, _, action_id = _planned_work_in_district_a(world)
    auth.create_user(world.server.db, SYSTEM, "sup_b", PASSWORD, "supervisor", [DISTRICT_B])
    _, cursor_b = _pulled(world, "insp_b")

    update_site(world.server.db, world.actor("admin"), "site-a", SitePatch(district=DISTRICT_B))

    assert _district_of(world, "assignments", assignment_id) == DISTRICT_B
    assert _district_of(world, "actions", action_id) == DISTRICT_B
    with world.server.db.read() as tx:
        assert [r[0] for r in tx.query("SELECT district FROM plan_districts WHERE plan_id = ?", (plan_id,))] == [
            DISTRICT_B
        ]
    assert [a.id for a in actions.list_actions(world.server.db, world.actor("sup_b")).items] == [action_id]
    assert actions.list_actions(world.server.db, world.actor("sup")).items == []
    after_b, _ = _pulled(world, "insp_b", cursor_b)
    assert ("action", action_id, "deadline") in after_b
