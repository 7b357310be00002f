"""Camera-like JPEGs made on the spot (no image files in the repository).

A scene of smooth gradients with shapes and sensor-like noise compresses about as a phone photo
does (a 12 MP image at quality 92 is a few megabytes); EXIF carries an orientation and the
capture time, as a phone camera writes them.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

CAPTURED = "2021:05:20 09:14:59"


def camera_jpeg(
    width: int = 4000,
    height: int = 3000,
    *,
    seed: int = 0,
    quality: int = 92,
    orientation: int | None = None,
    captured: str | None = CAPTURED,
    noise: float = 12.0,
) -> bytes:
    """A camera-like JPEG of ``width`` × ``height`` pixels (stored as the sensor saw it: the
    ``orientation`` EXIF tag says how to turn it upright)."""
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height))
    channels = [
        Image.merge(
            "RGB", (base, base.rotate(90).resize((width, height)), base.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
        )
    ]
    scene = channels[0]
    draw = ImageDraw.Draw(scene)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(max(2, width // 40), max(3, width // 6))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), fill=colour)
    scene = scene.filter(ImageFilter.GaussianBlur(2))
    # texture at a few pixels' scale (foliage, brick, fabric): what is left after downscaling
    texture = Image.effect_noise((max(1, width // 3), max(1, height // 3)), 60).resize((width, height))
    scene = Image.merge("RGB", [Image.blend(c, texture, 0.3) for c in scene.split()])
    if noise:
        grain = Image.effect_noise((width, height), noise)
        scene = Image.merge("RGB", [Image.blend(c, grain, 0.25) for c in scene.split()])
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if captured is not None:
        exif[0x0132] = captured
        exif.get_ifd(0x8769)[0x9003] = captured
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def marked_jpeg(width: int, height: int, orientation: int) -> bytes:
    """A JPEG whose top-left quarter is red and the rest blue, stored rotated/flipped so that
    applying ``orientation`` puts the red quarter back at the top left."""
    upright = Image.new("RGB", (width, height), (0, 0, 255))
    ImageDraw.Draw(upright).rectangle((0, 0, width // 2 - 1, height // 2 - 1), fill=(255, 0, 0))
    # the inverse of what exif_transpose does for each orientation
    inverse = {
        1: None,
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }[orientation]
    stored = upright.transpose(inverse) if inverse is not None else upright
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()
