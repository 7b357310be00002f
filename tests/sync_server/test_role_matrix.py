"""Every endpoint × every role: allowed or denied as designed.

Roles: ``anonymous``; ``inspector`` (district A, where the test inspection is);
``other_inspector`` (district B: scope); ``supervisor`` (district A); ``admin``.
"allowed" means a 2xx answer; a denial is 401 (not signed in), 403 (role) or 404
(outside the caller's districts: ids in other districts are not revealed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from shared_schema import actions
from shared_schema.protocol import answer_entity_id
from tests.support.sample_checklist import sample_template
from tests.sync_server.conftest import DISTRICT_A, PLAN_BODY, World
from tests.sync_server.helpers import Device, complete_answers, png_bytes, sha

ROLES = ("anonymous", "inspector", "other_inspector", "supervisor", "admin")
USER_OF = {"inspector": "insp_a", "other_inspector": "insp_b", "supervisor": "sup", "admin": "admin"}
OK, UNAUTH, FORBID, HIDDEN = 200, 401, 403, 404


@dataclass
class Fixture:
    iid: str
    blob: bytes
    conflict_id: str
    user_id: str
    action_id: str = ""
    plan_id: str = ""
    other_plan_id: str = ""


def prepare(client: TestClient, world: World) -> Fixture:
    a, b = Device("pa"), Device("pb")
    signature = png_bytes(seed=9)
    iid, create = a.start_inspection(world.site_a)
    answers = complete_answers(a, iid, sha(signature))
    aid = f"{iid}-action"
    deadline = (actions.viet_nam_today() + dt.timedelta(days=7)).isoformat()
    action = [
        a.change("action", aid, "inspection_id", iid),
        a.change("action", aid, "description", "Lắp điểm rửa tay"),
        a.change("action", aid, "deadline", deadline),
        a.change("action", aid, "fix_note", "Đã lắp"),
        a.change("action", aid, "status", "reported_fixed"),
    ]
    body = a.body([*create, *answers, *action])
    assert client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_a")).status_code == 200
    # a concurrent edit by another inspector of district A → one conflict-log entry
    edit = b.change("answer", answer_entity_id(iid, "manager"), "value", "B", base_hlc="000000000000001-00000-x")
    assert client.post("/api/v1/sync/push", json=b.body([edit]), headers=world.headers("insp_a2")).status_code == 200
    submit = a.body([a.change("inspection", iid, "status", "submitted")])
    assert client.post("/api/v1/sync/push", json=submit, headers=world.headers("insp_a")).status_code == 200
    digest = sha(signature)
    r = client.patch(
        f"/api/v1/blobs/{digest}",
        content=signature,
        headers={**world.headers("insp_a"), "Upload-Offset": "0", "Upload-Length": str(len(signature))},
    )
    assert r.status_code == 200
    with world.server.db.read() as tx:
        conflict_id = tx.scalar("SELECT id FROM conflicts")
        user_id = tx.scalar("SELECT id FROM users WHERE username = 'insp_b'")
    r = client.post("/api/v1/templates", json=msgspec.to_builtins(sample_template(2)), headers=world.headers("admin"))
    assert r.status_code == 200
    plan = client.post("/api/v1/plans", json=PLAN_BODY, headers=world.headers("sup"))
    assert plan.status_code == 201, plan.text
    other = client.post("/api/v1/plans", json=OTHER_PLAN_BODY, headers=world.headers("admin"))
    assert other.status_code == 201, other.text
    return Fixture(
        iid=iid,
        blob=signature,
        conflict_id=conflict_id,
        user_id=user_id,
        plan_id=plan.json()["plan"]["id"],
        other_plan_id=other.json()["plan"]["id"],
        action_id=aid,
    )


OTHER_PLAN_BODY: dict[str, Any] = {
    **PLAN_BODY,
    "teams": [{"name": "Đoàn B", "lead": "insp_b"}],
    "sites": {"district": "TP Sông Công"},
}


def _push_body(role: str) -> dict[str, Any]:
    dev = Device()
    _, create = dev.start_inspection("site-a")
    return dev.body(create)


SITE_CSV = "code,name,kind,district\nDN-M,Công ty M,DN_SX,TX Phổ Yên\n"
NEW_BLOB = png_bytes(500, seed=42)

# expected status per role, by who may act
EVERYONE = dict(inspector=OK, other_inspector=OK, supervisor=OK, admin=OK)
IN_DISTRICT = dict(inspector=OK, other_inspector=HIDDEN, supervisor=OK, admin=OK)  # others do not see it
SUPERVISORS = dict(inspector=FORBID, other_inspector=FORBID, supervisor=OK, admin=OK)
ADMINS = dict(inspector=FORBID, other_inspector=FORBID, supervisor=FORBID, admin=OK)
ADMINS_SEE_DRAFTS = dict(inspector=HIDDEN, other_inspector=HIDDEN, supervisor=HIDDEN, admin=OK)
PLANNERS = SUPERVISORS  # plans are the supervisors' work
OTHER_DISTRICT_PLANNERS = dict(inspector=FORBID, other_inspector=FORBID, supervisor=HIDDEN, admin=OK)

# (name, method, path template, request options) → expected status per role
ENDPOINTS: list[tuple[str, str, str, dict[str, Any], dict[str, int]]] = [
    ("me", "GET", "/api/v1/me", {}, EVERYONE),
    ("push", "POST", "/api/v1/sync/push", {"json": "push"}, EVERYONE),
    ("pull", "GET", "/api/v1/sync/pull?protocol=1", {}, EVERYONE),
    ("site history", "GET", "/api/v1/sync/records?protocol=1&site_id=site-a", {}, IN_DISTRICT),
    (
        # records by id answer only what the caller may see (an empty reply, not a 404)
        "records by id",
        "GET",
        "/api/v1/sync/records?protocol=1&inspection_id={iid}",
        {},
        EVERYONE,
    ),
    ("blob head", "HEAD", "/api/v1/blobs/{blob}", {}, IN_DISTRICT),
    ("blob upload", "PATCH", f"/api/v1/blobs/{sha(NEW_BLOB)}", {"blob": NEW_BLOB}, EVERYONE),
    ("blob read", "GET", "/api/v1/blobs/{blob}", {}, IN_DISTRICT),
    ("templates list", "GET", "/api/v1/templates", {}, EVERYONE),
    ("template save", "POST", "/api/v1/templates", {"json": "template3"}, ADMINS),
    ("template read", "GET", "/api/v1/templates/sample-factory/versions/1", {}, EVERYONE),
    ("template draft read", "GET", "/api/v1/templates/sample-factory/versions/2", {}, ADMINS_SEE_DRAFTS),
    ("template as XLSForm", "GET", "/api/v1/templates/sample-factory/versions/1/xlsform", {}, EVERYONE),
    ("template draft as XLSForm", "GET", "/api/v1/templates/sample-factory/versions/2/xlsform", {}, ADMINS_SEE_DRAFTS),
    ("template publish", "POST", "/api/v1/templates/sample-factory/versions/2/publish", {}, ADMINS),
    ("template retire", "POST", "/api/v1/templates/sample-factory/versions/1/retire", {}, ADMINS),
    ("sites list", "GET", "/api/v1/sites", {}, EVERYONE),
    (
        "site create",
        "POST",
        "/api/v1/sites",
        {"json": {"code": "N1", "name": "Mới", "kind": "CHO", "district": DISTRICT_A}},
        ADMINS,
    ),
    ("site read", "GET", "/api/v1/sites/site-a", {}, IN_DISTRICT),
    ("site update", "PATCH", "/api/v1/sites/site-a", {"json": {"address": "Phường Ba Hàng"}}, ADMINS),
    ("site import", "POST", "/api/v1/sites/import", {"csv": SITE_CSV}, ADMINS),
    ("units list", "GET", "/api/v1/units", {}, EVERYONE),
    (
        "unit create",
        "POST",
        "/api/v1/units",
        {"json": {"name": "X. Tân Cương", "kind": "commune", "parent": "TP Thái Nguyên"}},
        ADMINS,
    ),
    ("unit merge", "POST", "/api/v1/units/tn-h-vo-nhai/merge", {"json": {"into": "H. Đại Từ"}}, ADMINS),
    ("inspections list", "GET", "/api/v1/inspections", {}, EVERYONE),
    ("inspection read", "GET", "/api/v1/inspections/{iid}", {}, IN_DISTRICT),
    (
        "review",
        "POST",
        "/api/v1/inspections/{iid}/review",
        {"json": {"decision": "return", "comment": "Sửa lại"}},
        SUPERVISORS,
    ),
    ("conflicts list", "GET", "/api/v1/conflicts", {}, SUPERVISORS),
    ("conflict resolve", "POST", "/api/v1/conflicts/{conflict}/resolve", {}, SUPERVISORS),
    ("actions list", "GET", "/api/v1/actions", {}, EVERYONE),
    ("action read", "GET", "/api/v1/actions/{action}", {}, IN_DISTRICT),
    ("action verify", "POST", "/api/v1/actions/{action}/verify", {"json": {"comment": "Đạt"}}, SUPERVISORS),
    (
        "action reopen",
        "POST",
        "/api/v1/actions/{action}/reopen",
        {"json": {"comment": "Chưa có xà phòng"}},
        SUPERVISORS,
    ),
    ("users list", "GET", "/api/v1/users", {}, ADMINS),
    (
        "user create",
        "POST",
        "/api/v1/users",
        {"json": {"username": "moi", "password": "mat-khau-dai", "role": "inspector", "districts": [DISTRICT_A]}},
        ADMINS,
    ),
    ("user update", "PATCH", "/api/v1/users/{user}", {"json": {"districts": [DISTRICT_A]}}, ADMINS),
    ("devices", "GET", "/api/v1/clients", {}, ADMINS),
    ("audit log", "GET", "/api/v1/audit", {}, ADMINS),
    ("plans list", "GET", "/api/v1/plans", {}, PLANNERS),
    ("plan create", "POST", "/api/v1/plans", {"json": PLAN_BODY}, PLANNERS),
    ("plan preview", "POST", "/api/v1/plans/preview", {"json": {"district": DISTRICT_A}}, PLANNERS),
    ("plan read", "GET", "/api/v1/plans/{plan}", {}, PLANNERS),
    ("plan read other district", "GET", "/api/v1/plans/{other_plan}", {}, OTHER_DISTRICT_PLANNERS),
    ("plan update", "PATCH", "/api/v1/plans/{plan}", {"json": {"name": "Đợt 2"}}, PLANNERS),
    (
        "plan update other district",
        "PATCH",
        "/api/v1/plans/{other_plan}",
        {"json": {"name": "Đợt 2"}},
        OTHER_DISTRICT_PLANNERS,
    ),
    ("plan close", "POST", "/api/v1/plans/{plan}/close", {}, PLANNERS),
    ("plan close other district", "POST", "/api/v1/plans/{other_plan}/close", {}, OTHER_DISTRICT_PLANNERS),
    ("plan coverage", "GET", "/api/v1/plans/{plan}/coverage", {}, PLANNERS),
    ("plan coverage other district", "GET", "/api/v1/plans/{other_plan}/coverage", {}, OTHER_DISTRICT_PLANNERS),
    ("my assignments", "GET", "/api/v1/assignments", {}, EVERYONE),
    ("follow-up", "POST", "/api/v1/inspections/{iid}/follow-up", {}, PLANNERS),
]

CASES = [(name, role) for name, *_ in ENDPOINTS for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_role_and_scope_matrix(api: tuple[TestClient, World], endpoint: str, role: str) -> None:
    client, world = api
    fx = prepare(client, world)
    _, method, template, opts, expected = next(e for e in ENDPOINTS if e[0] == endpoint)
    want = UNAUTH if role == "anonymous" else expected[role]
    path = template.format(
        iid=fx.iid,
        blob=sha(fx.blob),
        conflict=fx.conflict_id,
        user=fx.user_id,
        plan=fx.plan_id,
        other_plan=fx.other_plan_id,
        action=fx.action_id,
    )
    headers = world.headers(USER_OF[role]) if role != "anonymous" else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if opts.get("json") == "push":
        kwargs["json"] = _push_body(role)
    elif opts.get("json") == "template3":
        kwargs["json"] = msgspec.to_builtins(sample_template(3))
    elif "json" in opts:
        kwargs["json"] = opts["json"]
    if "csv" in opts:
        kwargs["content"] = opts["csv"].encode()
        kwargs["headers"] = {**headers, "Content-Type": "text/csv"}
    if "blob" in opts:
        kwargs["content"] = opts["blob"]
        kwargs["headers"] = {**headers, "Upload-Offset": "0", "Upload-Length": str(len(opts["blob"]))}
    r = client.request(method, path, **kwargs)
    if want == OK:
        assert 200 <= r.status_code < 300, f"{endpoint} as {role}: {r.status_code} {r.text}"
    else:
        assert r.status_code == want, f"{endpoint} as {role}: {r.status_code} {r.text}"
        if method != "HEAD":
            assert r.headers["content-type"].startswith("application/problem+json")
