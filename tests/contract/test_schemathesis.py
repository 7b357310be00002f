"""Schemathesis against a real server process: every operation of ``/schema`` fuzzed in
deterministic mode (Hypothesis derandomized, so every run tries the same cases) for a
bounded time, as an admin and as an inspector. No answer may be a 5xx, and
every status must be one the operation documents (``sync_server/http/openapi_errors.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.server_process import REPO_ROOT, start_server

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"
# Bounded: each role's run stops after MAX_TIME_S seconds at most (two runs in total).
MAX_TIME_S = int(os.environ.get("SCHEMATHESIS_MAX_TIME", "60"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"


def run_schemathesis(base_url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/schema/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--generation-deterministic",  # Hypothesis derandomized: the same cases every run
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME_S),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(workdir / "events.ndjson"),
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=MAX_TIME_S + 120, check=False
    )


@pytest.mark.parametrize(("role", "backend"), [("admin", "postgres"), ("inspector", "sqlite")])
def test_no_server_error_and_no_undocumented_status(tmp_path: Path, role: str, backend: str) -> None:
    """The admin (who reaches every writing operation) runs on PostgreSQL, where a NUL
    character or a 64-bit overflow used to reach the database; the inspector on SQLite."""
    with ExitStack() as stack:
        env = {}
        if backend == "postgres":
            postgres.require_postgres()
            env["SYNC_DATABASE_URL"] = stack.enter_context(postgres.fresh_database("schemathesis"))
        server = start_server(tmp_path, **env)
        stack.callback(server.stop)
        server.create_user("quantri", PASSWORD, "admin")
        server.create_user("thanhtra", PASSWORD, "inspector", ["TX Phổ Yên"])
        server.add_site_and_sample_checklist(tmp_path, "TX Phổ Yên")
        token = server.token("quantri" if role == "admin" else "thanhtra", PASSWORD)
        result = run_schemathesis(server.base_url, token, tmp_path)
        log = server.log_tail(80)
    output = result.stdout + result.stderr
    print(output[-4000:])  # the summary, in the test log
    assert result.returncode == 0, f"schemathesis found problems:\n{output[-12000:]}\n--- server log ---\n{log}"
    assert "Traceback" not in log, log
    # it really ran: every operation of the schema was tried
    events = [json.loads(line) for line in (tmp_path / "events.ndjson").read_text(encoding="utf-8").splitlines()]
    assert sum("ScenarioFinished" in e for e in events) >= 30
