"""XLSForm on the server: ``load-checklist FORM.xlsx`` saves nothing while rows are
unsupported, saves a draft that records what was dropped once the admin accepts, and every
checklist version downloads as an XLSForm that imports back to the same checklist
(``GET /api/v1/templates/{id}/versions/{v}/xlsform``). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from sync_server import cli
from sync_server.core import content, registry
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Invalid
from sync_server.core.xlsform import XLSX_MEDIA_TYPE, read_xlsform, write_xlsform
from tests.support.malformed_xlsforms import MALFORMED
from tests.support.sample_checklist import sample_template
from tests.sync_server.conftest import SECRET, World
from tests.sync_server.helpers import dump_database

FORMS = Path(__file__).resolve().parents[1] / "content" / "xlsforms"
SHIPPED = Path(__file__).resolve().parents[2] / "sync_server" / "content" / "checklists"


def _env(monkeypatch: pytest.MonkeyPatch, world: World, tmp_path: Path) -> None:
    monkeypatch.setenv("SYNC_DATABASE_URL", world.server.config.database_url)
    monkeypatch.setenv("SYNC_BLOB_DIR", str(tmp_path / "blobs"))
    monkeypatch.setenv("SYNC_SECRET_KEY", SECRET)


def test_cli_lists_unsupported_rows_and_saves_nothing_until_they_are_accepted(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, world, tmp_path)
    form = FORMS / "group.xlsx"
    before = dump_database(world.db_path)
    assert cli.main(["load-checklist", str(form)]) == 1
    err = capsys.readouterr().err
    assert "nothing was saved" in err and "chưa lưu gì" in err
    assert "row 4" in err and "regex" in err  # the phone number's digits-only rule, named by row
    assert dump_database(world.db_path) == before

    assert cli.main(["load-checklist", str(form), "--accept-dropped"]) == 0
    out = capsys.readouterr().out
    assert "group@1 saved as draft" in out and "dropped: survey!4 [type]" in out
    found = registry.get_template(world.server.db, SYSTEM, "group", 1)
    assert [q.id for q in found.document.questions()] == ["family_name", "phone_number", "age"]
    notes = registry.import_notes(world.server.db, SYSTEM, "group", 1)
    assert notes is not None and notes.source == "group.xlsx"
    assert [(i.sheet, i.row, i.column) for i in notes.dropped] == [("survey", 4, "type")]


@pytest.mark.parametrize("kind", MALFORMED)
def test_cli_refuses_a_malformed_xlsform_with_a_clear_error_and_saves_nothing_even_when_accepting(
    kind: str, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, world, tmp_path)
    data, english, vietnamese = MALFORMED[kind]
    form = tmp_path / "bieu-mau.xlsx"
    form.write_bytes(data)
    before = dump_database(world.db_path)
    assert cli.main(["load-checklist", str(form), "--accept-dropped", "--publish"]) == 1
    err = capsys.readouterr().err
    assert english in err and vietnamese in err
    assert dump_database(world.db_path) == before


def test_a_malformed_xlsform_is_refused_and_changes_nothing(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xlsx"
    bad.write_bytes(b"this is not a spreadsheet")
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as caught:
        content.load_checklist_file(world.server, bad, accept_dropped=True)
    assert "not an Excel spreadsheet" in caught.value.detail
    assert dump_database(world.db_path) == before


def test_a_shipped_xlsx_loads_and_publishes_the_same_checklist_as_its_yaml(world: World) -> None:
    result = content.load_checklist_file(world.server, SHIPPED / "covid19-market.xlsx", publish=True)
    assert (result.status, result.dropped) == ("published", [])
    # loading the YAML of the same version now is a no-op: the stored document is identical
    again = content.load_checklist_file(world.server, SHIPPED / "covid19-market.yaml", publish=True)
    assert again.message == "covid19-market@1 is already published"
    assert registry.import_notes(world.server.db, SYSTEM, "covid19-market", 1) is not None


def test_every_version_downloads_as_an_xlsform_that_imports_back_the_same(api: tuple[TestClient, World]) -> None:
    client, world = api
    r = client.get("/api/v1/templates/sample-factory/versions/1/xlsform", headers=world.headers("insp_a"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
    assert 'filename="sample-factory-v1.xlsx"' in r.headers["content-disposition"]
    imported = read_xlsform(r.content, "sample-factory-v1.xlsx")
    assert imported.issues == []
    assert imported.template == sample_template(1)
    assert write_xlsform(sample_template(1))[:4] == r.content[:4] == b"PK\x03\x04"

    missing = client.get("/api/v1/templates/sample-factory/versions/9/xlsform", headers=world.headers("admin"))
    assert missing.status_code == 404
