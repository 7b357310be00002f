"""The import rules of the architecture, checked on every test run (import-linter)."""

from __future__ import annotations

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
