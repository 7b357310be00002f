"""Bytes per photo before and after the device makes it small (field_app.core.photos).

    .venv/bin/python bench/photo_bench.py [--photos 5] [--max-side 1600] [--quality 80]

Generates camera-sized JPEGs (12 MP and 50 MP scenes with sensor-like grain, quality 92–95, as
phones write them; portrait ones carry an EXIF orientation), runs each through the same
``shrink`` the app runs before storing and queueing a photo, and prints the sizes and the time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from field_app.core import photos  # noqa: E402
from tests.support.camera_photos import camera_jpeg  # noqa: E402

CAMERAS = [
    # (label, width, height, quality, grain, orientation)
    ("12 MP landscape", 4000, 3000, 92, 14.0, 1),
    ("12 MP portrait", 4000, 3000, 92, 14.0, 6),
    ("50 MP landscape", 8160, 6120, 95, 10.0, 1),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=3, help="photos per camera size")
    parser.add_argument("--max-side", type=int, default=photos.DEFAULT_MAX_SIDE)
    parser.add_argument("--quality", type=int, default=photos.DEFAULT_QUALITY)
    args = parser.parse_args()
    settings = photos.PhotoSettings(args.max_side, args.quality)
    print(f"photo pipeline: longest side {settings.max_side} px, JPEG quality {settings.quality}")
    print(f"{'camera':<18} {'photos':>6} {'before (bytes)':>16} {'after (bytes)':>14} {'ratio':>7} {'ms/photo':>9}")
    all_before: list[int] = []
    all_after: list[int] = []
    for label, width, height, quality, grain, orientation in CAMERAS:
        before: list[int] = []
        after: list[int] = []
        times: list[float] = []
        for n in range(args.photos):
            original = camera_jpeg(width, height, seed=n, quality=quality, noise=grain, orientation=orientation)
            start = time.perf_counter()
            small = photos.shrink(original, settings)
            times.append(time.perf_counter() - start)
            before.append(len(original))
            after.append(len(small))
        b, a = statistics.mean(before), statistics.mean(after)
        all_before += before
        all_after += after
        print(
            f"{label:<18} {len(before):>6} {b:>16,.0f} {a:>14,.0f} {a / b:>7.1%} {statistics.mean(times) * 1000:>9.0f}"
        )
    b, a = statistics.mean(all_before), statistics.mean(all_after)
    print(f"{'all':<18} {len(all_before):>6} {b:>16,.0f} {a:>14,.0f} {a / b:>7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
