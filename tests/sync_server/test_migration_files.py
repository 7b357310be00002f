"""The server's migration folders: each engine's own and ``both/`` (the same SQL on each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.core import migrations
from sync_server.core.migrations import migration_files


def test_both_engines_apply_the_same_migrations_in_the_same_order() -> None:
    sqlite = [p.stem for p in migration_files("sqlite")]
    postgres = [p.stem for p in migration_files("postgres")]
    assert sqlite == postgres
    assert sqlite == sorted(sqlite)
    assert "0009_plans" in sqlite  # one from both/, between the engines' own


def test_a_shared_migration_is_one_file_and_no_engine_keeps_a_twin_of_it() -> None:
    shared = {p.name for p in (migrations.MIGRATIONS_DIR / migrations.SHARED).glob("*.sql")}
    assert shared
    for engine in ("sqlite", "postgres"):
        assert not shared & {p.name for p in (migrations.MIGRATIONS_DIR / engine).glob("*.sql")}


def test_a_number_in_an_engine_folder_and_in_both_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("sqlite", migrations.SHARED):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "0001_initial.sql").write_text("SELECT 1;", encoding="utf-8")
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", tmp_path)
    with pytest.raises(RuntimeError, match="0001"):
        migration_files("sqlite")
