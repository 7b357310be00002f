"""The operations interface: ``python -m sync_server COMMAND``.

    serve --host HOST --port PORT [--workers N]   run the server (database created and migrated on start)
    create-user USERNAME --role ROLE [--district NAME …] [--full-name NAME]   password on stdin
    import-sites FILE.csv                 import the site registry (every row or nothing)
    load-checklist FILE [--publish] [--accept-dropped]
                                          save a checklist version (YAML, JSON or XLSForm .xlsx/.xls),
                                          optionally publish it
    seed-demo                             load the shipped content and create demo users (idempotent)
    copy-database --to URL                copy the whole registry into a new, empty database
                                          (e.g. from the SQLite file to PostgreSQL)

Configuration comes from the environment (see ``sync_server.core.config``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sync_server.core import auth, content, database_copy, writer_lock
from sync_server.core.access import SYSTEM
from sync_server.core.config import SECRET_FILE_NAME, ConfigError, from_env
from sync_server.core.errors import ServiceError
from sync_server.core.registry import CSV_HELP
from sync_server.core.server import Server


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sync_server",
        description="Field inspection sync server. Settings: SYNC_DATABASE_URL, SYNC_BLOB_DIR, SYNC_SECRET_KEY.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="server processes sharing the port and the database (default: SYNC_WORKERS or 1)",
    )
    user = sub.add_parser("create-user", help="create a user; the password is read from standard input")
    user.add_argument("username")
    user.add_argument("--role", required=True, choices=["inspector", "supervisor", "admin"])
    user.add_argument("--district", action="append", default=[], metavar="NAME", help="repeat for several districts")
    user.add_argument("--full-name", default=None)
    sites = sub.add_parser("import-sites", help="import sites from a CSV file", description=CSV_HELP)
    sites.add_argument("file", type=Path)
    checklist = sub.add_parser(
        "load-checklist",
        help="load a checklist version (YAML, JSON or an XLSForm .xlsx/.xls)",
        description="Save a checklist version as a draft. An XLSForm whose rows a checklist cannot express"
        " (repeats, calculations, other types) is listed row by row and nothing is saved, unless"
        " --accept-dropped: the draft is then saved without those rows and records what was left out.",
    )
    checklist.add_argument("file", type=Path)
    checklist.add_argument("--publish", action="store_true", help="publish it after saving")
    checklist.add_argument(
        "--accept-dropped",
        action="store_true",
        help="XLSForm: save a draft without the rows a checklist cannot express (they are listed and recorded)",
    )
    seed = sub.add_parser("seed-demo", help="load shipped checklists and sites, create demo users (idempotent)")
    seed.add_argument(
        "--no-passwords",
        action="store_true",
        help="name the file that holds new demo log-ins instead of printing their passwords",
    )
    copy = sub.add_parser(
        "copy-database",
        help="copy the whole registry (SYNC_DATABASE_URL) into a new, empty database",
        description="Copy every row of the configured database (SYNC_DATABASE_URL) into the database at --to,"
        " which is created and migrated if needed and must hold no data. Stop the server first. Then point"
        " SYNC_DATABASE_URL at the new database; the blob directory (SYNC_BLOB_DIR) stays as it is.",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="sqlite:///path/file.db or postgresql://…")
    return parser


def _serve(host: str, port: int, log_level: str, workers: int | None) -> int:
    import uvicorn

    from sync_server.asgi import create_app

    config = from_env()  # read (and the secret key made) once, before any worker starts
    count = workers if workers is not None else config.workers
    if count < 1:
        raise ConfigError(f"--workers must be 1 or more (got {count}).")
    if count > 1 and config.sqlite_path is not None and not writer_lock.AVAILABLE:
        raise ConfigError(
            "Several server processes on one SQLite file need file locks (fcntl), which this system lacks: "
            "run one worker, or use PostgreSQL."
        )
    if count == 1:
        uvicorn.run(
            create_app(config, settle_gc=True), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=10
        )
    else:
        # Each worker process builds its app from the same environment (``app_from_env``).
        uvicorn.run(
            "sync_server.asgi:app_from_env",
            factory=True,
            workers=count,
            host=host,
            port=port,
            log_level=log_level,
            timeout_graceful_shutdown=10,
        )
    return 0


def _read_password() -> str:
    """The first line of standard input; asked for without echo when it is a terminal."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("Mật khẩu / Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _copy_database(target_url: str) -> int:
    import dataclasses
    import time

    config = from_env()  # the source's secret key is made or read here, beside the source
    if target_url == config.database_url:
        raise ConfigError("--to names the database being copied; give a new, empty database.")
    source = Server.open(config)
    try:
        target = Server.open(dataclasses.replace(config, database_url=target_url))
        try:
            started = time.monotonic()

            def progress(table: str, done: int, total: int) -> None:
                print(f"  {table:<16} {done:>10,} / {total:,}", flush=True)

            print(f"copying {config.database_url} → {target_url}")
            copied = database_copy.copy_database(source.db, target.db, progress)
            rows = sum(copied.values())
            print(
                f"copied {rows:,} rows in {time.monotonic() - started:.1f} s. Start the server with "
                f"SYNC_DATABASE_URL={target_url}; SYNC_BLOB_DIR stays as it is."
            )
            moved = target.config.data_dir.resolve() != config.data_dir.resolve()
            if "SYNC_SECRET_KEY" not in os.environ and moved:
                key_file = config.data_dir / SECRET_FILE_NAME
                print(
                    f"The secret key is kept in {key_file}; with the new database the server reads "
                    f"{target.config.data_dir / SECRET_FILE_NAME}. Copy the file there (or set SYNC_SECRET_KEY "
                    "to its content), or every user has to sign in again."
                )
        finally:
            target.close()
    finally:
        source.close()
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args.host, args.port, args.log_level, args.workers)
    if args.command == "copy-database":
        return _copy_database(args.to)
    server = Server.open(from_env())
    try:
        if args.command == "create-user":
            user = auth.create_user(
                server.db, SYSTEM, args.username, _read_password(), args.role, args.district, args.full_name
            )
            print(f"created {user.role} {user.username} (districts: {', '.join(user.districts) or 'all'})")
        elif args.command == "import-sites":
            report = content.import_sites_file(server, args.file)
            print(
                f"imported {report.rows} sites: {report.created} created, {report.updated} updated,"
                f" {report.unchanged} unchanged"
            )
        elif args.command == "load-checklist":
            result = content.load_checklist_file(
                server, args.file, publish=args.publish, accept_dropped=args.accept_dropped
            )
            print(result.message)
            for issue in result.dropped:
                print(f"  dropped: {content.issue_line(issue)}")
            for problem in result.problems:
                print(f"  problem: {problem}")
        elif args.command == "seed-demo":
            report = content.seed_demo(server)
            for line in report.lines:
                print(line)
            if report.created_users and args.no_passwords:
                print(f"demo users created: {len(report.created_users)}; log-ins in {report.users_file}")
            elif report.created_users:
                print(f"demo users (shown once; also written to {report.users_file}, readable only by you):")
                for u in report.created_users:
                    print(
                        f"  {u.username:<10} {u.role:<10} {','.join(u.districts) or 'all districts':<30} {u.password}"
                    )
    finally:
        server.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        for problem in exc.errors:
            where = " ".join(x for x in (f"row {problem.row}" if problem.row else "", problem.field or "") if x)
            print(f"  - {where + ': ' if where else ''}{problem.message}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename}", file=sys.stderr)
        return 1
