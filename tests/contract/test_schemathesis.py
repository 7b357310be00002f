"""Schemathesis against a real server process: every operation of ``/schema`` fuzzed in
deterministic mode (Hypothesis derandomized, so every run tries the same cases) for a
bounded time, as an admin and as an inspector. No answer may be a 5xx, and
every status must be one the operation documents (``sync_server/http/openapi_errors.py``).

The server is seeded first with real records (a site, a published checklist and a draft of
its next version, a plan with an assignment, a submitted inspection with answers, a signature
blob and two corrective actions, a draft with a conflict), and a ``schemathesis.toml`` binds
each path parameter to a dictionary of those ids: most generated cases of the fuzzing phase
reach an existing record instead of a 404, and the rest keep fuzzing the path itself."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from shared_schema import actions as rules
from shared_schema.protocol import PROTOCOL_VERSION
from tests.support import postgres
from tests.support.sample_checklist import sample_template
from tests.support.server_process import REPO_ROOT, ServerProcess, start_server, upload_blob
from tests.sync_server.conftest import DISTRICT_A as DISTRICT
from tests.sync_server.conftest import PASSWORD, PLAN_BODY
from tests.sync_server.helpers import Device, complete_answers, png_bytes

pytestmark = pytest.mark.slow

DISTRICT_UNIT_ID = "tn-tx-pho-yen"  # the unit of DISTRICT in the built-in list of units
# Bounded: each role's run stops after MAX_TIME_S seconds at most (two runs in total).
MAX_TIME_S = int(os.environ.get("SCHEMATHESIS_MAX_TIME", "60"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance"
# the share of the fuzzing phase's valid values of a bound parameter taken from its dictionary
DICTIONARY_PROBABILITY = 0.9
# values that differ by operation, bound in the operation's own part of the configuration
BY_OPERATION = {
    "GET /api/v1/exports/{filename}": {"path.filename": ["inspections.csv", "inspections.xlsx", "inspections.geojson"]},
    "GET /api/v1/reports/{filename}": {"path.filename": ["summary.xlsx", "summary.pdf"]},
}


def seed_records(server: ServerProcess, directory: Path) -> dict[str, list[Any]]:
    """Real records on ``server``, made as its admin ``quantri`` and its inspector ``thanhtra``;
    returns the values to bind to parameters (``path.plan_id``): their ids and more."""
    server.add_site_and_sample_checklist(directory, DISTRICT)
    draft = directory / "sample-v2.json"
    draft.write_bytes(msgspec.json.encode(sample_template(2)))
    loaded = server.cli("load-checklist", str(draft))
    assert loaded.returncode == 0, loaded.stderr or loaded.stdout
    inspector_token = server.token("thanhtra", PASSWORD)
    admin = {"Authorization": f"Bearer {server.token('quantri', PASSWORD)}"}
    inspector = {"Authorization": f"Bearer {inspector_token}"}
    signature = upload_blob(server.base_url, inspector_token, png_bytes(seed=7))
    with httpx.Client(base_url=server.base_url, timeout=30) as http:

        def call(method: str, path: str, headers: dict[str, str], body: object = None) -> Any:
            reply = http.request(method, path, headers=headers, json=body)
            assert reply.is_success, f"{method} {path}: {reply.status_code} {reply.text}"
            return reply.json()

        def push(device: Device, changes: list[Any]) -> None:
            results = call("POST", "/api/v1/sync/push", inspector, device.body(changes))["results"]
            assert {r["status"] for r in results} == {"applied"}, results

        # the API tests' plan (in DISTRICT), its one team led by this server's inspector
        plan = call("POST", "/api/v1/plans", admin, {**PLAN_BODY, "teams": [{"name": "Đoàn 1", "lead": "thanhtra"}]})
        assignment = plan["assignments"][0]["document"]["id"]
        device = Device()
        submitted, changes = device.start_inspection("site-1")
        changes.append(device.change("inspection", submitted, "assignment_id", assignment))
        changes += complete_answers(device, submitted, signature)
        # two failed items, each with a corrective action; the second one reported fixed
        changes += [device.answer(submitted, "temp_check", "no"), device.answer(submitted, "hoarding", "yes")]
        open_action, fixed_action = str(uuid.uuid4()), str(uuid.uuid4())
        deadline = (rules.viet_nam_today() + dt.timedelta(days=14)).isoformat()
        for action, question in ((open_action, "temp_check"), (fixed_action, "hoarding")):
            changes += [
                device.change("action", action, "inspection_id", submitted),
                device.change("action", action, "question_id", question),
                device.change("action", action, "description", "Khắc phục ngay"),
                device.change("action", action, "deadline", deadline),
                device.change("action", action, "responsible_name", "Lê Văn Cường"),
            ]
        changes += [
            device.change("inspection", submitted, "status", "submitted"),
            device.change("action", fixed_action, "fix_photos", [signature]),
            device.change("action", fixed_action, "fix_note", "Đã khắc phục"),
            device.change("action", fixed_action, "fixed_on", rules.viet_nam_today().isoformat()),
            device.change("action", fixed_action, "status", "reported_fixed"),
        ]
        push(device, changes)
        # a draft that two phones answered at once: a conflict in the log
        phone, other_phone = Device(), Device()
        draft_id, create = phone.start_inspection("site-1")
        push(phone, [*create, phone.answer(draft_id, "masks", "most")])
        push(other_phone, [other_phone.answer(draft_id, "masks", "all")])
        (conflict,) = call("GET", "/api/v1/conflicts", admin)
        (user,) = (u for u in call("GET", "/api/v1/users", admin) if u["username"] == "thanhtra")
    today = rules.viet_nam_today().isoformat()
    return {
        "path.site_id": ["site-1"],
        "path.template_id": ["sample-factory"],
        "path.version": [1, 2],
        "path.plan_id": [plan["plan"]["id"]],
        "path.inspection_id": [submitted, draft_id],
        "path.action_id": [open_action, fixed_action],
        "path.conflict_id": [conflict["id"]],
        "path.sha256": [signature],
        # not the admin's own: deactivating it would end the run's session
        "path.user_id": [user["id"]],
        "path.unit_id": [DISTRICT_UNIT_ID],
        # the summary report's period, and the protocol of the sync operations
        "query.from": ["2021-01-01"],
        "query.to": [today],
        "query.protocol": [PROTOCOL_VERSION],
        "body.protocol": [PROTOCOL_VERSION],
    }


def schemathesis_config(values: dict[str, list[Any]]) -> str:
    """A ``schemathesis.toml`` that binds each parameter (``path.plan_id``) of ``values``, in
    every operation, and of ``BY_OPERATION`` in its operation, to a dictionary of its values.
    JSON strings and numbers are valid TOML values."""
    dictionaries: list[str] = []

    def bind(key: str, entries: list[Any]) -> str:
        name = f"d{len(dictionaries)}_{key.replace('.', '_')}"
        dictionaries.append(f"{name} = {{ values = {json.dumps(entries)} }}")
        return f'"{key}" = {{ dictionary = "{name}", probability = {DICTIONARY_PROBABILITY} }}'

    parameters = [bind(key, entries) for key, entries in values.items()]
    operations = []
    for operation, bound in BY_OPERATION.items():
        inline = ", ".join(bind(key, entries) for key, entries in bound.items())
        operations += ["", "[[operations]]", f"include-name = {json.dumps(operation)}", f"parameters = {{ {inline} }}"]
    return "\n".join(["[dictionaries]", *dictionaries, "", "[parameters]", *parameters, *operations, ""])


def run_schemathesis(base_url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(workdir / "schemathesis.toml"),
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


def answered_with_success(events: Iterable[dict[str, Any]]) -> set[str]:
    """The operations (``GET /api/v1/me``) that answered a request of their own method with a
    2xx at least once (schemathesis also tries other methods on each path)."""
    succeeded = set()
    for event in events:
        recorder = event.get("ScenarioFinished", {}).get("recorder", {})
        method = recorder.get("label", "").partition(" ")[0]
        for interaction in (recorder.get("interactions") or {}).values():
            response = interaction.get("response")
            if response and interaction["request"]["method"] == method and 200 <= response["status_code"] < 300:
                succeeded.add(recorder["label"])
    return succeeded


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
        server.create_user("thanhtra", PASSWORD, "inspector", [DISTRICT])
        ids = seed_records(server, tmp_path)
        (tmp_path / "schemathesis.toml").write_text(schemathesis_config(ids), encoding="utf-8")
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
    succeeded = answered_with_success(events)
    print(f"{len(succeeded)} operations answered 2xx at least once as {role}")
    # the seeded ids reach the records: reading the submitted inspection is one such answer
    assert "GET /api/v1/inspections/{inspection_id}" in succeeded
