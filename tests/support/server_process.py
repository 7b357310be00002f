"""A real sync server process on loopback, for end-to-end tests.

    server = start_server(tmp_path)             # started and healthy, own DB and blob dir
    server.create_user("an", "correct horse battery", "inspector", ["TX Phổ Yên"])
    token = server.token("an", "correct horse battery")
    httpx.get(f"{server.base_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    server.kill(); server.start()               # SIGKILL and start again on the same data
    server.stop()                               # SIGTERM, waits

Each instance runs ``python -m sync_server serve`` on 127.0.0.1 with a free port, its own
SQLite file and blob directory under the given directory, and keeps the server's output in
``server.log`` there (shown when start-up fails).
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
import msgspec

from tests.support.sample_checklist import sample_template

REPO_ROOT = Path(__file__).resolve().parents[2]
# a server starts in about a second; on a loaded 2-core machine (three servers starting
# together beside a test run) it has taken over 30 s
START_TIMEOUT_S = 90.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(
    proc: subprocess.Popen[bytes] | None,
    url: str,
    what: str,
    log_tail: Callable[[], str],
    *,
    timeout: float,
    every: float,
    probe: float,
) -> None:
    """Return once ``url`` answers 200 (asked every ``every`` s, each try given ``probe`` s);
    ``RuntimeError`` naming ``what``, with the end of its log, when ``proc`` exits first or
    ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log_tail()}")
        try:
            if httpx.get(url, timeout=probe).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(every)
    raise RuntimeError(f"{what} did not answer {url} within {timeout:.0f} s:\n{log_tail()}")


class ServerProcess:
    """A ``python -m sync_server serve`` process on 127.0.0.1 with its own data."""

    def __init__(self, directory: Path, *, workers: int = 1, **env_overrides: str):
        self.workers = workers
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{self.directory / 'registry.db'}"
        self.blob_dir = self.directory / "blobs"
        self.log_path = self.directory / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_")}
        env.update(
            {
                "SYNC_DATABASE_URL": self.database_url,
                "SYNC_BLOB_DIR": str(self.blob_dir),
                "PYTHONPATH": str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(env_overrides)
        if "SYNC_DATABASE_URL" in env_overrides:
            self.database_url = env_overrides["SYNC_DATABASE_URL"]
        if "SYNC_BLOB_DIR" in env_overrides:
            self.blob_dir = Path(env_overrides["SYNC_BLOB_DIR"])
        self.env: dict[str, str] = env
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = None

    # -- life cycle --
    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._proc.pid if self.running and self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open while the process runs
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync_server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--workers",
                str(self.workers),
            ],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # several workers: a process group of their own, so that ``kill`` reaches them all
            start_new_session=self.workers > 1,
        )
        self.wait_healthy()

    def wait_healthy(self, timeout: float = START_TIMEOUT_S) -> None:
        wait_until_serving(
            self._proc, f"{self.base_url}/healthz", "the server", self.log_tail, timeout=timeout, every=0.05, probe=1.0
        )

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """SIGTERM and wait (graceful shutdown)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        self._close_log()

    def kill(self) -> None:
        """SIGKILL: the process (and its workers) dies without any clean-up."""
        if self._proc is not None and self._proc.poll() is None:
            if self.workers > 1:
                os.killpg(self._proc.pid, signal.SIGKILL)
            else:
                self._proc.kill()
            self._proc.wait()
        self._proc = None
        self._close_log()

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- operations --
    def cli(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``python -m sync_server ARGS`` with this server's environment."""
        return subprocess.run(
            [sys.executable, "-m", "sync_server", *args],
            cwd=REPO_ROOT,
            env=self.env,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def create_user(self, username: str, password: str, role: str, districts: Iterable[str] = ()) -> None:
        args = ["create-user", username, "--role", role]
        for d in districts:
            args += ["--district", d]
        result = self.cli(*args, input=password + "\n")
        if result.returncode != 0:
            raise RuntimeError(f"create-user {username} failed: {result.stderr or result.stdout}")

    def add_site_and_sample_checklist(self, directory: Path, district: str) -> None:
        """Import the site ``site-1`` (DN-1) of ``district`` and publish the sample checklist
        version 1, through the operations commands; files go to ``directory``."""
        sites = directory / "sites.csv"
        sites.write_text(f"id,code,name,kind,district\nsite-1,DN-1,Nhà máy Một,DN_SX,{district}\n", encoding="utf-8")
        checklist = directory / "sample.json"
        checklist.write_bytes(msgspec.json.encode(sample_template(1)))
        for args in (("import-sites", str(sites)), ("load-checklist", str(checklist), "--publish")):
            result = self.cli(*args)
            if result.returncode != 0:
                raise RuntimeError(f"{args[0]} failed: {result.stderr or result.stdout}")

    def token(self, username: str, password: str) -> str:
        r = httpx.post(
            f"{self.base_url}/api/v1/auth/token", json={"username": username, "password": password}, timeout=30
        )
        r.raise_for_status()
        return r.json()["access_token"]

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def upload_blob(base_url: str, token: str, data: bytes) -> str:
    """Upload ``data`` whole (one PATCH from offset 0) as the user of ``token``; returns its SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    httpx.patch(
        f"{base_url}/api/v1/blobs/{digest}",
        content=data,
        headers={
            "Authorization": f"Bearer {token}",
            "Upload-Offset": "0",
            "Upload-Length": str(len(data)),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    ).raise_for_status()
    return digest


def start_server(tmp_path: Path, *, workers: int = 1, **env_overrides: str) -> ServerProcess:
    """A server on its own data under ``tmp_path/server``, started and healthy."""
    server = ServerProcess(Path(tmp_path) / "server", workers=workers, **env_overrides)
    server.start()
    return server
