"""The time zone people read dates in (``SYNC_TIMEZONE``, default ``Asia/Ho_Chi_Minh``).

Times are stored in UTC; a *day* that people choose or read (a list's date filter, the
dashboard's per-day counts, the dates printed on records and exports) is a calendar day in
this zone. An inspection started at 06:00 in Viet Nam is 23:00 UTC of the day before, and
belongs to the Vietnamese day.

The zone is one setting of the whole process, set once at start (``configure``) from the
server configuration; until then it is the default.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from record_pdf.settings import DEFAULT_TIMEZONE as DEFAULT_TIMEZONE  # the record renderer's, one default

_zone: ZoneInfo = ZoneInfo(DEFAULT_TIMEZONE)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``ValueError`` naming the setting when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"SYNC_TIMEZONE {name!r} is not a known time zone; use an IANA name such as {DEFAULT_TIMEZONE}"
        ) from exc


def configure(name: str) -> None:
    global _zone
    _zone = load_zone(name)


def zone() -> ZoneInfo:
    return _zone


def today(now: dt.datetime | None = None) -> dt.date:
    """The local calendar day now (or at the aware time ``now``)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(_zone).date()


def local_day_of(moment: dt.datetime) -> dt.date:
    """The local calendar day of an aware time (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_zone).date()


def day_start_utc(day: dt.date) -> str:
    """The UTC time at which the local ``day`` begins, as ``YYYY-MM-DDTHH:MM:SS`` (a prefix that
    compares correctly with stored UTC times however many decimals they carry)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=_zone).astimezone(dt.UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%S")
