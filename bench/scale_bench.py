"""Provincial-scale benchmark (issue 19): loads N inspections of the shipped industrial checklist
(49 answers each, submitted) through the sync API of a real server, then measures what a
supervisor and a new phone meet at that size, next to raw SQL on the same database in the
same run, and the growth from one N to the next.

    .venv/bin/python bench/scale_bench.py                          # N = 10,000 then 100,000, SQLite
    .venv/bin/python bench/scale_bench.py --n 10000 --n 30000      # other sizes (loaded in steps)
    .venv/bin/python bench/scale_bench.py --backend postgres --n 10000
    .venv/bin/python bench/scale_bench.py --n 1000                 # a quick look

Figures (the least of three rounds' medians of several requests over loopback, one server process unless ``--workers``):
API list first page, deep page by cursor and by offset (middle of the list), console
inspections list, console dashboard, the raw SQL of a first page and of the counts by district
and status, WAL size (largest seen during the load, SQLite), bytes per stored answer, and a new
inspector's first pull of one district (rows, MB): the full pull an old app makes, and the
bounded first sync the app makes now (PROTOCOL.md §7). After each load every inspection but the
newest ``PENDING`` is approved by a supervisor, so the history is settled as in steady use and
the bounded sync can be seen not to grow with it.

``--rows-by-sql`` writes the inspection rows straight into the database instead (no answers, no
feed; the kept counts are kept by their triggers as for a push) and measures the lists and the
dashboard only: it reaches 100,000 in a minute where the API load takes hours on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import msgspec

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.server_bench import PushDevice, push_all  # noqa: E402
from shared_schema import checklist as cl  # noqa: E402
from shared_schema.protocol import answer_entity_id  # noqa: E402
from sync_server.core.checklists import parse_template  # noqa: E402
from tests.support import postgres  # noqa: E402
from tests.support.server_process import ServerProcess, upload_blob  # noqa: E402

CHECKLIST = REPO_ROOT / "sync_server" / "content" / "checklists" / "covid19-industrial.yaml"
PASSWORD = "benchmark password"
DISTRICTS = ("TX Phổ Yên", "TP Sông Công", "H. Phú Bình", "H. Đại Từ")
SITES_PER_DISTRICT = 10
BATCH = 500
REPEATS = 15
ROUNDS = 3  # rounds of REPEATS calls; the least median is kept (see p50)
CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
# The signature every inspection names: a small PNG uploaded once, so approvals are allowed.
SIGNATURE = b"\x89PNG\r\n\x1a\n" + hashlib.sha256(b"chu ky").digest() * 8
SHA = hashlib.sha256(SIGNATURE).hexdigest()
PENDING = 100  # inspections left submitted (not yet approved) after each load


def load_template() -> cl.ChecklistTemplate:
    return parse_template(CHECKLIST.read_text(encoding="utf-8"), "yaml")


def answer_value(q: cl.Question, n: int) -> Any:
    """A valid answer to ``q`` (mostly compliant, some not, so results vary)."""
    match q:
        case cl.YesNoQuestion():
            return "no" if n % 11 == 0 and not q.critical else "yes"
        case cl.NumberQuestion():
            return max(int(q.min or 0), 0) + n % 50 + 1
        case cl.SingleChoiceQuestion():
            passing = [c for c in q.choices if not c.fails]
            return passing[n % len(passing)].id
        case cl.MultipleChoiceQuestion():
            return [q.choices[0].id]
        case cl.DateQuestion():
            return "2021-08-15"
        case cl.TextQuestion():
            return f"Ghi chú kiểm tra số {n}: đã nhắc nhở doanh nghiệp thực hiện đầy đủ 5K."
        case cl.LocationQuestion():
            return {"lat": 21.5 + n % 100 / 1000, "lon": 105.8, "accuracy_m": 8.0}
        case cl.PhotoQuestion():
            return [SHA]
        case cl.SignatureQuestion():
            return {"sha256": SHA, "name": "Trần Thị Bình"}
    return None


class LoadDevice(PushDevice):
    """A device that makes submitted inspections of the industrial checklist, as push bodies."""

    def __init__(self, template: cl.ChecklistTemplate, sites: list[str], start_day: float):
        super().__init__("scale")
        self.template = template
        self.questions = [q for s in template.sections for q in s.questions]
        self.sites = sites
        self.start_day = start_day
        self.made = 0

    def inspection(self) -> list[dict[str, Any]]:
        n = self.made
        self.made += 1
        iid = str(uuid.uuid4())
        started = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.start_day + (n * 7919 % (180 * 86400)) + n % 3600)
        )
        out = [
            self.change("inspection", iid, "site_id", self.sites[n % len(self.sites)]),
            self.change("inspection", iid, "template_id", self.template.template_id),
            self.change("inspection", iid, "template_version", self.template.version),
            self.change("inspection", iid, "status", "draft"),
            self.change("inspection", iid, "started_at", started),
        ]
        out += [
            self.change("answer", answer_entity_id(iid, q.id), "value", answer_value(q, n + i))
            for i, q in enumerate(self.questions)
        ]
        out.append(self.change("inspection", iid, "status", "submitted"))
        return out

    def bodies(self, count: int) -> Iterator[bytes]:
        changes: list[dict[str, Any]] = []
        for i in range(count):
            changes += self.inspection()
            while len(changes) >= BATCH or (changes and i == count - 1):
                chunk, changes = changes[:BATCH], changes[BATCH:]
                yield msgspec.json.encode(
                    {"protocol": 1, "client_id": self.client_id, "app_version": "scale", "changes": chunk}
                )


def push(base_url: str, token: str, devices: list[LoadDevice], per_device: int) -> None:
    """Every device pushes its inspections, made batch by batch as they are sent."""
    push_all(base_url, token, [dev.bodies(per_device) for dev in devices], timeout=300)


def p50(fn: Callable[[], Any], repeats: int = REPEATS, rounds: int = ROUNDS) -> float:
    """Milliseconds of ``fn``: the median of ``repeats`` calls (after one warm-up call), taken in
    ``rounds`` rounds a second apart, and the least of those medians kept, so that a burst of
    other work on a shared machine during one round does not read as growth."""
    fn()
    medians = []
    for r in range(rounds):
        if r:
            time.sleep(1)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        medians.append(statistics.median(times))
    return min(medians)


class Stage(msgspec.Struct):
    n: int
    load_s: float
    figures: dict[str, float]


class Bench:
    def __init__(self, backend: str, workers: int, directory: Path):
        self.backend = backend
        self.directory = directory
        self.pg_name = postgres.unique_name("sync_scale") if backend == "postgres" else None
        env = {"SYNC_DATABASE_URL": postgres.create_database(self.pg_name)} if self.pg_name else {}
        self.server = ServerProcess(directory / "server", workers=workers, SYNC_SQLITE_SYNCHRONOUS="NORMAL", **env)
        self.server.start()
        self.template = load_template()
        self.sites: dict[str, list[str]] = {}
        self.tokens: dict[str, str] = {}
        self.devices: list[LoadDevice] = []
        self.loaded = 0
        self.wal_max = 0
        self._watching = False

    def set_up(self, devices: int) -> None:
        rows = ["id,code,name,kind,district"]
        for d, district in enumerate(DISTRICTS):
            self.sites[district] = []
            for s in range(SITES_PER_DISTRICT):
                site_id = f"site-{d}-{s}"
                rows.append(f"{site_id},KCN-{d}-{s},Khu công nghiệp {d}.{s},KCN,{district}")
                self.sites[district].append(site_id)
        (self.directory / "sites.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        for cmd in (
            ("import-sites", str(self.directory / "sites.csv")),
            ("load-checklist", str(CHECKLIST), "--publish"),
        ):
            result = self.server.cli(*cmd)
            if result.returncode != 0:
                raise SystemExit(result.stderr)
        self.server.create_user("kiemtra", PASSWORD, "inspector", DISTRICTS)
        self.server.create_user("moi", PASSWORD, "inspector", DISTRICTS[:1])
        self.server.create_user("giamsat", PASSWORD, "supervisor", DISTRICTS)
        for name in ("kiemtra", "moi", "giamsat"):
            self.tokens[name] = self.server.token(name, PASSWORD)
        upload_blob(self.server.base_url, self.tokens["kiemtra"], SIGNATURE)
        start = time.time() - 200 * 86400
        all_sites = [s for ss in self.sites.values() for s in ss]
        self.devices = [LoadDevice(self.template, all_sites[i::devices], start) for i in range(devices)]

    def _watch_wal(self) -> None:
        path = self.sqlite_path
        if path is None:
            return
        wal = path.with_name(path.name + "-wal")
        while self._watching:
            with contextlib.suppress(FileNotFoundError):
                self.wal_max = max(self.wal_max, wal.stat().st_size)
            time.sleep(0.05)

    @property
    def sqlite_path(self) -> Path | None:
        url = self.server.database_url
        return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:") else None

    def load_to(self, n: int) -> float:
        per_device = (n - self.loaded) // len(self.devices)
        self._watching = True
        watcher = threading.Thread(target=self._watch_wal, daemon=True)
        watcher.start()
        t0 = time.perf_counter()
        push(self.server.base_url, self.tokens["kiemtra"], self.devices, per_device)
        elapsed = time.perf_counter() - t0
        self._watching = False
        watcher.join()
        self.loaded += per_device * len(self.devices)
        if self.pg_name:
            postgres.run(self.server.database_url, "ANALYZE")
        return elapsed

    def insert_rows(self, n: int) -> float:
        """Inspection rows up to ``n`` written by SQL (``--rows-by-sql``), all approved but the
        newest ``PENDING``: no answers, no feed."""
        sites = [(d, s) for d, ss in self.sites.items() for s in ss]
        columns = (
            "id, site_id, district, template_id, template_version, status, kind, inspector,"
            " started_at, submitted_at, created_at, updated_at, result, score, started_key"
        )
        t0 = time.perf_counter()
        base = time.time() - 200 * 86400
        rows = []
        for k in range(self.loaded, n):
            started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + k * 137))
            updated = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + 200 * 86400)) + f".{k:07d}Z"
            district, site = sites[k % len(sites)]
            rows.append(
                (
                    f"sql-{k:07d}",
                    site,
                    district,
                    self.template.template_id,
                    self.template.version,
                    "approved",
                    "routine",
                    "kiemtra",
                    started,
                    started,
                    started,
                    updated,
                    ("dat", "khong_dat", "dat_co_dieu_kien")[k % 3],
                    float(k % 100),
                    started[:4] + started[5:7] + started[8:10] + started[11:13] + started[14:16] + started[17:19],
                )
            )
        path = self.sqlite_path
        if path is not None:
            conn = sqlite3.connect(path)
            with conn:
                conn.execute("UPDATE inspections SET status = 'approved' WHERE status = 'submitted'")
                conn.executemany(f"INSERT INTO inspections ({columns}) VALUES ({', '.join('?' * 15)})", rows)
                conn.execute(
                    "UPDATE inspections SET status = 'submitted' WHERE id IN"
                    f" (SELECT id FROM inspections ORDER BY created_at DESC, id DESC LIMIT {PENDING})"
                )
            conn.execute("ANALYZE")
            conn.close()
        else:
            import psycopg

            with psycopg.connect(self.server.database_url) as pg:
                pg.execute("UPDATE inspections SET status = 'approved' WHERE status = 'submitted'")
                pg.commit()
                for i in range(0, len(rows), 2000):  # one chunk per transaction, as pushes come
                    pg.cursor().executemany(
                        f"INSERT INTO inspections ({columns}) VALUES ({', '.join(['%s'] * 15)})", rows[i : i + 2000]
                    )
                    pg.commit()
                pg.execute(
                    "UPDATE inspections SET status = 'submitted' WHERE id IN"
                    f" (SELECT id FROM inspections ORDER BY created_at DESC, id DESC LIMIT {PENDING})"
                )
                pg.commit()
            postgres.run(self.server.database_url, "VACUUM ANALYZE")
        self.loaded = n
        return time.perf_counter() - t0

    def approve(self, keep: int = PENDING) -> tuple[int, float]:
        """A supervisor approves every submitted inspection but the newest ``keep``."""
        ids = [
            r[0] for r in self.raw("SELECT id FROM inspections WHERE status = 'submitted' ORDER BY created_at, id")()
        ]
        ids = ids[: max(0, len(ids) - keep)]
        headers = {"Authorization": f"Bearer {self.tokens['giamsat']}"}
        t0 = time.perf_counter()
        with httpx.Client(base_url=self.server.base_url, headers=headers, timeout=60) as client:

            def one(iid: str) -> None:
                client.post(f"/api/v1/inspections/{iid}/review", json={"decision": "approve"}).raise_for_status()

            with ThreadPoolExecutor(4) as pool:
                list(pool.map(one, ids))
        return len(ids), time.perf_counter() - t0

    def first_pull(self, api: httpx.Client, bounded: bool) -> tuple[int, int, float]:
        """A new inspector's first pull of one district: (rows, bytes, seconds)."""
        rows = nbytes = 0
        cursor_n = 0
        horizon = None
        t0 = time.perf_counter()
        pull_headers = {"Authorization": f"Bearer {self.tokens['moi']}"}
        while True:
            params: dict[str, Any] = {
                "cursor": cursor_n,
                "limit": 5000,
                "protocol": 1,
                "client_id": f"new-{uuid.uuid4().hex[:8]}",
            }
            if bounded:
                params["bounded"] = "true"
                if horizon is not None:
                    params["horizon"] = horizon
            r = api.get("/api/v1/sync/pull", params=params, headers=pull_headers)
            r.raise_for_status()
            nbytes += len(r.content)
            page = msgspec.json.decode(r.content)
            rows += len(page["changes"])
            cursor_n, horizon = page["cursor"], page.get("horizon")
            if not page["has_more"]:
                return rows, nbytes, time.perf_counter() - t0

    def raw(self, sql: str) -> Callable[[], Any]:
        path = self.sqlite_path
        if path is not None:
            conn = sqlite3.connect(path, check_same_thread=False)
            return lambda: conn.execute(sql).fetchall()
        import psycopg

        pg = psycopg.connect(self.server.database_url, autocommit=True)
        return lambda: pg.execute(sql).fetchall()

    def measure(self, lists_only: bool = False) -> dict[str, float]:
        f: dict[str, float] = {}
        api = httpx.Client(base_url=self.server.base_url, timeout=300)
        headers = {"Authorization": f"Bearer {self.tokens['giamsat']}"}

        def get(path: str, **params: Any) -> httpx.Response:
            r = api.get(path, params=params, headers=headers)
            r.raise_for_status()
            return r

        f["api_first_ms"] = p50(lambda: get("/api/v1/inspections", limit=50))
        # the cursor of the middle of the list, walked with big pages
        cursor, seen = None, 0
        while seen < self.loaded // 2:
            page = get("/api/v1/inspections", limit=500, **({"cursor": cursor} if cursor else {})).json()
            seen += len(page["items"])
            cursor = page["next_cursor"]
        f["api_deep_cursor_ms"] = p50(lambda: get("/api/v1/inspections", limit=50, cursor=cursor))
        f["api_deep_offset_ms"] = p50(lambda: get("/api/v1/inspections", limit=50, offset=self.loaded // 2))
        console = httpx.Client(base_url=self.server.base_url, timeout=300)
        token = CSRF_RE.search(console.get("/console/login").text)
        assert token is not None
        console.post("/console/login", data={"username": "giamsat", "password": PASSWORD, "csrf_token": token.group(1)})
        f["console_list_ms"] = p50(lambda: console.get("/console/inspections").raise_for_status())
        nxt = re.search(r'href="([^"]+)" rel="next"', console.get("/console/inspections").text)
        assert nxt is not None
        link = nxt.group(1).replace("&amp;", "&")
        f["console_list_next_ms"] = p50(lambda: console.get(link).raise_for_status())
        f["console_dashboard_ms"] = p50(lambda: console.get("/console/dashboard").raise_for_status(), 7)
        f["raw_first_page_ms"] = p50(self.raw("SELECT id FROM inspections ORDER BY updated_at DESC, id DESC LIMIT 50"))
        f["raw_counts_ms"] = p50(self.raw("SELECT district, status, COUNT(*) FROM inspections GROUP BY 1, 2"))
        if lists_only:
            api.close()
            console.close()
            return f
        # storage
        answers = self.raw("SELECT COUNT(*) FROM feed WHERE entity = 'answer'")()[0][0]
        path = self.sqlite_path
        if path is not None:
            size = path.stat().st_size
            f["wal_max_mb"] = self.wal_max / 1e6
            try:
                feed = self.raw("SELECT SUM(pgsize) FROM dbstat WHERE name IN ('feed', 'sqlite_autoindex_feed_1')")()
                f["feed_bytes_per_answer"] = (feed[0][0] or 0) / answers
            except sqlite3.Error:
                pass
        else:
            size = self.raw("SELECT pg_database_size(current_database())")()[0][0]
            f["feed_bytes_per_answer"] = self.raw("SELECT pg_total_relation_size('feed')")()[0][0] / answers
        f["db_mb"] = size / 1e6
        f["bytes_per_answer"] = size / answers
        # a new inspector's first pull of one district: in full (an old app) and bounded (the app now)
        rows, nbytes, seconds = self.first_pull(api, bounded=False)
        f["first_pull_rows"], f["first_pull_mb"], f["first_pull_s"] = rows, nbytes / 1e6, seconds
        rows, nbytes, seconds = self.first_pull(api, bounded=True)
        f["bounded_pull_rows"], f["bounded_pull_mb"], f["bounded_pull_s"] = rows, nbytes / 1e6, seconds
        api.close()
        console.close()
        return f

    def close(self) -> None:
        self.server.stop()
        if self.pg_name:
            postgres.drop_database(self.pg_name)


ROWS = (
    ("api_first_ms", "GET /api/v1/inspections?limit=50 (p50 ms)"),
    ("api_deep_cursor_ms", "same, cursor at the middle (p50 ms)"),
    ("api_deep_offset_ms", "same, offset at the middle (p50 ms, deprecated)"),
    ("console_list_ms", "console inspections list (p50 ms)"),
    ("console_list_next_ms", "console list, next page (p50 ms)"),
    ("console_dashboard_ms", "console dashboard (p50 ms)"),
    ("raw_first_page_ms", "raw SQL: first page of the index (ms)"),
    ("raw_counts_ms", "raw SQL: count by district and status (ms)"),
    ("wal_max_mb", "largest WAL during the load (MB)"),
    ("db_mb", "database on disk (MB)"),
    ("bytes_per_answer", "database bytes per stored answer"),
    ("feed_bytes_per_answer", "feed table + key index bytes per answer"),
    ("first_pull_rows", "new inspector's first pull of a district (rows)"),
    ("first_pull_mb", "same (MB)"),
    ("first_pull_s", "same (s)"),
    ("bounded_pull_rows", "same, bounded first sync (rows)"),
    ("bounded_pull_mb", "same, bounded first sync (MB)"),
    ("bounded_pull_s", "same, bounded first sync (s)"),
    ("approved", "approved inspections (all but the newest 100)"),
)


def _cell(value: float | None) -> str:
    if value is None:
        return f"{'':>12}"
    return f"{value:>12,.2f}" if abs(value) < 10 else f"{value:>12,.1f}" if abs(value) < 1000 else f"{value:>12,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="inspections to reach (repeat; default 10000, 100000)")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1, help="server processes (serve --workers)")
    parser.add_argument("--json", type=Path, help="also write each stage's figures to this file as it is measured")
    parser.add_argument(
        "--rows-by-sql",
        action="store_true",
        help="write the inspection rows by SQL (no answers, no feed) and measure the lists and dashboard only",
    )
    args = parser.parse_args()
    sizes = sorted(args.n or [10_000, 100_000])
    if args.backend == "postgres" and (reason := postgres._probe(postgres.admin_url())):
        raise SystemExit(postgres.unreachable_message(postgres.admin_url(), reason))
    stages: list[Stage] = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        bench = Bench(args.backend, args.workers, Path(tmp))
        try:
            bench.set_up(args.devices)
            questions = len(bench.devices[0].questions)
            for n in sizes:
                if args.rows_by_sql:
                    load_s = bench.insert_rows(n)
                    print(f"wrote {bench.loaded:,} inspection rows by SQL in {load_s:.0f} s", flush=True)
                    figures = bench.measure(lists_only=True)
                    stages.append(Stage(bench.loaded, load_s, figures))
                    if args.json:
                        args.json.write_bytes(msgspec.json.format(msgspec.json.encode(stages)))
                    continue
                load_s = bench.load_to(n)
                print(
                    f"loaded {bench.loaded:,} inspections in {load_s:.0f} s"
                    f" ({bench.loaded and (n - (stages[-1].n if stages else 0)) * questions / load_s:,.0f} answers/s)",
                    flush=True,
                )
                approved, approve_s = bench.approve()
                print(f"approved {approved:,} inspections in {approve_s:.0f} s", flush=True)
                figures = bench.measure()
                figures["approved"] = bench.raw("SELECT COUNT(*) FROM inspections WHERE status = 'approved'")()[0][0]
                stages.append(Stage(bench.loaded, load_s, figures))
                if args.json:
                    args.json.write_bytes(msgspec.json.format(msgspec.json.encode(stages)))
        finally:
            bench.close()
    print(
        f"\nScale benchmark ({args.backend}, {args.workers} server process(es), industrial checklist,"
        f" {questions} answers per inspection, {len(DISTRICTS)} districts × {SITES_PER_DISTRICT} sites;"
        f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    header = f"{'measure':<50}" + "".join(f"{s.n:>12,}" for s in stages)
    if len(stages) > 1:
        header += f"{'growth':>9}"
    print(header)
    print("-" * len(header))
    for key, label in ROWS:
        values = [s.figures.get(key) for s in stages]
        if all(v is None for v in values):
            continue
        line = f"{label:<50}" + "".join(_cell(v) for v in values)
        if len(stages) > 1 and values[0] and values[-1] is not None:
            line += f"{values[-1] / values[0]:>8.2f}×"
        print(line)
    print("-" * len(header))
    print("load: " + "; ".join(f"{s.n:,} in {s.load_s:.0f} s" for s in stages))


if __name__ == "__main__":
    main()
