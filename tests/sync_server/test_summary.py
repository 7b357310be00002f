"""The summary report upward (``core.summary``): counts per district and kind, the price
change computed from the prices recorded in two periods, out-of-province workers counted
once per site — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from shared_schema.checklist import ChecklistTemplate, NumberQuestion, Section, YesNoQuestion
from shared_schema.records import Location
from shared_schema.text import LocalText as T
from sync_server.core import registry, summary, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Forbidden, Invalid
from tests.support.sample_checklist import SCORING
from tests.sync_server.conftest import DISTRICT_A, World
from tests.sync_server.helpers import Device

TODAY = dt.date(2026, 11, 30)


def market_template() -> ChecklistTemplate:
    return ChecklistTemplate(
        template_id="covid19-market",
        version=1,
        title=T("Chợ", "Market"),
        site_kinds=["CHO"],
        scoring=SCORING,
        sections=[
            Section(
                "prices",
                T("Giá", "Prices"),
                [
                    YesNoQuestion(id="posted", label=T("Niêm yết giá?", "Prices posted?"), weight=1),
                    *(NumberQuestion(id=qid, label=T(qid, qid), min=0) for qid in ("B4.6a", "B4.6b", "B4.6c", "B4.6d")),
                ],
            )
        ],
    )


def industrial_template() -> ChecklistTemplate:
    return ChecklistTemplate(
        template_id="covid19-industrial",
        version=1,
        title=T("Nhà máy", "Factory"),
        site_kinds=["DN_SX"],
        scoring=SCORING,
        sections=[
            Section(
                "w",
                T("Lao động", "Workers"),
                [
                    YesNoQuestion(id="plan", label=T("Có phương án?", "Has a plan?"), weight=1),
                    NumberQuestion(id="A0.3", label=T("NLĐ ngoại tỉnh", "Out-of-province workers"), min=0),
                ],
            )
        ],
    )


@pytest.fixture
def summary_world(world: World) -> World:
    for template in (market_template(), industrial_template()):
        registry.save_template(world.server.db, SYSTEM, template)
        registry.publish_template(world.server.db, SYSTEM, template.template_id, 1)
    for site_id, kind in (("cho-1", "CHO"), ("cho-2", "CHO"), ("nm-1", "DN_SX")):
        registry.create_site(
            world.server.db,
            SYSTEM,
            registry.SiteInput(
                id=site_id, code=site_id, name=site_id, kind=kind, district=DISTRICT_A, location=Location(21.5, 105.8)
            ),
        )
    return world


def push(world: World, site_id: str, template_id: str, started_at: str, answers: dict[str, object]) -> str:
    device = Device()
    inspection_id, changes = device.start_inspection(site_id, template_id=template_id)
    changes.append(device.change("inspection", inspection_id, "started_at", started_at))
    changes += [device.answer(inspection_id, qid, value) for qid, value in answers.items()]
    changes.append(device.change("inspection", inspection_id, "status", "submitted"))
    reply = sync_service.push(world.server.db, world.actor("insp_a"), device.request(changes))
    assert all(r.status == "applied" for r in reply.results), [r for r in reply.results if r.status != "applied"]
    return inspection_id


def test_the_price_change_is_the_difference_of_the_two_periods_recorded_prices(summary_world: World) -> None:
    world = summary_world
    # previous week (1–7 November): rice 15,000 and 16,000; pork 120,000
    push(world, "cho-1", "covid19-market", "2026-11-02T02:00:00Z", {"posted": "yes", "B4.6a": 15000, "B4.6b": 120000})
    push(world, "cho-2", "covid19-market", "2026-11-05T02:00:00Z", {"posted": "yes", "B4.6a": 16000})
    # the week reported (8–14 November): rice 17,000 and 18,000; pork 126,000; eggs only now
    push(world, "cho-1", "covid19-market", "2026-11-09T02:00:00Z", {"posted": "yes", "B4.6a": 17000, "B4.6b": 126000})
    push(world, "cho-2", "covid19-market", "2026-11-12T02:00:00Z", {"posted": "yes", "B4.6a": 18000, "B4.6c": 32000})
    report = summary.summary(
        world.server.db, world.actor("sup"), date_from="2026-11-08", date_to="2026-11-14", today=TODAY
    )
    assert (report.previous_from, report.previous_to) == (dt.date(2026, 11, 1), dt.date(2026, 11, 7))
    prices = {p.item.id: p for p in report.prices}
    assert prices["rice"].current == (17000 + 18000) / 2 and prices["rice"].previous == (15000 + 16000) / 2
    assert prices["rice"].change == prices["rice"].current - prices["rice"].previous == 2000
    assert prices["rice"].change_pct == round(2000 / 15500 * 100, 1)
    assert prices["pork"].change == 126000 - 120000
    assert prices["eggs"].current == 32000 and prices["eggs"].previous is None and prices["eggs"].change is None
    assert prices["vegetables"].current is None and prices["vegetables"].current_count == 0
    markets = next(r for r in report.rows if r.site_kind == "CHO")
    assert (markets.sites, markets.inspections) == (2, 2)


def test_out_of_province_workers_count_each_site_once_at_its_latest_inspection(summary_world: World) -> None:
    world = summary_world
    push(world, "nm-1", "covid19-industrial", "2026-11-09T02:00:00Z", {"plan": "yes", "A0.3": 40})
    push(world, "nm-1", "covid19-industrial", "2026-11-12T02:00:00Z", {"plan": "no", "A0.3": 55})
    report = summary.summary(
        world.server.db, world.actor("sup"), date_from="2026-11-08", date_to="2026-11-14", today=TODAY
    )
    factories = next(r for r in report.rows if r.site_kind == "DN_SX")
    assert factories.out_of_province_workers == 55 and report.total.out_of_province_workers == 55
    assert (factories.sites, factories.inspections) == (1, 2)
    assert factories.passed + factories.not_passed + factories.no_result == 2


def test_a_summary_needs_a_valid_period_and_a_reviewer(summary_world: World) -> None:
    world = summary_world
    with pytest.raises(Invalid, match="ngày bắt đầu"):
        summary.summary(world.server.db, world.actor("sup"), date_from=None, date_to="2026-11-14")
    with pytest.raises(Invalid, match="sau ngày bắt đầu"):
        summary.summary(world.server.db, world.actor("sup"), date_from="2026-11-14", date_to="2026-11-08")
    with pytest.raises(Forbidden):
        summary.summary(world.server.db, world.actor("insp_a"), date_from="2026-11-08", date_to="2026-11-14")
