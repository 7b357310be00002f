"""The demo's inspection plan (``seed-demo``): one plan in progress, so a newcomer sees the
to-do list on the phone and a plan's coverage in the console at once."""

from __future__ import annotations

import datetime as dt

from sync_server.core import local_time, plans
from sync_server.core.access import SYSTEM
from sync_server.core.server import Server
from sync_server.core.util import from_json

DEMO_PLAN_NAME = "Kiểm tra phòng, chống dịch Covid-19 tại cơ sở sản xuất – đợt 1"
DEMO_PLAN_TEMPLATE = "covid19-industrial"


def seed_plan(server: Server, district: str) -> str:
    """One plan in progress (once): the industrial checklist over the first demo inspector's
    district, due in 30 days, one team led by ``thanhtra1``."""
    with server.db.read() as tx:
        if tx.scalar("SELECT COUNT(*) FROM plans"):
            return "plan: exists, kept"
        kinds = tx.scalar(
            "SELECT document FROM templates WHERE template_id = ? AND status = 'published' ORDER BY version DESC",
            (DEMO_PLAN_TEMPLATE,),
        )
        lead = tx.scalar("SELECT role FROM users WHERE username = 'thanhtra1'")
    if kinds is None or lead != "inspector":
        return "plan: no industrial checklist or no thanhtra1; skipped"
    site_kinds = from_json(kinds).get("site_kinds") or []
    with server.db.read() as tx:
        marks = ", ".join("?" for _ in site_kinds)
        codes = tx.scalars(
            f"SELECT code FROM sites WHERE district = ? AND active = 1 AND kind IN ({marks}) ORDER BY code",
            [district, *site_kinds],
        )
    if not codes:
        return f"plan: no industrial site in {district}; skipped"
    today = local_time.today()
    detail = plans.create_plan(
        server.db,
        SYSTEM,
        plans.PlanInput(
            name=DEMO_PLAN_NAME,
            purpose="Kiểm tra việc thực hiện Công văn của Sở Công Thương Thái Nguyên tháng 5/2021",
            template_id=DEMO_PLAN_TEMPLATE,
            window_from=today.isoformat(),
            window_to=(today + dt.timedelta(days=30)).isoformat(),
            teams=[plans.TeamInput(name="Đoàn kiểm tra số 1", lead="thanhtra1")],
            sites=plans.SiteSelection(codes=codes),
        ),
    )
    return f"plan: '{DEMO_PLAN_NAME}' created with {len(detail.assignments)} sites in {district}"
