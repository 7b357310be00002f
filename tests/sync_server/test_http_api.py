"""The HTTP surface through Litestar's test client: the sync cycle, blobs, and every kind of
bad input answered with a problem document while the database stays unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import get
from litestar.testing import TestClient

from shared_schema.protocol import answer_entity_id
from sync_server.core import inspections
from sync_server.http.app import create_app
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World, copy_seed, make_config
from tests.sync_server.helpers import Device, complete_answers, dump_database, png_bytes, sha

Api = tuple[TestClient, World]


def push(client: TestClient, world: World, user: str, dev: Device, changes: list[Any]) -> dict[str, Any]:
    r = client.post("/api/v1/sync/push", json=dev.body(changes), headers=world.headers(user))
    assert r.status_code == 200, r.text
    return r.json()


def pull(client: TestClient, world: World, user: str, dev: Device | None = None, limit: int = 1000) -> dict[str, Any]:
    cursor = dev.cursor if dev else 0
    changes: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"cursor": cursor, "limit": limit, "protocol": 1}
        if dev:
            params["client_id"] = dev.client_id
        r = client.get("/api/v1/sync/pull", params=params, headers=world.headers(user))
        assert r.status_code == 200, r.text
        page = r.json()
        if dev:
            dev.apply_pull(page)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return {"changes": changes, "cursor": cursor}


def upload(client: TestClient, world: World, user: str, data: bytes, chunk: int) -> None:
    digest = sha(data)
    for offset in range(0, len(data), chunk):
        r = client.patch(
            f"/api/v1/blobs/{digest}",
            content=data[offset : offset + chunk],
            headers={
                **world.headers(user),
                "Upload-Offset": str(offset),
                "Upload-Length": str(len(data)),
                "Content-Type": "application/offset+octet-stream",
            },
        )
        assert r.status_code == 200, r.text


def server_state(world: World) -> dict[tuple[str, str, str], Any]:
    """Every inspection and answer field the server holds (a null value is no value: a rejected
    first write is re-stamped as null so the device converges to "nothing")."""
    with world.server.db.read() as tx:
        rows = tx.query("SELECT entity, entity_id, field, value FROM feed WHERE entity IN ('inspection', 'answer')")
    decoded = {(r[0], r[1], r[2]): msgspec.json.decode(r[3]) for r in rows}
    return {k: v for k, v in decoded.items() if v is not None}


def assert_problem(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if code is not None:
        assert body.get("code") == code, body
    return body


def test_full_cycle_two_devices_and_a_supervisor(api: Api) -> None:
    client, world = api
    a, b = Device("phone-a"), Device("phone-b")
    pull(client, world, "insp_a", a)
    pull(client, world, "insp_a2", b)
    signature = png_bytes(4000, seed=11)
    iid, create = a.start_inspection(world.site_a)
    reply = push(client, world, "insp_a", a, [*create, *complete_answers(a, iid, sha(signature))])
    assert {r["status"] for r in reply["results"]} == {"applied"}
    upload(client, world, "insp_a", signature, chunk=1500)
    pull(client, world, "insp_a2", b)
    assert b.values[("answer", answer_entity_id(iid, "workers"), "value")] == 120
    reply = push(
        client, world, "insp_a2", b, [b.answer(iid, "workers", 130), b.change("inspection", iid, "status", "submitted")]
    )
    assert [r["status"] for r in reply["results"]] == ["applied", "applied"]
    assert not any(r.get("conflict") for r in reply["results"])
    listed = client.get("/api/v1/inspections", params={"status": "submitted"}, headers=world.headers("sup")).json()
    assert [i["id"] for i in listed["items"]] == [iid]
    detail = client.get(f"/api/v1/inspections/{iid}", headers=world.headers("sup")).json()
    assert detail["missing_blobs"] == [] and detail["blobs"] == [sha(signature)]
    r = client.post(
        f"/api/v1/inspections/{iid}/review",
        json={"decision": "approve", "comment": "Đạt"},
        headers=world.headers("sup"),
    )
    assert r.status_code == 200, r.text
    pull(client, world, "insp_a", a)
    pull(client, world, "insp_a2", b)
    expected = server_state(world)
    for dev in (a, b):
        held = {k: v for k, v in dev.values.items() if k[0] in ("inspection", "answer") and v is not None}
        assert held == expected
    assert expected[("inspection", iid, "status")] == "approved"
    assert expected[("inspection", iid, "review")]["decision"] == "approve"
    locked = push(client, world, "insp_a", a, [a.answer(iid, "workers", 1)])
    assert locked["results"][0]["code"] == "locked"
    assert client.get(f"/api/v1/blobs/{sha(signature)}", headers=world.headers("insp_a2")).content == signature


def test_devices_list_shows_each_devices_last_pull_and_cursor(api: Api) -> None:
    client, world = api
    dev = Device("phone-pull")
    _, create = dev.start_inspection(world.site_a)
    push(client, world, "insp_a", dev, create)
    cursor = pull(client, world, "insp_a", dev)["cursor"]
    listed = client.get("/api/v1/clients", headers=world.headers("admin"))
    assert listed.status_code == 200, listed.text
    row = next(d for d in listed.json() if d["client_id"] == "phone-pull")
    assert row["last_pull_cursor"] == cursor and row["last_pull_at"] and row["last_push_at"]
    bad = client.get(
        "/api/v1/sync/pull", params={"cursor": 0, "protocol": 1, "client_id": "a b"}, headers=world.headers("insp_a")
    )
    assert_problem(bad, 422, "invalid_client_id")


def test_replayed_push_changes_nothing(api: Api) -> None:
    client, world = api
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    body = dev.body([*create, dev.answer(iid, "team", "yes")])
    first = client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_a")).json()
    before = dump_database(world.db_path)
    again = client.post("/api/v1/sync/push", json=body, headers=world.headers("insp_a")).json()
    assert {r["status"] for r in again["results"]} == {"duplicate"}
    assert again["acked_seq"] == first["acked_seq"] == 5
    assert dump_database(world.db_path) == before


def test_push_whose_reply_was_lost_applies_once_when_retried_with_more(api: Api) -> None:
    client, world = api
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    client.post("/api/v1/sync/push", json=dev.body(create), headers=world.headers("insp_a"))  # reply "lost"
    more = dev.answer(iid, "workers", 77)
    retry = push(client, world, "insp_a", dev, [*create, more])
    assert [r["status"] for r in retry["results"]] == ["duplicate"] * 4 + ["applied"]
    assert retry["acked_seq"] == 5
    with world.server.db.read() as tx:
        assert tx.scalar("SELECT COUNT(*) FROM inspections") == 1
        assert tx.scalar("SELECT COUNT(*) FROM audit WHERE action = 'sync.push'") == 2


def test_concurrent_edits_of_one_answer_end_with_one_winner_everywhere_and_one_conflict(api: Api) -> None:
    client, world = api
    a, b = Device("phone-a"), Device("phone-b")
    iid, create = a.start_inspection(world.site_a)
    push(client, world, "insp_a", a, create)
    pull(client, world, "insp_a", a)
    pull(client, world, "insp_a2", b)
    ea = a.answer(iid, "masks", "most")
    eb = b.answer(iid, "masks", "all")
    ra = push(client, world, "insp_a", a, [ea])
    rb = push(client, world, "insp_a2", b, [eb])
    assert ra["results"][0]["status"] == "applied"
    assert rb["results"][0]["conflict"] is True
    for dev, user in ((a, "insp_a"), (b, "insp_a2")):
        pull(client, world, user, dev)
    key = ("answer", answer_entity_id(iid, "masks"), "value")
    winner = server_state(world)[key]
    assert a.values[key] == b.values[key] == winner == max((ea, eb), key=lambda c: c.hlc).value
    conflicts = client.get("/api/v1/conflicts", headers=world.headers("sup")).json()
    assert len(conflicts) == 1 and conflicts[0]["entry"]["entity_id"] == answer_entity_id(iid, "masks")
    assert sum(1 for k in a.values if k[0] == "conflict") == 1


def test_resumed_upload_equals_one_shot_upload_and_wrong_hash_is_refused(api: Api) -> None:
    client, world = api
    data = png_bytes(20000, seed=5)
    digest = sha(data)
    h = world.headers("insp_a")
    assert client.head(f"/api/v1/blobs/{digest}", headers=h).status_code == 404
    first = client.patch(
        f"/api/v1/blobs/{digest}",
        content=data[:7000],
        headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(data))},
    )
    assert first.status_code == 200 and first.headers["Upload-Offset"] == "7000"
    head = client.head(f"/api/v1/blobs/{digest}", headers=h)
    assert head.headers["Upload-Offset"] == "7000" and "Upload-Complete" not in head.headers
    stale = client.patch(
        f"/api/v1/blobs/{digest}",
        content=data[:10],
        headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(data))},
    )
    assert_problem(stale, 409, "offset_mismatch")
    assert stale.headers["Upload-Offset"] == "7000"
    rest = client.patch(
        f"/api/v1/blobs/{digest}",
        content=data[7000:],
        headers={**h, "Upload-Offset": "7000", "Upload-Length": str(len(data))},
    )
    assert rest.status_code == 200 and rest.headers["Upload-Complete"] == "1"
    resumed = client.get(f"/api/v1/blobs/{digest}", headers=h).content
    other = png_bytes(20000, seed=5)  # the same bytes uploaded one-shot elsewhere: same address, same content
    assert resumed == data == other
    wrong = client.patch(
        f"/api/v1/blobs/{sha(b'other')}",
        content=data,
        headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(data))},
    )
    assert_problem(wrong, 422, "hash_mismatch")
    assert client.head(f"/api/v1/blobs/{sha(b'other')}", headers=h).status_code == 404
    not_image = b"GIF89a-not-allowed-here"
    assert_problem(
        client.patch(
            f"/api/v1/blobs/{sha(not_image)}",
            content=not_image,
            headers={**h, "Upload-Offset": "0", "Upload-Length": str(len(not_image))},
        ),
        415,
    )
    too_big = client.patch(
        f"/api/v1/blobs/{digest[::-1]}", content=b"x", headers={**h, "Upload-Offset": "0", "Upload-Length": str(10**8)}
    )
    assert_problem(too_big, 413)


# --- bad input: each gets the right 4xx, a clear message, and changes nothing ------------------

HUGE = 10**30  # beyond any 64-bit integer


def _with_value(body: dict[str, Any], raw_value: str) -> bytes:
    """``body`` (a push of one change) as JSON with the change's value replaced by raw text."""
    text = json.dumps({**body, "changes": [{**body["changes"][0], "value": "@@"}]})
    return text.replace('"@@"', raw_value).encode("latin-1")


def _bad_requests(world: World, dev: Device, iid: str) -> list[tuple[str, str, str, dict[str, Any], int, str | None]]:
    """(case, method, path, options, status, code); ``iid`` is a draft inspection of insp_a."""
    good = dev.body(dev.start_inspection(world.site_a)[1])
    wrong_type = {**good, "changes": [{**good["changes"][0], "client_seq": "one"}]}
    unknown_entity = {**good, "changes": [{**good["changes"][0], "entity": "spaceship"}]}
    unknown_field = {**good, "changes": [{**good["changes"][0], "field": "colour"}]}
    answer = dev.body([dev.answer(iid, "workers", 5)])
    return [
        (
            "malformed JSON",
            "POST",
            "/api/v1/sync/push",
            {"content": b'{"protocol": 1, "changes": [', "user": "insp_a"},
            400,
            "malformed_request",
        ),
        ("empty body", "POST", "/api/v1/sync/push", {"content": b"", "user": "insp_a"}, 400, "invalid_request"),
        ("wrong types", "POST", "/api/v1/sync/push", {"json": wrong_type, "user": "insp_a"}, 400, "invalid_request"),
        (
            "unknown entity",
            "POST",
            "/api/v1/sync/push",
            {"json": unknown_entity, "user": "insp_a"},
            422,
            "malformed_push",
        ),
        (
            "unknown field",
            "POST",
            "/api/v1/sync/push",
            {"json": unknown_field, "user": "insp_a"},
            422,
            "malformed_push",
        ),
        (
            "unsupported protocol",
            "POST",
            "/api/v1/sync/push",
            {"json": {**good, "protocol": 9}, "user": "insp_a"},
            400,
            "protocol_unsupported",
        ),
        (
            "oversized body",
            "POST",
            "/api/v1/sync/push",
            {"json": {**good, "app_version": "x" * (2 * 1024 * 1024)}, "user": "insp_a"},
            413,
            None,
        ),
        ("missing token", "POST", "/api/v1/sync/push", {"json": good, "user": None}, 401, "token_missing"),
        (
            "expired or unknown token",
            "POST",
            "/api/v1/sync/push",
            {"json": good, "token": "expired"},
            401,
            "token_invalid",
        ),
        ("another district's site", "GET", f"/api/v1/sites/{world.site_b}", {"user": "insp_a"}, 404, "out_of_scope"),
        (
            "inspector reviewing",
            "POST",
            f"/api/v1/inspections/{iid}/review",
            {"json": {"decision": "approve"}, "user": "insp_a"},
            403,
            "not_permitted",
        ),
        (
            "unknown review decision",
            "POST",
            f"/api/v1/inspections/{iid}/review",
            {"json": {"decision": "maybe"}, "user": "sup"},
            400,
            "invalid_request",
        ),
        (
            "reject without a comment",
            "POST",
            f"/api/v1/inspections/{iid}/review",
            {"json": {"decision": "reject", "comment": "  "}, "user": "sup"},
            422,
            "comment_required",
        ),
        ("pull without protocol", "GET", "/api/v1/sync/pull", {"user": "insp_a"}, 400, "protocol_unsupported"),
        (
            "checklist that does not decode",
            "POST",
            "/api/v1/templates",
            {"json": {"template_id": "x"}, "user": "admin"},
            400,
            "invalid_request",
        ),
        ("unknown path", "GET", "/api/v1/nothing-here", {"user": "insp_a"}, 404, "not_found"),
        (
            "active given as 0",
            "PATCH",
            f"/api/v1/users/{world.actor('insp_b').user_id}",
            {"json": {"active": 0}, "user": "admin"},
            400,
            "invalid_request",
        ),
        (
            "the last admin demoted",
            "PATCH",
            f"/api/v1/users/{world.actor('admin').user_id}",
            {"json": {"role": "supervisor", "districts": [DISTRICT_A]}, "user": "admin"},
            409,
            "last_admin",
        ),
        (
            "the last admin deactivated",
            "PATCH",
            f"/api/v1/users/{world.actor('admin').user_id}",
            {"json": {"active": False}, "user": "admin"},
            409,
            "last_admin",
        ),
        (
            "an inspector left without a district",
            "PATCH",
            f"/api/v1/users/{world.actor('insp_b').user_id}",
            {"json": {"districts": []}, "user": "admin"},
            422,
            "district_required",
        ),
        (
            "a common password",
            "POST",
            "/api/v1/users",
            {
                "json": {"username": "moi", "password": "password", "role": "inspector", "districts": [DISTRICT_A]},
                "user": "admin",
            },
            422,
            "weak_password",
        ),
        (
            "a digits-only password on reset",
            "PATCH",
            f"/api/v1/users/{world.actor('insp_b').user_id}",
            {"json": {"password": "12345678"}, "user": "admin"},
            422,
            "weak_password",
        ),
        ("admin opens an unknown inspection", "GET", "/api/v1/inspections/nope", {"user": "admin"}, 404, "not_found"),
        (
            "admin reviews an unknown inspection",
            "POST",
            "/api/v1/inspections/nope/review",
            {"json": {"decision": "approve"}, "user": "admin"},
            404,
            "not_found",
        ),
        ("admin resolves an unknown conflict", "POST", "/api/v1/conflicts/nope/resolve", {"user": "admin"}, 404, None),
        ("admin opens an unknown site", "GET", "/api/v1/sites/nope", {"user": "admin"}, 404, "not_found"),
        ("cursor beyond 64 bits", "GET", f"/api/v1/sync/pull?protocol=1&cursor={HUGE}", {"user": "insp_a"}, 400, None),
        ("limit beyond 64 bits", "GET", f"/api/v1/sync/pull?protocol=1&limit={HUGE}", {"user": "insp_a"}, 400, None),
        ("offset beyond 64 bits", "GET", f"/api/v1/inspections?offset={HUGE}", {"user": "sup"}, 400, None),
        ("site offset beyond 64 bits", "GET", f"/api/v1/sites?offset={HUGE}", {"user": "admin"}, 400, None),
        ("audit offset beyond 64 bits", "GET", f"/api/v1/audit?offset={HUGE}", {"user": "admin"}, 400, None),
        (
            "template version beyond 64 bits",
            "POST",
            f"/api/v1/templates/sample-factory/versions/{HUGE}/publish",
            {"user": "admin"},
            400,
            None,
        ),
        (
            "JSON nested 2,000 deep",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, "[" * 2000 + "]" * 2000), "user": "insp_a"},
            400,
            "too_deeply_nested",
        ),
        (
            "answer nested 100 deep",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, "[" * 100 + "]" * 100), "user": "insp_a"},
            400,
            "invalid_request",
        ),
        (
            "invalid UTF-8 in a push",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, '"Nh\xe0 m\xe1y"'), "user": "insp_a"},  # Latin-1 bytes
            400,
            None,
        ),
        (
            "number answer 1e400",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, "1e400"), "user": "insp_a"},
            400,
            "invalid_request",
        ),
        (
            "number answer 10^400",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, "1" + "0" * 400), "user": "insp_a"},
            400,
            "number_out_of_range",
        ),
        (
            "NUL in an answer",
            "POST",
            "/api/v1/sync/push",
            {"content": _with_value(answer, '"Nh\\u0000"'), "user": "insp_a"},
            400,
            "nul_character",
        ),
        (
            "NUL in a login name",
            "POST",
            "/api/v1/auth/token",
            {"json": {"username": "admin\u0000", "password": "x"}},
            400,
            "nul_character",
        ),
        ("NUL in a query", "GET", "/api/v1/sites?q=a%00b", {"user": "admin"}, 400, "nul_character"),
        (
            "NUL in a new site",
            "POST",
            "/api/v1/sites",
            {"json": {"code": "X\u0000", "name": "n", "kind": "DN_SX", "district": DISTRICT_A}, "user": "admin"},
            400,
            "nul_character",
        ),
        ("wrong method", "DELETE", "/api/v1/sync/push", {"user": "insp_a"}, 405, "method_not_allowed"),
    ]


BAD_CASES = [
    "malformed JSON",
    "empty body",
    "wrong types",
    "unknown entity",
    "unknown field",
    "unsupported protocol",
    "oversized body",
    "missing token",
    "expired or unknown token",
    "another district's site",
    "inspector reviewing",
    "unknown review decision",
    "reject without a comment",
    "pull without protocol",
    "checklist that does not decode",
    "unknown path",
    "wrong method",
    "active given as 0",
    "the last admin demoted",
    "the last admin deactivated",
    "an inspector left without a district",
    "a common password",
    "a digits-only password on reset",
    "admin opens an unknown inspection",
    "admin reviews an unknown inspection",
    "admin resolves an unknown conflict",
    "admin opens an unknown site",
    "cursor beyond 64 bits",
    "limit beyond 64 bits",
    "offset beyond 64 bits",
    "site offset beyond 64 bits",
    "audit offset beyond 64 bits",
    "template version beyond 64 bits",
    "JSON nested 2,000 deep",
    "answer nested 100 deep",
    "invalid UTF-8 in a push",
    "number answer 1e400",
    "number answer 10^400",
    "NUL in an answer",
    "NUL in a login name",
    "NUL in a query",
    "NUL in a new site",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_gets_a_problem_and_changes_nothing(api: Api, case: str) -> None:
    client, world = api
    dev = Device()
    # a real inspection, so that the review cases meet a real record
    iid, create = dev.start_inspection(world.site_a)
    push(client, world, "insp_a", dev, create)
    cases = {c[0]: c for c in _bad_requests(world, dev, iid)}
    assert set(cases) == set(BAD_CASES)
    _, method, path, opts, status, code = cases[case]
    headers: dict[str, str] = {}
    if opts.get("user"):
        headers = world.headers(opts["user"])
    if opts.get("token"):
        headers = {"Authorization": f"Bearer {opts['token']}"}
    before = dump_database(world.db_path)
    kwargs: dict[str, Any] = {"headers": headers}
    if "json" in opts:
        kwargs["json"] = opts["json"]
    if "content" in opts:
        kwargs["content"] = opts["content"]
        kwargs["headers"] = {**headers, "Content-Type": "application/json"}
    r = client.request(method, path, **kwargs)
    body = assert_problem(r, status, code)
    if case == "empty body":
        assert "The request has no body" in body["detail"]
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert dump_database(world.db_path) == before


@pytest.mark.parametrize(
    ("case", "expected_code"),
    [
        ("out-of-range value", "invalid_value"),
        ("unknown checklist version", "unknown_template"),
        ("another district's site", "out_of_scope"),
        ("edit to an approved inspection", "locked"),
    ],
)
def test_per_change_rejections_leave_the_data_unchanged(api: Api, case: str, expected_code: str) -> None:
    client, world = api
    dev = Device()
    signature = png_bytes(seed=2)
    iid, create = dev.start_inspection(world.site_a)
    push(
        client,
        world,
        "insp_a",
        dev,
        [*create, *complete_answers(dev, iid, sha(signature))],
    )
    upload(client, world, "insp_a", signature, chunk=10**6)
    if case == "edit to an approved inspection":
        push(client, world, "insp_a", dev, [dev.change("inspection", iid, "status", "submitted")])
        r = client.post(f"/api/v1/inspections/{iid}/review", json={"decision": "approve"}, headers=world.headers("sup"))
        assert r.status_code == 200
    if case == "unknown checklist version":
        other_id = "inspection-on-version-99"
        push(
            client,
            world,
            "insp_a",
            dev,
            [
                dev.change("inspection", other_id, "site_id", world.site_a),
                dev.change("inspection", other_id, "template_id", "sample-factory"),
            ],
        )
        changes = [dev.change("inspection", other_id, "template_version", 99)]
    else:
        changes = [
            {
                "out-of-range value": lambda: dev.answer(iid, "workers", 10**9),
                "another district's site": lambda: dev.change("inspection", "new-inspection", "site_id", world.site_b),
                "edit to an approved inspection": lambda: dev.answer(iid, "workers", 5),
            }[case]()
        ]
    dev.seq = changes[-1].client_seq
    before = server_state(world)
    with world.server.db.read() as tx:
        inspections_before = tx.query("SELECT * FROM inspections")
    reply = push(client, world, "insp_a", dev, changes)
    codes = [r["code"] for r in reply["results"] if r["status"] == "rejected"]
    assert expected_code in codes
    assert all(r["reason"] for r in reply["results"] if r["status"] == "rejected")
    assert reply["acked_seq"] == dev.seq
    assert server_state(world) == before
    with world.server.db.read() as tx:
        assert [tuple(r) for r in tx.query("SELECT * FROM inspections")] == [tuple(r) for r in inspections_before]


def test_unexpected_errors_are_problems_too_and_extra_routes_mount(seed_dir: Any, tmp_path: Path) -> None:
    @get("/console/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("kaboom")

    copy_seed(seed_dir, tmp_path)
    with TestClient(
        create_app(make_config(tmp_path), extra_route_handlers=[boom]), raise_server_exceptions=False
    ) as client:
        body = assert_problem(client.get("/console/boom"), 500, "internal_error")
        assert "kaboom" not in body["detail"]


def test_openapi_health_and_me(api: Api) -> None:
    client, world = api
    assert client.get("/healthz").json() == {"status": "ok"}
    document = client.get("/schema/openapi.json").json()
    paths = document["paths"]
    for p in (
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/blobs/{sha256}",
        "/api/v1/auth/token",
        "/api/v1/inspections/{inspection_id}/review",
        "/api/v1/sites/import",
    ):
        assert p in paths
    me = client.get("/api/v1/me", headers=world.headers("insp_a")).json()
    assert me["username"] == "insp_a" and me["role"] == "inspector"


def test_the_inspection_list_and_export_document_and_apply_the_same_filters(api: Api) -> None:
    client, world = api
    paths = client.get("/schema/openapi.json").json()["paths"]
    names = set(inspections.FILTER_NAMES)
    for path in ("/api/v1/inspections", "/api/v1/exports/{filename}"):
        documented = {p["name"] for p in paths[path]["get"]["parameters"] if p["in"] == "query"}
        assert names <= documented, (path, names - documented)
    dev = Device()
    _iid, create = dev.start_inspection(world.site_a)
    push(client, world, "insp_a", dev, create)
    headers = world.headers("sup")
    for inspector, rows in (("insp_a", 1), ("nobody", 0)):
        query = {"inspector": inspector}
        listed = client.get("/api/v1/inspections", params=query, headers=headers).json()
        assert listed["total"] == rows
        export = client.get(
            "/api/v1/exports/inspections.csv", params={**query, "include_drafts": "true"}, headers=headers
        )
        assert export.status_code == 200 and len(export.text.strip().splitlines()) == 2 + rows  # two header rows
    bad = client.get("/api/v1/exports/inspections.csv", params={"date_from": "31/12"}, headers=headers)
    assert_problem(bad, 422, "invalid_date")


def test_openapi_documents_the_push_body(api: Api) -> None:
    client, _world = api
    document = client.get("/schema/openapi.json").json()
    schemas = document["components"]["schemas"]

    def resolve(schema: dict) -> dict:
        return schemas[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    body = document["paths"]["/api/v1/sync/push"]["post"]["requestBody"]
    push = resolve(body["content"]["application/json"]["schema"])
    assert body["required"] is True
    assert set(push["required"]) == {"protocol", "client_id", "app_version", "changes"}
    change = resolve(push["properties"]["changes"]["items"])
    assert set(change["required"]) == {"change_id", "client_seq", "entity", "entity_id", "field", "hlc"}
    assert {"value", "base_hlc"} <= set(change["properties"])


def test_openapi_documents_every_error_response_as_a_problem(api: Api) -> None:
    client, _world = api
    document = client.get("/schema/openapi.json").json()
    problem = document["components"]["schemas"]["Problem"]
    assert {"title", "status"} <= set(problem["required"]) and "detail" in problem["properties"]
    operations = [
        (path, method.upper(), op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "responses" in op
    ]
    assert len(operations) > 20
    for path, method, op in operations:
        expected = {"400", "422"}
        if path not in ("/healthz", "/api/v1/auth/token"):
            expected |= {"401", "403"}
        if "{" in path:
            expected.add("404")
        if method in ("POST", "PATCH"):
            expected |= {"409", "413"}
        if path == "/api/v1/auth/token":
            expected |= {"401", "429"}
        assert expected <= set(op["responses"]), (method, path, sorted(op["responses"]))
        for status in expected:
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
            assert op["responses"][status]["description"]


ODD_QUERY_VALUES = ("x", "-1", "", str(10**30), "%ff", "1e400")


def test_odd_query_values_get_a_documented_problem_on_every_operation(api: Api) -> None:
    """Every query parameter of every reading operation, given values no client should send
    (an unknown id, a negative or 100-digit number, bytes that are not UTF-8), answers a status
    its operation documents, never 5xx: the in-process, every-commit companion of the
    schemathesis run (which found none of these on its own)."""
    client, world = api
    document = client.get("/schema/openapi.json").json()
    undocumented = []
    for path, item in document["paths"].items():
        op = item.get("get")
        if op is None:
            continue
        names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
        for name in names:
            for value in ODD_QUERY_VALUES:
                query = f"{name}={value}" + ("&protocol=1" if name != "protocol" else "")
                for user in ("admin", "insp_b"):
                    r = client.get(f"{path.replace('{', '').replace('}', '')}?{query}", headers=world.headers(user))
                    if r.status_code >= 500 or str(r.status_code) not in op["responses"]:
                        undocumented.append((path, query, user, r.status_code))
    assert undocumented == []


def test_pull_scope_names_what_the_caller_may_see_and_changes_with_their_districts(api: Api) -> None:
    client, world = api

    def scope(username: str) -> str:
        r = client.get(
            "/api/v1/sync/pull", params={"cursor": 0, "limit": 1, "protocol": 1}, headers=world.headers(username)
        )
        assert r.status_code == 200, r.text
        return r.json()["scope"]

    assert scope("insp_a") == scope("insp_a2") == scope("sup")  # same districts, same scope
    assert len({scope("insp_a"), scope("insp_b"), scope("admin")}) == 3
    before = scope("insp_a")
    user_id = next(
        u["id"] for u in client.get("/api/v1/users", headers=world.headers("admin")).json() if u["username"] == "insp_a"
    )
    r = client.patch(
        f"/api/v1/users/{user_id}", json={"districts": [DISTRICT_A, DISTRICT_B]}, headers=world.headers("admin")
    )
    assert r.status_code == 200, r.text
    widened = scope("insp_a")
    assert widened != before
    r = client.patch(f"/api/v1/users/{user_id}", json={"districts": [DISTRICT_A]}, headers=world.headers("admin"))
    assert r.status_code == 200 and scope("insp_a") == before


def test_login_over_http(api: Api) -> None:
    client, _world = api
    from tests.sync_server.conftest import PASSWORD

    ok = client.post("/api/v1/auth/token", json={"username": "sup", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["user"]["role"] == "supervisor" and ok.json()["expires_at"]
    bad_user = client.post("/api/v1/auth/token", json={"username": "ghost", "password": PASSWORD})
    bad_pass = client.post("/api/v1/auth/token", json={"username": "sup", "password": "nope"})
    assert assert_problem(bad_user, 401)["detail"] == assert_problem(bad_pass, 401)["detail"]


def test_a_problem_carries_its_message_in_both_languages_and_keeps_the_old_detail(api: Api) -> None:
    client, _world = api
    refused = assert_problem(client.post("/api/v1/auth/token", json={"username": "sup", "password": "nope"}), 401)
    messages = refused["messages"]
    assert messages["vi"] and messages["en"] and messages["vi"] != messages["en"]
    assert refused["detail"] == f"{messages['vi']} / {messages['en']}"  # what apps before 2026-11-30 show
    missing = assert_problem(client.get("/api/v1/no-such-path"), 404, "not_found")
    assert missing["detail"] == f"{missing['messages']['vi']} / {missing['messages']['en']}"
    assert (
        "Không có địa chỉ này" in missing["messages"]["vi"] and "nothing at this address" in missing["messages"]["en"]
    )


def test_a_refusal_has_the_same_title_whether_the_service_or_the_framework_says_it(api: Api) -> None:
    client, world = api
    unknown_site = assert_problem(client.get("/api/v1/sites/nope", headers=world.headers("admin")), 404, "not_found")
    unknown_path = assert_problem(client.get("/api/v1/no-such-path"), 404, "not_found")
    assert unknown_site["title"] == unknown_path["title"] == "Not found"
    signed_out = assert_problem(client.get("/api/v1/sites"), 401)
    assert signed_out["title"] == "Not signed in"
