"""Plans over HTTP: problems that name each bad row, the caller's own assignments, and a
follow-up that reaches the team's device by pull."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.sync_server.conftest import DISTRICT_A, PLAN_BODY, World
from tests.sync_server.helpers import Device, complete_answers, dump_database, sha


def test_unknown_codes_come_back_as_a_problem_naming_each_row(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = dump_database(world.db_path)
    r = client.post(
        "/api/v1/plans",
        json={**PLAN_BODY, "sites": {"codes": ["DN-A", "X-1", "X-2"]}, "window_to": "2021-05-01"},
        headers=world.headers("sup"),
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "invalid_plan"
    errors = [(e.get("row"), e.get("field"), e["code"]) for e in body["errors"]]
    assert (None, "window_to", "window_reversed") in errors
    assert (2, "code", "unknown_site") in errors and (3, "code", "unknown_site") in errors
    assert dump_database(world.db_path) == before


def test_each_inspector_lists_only_their_teams_assignments(api: tuple[TestClient, World]) -> None:
    client, world = api
    r = client.post("/api/v1/plans", json=PLAN_BODY, headers=world.headers("sup"))
    assert r.status_code == 201, r.text
    mine = client.get("/api/v1/assignments", headers=world.headers("insp_a")).json()
    assert [a["document"]["site_code"] for a in mine] == ["DN-A"]
    assert mine[0]["shown_status"] == "planned"
    assert client.get("/api/v1/assignments", headers=world.headers("insp_a2")).json() == []
    preview = client.post("/api/v1/plans/preview", json={"district": DISTRICT_A}, headers=world.headers("sup"))
    assert preview.json()["count"] == 1


def test_follow_up_of_a_submitted_visit_reaches_the_device(api: tuple[TestClient, World]) -> None:
    client, world = api
    plan = client.post("/api/v1/plans", json=PLAN_BODY, headers=world.headers("sup")).json()
    aid = plan["assignments"][0]["document"]["id"]
    dev = Device()
    iid, create = dev.start_inspection("site-a")
    changes = [
        *create,
        dev.change("inspection", iid, "assignment_id", aid),
        *complete_answers(dev, iid, sha(b"sig")),
        dev.change("inspection", iid, "status", "submitted"),
    ]
    r = client.post("/api/v1/sync/push", json=dev.body(changes), headers=world.headers("insp_a"))
    assert {x["status"] for x in r.json()["results"]} == {"applied"}
    cov = client.get(f"/api/v1/plans/{plan['plan']['id']}/coverage", headers=world.headers("sup")).json()
    assert cov["plan"]["progress"]["visited"] == 1 and cov["pending"] == []
    follow = client.post(f"/api/v1/inspections/{iid}/follow-up", headers=world.headers("sup"))
    assert follow.status_code == 201, follow.text
    page = client.get(f"/api/v1/sync/pull?protocol=1&cursor={r.json()['cursor']}", headers=world.headers("insp_a"))
    docs = [c["value"] for c in page.json()["changes"] if c["entity"] == "assignment"]
    assert [d["follow_up_of"] for d in docs] == [iid]
    bad = client.post(
        f"/api/v1/inspections/{iid}/follow-up", json={"due_date": "tomorrow"}, headers=world.headers("sup")
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "due_date"


def test_a_follow_up_of_an_unknown_inspection_is_404_for_an_admin_too(api: tuple[TestClient, World]) -> None:
    client, world = api
    before = dump_database(world.db_path)
    for role in ("admin", "sup"):
        reply = client.post("/api/v1/inspections/no-such-id/follow-up", headers=world.headers(role))
        assert reply.status_code == 404, reply.text
        assert reply.headers["content-type"].startswith("application/problem+json")
    assert dump_database(world.db_path) == before
