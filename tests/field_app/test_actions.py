"""Corrective actions on the phone against a real server: a failed item gets an action, the
next visit sees it first ("Tồn tại từ lần trước"), two phones report it fixed offline at the
same time (one wins, the other is in the conflict log), the supervisor verifies it and it
leaves the site's open list; and the app's migration turns text+deadline answers into actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlite_utils

from field_app.core.migrations import apply_migrations
from shared_schema import actions as rules
from shared_schema.validation import Invalid
from tests.field_app.e2e import assert_converged, site_id, sync_ok
from tests.field_app.helpers import png_bytes

pytestmark = pytest.mark.slow

TODAY = rules.viet_nam_today()
SOON = (TODAY + dt.timedelta(days=7)).isoformat()


def test_an_action_from_a_failed_item_is_reported_fixed_offline_on_two_phones_and_verified(world) -> None:
    a = world.device("act-a", "an")
    b = world.device("act-b", "binh")
    site = site_id(a, "DN-001")
    x = a.start_inspection(site, "sample-factory")
    a.set_answer_value(x, "temp_check", "no")
    refused = a.add_action(x, "temp_check", "Đặt máy đo thân nhiệt", (TODAY - dt.timedelta(days=1)).isoformat())
    assert isinstance(refused, Invalid) and "đã qua" in refused.message.vi
    assert a.inspection_actions(x) == []  # a refused value writes nothing
    aid = a.add_action(x, "temp_check", "Đặt máy đo thân nhiệt ở cổng", SOON, "Ông Hùng", "0912345678")
    assert isinstance(aid, str)
    sync_ok(a)
    sync_ok(b)
    first = b.open_actions(site)
    assert [v.action.id for v in first] == [aid]
    assert first[0].question_label is not None and not first[0].overdue

    # both phones offline report the same action fixed, each with its own photo and note
    a.add_fix_photo(aid, png_bytes(21))
    assert a.report_fixed(aid, "Đã đặt máy đo (máy A)") is None
    b.add_fix_photo(aid, png_bytes(22))
    assert b.report_fixed(aid, "Đã đặt máy đo (máy B)") is None
    for app in (a, b, a, b):
        sync_ok(app)
    with world.api("chi") as http:
        conflicts = http.get("/api/v1/conflicts").json()
        assert any(c["entry"]["entity"] == "action" and c["entry"]["field"] == "fix_note" for c in conflicts)
        assert http.get(f"/api/v1/actions/{aid}").json()["item"]["status"] == "reported_fixed"
        r = http.post(f"/api/v1/actions/{aid}/verify", json={"comment": "Đã kiểm tra: đạt"})
        assert r.status_code == 200, r.text
    for app in (a, b):
        sync_ok(app)
    assert a.open_actions(site) == [] and b.open_actions(site) == []
    assert_converged(world, (a, "an"), (b, "binh"))


def test_finding_photos_and_a_not_yet_fixed_check_made_offline_reach_the_server(world) -> None:
    a = world.device("act-a", "an")
    site = site_id(a, "DN-001")
    x = a.start_inspection(site, "sample-factory")
    a.set_answer_value(x, "temp_check", "no")
    aid = a.add_action(x, "temp_check", "Đặt máy đo thân nhiệt ở cổng", SOON)
    assert isinstance(aid, str)
    sha = a.add_finding_photo(aid, png_bytes(31, 40, 30))
    sync_ok(a)
    with world.api("chi") as http:
        assert http.get(f"/api/v1/actions/{aid}").json()["finding_photos"] == [sha]
        assert http.get(f"/api/v1/blobs/{sha}").status_code == 200
    # the follow-up visit, offline: not yet fixed, with what is still missing
    assert a.report_not_fixed(aid, "   ") is not None
    assert a.report_not_fixed(aid, "Mới mua máy đo, chưa lắp") is None
    sync_ok(a)
    with world.api("chi") as http:
        detail = http.get(f"/api/v1/actions/{aid}").json()
    assert detail["item"]["status"] == "open" and detail["check_note"] == "Mới mua máy đo, chưa lắp"
    assert detail["checked_on"] == TODAY.isoformat()
    assert [(e["event"], e["comment"]) for e in detail["history"]][-1] == ("not_yet_fixed", "Mới mua máy đo, chưa lắp")


HLC = "001700000000000-00001-dev1"


def _app_db_before_the_actions_migration(tmp_path: Path) -> sqlite_utils.Database:
    """A phone's database as it was before migration 5 (actions), with inspection ``i1`` of site
    ``s1``."""
    db = sqlite_utils.Database(tmp_path / "app.db")
    apply_migrations(db)
    db.execute("DROP TABLE actions")
    db.execute("DELETE FROM _migrations WHERE name = 'm005_actions'")
    db.execute(
        "INSERT INTO inspections (key, data, clocks, site_id) VALUES (?, ?, ?, ?)",
        ["i1", json.dumps({"site_id": "s1"}), json.dumps({"site_id": HLC}), "s1"],
    )
    return db


def _insert_answer(db: sqlite_utils.Database, qid: str, fields: dict[str, object]) -> None:
    db.execute(
        "INSERT INTO answers (key, data, clocks, inspection_id, question_id) VALUES (?, ?, ?, ?, ?)",
        [f"i1/{qid}", json.dumps(fields), json.dumps({k: HLC for k in fields}), "i1", qid],
    )


def test_the_apps_migration_turns_text_and_deadline_answers_into_actions(tmp_path: Path) -> None:
    db = _app_db_before_the_actions_migration(tmp_path)
    _insert_answer(db, "team", {"value": "no", "corrective_action": "Thành lập tổ", "due_date": "2021-06-01"})
    _insert_answer(db, "masks", {"value": "few", "due_date": "2021-07-01"})
    _insert_answer(db, "workers", {"value": 10})
    assert apply_migrations(db) == [5]
    rows = {r[0]: (json.loads(r[1]), r[2]) for r in db.execute("SELECT key, data, status FROM actions").fetchall()}
    assert set(rows) == {rules.migrated_action_id("i1", "team"), rules.migrated_action_id("i1", "masks")}
    team = rows["i1:team"][0]
    assert team["description"] == "Thành lập tổ" and team["deadline"] == "2021-06-01" and team["site_id"] == "s1"
    assert rows["i1:masks"][0]["description"] is None and rows["i1:masks"][1] == "open"
    # the answers are kept as they were
    kept = json.loads(db.execute("SELECT data FROM answers WHERE key = 'i1/team'").fetchone()[0])
    assert kept["corrective_action"] == "Thành lập tổ"


def test_the_apps_migration_leaves_unsent_answer_text_to_the_server(tmp_path: Path) -> None:
    """An answer whose text is still queued is not turned into a local action: the server turns it
    into the same action when it arrives, and the device pulls it (no second record)."""
    db = _app_db_before_the_actions_migration(tmp_path)
    _insert_answer(db, "team", {"value": "no", "corrective_action": "Thành lập tổ"})
    db.execute(
        "INSERT INTO outbox (client_seq, change_id, entity, entity_id, field, value, hlc, inspection_id, created_at)"
        " VALUES (1, 'c1', 'answer', 'i1/team', 'corrective_action', '\"Thành lập tổ\"', ?, 'i1', 'now')",
        [HLC],
    )
    assert apply_migrations(db) == [5]
    assert db.execute("SELECT COUNT(*) FROM actions").fetchone()[0] == 0
