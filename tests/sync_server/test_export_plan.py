"""Exports of the inspection list have no row cap and stream: the plan lists every matching
inspection across as many list pages as it takes, and the records and the CSV/GeoJSON
pieces come one at a time (``sync_server.console.report_data``, ``sync_server.reports.exports``)."""

from __future__ import annotations

import csv
import io
import json
import types

import pytest

from sync_server.console import report_data
from sync_server.console.report_data import plan_export
from sync_server.core import inspections, sync_service
from sync_server.reports import exports
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device, complete_answers

SIGNATURE = "a" * 64


def push_inspections(world: World, count: int) -> list[str]:
    device = Device()
    ids: list[str] = []
    changes = []
    for _ in range(count):
        inspection_id, started = device.start_inspection(world.site_a)
        changes += started + complete_answers(device, inspection_id, SIGNATURE)
        ids.append(inspection_id)
    reply = sync_service.push(world.server.db, world.actor("insp_a"), device.request(changes))
    assert all(r.status == "applied" for r in reply.results)
    return ids


def test_an_export_holds_every_matching_inspection_across_list_pages(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = push_inspections(world, 7)
    monkeypatch.setattr(report_data, "EXPORT_PAGE", 2)
    supervisor = world.actor("sup")
    plan = plan_export(world.server, supervisor, {"site_id": world.site_a, "sort": "updated"})
    listed = inspections.list_inspections(world.server.db, supervisor, site_id=world.site_a, limit=500)
    assert plan.inspection_ids == [item.id for item in listed.items]
    assert set(pushed) <= set(plan.inspection_ids)
    assert [(t.template_id, t.version) for t in plan.templates] == [("sample-factory", 1)]

    records = plan.records()
    assert isinstance(records, types.GeneratorType), "records load one inspection at a time"
    columns = exports.columns_for_templates(plan.templates)
    text = b"".join(exports.csv_chunks(records, columns)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["inspection_id"] for r in rows] == plan.inspection_ids
    assert {r["masks"] for r in rows if r["inspection_id"] in pushed} == {"100%"}


def test_an_inspector_cannot_plan_an_export_of_another_district(world: World) -> None:
    push_inspections(world, 2)
    plan = plan_export(world.server, world.actor("insp_b"), {"sort": "updated"})
    assert plan.inspection_ids == [] and plan.templates == []


def test_csv_and_geojson_come_in_pieces_that_join_to_the_whole_file(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    push_inspections(world, 5)
    monkeypatch.setattr(exports, "ROWS_PER_CHUNK", 2)
    plan = plan_export(world.server, world.actor("sup"), {"sort": "updated"})
    columns = exports.columns_for_templates(plan.templates)
    pieces = list(exports.csv_chunks(plan.records(), columns))
    assert len(pieces) >= 3
    whole = exports.inspections_csv(list(plan.records()))
    assert b"".join(pieces) == whole
    geo = json.loads(b"".join(exports.geojson_chunks(plan.records())))
    assert [f["id"] for f in geo["features"]] == plan.inspection_ids
