"""Submitting, locking and leaving a draft: what is missing, submit, discard, and the move of a
draft to a newer checklist version."""

from __future__ import annotations

from collections.abc import Callable

from field_app.core.models import AppError, InspectionView, SubmitResult
from field_app.core.version_move import MovePlan
from field_app.ui import i18n
from field_app.ui.form_context import FormContext
from shared_schema.workflow import MissingItem


class Submission:
    def __init__(self, ctx: FormContext, commit_all: Callable[[], None]):
        self._ctx = ctx
        self._commit_all = commit_all  # every box still being typed in is saved first
        self._plan: tuple[InspectionView, MovePlan | None] | None = None

    @property
    def can_discard(self) -> bool:
        """A draft never submitted (no record number) may be discarded."""
        view = self._ctx.view
        return view.editable and view.header.status == "draft" and not view.header.record_number

    def missing(self) -> list[MissingItem]:
        return list(self._ctx.view.problems)

    def discard(self) -> bool:
        """Discard this draft (the inspector confirmed it); False with the reason when refused."""
        ctx = self._ctx
        try:
            ctx.services.discard(ctx.inspection_id)
        except AppError as exc:
            ctx.say(exc.message.get(ctx.lang))
            return False
        return True

    @property
    def move_plan(self) -> MovePlan | None:
        """The move of this draft to a newer checklist version on the device, if there is one
        (worked out once for each reading of the inspection)."""
        if not self.can_discard:
            return None
        view = self._ctx.view
        if self._plan is not None and self._plan[0] is view:
            return self._plan[1]
        try:
            plan = self._ctx.services.version_move_plan(self._ctx.inspection_id)
        except AppError:
            plan = None
        self._plan = (view, plan)
        return plan

    def move_to_new_version(self, expect: MovePlan) -> str | None:
        """Move this draft to the version of ``expect`` (the plan the inspector confirmed);
        the new inspection's id, or None with the reason when refused."""
        ctx = self._ctx
        self._commit_all()
        try:
            return ctx.services.move_to_new_version(ctx.inspection_id, expect)
        except AppError as exc:
            ctx.say(exc.message.get(ctx.lang))
            return None

    def submit(self) -> SubmitResult | None:
        """Submit (or resubmit) what was entered; None (the reason said) when it could not be tried."""
        ctx = self._ctx
        self._commit_all()
        try:
            result = ctx.services.submit(ctx.inspection_id)
        except AppError as exc:
            ctx.say(exc.message.get(ctx.lang))
            return None
        ctx.reload()
        ctx.say(i18n.t(ctx.lang, "submitted_wait" if result.ok else "cannot_submit"))
        return result
