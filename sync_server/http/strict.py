"""Request bodies decoded strictly: a JSON value must already have the declared type
(``"active": 0`` is not a boolean, ``"5"`` is not a number). Litestar's own conversion is lax,
so handlers that take such a body declare ``dto=strict_body(TheStruct), return_dto=None``."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar.dto import MsgspecDTO
from litestar.exceptions import ClientException, ValidationException

T = TypeVar("T", bound=msgspec.Struct)


def decode_strictly(decoder: msgspec.json.Decoder[Any], body: bytes) -> Any:
    """``body`` decoded by ``decoder``; 400 ``invalid_request`` naming the field whose value has
    the wrong type, 400 ``malformed_request`` when it is not JSON."""
    try:
        return decoder.decode(body)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(" - at `")
        key = where.rstrip("`").removeprefix("$.") or None
        raise ValidationException(detail=str(exc), extra=[{"message": message, "key": key}]) from None
    except msgspec.DecodeError as exc:
        raise ClientException(detail=str(exc)) from None


def strict_body(struct: type[T]) -> type[MsgspecDTO[T]]:
    """A DTO that reads the body as ``struct`` with strict types (OpenAPI still shows ``struct``)."""
    decoder = msgspec.json.Decoder(struct)

    class StrictBody(MsgspecDTO[struct]):  # type: ignore[valid-type]
        def decode_bytes(self, value: bytes) -> Any:
            return decode_strictly(decoder, value)

    StrictBody.__name__ = StrictBody.__qualname__ = f"Strict{struct.__name__}"
    return StrictBody
