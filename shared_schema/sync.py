"""The sync messages (protocol v1, docs/PROTOCOL.md).

Every Struct here ignores fields it does not know, so a newer server never breaks an
older app, and the other way round.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import msgspec

from shared_schema.records import UserInfo
from shared_schema.text import LocalText, as_sent

ChangeStatus = Literal["applied", "superseded", "duplicate", "rejected"]


class Change(msgspec.Struct, kw_only=True, gc=False):
    """One field edit made on a device. (``gc=False``: a change holds only decoded JSON and
    strings, never a cycle, so the collector need not track the thousands a push decodes.)"""

    change_id: str
    client_seq: int
    entity: str
    entity_id: str
    field: str
    value: Any = None
    hlc: str
    base_hlc: str | None = None


def new_change(
    client_seq: int, entity: str, entity_id: str, field: str, value: Any, hlc: str, base_hlc: str | None = None
) -> Change:
    """A new edit on a device, under a change id of its own (a random UUID)."""
    return Change(
        change_id=str(uuid.uuid4()),
        client_seq=client_seq,
        entity=entity,
        entity_id=entity_id,
        field=field,
        value=value,
        hlc=hlc,
        base_hlc=base_hlc,
    )


class PushRequest(msgspec.Struct, kw_only=True):
    protocol: int
    client_id: str
    app_version: str
    changes: list[Change]


class ChangeResult(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    change_id: str
    status: ChangeStatus
    reason: str | None = None
    # Machine-readable reason: not_permitted, locked, invalid_value, unknown_template, …
    code: str | None = None
    # True when this edit and another were made without seeing each other (conflict log).
    conflict: bool = False
    # On a `duplicate` of a change first answered `rejected` or with `conflict: true`: the
    # status it was first answered with (code, reason and conflict are the original ones).
    original_status: ChangeStatus | None = None
    # ``reason`` in each language, Vietnamese and English (docs/PROTOCOL.md §4, §10): an app
    # shows the one its user chose. ``reason`` keeps its "vi / en" text for apps that do not
    # know this field; absent from servers before 2026-11-30 and when there is no reason.
    messages: LocalText | None = None

    def __post_init__(self) -> None:
        if self.reason is not None and type(self.reason) is not str:
            self.reason, self.messages = as_sent(self.reason, self.messages)


class PushReply(msgspec.Struct, kw_only=True):
    acked_seq: int
    results: list[ChangeResult]
    cursor: int
    server_time_ms: int | None = None


class PulledChange(msgspec.Struct, kw_only=True):
    seq: int
    entity: str
    entity_id: str
    field: str
    value: Any = None
    hlc: str


class PullPage(msgspec.Struct, kw_only=True):
    changes: list[PulledChange]
    cursor: int
    has_more: bool
    server_time_ms: int | None = None
    # What the caller may see (an opaque token of their districts). When it differs from the
    # one a device kept from its last pull, rows now visible may lie below its cursor: the
    # device pulls again from 0 (PROTOCOL.md §7). None from servers older than this field.
    scope: str | None = None
    # Bounded mode only (``bounded=1``, PROTOCOL.md §7): the sequence at and below which settled
    # inspections were left out (the device sends it back on its next pulls), and the ids of
    # inspections on this page that also have rows at or below the request's cursor: a device
    # that holds nothing of one of them fetches it whole instead of keeping a part of it.
    horizon: int | None = None
    older: list[str] | None = None


class RecordsPage(msgspec.Struct, kw_only=True):
    """``GET /api/v1/sync/records``: whole inspections (every feed row of each, with answers and
    conflicts), for a site's older history or for a record a bounded device lacks. ``inspections``
    lists the ids whose rows are included (an id not listed is unknown or out of scope)."""

    changes: list[PulledChange]
    inspections: list[str]
    more: bool = False


class TokenRequest(msgspec.Struct, kw_only=True):
    username: str
    password: str
    # The key this device was given at an earlier sign-in of the same user: it may sign in
    # while the user is locked out by other devices' failures (docs/PROTOCOL.md, Authentication).
    device_key: str | None = None


class TokenReply(msgspec.Struct, kw_only=True):
    access_token: str
    expires_at: str
    user: UserInfo
    # Keep it and send it with the next sign-in of this user from this device.
    device_key: str | None = None


class ReviewRequest(msgspec.Struct, kw_only=True):
    decision: Literal["approve", "return", "reject"]
    comment: str | None = None


class ConflictEntry(msgspec.Struct, kw_only=True):
    """A concurrent edit that lost: both values, both writers, both clocks."""

    entity: str
    entity_id: str
    field: str
    winner_value: Any = None
    winner_hlc: str
    winner_client: str | None = None
    loser_value: Any = None
    loser_hlc: str
    loser_client: str | None = None
    loser_user: str | None = None
    winner_user: str | None = None
    recorded_at: str | None = None
    resolved: bool = False
