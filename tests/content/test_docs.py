"""docs/CHECKLISTS.md stays in step with the data: measures, site columns, site rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sync_server.content import SITE_CSV_COLUMNS, DirectiveMeasure, load_directive_measures, load_sites_csv_path

DOC = (Path(__file__).resolve().parents[2] / "docs" / "CHECKLISTS.md").read_text(encoding="utf-8")
DOC_ROWS = {line.split("|")[1].strip(): line for line in DOC.splitlines() if line.startswith("| ")}


@pytest.mark.parametrize("measure", load_directive_measures().measures, ids=lambda m: m.id)
def test_measure_table_row_lists_the_mapped_questions(measure: DirectiveMeasure) -> None:
    row = DOC_ROWS[measure.id]
    assert row.split("|")[-2].strip() == ", ".join(measure.questions)
    assert f"`{measure.checklist}`" in row


def test_every_csv_column_and_site_row_is_documented() -> None:
    for column in SITE_CSV_COLUMNS:
        assert f"`{column}`" in DOC, column
    with load_sites_csv_path().open(encoding="utf-8", newline="") as fh:
        codes = [row["code"] for row in csv.DictReader(fh)]
    assert [c for c in codes if c not in DOC_ROWS] == []
