"""RFC 9457 problem details: the body of every error the server sends."""

from __future__ import annotations

from enum import StrEnum

import msgspec

from shared_schema.text import BiText, LocalText, as_sent


class Code(StrEnum):
    """Every machine-readable ``code`` the server answers with: of a problem document, of one
    of its ``errors`` (a field problem) and of a rejected change in a push reply. Listed, with
    the status and what it means, in docs/PROTOCOL.md §10 (a test checks both ways).
    Add freely, never rename: apps compare them."""

    # Push results (``ChangeResult.code`` of a rejected change, PROTOCOL.md §4)
    LOCKED = "locked"
    STALE_SIGNATURE = "stale_signature"
    INCOMPLETE = "incomplete"
    INVALID_TRANSITION = "invalid_transition"
    NOT_PERMITTED = "not_permitted"
    OUT_OF_SCOPE = "out_of_scope"
    INVALID_VALUE = "invalid_value"
    CLOCK_AHEAD = "clock_ahead"
    IDENTITY_FIXED = "identity_fixed"
    UNKNOWN_TEMPLATE = "unknown_template"
    UNKNOWN_INSPECTION = "unknown_inspection"
    UNKNOWN_ACTION = "unknown_action"
    UNKNOWN_FIELD = "unknown_field"
    # The sync protocol (problems of push and pull, §1, §4, §7)
    PROTOCOL_UNSUPPORTED = "protocol_unsupported"
    SEQUENCE_GAP = "sequence_gap"
    CLIENT_NOT_YOURS = "client_not_yours"
    CLIENT_REREGISTER = "client_reregister"
    MALFORMED_PUSH = "malformed_push"
    TOO_MANY_CHANGES = "too_many_changes"
    INVALID_CLIENT_ID = "invalid_client_id"
    INVALID_CLOCK = "invalid_clock"
    INVALID_ID = "invalid_id"
    INVALID_SEQ = "invalid_seq"
    UNKNOWN_ENTITY = "unknown_entity"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_LIMIT = "invalid_limit"
    # Generic (one per problem status; the class of the service error)
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    INTERNAL_ERROR = "internal_error"
    # At the edges (before any handler, §10)
    INVALID_REQUEST = "invalid_request"
    MALFORMED_REQUEST = "malformed_request"
    MISSING = "missing"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    NUL_CHARACTER = "nul_character"
    INVALID_UTF8 = "invalid_utf8"
    NUMBER_OUT_OF_RANGE = "number_out_of_range"
    TOO_DEEPLY_NESTED = "too_deeply_nested"
    # Sign-in and users (Authentication)
    BAD_CREDENTIALS = "bad_credentials"
    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    INVALID_USERNAME = "invalid_username"
    USERNAME_TAKEN = "username_taken"
    INVALID_ROLE = "invalid_role"
    DISTRICT_REQUIRED = "district_required"
    WEAK_PASSWORD = "weak_password"
    LAST_ADMIN = "last_admin"
    # Blobs (§9)
    INVALID_HASH = "invalid_hash"
    INVALID_HEADER = "invalid_header"
    INVALID_LENGTH = "invalid_length"
    CHUNK_TOO_LONG = "chunk_too_long"
    BLOB_TOO_LARGE = "blob_too_large"
    OFFSET_MISMATCH = "offset_mismatch"
    LENGTH_MISMATCH = "length_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    BLOB_MISSING = "blob_missing"
    BLOBS_MISSING = "blobs_missing"
    # Inspections, review, actions and conflicts (§5, §6)
    COMMENT_REQUIRED = "comment_required"
    COMMENT_TOO_LONG = "comment_too_long"
    INVALID_DECISION = "invalid_decision"
    INVALID_RESOLUTION = "invalid_resolution"
    CONFLICTS_OPEN = "conflicts_open"
    INVALID_SORT = "invalid_sort"
    INVALID_STATUS = "invalid_status"
    INVALID_DATE = "invalid_date"
    # Checklists (§8)
    INVALID_CHECKLIST = "invalid_checklist"
    INVALID_XLSFORM = "invalid_xlsform"
    XLSFORM_UNSUPPORTED = "xlsform_unsupported"
    TEMPLATE_MISSING = "template_missing"
    TEMPLATE_IMMUTABLE = "template_immutable"
    TEMPLATE_NOT_DRAFT = "template_not_draft"
    TEMPLATE_NOT_PUBLISHED = "template_not_published"
    # Sites and administrative units (§3)
    INVALID_SITE = "invalid_site"
    SITE_EXISTS = "site_exists"
    SITE_MISSING = "site_missing"
    INACTIVE_SITE = "inactive_site"
    UNKNOWN_SITE = "unknown_site"
    CSV_COLUMNS = "csv_columns"
    CSV_ENCODING = "csv_encoding"
    CSV_INVALID = "csv_invalid"
    UNKNOWN_UNIT = "unknown_unit"
    INVALID_UNIT = "invalid_unit"
    UNIT_EXISTS = "unit_exists"
    UNIT_MISSING = "unit_missing"
    UNIT_RETIRED = "unit_retired"
    INVALID_MERGE = "invalid_merge"
    # Plans and assignments (§3, §7)
    INVALID_PLAN = "invalid_plan"
    PLAN_CLOSED = "plan_closed"
    WINDOW_REVERSED = "window_reversed"
    INVALID_VISITS = "invalid_visits"
    NO_SITES = "no_sites"
    NO_TEAM = "no_team"
    UNKNOWN_TEAM = "unknown_team"
    UNKNOWN_USER = "unknown_user"
    NOT_INSPECTOR = "not_inspector"
    DUPLICATE = "duplicate"
    REQUIRED = "required"
    TOO_LONG = "too_long"
    TOO_MANY = "too_many"
    INVALID_FILE = "invalid_file"
    # Reports, exports and the database copy
    INVALID_PERIOD = "invalid_period"
    PERIOD_REQUIRED = "period_required"
    UNKNOWN_FORMAT = "unknown_format"
    COPY_INCOMPLETE = "copy_incomplete"
    SCHEMA_MISMATCH = "schema_mismatch"
    TARGET_NOT_EMPTY = "target_not_empty"


class FieldProblem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One thing wrong with the input: where, and what to do about it."""

    message: str
    field: str | None = None
    row: int | None = None
    code: str | None = None
    # ``message`` in each language (absent from servers before 2026-11-30, and when the
    # message exists in one language only): pick one instead of splitting ``message``.
    messages: LocalText | None = None

    def __post_init__(self) -> None:
        if isinstance(self.message, BiText):
            self.message, self.messages = as_sent(self.message, self.messages)


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    # Machine-readable kind of problem, e.g. "sequence_gap", "protocol_unsupported".
    code: str | None = None
    errors: list[FieldProblem] = msgspec.field(default_factory=list)
    # Extension members used by the sync protocol.
    expected_seq: int | None = None
    supported_protocols: list[int] | None = None
    # An unknown administrative unit (code "unknown_unit"): each name given → the closest names.
    suggestions: dict[str, list[str]] | None = None
    # ``detail`` in each language, Vietnamese and English (docs/PROTOCOL.md §10). ``detail``
    # keeps its "vi / en" text for apps that do not know this member; absent from servers
    # before 2026-11-30 and for a detail that exists in one language only.
    messages: LocalText | None = None

    def __post_init__(self) -> None:
        if isinstance(self.detail, BiText):
            self.detail, self.messages = as_sent(self.detail, self.messages)
