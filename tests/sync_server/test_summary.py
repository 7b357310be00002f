"""The summary report upward (``core.summary``): counts per district and kind, the price
change computed from the prices recorded in two periods, out-of-province workers counted
once per site — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from shared_schema import actions as action_rules
from shared_schema.checklist import ChecklistTemplate, NumberQuestion, Question, Section, YesNoQuestion
from shared_schema.records import Location
from shared_schema.text import LocalText as T
from sync_server.core import actions as corrective_actions
from sync_server.core import registry, summary, sync_service
from sync_server.core.access import SYSTEM
from sync_server.core.errors import Forbidden, Invalid
from tests.support.sample_checklist import SCORING
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, World
from tests.sync_server.helpers import Device

TODAY = dt.date(2026, 11, 30)
TEMPLATES = {"CHO": "covid19-market", "DN_SX": "covid19-industrial"}


def _one_section_template(
    template_id: str, title: T, site_kind: str, section: tuple[str, T], questions: list[Question]
) -> ChecklistTemplate:
    return ChecklistTemplate(
        template_id=template_id,
        version=1,
        title=title,
        site_kinds=[site_kind],
        scoring=SCORING,
        sections=[Section(*section, questions)],
    )


def market_template() -> ChecklistTemplate:
    questions: list[Question] = [
        YesNoQuestion(id="posted", label=T("Niêm yết giá?", "Prices posted?"), weight=1),
        *(NumberQuestion(id=qid, label=T(qid, qid), min=0) for qid in ("B4.6a", "B4.6b", "B4.6c", "B4.6d")),
    ]
    return _one_section_template("covid19-market", T("Chợ", "Market"), "CHO", ("prices", T("Giá", "Prices")), questions)


def industrial_template() -> ChecklistTemplate:
    questions: list[Question] = [
        YesNoQuestion(id="plan", label=T("Có phương án?", "Has a plan?"), weight=1),
        NumberQuestion(id="A0.3", label=T("NLĐ ngoại tỉnh", "Out-of-province workers"), min=0),
    ]
    return _one_section_template(
        "covid19-industrial", T("Nhà máy", "Factory"), "DN_SX", ("w", T("Lao động", "Workers")), questions
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


def test_violations_found_and_fixed_equal_a_plain_count_of_generated_actions(summary_world: World) -> None:
    """Actions of every status, deadline and verification time (some on the period's local
    midnights) on inspections inside, before and after the period, handed in or drafts, in two
    districts: the grouped SQL counts equal a count made here action by action."""
    world = summary_world
    registry.create_site(
        world.server.db,
        SYSTEM,
        registry.SiteInput(id="cho-b", code="cho-b", name="cho-b", kind="CHO", district=DISTRICT_B),
    )
    sites = {"cho-1": (DISTRICT_A, "CHO"), "nm-1": (DISTRICT_A, "DN_SX"), "cho-b": (DISTRICT_B, "CHO")}
    start, end = dt.date(2026, 11, 8), dt.date(2026, 11, 14)
    first = dt.datetime.combine(start, dt.time(), tzinfo=action_rules.VIET_NAM)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=action_rules.VIET_NAM)
    report_day = dt.date(2026, 11, 12)  # "today" inside the period: the report's last day is today

    def utc(moment: dt.datetime) -> str:
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    rng = random.Random(20261130)
    moments = [first - dt.timedelta(seconds=1), first, after - dt.timedelta(seconds=1), after]
    inspections: dict[str, tuple[str, str, dt.datetime, bool]] = {}  # id → district, kind, started, handed in
    site_of: dict[str, str] = {}
    for n in range(24):
        site_id = rng.choice(sorted(sites))
        started = rng.choice([*moments, first + dt.timedelta(days=rng.randint(-6, 9), hours=rng.randint(0, 23))])
        handed_in = n % 5 != 4
        user = "insp_b" if sites[site_id][0] == DISTRICT_B else "insp_a"
        device = Device()
        inspection_id, changes = device.start_inspection(site_id, template_id=TEMPLATES[sites[site_id][1]])
        changes.append(device.change("inspection", inspection_id, "started_at", utc(started)))
        if handed_in:
            changes.append(device.change("inspection", inspection_id, "status", "submitted"))
        reply = sync_service.push(world.server.db, world.actor(user), device.request(changes))
        assert {r.status for r in reply.results} == {"applied"}
        inspections[inspection_id] = (*sites[site_id], started, handed_in)
        site_of[inspection_id] = site_id
    generated: list[corrective_actions.ActionRow] = []
    for inspection_id, (district, _, _, _) in inspections.items():
        for _ in range(rng.randint(0, 5)):
            status = rng.choice(action_rules.ACTION_STATUSES)
            deadline = rng.choice([None, *(str(start + dt.timedelta(days=d)) for d in (-3, 2, 4, 9))])
            fixed_on = rng.choice([None, *(str(start + dt.timedelta(days=d)) for d in (1, 4, 5))])
            verified = rng.choice([*moments, first + dt.timedelta(days=rng.randint(-4, 10), hours=3)])
            generated.append(
                corrective_actions.ActionRow(
                    id=str(uuid.uuid4()),
                    inspection_id=inspection_id,
                    question_id="posted",
                    site_id=site_of[inspection_id],
                    district=district,
                    deadline=deadline,
                    status=status,
                    fixed_on=fixed_on if status in ("reported_fixed", "verified") else None,
                    created_by="insp_a",
                    created_at=utc(first),
                    updated_at=utc(first),
                    verified_at=utc(verified) if status == "verified" else None,
                )
            )
    with world.server.db.write() as tx:
        for row in generated:
            corrective_actions.insert_row(tx, row)

    expected: dict[tuple[str, str], list[int]] = {}
    for a in generated:
        district, kind, started, handed_in = inspections[a.inspection_id]
        if not handed_in:
            continue
        found = first <= started < after
        verified_at = dt.datetime.fromisoformat(a.verified_at) if a.verified_at else None
        fixed = verified_at is not None and first <= verified_at < after
        as_read = action_rules.Action(id=a.id, status=a.status, deadline=a.deadline, fixed_on=a.fixed_on)
        counts = expected.setdefault((district, kind), [0, 0, 0, 0, 0])
        counts[0] += found
        counts[1] += found and action_rules.is_overdue(a.status, a.deadline, report_day)
        counts[2] += found and a.status == "reported_fixed"
        counts[3] += fixed
        counts[4] += fixed and action_rules.fixed_on_time(as_read) is True
    columns = ("actions", "overdue", "awaiting", "fixed", "fixed_on_time")
    # and the inspections: handed in and started in the period, sites counted once per group
    visits: dict[tuple[str, str], list[str]] = {}
    for inspection_id, (district, kind, started, handed_in) in inspections.items():
        if handed_in and first <= started < after:
            visits.setdefault((district, kind), []).append(site_of[inspection_id])
    report = summary.summary(
        world.server.db, world.actor("admin"), date_from=str(start), date_to=str(end), today=report_day
    )
    got = {(r.district, r.site_kind): [getattr(r, c) for c in columns] for r in report.rows}
    assert {k: v for k, v in got.items() if any(v)} == {k: v for k, v in expected.items() if any(v)}
    assert [getattr(report.total, c) for c in columns] == [sum(v[i] for v in expected.values()) for i in range(5)]
    assert report.total.fixed > 0 and report.total.actions > 0 and report.total.fixed_on_time > 0
    got_visits = {(r.district, r.site_kind): (r.sites, r.inspections) for r in report.rows if r.inspections}
    assert got_visits == {k: (len(set(v)), len(v)) for k, v in visits.items()}
    assert report.total.inspections == sum(len(v) for v in visits.values()) > 0
    assert report.total.no_result == report.total.inspections  # no scored answers were given
    # A supervisor's report holds their district only; a district asked for narrows an admin's.
    own = summary.summary(world.server.db, world.actor("sup"), date_from=str(start), date_to=str(end), today=report_day)
    only_b = summary.summary(
        world.server.db,
        world.actor("admin"),
        date_from=str(start),
        date_to=str(end),
        district=DISTRICT_B,
        today=report_day,
    )
    for part, district in ((own, DISTRICT_A), (only_b, DISTRICT_B)):
        assert {r.district for r in part.rows} <= {district}
        assert [getattr(part.total, c) for c in columns] == [
            sum(v[i] for k, v in expected.items() if k[0] == district) for i in range(5)
        ]
