"""RFC 9457 problem details for every error: service errors, framework errors (validation,
404, 405, 413) and unexpected ones (500)."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from shared_schema.errors import Code, FieldProblem, Problem
from sync_server.core.errors import TITLES, ServiceError, bi

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("sync_server")

_FRAMEWORK_DETAIL = {
    400: bi(
        "Yêu cầu không đọc được; hãy kiểm tra dữ liệu gửi lên.", "The request could not be read; check what was sent."
    ),
    401: bi("Bạn chưa đăng nhập. Hãy đăng nhập rồi thử lại.", "You are not signed in. Sign in and try again."),
    403: bi("Bạn không được phép làm việc này.", "You are not allowed to do this."),
    404: bi(
        "Không có địa chỉ này. Hãy kiểm tra đường dẫn (xem /schema).",
        "There is nothing at this address. Check the path (see /schema).",
    ),
    405: bi(
        "Địa chỉ này không nhận phương thức HTTP đó (xem /schema).",
        "This address does not accept that HTTP method (see /schema).",
    ),
    413: bi(
        "Nội dung gửi lên quá lớn. Hãy gửi ít dữ liệu hơn mỗi lần.",
        "The request body is too large. Send less at a time.",
    ),
    415: bi("Kiểu nội dung không được hỗ trợ.", "Unsupported content type."),
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(problem),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers or {},
    )


def service_error_handler(request: Request[Any, Any, Any], exc: ServiceError) -> Response[bytes]:
    problem = Problem(
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        code=exc.code,
        errors=exc.errors,
        instance=request.url.path,
        expected_seq=exc.extra.get("expected_seq"),
        supported_protocols=exc.extra.get("supported_protocols"),
        suggestions=exc.extra.get("suggestions"),
    )
    headers = dict(exc.headers)
    if exc.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="sync"')
    return problem_response(problem, headers)


def _validation_errors(exc: ValidationException) -> list[FieldProblem]:
    out: list[FieldProblem] = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            out.append(
                FieldProblem(message=str(item.get("message", "")), field=item.get("key") or None, code=Code.INVALID)
            )
    return out


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    status = exc.status_code
    errors: list[FieldProblem] = []
    detail: str
    if isinstance(exc, ValidationException):
        errors = _validation_errors(exc)
        if any(e.field == "data" and e.message == "'data'" for e in errors):
            # the framework's way of saying that the body it needs is missing
            errors = [FieldProblem(message="missing", field="body", code=Code.MISSING)]
            detail = bi(
                "Yêu cầu không có nội dung: hãy gửi một đối tượng JSON.", "The request has no body: send a JSON object."
            )
        else:
            reasons = "; ".join(e.message for e in errors) or str(exc.detail)
            detail = bi(f"Dữ liệu gửi lên không hợp lệ: {reasons}", f"The request is invalid: {reasons}")
        code = Code.INVALID_REQUEST
    elif status == 400 and exc.detail and exc.detail != "Bad Request":
        detail = bi(
            f"Dữ liệu gửi lên không đọc được (cần JSON hợp lệ): {exc.detail}",
            f"The request body cannot be read (valid JSON is needed): {exc.detail}",
        )
        code = Code.MALFORMED_REQUEST
    else:
        base = _FRAMEWORK_DETAIL.get(status, str(exc.detail))
        detail = base if status in _FRAMEWORK_DETAIL else str(exc.detail)
        code = {404: Code.NOT_FOUND, 405: Code.METHOD_NOT_ALLOWED, 413: Code.TOO_LARGE}.get(status, Code.HTTP_ERROR)
    problem = Problem(
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        errors=errors,
        instance=request.url.path,
    )
    return problem_response(problem, dict(exc.headers or {}))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    problem = Problem(
        title=TITLES[500],
        status=500,
        code=Code.INTERNAL_ERROR,
        instance=request.url.path,
        detail=bi(
            "Máy chủ gặp lỗi không mong đợi; thay đổi chưa được áp dụng. "
            "Hãy thử lại sau, nếu vẫn lỗi hãy báo quản trị.",
            "The server hit an unexpected error; nothing was applied. "
            "Try again later and tell an admin if it persists.",
        ),
    )
    return problem_response(problem)


def undecodable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    """A body the decoder gave up on: nested too deeply (``RecursionError``) or not UTF-8."""
    if isinstance(exc, RecursionError):
        code = Code.TOO_DEEPLY_NESTED
        detail = bi(
            "Dữ liệu JSON lồng nhau quá sâu; hãy gửi cấu trúc đơn giản hơn.",
            "The JSON is nested too deeply; send a simpler structure.",
        )
    else:
        code = Code.INVALID_UTF8
        detail = bi("Nội dung gửi lên không phải văn bản UTF-8 hợp lệ.", "The request body is not valid UTF-8 text.")
    problem = Problem(title=TITLES[400], status=400, detail=detail, code=code, instance=request.url.path)
    return problem_response(problem)


EXCEPTION_HANDLERS: dict[Any, Any] = {
    RecursionError: undecodable_handler,
    UnicodeDecodeError: undecodable_handler,
    ServiceError: service_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
