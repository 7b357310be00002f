"""Errors the services raise. The HTTP layer turns each into an RFC 9457 problem; the CLI
prints it. Messages are in Vietnamese and English and say what to do."""

from __future__ import annotations

from typing import Any

from shared_schema import protocol
from shared_schema.errors import Code, FieldProblem
from shared_schema.text import BiText, LocalText, local_text


def bi(vi: str, en: str) -> BiText:
    """One message in both languages, Vietnamese first: reads as ``"vi / en"`` and keeps the
    two apart (``.vi``, ``.en``) for the page or problem document that shows it."""
    return BiText(vi, en)


def problem(field: str, vi: str, en: str, *, code: str | None = None, row: int | None = None) -> FieldProblem:
    """What is wrong with ``field`` (of ``row``), said in both languages (``bi``)."""
    return FieldProblem(field=field, row=row, code=code, message=bi(vi, en))


# The title of the problem document (RFC 9457) for each status the server answers with: the
# errors below take theirs from here, and so do the framework's (``sync_server.http.problems``).
TITLES: dict[int, str] = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not permitted",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Server error",
}


class ServiceError(Exception):
    status = 400
    code: str = Code.BAD_REQUEST

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        errors: list[FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # The message in each language, when ``detail`` was made by ``bi``.
        self.messages: LocalText | None = local_text(detail)
        if code is not None:
            self.code = code
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    @property
    def title(self) -> str:
        """The problem title of ``status`` (``TITLES``)."""
        return TITLES[self.status]


class BadRequest(ServiceError):
    pass


class Unauthorized(ServiceError):
    status = 401
    code = Code.UNAUTHORIZED


class Forbidden(ServiceError):
    status = 403
    code = Code.FORBIDDEN


class NotFound(ServiceError):
    status = 404
    code = Code.NOT_FOUND


class Conflict(ServiceError):
    status = 409
    code = Code.CONFLICT


class TooLarge(ServiceError):
    status = 413
    code = Code.TOO_LARGE


class UnsupportedMedia(ServiceError):
    status = 415
    code = Code.UNSUPPORTED_MEDIA_TYPE


class Invalid(ServiceError):
    status = 422
    code = Code.INVALID


class RateLimited(ServiceError):
    status = 429
    code = Code.RATE_LIMITED


def review_comment(comment: str | None, required: BiText | None = None) -> str | None:
    """A reviewer's comment, stripped (``None`` when blank). ``Invalid``: ``comment_required``
    saying ``required`` when that is given and the comment is blank; ``comment_too_long`` when
    it is longer than ``protocol.MAX_TEXT_LENGTH``."""
    comment = (comment or "").strip() or None
    if required is not None and not comment:
        raise Invalid(required, code=Code.COMMENT_REQUIRED)
    if comment is not None and len(comment) > protocol.MAX_TEXT_LENGTH:
        raise Invalid(
            bi(
                f"Nhận xét dài quá {protocol.MAX_TEXT_LENGTH} ký tự.",
                f"The comment is longer than {protocol.MAX_TEXT_LENGTH} characters.",
            ),
            code=Code.COMMENT_TOO_LONG,
        )
    return comment


def nul_path(value: Any, path: str = "") -> str | None:
    """Where ``value`` (text, or lists and mappings of it, as ``msgspec.to_builtins`` gives)
    holds a NUL character: its path (``title.vi``, ``sections[0].questions[2].label``), or
    None. PostgreSQL cannot store NUL in text, and no person types it."""
    if isinstance(value, str):
        return (path or "value") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = nul_path(key, path) if isinstance(key, str) and "\x00" in key else None
            found = found or nul_path(item, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = nul_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


def nul_refused(where: str, place: BiText | None = None) -> BadRequest:
    """The refusal of text holding a NUL character that did not come through the HTTP layer's
    check (an uploaded file, JSON text inside a form field): 400 ``nul_character``. ``where``
    is the field (in ``errors``); ``place`` says it in words, when the field's name means
    nothing to the person who sent it."""
    vi, en = (place.vi, place.en) if place is not None else (f"ở {where}", f"at {where}")
    message = bi(
        f"Dữ liệu có ký tự NUL (mã 0) {vi}, không lưu được. Hãy xóa ký tự đó rồi gửi lại.",
        f"The data contains a NUL character (code 0) {en}, which cannot be stored. Remove it and send again.",
    )
    return BadRequest(message, code=Code.NUL_CHARACTER, errors=[FieldProblem(field=where, message=message)])
