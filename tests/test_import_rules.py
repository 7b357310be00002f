"""The import rules of the architecture, checked on every test run (import-linter)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shared_schema imports neither side nor any framework KEPT" in result.stdout
    assert "field_app and sync_server never import each other KEPT" in result.stdout
    assert "the server's layers:" in result.stdout and "reports → core KEPT" in result.stdout


# An SQL statement in a string: what only ``sync_server/core`` may hold.
SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s)")


def test_sql_lives_only_in_the_server_core() -> None:
    offenders = []
    for path in sorted((ROOT / "sync_server").rglob("*.py")):
        if (ROOT / "sync_server" / "core") in path.parents:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_shared_schema_imports_only_msgspec_and_the_standard_library() -> None:
    stdlib = set(sys.stdlib_module_names)
    offenders = []
    for path in (ROOT / "shared_schema").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from") and not line.startswith(" "):
                top = words[1].split(".")[0]
                if top not in stdlib and top not in ("msgspec", "shared_schema", "__future__"):
                    offenders.append(f"{path.name}: {line}")
    assert offenders == []
