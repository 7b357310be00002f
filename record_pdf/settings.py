"""What a record says that is not in the inspection itself: the agency header, the place of the
place-and-date line and the time zone dates are read in. The server passes its configuration
(``SYNC_RECORD_*``, ``SYNC_TIMEZONE``); a device uses these defaults (the Department's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DEFAULT_AGENCY_PARENT = "UBND TỈNH THÁI NGUYÊN"
DEFAULT_AGENCY_NAME = "SỞ CÔNG THƯƠNG"
DEFAULT_PLACE_NAME = "Thái Nguyên"
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class RecordSettings:
    agency_parent: str = DEFAULT_AGENCY_PARENT
    agency_name: str = DEFAULT_AGENCY_NAME
    place_name: str = DEFAULT_PLACE_NAME
    zone: dt.tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    # rendered on a device: a photo not held says "not on this device" (the server: "not on the server")
    on_device: bool = False
