"""Sync server benchmark: push ingest, full pull and incremental pull against a real server
on loopback with a fresh database, and the same rows upserted straight into SQLite as the
reference.

    .venv/bin/python bench/server_bench.py            # 2,000 inspections × 40 answers, 20 devices
    .venv/bin/python bench/server_bench.py --quick    # 200 × 40, 4 devices

Targets (issue 3): push ingest at least 0.5× the raw SQLite reference; pull at least
500,000 answers per second.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.bench_content import bench_template as bench_checklist_of  # noqa: E402
from shared_schema.checklist import ChecklistTemplate  # noqa: E402
from shared_schema.clock import HybridClock  # noqa: E402
from shared_schema.protocol import answer_entity_id  # noqa: E402
from sync_server.core.db import SqliteDatabase  # noqa: E402
from sync_server.core.dialects.sqlite import SQLITE  # noqa: E402
from sync_server.core.migrations import migrate  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402
from tests.support.threads import run_in_threads  # noqa: E402

QUESTIONS = 40
BATCH = 500
PASSWORD = "mây trắng qua đèo"
DISTRICT = "TX Phổ Yên"


def bench_template() -> ChecklistTemplate:
    return bench_checklist_of(QUESTIONS)


class PushDevice:
    """A device's identity, clock and numbering: it writes changes as push-body dicts."""

    def __init__(self, prefix: str = "bench") -> None:
        self.client_id = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.clock = HybridClock(self.client_id)
        self.seq = 0

    def change(self, entity: str, entity_id: str, field: str, value: Any) -> dict[str, Any]:
        self.seq += 1
        return {
            "change_id": uuid.uuid4().hex,
            "client_seq": self.seq,
            "entity": entity,
            "entity_id": entity_id,
            "field": field,
            "value": value,
            "hlc": self.clock.tick(),
            "base_hlc": None,
        }


class BenchDevice(PushDevice):
    def inspection(self, site_id: str) -> list[dict[str, Any]]:
        iid = str(uuid.uuid4())
        out = [
            self.change("inspection", iid, "site_id", site_id),
            self.change("inspection", iid, "template_id", "bench"),
            self.change("inspection", iid, "template_version", 1),
            self.change("inspection", iid, "status", "draft"),
        ]
        out += [
            self.change("answer", answer_entity_id(iid, f"q{i:02d}"), "value", "yes" if i % 7 else "no")
            for i in range(QUESTIONS)
        ]
        return out

    def batches(self, changes: list[dict[str, Any]]) -> list[bytes]:
        return [
            msgspec.json.encode(
                {"protocol": 1, "client_id": self.client_id, "app_version": "bench", "changes": changes[i : i + BATCH]}
            )
            for i in range(0, len(changes), BATCH)
        ]


class _Result(msgspec.Struct):
    status: str
    reason: str | None = None


class _Reply(msgspec.Struct):
    acked_seq: int
    results: list[_Result]


def push_all(base_url: str, token: str, bodies_per_device: Sequence[Iterable[bytes]], timeout: float = 120) -> None:
    """Every device pushes its batches in order over its own keep-alive connection, all devices
    at once (one thread each); a device's batches may be made as they are sent (a generator). The client is the standard library's ``http.client``: the bench
    runs on the server's machine, and a lean client leaves the CPU to the server it measures."""
    errors: list[str] = []
    url = urlsplit(base_url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    decode_reply = msgspec.json.Decoder(_Reply).decode  # the client reads only the statuses

    def run(bodies: Iterable[bytes]) -> None:
        conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=timeout)
        try:
            for body in bodies:
                conn.request("POST", "/api/v1/sync/push", body=body, headers=headers)
                response = conn.getresponse()
                content = response.read()
                if response.status != 200:
                    errors.append(content.decode(errors="replace"))
                    return
                bad = [x for x in decode_reply(content).results if x.status != "applied"]
                if bad:
                    errors.append(str(bad[:3]))
                    return
        finally:
            conn.close()

    run_in_threads(run, [(bodies,) for bodies in bodies_per_device])
    if errors:
        raise SystemExit(f"push failed: {errors[0][:500]}")


class _Row(msgspec.Struct):
    entity: str


class _Page(msgspec.Struct):
    changes: list[_Row]
    cursor: int
    has_more: bool


def pull_all(http: httpx.Client, token: str, cursor: int) -> tuple[int, int, int]:
    """(answer rows, all rows, cursor) of a pull from ``cursor`` to the end, on a connection
    that is already open (as a device's would be)."""
    answers = rows = 0
    while True:
        r = http.get(
            "/api/v1/sync/pull",
            params={"cursor": cursor, "limit": 5000, "protocol": 1},
            headers={"Authorization": f"Bearer {token}"},
        )
        r.raise_for_status()
        page = msgspec.json.decode(r.content, type=_Page)  # reads only what it counts
        rows += len(page.changes)
        answers += sum(1 for c in page.changes if c.entity == "answer")
        cursor = page.cursor
        if not page.has_more:
            return answers, rows, cursor


def sqlite_reference(directory: Path, bodies_per_device: list[list[bytes]]) -> tuple[float, float]:
    """The same rows upserted straight into SQLite: the server's own ``feed`` table (created by
    its migrations, so exactly the same shape and indexes), the dialect's upsert statement and
    pull text, one transaction per batch of up to 500, WAL and synchronous=FULL like the
    server; no sync logic at all. Returns (seconds, CPU seconds)."""
    path = directory / "reference.db"
    database = SqliteDatabase(path, synchronous="FULL")
    migrate(database)
    database.close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    decoded = [[msgspec.json.decode(b)["changes"] for b in bodies] for bodies in bodies_per_device]
    sql = SQLITE.feed_upsert
    seq = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    for device_batches in decoded:
        for batch in device_batches:
            rows = []
            for c in batch:
                seq += 1
                value = msgspec.json.encode(c["value"]).decode()
                inspection_id = c["entity_id"].partition("/")[0]
                rows.append(
                    (
                        seq,
                        c["entity"],
                        c["entity_id"],
                        c["field"],
                        value,
                        c["hlc"],
                        "dev",
                        "user",
                        DISTRICT,
                        inspection_id,
                    )
                )
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    conn.close()
    return elapsed, cpu


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and its children that run (its server
    workers), from Linux ``/proc``."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if entry.name == str(pid) or fields[1] == str(pid):  # fields[1] is the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Round(msgspec.Struct):
    push_s: float
    ref_s: float
    full_pull_s: float
    push_cpu: float
    ref_cpu: float
    pull_cpu: float
    pulled_answers: int
    pulled_rows: int
    inc_pull_s: float
    inc_answers: int
    inc_rows: int


def set_up(server: ServerProcess, directory: Path) -> str:
    """The inspector ``bench``, one site and the benchmark checklist on a started server;
    returns the inspector's token."""
    server.create_user("bench", PASSWORD, "inspector", [DISTRICT])
    (directory / "sites.csv").write_text(
        f"id,code,name,kind,district\nsite-1,B-1,Bench,DN_SX,{DISTRICT}\n", encoding="utf-8"
    )
    (directory / "bench.json").write_bytes(msgspec.json.encode(bench_template()))
    for cmd in (
        ("import-sites", str(directory / "sites.csv")),
        ("load-checklist", str(directory / "bench.json"), "--publish"),
    ):
        result = server.cli(*cmd)
        if result.returncode != 0:
            raise SystemExit(result.stderr)
    return server.token("bench", PASSWORD)


def run_round(inspections: int, devices: int, workers: int) -> tuple[Round, int, int]:
    """One measurement on a fresh server and a fresh reference file: (figures, answers, changes)."""
    with tempfile.TemporaryDirectory(prefix="server-bench-") as tmp:
        directory = Path(tmp)
        server = ServerProcess(directory / "server", workers=workers)
        server.start()
        try:
            token = set_up(server, directory)
            devs = [BenchDevice() for _ in range(devices)]
            per_device = inspections // devices
            bodies = [d.batches([c for _ in range(per_device) for c in d.inspection("site-1")]) for d in devs]
            total_answers = per_device * devices * QUESTIONS
            total_changes = sum(len(msgspec.json.decode(b)["changes"]) for bs in bodies for b in bs)

            assert server.pid is not None
            c0 = cpu_seconds(server.pid)
            t0 = time.perf_counter()
            push_all(server.base_url, token, bodies)
            push_s = time.perf_counter() - t0
            push_cpu = cpu_seconds(server.pid) - c0

            http = httpx.Client(base_url=server.base_url, timeout=120)
            http.get("/healthz")
            c0 = cpu_seconds(server.pid)
            t0 = time.perf_counter()
            pulled_answers, pulled_rows, cursor = pull_all(http, token, 0)
            full_pull_s = time.perf_counter() - t0
            pull_cpu = cpu_seconds(server.pid) - c0

            # incremental: one device changes a tenth of its answers, then a pull from the last cursor
            dev = devs[0]
            answer_ids = [
                c["entity_id"] for b in bodies[0] for c in msgspec.json.decode(b)["changes"] if c["entity"] == "answer"
            ][::10]
            inc = [dev.change("answer", entity_id, "value", "no") for entity_id in answer_ids]
            push_all(server.base_url, token, [dev.batches(inc)])
            t0 = time.perf_counter()
            inc_answers, inc_rows, _ = pull_all(http, token, cursor)
            inc_pull_s = time.perf_counter() - t0
            http.close()
        finally:
            server.stop()
        ref_s, ref_cpu = sqlite_reference(directory, bodies)
    figures = Round(
        push_s=push_s,
        ref_s=ref_s,
        full_pull_s=full_pull_s,
        push_cpu=push_cpu,
        ref_cpu=ref_cpu,
        pull_cpu=pull_cpu,
        pulled_answers=pulled_answers,
        pulled_rows=pulled_rows,
        inc_pull_s=inc_pull_s,
        inc_answers=inc_answers,
        inc_rows=inc_rows,
    )
    return figures, total_answers, total_changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 inspections from 4 devices, one round")
    parser.add_argument("--inspections", type=int, default=None)
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="repeat on fresh databases, keep the best of each")
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (serve --workers; default: one per CPU)"
    )
    args = parser.parse_args()
    inspections = args.inspections or (200 if args.quick else 2000)
    devices = args.devices or (4 if args.quick else 20)
    rounds = args.rounds or (1 if args.quick else 3)
    workers = args.workers or os.cpu_count() or 1

    results = []
    for _ in range(rounds):
        figures, total_answers, total_changes = run_round(inspections, devices, workers)
        results.append(figures)
    best = Round(
        push_s=min(r.push_s for r in results),
        ref_s=min(r.ref_s for r in results),
        full_pull_s=min(r.full_pull_s for r in results),
        push_cpu=min(r.push_cpu for r in results),
        ref_cpu=min(r.ref_cpu for r in results),
        pull_cpu=min(r.pull_cpu for r in results),
        pulled_answers=results[0].pulled_answers,
        pulled_rows=results[0].pulled_rows,
        inc_pull_s=min(r.inc_pull_s for r in results),
        inc_answers=results[0].inc_answers,
        inc_rows=results[0].inc_rows,
    )
    push_rate = total_answers / best.push_s
    ref_rate = total_answers / best.ref_s
    pull_rate = best.pulled_answers / best.full_pull_s
    inc_rate = best.inc_answers / best.inc_pull_s if best.inc_pull_s else float("inf")
    push_cpu_rate = total_answers / best.push_cpu if best.push_cpu else float("inf")
    ref_cpu_rate = total_answers / best.ref_cpu if best.ref_cpu else float("inf")
    pull_cpu_rate = best.pulled_answers / best.pull_cpu if best.pull_cpu else float("inf")
    print(
        f"\nSync server benchmark: {inspections // devices * devices} inspections × {QUESTIONS} answers from"
        f" {devices} devices, batches of ≤{BATCH} changes ({total_changes} changes); server with {workers}"
        f" worker process(es); best of {rounds} round(s);"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = (
        f"{'measure':<36}{'rows':>8}{'wall s':>8}{'answers/s':>12}{'× ref':>7}"
        f"{'cpu s':>8}{'answers/cpu-s':>15}{'× ref':>7}"
    )
    print(header)
    print("-" * len(header))

    def line(name: str, rows: int, wall: float, rate: float, cpu: float | None, cpu_rate: float | None) -> None:
        cpu_part = (
            f"{cpu:>8.2f}{cpu_rate:>15,.0f}{cpu_rate / ref_cpu_rate:>7.2f}"
            if cpu is not None and cpu_rate
            else f"{'':>8}{'':>15}{'':>7}"
        )
        print(f"{name:<36}{rows:>8}{wall:>8.2f}{rate:>12,.0f}{rate / ref_rate:>7.2f}{cpu_part}")

    line("raw SQLite upsert (reference)", total_changes, best.ref_s, ref_rate, best.ref_cpu, ref_cpu_rate)
    line("push ingest (HTTP, merge, scoring)", total_changes, best.push_s, push_rate, best.push_cpu, push_cpu_rate)
    line("full pull (from cursor 0)", best.pulled_rows, best.full_pull_s, pull_rate, best.pull_cpu, pull_cpu_rate)
    line("incremental pull", best.inc_rows, best.inc_pull_s, inc_rate, None, None)
    print("-" * len(header))
    print(
        f"targets: push ≥ 0.5× reference → {'met' if push_rate >= 0.5 * ref_rate else 'NOT met'}"
        f" ({push_rate / ref_rate:.2f}× wall, {push_cpu_rate / ref_cpu_rate:.2f}× CPU);"
        f" pull ≥ 500,000 answers/s → {'met' if pull_rate >= 500_000 else 'NOT met'}"
        f" ({pull_rate:,.0f} wall, {pull_cpu_rate:,.0f} per server CPU-second)"
    )
    print("(CPU s of push and pull are the server processes'; the client runs in this process. The reference's")
    print(" CPU s exclude its fsync waits, as the server's do.)")
    if rounds > 1:
        print(
            "rounds (push s / reference s / full pull s): "
            + "; ".join(f"{r.push_s:.2f}/{r.ref_s:.2f}/{r.full_pull_s:.2f}" for r in results)
        )


if __name__ == "__main__":
    main()
