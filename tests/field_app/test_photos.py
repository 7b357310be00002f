"""Photos are made small on the device before they are stored and queued (no server needed)."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from field_app.core import photos
from field_app.core.models import AppError
from field_app.core.services import AppServices
from tests.field_app.helpers import png_bytes, signed_in_device, site_fields
from tests.support.camera_photos import CAPTURED, camera_jpeg, marked_jpeg

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(tmp_path):
    with signed_in_device(tmp_path / "device", {"s1": site_fields("DN-001", "Công ty May Hà Nội")}) as services:
        yield services


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def counts(app: AppServices) -> tuple[int, int]:
    return app.store.scalar("SELECT count(*) FROM outbox"), app.store.scalar("SELECT count(*) FROM blobs")


def test_a_camera_photo_is_stored_and_queued_as_a_small_upright_jpeg_with_its_capture_time(app):
    inspection_id = app.start_inspection("s1", "sample-factory")
    original = camera_jpeg(4000, 3000, orientation=6)  # a portrait photo as the sensor stored it
    sha = app.add_photo(inspection_id, "overview", original)
    stored = app.blob_path(sha).read_bytes()
    assert sha == hashlib.sha256(stored).hexdigest()
    image = opened(stored)
    assert image.format == "JPEG"
    assert image.size == (1200, 1600)  # turned upright, longest side 1600
    assert image.getexif().get(0x0112) in (None, 1)  # no orientation left to apply twice
    assert photos.capture_time(stored) == CAPTURED
    assert len(stored) < len(original) / 4, (len(original), len(stored))
    assert app.get_inspection(inspection_id).answers["overview"].value == [sha]
    pending = app.store.query("SELECT sha256, size, uploaded FROM blobs WHERE sha256 = ?", [sha])
    assert pending == [{"sha256": sha, "size": len(stored), "uploaded": 0}]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation: int):
    image = opened(photos.shrink(marked_jpeg(80, 40, orientation)))
    assert image.size == (80, 40)
    red, blue = image.getpixel((10, 5)), image.getpixel((70, 35))
    assert red[0] > 200 and red[2] < 60, red
    assert blue[2] > 200 and blue[0] < 60, blue


def test_a_small_photo_keeps_its_size_and_the_settings_change_side_and_quality():
    original = camera_jpeg(1000, 750, captured=None)
    assert opened(photos.shrink(original)).size == (1000, 750)  # never enlarged
    small = photos.shrink(original, photos.PhotoSettings(max_side=400, quality=50))
    finer = photos.shrink(original, photos.PhotoSettings(max_side=400, quality=90))
    assert opened(small).size == (400, 300) and opened(finer).size == (400, 300)
    assert len(small) < len(finer)
    assert photos.capture_time(small) is None


def test_the_settings_come_from_the_environment_and_bad_ones_are_refused(tmp_path):
    assert photos.PhotoSettings.from_env({}) == photos.PhotoSettings(1600, 80)
    env = {"FIELD_APP_PHOTO_MAX_SIDE": "1024", "FIELD_APP_PHOTO_QUALITY": "70"}
    assert photos.PhotoSettings.from_env(env) == photos.PhotoSettings(1024, 70)
    for bad in ({"FIELD_APP_PHOTO_MAX_SIDE": "big"}, {"FIELD_APP_PHOTO_QUALITY": "100"}):
        with pytest.raises(AppError) as err:
            photos.PhotoSettings.from_env(bad)
        assert err.value.code == "bad_setting" and "chất lượng" in err.value.message.vi
    services = AppServices.open(tmp_path / "d", photo_settings=photos.PhotoSettings(800, 60))
    try:
        assert services.photo_settings.max_side == 800
    finally:
        services.close()


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not a photo", "Biên bản kiểm tra".encode(), b"", b"\xff\xd8\xff\xe0" + b"\x00" * 40],
    ids=["pdf", "text", "empty", "truncated-jpeg"],
)
def test_a_file_that_is_not_a_photo_is_refused_with_a_message_and_changes_nothing(app, data: bytes):
    inspection_id = app.start_inspection("s1", "sample-factory")
    before = counts(app)
    with pytest.raises(AppError) as err:
        app.add_photo(inspection_id, "overview", data)
    assert err.value.code == "bad_photo"
    assert "không phải ảnh" in err.value.message.vi and "not a photo" in err.value.message.en
    assert counts(app) == before
    assert app.get_inspection(inspection_id).answers.get("overview") is None


def test_an_image_too_large_to_decode_is_refused_without_decoding_it():
    # A PNG that claims 30,000 × 30,000 pixels (a decompression bomb): refused from its header.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 30_000, 30_000, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(AppError) as err:
        photos.shrink(bomb)
    assert "quá lớn" in err.value.message.vi


def test_a_png_photo_with_transparency_becomes_a_jpeg_on_white():
    image = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    result = opened(photos.shrink(out.getvalue()))
    assert result.format == "JPEG" and result.getpixel((25, 25))[0] > 240


def test_signatures_stay_png_byte_for_byte(app):
    signature = png_bytes(5, 30, 10)
    sha = app.store_blob(signature)
    assert app.blob_path(sha).read_bytes() == signature
    assert app.store.scalar("SELECT media_type FROM blobs WHERE sha256 = ?", [sha]) == "image/png"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_a_30_mb_camera_file_is_made_small_without_decoding_it_at_full_size(tmp_path):
    big = tmp_path / "big.jpg"
    big.write_bytes(camera_jpeg(8000, 6000, quality=98, noise=40))
    assert big.stat().st_size >= 30_000_000
    child = (
        "import sys\n"
        "from field_app.core import photos\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "out = photos.shrink(data)\n"
        "open(sys.argv[2], 'wb').write(out)\n"
        # VmHWM: this process's own peak (ru_maxrss would include the forking test process)
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(big), str(tmp_path / "small.jpg")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    peak_mb = int(done.stdout.strip())
    # the full-size pixels alone would be 8000 × 6000 × 3 bytes = 144 MB on top of the 30 MB file
    assert peak_mb < 150, f"peak memory {peak_mb} MB"
    assert opened((tmp_path / "small.jpg").read_bytes()).size == (1600, 1200)
