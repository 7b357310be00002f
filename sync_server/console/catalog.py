"""Labels from the checklists in scope: result bands and questions, in one language."""

from __future__ import annotations

from shared_schema.checklist import ChecklistTemplate
from shared_schema.text import LocalText
from sync_server.core import registry
from sync_server.core.access import Actor
from sync_server.core.checklists import TemplateSummary
from sync_server.core.errors import ServiceError
from sync_server.core.server import Server


def checklist_documents(server: Server, viewer: Actor) -> list[ChecklistTemplate]:
    """Every checklist version the viewer may read, newest version of each checklist first."""
    docs: list[ChecklistTemplate] = []
    summaries = sorted(registry.list_templates(server.db, viewer), key=lambda s: (s.template_id, -s.version))
    for summary in summaries:
        try:
            docs.append(registry.get_template(server.db, viewer, summary.template_id, summary.version).document)
        except ServiceError:
            continue
    return docs


def band_labels(server: Server, viewer: Actor, lang: str) -> dict[str, str]:
    labels: dict[str, str] = {"none": "—"}
    for doc in checklist_documents(server, viewer):
        for band in doc.scoring.bands:
            labels.setdefault(band.id, band.label.get(lang))
    return labels


def question_labels(server: Server, viewer: Actor, lang: str) -> dict[tuple[str, str], str]:
    """(checklist id, question id) → the label in the newest version that has the question."""
    labels: dict[tuple[str, str], str] = {}
    for doc in checklist_documents(server, viewer):
        for q in doc.questions():
            labels.setdefault((doc.template_id, q.id), q.label.get(lang))
    return labels


def template_titles(summaries: list[TemplateSummary]) -> dict[str, LocalText]:
    """Checklist id → the title of its newest version among ``summaries``."""
    titles: dict[str, LocalText] = {}
    for summary in sorted(summaries, key=lambda s: s.version):
        titles[summary.template_id] = summary.title
    return titles
