"""Gathers ``ReportData`` (the plain input of ``sync_server.reports``) from the server's
inspection and registry services, with the caller's access rights."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from shared_schema.checklist import ChecklistTemplate
from shared_schema.errors import Code
from shared_schema.records import InspectionHeader, Review, Site
from sync_server.core import blobs, inspection_export, inspections, registry
from sync_server.core.access import Actor
from sync_server.core.errors import NotFound, ServiceError
from sync_server.core.server import Server
from sync_server.reports.model import BlobLoader, ReportData

HEADER_FIELDS = frozenset(InspectionHeader.__struct_fields__)
PINNED_FIELDS = frozenset({"id", "site_id", "template_id", "template_version"})  # the index row's, never the feed's


def header_of(detail: inspections.InspectionDetail) -> InspectionHeader:
    """The inspection header from its feed fields; a field that does not fit the contract is
    left out rather than failing the whole page."""
    return header_from(detail.summary, detail.header)


def header_from(summary: inspections.InspectionSummary, fields: dict[str, Any]) -> InspectionHeader:
    """``header_of`` from the index row and the header fields as the feed holds them."""
    base: dict[str, Any] = {
        "id": summary.id,
        "site_id": summary.site_id,
        "template_id": summary.template_id or "",
        "template_version": summary.template_version or 0,
        "status": summary.status or "draft",
        "kind": summary.kind or "periodic",
        "score": summary.score,
        "result": summary.result,
        "inspector": summary.inspector,
    }
    extra = {k: v for k, v in fields.items() if k in HEADER_FIELDS and k not in PINNED_FIELDS}
    try:  # the usual case: every field fits, one conversion
        return msgspec.convert(base | extra, InspectionHeader)
    except msgspec.ValidationError:
        pass
    header = msgspec.convert(base, InspectionHeader)
    for name, value in extra.items():
        try:
            header = msgspec.convert({**msgspec.to_builtins(header), name: value}, InspectionHeader)
        except msgspec.ValidationError:
            continue
    return header


TemplateCache = dict[tuple[str, int], ChecklistTemplate | None]


def template_of(
    server: Server, actor: Actor, summary: inspections.InspectionSummary, cache: TemplateCache | None = None
) -> ChecklistTemplate | None:
    """The checklist version the inspection pinned (``cache`` spares decoding it per row)."""
    if not summary.template_id or not summary.template_version:
        return None
    key = (summary.template_id, summary.template_version)
    if cache is not None and key in cache:
        return cache[key]
    try:
        found: ChecklistTemplate | None = registry.get_template(server.db, actor, *key).document
    except NotFound:
        found = None
    if cache is not None:
        cache[key] = found
    return found


def site_of(detail: inspections.InspectionDetail) -> Site:
    if detail.site is not None:
        return detail.site
    s = detail.summary
    return Site(id=s.site_id, code="", name=s.site_name or s.site_id, kind=s.site_kind or "", district=s.district)


def report_data_of(
    server: Server, actor: Actor, detail: inspections.InspectionDetail, cache: TemplateCache | None = None
) -> ReportData | None:
    template = template_of(server, actor, detail.summary, cache)
    if template is None:
        return None
    return ReportData(
        header=header_of(detail),
        site=site_of(detail),
        template=template,
        answers={a.question_id: a for a in detail.answers},
        reviews=[
            Review(
                decision=r.decision,  # type: ignore[arg-type]
                comment=r.comment,
                reviewer=r.reviewer,
                decided_at=r.decided_at,
            )
            for r in detail.reviews
        ],
        inspector_name=detail.inspector_full_name,
        revised=bool(detail.history),
        actions=list(detail.actions),
    )


def report_data(server: Server, actor: Actor, inspection_id: str) -> ReportData:
    """The report input of one inspection; ``NotFound`` outside the actor's scope or when
    its checklist version is unknown."""
    detail = inspections.get_inspection(server.db, actor, inspection_id)
    data = report_data_of(server, actor, detail)
    if data is None:
        raise NotFound(
            "Biên bản chưa có bảng kiểm đã ban hành. / The inspection has no published checklist.",
            code=Code.TEMPLATE_MISSING,
        )
    return data


def blob_loader(server: Server, actor: Actor) -> BlobLoader:
    """Reads blobs the actor may see (the same check as ``GET /api/v1/blobs/{sha256}``)."""

    def load(sha256: str) -> bytes | None:
        try:
            blobs.readable(server.db, server.blobs, actor, sha256)
        except ServiceError:
            return None
        return server.blobs.path(sha256).read_bytes()

    return load


@dataclass
class ExportPlan:
    """What an export will hold, fixed before its first byte is written: the inspections
    matching the filters (in the list's order) and their checklist versions (in the order
    they first appear, which gives the columns). ``records`` then loads the inspections a
    batch at a time (``core.inspection_export``), so an export of any size streams."""

    server: Server
    actor: Actor
    inspection_ids: list[str]
    templates: list[ChecklistTemplate]
    cache: TemplateCache

    def records(self) -> Iterator[ReportData]:
        for record in inspection_export.export_records(self.server.db, self.actor, self.inspection_ids):
            template = template_of(self.server, self.actor, record.summary, self.cache)
            if template is None:
                continue
            yield ReportData(
                header=header_from(record.summary, record.header),
                site=record.site or _site_of_summary(record.summary),
                template=template,
                answers=record.answers,
                inspector_name=record.inspector_name,
            )


def _site_of_summary(s: inspections.InspectionSummary) -> Site:
    return Site(id=s.site_id, code="", name=s.site_name or s.site_id, kind=s.site_kind or "", district=s.district)


def plan_export(server: Server, actor: Actor, filters: dict[str, Any], *, include_drafts: bool = False) -> ExportPlan:
    """Every inspection matching ``filters`` (the list's filters and sort) that has a
    published checklist, without a cap; drafts only when ``include_drafts`` (or filtered for)."""
    selection = inspection_export.select_for_export(server.db, actor, filters, include_drafts=include_drafts)
    cache: TemplateCache = {}
    templates: list[ChecklistTemplate] = []
    for template_id, version in selection.template_keys:
        key = (template_id, version)
        try:
            found: ChecklistTemplate | None = registry.get_template(server.db, actor, *key).document
        except NotFound:
            found = None
        cache[key] = found
        if found is not None:
            templates.append(found)
    # ``records`` leaves out inspections of a version the registry does not hold
    return ExportPlan(server, actor, selection.inspection_ids, templates, cache)
