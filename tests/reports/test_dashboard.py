"""Dashboard aggregations over plain rows."""

from __future__ import annotations

import datetime as dt

import pytest

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
