"""The README's first command: it seeds, serves the sync server and the field app, prints how
to log in, stops cleanly on Ctrl-C, and keeps the data for the next run.

A scripted inspection, pushed through the sync API as the field app would, then shows in
the supervisors' console.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from shared_schema.protocol import PROTOCOL_VERSION
from sync_server.core.content import load_checklists
from tests.console.conftest import ConsoleClient
from tests.content.answers import PHOTO, compliant_values
from tests.support.server_process import free_port, upload_blob
from tests.sync_server.helpers import Device, png_bytes

ROOT = Path(__file__).resolve().parents[2]
TISCO = "Công ty Cổ phần Gang thép Thái Nguyên (TISCO)"

pytestmark = pytest.mark.slow


class Demo:
    """``python3 scripts/bootstrap.py demo`` as a person runs it, with its output collected."""

    def __init__(self, data_dir: Path, *options: str, server_port: int | None = None, sigint_ignored: bool = False):
        self.server_port, self.app_port = server_port or free_port(), free_port()
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "scripts/bootstrap.py",
                "demo",
                "--server-port",
                str(self.server_port),
                "--app-port",
                str(self.app_port),
                "--data-dir",
                str(data_dir),
                *options,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # started as a shell's background job is: with Ctrl-C ignored, which children inherit
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while "Press Ctrl-C" not in self.output:
            assert self.proc.poll() is None, f"the demo stopped:\n{self.output}"
            assert time.monotonic() < deadline, f"the demo did not start in {timeout} s:\n{self.output}"
            time.sleep(0.5)

    def ctrl_c(self, timeout: float = 60) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def passwords(self) -> dict[str, str]:
        rows = (self.data_dir / "demo-users.txt").read_text(encoding="utf-8").splitlines()
        return {r.split("\t")[0]: r.split("\t")[3] for r in rows}


def wait_until(check: Callable[[], bool], message: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def port_is_closed(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def token(base: str, username: str, password: str) -> str:
    reply = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": password})
    reply.raise_for_status()
    return reply.json()["access_token"]


def pull_all(base: str, bearer: str) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    cursor = 0
    while True:
        page = (
            httpx.get(
                f"{base}/api/v1/sync/pull",
                params={"cursor": cursor, "protocol": PROTOCOL_VERSION},
                headers={"Authorization": f"Bearer {bearer}"},
            )
            .raise_for_status()
            .json()
        )
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def inspect_tisco(base: str, bearer: str) -> str:
    """An inspector's whole inspection of the steel works, pushed as the field app pushes it."""
    changes = pull_all(base, bearer)
    sites = {c["entity_id"]: c["value"] for c in changes if c["entity"] == "site" and c["field"] == "name"}
    site_id = next(i for i, name in sites.items() if name == TISCO)
    template = next(t for t in load_checklists() if t.template_id == "covid19-industrial")
    assert any(c["entity"] == "template" and c["entity_id"] == "covid19-industrial@1" for c in changes)

    photo = upload_blob(base, bearer, png_bytes(4000, seed=7))
    device = Device()
    iid, batch = device.start_inspection(site_id, "covid19-industrial", template.version)
    batch.append(device.change("inspection", iid, "kind", "unannounced"))
    for qid, value in compliant_values(template).items():
        raw = msgspec.json.encode(value).replace(PHOTO.encode(), photo.encode())
        batch.append(device.answer(iid, qid, msgspec.json.decode(raw)))
    batch.append(device.change("inspection", iid, "status", "submitted"))
    reply = (
        httpx.post(f"{base}/api/v1/sync/push", json=device.body(batch), headers={"Authorization": f"Bearer {bearer}"})
        .raise_for_status()
        .json()
    )
    refused = [r for r in reply["results"] if r["status"] != "applied"]
    assert refused == [], refused
    assert reply["acked_seq"] == len(batch)
    return iid


def test_demo_serves_both_parts_works_offline_when_the_server_stops_and_keeps_data_across_runs(tmp_path: Path) -> None:
    demo = Demo(tmp_path / "var")
    try:
        demo.wait_ready()
        assert httpx.get(f"{demo.server_url}/healthz").json()["status"] == "ok"
        app_page = httpx.get(demo.app_url)
        assert app_page.status_code == 200 and "flutter" in app_page.text.lower()
        for needed in (demo.app_url, f"{demo.server_url}/console", "thanhtra1", "giamsat", "quantri"):
            assert needed in demo.output
        passwords = demo.passwords()
        for name, password in passwords.items():
            assert demo.output.count(password) == 1, f"the password of {name} is not printed exactly once"

        inspector = token(demo.server_url, "thanhtra1", passwords["thanhtra1"])
        iid = inspect_tisco(demo.server_url, inspector)

        console = ConsoleClient(demo.server_url)
        assert console.login("giamsat", passwords["giamsat"]).status_code in (302, 303)
        listing = console.page("/console/inspections")
        assert listing.status_code == 200 and TISCO in listing.text
        detail = console.page(f"/console/inspections/{iid}")
        assert detail.status_code == 200 and TISCO in detail.text
        console.close()

        # The banner's way to work offline: stop only the server; the app keeps being served.
        server_pid = int(re.search(r"kill (\d+)", demo.output).group(1))  # type: ignore[union-attr]
        os.kill(server_pid, signal.SIGTERM)
        wait_until(lambda: port_is_closed(demo.server_port), "the server did not stop")
        wait_until(lambda: "keeps running offline" in demo.output, "the demo did not say the app goes on")
        assert demo.proc.poll() is None, demo.output
        assert httpx.get(demo.app_url).status_code == 200

        assert demo.ctrl_c() == 0, demo.output
        assert port_is_closed(demo.server_port) and port_is_closed(demo.app_port)
    finally:
        if demo.proc.poll() is None:
            demo.proc.kill()

    again = Demo(tmp_path / "var")
    try:
        again.wait_ready()
        assert again.passwords() == passwords, "a second run must keep the demo users"
        assert str(tmp_path / "var" / "demo-users.txt") in again.output, "a second run names where the log-ins are"
        for name, password in passwords.items():
            assert password not in again.output, f"a second run printed the password of {name} again"
        supervisor = token(again.server_url, "giamsat", passwords["giamsat"])
        kept = httpx.get(
            f"{again.server_url}/api/v1/inspections/{iid}", headers={"Authorization": f"Bearer {supervisor}"}
        )
        assert kept.status_code == 200 and kept.json()["summary"]["status"] == "submitted"
        assert kept.json()["summary"]["result"] == "pass" and kept.json()["missing_blobs"] == []
        names = [c for c in pull_all(again.server_url, supervisor) if c["entity"] == "site" and c["field"] == "name"]
        assert sum(1 for c in names if c["value"] == TISCO) == 1, "a second run must not duplicate the registry"
        # `kill` of the demo (SIGTERM) stops the server and the app with it: no orphans.
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(timeout=60) == 0, again.output
        assert port_is_closed(again.server_port) and port_is_closed(again.app_port)
    finally:
        if again.proc.poll() is None:
            again.proc.kill()


def test_demo_runs_the_server_and_the_app_apart_for_offline_trials(tmp_path: Path) -> None:
    server = Demo(tmp_path / "var", "--server-only")
    app: Demo | None = None
    try:
        server.wait_ready()
        assert httpx.get(f"{server.server_url}/healthz").json()["status"] == "ok"
        assert port_is_closed(server.app_port), "--server-only must not start the app"
        app = Demo(tmp_path / "app", "--no-server", "--server-url", server.server_url, sigint_ignored=True)
        app.wait_ready()
        assert httpx.get(app.app_url).status_code == 200
        assert server.server_url in app.output

        # Stopping the server leaves the app-only demo running; Ctrl-C then stops it and its app,
        # even though it was started with Ctrl-C ignored.
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=60) == 0, server.output
        assert port_is_closed(server.server_port)
        assert app.proc.poll() is None and httpx.get(app.app_url).status_code == 200
        assert app.ctrl_c() == 0, app.output
        assert port_is_closed(app.app_port)
    finally:
        for demo in (server, app):
            if demo is not None and demo.proc.poll() is None:
                demo.proc.kill()
