"""Every measure of the May 2021 directive is quoted from it and covered by checklist questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.core.content import (
    DIRECTIVE_SOURCE_PATH,
    DirectiveMeasure,
    load_checklists,
    load_directive_measures,
)

MEASURES = load_directive_measures()
TEMPLATES = {t.template_id: t for t in load_checklists()}
SOURCE = DIRECTIVE_SOURCE_PATH.read_text(encoding="utf-8")
SHARED_COPY = Path(__file__).resolve().parents[3] / "shared" / "domain" / "000_6d987c5289adbd00.txt"

# The topics the issue names for the industrial checklist; each must have a measure.
ISSUE_TOPICS = [
    "D02-plan-and-quarantine",
    "D05-decision-2194",
    "D06-random-testing",
    "D07-5k-masks",
    "D08-5k-disinfection",
    "D09-5k-distance",
    "D10-5k-no-gatherings",
    "D11-5k-health-declaration",
    "D12-violators",
    "D13-safe-living-map",
    "D14-cluster-propagation",
    "D15-health-services-training",
    "D17-out-of-province-workers",
    "D18-triage-isolation-room",
    "D19-regular-reporting",
    "D20-signed-commitment",
    "D21-goods-supply",
    "D22-no-price-rises",
    "D24-market-safe-map-form",
]


@pytest.mark.parametrize("measure", MEASURES.measures, ids=lambda m: m.id)
def test_measure_maps_to_existing_questions(measure: DirectiveMeasure) -> None:
    template = TEMPLATES[measure.checklist]
    questions = template.question_map()
    assert measure.questions, f"{measure.id} is covered by no question"
    unknown = [qid for qid in measure.questions if qid not in questions]
    assert unknown == [], f"{measure.id} names questions missing from {measure.checklist}"


@pytest.mark.parametrize("measure", MEASURES.measures, ids=lambda m: m.id)
def test_measure_quotes_the_directive_verbatim(measure: DirectiveMeasure) -> None:
    assert measure.quote_vi in SOURCE
    if measure.part is not None:
        assert measure.part in measure.quote_vi
    assert measure.en.strip()


def test_measure_ids_are_unique_and_every_issue_topic_has_one() -> None:
    ids = [m.id for m in MEASURES.measures]
    assert len(ids) == len(set(ids))
    assert set(ISSUE_TOPICS) <= set(ids)


def test_industrial_measures_map_to_the_industrial_checklist_and_market_ones_to_the_market_checklist() -> None:
    by_checklist = {m.id: m.checklist for m in MEASURES.measures}
    market = {"D21-goods-supply", "D22-no-price-rises", "D23-market-moh-measures", "D24-market-safe-map-form"}
    assert {mid for mid, c in by_checklist.items() if c == "covid19-market"} == market
    assert {c for mid, c in by_checklist.items() if mid not in market} == {"covid19-industrial"}


def test_cluster_investor_measures_are_asked_only_of_investors() -> None:
    template = TEMPLATES["covid19-industrial"]
    questions = template.question_map()
    for mid in ("D04-cluster-supervision", "D14-cluster-propagation"):
        measure = next(m for m in MEASURES.measures if m.id == mid)
        for qid in measure.questions:
            condition = questions[qid].relevant_if
            assert condition is not None and getattr(condition, "question", None) == "A0.6", qid


@pytest.mark.skipif(not SHARED_COPY.exists(), reason="the shared domain folder is not beside this checkout")
def test_shipped_source_is_an_exact_copy_of_the_domain_file() -> None:
    assert SHARED_COPY.read_text(encoding="utf-8") == SOURCE
