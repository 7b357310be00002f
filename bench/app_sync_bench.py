"""Field app sync benchmark against a local server process.

A device with 10,000 sites and 200 inspections × 40 answers does its first full sync (push
of its offline work + pull of the whole registry) and an incremental one; prints rows per
second for each and the time of one answer edit (write + outbox, one transaction) at p50 and
p99. Targets: first sync >= 20,000 rows/s; an answer edit < 5 ms at p99.

    .venv/bin/python bench/app_sync_bench.py [--sites 10000] [--inspections 200] [--answers 40]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import msgspec

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_content import bench_checklist  # noqa: E402
from bench.server_bench import DISTRICT, PASSWORD  # noqa: E402
from field_app.core.services import AppServices  # noqa: E402
from shared_schema.checklist import ChecklistTemplate, NumberQuestion, Question, YesNoQuestion  # noqa: E402
from shared_schema.text import LocalText as T  # noqa: E402
from tests.support.server_process import start_server  # noqa: E402


def bench_template(answers: int) -> ChecklistTemplate:
    """``answers`` questions: numbers and yes/no questions in turn."""
    questions: list[Question] = []
    for n in range(answers):
        if n % 2:
            questions.append(YesNoQuestion(id=f"q{n:02d}", label=T(f"Câu {n}", f"Question {n}"), weight=1))
        else:
            questions.append(NumberQuestion(id=f"q{n:02d}", label=T(f"Số {n}", f"Number {n}"), min=0, max=10_000))
    return bench_checklist(questions)


def value_for(n: int, rnd: random.Random) -> object:
    return rnd.choice(["yes", "no"]) if n % 2 else rnd.randint(0, 10_000)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed_sync(app: AppServices, what: str) -> None:
    """Sync ``app`` once and print its rows per second, as ``what``."""
    t = time.perf_counter()
    report = app.sync_now()
    seconds = time.perf_counter() - t
    assert report.ok, report.error
    rows = report.pushed + report.pulled
    print(
        f"{what}: pushed {report.pushed} + pulled {report.pulled} rows in {seconds:.2f} s = "
        f"{rows / seconds:,.0f} rows/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--inspections", type=int, default=200)
    parser.add_argument("--answers", type=int, default=40)
    parser.add_argument("--edits", type=int, default=2_000, help="answer edits timed for p50/p99")
    args = parser.parse_args()
    rnd = random.Random(1)

    with tempfile.TemporaryDirectory(prefix="app-bench-") as tmp:
        root = Path(tmp)
        server = start_server(root, SYNC_SQLITE_SYNCHRONOUS="NORMAL")
        try:
            server.create_user("bench", PASSWORD, "inspector", [DISTRICT])
            server.create_user("other", PASSWORD, "inspector", [DISTRICT])
            with open(root / "sites.csv", "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["code", "name", "kind", "district", "address", "workers"])
                for n in range(args.sites):
                    w.writerow([f"DN-{n:05d}", f"Công ty số {n}", "DN_SX", DISTRICT, f"Lô {n}, KCN Yên Bình", n % 900])
            t = time.perf_counter()
            result = server.cli("import-sites", str(root / "sites.csv"))
            assert result.returncode == 0, result.stderr
            print(f"server: imported {args.sites} sites in {time.perf_counter() - t:.1f} s")
            (root / "bench.json").write_bytes(msgspec.json.encode(bench_template(args.answers)))
            result = server.cli("load-checklist", str(root / "bench.json"), "--publish")
            assert result.returncode == 0, result.stderr

            # The device logs in online once, then works offline: 200 inspections × 40 answers.
            app = AppServices.open(root / "device")
            app.login(server.base_url, "bench", PASSWORD)
            # It needs the registry and the checklist to start inspections: a first pull.
            t = time.perf_counter()
            first_pull = app.sync_now()
            assert first_pull.ok, first_pull.error
            pull_s = time.perf_counter() - t
            print(
                f"first pull (empty device): {first_pull.pulled} rows in {pull_s:.2f} s = "
                f"{first_pull.pulled / pull_s:,.0f} rows/s"
            )
            site_ids = [s.id for s in app.list_sites(limit=args.inspections)]
            t = time.perf_counter()
            inspections = []
            for i in range(args.inspections):
                inspection_id = app.start_inspection(site_ids[i % len(site_ids)], "bench")
                inspections.append(inspection_id)
                for n in range(args.answers):
                    assert app.set_answer_value(inspection_id, f"q{n:02d}", value_for(n, rnd)) is None
            work_s = time.perf_counter() - t
            queued = app.sync_status().pending
            print(f"offline work: {queued} changes queued in {work_s:.1f} s")

            # First full sync of that work: push everything, pull the echo.
            timed_sync(app, "first full sync")

            # A second device's first sync: the whole registry and all 200 × 40 answers at once.
            fresh = AppServices.open(root / "device2")
            fresh.login(server.base_url, "other", PASSWORD)
            t = time.perf_counter()
            full = fresh.sync_now()
            full_s = time.perf_counter() - t
            assert full.ok, full.error
            print(
                f"first sync of a fresh device (pull of everything): {full.pulled} rows in {full_s:.2f} s = "
                f"{full.pulled / full_s:,.0f} rows/s"
            )

            # Answer edits, timed one by one (validate + write + outbox in one transaction). Every
            # edit changes the value, so each one really writes (an unchanged value is skipped).
            timings = []
            before = app.sync_status().pending
            for k in range(args.edits):
                inspection_id = inspections[k % len(inspections)]
                n = rnd.randrange(args.answers)
                current = app.get_inspection(inspection_id).answers[f"q{n:02d}"].value
                value = ("no" if current == "yes" else "yes") if n % 2 else (current + 1) % 10_000
                t = time.perf_counter()
                app.set_answer_value(inspection_id, f"q{n:02d}", value)
                timings.append((time.perf_counter() - t) * 1000)
            assert app.sync_status().pending - before == args.edits
            # The other device edits too, so the incremental sync moves both ways.
            for k in range(500):
                fresh.set_answer_value(
                    inspections[k % len(inspections)], f"q{k % args.answers:02d}", value_for(k % args.answers, rnd)
                )
            assert fresh.sync_now().ok
            timed_sync(app, "incremental sync")
            print(
                f"answer edit (write + outbox): p50 {statistics.median(timings):.2f} ms, "
                f"p99 {percentile(timings, 99):.2f} ms over {len(timings)} edits"
            )
            target_ok = full.pulled / full_s >= 20_000 and percentile(timings, 99) < 5
            print("targets (first sync >= 20,000 rows/s; edit p99 < 5 ms):", "MET" if target_ok else "NOT MET")
            app.close()
            fresh.close()
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
