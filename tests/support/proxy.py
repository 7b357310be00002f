"""A loopback TCP proxy that can cut connections, for fault tests.

Put it between the app and a real server (``FaultProxy(server_port).url``) and arm a fault:

- ``cut_request(match, after_bytes)``: on the next connection whose request contains
  ``match`` (e.g. ``b"POST /api/v1/sync/push"``), forward only ``after_bytes`` bytes of the
  request (counted from the chunk holding ``match``), then close both sides: the server sees
  a truncated request and commits nothing.
- ``cut_reply(match, after_bytes)``: forward the whole request, but only ``after_bytes`` bytes
  of the reply, then close both sides. With ``after_bytes=0`` the reply is lost after the
  server committed.
- ``go_down()`` / ``come_up()``: refuse and drop every connection (no network) and back.

Each armed fault fires once (``times`` to repeat); ``fired`` counts how often one did.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass


@dataclass
class _Fault:
    kind: str  # "request" | "reply"
    match: bytes
    after_bytes: int
    times: int


class _Link:
    """One client connection and its upstream connection."""

    def __init__(self, proxy: FaultProxy, client: socket.socket):
        self.proxy = proxy
        self.client = client
        self.upstream = socket.create_connection((proxy.target_host, proxy.target_port))
        self.fault: _Fault | None = None
        self.count = 0
        self.closed = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._pump, args=(self.client, self.upstream, "request"), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.upstream, self.client, "reply"), daemon=True).start()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                s.close()
        self.proxy._forget(self)

    def _pump(self, source: socket.socket, sink: socket.socket, direction: str) -> None:
        """Forward ``source`` to ``sink`` until either closes, cutting it where a fault of this
        ``direction`` ("request" or "reply") says. Faults are armed by what the request holds."""
        try:
            while not self.closed.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if direction == "request" and self.fault is None:
                    fault = self.proxy._take_fault(data)
                    if fault is not None:
                        self.fault = fault
                        self.count = 0
                if self.fault is not None and self.fault.kind == direction:
                    room = self.fault.after_bytes - self.count
                    if len(data) >= room:
                        if room > 0:
                            sink.sendall(data[:room])
                        break
                    self.count += len(data)
                sink.sendall(data)
        except OSError:
            pass
        self.close()


class FaultProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target_host = target_host
        self.target_port = target_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._links: set[_Link] = set()
        self._down = False
        self._stopped = threading.Event()
        self.fired = 0
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    # --- control ---------------------------------------------------------------------------

    def cut_request(self, match: bytes, after_bytes: int, times: int = 1) -> None:
        with self._lock:
            self._faults.append(_Fault("request", match, after_bytes, times))

    def cut_reply(self, match: bytes, after_bytes: int = 0, times: int = 1) -> None:
        with self._lock:
            self._faults.append(_Fault("reply", match, after_bytes, times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def armed(self) -> int:
        with self._lock:
            return len(self._faults)

    def go_down(self) -> None:
        with self._lock:
            self._down = True
            links = list(self._links)
        for link in links:
            link.close()

    def come_up(self) -> None:
        with self._lock:
            self._down = False

    def drop_connections(self) -> None:
        """Close every open connection (keep-alive ones too)."""
        with self._lock:
            links = list(self._links)
        for link in links:
            link.close()

    def close(self) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        self.drop_connections()

    # --- internals -------------------------------------------------------------------------

    def _take_fault(self, data: bytes) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.match in data:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    self.fired += 1
                    return _Fault(fault.kind, fault.match, fault.after_bytes, 1)
        return None

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                down = self._down
            if down:
                client.close()
                continue
            try:
                link = _Link(self, client)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._links.add(link)
            link.start()
