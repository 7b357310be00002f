"""The docs stay in step with the code: docs/CHECKLISTS.md with the shipped data, docs/CONFIGURATION.md
with the settings the code reads, and no document points outside the repository."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest

from shared_schema import protocol
from sync_server.core.content import SITE_CSV_COLUMNS, DirectiveMeasure, load_directive_measures, load_sites_csv_path

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


# --- docs/CONFIGURATION.md: the one table of settings ------------------------------------

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DOC = (ROOT / "docs" / "CONFIGURATION.md").read_text(encoding="utf-8")
SETTING = re.compile(r"[\"']((?:SYNC|FIELD_APP|FLET_APP)_[A-Z0-9_]+)[\"']")
# A whole-number default is a product (``25 * 1024 * 1024``) or a protocol limit by name.
INT_SETTING = re.compile(r"_int\(env, \"([A-Z0-9_]+)\", ([0-9 *+]+|protocol\.[A-Z0-9_]+)\)")


def documented_settings() -> dict[str, str]:
    """Variable → default cell of each row of docs/CONFIGURATION.md's tables."""
    rows: dict[str, str] = {}
    for line in CONFIG_DOC.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = cells[1]
    return rows


def code_settings() -> dict[str, Path]:
    """Every environment variable the server and the app read, with a file that reads it."""
    found: dict[str, Path] = {}
    for package in ("sync_server", "field_app"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for name in SETTING.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, path)
    return found


def test_configuration_table_lists_exactly_the_settings_the_code_reads() -> None:
    documented, read = documented_settings(), code_settings()
    assert sorted(set(read) - set(documented)) == [], "read by the code but missing from docs/CONFIGURATION.md"
    assert sorted(set(documented) - set(read)) == [], "in docs/CONFIGURATION.md but read by no code"


def test_configuration_table_gives_each_whole_number_setting_its_default_in_the_code() -> None:
    source = (ROOT / "sync_server" / "core" / "config.py").read_text(encoding="utf-8")
    defaults = {
        name: getattr(protocol, expr.removeprefix("protocol."))
        if expr.startswith("protocol.")
        else math.prod(int(f) for f in expr.split("*"))
        for name, expr in INT_SETTING.findall(source)
    }
    assert "SYNC_MAX_BLOB_BYTES" in defaults
    assert defaults, "no _int(env, NAME, default) settings found in config.py"
    documented = documented_settings()
    for name, default in defaults.items():
        assert documented.get(name) == f"`{default}`", f"{name}: the code's default is {default}"


def test_no_document_links_outside_the_repository() -> None:
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{doc.name} points outside the repository"
