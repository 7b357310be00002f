"""The checks every request body passes before a handler sees it: NUL characters, UTF-8 and
integers beyond 64 bits are found wherever they are in the JSON, and never inside a string
that merely looks like them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared_schema.protocol import MAX_INT, within_depth
from sync_server.core.errors import BadRequest
from sync_server.http.input_guard import check_body, json_integers_in_range

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _integers(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [i for v in value for i in _integers(v)]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _integers(v)]
    return []


@given(json_values)
def test_integers_beyond_64_bits_are_found_anywhere_and_only_there(value: Any) -> None:
    body = json.dumps(value).encode()
    assert json_integers_in_range(body) == all(abs(i) <= MAX_INT for i in _integers(value))


digit_heavy = st.recursive(
    st.integers() | st.text(alphabet="0123456789abcdef:,[- ", max_size=60),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text("abc", max_size=3), inner, max_size=4),
    max_leaves=12,
)


@given(digit_heavy, st.booleans())
def test_long_digit_runs_in_text_never_pass_for_numbers_and_big_numbers_are_always_found(
    value: Any, compact: bool
) -> None:
    # change ids are hex and often hold 19 digits in a row: only a run where a number can
    # start (after ':', '[' or ',') makes the check read the body token by token
    body = json.dumps(value, separators=(",", ":") if compact else None).encode()
    assert json_integers_in_range(body) == all(abs(i) <= MAX_INT for i in _integers(value))


@given(st.text())
def test_text_never_trips_the_nul_or_number_checks_unless_it_holds_a_nul(text: str) -> None:
    body = json.dumps({"value": text, "digits": "9" * 40}).encode()
    if "\x00" in text:
        with pytest.raises(BadRequest) as refused:
            check_body("json", body)
        assert refused.value.code == "nul_character"
    else:
        check_body("json", body)


def test_an_escaped_backslash_before_u0000_is_not_a_nul() -> None:
    check_body("json", json.dumps({"path": "C:\\u0000"}).encode())  # the text \u0000, not a NUL
    with pytest.raises(BadRequest):
        check_body("json", json.dumps({"path": "C:\\\x00"}).encode())


@given(st.integers(min_value=0, max_value=40))
def test_depth_limit_counts_lists_and_objects(depth: int) -> None:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    assert within_depth(value) == (depth <= 16)
