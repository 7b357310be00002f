"""Faults during sync against a real server process. Each ends in the same state as a clean
sync: the device holds what the server shows its user, every change took effect once (the
server's last sequence for the device equals the number of edits made), the outbox is empty.

The connection faults go through ``tests/support/proxy.py`` (a loopback TCP proxy that cuts
requests or replies). The app-killed faults run the sync in a child process that SIGKILLs
itself at a step (``tests/field_app/sync_child.py``), then reopen the store and sync again;
among them the restore case: a copy of an install's data, told to re-register, killed while it
takes its new id and sends under it (PROTOCOL.md §4).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from field_app.core.services import AppServices
from shared_schema.protocol import answer_entity_id
from shared_schema.workflow import lock_reason
from tests.field_app.e2e import World, assert_converged, site_id, sync_ok
from tests.field_app.helpers import AtStep, complete_answers, png_bytes
from tests.support.camera_photos import camera_jpeg
from tests.support.proxy import FaultProxy

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]

# Every photo made here is new to the server (seeds no other test uses). A photo the server
# already holds is not uploaded again, so a repeat would skip the blob steps a test kills at.
_PHOTO_SEEDS = itertools.count(5000)


@pytest.fixture
def proxy(world: World):
    p = FaultProxy(world.server.port)
    yield p
    p.close()


def edits(app: AppServices, code: str = "DN-001", photos: int = 1) -> str:
    inspection_id = app.start_inspection(site_id(app, code), "sample-factory")
    complete_answers(app, inspection_id)
    for _ in range(photos):
        app.add_photo(inspection_id, "team", png_bytes(next(_PHOTO_SEEDS)))
    app.set_note(inspection_id, "workers", "Đếm tại cổng")
    app.set_header(inspection_id, "findings", "Cơ sở chấp hành tốt")
    return inspection_id


def made_changes(app: AppServices) -> int:
    return int(app.store.scalar("SELECT next_seq FROM sync_state")) - 1


def server_last_seq(world: World, app: AppServices) -> int:
    client_id = app.store.scalar("SELECT client_id FROM sync_state")
    with world.api("quan") as http:
        clients = http.get("/api/v1/clients").json()
    return next((c["last_seq"] for c in clients if c["client_id"] == client_id), 0)


def assert_clean(world: World, app: AppServices, username: str = "an") -> None:
    assert_converged(world, (app, username))
    assert server_last_seq(world, app) == made_changes(app)
    assert app.store.scalar("SELECT acked_seq FROM sync_state") == made_changes(app)
    assert app.notices() == [] or all(n.kind == "conflict" for n in app.notices())


def fresh_device(world: World, name: str, url: str) -> AppServices:
    app = world.device(name, "an", url=url)
    sync_ok(app)
    return app


# --- connection cut ------------------------------------------------------------------------


def test_connection_dropped_mid_push_loses_nothing_and_doubles_nothing(world, proxy, tmp_path):
    app = fresh_device(world, "cut-push", proxy.url)
    edits(app)
    proxy.cut_request(b"POST /api/v1/sync/push", after_bytes=400)
    report = app.sync_now()
    assert not report.ok and report.error.en.startswith("Cannot reach the server")
    assert proxy.fired == 1
    assert server_last_seq(world, app) == 0
    sync_ok(app)
    assert_clean(world, app)


def test_reply_lost_after_the_server_committed_is_harmless(world, proxy):
    app = fresh_device(world, "lost-reply", proxy.url)
    edits(app)
    proxy.cut_reply(b"POST /api/v1/sync/push", after_bytes=0)
    assert not app.sync_now().ok
    assert server_last_seq(world, app) == made_changes(app)  # committed…
    assert app.sync_status().pending == made_changes(app)  # …but the device does not know yet
    sync_ok(app)
    assert_clean(world, app)


def test_connection_dropped_mid_pull_page_keeps_the_cursor_and_resumes(world, proxy):
    other = world.device("pull-source", "binh")
    edits(other, "DN-002")
    sync_ok(other)
    app = world.device("cut-pull", "an", url=proxy.url, sync=False)
    app.engine.pull_limit = 7
    app.engine.on_step = AtStep("pull_request", 3, lambda: proxy.cut_reply(b"GET /api/v1/sync/pull", after_bytes=300))
    assert not app.sync_now().ok
    cursor = app.store.scalar("SELECT cursor FROM sync_state")
    assert cursor > 0  # two pages were kept with their cursor
    app.engine.on_step = None
    sync_ok(app)
    assert app.store.scalar("SELECT cursor FROM sync_state") > cursor
    assert_converged(world, (app, "an"), (other, "binh"))


def test_a_photo_upload_cut_off_resumes_where_the_server_stopped(world, proxy):
    app = fresh_device(world, "photo", proxy.url)
    inspection_id = app.start_inspection(site_id(app, "DN-003"), "sample-factory")
    sha = app.add_photo(inspection_id, "overview", camera_jpeg(1600, 1200, seed=7, noise=60))
    data = app.blob_path(sha).read_bytes()  # the photo as made small on the device
    assert len(data) > 150_000
    app.engine.chunk_size = 32 * 1024
    app.engine.on_step = chunks = AtStep(
        "blob_chunk", 4, lambda: proxy.cut_request(b"PATCH /api/v1/blobs/", after_bytes=20_000)
    )
    assert not app.sync_now().ok
    assert app.sync_status().pending_blobs == 1
    sync_ok(app)
    needed = -(-len(data) // app.engine.chunk_size)
    assert chunks.seen <= needed + 2, "the upload started again from the beginning"
    with world.api("an") as http:
        assert http.get(f"/api/v1/blobs/{sha}").content == data
    assert world.inspection("an", inspection_id)["missing_blobs"] == []
    assert_clean(world, app)


# --- server restarted ----------------------------------------------------------------------


@pytest.mark.parametrize("step", ["push_recorded", "pull_received"])
def test_server_restarted_mid_sync(world, step):
    source = world.device(f"restart-src-{step}", "binh")
    edits(source, "DN-002")
    sync_ok(source)
    app = world.device(f"restart-{step}", "an")
    edits(app)
    edits(app, "DN-003")
    app.engine.push_batch = 5
    app.engine.pull_limit = 5

    def restart() -> None:
        world.server.kill()
        world.server.start()

    app.engine.on_step = restarting = AtStep(step, 1, restart)
    report = app.sync_now()
    app.engine.on_step = None
    assert restarting.seen >= 1, "the server was restarted"
    if not report.ok:
        sync_ok(app)
    sync_ok(app)
    assert_clean(world, app)


# --- the app killed between two steps ------------------------------------------------------

STEPS = [
    "push_send",
    "push_replied",
    "push_recorded",
    "blob_chunk",
    "blob_done",
    "pull_request",
    "pull_received",
    "pull_applied",
]


def run_sync_child(data_dir: Path, step: str, nth: int) -> subprocess.CompletedProcess[str]:
    """One sync of the store at ``data_dir`` in a child process SIGKILLed the ``nth`` time it
    reaches ``step`` (batches of 4 changes, pages of 9, photo chunks of 64 bytes)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "CHILD_PUSH_BATCH": "4",
        "CHILD_PULL_LIMIT": "9",
        "CHILD_CHUNK_SIZE": "64",
    }
    return subprocess.run(
        [sys.executable, "-m", "tests.field_app.sync_child", str(data_dir), step, str(nth)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("nth", [1, 2])
@pytest.mark.parametrize("step", STEPS)
def test_app_killed_at_any_step_of_a_sync_then_restarted(world, tmp_path, step, nth):
    data_dir = world.root / "devices" / f"killed-{step}-{nth}"
    app = world.device(f"killed-{step}-{nth}", "an")
    edits(app, photos=2)
    app.close()
    child = run_sync_child(data_dir, step, nth)
    assert child.returncode == -9, f"the child was not killed at {step}: {child.stdout}{child.stderr}"
    app = AppServices.open(data_dir)
    app.engine.push_batch = 4
    sync_ok(app)
    assert_clean(world, app)
    app.close()


@pytest.mark.parametrize(("step", "nth"), [("client_renewed", 1), ("push_send", 2), ("push_recorded", 1)])
def test_a_restored_install_killed_during_its_re_registration_then_restarted(world, step, nth):
    """The restore case (PROTOCOL.md §4) under a kill: a copy of an install's data syncs after
    the original, is told to re-register, and is killed just after taking its new id, when
    first sending under it, or after its first batch under it is acknowledged. Restarted, it
    goes on under the new id: every edit of both installs arrives exactly once."""
    original = world.device(f"restored-{step}", "an")
    synced = original.start_inspection(site_id(original, "DN-001"), "sample-factory")
    sync_ok(original)
    queued = edits(original, "DN-002")  # unsent when the copy is made, a photo among them
    copy_dir = original.data_dir.parent / f"restored-{step}-copy"
    original.close()
    shutil.copytree(original.data_dir, copy_dir)
    original = AppServices.open(original.data_dir)
    original.set_answer_value(synced, "workers", 30)
    copy = AppServices.open(copy_dir)
    copy.set_answer_value(synced, "masks", "most")
    copy.set_note(queued, "team", "Ghi bởi bản sao")
    shared_id = copy.store.scalar("SELECT client_id FROM sync_state")
    copy.close()
    sync_ok(original)  # the original keeps the id

    child = run_sync_child(copy_dir, step, nth)
    assert child.returncode == -9, f"the child was not killed at {step}: {child.stdout}{child.stderr}"
    copy = AppServices.open(copy_dir)
    copy.engine.push_batch = 4
    sync_ok(copy)
    sync_ok(original)
    assert copy.store.scalar("SELECT client_id FROM sync_state") != shared_id
    assert original.store.scalar("SELECT client_id FROM sync_state") == shared_id
    for app in (original, copy):
        assert_clean(world, app)  # converged; the server's last_seq of each id = edits made under it
    snapshot = world.server_snapshot("an")
    assert snapshot[("answer", answer_entity_id(synced, "workers"), "value")][0] == 30
    assert snapshot[("answer", answer_entity_id(synced, "masks"), "value")][0] == "most"
    assert snapshot[("answer", answer_entity_id(queued, "team"), "note")][0] == "Ghi bởi bản sao"
    assert [k for k in snapshot if k[0] == "conflict"] == []  # nothing applied twice
    original.close()
    copy.close()


def test_a_rejection_in_a_lost_reply_is_shown_after_the_retry(world, proxy):
    app = fresh_device(world, "lost-rejection", proxy.url)
    x = app.start_inspection(site_id(app, "DN-003"), "sample-factory")
    complete_answers(app, x)
    sync_ok(app)
    other = fresh_device(world, "lost-rejection-b", world.url)
    assert other.submit(x).ok  # a teammate submits it and the supervisor approves it
    sync_ok(other)
    other.close()
    world.review("chi", x, "approve", "Tốt")
    app.set_answer_value(x, "workers", 999)  # offline: this device still holds the draft
    proxy.cut_reply(b"POST /api/v1/sync/push", after_bytes=0)
    assert not app.sync_now().ok
    assert proxy.fired == 1
    assert server_last_seq(world, app) == made_changes(app)  # rejected and acknowledged, reply lost
    assert [n for n in app.notices(x) if n.kind == "rejected"] == []
    sync_ok(app)  # the retry comes back duplicate, with the original rejection
    rejected = [n for n in app.notices(x) if n.kind == "rejected"]
    assert len(rejected) == 1 and rejected[0].code == "locked" and rejected[0].value == 999
    # the server's own reason, replayed with the duplicate (push result ``messages``)
    locked = lock_reason("approved")
    assert locked.en.rstrip(".") in rejected[0].message.en and locked.vi.rstrip(".") in rejected[0].message.vi
    assert app.get_inspection(x).answers["workers"].value == 120  # the server's value came back
    assert_converged(world, (app, "an"))
    sync_ok(app)  # told once
    assert len([n for n in app.notices(x) if n.kind == "rejected"]) == 1
