"""Local conventions of the screens: Vietnamese dates and numbers, typed input read back, and
drawn signatures rasterised to real PNGs."""

from __future__ import annotations

import struct
import zlib

import pytest

from field_app.ui import i18n
from field_app.ui.signature_png import has_ink, render_png


def test_numbers_use_vietnamese_separators_in_vi_and_english_ones_in_en():
    assert i18n.fmt_number(1234.5, "vi") == "1.234,5"
    assert i18n.fmt_number(1234.5, "en") == "1,234.5"
    assert i18n.fmt_number(87.5, "vi", 1) == "87,5"
    assert i18n.fmt_number(3, "vi") == "3"


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("3,5", "vi", 3.5),
        ("3.5", "vi", 3.5),
        ("1.234,5", "vi", 1234.5),
        ("1.234", "vi", 1234.0),
        ("1,234.5", "en", 1234.5),
        ("12", "en", 12.0),
        ("-2", "vi", -2.0),
    ],
)
def test_typed_numbers_are_read_in_either_convention(text, lang, expected):
    assert i18n.parse_number(text, lang) == expected


@pytest.mark.parametrize("text", ["", "abc", "1,2,3x", "nan", "inf"])
def test_text_that_is_not_a_number_reads_as_none(text):
    assert i18n.parse_number(text, "vi") is None


def test_dates_show_as_dd_mm_yyyy_and_are_read_back():
    assert i18n.fmt_date("2026-11-25") == "25/11/2026"
    assert i18n.fmt_date("2026-11-25T10:00:00Z") == "25/11/2026"
    assert i18n.parse_date("20/05/2021") == "2021-05-20"
    assert i18n.parse_date("2021-05-20") == "2021-05-20"
    assert i18n.parse_date("31/02/2021") is None
    assert i18n.parse_date("hôm qua") is None


def test_every_text_exists_in_both_languages_with_the_same_placeholders():
    import string

    for key, (vi, en) in i18n.STRINGS.items():
        assert vi and en, key
        names = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
        assert names(vi) == names(en), key
    assert i18n.t("en", "sync_now") == "Sync"
    assert i18n.t("vi", "sync_now") == "Đồng bộ"
    assert i18n.t("vi", "pending", count=3) == "3 thay đổi chờ gửi"


def _decode_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_a_drawn_signature_becomes_a_valid_png_with_ink_where_it_was_drawn():
    strokes = [[(10.0, 10.0), (50.0, 10.0)], [(20.0, 30.0)]]
    png = render_png(strokes, 60, 40)
    width, height, raw = _decode_png(png)
    assert (width, height) == (60, 40)
    row = lambda y: raw[y * (width + 1) + 1 : (y + 1) * (width + 1)]  # noqa: E731
    assert row(10)[30] == 0  # on the first stroke
    assert row(30)[20] == 0  # the dot
    assert row(0)[0] == 255  # paper elsewhere
    assert render_png(strokes, 60, 40) == png  # same strokes, same bytes, same SHA-256


def test_an_empty_pad_has_no_ink_and_a_bad_size_is_refused():
    assert not has_ink([])
    assert not has_ink([[]])
    with pytest.raises(ValueError):
        render_png([], 0, 10)
