#!/usr/bin/env python3
"""Set up and run the product or the test suite, on a fresh machine with only Python 3.11+.

    python3 scripts/bootstrap.py demo     # set up, seed, run the sync server and the field app
    python3 scripts/bootstrap.py test     # set up, then run ruff, the import rules and every test

Set-up is idempotent: it creates ``.venv`` beside this repository, installs the project with
the pinned versions of ``constraints.txt`` and remembers what it installed, so a second run
starts at once. Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".bootstrap-stamp"
EXTRAS = "app,server,dev,phone"
MIN_PYTHON = (3, 11)


def say(msg: str) -> None:
    print(f"[bootstrap] {msg}", flush=True)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def find_base_python() -> str:
    if sys.version_info >= MIN_PYTHON:
        return sys.executable
    for name in ("python3.13", "python3.12", "python3.11"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit(
        f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer is needed (this is {sys.version.split()[0]}). "
        "Install it (e.g. 'apt-get install python3.11') and run this again."
    )


def wanted_stamp() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        p = ROOT / name
        if p.exists():
            h.update(p.read_bytes())
    h.update(EXTRAS.encode())
    return h.hexdigest()


def run(cmd: list[str], **kw: object) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kw)
    if result.returncode != 0:
        sys.exit(f"[bootstrap] failed ({result.returncode}): {' '.join(map(str, cmd))}")


def setup() -> Path:
    """Create the virtual environment and install the pinned dependencies (once)."""
    py = venv_python()
    if not py.exists():
        say(f"creating {VENV.relative_to(ROOT)} ...")
        run([find_base_python(), "-m", "venv", str(VENV)])
    stamp = wanted_stamp()
    if STAMP.exists() and STAMP.read_text().strip() == stamp:
        return py
    say("installing pinned dependencies (first run takes a few minutes) ...")
    run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "pip"])
    cmd = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if (ROOT / "constraints.txt").exists():
        cmd += ["-c", str(ROOT / "constraints.txt")]
    run([*cmd, "-e", f".[{EXTRAS}]"])
    STAMP.write_text(stamp)
    say("dependencies installed")
    return py


# --- the phone's versions of the native packages ------------------------------------------

MOBILE_VENV = ROOT / ".venv-mobile"
# The field app's core tests that need no server, run again with the phone build's versions.
# (tests/mobile checks that every app test file not listed here needs a server.)
MOBILE_TESTS = [
    "tests/shared_schema",
    "tests/field_app/test_store_and_services.py",
    "tests/field_app/test_photos.py",
    "tests/field_app/test_capabilities.py",
    "tests/field_app/test_background_sync.py",
    "tests/field_app/test_form_core.py",
    "tests/field_app/test_outbox.py",
    "tests/field_app/test_server_messages.py",
    "tests/field_app/test_site_correction.py",
    "tests/field_app/test_version_move.py",
]
MOBILE_TEST_TOOLS = ["pytest", "pytest-timeout", "hypothesis", "packaging"]


def phone_pins() -> dict[str, str]:
    """The exact pins (``name==version``) of ``[tool.flet.android].dependencies``."""
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["flet"]["android"]
    pins: dict[str, str] = {}
    for dep in deps["dependencies"]:
        name, sep, version = dep.partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def setup_mobile() -> Path:
    """``.venv-mobile``: the app core's dependencies at the phone build's pins (msgspec 0.21.1,
    pillow 12.2.0, ...) and the test tools at ``constraints.txt``'s; made once, kept until those
    files change. No Flet: the core tests do not need it."""
    py = MOBILE_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    stamp_file = MOBILE_VENV / ".bootstrap-stamp"
    stamp = wanted_stamp()
    if py.exists() and stamp_file.exists() and stamp_file.read_text().strip() == stamp:
        return py
    if not py.exists():
        run([find_base_python(), "-m", "venv", str(MOBILE_VENV)])
    pins = phone_pins()
    kept = [
        line
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line.partition("==")[0].strip().lower() not in pins
    ]
    constraints = MOBILE_VENV / "constraints-mobile.txt"
    constraints.write_text("\n".join(kept) + "\n", encoding="utf-8")
    wanted = [f"{n}=={v}" for n, v in pins.items() if n in ("msgspec", "pillow", "msgpack")]
    wanted += ["sqlite-utils", "httpx", *MOBILE_TEST_TOOLS]
    say(f"creating {MOBILE_VENV.name} with the phone's versions: {', '.join(wanted[:3])} ...")
    run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c", str(constraints), *wanted])
    stamp_file.write_text(stamp)
    return py


# --- browser for the UI tests ---------------------------------------------------------------


def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM_PATH")
    if env and Path(env).exists():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    for pattern in ("ms-playwright/chromium-*/chrome-linux/chrome",):
        for base in (Path.home() / ".cache",):
            hits = sorted(base.glob(pattern))
            if hits:
                return str(hits[-1])
    return None


def ensure_test_tools() -> str | None:
    """Find a Chromium for the browser tests and poppler's pdftotext/pdftoppm for the PDF tests;
    install Debian's packages where we can (root on Debian). Returns the Chromium path."""
    missing: list[str] = []
    if find_chromium() is None:
        missing.append("chromium")
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        missing.append("poppler-utils")
    if missing and os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {', '.join(missing)} for the browser and PDF tests (apt-get) ...")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", *missing, "fonts-dejavu-core"],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    elif missing:
        say(
            f"missing {', '.join(missing)}: the browser/PDF tests will fail and say how to get them "
            "('apt-get install chromium poppler-utils', or set CHROMIUM_PATH)."
        )
    return find_chromium()


def cmd_test(args: argparse.Namespace) -> int:
    py = setup()
    chromium = ensure_test_tools()
    env = dict(os.environ)
    if chromium:
        env["CHROMIUM_PATH"] = chromium
    bindir = py.parent
    say("ruff check ...")
    run([str(bindir / "ruff"), "check", "."], env=env)
    say("ruff format --check ...")
    run([str(bindir / "ruff"), "format", "--check", "."], env=env)
    say("type check (mypy --strict) ...")
    run([str(bindir / "mypy")], env=env)
    say("import rules (lint-imports) ...")
    run([str(bindir / "lint-imports")], env=env)
    say("pytest ...")
    result = subprocess.run([str(py), "-m", "pytest", *args.pytest_args], cwd=ROOT, env=env)
    if result.returncode != 0:
        return result.returncode
    mobile_py = setup_mobile()
    say(f"core tests again with the phone's msgspec/pillow ({MOBILE_VENV.name}) ...")
    mobile = subprocess.run(
        [str(mobile_py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *MOBILE_TESTS], cwd=ROOT, env=env
    )
    return mobile.returncode


# --- the product ----------------------------------------------------------------------------


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def print_logins(data: Path, new_this_run: bool) -> None:
    """The demo log-ins are printed once, on the run that created them; later runs name the file."""
    users = data / "demo-users.txt"
    if not users.exists():
        return
    if not new_this_run:
        print(f"    log-ins / tài khoản: in {users} (printed on the first run)")
        return
    print(f"    log-ins / tài khoản (printed once; kept in {users}):")
    for line in users.read_text(encoding="utf-8").splitlines():
        name, role, districts, password = [*line.split("\t"), "", "", "", ""][:4]
        print(f"      {name:<10} {password:<14} {role:<10} {districts or 'all districts'}")


def print_banner(app_url: str | None, server_url: str, server_pid: int | None, data: Path, new_logins: bool) -> None:
    print()
    print("  Field inspection demo is running / Bản demo đang chạy")
    if app_url:
        print(f"    field app (inspectors / thanh tra):        {app_url}")
        print(f"      server address to enter in the app:      {server_url}")
    if server_pid is not None:
        print(f"    console (supervisors, admins / giám sát):  {server_url}/console")
        print(f"    API and its OpenAPI schema:                {server_url}/schema")
        print_logins(data, new_logins)
    if app_url and server_pid is not None:
        print(f"  To work offline, stop only the server: kill {server_pid}  (the app keeps running);")
        print("  start it again in another terminal: python3 scripts/bootstrap.py demo --server-only")
    print(f"  Press Ctrl-C to stop; the data stays in {data} for the next run.")
    print()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_demo(args: argparse.Namespace) -> int:
    py = setup()
    data = Path(args.data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("SYNC_DATABASE_URL", f"sqlite:///{data / 'registry.db'}")
    env.setdefault("SYNC_BLOB_DIR", str(data / "blobs"))
    server_url = args.server_url or f"http://127.0.0.1:{args.server_port}"
    app_url = f"http://127.0.0.1:{args.app_port}"
    run_server, run_app = not args.no_server, not args.server_only
    if not (run_server or run_app):
        sys.exit("[bootstrap] --no-server and --server-only together leave nothing to run")

    new_logins = False
    if run_server:
        say("preparing the demo registry (kept between runs) ...")
        had_users = (data / "demo-users.txt").exists()
        run([str(py), "-m", "sync_server", "seed-demo", "--no-passwords"], env=env)
        new_logins = not had_users

    procs: list[subprocess.Popen[bytes]] = []

    def stop_all() -> None:
        # A second Ctrl-C or SIGTERM must not cut the shutdown short; children stop on SIGTERM.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    # `kill` of the demo stops its children too, like Ctrl-C. Ctrl-C works even when the demo was
    # started with SIGINT ignored (a shell's background job, or a parent that ignores it): an
    # ignored signal is inherited, and the children would be left running.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    server: subprocess.Popen[bytes] | None = None
    app: subprocess.Popen[bytes] | None = None
    try:
        if run_server:
            server = subprocess.Popen(
                [str(py), "-m", "sync_server", "serve", "--host", args.host, "--port", str(args.server_port)],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
            procs.append(server)
            if not wait_http(f"{server_url}/healthz", 60, server):
                say("the sync server did not start; see the messages above")
                return 1
        if run_app:
            app_env = {**env, "FLET_FORCE_WEB_SERVER": "1"}
            app = subprocess.Popen(
                [
                    str(py),
                    "-m",
                    "field_app",
                    "--server",
                    server_url,
                    "--data-dir",
                    str(data / "field_app"),
                    "--port",
                    str(args.app_port),
                ],
                cwd=ROOT,
                env=app_env,
                start_new_session=True,
            )
            procs.append(app)
            if not wait_http(app_url, 120, app):
                say("the field app did not start; see the messages above")
                return 1
        print_banner(app_url if run_app else None, server_url, server.pid if server else None, data, new_logins)
        server_reported = False
        while True:
            time.sleep(0.5)
            if app is not None and app.poll() is not None:
                say("the field app stopped; shutting down")
                return 1
            if server is not None and server.poll() is not None and not server_reported:
                if app is None:
                    say("the sync server stopped; shutting down")
                    return 1
                server_reported = True
                say(
                    "the sync server stopped; the app keeps running offline. Start the server again with:"
                    " python3 scripts/bootstrap.py demo --server-only"
                )
    except KeyboardInterrupt:
        say("stopping ...")
        return 0
    finally:
        stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("test", help="set up and run every check and test")
    t.add_argument("pytest_args", nargs="*", help="extra arguments for pytest (after --)")
    d = sub.add_parser("demo", help="set up, seed and run the server and the app")
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--server-port", type=int, default=8000)
    d.add_argument("--app-port", type=int, default=8550)
    d.add_argument("--data-dir", default=str(ROOT / "var"), help="where the demo keeps its data (default ./var)")
    only = d.add_mutually_exclusive_group()
    only.add_argument("--server-only", action="store_true", help="run only the sync server and its console")
    only.add_argument(
        "--no-server", action="store_true", help="run only the field app, against --server-url (to work offline)"
    )
    d.add_argument("--server-url", default=None, help="the server the app talks to (default: the demo's own)")
    sub.add_parser("setup", help="only create .venv and install the pinned dependencies")
    args, extra = parser.parse_known_args()
    if args.command == "test":
        args.pytest_args = [*args.pytest_args, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "test":
        return cmd_test(args)
    if args.command == "demo":
        return cmd_demo(args)
    setup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
