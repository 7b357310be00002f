"""The corrective-action board in the console against a real server (no browser): the board
lists an action from a failed item, overdue only until a supervisor verifies it; reopening
needs a comment; the history shows each step; CSV/XLSX hold the filtered list; the board
filters by plan; a follow-up's "not yet fixed" and the finding photos show on the action."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from shared_schema import actions as rules
from tests.console.conftest import SITE_NAME, ConsoleClient, World
from tests.console.device import Device, photo_png
from tests.console.test_console_plans import plan_form, plan_id_of
from tests.reports.poppler import require_poppler

pytestmark = pytest.mark.slow

SOON = (rules.viet_nam_today() + dt.timedelta(days=10)).isoformat()


def temp_check_action(inspection_id: str, description: str, **fields: Any) -> dict[str, Any]:
    """A corrective action's fields: ``description`` for the failed ``temp_check`` of
    ``inspection_id``, due ``SOON``, then ``fields``."""
    return {
        "inspection_id": inspection_id,
        "question_id": "temp_check",
        "description": description,
        "deadline": SOON,
        **fields,
    }


def action_reported_fixed(world: World, device: Device, inspection_id: str) -> str:
    aid = str(uuid.uuid4())
    fix = device.upload(photo_png(aid))
    fixed = temp_check_action(
        inspection_id,
        "Đặt máy đo thân nhiệt ở cổng",
        responsible_name="Ông Trần Văn Hùng",
        fix_photos=[fix],
        fix_note="Đã đặt 2 máy đo ở cổng chính",
        status="reported_fixed",
    )
    device.push(device.changes("action", aid, fixed))
    return aid


def test_the_board_lists_the_action_and_a_supervisor_verifies_it_with_a_comment(
    world: World, console: ConsoleClient, artifacts_dir: Path
) -> None:
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, submit=False)
    aid = action_reported_fixed(world, device, inspection_id)
    console.login("giamsat")
    board = console.page("/console/actions", site_id=world.site_id, status="reported_fixed")
    assert board.status_code == 200
    assert aid in board.text and "Đặt máy đo thân nhiệt ở cổng" in board.text and SITE_NAME in board.text
    assert "Báo đã khắc phục" in board.text
    page = console.page(f"/console/actions/{aid}")
    assert "Đã đặt 2 máy đo ở cổng chính" in page.text and "/console/blobs/" in page.text
    refused = console.post(f"/console/actions/{aid}/review", {"decision": "reopen", "comment": " "})
    assert refused.status_code == 422 and "cần ghi rõ còn thiếu gì" in refused.text
    done = console.post(f"/console/actions/{aid}/review", {"decision": "verify", "comment": "Kiểm tra tại chỗ: đạt"})
    assert done.status_code in (200, 303)
    page = console.page(f"/console/actions/{aid}")
    assert "Đã xác minh" in page.text and "Kiểm tra tại chỗ: đạt" in page.text and "giamsat" in page.text
    # the printed record lists it with its status
    require_poppler()
    pdf = console.page(f"/console/inspections/{inspection_id}/report.pdf").content
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    printed = " ".join(text.decode("utf-8").split())
    assert "Biện pháp khắc phục và tình trạng" in printed and "Đặt máy đo thân nhiệt ở cổng" in printed
    assert "Đã xác minh" in printed  # the status column (the cell may wrap)
    (artifacts_dir / "action-record.pdf").write_bytes(pdf)
    # the inspection page and the site page list it with its status
    inspection = console.page(f"/console/inspections/{inspection_id}")
    assert f"/console/actions/{aid}" in inspection.text and "Đã xác minh" in inspection.text
    console.login("quantri")
    site_page = console.page(f"/console/sites/{world.site_id}")
    assert f"/console/actions/{aid}" in site_page.text
    # an inspector sees the action but cannot verify one
    console.login("thanhtra")
    assert 'name="decision"' not in console.page(f"/console/actions/{aid}").text


def test_the_board_exports_the_filtered_actions_as_csv_and_xlsx(world: World, console: ConsoleClient) -> None:
    device = world.device()
    inspection_id = device.submit_inspection(world.site_id, submit=False)
    aid = action_reported_fixed(world, device, inspection_id)
    console.login("giamsat")
    text = console.page("/console/exports/actions/actions.csv", site_id=world.site_id).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Số biên bản" and "Biện pháp khắc phục" in rows[0]
    assert any(r[-1] == aid and "Đặt máy đo thân nhiệt ở cổng" in r for r in rows[1:])
    data = console.page("/console/exports/actions/actions.xlsx", site_id=world.site_id).content
    sheet = load_workbook(io.BytesIO(data)).active
    ids = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert aid in ids


def plan_with_two_actions(world: World, console: ConsoleClient) -> tuple[str, str, str, str, str]:
    """A plan whose visit gave an action with a photo of the finding, checked "not yet fixed"
    on a follow-up; and an action of a visit outside any plan. (plan id, plan name, the
    plan's action, the other action, the finding photo's SHA-256)."""
    console.page("/console/plans/new")
    name = f"Đợt kiểm tra khắc phục {uuid.uuid4().hex[:6]}"
    created = console.post("/console/plans/new", plan_form(name))
    assert created.status_code == 303, created.text
    plan_id = plan_id_of(created.headers["location"])
    device = world.device("thanhtra")
    assignment = next(
        v
        for (entity, _id, _f), v in device.pull_all().items()
        if entity == "assignment" and v.get("plan_id") == plan_id
    )
    planned = device.submit_inspection(world.site_id, submit=False, assignment_id=assignment["id"])
    unplanned = device.submit_inspection(world.site_id, submit=False)
    in_plan, outside = str(uuid.uuid4()), str(uuid.uuid4())
    finding = device.upload(photo_png(in_plan))
    changes = []
    for aid, iid in ((in_plan, planned), (outside, unplanned)):
        description = f"Đặt máy đo thân nhiệt ở cổng {aid[:4]}"
        changes += device.changes("action", aid, temp_check_action(iid, description))
    checked = {
        "finding_photos": [finding],
        "check_note": "Mới mua máy đo, chưa lắp",
        "checked_on": rules.viet_nam_today().isoformat(),
    }
    device.push([*changes, *device.changes("action", in_plan, checked)])
    return plan_id, name, in_plan, outside, finding


def test_the_board_filters_by_plan_and_the_action_shows_its_finding_photo_and_not_yet_fixed(
    world: World, console: ConsoleClient
) -> None:
    console.login("giamsat")
    plan_id, name, in_plan, outside, finding = plan_with_two_actions(world, console)
    board = console.page("/console/actions", plan_id=plan_id)
    assert board.status_code == 200
    assert f'data-action="{in_plan}"' in board.text and f'data-action="{outside}"' not in board.text
    # the picker names the plan; its id is only the option's value
    assert f'<option value="{plan_id}" selected>{name}</option>' in board.text
    assert plan_id not in re.sub(r"<[^>]*>", " ", board.text)  # in no text a person reads
    both = console.page("/console/actions", site_id=world.site_id)
    assert f'data-action="{in_plan}"' in both.text and f'data-action="{outside}"' in both.text
    page = console.page(f"/console/actions/{in_plan}")
    assert f"/console/blobs/{finding}" in page.text and "Ảnh phát hiện" in page.text
    assert "Kiểm tra lại: chưa khắc phục" in page.text and "Mới mua máy đo, chưa lắp" in page.text
    assert console.page(f"/console/blobs/{finding}").status_code == 200
    # the inspection page lists the action with its photo of the finding
    with world.api("giamsat") as http:
        planned = http.get(f"/api/v1/actions/{in_plan}").json()["item"]["inspection_id"]
    inspection = console.page(f"/console/inspections/{planned}")
    assert f"/console/actions/{in_plan}" in inspection.text and f"/console/blobs/{finding}" in inspection.text
