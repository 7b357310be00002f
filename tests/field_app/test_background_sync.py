"""Background sync with fakes: back to the foreground or back online means a sync soon."""

from __future__ import annotations

import threading
import time

from field_app.core.background import MAX_BACKOFF_S, MAX_PROBE_WITH_PENDING_S, BackgroundSync, next_delay
from field_app.core.models import SyncReport


class Device:
    def __init__(self) -> None:
        self.online = True
        self.pending = False
        self.syncs = 0
        self.synced = threading.Event()

    def sync(self) -> SyncReport:
        self.syncs += 1
        self.synced.set()
        return SyncReport(True)


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def make(device: Device) -> BackgroundSync:
    return BackgroundSync(
        check_online=lambda: device.online,
        sync=device.sync,
        can_sync=lambda: True,
        has_pending=lambda: device.pending,
        interval_s=3600,
        debounce_s=0.01,
    )


def test_coming_back_to_the_foreground_syncs_even_with_nothing_to_send():
    device = Device()
    background = make(device)
    background.start()
    try:
        assert wait_for(lambda: device.syncs == 1)  # online at start
        background.poke()  # an ordinary wake with nothing waiting and the interval not due: no sync
        time.sleep(0.2)
        assert device.syncs == 1
        background.poke(force=True)  # the app is back in the foreground
        assert wait_for(lambda: device.syncs == 2)
    finally:
        background.stop()


def test_a_forced_sync_while_offline_waits_for_the_connection():
    device = Device()
    device.online = False
    background = make(device)
    background.start()
    try:
        background.poke(force=True)
        time.sleep(0.2)
        assert device.syncs == 0
        device.online = True
        background.poke(force=True)  # the network came back
        assert wait_for(lambda: device.syncs == 1)
    finally:
        background.stop()


def test_offline_with_changes_waiting_the_server_is_looked_for_at_least_every_30_s():
    assert next_delay(0, 30, pending=True) == 30
    assert [next_delay(n, 30, pending=False) for n in (1, 2, 3, 6, 20)] == [3, 6, 12, 96, MAX_BACKOFF_S]
    assert max(next_delay(n, 30, pending=True) for n in range(1, 30)) == MAX_PROBE_WITH_PENDING_S
