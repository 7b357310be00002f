"""Photos made small on the device before they are stored and queued for upload.

A phone photo is 3–8 MB; over weak mobile data that is minutes per photo. Every evidence photo
is turned upright (EXIF orientation), scaled down so its longest side is at most
``PhotoSettings.max_side`` pixels and saved as JPEG at ``PhotoSettings.quality``; the capture
time (EXIF ``DateTimeOriginal`` and its offset) and the camera's GPS position are kept, the rest
of the metadata (maker notes, embedded thumbnails) is dropped. Signatures do not come here: they
stay PNG.

Large inputs are decoded at a reduced scale where the format allows it (JPEG draft mode), so a
30 MB camera file does not need the memory of its full-size pixels.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from field_app.core.models import AppError
from shared_schema.text import LocalText

DEFAULT_MAX_SIDE = 1600
DEFAULT_QUALITY = 80
# The largest file taken as a photo (a camera JPEG or PNG); the result is far smaller.
MAX_INPUT_BYTES = 64 * 1024 * 1024
# Pixels decoded at most (after draft-mode reduction); Pillow refuses larger images as bombs.
MAX_PIXELS = 120_000_000

# EXIF tags kept: when the photo was taken (IFD0 DateTime; Exif IFD DateTimeOriginal,
# DateTimeDigitized and their time zone offsets).
_IFD0_KEPT = (0x0132,)  # DateTime
_EXIF_KEPT = (0x9003, 0x9004, 0x9010, 0x9011, 0x9012)  # DateTimeOriginal/Digitized, OffsetTime*
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825

NOT_A_PHOTO = LocalText(
    "Tệp này không phải ảnh hoặc ảnh đã hỏng (cần JPEG, PNG, WebP…): hãy chụp lại hoặc chọn ảnh khác.",
    "This file is not a photo or the photo is damaged (JPEG, PNG, WebP…): take it again or choose another one.",
)
PHOTO_TOO_LARGE = LocalText(
    "Ảnh quá lớn để xử lý trên máy (tối đa 64 MB, 120 triệu điểm ảnh): hãy chụp với độ phân giải thấp hơn.",
    "The photo is too large to process on the device (at most 64 MB, 120 megapixels): take it at a lower resolution.",
)
BAD_SETTING = LocalText(
    "Cài đặt ảnh không hợp lệ: cạnh dài từ 320 đến 8000 điểm ảnh, chất lượng từ 30 đến 95.",
    "Invalid photo setting: longest side 320 to 8000 pixels, quality 30 to 95.",
)


@dataclass(frozen=True)
class PhotoSettings:
    """How photos are made small: the longest side in pixels and the JPEG quality (30–95)."""

    max_side: int = DEFAULT_MAX_SIDE
    quality: int = DEFAULT_QUALITY

    def __post_init__(self) -> None:
        if not (320 <= self.max_side <= 8000 and 30 <= self.quality <= 95):
            raise AppError("bad_setting", BAD_SETTING)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> PhotoSettings:
        """``FIELD_APP_PHOTO_MAX_SIDE`` and ``FIELD_APP_PHOTO_QUALITY``, else the defaults."""
        env = os.environ if environ is None else environ
        try:
            return cls(
                int(env.get("FIELD_APP_PHOTO_MAX_SIDE") or DEFAULT_MAX_SIDE),
                int(env.get("FIELD_APP_PHOTO_QUALITY") or DEFAULT_QUALITY),
            )
        except ValueError as exc:
            raise AppError("bad_setting", BAD_SETTING) from exc


def _kept_exif(source: Image.Image) -> bytes | None:
    """The capture time and GPS position of ``source``'s EXIF, as EXIF bytes (None: nothing)."""
    try:
        exif = source.getexif()
    except Exception:  # unreadable metadata must not lose the photo
        return None
    kept = Image.Exif()
    found = False
    for tag in _IFD0_KEPT:
        if tag in exif:
            kept[tag] = exif[tag]
            found = True
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        times = {tag: sub[tag] for tag in _EXIF_KEPT if tag in sub}
        if times:
            kept.get_ifd(_EXIF_IFD).update(times)
            found = True
        gps = exif.get_ifd(_GPS_IFD)
        if gps:
            kept.get_ifd(_GPS_IFD).update(gps)
            found = True
    except Exception:  # a broken sub-directory only loses that part
        pass
    return kept.tobytes() if found else None


def shrink(data: bytes, settings: PhotoSettings | None = None) -> bytes:
    """``data`` (any image Pillow reads) as an upright JPEG no larger than ``settings`` allow.

    Raises ``AppError`` ``bad_photo`` with words to show when it is not an image or too large.
    """
    settings = settings or PhotoSettings()
    if len(data) > MAX_INPUT_BYTES:
        raise AppError("bad_photo", PHOTO_TOO_LARGE)
    try:
        with warnings.catch_warnings():
            # above ~89 MP Pillow warns; the pixels actually decoded are bounded below instead
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            # JPEG: decode at 1/2, 1/4 or 1/8 scale straight away when that is still large enough
            scale = min(1.0, settings.max_side / max(image.size))
            image.draft("RGB", (max(1, round(image.width * scale)), max(1, round(image.height * scale))))
            if image.width * image.height > MAX_PIXELS:
                raise AppError("bad_photo", PHOTO_TOO_LARGE)
            exif = _kept_exif(image)
            image = ImageOps.exif_transpose(image)
            image.thumbnail((settings.max_side, settings.max_side), Image.Resampling.LANCZOS, reducing_gap=3.0)
    except AppError:
        raise
    except Image.DecompressionBombError:
        raise AppError("bad_photo", PHOTO_TOO_LARGE) from None
    except UnidentifiedImageError:
        raise AppError("bad_photo", NOT_A_PHOTO) from None
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt image data
        raise AppError("bad_photo", NOT_A_PHOTO) from exc
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {"quality": settings.quality, "optimize": True}
    if exif:
        options["exif"] = exif
    image.save(out, "JPEG", **options)
    return out.getvalue()


def capture_time(data: bytes) -> str | None:
    """EXIF ``DateTimeOriginal`` of a photo (``YYYY:MM:DD HH:MM:SS``), or None."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            value = image.getexif().get_ifd(_EXIF_IFD).get(0x9003)
    except Exception:
        return None
    return str(value) if value else None
