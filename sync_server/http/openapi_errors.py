"""Error responses in the OpenAPI document (``/schema``): every operation lists the problem
statuses it can answer, each as ``application/problem+json`` with the ``Problem`` schema, so
generated clients and contract testers can rely on them.

Which statuses an operation lists follows from what it is:
- every operation: 400 (a request that cannot be read, a NUL character, a number beyond
  64 bits) and 422 (a value the rules refuse);
- behind the bearer guard: 401 (not signed in) and 403 (the role may not);
- with a path parameter: 404 (nothing there, or outside the caller's districts);
- taking a body (POST, PUT, PATCH): 409 (the state does not allow it) and 413 (too large);
- sign-in: 401 and 429 (too many failures); blob uploads: 415 (not a JPEG, PNG or WebP).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute

from shared_schema.errors import Problem
from sync_server.http.problems import PROBLEM_MEDIA_TYPE

DESCRIPTIONS = {
    400: "The request cannot be read: malformed JSON, a wrong type, a NUL character, a number beyond 64 bits",
    401: "Not signed in: the bearer token is missing, unknown or expired (or, at sign-in, wrong credentials)",
    403: "Signed in, but the role may not do this",
    404: "Nothing there, or outside the districts assigned to the caller",
    409: "The current state does not allow it (a sequence gap, a locked inspection, the last admin, …)",
    413: "The request body is too large",
    415: "The uploaded bytes are not a supported media type",
    422: "The input is well-formed but refused by the rules; `errors` names each problem",
    429: "Too many failed sign-ins; wait for Retry-After seconds",
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
SIGN_IN_PATH = "/api/v1/auth/token"
BLOB_PATH_PREFIX = "/api/v1/blobs/"


def problem_spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=DESCRIPTIONS[status],
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


def error_statuses(path: str, handler: HTTPRouteHandler) -> set[int]:
    """The problem statuses the operation ``handler`` at ``path`` can answer."""
    statuses = {400, 422}
    if handler.resolve_guards():
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if BODY_METHODS & set(handler.http_methods):
        statuses |= {409, 413}
    if path == SIGN_IN_PATH:
        statuses |= {401, 429}
    if path.startswith(BLOB_PATH_PREFIX):
        statuses |= {404, 409, 413, 415}
    return statuses


def document_errors(app: Litestar) -> None:
    """Add the problem responses to every operation in the schema (before it is first built)."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            documented = dict(handler.responses or {})
            for status in sorted(error_statuses(route.path, handler)):
                documented.setdefault(status, problem_spec(status))
            handler.responses = documented
