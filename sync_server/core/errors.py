"""Errors the services raise. The HTTP layer turns each into an RFC 9457 problem; the CLI
prints it. Messages are in Vietnamese and English and say what to do."""

from __future__ import annotations

from typing import Any

from shared_schema.errors import FieldProblem


def bi(vi: str, en: str) -> str:
    """One message in both languages, Vietnamese first."""
    return f"{vi} / {en}"


class ServiceError(Exception):
    status = 400
    title = "Bad request"
    code = "bad_request"

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
        if code is not None:
            self.code = code
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra


class BadRequest(ServiceError):
    pass


class Unauthorized(ServiceError):
    status = 401
    title = "Not signed in"
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    title = "Not permitted"
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    title = "Not found"
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"
    code = "conflict"


class TooLarge(ServiceError):
    status = 413
    title = "Too large"
    code = "too_large"


class UnsupportedMedia(ServiceError):
    status = 415
    title = "Unsupported media type"
    code = "unsupported_media_type"


class Invalid(ServiceError):
    status = 422
    title = "Invalid input"
    code = "invalid"


class RateLimited(ServiceError):
    status = 429
    title = "Too many attempts"
    code = "rate_limited"
