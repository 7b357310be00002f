"""The field app as a real process: ``python -m field_app --server URL --data-dir DIR --port PORT``
served by flet-web, started and stopped the way a person (or CI) would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.server_process import free_port, wait_until_serving

REPO = Path(__file__).resolve().parents[2]


class AppProcess:
    """One running field app. ``url`` is where a browser finds it."""

    def __init__(
        self,
        server_url: str,
        data_dir: Path,
        log_path: Path,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
    ):
        self.server_url = server_url
        self.data_dir = data_dir
        self.log_path = log_path
        self.port = port or free_port()
        self.extra_env = extra_env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> AppProcess:
        env = {**os.environ, "FLET_FORCE_WEB_SERVER": "1", "PYTHONUNBUFFERED": "1", **self.extra_env}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "field_app",
                "--server",
                self.server_url,
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until_serving(self.proc, self.url, "the field app", self.log_tail, timeout=timeout, every=0.2, probe=2.0)
        return self

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


def start_app(server_url: str, tmp_path: Path, name: str = "app", **env: str) -> AppProcess:
    """Start the field app with its own data directory under ``tmp_path``."""
    return AppProcess(server_url, tmp_path / f"{name}-data", tmp_path / f"{name}.log", extra_env=env).start()


def app_syncing_on_demand(server_url: str, tmp_path: Path) -> AppProcess:
    """The field app (not yet started) with its data under ``tmp_path / "device"``, syncing only
    when the inspector presses the button, as the browser tests want it."""
    return AppProcess(server_url, tmp_path / "device", tmp_path / "app.log", extra_env={"FIELD_APP_SYNC_INTERVAL": "0"})
