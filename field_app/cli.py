"""Command line of the field app: where the server is, where the data lives, how to show it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m field_app",
        description="The field inspection app. With --port it is served to a browser (flet-web); "
        "without, it opens a desktop window.",
    )
    parser.add_argument("--server", metavar="URL", help="sync server address, e.g. http://127.0.0.1:8000")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where the app keeps its data (default: $FLET_APP_STORAGE_DATA or ~/.field_app)",
    )
    parser.add_argument("--port", type=int, help="serve in the browser on this port (flet-web)")
    parser.add_argument("--host", default=None, help="address to listen on with --port (default: all)")
    parser.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the screens (default vi)")
    parser.add_argument(
        "--sync-interval",
        type=float,
        metavar="SECONDS",
        default=float(os.environ.get("FIELD_APP_SYNC_INTERVAL", "30")),
        help="how often to sync by itself while online (default 30, or $FIELD_APP_SYNC_INTERVAL); "
        "0 turns automatic sync off: the Sync button only",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.server and not args.server.startswith(("http://", "https://")):
        build_parser().error(f"--server must start with http:// or https://, got {args.server!r}")
    if args.port is not None and not 0 < args.port < 65536:
        build_parser().error("--port must be between 1 and 65535")
    from field_app.ui.app import AppConfig, run

    run(
        AppConfig(server_url=args.server, data_dir=args.data_dir, lang=args.lang, sync_interval_s=args.sync_interval),
        port=args.port,
        host=args.host,
    )
    return 0
