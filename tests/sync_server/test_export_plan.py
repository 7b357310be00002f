"""Exports of the inspection list have no row cap and stream: the plan lists every matching
inspection across as many list pages as it takes, and the records and the CSV/GeoJSON
pieces come one at a time (``sync_server.reports.report_data``, ``sync_server.reports.exports``)."""

from __future__ import annotations

import csv
import io
import json
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from sync_server.core import inspection_export, inspections, sync_service
from sync_server.core.feed import FeedWriter
from sync_server.reports import exports
from sync_server.reports.report_data import plan_export
from tests.sync_server.conftest import DISTRICT_A, World
from tests.sync_server.helpers import Device, complete_answers

SIGNATURE = "a" * 64


def push_inspections(world: World, count: int, *, submit: bool = True) -> list[str]:
    device = Device()
    ids: list[str] = []
    changes = []
    for _ in range(count):
        inspection_id, started = device.start_inspection(world.site_a)
        changes += started + complete_answers(device, inspection_id, SIGNATURE)
        if submit:
            changes.append(device.change("inspection", inspection_id, "status", "submitted"))
        ids.append(inspection_id)
    reply = sync_service.push(world.server.db, world.actor("insp_a"), device.request(changes))
    assert all(r.status == "applied" for r in reply.results)
    return ids


class CountingDatabase:
    """The server's database, counting the statements its read transactions run."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.dialect = db.dialect
        self.statements = 0

    @contextmanager
    def read(self) -> Iterator[Any]:
        with self.db.read() as tx:
            outer = self

            class Counted:
                dialect = tx.dialect

                def query(self, sql: str, params: Any = ()) -> Any:
                    outer.statements += 1
                    return tx.query(sql, params)

            yield Counted()


def test_an_export_holds_every_matching_inspection_in_the_lists_order(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    pushed = push_inspections(world, 7)
    monkeypatch.setattr(inspection_export, "BATCH", 2)
    supervisor = world.actor("sup")
    plan = plan_export(world.server, supervisor, {"site_id": world.site_a, "sort": "updated"})
    listed = inspections.list_inspections(world.server.db, supervisor, site_id=world.site_a, limit=500)
    assert plan.inspection_ids == [item.id for item in listed.items if item.status != "draft"]
    assert set(pushed) <= set(plan.inspection_ids)
    assert [(t.template_id, t.version) for t in plan.templates] == [("sample-factory", 1)]

    records = plan.records()
    assert isinstance(records, types.GeneratorType), "records load a batch at a time"
    columns = exports.columns_for_templates(plan.templates)
    text = b"".join(exports.csv_chunks(records, columns)).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text.split("\r\n", 1)[1])))
    assert [r["inspection_id"] for r in rows] == plan.inspection_ids
    assert {r["masks"] for r in rows if r["inspection_id"] in pushed} == {"100%"}


def test_drafts_are_left_out_of_an_export_unless_asked(world: World) -> None:
    submitted = push_inspections(world, 2)
    drafts = push_inspections(world, 3, submit=False)
    supervisor = world.actor("sup")
    default = plan_export(world.server, supervisor, {"site_id": world.site_a})
    assert set(submitted) <= set(default.inspection_ids) and not set(drafts) & set(default.inspection_ids)
    asked = plan_export(world.server, supervisor, {"site_id": world.site_a}, include_drafts=True)
    assert set(submitted) | set(drafts) <= set(asked.inspection_ids)
    only_drafts = plan_export(world.server, supervisor, {"site_id": world.site_a, "status": "draft"})
    assert set(drafts) <= set(only_drafts.inspection_ids) and not set(submitted) & set(only_drafts.inspection_ids)


def test_an_export_reads_in_batches_not_one_inspection_at_a_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    pushed = push_inspections(world, 9)
    monkeypatch.setattr(inspection_export, "BATCH", 4)
    counting = CountingDatabase(world.server.db)
    supervisor = world.actor("sup")
    selection = inspection_export.select_for_export(counting, supervisor, {"site_id": world.site_a})  # type: ignore[arg-type]
    assert counting.statements == 1
    records = list(inspection_export.export_records(counting, supervisor, selection.inspection_ids))  # type: ignore[arg-type]
    batches = -(-len(selection.inspection_ids) // 4)
    assert counting.statements == 1 + 2 * batches, "two queries per batch, whatever the batch holds"
    assert {r.summary.id for r in records} >= set(pushed)
    record = next(r for r in records if r.summary.id == pushed[0])
    assert record.answers["masks"].value == "all" and record.answers["workers"].value == 120
    assert record.header["status"] == "submitted" and record.site is not None and record.site.id == world.site_a


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


def test_an_export_reads_the_same_answers_and_header_as_the_inspection_page(world: World) -> None:
    pushed = push_inspections(world, 3)
    supervisor = world.actor("sup")
    loaded = {r.summary.id: r for r in inspection_export.load_records(world.server.db, supervisor, pushed)}
    for inspection_id in pushed:
        detail = inspections.get_inspection(world.server.db, supervisor, inspection_id)
        record = loaded[inspection_id]
        assert record.header == detail.header
        assert sorted(record.answers.values(), key=lambda a: a.question_id) == detail.answers
        assert record.summary == detail.summary and record.site == detail.site


def test_an_export_reads_each_answer_field_in_line_beside_rows_of_other_entities(world: World) -> None:
    """The feed text of an export holds each column of an inspection's rows in its own array;
    a note, photos or a corrective action lands on its own answer, and a row of another entity
    filed under the inspection (a resolved conflict's entry) is neither header nor answer."""
    device = Device()
    inspection_id, changes = device.start_inspection(world.site_a)
    changes += complete_answers(device, inspection_id, SIGNATURE)
    changes += [
        device.answer(inspection_id, "masks", "ghi chú", field="note"),
        device.answer(inspection_id, "hoarding", ["b" * 64], field="photos"),
        device.answer(inspection_id, "hoarding", "Sửa ngay", field="corrective_action"),
        device.answer(inspection_id, "hoarding", "2026-12-01", field="due_date"),
        device.change("inspection", inspection_id, "findings", "=1+1"),
    ]
    reply = sync_service.push(world.server.db, world.actor("insp_a"), device.request(changes))
    assert all(r.status == "applied" for r in reply.results)
    with world.server.db.write() as tx:
        feed = FeedWriter(tx)
        feed.put_server(
            ("conflict", "conflict-1", "entry"), '{"field": "value"}', district=DISTRICT_A, inspection_id=inspection_id
        )
        feed.flush()
    supervisor = world.actor("sup")
    [record] = inspection_export.load_records(world.server.db, supervisor, [inspection_id])
    detail = inspections.get_inspection(world.server.db, supervisor, inspection_id)
    assert record.header == detail.header and "entry" not in record.header
    assert sorted(record.answers.values(), key=lambda a: a.question_id) == detail.answers
    hoarding = record.answers["hoarding"]
    assert (hoarding.value, hoarding.photos, hoarding.corrective_action, hoarding.due_date) == (
        "no",
        ["b" * 64],
        "Sửa ngay",
        "2026-12-01",
    )
    assert record.answers["masks"].note == "ghi chú" and record.header["findings"] == "=1+1"
