"""Sync server on PostgreSQL next to SQLite: push ingest and pull with ONE server process and
with FOUR processes on one PostgreSQL database, in one run (issue 8).

    .venv/bin/python bench/server_bench_pg.py            # 1,000 inspections × 40 answers, 20 devices
    .venv/bin/python bench/server_bench_pg.py --quick    # 200 × 40, 4 devices

Each configuration gets a fresh database and fresh ``python -m sync_server serve`` processes
on loopback. Devices push in batches of ≤500 changes, spread round-robin over the processes;
then one device pulls everything from cursor 0 (the latency a new phone sees), and then
``--pullers`` devices pull everything at once, spread over the processes (what several
processes buy for reads). On PostgreSQL the tables are ANALYZEd between the pushes and the
pulls, as autovacuum does within a minute in production (right after a bulk load the
planner would still believe the feed is empty). PostgreSQL comes from ``TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``); a database is created and dropped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.server_bench import (  # noqa: E402
    QUESTIONS,
    BenchDevice,
    pull_all,
    push_all,
    set_up,
)
from tests.support import postgres  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402
from tests.support.threads import run_in_threads  # noqa: E402

SECRET = "benchmark-secret-key-shared-by-every-process"


@dataclass
class Figures:
    label: str
    changes: int
    answers: int
    push_s: float
    pull_rows: int
    pull_s: float
    pullers: int
    many_pull_rows: int
    many_pull_s: float


def start_servers(directory: Path, database_url: str | None, processes: int) -> list[ServerProcess]:
    env = {"SYNC_SECRET_KEY": SECRET, "SYNC_BLOB_DIR": str(directory / "blobs")}
    if database_url is not None:
        env["SYNC_DATABASE_URL"] = database_url
    servers = [ServerProcess(directory / f"p{i}", **env) for i in range(processes)]
    for s in servers:  # the first migrates; the others find the schema in place
        s.start()
    return servers


def measure(label: str, backend: str, processes: int, inspections: int, devices: int, pullers: int) -> Figures:
    with tempfile.TemporaryDirectory(prefix="server-bench-pg-") as tmp:
        directory = Path(tmp)
        db_name = postgres.unique_name("sync_bench") if backend == "postgres" else None
        url = postgres.create_database(db_name) if db_name else None
        servers: list[ServerProcess] = []
        try:
            servers = start_servers(directory, url, processes)
            token = set_up(servers[0], directory)
            devs = [BenchDevice() for _ in range(devices)]
            per_device = inspections // devices
            bodies = [d.batches([c for _ in range(per_device) for c in d.inspection("site-1")]) for d in devs]
            changes = sum(len(msgspec.json.decode(b)["changes"]) for bs in bodies for b in bs)

            groups = [bodies[i::processes] for i in range(processes)]  # devices round-robin over processes
            t0 = time.perf_counter()
            run_in_threads(push_all, [(s.base_url, token, g) for s, g in zip(servers, groups, strict=True) if g])
            push_s = time.perf_counter() - t0
            if url is not None:  # planner statistics, as autovacuum keeps them in production
                postgres.run(url, "ANALYZE")

            with httpx.Client(base_url=servers[0].base_url, timeout=300) as http:
                http.get("/healthz")
                t0 = time.perf_counter()
                _answers, pull_rows, _ = pull_all(http, token, 0)
                pull_s = time.perf_counter() - t0

            clients = [httpx.Client(base_url=servers[i % processes].base_url, timeout=300) for i in range(pullers)]
            counts: list[int] = [0] * pullers

            def pull_one(i: int) -> None:
                counts[i] = pull_all(clients[i], token, 0)[1]

            for c in clients:
                c.get("/healthz")
            t0 = time.perf_counter()
            run_in_threads(pull_one, [(i,) for i in range(pullers)])
            many_pull_s = time.perf_counter() - t0
            for c in clients:
                c.close()
        finally:
            for s in servers:
                s.stop()
            if db_name:
                postgres.drop_database(db_name)
    return Figures(
        label=label,
        changes=changes,
        answers=per_device * devices * QUESTIONS,
        push_s=push_s,
        pull_rows=pull_rows,
        pull_s=pull_s,
        pullers=pullers,
        many_pull_rows=sum(counts),
        many_pull_s=many_pull_s,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 inspections from 4 devices")
    parser.add_argument("--inspections", type=int, default=None)
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--pullers", type=int, default=4, help="devices pulling everything at the same time")
    parser.add_argument("--rounds", type=int, default=None, help="fresh databases each round; best of each kept")
    args = parser.parse_args()
    inspections = args.inspections or (200 if args.quick else 1000)
    devices = args.devices or (4 if args.quick else 20)
    reason = postgres._probe(postgres.admin_url())
    if reason is not None:
        raise SystemExit(postgres.unreachable_message(postgres.admin_url(), reason))

    configs = [
        ("SQLite, 1 process", "sqlite", 1),
        ("PostgreSQL, 1 process", "postgres", 1),
        ("PostgreSQL, 4 processes", "postgres", 4),
    ]
    rounds = args.rounds or (1 if args.quick else 2)
    results = []
    for label, backend, n in configs:
        runs = [measure(label, backend, n, inspections, devices, args.pullers) for _ in range(rounds)]
        results.append(
            Figures(
                **{
                    **runs[0].__dict__,
                    "push_s": min(r.push_s for r in runs),
                    "pull_s": min(r.pull_s for r in runs),
                    "many_pull_s": min(r.many_pull_s for r in runs),
                }
            )
        )
    first = results[0]
    print(
        f"\nSync server on SQLite and PostgreSQL: {first.answers // QUESTIONS} inspections × {QUESTIONS} answers"
        f" ({first.changes} changes) pushed by {devices} devices in batches of ≤500; {args.pullers} concurrent"
        f" full pulls; best of {rounds} round(s)"
    )
    header = f"{'configuration':<26}{'push s':>8}{'push ans/s':>12}{'pull s':>8}{'pull rows/s':>13}"
    header += f"{f'{args.pullers}× pull s':>12}{'rows/s (all)':>14}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.label:<26}{r.push_s:>8.2f}{r.answers / r.push_s:>12,.0f}"
            f"{r.pull_s:>8.2f}{r.pull_rows / r.pull_s:>13,.0f}"
            f"{r.many_pull_s:>12.2f}{r.many_pull_rows / r.many_pull_s:>14,.0f}"
        )
    print("-" * len(header))
    print(
        "Writes are serialised (one writer at a time on both engines: BEGIN IMMEDIATE on SQLite, a cluster-wide"
        " advisory lock on PostgreSQL); reads run in parallel across processes. See docs/POSTGRES.md."
    )


if __name__ == "__main__":
    main()
