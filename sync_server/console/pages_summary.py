"""The summary report page (báo cáo tổng hợp): a period picker and district, the tables on
screen, and the same report as XLSX and PDF (``core.summary`` does the numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get

from sync_server.console.web import lang_of, render, server_of
from sync_server.core import local_time, queries, summary
from sync_server.core.access import Actor
from sync_server.core.errors import ServiceError
from sync_server.http.routes_reports import summary_format, summary_response
from sync_server.reports.summary_report import GROUP_HEADERS, NOTE, PRICE_HEADERS, TOTAL, group_heading, period_text


def _period(query: Any) -> dict[str, str | None]:
    today = local_time.today()
    return {
        "date_from": (query.get("from") or "").strip() or (today - dt.timedelta(days=6)).isoformat(),
        "date_to": (query.get("to") or "").strip() or today.isoformat(),
        "district": (query.get("district") or "").strip() or None,
    }


@get("/summary", sync_to_thread=True, include_in_schema=False)
def summary_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    lang = lang_of(request)
    period = _period(request.query_params)
    query = urlencode(
        {
            k: v
            for k, v in {"from": period["date_from"], "to": period["date_to"], "district": period["district"]}.items()
            if v
        }
    )
    try:
        report = summary.summary(server.db, viewer, **period)
        error = None
    except ServiceError as exc:
        report, error = None, exc.detail
    return render(
        request,
        "summary.html",
        status=422 if error else 200,
        report=report,
        error=error,
        period=period,
        query=query,
        districts=queries.districts_in_scope(server.db, viewer),
        group_headers=[h.get(lang) for h in GROUP_HEADERS],
        counts=summary.COUNTS,
        heading=group_heading(lang),
        price_headers=[h.get(lang) for h in PRICE_HEADERS],
        total_label=TOTAL.get(lang),
        note=NOTE.get(lang),
        period_label=period_text(report, lang) if report else "",
    )


@get("/reports/{filename:str}", sync_to_thread=True, include_in_schema=False)
def summary_download(request: Request[Any, Any, Any], viewer: Actor, filename: str) -> Response[Any]:
    fmt = summary_format(filename)
    report = summary.summary(server_of(request).db, viewer, **_period(request.query_params))
    return summary_response(report, fmt, lang_of(request))


HANDLERS = [summary_page, summary_download]
