"""A field app process started with this folder on ``PYTHONPATH`` and ``PHOTO_GATE`` set to a
file's path makes every photo wait, before it is made small, until that file exists (at most two
minutes): a browser test sees the screen while a photo is at work, as on a busy phone, for as
long as it looks. Python imports ``sitecustomize`` by itself when it starts (module ``site``)."""

from __future__ import annotations

import os
import time

GATE = os.environ.get("PHOTO_GATE")

if GATE:
    from field_app.core import photos

    _shrink = photos.shrink

    def _after_the_gate(data: bytes, settings: photos.PhotoSettings | None = None) -> bytes:
        deadline = time.monotonic() + 120
        while not os.path.exists(GATE) and time.monotonic() < deadline:
            time.sleep(0.05)
        return _shrink(data, settings)

    photos.shrink = _after_the_gate
