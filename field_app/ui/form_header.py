"""The record's header on the complete screen: its text boxes (team, findings, representative,
record number) saved when left or after a pause, and the kind of inspection."""

from __future__ import annotations

from field_app.core.header_edits import header_change, header_text
from field_app.ui.form_context import FormContext


class HeaderBoxes:
    def __init__(self, ctx: FormContext):
        self._ctx = ctx

    def header_text(self, field: str) -> str:
        if field in self._ctx.typing:
            return self._ctx.typing[field]
        return header_text(self._ctx.view.header, field)

    def edit_header(self, field: str, text: str) -> int:
        return self._ctx.typing.type(field, text)

    def autosave_header(self, field: str, mark: int) -> bool:
        """Like ``autosave``, for a header text box."""
        if not self._ctx.typing.is_latest(field, mark):
            return False
        return self.commit_header(field, keep_text=True)

    def set_kind(self, kind: str) -> bool:
        return self._ctx.save_header("kind", kind, "header:kind")

    def commit_header(self, field: str, *, keep_text: bool = False) -> bool:
        """Save a header text box when it is left."""
        ctx = self._ctx
        if field not in ctx.typing:
            return True
        change = header_change(
            ctx.view.header, field, ctx.typing[field], self.header_text("rep_name"), self.header_text("rep_title")
        )
        if change is None:
            return True  # a title without a name cannot be saved yet: it stays in the box
        if change.value != change.stored and not ctx.save_header(change.target, change.value, f"header:{field}"):
            return False
        if not keep_text:
            ctx.typing.drop(field)
        return True
