"""Corrective actions on the phone in headless Chromium (the real app served by flet-web,
against a real server): the site page shows what is still open from the last visit first
("Tồn tại từ lần trước"); offline, the inspector marks it fixed with a photo and a note; it
syncs; the supervisor verifies it and only then does it leave the overdue list. A failed item
offers "Thêm biện pháp khắc phục", and the action takes a photo of the finding from the picker. Screenshots of each screen go to test-artifacts/field_app."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from shared_schema import actions as action_rules
from tests.field_app.helpers import png_bytes
from tests.field_app.ui.test_browser_flows import SITES, WAIT, _in, _see
from tests.support.app_process import app_syncing_on_demand
from tests.support.browser import app_in_chromium, log_in, retype, screenshot
from tests.support.sample_checklist import sample_template

pytestmark = [pytest.mark.browser, pytest.mark.slow]


PASSWORDS = {"an": "cay-tre-tren-doi-xanh", "binh": "song-cau-nuoc-chay-mai", "cuong": "che-thai-thom-ngon-lam"}


def _prepare_server(tmp_path):
    import csv

    import msgspec

    from tests.support.server_process import start_server

    server = start_server(tmp_path)
    server.create_user("an", PASSWORDS["an"], "inspector", ["TX Phổ Yên", "H. Đồng Hỷ"])
    server.create_user("binh", PASSWORDS["binh"], "supervisor", ["TX Phổ Yên", "H. Đồng Hỷ"])
    server.create_user("cuong", PASSWORDS["cuong"], "inspector", ["TX Phổ Yên"])
    checklist = tmp_path / "sample.json"
    checklist.write_bytes(msgspec.json.encode(sample_template(1)))
    assert server.cli("load-checklist", "--publish", str(checklist)).returncode == 0
    sites = tmp_path / "sites.csv"
    with sites.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(SITES[0]))
        writer.writeheader()
        writer.writerows(SITES)
    assert server.cli("import-sites", str(sites)).returncode == 0
    return server


def _push_action_from_an_earlier_visit(server) -> str:
    """An earlier inspection of 'Công ty May Phổ Yên' with a failed item and its action, pushed by
    another phone; its deadline then passes (moved back in the database)."""
    from shared_schema.clock import HybridClock
    from shared_schema.protocol import PROTOCOL_VERSION
    from shared_schema.sync import PushRequest, new_change

    token = server.token("cuong", PASSWORDS["cuong"])
    headers = {"Authorization": f"Bearer {token}"}
    sites = httpx.get(f"{server.base_url}/api/v1/sites", params={"q": "DN-001"}, headers=headers).json()
    site_id = next(s["id"] for s in sites["items"] if s["code"] == "DN-001")
    clock, changes = HybridClock("earlier-phone"), []
    iid, aid = str(uuid.uuid4()), str(uuid.uuid4())
    soon = (action_rules.viet_nam_today() + dt.timedelta(days=5)).isoformat()
    for seq, (entity, entity_id, field, value) in enumerate(
        [
            ("inspection", iid, "site_id", site_id),
            ("inspection", iid, "template_id", "sample-factory"),
            ("inspection", iid, "template_version", sample_template(1).version),
            ("inspection", iid, "status", "draft"),
            ("answer", f"{iid}/temp_check", "value", "no"),
            ("action", aid, "inspection_id", iid),
            ("action", aid, "question_id", "temp_check"),
            ("action", aid, "description", "Đặt máy đo thân nhiệt ở cổng chính"),
            ("action", aid, "deadline", soon),
            ("action", aid, "responsible_name", "Lê Văn Cường"),
        ],
        start=1,
    ):
        changes.append(new_change(seq, entity, entity_id, field, value, clock.tick()))
    import msgspec

    body = msgspec.to_builtins(
        PushRequest(protocol=PROTOCOL_VERSION, client_id="earlier-phone", app_version="t", changes=changes)
    )
    reply = httpx.post(f"{server.base_url}/api/v1/sync/push", json=body, headers=headers).raise_for_status().json()
    assert all(r["status"] == "applied" for r in reply["results"]), reply
    # the days pass: the server moves the deadline back (as the seeded demo does), devices get it by pull
    from sync_server.core import actions as core_actions
    from sync_server.core.config import ServerConfig
    from sync_server.core.db import open_database

    db = open_database(ServerConfig(database_url=server.database_url, blob_dir=server.blob_dir, secret_key="x" * 32))
    try:
        core_actions.backdate(db, aid, (action_rules.viet_nam_today() - dt.timedelta(days=2)).isoformat())
    finally:
        db.close()
    return aid


def test_a_follow_up_visit_marks_the_open_action_fixed_offline_and_the_supervisor_verifies_it(tmp_path, artifacts_dir):
    shots = artifacts_dir / "field_app"
    server = _prepare_server(tmp_path)
    aid = _push_action_from_an_earlier_visit(server)
    app = app_syncing_on_demand(server.base_url, tmp_path)
    with app_in_chromium(app, shots, failure="actions-failure") as page:
        expect(page.get_by_role("textbox", name="Tên đăng nhập")).to_be_visible(timeout=WAIT)
        log_in(page, "an", PASSWORDS["an"])
        expect(page.get_by_role("button", name="Chọn cơ sở để kiểm tra")).to_be_visible(timeout=WAIT)
        _see(page, "Không có thay đổi chờ gửi")
        page.get_by_role("button", name="Chọn cơ sở để kiểm tra").click()
        page.get_by_role("button", name=re.compile("Công ty May Phổ Yên")).click()
        carried = _in(page, "Tồn tại từ lần trước")
        expect(carried).to_have_accessible_name(
            re.compile("Đặt máy đo thân nhiệt ở cổng chính.*Quá hạn", re.S), timeout=WAIT
        )
        screenshot(page, shots, "20-site-carried-over")
        # offline: first "not yet fixed" with what is missing, then fixed with a photo and a note
        server.stop()
        retype(carried.get_by_role("textbox", name="Ghi chú: đã làm gì, hoặc còn thiếu gì"), "Chưa lắp máy đo")
        carried.get_by_role("button", name="Vẫn chưa khắc phục").click()
        expect(_in(page, "Tồn tại từ lần trước")).to_have_accessible_name(
            re.compile("chưa khắc phục. Chưa lắp máy đo"), timeout=WAIT
        )
        carried = _in(page, "Tồn tại từ lần trước")
        expect(carried.get_by_role("textbox", name="Ghi chú: đã làm gì, hoặc còn thiếu gì")).to_have_value("")
        screenshot(page, shots, "20b-site-not-yet-fixed-offline")
        photo = tmp_path / "anh-khac-phuc.png"
        photo.write_bytes(png_bytes(9, 40, 30))
        with page.expect_file_chooser() as chooser:
            carried.get_by_role("button", name="Chụp ảnh sau khắc phục").click()
        chooser.value.set_files(str(photo))
        expect(_in(page, "Tồn tại từ lần trước")).to_have_accessible_name(re.compile("1 ảnh"), timeout=WAIT)
        carried = _in(page, "Tồn tại từ lần trước")
        retype(
            carried.get_by_role("textbox", name="Ghi chú: đã làm gì, hoặc còn thiếu gì"),
            "Đã đặt 2 máy đo ở cổng",
        )
        carried.get_by_role("button", name="Đã khắc phục").click()
        expect(page.get_by_text(re.compile("chờ giám sát xác minh"))).to_be_visible(timeout=WAIT)
        screenshot(page, shots, "21-site-reported-fixed-offline")
        server.start()
        page.get_by_role("button", name="Đồng bộ").click()
        _see(page, "Không có thay đổi chờ gửi")
        # a new visit: a failed item offers "Thêm biện pháp khắc phục"
        page.get_by_role("button", name="Bắt đầu kiểm tra: Kiểm tra mẫu cơ sở sản xuất").click()
        expect(page.get_by_text("Phần 1/3")).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Phần tiếp").click()
        expect(page.get_by_text("Phần 2/3")).to_be_visible(timeout=WAIT)
        card = _in(page, "Đo thân nhiệt tại cổng?")
        card.get_by_role("radio", name="Không", exact=True).click()
        card.get_by_role("button", name="Thêm biện pháp khắc phục").click()
        retype(card.get_by_role("textbox", name="Việc cơ sở cần làm"), "Bố trí người đo thân nhiệt mỗi ca")
        due = (action_rules.viet_nam_today() + dt.timedelta(days=7)).strftime("%d/%m/%Y")
        retype(card.get_by_role("textbox", name="Thời hạn (dd/mm/yyyy)"), due)
        retype(card.get_by_role("textbox", name="Người chịu trách nhiệm"), "Lê Văn Cường")
        screenshot(page, shots, "22-fill-add-action")
        card.get_by_role("button", name="Lưu biện pháp").click()
        expect(_in(page, "Đo thân nhiệt tại cổng?")).to_have_accessible_name(
            re.compile("Bố trí người đo thân nhiệt mỗi ca.*Chưa khắc phục", re.S), timeout=WAIT
        )
        screenshot(page, shots, "23-fill-action-saved")
        # a photo of the finding, from the file picker (no camera in the browser)
        finding = tmp_path / "anh-phat-hien.png"
        finding.write_bytes(png_bytes(11, 40, 30))
        with page.expect_file_chooser() as chooser:
            _in(page, "Đo thân nhiệt tại cổng?").get_by_role("button", name="Chọn ảnh phát hiện").click()
        chooser.value.set_files(str(finding))
        expect(_in(page, "Đo thân nhiệt tại cổng?")).to_have_accessible_name(
            re.compile("Ảnh phát hiện: 1"), timeout=WAIT
        )
        screenshot(page, shots, "24-fill-action-finding-photo")
        page.mouse.move(200, 600)
        page.mouse.wheel(0, 300)
        expect(page.get_by_role("button", name="Chọn ảnh phát hiện")).to_be_in_viewport(timeout=WAIT)
        screenshot(page, shots, "25-fill-action-finding-photo-buttons")
        page.get_by_role("button", name="Đồng bộ").click()
        _see(page, "Không có thay đổi chờ gửi")
    try:
        sup = {"Authorization": f"Bearer {server.token('binh', PASSWORDS['binh'])}"}
        overdue = httpx.get(f"{server.base_url}/api/v1/actions", params={"overdue": "true"}, headers=sup).json()
        assert [i["id"] for i in overdue["items"]] == [aid] and overdue["items"][0]["status"] == "reported_fixed"
        detail = httpx.get(f"{server.base_url}/api/v1/actions/{aid}", headers=sup).json()
        assert detail["fix_note"] == "Đã đặt 2 máy đo ở cổng" and len(detail["fix_photos"]) == 1
        assert detail["check_note"] == "Chưa lắp máy đo"
        assert [e["event"] for e in detail["history"]] == ["created", "not_yet_fixed", "reported_fixed"]
        photo_sha = detail["fix_photos"][0]
        # the photo reached the server and the supervisor may read it
        assert httpx.get(f"{server.base_url}/api/v1/blobs/{photo_sha}", headers=sup).status_code == 200
        # the new action's photo of the finding reached the server too
        new = [i["id"] for i in httpx.get(f"{server.base_url}/api/v1/actions", headers=sup).json()["items"]]
        found = [httpx.get(f"{server.base_url}/api/v1/actions/{i}", headers=sup).json() for i in new if i != aid]
        assert [len(d["finding_photos"]) for d in found] == [1]
        finding_sha = found[0]["finding_photos"][0]
        assert httpx.get(f"{server.base_url}/api/v1/blobs/{finding_sha}", headers=sup).status_code == 200
        r = httpx.post(f"{server.base_url}/api/v1/actions/{aid}/verify", json={"comment": "Đạt"}, headers=sup)
        assert r.status_code == 200, r.text
        assert (
            httpx.get(f"{server.base_url}/api/v1/actions", params={"overdue": "true"}, headers=sup).json()["items"]
            == []
        )
    finally:
        server.stop()
