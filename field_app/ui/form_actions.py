"""Corrective actions on the form: the "add a corrective action" drafts of failed items, saving
them, and the photos of the finding kept with each action."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from field_app.core.capabilities import Outcome
from field_app.core.models import AppError
from field_app.ui import i18n
from field_app.ui.form_context import FormContext, Runner, store_each
from shared_schema import actions as action_rules

DRAFT_FIELDS = ("description", "deadline", "responsible_name", "responsible_phone")


class ActionDrafts:
    def __init__(self, ctx: FormContext, close_draft: Callable[[str], None]):
        self._ctx = ctx
        self._close_draft = close_draft  # the form's open drafts are observable: it closes them
        # What is typed in the drafts (kept apart from the observable form: a keystroke redraws nothing).
        self._text: dict[str, str] = {}

    def actions_for(self, qid: str) -> list[action_rules.Action]:
        ctx = self._ctx
        return [a for a in ctx.services.inspection_actions(ctx.inspection_id) if a.question_id == qid]

    def edit_action_draft(self, qid: str, field: str, text: str) -> None:
        self._text[f"{qid}:{field}"] = text

    def action_draft(self, qid: str, field: str) -> str:
        return str(self._text.get(f"{qid}:{field}", ""))

    def save_action(self, qid: str) -> bool:
        """Save the typed action of a failed item; False with the reason shown under it."""
        ctx = self._ctx
        key = f"{qid}:action"
        deadline = i18n.parse_date(self.action_draft(qid, "deadline"))
        if deadline is None:
            ctx.set_error(key, i18n.t(ctx.lang, "action_bad_date"))
            return False
        try:
            made = ctx.services.add_action(
                ctx.inspection_id,
                qid,
                self.action_draft(qid, "description"),
                deadline,
                self.action_draft(qid, "responsible_name") or None,
                self.action_draft(qid, "responsible_phone") or None,
            )
        except AppError as exc:
            ctx.set_error(key, exc.message.get(ctx.lang))
            return False
        if not isinstance(made, str):
            ctx.set_error(key, made.message.get(ctx.lang))
            return False
        for field in DRAFT_FIELDS:
            self._text.pop(f"{qid}:{field}", None)
        ctx.set_error(key, None)
        self._close_draft(qid)
        ctx.reload()
        return True

    async def add_finding_photos(
        self, action_id: str, outcome: Outcome[list[bytes]], run: Runner = asyncio.to_thread
    ) -> int:
        """Photos of the finding for one action of a failed item, from the camera or the picker
        (made small by the services in a worker thread while the screen shows them busy); why
        one was not kept is shown under the action."""
        ctx = self._ctx
        key = f"{action_id}:finding_photos"
        if outcome.problem is not None:
            ctx.set_error(key, outcome.problem.get(ctx.lang))
            return 0
        with ctx.working(key):
            added, refused = await store_each(
                outcome.value or [], partial(ctx.services.add_finding_photo, action_id), run
            )
        ctx.set_error(key, refused.message.get(ctx.lang) if refused else None)
        if added:
            ctx.reload()
        return added

    def remove_finding_photo(self, action_id: str, sha256: str) -> None:
        ctx = self._ctx
        key = f"{action_id}:finding_photos"
        ctx.attempt(key, lambda: ctx.services.remove_finding_photo(action_id, sha256), clear=False)
