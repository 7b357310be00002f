"""Hypothesis strategies for any msgspec type, derived from ``msgspec.inspect``.

Used to prove that every Struct of the contract round-trips, without a hand-written
strategy per Struct that could drift from the real definition.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def for_type(typ: Any) -> st.SearchStrategy[Any]:
    return _for_info(mi.type_info(typ))


@cache
def _struct(cls: type) -> st.SearchStrategy[Any]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    fields = {f.name: st.deferred(lambda f=f: _for_info(f.type)) for f in info.fields}
    return st.builds(cls, **fields)


def _for_info(t: mi.Type) -> st.SearchStrategy[Any]:
    match t:
        case mi.AnyType():
            return JSON_VALUES
        case mi.NoneType():
            return st.none()
        case mi.BoolType():
            return st.booleans()
        case mi.IntType():
            lo = t.ge if t.ge is not None else -(2**53)
            return st.integers(min_value=lo, max_value=2**53)
        case mi.FloatType():
            return st.floats(allow_nan=False, allow_infinity=False, width=64)
        case mi.StrType():
            return st.text(max_size=16)
        case mi.LiteralType():
            return st.sampled_from(t.values)
        case mi.ListType():
            return st.lists(_for_info(t.item_type), max_size=3)
        case mi.DictType():
            return st.dictionaries(_for_info(t.key_type), _for_info(t.value_type), max_size=3)
        case mi.UnionType():
            return st.one_of([_for_info(x) for x in t.types])
        case mi.StructType():
            return _struct(t.cls)
    raise NotImplementedError(f"no strategy for {t!r}")


__all__ = ["JSON_VALUES", "for_type", "msgspec"]
