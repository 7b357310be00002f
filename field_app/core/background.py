"""Sync by itself: a daemon thread that checks the connection cheaply (``/healthz``), syncs when
the server is reachable (at once when it comes back, when local edits wait, and every
``interval_s``), and backs off after failures."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from field_app.core.models import SyncReport

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 120.0
# While changes wait and the server is unreachable, look again at least this often (a cheap
# /healthz), so work is sent soon after the phone gets a connection back.
MAX_PROBE_WITH_PENDING_S = 30.0


def next_delay(failures: int, interval_s: float, pending: bool) -> float:
    """Seconds until the next look: ``interval_s`` when all is well, backing off after failures
    (to ``MAX_BACKOFF_S``, or ``MAX_PROBE_WITH_PENDING_S`` while changes wait to be sent)."""
    if not failures:
        return interval_s
    delay = min(MAX_BACKOFF_S, max(1.0, interval_s / 10) * 2.0 ** min(failures - 1, 8))
    return min(delay, MAX_PROBE_WITH_PENDING_S) if pending else delay


class BackgroundSync:
    def __init__(
        self,
        check_online: Callable[[], bool],
        sync: Callable[[], SyncReport],
        can_sync: Callable[[], bool],
        has_pending: Callable[[], bool],
        interval_s: float = 30.0,
        debounce_s: float = 2.0,
    ):
        self._check_online = check_online
        self._sync = sync
        self._can_sync = can_sync
        self._has_pending = has_pending
        self.interval_s = interval_s
        self.debounce_s = debounce_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._force = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="field-app-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def poke(self, *, force: bool = False) -> None:
        """A local edit was made: sync soon if the server is reachable. ``force``: sync even with
        nothing to send (the app came back to the foreground, the network came back), so what
        the server has for this device arrives too."""
        if force:
            self._force = True
        self._wake.set()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        failures = 0
        was_online = False
        last_sync = 0.0
        while not self._stop.is_set():
            delay = self.interval_s
            try:
                if self._can_sync():
                    online = self._check_online()
                    due = (
                        (not was_online and online)
                        or self._force
                        or self._has_pending()
                        or time.monotonic() - last_sync >= self.interval_s
                    )
                    if online:
                        self._force = False
                    if online and due:
                        report = self._sync()
                        last_sync = time.monotonic()
                        failures = 0 if report.ok else failures + 1
                    elif not online:
                        failures += 1
                    was_online = online
            except Exception:  # the loop must survive anything; the status shows the error
                log.exception("background sync failed")
                failures += 1
            if failures:
                try:
                    pending = self._has_pending()
                except Exception:
                    pending = False
                delay = next_delay(failures, self.interval_s, pending)
            woke = self._wake.wait(delay)
            if woke and not self._stop.is_set():
                self._wake.clear()
                # Let a burst of edits finish before sending them.
                self._stop.wait(self.debounce_s)
                failures = 0
