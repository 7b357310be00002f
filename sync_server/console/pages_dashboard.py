"""The supervisors' dashboard: inspections per day, results by district and site kind,
sites not inspected lately, overdue corrective actions."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get

from sync_server.console import catalog
from sync_server.console.web import lang_of, render, server_of
from sync_server.core import dashboard_query, local_time, plans, queries
from sync_server.core.access import Actor
from sync_server.reports import dashboard

WINDOWS = (7, 30, 90, 180)


@get("/dashboard", sync_to_thread=True, include_in_schema=False)
def dashboard_page(request: Request[Any, Any, Any], viewer: Actor, days: int = 30) -> Response[str]:
    server = server_of(request)
    lang = lang_of(request)
    days = days if days in WINDOWS else 30
    today = local_time.today()
    sites = queries.dashboard_sites(server.db, viewer)
    figures = dashboard_query.figures(server.db, viewer, sites, days, today)
    labels = catalog.question_labels(server, viewer, lang)
    actions = [
        msgspec.structs.replace(a, question_label=labels.get((a.template_id or "", a.question_id), a.question_id))
        for a in queries.corrective_actions(server.db, viewer)
    ]
    # an action leaves the overdue list only when verified, never because of a later inspection
    overdue = dashboard.overdue_actions(actions, today)
    return render(
        request,
        "dashboard.html",
        days=days,
        windows=WINDOWS,
        today=today,
        per_day=figures.per_day,
        max_day=max((d.count for d in figures.per_day), default=0),
        by_district=figures.by_district,
        by_kind=figures.by_kind,
        status_counts=figures.status_counts,
        gaps=figures.gaps,
        overdue=overdue,
        actions_by_district=dashboard.action_figures(actions, "district", today),
        actions_by_kind=dashboard.action_figures(actions, "site_kind", today),
        band_labels=catalog.band_labels(server, viewer, lang),
        active_plans=plans.active_plans(server.db, viewer),
        planned_sites=plans.sites_in_open_plans(server.db, viewer),
    )


HANDLERS = [dashboard_page]
