"""A drawn signature (strokes of points) rasterised to a PNG in pure Python (zlib only).

The PNG is what gets stored as a blob and named by its SHA-256, so the same strokes always
give the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import zlib
from collections.abc import Sequence

Point = tuple[float, float]
Stroke = Sequence[Point]

INK = 0  # black on white, 8-bit greyscale
PAPER = 255


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _dot(pixels: bytearray, width: int, height: int, x: int, y: int, radius: int) -> None:
    for dy in range(-radius, radius + 1):
        yy = y + dy
        if not 0 <= yy < height:
            continue
        for dx in range(-radius, radius + 1):
            xx = x + dx
            if 0 <= xx < width and dx * dx + dy * dy <= radius * radius:
                pixels[yy * width + xx] = INK


def _line(pixels: bytearray, width: int, height: int, a: Point, b: Point, radius: int) -> None:
    x0, y0, x1, y1 = round(a[0]), round(a[1]), round(b[0]), round(b[1])
    steps = max(abs(x1 - x0), abs(y1 - y0), 1)
    for i in range(steps + 1):
        _dot(pixels, width, height, round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps), radius)


def render_png(strokes: Sequence[Stroke], width: int, height: int, pen_radius: int = 1) -> bytes:
    """The strokes drawn with a round pen on a white ``width`` × ``height`` PNG."""
    if width <= 0 or height <= 0:
        raise ValueError("a signature image needs a positive width and height")
    pixels = bytearray([PAPER]) * (width * height)
    for stroke in strokes:
        points = list(stroke)
        if len(points) == 1:
            _dot(pixels, width, height, round(points[0][0]), round(points[0][1]), pen_radius)
        for a, b in itertools.pairwise(points):
            _line(pixels, width, height, a, b, pen_radius)
    raw = b"".join(b"\x00" + bytes(pixels[y * width : (y + 1) * width]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def has_ink(strokes: Sequence[Stroke]) -> bool:
    """Whether anything was drawn at all."""
    return any(len(stroke) > 0 for stroke in strokes)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
