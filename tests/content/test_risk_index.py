"""The optional Decision 2194 risk index: only the verified criteria CS1–CS3, reported incomplete."""

from __future__ import annotations

from typing import Any

import pytest

from shared_schema.checklist import RiskIndex
from shared_schema.scoring import risk_index
from sync_server.core.content import load_checklists
from tests.content.answers import compliant_values

TEMPLATE = next(t for t in load_checklists() if t.template_id == "covid19-industrial")
assert TEMPLATE.risk_index is not None
INDEX: RiskIndex = TEMPLATE.risk_index


def _points(answers: dict[str, Any]) -> dict[str, float | None]:
    values = compliant_values(TEMPLATE) | answers
    result = risk_index(INDEX, TEMPLATE, values)
    return {c.criterion: c.points for c in result.criteria}


def test_only_the_verified_criteria_are_loaded() -> None:
    assert [c.id for c in INDEX.criteria] == ["CS1", "CS2", "CS3"]
    assert [c.max_points for c in INDEX.criteria] == [10, 10, 30]
    assert [c.question for c in INDEX.criteria] == ["A0.1", "A0.2", "A0.5"]
    assert INDEX.total_points == 300 and INDEX.expected_criteria == 15
    cs3 = INDEX.criteria[2]
    assert {(lv.choice, lv.points) for lv in cs3.levels} == {("none", 0), ("f2", 5)}, "no invented CS3 levels"


def test_index_reports_incomplete_and_gives_no_band() -> None:
    values = compliant_values(TEMPLATE) | {"A0.1": 600, "A0.2": 0.8, "A0.5": "f2"}
    result = risk_index(INDEX, TEMPLATE, values)
    assert result.complete is False
    assert result.band is None and result.band_label is None
    assert (result.loaded_criteria, result.expected_criteria) == (3, 15)
    assert result.points == 6 + 10 + 5
    assert result.percent == 7.0


@pytest.mark.parametrize(
    ("workers", "points"),
    [
        (0, 1),
        (40, 1),
        (49, 1),
        (50, 2),
        (199, 2),
        (200, 4),
        (499, 4),
        (500, 6),
        (600, 6),
        (999, 6),
        (1000, 8),
        (4999, 8),
        (5000, 10),
        (20000, 10),
    ],
)
def test_cs1_points_follow_the_verified_table(workers: int, points: int) -> None:
    assert _points({"A0.1": workers})["CS1"] == points


@pytest.mark.parametrize(("area", "points"), [(0.5, 10), (0.99, 10), (1, 0), (4.5, 0)])
def test_cs2_gives_ten_points_below_one_square_metre_per_worker(area: float, points: int) -> None:
    assert _points({"A0.2": area})["CS2"] == points


@pytest.mark.parametrize(
    ("status", "points"), [("none", 0), ("f2", 5), ("f1", None), ("suspected", None), ("f0", None)]
)
def test_cs3_scores_only_the_verified_levels(status: str, points: int | None) -> None:
    assert _points({"A0.5": status})["CS3"] == points


def test_risk_bands_match_the_decision_and_only_the_lowest_has_an_action() -> None:
    assert [(b.id, b.max_percent) for b in INDEX.bands] == [
        ("very_low", 15),
        ("low", 30),
        ("medium", 50),
        ("high", 80),
        ("very_high", 100),
    ]
    assert [b.id for b in INDEX.bands if b.action is not None] == ["very_low"]
    assert [b.label.vi for b in INDEX.bands] == [
        "Rất ít nguy cơ",
        "Nguy cơ lây nhiễm thấp",
        "Nguy cơ lây nhiễm trung bình",
        "Nguy cơ lây nhiễm cao",
        "Nguy cơ lây nhiễm rất cao",
    ]


def test_only_the_industrial_checklist_carries_the_index() -> None:
    assert [t.template_id for t in load_checklists() if t.risk_index is not None] == ["covid19-industrial"]
