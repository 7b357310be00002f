"""Dashboard aggregations over plain rows, and the same figures computed by the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_server.core import dashboard_query, local_time, queries
from sync_server.core.access import Actor
from sync_server.core.config import ServerConfig
from sync_server.core.db import Database
from sync_server.core.derived import started_key
from sync_server.core.migrations import MIGRATIONS_DIR
from sync_server.core.server import Server
from sync_server.reports.dashboard import (
    ActionRow,
    InspectionRow,
    SiteRow,
    inspections_per_day,
    overdue_actions,
    results_by,
    sites_not_inspected,
    status_counts,
)
from sync_server.reports.formatting import local_day
from tests.support import postgres


def row(
    i: int,
    site: str,
    started: str,
    status: str = "approved",
    result: str | None = "pass",
    district: str = "TP Sông Công",
    kind: str = "KCN",
) -> InspectionRow:
    return InspectionRow(
        id=f"i{i}", site_id=site, district=district, site_kind=kind, status=status, started_at=started, result=result
    )


ROWS = [
    row(1, "a", "2021-08-01T01:00:00Z"),
    row(2, "a", "2021-08-01T20:00:00Z", result="fail"),  # 03:00 on 2 August in Viet Nam
    row(3, "b", "2021-08-03T02:00:00Z", district="H. Phú Bình", kind="CHO"),
    row(4, "b", "2021-08-03T03:00:00Z", status="draft", result=None),
    row(5, "c", "2021-06-01T03:00:00Z", status="submitted", result=None, district="H. Phú Bình"),
]


def test_inspections_per_day_counts_local_days_and_skips_drafts() -> None:
    counts = inspections_per_day(ROWS, dt.date(2021, 8, 1), dt.date(2021, 8, 4))
    assert [(c.day.day, c.count) for c in counts] == [(1, 1), (2, 1), (3, 1), (4, 0)]


def test_results_by_district_and_by_site_kind() -> None:
    assert results_by(ROWS, "district") == {
        "H. Phú Bình": {"pass": 1, "none": 1},
        "TP Sông Công": {"pass": 1, "fail": 1},
    }
    assert results_by(ROWS, "site_kind") == {"CHO": {"pass": 1}, "KCN": {"pass": 1, "fail": 1, "none": 1}}
    with pytest.raises(ValueError, match="district or site_kind"):
        results_by(ROWS, "inspector")


def test_status_counts() -> None:
    assert status_counts(ROWS) == {"approved": 3, "draft": 1, "submitted": 1}


def test_sites_not_inspected_lists_never_inspected_first_then_longest_gap() -> None:
    sites = [
        SiteRow(id="a", code="A", name="KCN Sông Công I", kind="KCN", district="TP Sông Công"),
        SiteRow(id="c", code="C", name="Chợ Thái", kind="CHO", district="H. Phú Bình"),
        SiteRow(id="d", code="D", name="Nhà trọ Minh Anh", kind="NT", district="H. Phú Bình"),
        SiteRow(id="e", code="E", name="Closed", kind="NT", district="H. Phú Bình", active=False),
    ]
    gaps = sites_not_inspected(sites, ROWS, days=30, today=dt.date(2021, 8, 10))
    assert [(g.site.id, g.days_since) for g in gaps] == [("d", None), ("c", 70)]


def test_overdue_actions_most_overdue_first_and_followed_up_ones_dropped() -> None:
    def action(insp: str, site: str, due: str | None) -> ActionRow:
        return ActionRow(
            inspection_id=insp,
            site_id=site,
            site_name=site,
            question_id="q",
            question_label="Q",
            corrective_action="fix",
            due_date=due,
            inspected_at="2021-08-01T02:00:00Z",
        )

    actions = [
        action("i1", "a", "2021-08-05"),
        action("i2", "b", "2021-08-08"),
        action("i3", "c", "2021-08-20"),
        action("i4", "d", None),
        action("i5", "e", "2021-08-02"),
    ]
    overdue = overdue_actions(actions, dt.date(2021, 8, 10), resolved_sites={"e": dt.date(2021, 8, 9)})
    assert [(o.action.inspection_id, o.days_overdue) for o in overdue] == [("i1", 5), ("i2", 2)]


# --- The dashboard in SQL gives the same figures as the pure functions above -------------------
#
# The pure functions over every inspection row (what the console did before) are the reference;
# ``dashboard_query`` asks the database for grouped figures. Generated registries (districts,
# statuses, results, start times on both sides of the Viet Nam midnight — 17:00 UTC — in every
# ISO 8601 form a device may send) must give identical figures on SQLite and PostgreSQL.

ZONES = ("Asia/Ho_Chi_Minh", "Asia/Kolkata", "America/New_York")
DISTRICTS = ("TP Sông Công", "H. Phú Bình", "TX Phổ Yên")
KINDS = ("KCN", "CHO", "NT", "DN_SX")
STATUSES = (None, "draft", "submitted", "approved", "returned", "rejected")
RESULTS = (None, "", "pass", "fail", "conditional")
EPOCH = dt.datetime(2021, 8, 1, tzinfo=dt.UTC)
# times of day around the midnights of Viet Nam (17:00 UTC), India (18:30 UTC) and New York
CLOCKS = (
    dt.time(16, 59, 59),
    dt.time(17, 0, 0),
    dt.time(17, 0, 1),
    dt.time(18, 29, 59),
    dt.time(18, 30),
    dt.time(3, 59, 59),
    dt.time(4, 0),
    dt.time(5, 0),
    dt.time(0, 0),
    dt.time(23, 59, 59, 999000),
    dt.time(9, 15, 30, 250000),
)


def _iso(moment: dt.datetime, form: int) -> str:
    """One of the ways a valid ISO 8601 time can be written (all read by ``local_day``)."""
    match form:
        case 0:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        case 1:
            return moment.isoformat(timespec="seconds")  # +00:00, what the app sends
        case 2:
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")  # what the server writes
        case 3:
            return moment.isoformat(timespec="microseconds")
        case 4:
            return moment.strftime("%Y-%m-%dT%H:%M:%S")  # naive: UTC
        case 5:
            return moment.astimezone(dt.timezone(dt.timedelta(hours=7))).isoformat(timespec="seconds")
        case 6:
            return moment.astimezone(dt.timezone(dt.timedelta(hours=-5, minutes=-30))).isoformat()
        case 7:
            return moment.strftime("%Y-%m-%d %H:%M:%S")
        case 8:
            return moment.strftime("%Y-%m-%dT%H:%MZ")
        case 9:
            return moment.strftime("%Y-%m-%d")
        case _:
            return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "-00:00"


@st.composite
def moments(draw: st.DrawFn) -> str:
    day = draw(st.integers(-12, 12) | st.integers(-200, 12))
    clock = draw(st.sampled_from(CLOCKS) | st.times())
    moment = dt.datetime.combine(EPOCH.date() + dt.timedelta(days=day), clock, tzinfo=dt.UTC)
    return _iso(moment, draw(st.integers(0, 10) | st.just(1)))


@st.composite
def registries(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    n_sites = draw(st.integers(1, 8))
    sites = [
        (
            f"s{i}",
            f"S{i}",
            draw(st.sampled_from(("Chợ Thái", "KCN Sông Công I", "Nhà trọ Minh Anh"))) + f" {i % 3}",
            draw(st.sampled_from(KINDS)),
            draw(st.sampled_from(DISTRICTS)),
            int(draw(st.booleans() | st.just(True))),
            "2021-01-01T00:00:00Z",
        )
        for i in range(n_sites)
    ]
    inspections = []
    for i in range(draw(st.integers(0, 40))):
        site = draw(st.integers(0, n_sites))  # n_sites: a site the registry no longer has
        district = (
            sites[site][4]
            if site < n_sites and draw(st.booleans() | st.just(True))
            else draw(st.sampled_from(DISTRICTS))
        )
        started = draw(st.none() | moments())
        created = draw(moments())
        inspections.append(
            (
                f"i{i}",
                f"s{site}",
                district,
                draw(st.sampled_from(STATUSES)),
                draw(st.sampled_from(RESULTS)),
                started,
                created,
                created,
            )
        )
    return sites, inspections


@pytest.fixture(scope="module", params=("sqlite", "postgres"))
def dashboard_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'registry.db'}"
        server = Server.open(ServerConfig(database_url=url, blob_dir=tmp_path_factory.mktemp("blobs")))
        yield server.db
        server.close()
        return
    with postgres.fresh_database("dash") as url:
        server = Server.open(ServerConfig(database_url=url, blob_dir=tmp_path_factory.mktemp("blobs")))
        yield server.db
        server.close()


BACKFILL = next(
    statement.strip()
    for statement in (MIGRATIONS_DIR / "both" / "0010_list_indexes.sql").read_text(encoding="utf-8").split(";")
    if "UPDATE inspections SET started_key" in statement
)


def _load(db: Database, sites: list[tuple[Any, ...]], inspections: list[tuple[Any, ...]], via: str = "write") -> None:
    """The rows, with ``started_key`` made as a push makes it (``via="write"``) or left empty
    and filled by migration 0010's SQL (``via="migration"``), so both are compared."""
    with db.write() as tx:
        tx.execute("DELETE FROM inspections")
        tx.execute("DELETE FROM sites")
        tx.executemany(
            "INSERT INTO sites (id, code, name, kind, district, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)", sites
        )
        tx.executemany(
            "INSERT INTO inspections (id, site_id, district, status, result, started_at, created_at, updated_at,"
            " started_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r, started_key(r[5], r[6]) if via == "write" else None) for r in inspections],
        )
        if via == "migration":
            tx.execute(BACKFILL)


ADMIN = Actor(user_id="u-admin", username="admin", role="admin")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    registry=registries(),
    zone=st.sampled_from(ZONES),
    today=st.dates(dt.date(2021, 7, 20), dt.date(2021, 8, 20)),
    days=st.sampled_from((1, 7, 30, 90, 180)),
    scope=st.sets(st.sampled_from(DISTRICTS), max_size=2) | st.none(),
    via=st.sampled_from(("write", "migration")),
)
def test_dashboard_in_sql_equals_the_python_reference(
    dashboard_db: Database,
    registry: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]],
    zone: str,
    today: dt.date,
    days: int,
    scope: set[str] | None,
    via: str,
) -> None:
    _load(dashboard_db, *registry, via=via)
    actor = ADMIN if scope is None else Actor("u-sup", "sup", "supervisor", frozenset(scope))
    local_time.configure(zone)
    try:
        rows = queries.dashboard_inspections(dashboard_db, actor)
        sites = queries.dashboard_sites(dashboard_db, actor)
        figures = dashboard_query.figures(dashboard_db, actor, sites, days, today)
        assert figures.per_day == inspections_per_day(rows, today - dt.timedelta(days=days - 1), today)
        assert figures.by_district == results_by(rows, "district")
        assert figures.by_kind == results_by(rows, "site_kind")
        assert figures.status_counts == status_counts(rows)
        assert figures.gaps == sites_not_inspected(sites, rows, days, today)
    finally:
        local_time.configure(local_time.DEFAULT_TIMEZONE)


def test_dashboard_in_sql_counts_the_viet_nam_day_of_an_evening_utc_start(dashboard_db: Database) -> None:
    """16:59 UTC is still 1 August in Viet Nam, 17:00 UTC is already 2 August."""
    site = ("s0", "S0", "Chợ Thái", "CHO", DISTRICTS[0], 1, "2021-01-01T00:00:00Z")
    _load(
        dashboard_db,
        [site],
        [
            ("i1", "s0", DISTRICTS[0], "submitted", None, "2021-08-01T16:59:59Z", "2021-08-01T00:00:00Z", "x"),
            ("i2", "s0", DISTRICTS[0], "approved", "pass", "2021-08-01T17:00:00+00:00", "2021-08-01T00:00:00Z", "x"),
            ("i3", "s0", DISTRICTS[0], "approved", "fail", "2021-08-02T06:00:00+07:00", "2021-08-01T00:00:00Z", "x"),
            ("i4", "s0", DISTRICTS[0], "draft", None, "2021-08-02T01:00:00Z", "2021-08-01T00:00:00Z", "x"),
        ],
    )
    per_day = dashboard_query.inspections_per_day(dashboard_db, ADMIN, dt.date(2021, 8, 1), dt.date(2021, 8, 3))
    assert [(d.day.day, d.count) for d in per_day] == [(1, 1), (2, 2), (3, 0)]
    assert dashboard_query.last_inspected_per_site(dashboard_db, ADMIN) == {"s0": dt.date(2021, 8, 2)}


@pytest.mark.parametrize("via", ["write", "migration"])
@pytest.mark.parametrize("zone", ZONES)
def test_dashboard_in_sql_reads_every_time_form_at_every_midnight_like_python(
    dashboard_db: Database, zone: str, via: str
) -> None:
    """Every form of a time × every clock near a midnight, one site each, so the latest day per
    site compares each row on its own and the per-day counts compare them together."""
    sites, inspections = [], []
    for c, clock in enumerate(CLOCKS):
        for form in range(11):
            n = len(sites)
            sites.append((f"s{n}", f"S{n}", f"Cơ sở {n}", KINDS[n % 4], DISTRICTS[n % 3], 1, "2021-01-01T00:00:00Z"))
            moment = dt.datetime.combine(EPOCH.date() + dt.timedelta(days=c % 3), clock, tzinfo=dt.UTC)
            started = _iso(moment, form)
            inspections.append((f"i{n}", f"s{n}", DISTRICTS[n % 3], "submitted", None, started, started, started))
    _load(dashboard_db, sites, inspections, via)
    local_time.configure(zone)
    try:
        rows = queries.dashboard_inspections(dashboard_db, ADMIN)
        site_rows = queries.dashboard_sites(dashboard_db, ADMIN)
        today = dt.date(2021, 8, 4)
        figures = dashboard_query.figures(dashboard_db, ADMIN, site_rows, 5, today)
        assert figures.per_day == inspections_per_day(rows, today - dt.timedelta(days=4), today)
        assert dashboard_query.last_inspected_per_site(dashboard_db, ADMIN) == {
            r.site_id: day for r in rows if (day := local_day(r.started_at)) is not None
        }
        assert figures.gaps == sites_not_inspected(site_rows, rows, 5, today)
    finally:
        local_time.configure(local_time.DEFAULT_TIMEZONE)
