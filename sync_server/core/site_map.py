"""The map of sites (issue 16 part 3, "bản đồ chung sống an toàn"): every located site in the
actor's districts with the state of its latest inspection, for the console's map page.

A site's state, worst first (the marker's colour):

- ``overdue``: a corrective action of the site (from any inspection) is not verified and its
  deadline has passed (``shared_schema.actions.is_overdue``);
- ``failed``: its latest inspection's result is a band that does not pass;
- ``action_open``: a corrective action of the site is not verified, still within its deadline;
- ``passed``: its latest inspection's result passes;
- ``unscored``: inspected, but the inspection has no result yet;
- ``never``: no inspection (in the period, when one is given).

"Latest" means the newest inspection handed in (drafts never count, like exports:
``inspection_export.EXCLUDED_UNLESS_ASKED``) by the time it started, within the period when
``date_from``/``date_to`` are given. A site without coordinates is counted, not drawn.
Everything is three queries whatever the number of sites: the sites with their latest
inspection (a correlated subquery on the ``inspections_site`` index), the deadlines of those
inspections' corrective actions, and the checklist versions that say which bands pass.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from shared_schema.text import LocalText
from sync_server.core import actions as corrective_actions
from sync_server.core import local_time
from sync_server.core.access import Actor, district_filter
from sync_server.core.db import Database, equal_filters
from sync_server.core.inspection_export import EXCLUDED_UNLESS_ASKED
from sync_server.core.inspections import period_filter
from sync_server.core.template_store import pinned_template
from sync_server.core.util import from_json

STATES: dict[str, LocalText] = {
    "overdue": LocalText("Quá hạn khắc phục", "Corrective action overdue"),
    "failed": LocalText("Không đạt", "Failed"),
    "action_open": LocalText("Đang khắc phục", "Corrective action open"),
    "passed": LocalText("Đạt", "Passed"),
    "unscored": LocalText("Chưa có kết quả", "No result yet"),
    "never": LocalText("Chưa kiểm tra", "Not inspected"),
}


class MapMarker(msgspec.Struct, kw_only=True):
    site_id: str
    code: str
    name: str
    kind: str
    district: str
    lat: float
    lon: float
    state: str
    inspection_id: str | None = None
    inspected_at: str | None = None
    status: str | None = None
    score: float | None = None
    result: str | None = None
    result_label: LocalText | None = None
    open_actions: int = 0
    overdue_actions: int = 0


class DistrictLabel(msgspec.Struct, kw_only=True):
    """Where to write a district's name on a plain background: the middle of its sites."""

    name: str
    lat: float
    lon: float
    sites: int


class SiteMap(msgspec.Struct, kw_only=True):
    markers: list[MapMarker]
    districts: list[DistrictLabel]
    counts: dict[str, int]  # state → located sites
    unlocated: int  # sites matching the filters that have no coordinates


def _point(location_json: str | None) -> tuple[float, float] | None:
    if not location_json:
        return None
    value = from_json(location_json)
    if not isinstance(value, dict):
        return None
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def site_map(
    db: Database,
    actor: Actor,
    *,
    district: str | None = None,
    site_kind: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    today: dt.date | None = None,
) -> SiteMap:
    """The located active sites of the actor's districts (filtered) with their state."""
    today = today or local_time.local_day_of(dt.datetime.now(dt.UTC))
    cond, params = district_filter(actor, "s.district")
    filters, filter_params = equal_filters(("s.district", district), ("s.kind", site_kind))
    where = " WHERE s.active = 1" + cond + filters
    params += filter_params
    period, period_params = period_filter(date_from, date_to, alias="l")
    excluded = ", ".join("?" for _ in EXCLUDED_UNLESS_ASKED)
    latest = (
        "SELECT l.id FROM inspections l WHERE l.site_id = s.id"
        f" AND COALESCE(l.status, 'draft') NOT IN ({excluded})"
        + period
        + " ORDER BY COALESCE(l.started_at, l.created_at) DESC, l.id DESC LIMIT 1"
    )
    sql = (
        "SELECT s.id AS site_id, s.code, s.name, s.kind, s.district, s.location, i.id AS inspection_id,"
        " COALESCE(i.started_at, i.created_at) AS inspected_at, i.status, i.score, i.result, i.template_id,"
        " i.template_version"
        f" FROM sites s LEFT JOIN inspections i ON i.id = ({latest})" + where + " ORDER BY s.district, s.name, s.id"
    )
    with db.read() as tx:
        rows = tx.query(sql, [*EXCLUDED_UNLESS_ASKED, *period_params, *params])
        # Actions close only by verification: a later inspection never hides one.
        deadlines = corrective_actions.unclosed_by_site(
            tx, [r["site_id"] for r in rows if r["inspection_id"] is not None]
        )
        bands: dict[tuple[str, int], dict[str, Any]] = {}
        for r in rows:
            key = (r["template_id"], r["template_version"])
            if r["inspection_id"] is not None and r["template_id"] and r["template_version"] and key not in bands:
                template = pinned_template(tx, r["template_id"], r["template_version"])
                bands[key] = {b.id: b for b in template.scoring.bands} if template else {}
    markers: list[MapMarker] = []
    unlocated = 0
    today_text = today.isoformat()
    for r in rows:
        point = _point(r["location"])
        if point is None:
            unlocated += 1
            continue
        marker = MapMarker(
            site_id=r["site_id"],
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            district=r["district"],
            lat=point[0],
            lon=point[1],
            state="never",
        )
        if r["inspection_id"] is not None:
            band = bands.get((r["template_id"], r["template_version"]), {}).get(r["result"]) if r["result"] else None
            dues = deadlines.get(r["site_id"], [])
            marker.inspection_id = r["inspection_id"]
            marker.inspected_at = r["inspected_at"]
            marker.status = r["status"]
            marker.score = r["score"]
            marker.result = r["result"]
            marker.result_label = band.label if band is not None else None
            marker.overdue_actions = sum(1 for d in dues if d is not None and d[:10] < today_text)
            marker.open_actions = len(dues) - marker.overdue_actions
            if marker.overdue_actions:
                marker.state = "overdue"
            elif band is not None and not band.passing:
                marker.state = "failed"
            elif marker.open_actions:
                marker.state = "action_open"
            elif band is not None:
                marker.state = "passed"
            else:
                marker.state = "unscored"
        markers.append(marker)
    counts = {state: 0 for state in STATES}
    places: dict[str, list[MapMarker]] = {}
    for marker in markers:
        counts[marker.state] += 1
        places.setdefault(marker.district, []).append(marker)
    districts = [
        DistrictLabel(
            name=name,
            lat=sum(m.lat for m in group) / len(group),
            lon=sum(m.lon for m in group) / len(group),
            sites=len(group),
        )
        for name, group in sorted(places.items())
    ]
    return SiteMap(markers=markers, districts=districts, counts=counts, unlocated=unlocated)
