"""Exports of the inspection list (CSV, XLSX, GeoJSON) from a real server on loopback, next to
a reference measured in the same run: the same answers read straight out of the server's
SQLite feed and written with ``csv.writer`` (no access checks, no labels, no scoring).

    .venv/bin/python bench/export_bench.py             # 5,000 inspections × 40 answers
    .venv/bin/python bench/export_bench.py --quick     # 500 × 40

There is no row cap: an export lists the matching inspections first, then writes one at a
time (CSV and GeoJSON streamed), so the figures below should hold per inspection at any size.
"""

from __future__ import annotations

import argparse
import csv
import io
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.server_bench import DISTRICT, PASSWORD, BenchDevice, push_all, set_up  # noqa: E402
from tests.support.server_process import ServerProcess  # noqa: E402


def reference(db_file: Path) -> tuple[float, int]:
    """Seconds to write every answer value, one row per inspection, straight from the feed."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db_file)
    rows: dict[str, list[str]] = {}
    for entity_id, value in conn.execute(
        "SELECT entity_id, value FROM feed WHERE entity = 'answer' AND field = 'value' ORDER BY entity_id"
    ):
        inspection_id = entity_id.split("/", 1)[0]
        rows.setdefault(inspection_id, [inspection_id]).append(value)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(rows.values())
    conn.close()
    return time.perf_counter() - t0, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 inspections")
    parser.add_argument("--inspections", type=int, default=5000)
    args = parser.parse_args()
    count = 500 if args.quick else args.inspections
    with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
        directory = Path(tmp)
        server = ServerProcess(directory / "server", workers=1)
        server.start()
        try:
            inspector = set_up(server, directory)
            server.create_user("boss", PASSWORD, "supervisor", [DISTRICT])
            device = BenchDevice()
            push_all(
                server.base_url,
                inspector,
                [device.batches([c for _ in range(count) for c in device.inspection("site-1")])],
            )
            token = server.token("boss", PASSWORD)
            ref_s, ref_rows = reference(directory / "server" / "registry.db")
            print(f"Export benchmark: {count} inspections × 40 answers, one server process on loopback")
            print(f"{'export':<28}{'bytes':>12}{'s':>8}{'inspections/s':>16}{'× ref':>8}")
            print(f"{'reference (raw feed → csv)':<28}{'':>12}{ref_s:>8.2f}{ref_rows / ref_s:>16,.0f}{1:>8.2f}")
            with httpx.Client(
                base_url=server.base_url, timeout=600, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                for fmt in ("csv", "xlsx", "geojson"):
                    t0 = time.perf_counter()
                    response = http.get(f"/api/v1/exports/inspections.{fmt}")
                    seconds = time.perf_counter() - t0
                    if response.status_code != 200:
                        raise SystemExit(f"{fmt}: HTTP {response.status_code} {response.text[:200]}")
                    if fmt == "csv":
                        rows = len(response.content.decode("utf-8-sig").splitlines()) - 1
                        if rows != count:
                            raise SystemExit(f"csv holds {rows} inspections, expected {count}")
                    rate = count / seconds
                    print(
                        f"{'inspections.' + fmt:<28}{len(response.content):>12,}{seconds:>8.2f}{rate:>16,.0f}"
                        f"{ref_s / seconds:>8.2f}"
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
