"""Calls run at once, one thread each, for the tests (and benchmarks) of concurrent work."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any


def run_in_threads(
    target: Callable[..., object], arg_lists: Iterable[tuple[Any, ...]], timeout: float | None = None
) -> None:
    """``target(*args)`` for every ``args`` of ``arg_lists``, each in a thread of its own, all
    started before any is waited for; returns when every thread has ended (or waited ``timeout``
    seconds for each). The first exception a thread raised is raised here, after the waiting."""
    errors: list[BaseException] = []

    def run(*args: Any) -> None:
        try:
            target(*args)
        except BaseException as exc:  # raised below, once every thread has ended
            errors.append(exc)

    threads = [threading.Thread(target=run, args=args) for args in arg_lists]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
