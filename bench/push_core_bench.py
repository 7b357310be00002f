"""Push core benchmark: ``sync_service.push`` called in this process (no HTTP, no other
process), on a fresh SQLite registry, for N inspections × 40 answers from 10 devices in
batches of ≤500 changes; and, with ``--against REV``, the same script on the code of another
commit (a temporary git worktree), back to back, as the reference.

    .venv/bin/python bench/push_core_bench.py                          # CPU seconds, best of 5
    .venv/bin/python bench/push_core_bench.py --against 331663b        # and the same at 331663b
    .venv/bin/python bench/push_core_bench.py --against 331663b --instructions

``--instructions`` counts the instructions the push itself executes under valgrind's callgrind
(a run with the pushes minus a run without them): the same count whatever else the machine is
doing, so a change of a few per cent shows where timings on a shared machine cannot. It counts
user-space work only (not the kernel's writes and fsyncs) and takes about a minute a run.

What this measures is the part of a push that holds the single writer (bench/server_bench.py
measures the whole server over HTTP); it is the tool for finding which commit made a push
slower (run it with ``--against`` at commits between two points).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(os.environ.get("PUSH_BENCH_ROOT", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(REPO_ROOT))

import msgspec  # noqa: E402

QUESTIONS = 40
BATCH = 500
DEVICES = 10
PASSWORD = "mây trắng qua đèo"
DISTRICT = "TX Phổ Yên"


def _requests(inspections: int) -> list[Any]:
    """The push requests, in the order devices send them (one batch of each in turn)."""
    from shared_schema.clock import HybridClock
    from shared_schema.protocol import answer_entity_id
    from shared_schema.sync import PushRequest

    per_device: list[list[bytes]] = []
    for _ in range(DEVICES):
        client_id = f"bench-{uuid.uuid4().hex[:10]}"
        clock = HybridClock(client_id)
        changes: list[dict[str, Any]] = []
        for _ in range(inspections // DEVICES):
            iid = str(uuid.uuid4())
            fields = [("inspection", iid, "site_id", "site-1"), ("inspection", iid, "template_id", "bench")]
            fields += [("inspection", iid, "template_version", 1), ("inspection", iid, "status", "draft")]
            fields += [
                ("answer", answer_entity_id(iid, f"q{i:02d}"), "value", "yes" if i % 7 else "no")
                for i in range(QUESTIONS)
            ]
            for entity, entity_id, field, value in fields:
                changes.append(
                    {
                        "change_id": uuid.uuid4().hex,
                        "client_seq": len(changes) + 1,
                        "entity": entity,
                        "entity_id": entity_id,
                        "field": field,
                        "value": value,
                        "hlc": clock.tick(),
                        "base_hlc": None,
                    }
                )
        per_device.append(
            [
                msgspec.json.encode(
                    {"protocol": 1, "client_id": client_id, "app_version": "bench", "changes": changes[i : i + BATCH]}
                )
                for i in range(0, len(changes), BATCH)
            ]
        )
    decode = msgspec.json.Decoder(PushRequest).decode
    return [decode(body) for turn in zip(*per_device, strict=True) for body in turn]


def _template() -> Any:
    from bench_content import bench_template  # this script's folder: also when run on another commit's code

    return bench_template(QUESTIONS)


def one_round(inspections: int) -> float:
    """CPU seconds of every push of one round, on a fresh registry."""
    from sync_server.core import auth, registry, sync_service
    from sync_server.core.access import SYSTEM
    from sync_server.core.config import ServerConfig
    from sync_server.core.server import Server

    with tempfile.TemporaryDirectory(prefix="push-core-bench-") as tmp:
        directory = Path(tmp)
        config = ServerConfig(
            database_url=f"sqlite:///{directory / 'registry.db'}",
            blob_dir=directory / "blobs",
            secret_key="push-core-bench-" * 2,
            sqlite_synchronous="NORMAL",
        )
        server = Server.open(config)
        try:
            auth.create_user(server.db, SYSTEM, "bench", PASSWORD, "inspector", [DISTRICT])
            site = registry.SiteInput(code="B-1", name="Bench", kind="DN_SX", district=DISTRICT, id="site-1")
            registry.create_site(server.db, SYSTEM, site)
            registry.save_template(server.db, SYSTEM, _template())
            registry.publish_template(server.db, SYSTEM, "bench", 1)
            with server.db.read() as tx:
                user_id = tx.scalar("SELECT id FROM users WHERE username = 'bench'")
            actor = auth.actor_for_user(server.db, user_id)
            requests = _requests(inspections)
            start = time.process_time()
            for request in requests:
                sync_service.push(server.db, actor, request)
            return time.process_time() - start
        finally:
            server.close()


def _run_here(root: Path, args: list[str]) -> str:
    """This script's output, run on the code under ``root`` by this interpreter."""
    env = {**os.environ, "PUSH_BENCH_ROOT": str(root)}
    done = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run at {root} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _instructions(root: Path, inspections: int) -> int:
    """Instructions the pushes execute: a callgrind run with them minus one without them."""
    counts = []
    for n in (inspections, 0):
        env = {**os.environ, "PUSH_BENCH_ROOT": str(root)}
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
        done = subprocess.run(
            [*cmd, "--inspections", str(n), "--rounds", "1", "--quiet"], env=env, capture_output=True, text=True
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise SystemExit(f"callgrind failed at {root}:\n{done.stderr[-2000:]}")
        counts.append(int(found.group(1)))
    return counts[0] - counts[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspections", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="fresh registries; the least CPU time is kept")
    parser.add_argument("--against", metavar="REV", help="also run the same at this commit, as the reference")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind instead")
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quiet:  # one round, nothing printed: the body of an --instructions count
        one_round(args.inspections)
        return
    answers = args.inspections // DEVICES * DEVICES * QUESTIONS
    roots = [("this code", REPO_ROOT)]
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    worktree = None
    if args.against:
        worktree = Path(tempfile.mkdtemp(prefix="push-core-ref-")) / "tree"
        added = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(worktree), args.against],
            capture_output=True,
            text=True,
        )
        if added.returncode != 0:
            shutil.rmtree(worktree.parent, ignore_errors=True)
            raise SystemExit(f"cannot check out {args.against}: {added.stderr.strip()}")
        roots.append((args.against, worktree))
    try:
        print(
            f"Push core benchmark: {args.inspections // DEVICES * DEVICES} inspections × {QUESTIONS} answers"
            f" from {DEVICES} devices, batches of ≤{BATCH}; load average {os.getloadavg()[0]:.1f}"
        )
        figures = []
        for name, root in roots:
            if args.instructions:
                count = _instructions(root, args.inspections)
                figures.append(count)
                print(f"{name:<12} {count:>15,} instructions   {count / answers:>9,.0f} per answer")
            else:
                out = _run_here(root, ["--inspections", str(args.inspections), "--rounds", str(args.rounds), "--one"])
                cpu = float(out.split()[-1])
                figures.append(cpu)
                print(
                    f"{name:<12} {cpu:>8.3f} CPU s (best of {args.rounds})   {answers / cpu:>9,.0f} answers per CPU-second"
                )
        if len(figures) == 2:
            print(f"this code ÷ {args.against}: {figures[0] / figures[1]:.3f} (below 1: this code does less)")
    finally:
        if worktree is not None:
            subprocess.run(["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(worktree)], check=False)
            shutil.rmtree(worktree.parent, ignore_errors=True)


if __name__ == "__main__":
    if "--one" in sys.argv:  # a measuring child: print the least CPU time of its rounds
        sys.argv.remove("--one")
        parser = argparse.ArgumentParser()
        parser.add_argument("--inspections", type=int)
        parser.add_argument("--rounds", type=int)
        ns = parser.parse_args()
        print(min(one_round(ns.inspections) for _ in range(ns.rounds)))
    else:
        main()
