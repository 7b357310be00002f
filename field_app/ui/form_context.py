"""What the parts of the inspection form share: the services, the inspection, the language, the
text being typed, and the one way each kind of change is saved and its problem shown.

Saving goes through here so every part shows a refused value the same way (an inline message
under its box, nothing changed) and reads the inspection again after a change. The observable
state (``view``, ``errors``, ``message``) lives on ``InspectionForm``: setting it redraws the screens.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from field_app.core.models import AppError, InspectionView
from field_app.core.services import AppServices
from field_app.core.typing_buffer import TypingBuffer
from field_app.ui import i18n
from shared_schema.validation import Invalid

if TYPE_CHECKING:
    from field_app.ui.form_state import InspectionForm

# How blocking work runs off the Flet event loop: ``asyncio.to_thread``, or a test's stand-in.
Runner = Callable[..., Any]


@contextlib.contextmanager
def working(owner: Any, field: str, key: str) -> Iterator[None]:
    """While the block runs, ``key`` is in the set ``owner.<field>`` (a frozenset of an observable:
    setting it redraws the screen, which shows progress there and makes its buttons wait), until
    the block ends however it ends."""
    setattr(owner, field, getattr(owner, field) | {key})
    try:
        yield
    finally:
        setattr(owner, field, getattr(owner, field) - {key})


async def store_each(
    items: Iterable[bytes], store: Callable[[bytes], object], run: Runner
) -> tuple[int, AppError | None]:
    """``store`` each item in a worker thread (``run``); how many were stored, and the last
    refusal (``AppError``) when one was not."""
    stored, refused = 0, None
    for item in items:
        try:
            await run(store, item)
            stored += 1
        except AppError as exc:
            refused = exc
    return stored, refused


class FormContext:
    def __init__(self, form: InspectionForm, services: AppServices, inspection_id: str, lang: Callable[[], str]):
        self._form = form
        self.services = services
        self.inspection_id = inspection_id
        self._lang = lang
        self.typing = TypingBuffer()

    @property
    def lang(self) -> str:
        return self._lang()

    @property
    def view(self) -> InspectionView:
        return self._form.view

    def reload(self) -> None:
        self._form.view = self.services.get_inspection(self.inspection_id)
        if not self._form.view.problems and self._form.message == i18n.t(self.lang, "cannot_submit"):
            # what stopped the last submit is settled (e.g. signed again): the refusal goes
            self._form.message = None

    def say(self, message: str | None) -> None:
        """The message shown at the top of the form."""
        self._form.message = message

    def error(self, key: str) -> str | None:
        return self._form.errors.get(key)

    def set_error(self, key: str, message: str | None) -> None:
        errors = dict(self._form.errors)
        if message:
            errors[key] = message
        else:
            errors.pop(key, None)
        self._form.errors = errors

    def working(self, key: str) -> contextlib.AbstractContextManager[None]:
        """While the block runs, ``key`` is busy (``InspectionForm.is_busy``): the screen shows
        progress there and its buttons wait, until the block ends however it ends."""
        return working(self._form, "busy", key)

    def attempt(self, key: str, save: Callable[[], object], *, clear: bool = True) -> bool:
        """Run one save: a refusal (``AppError`` raised or an ``Invalid`` returned) is shown under
        ``key`` and False returned; on success the message under ``key`` goes (unless not
        ``clear``) and the inspection is read again."""
        try:
            problem = save()
        except AppError as exc:
            problem = exc
        return self._settle(key, problem, clear)

    async def attempt_off_loop(self, key: str, save: Callable[[], object], run: Runner = asyncio.to_thread) -> bool:
        """``attempt`` with ``save`` run by ``run`` in a worker thread, so the screen stays live
        while it works (making a photo small takes seconds on a phone); what it leaves is shown
        here, on the event loop."""
        try:
            problem = await run(save)
        except AppError as exc:
            problem = exc
        return self._settle(key, problem, True)

    def _settle(self, key: str, problem: object, clear: bool) -> bool:
        if isinstance(problem, AppError | Invalid):
            self.set_error(key, problem.message.get(self.lang))
            return False
        if clear:
            self.set_error(key, None)
        self.reload()
        return True

    def save_answer(self, qid: str, field: str, value: Any) -> bool:
        return self.attempt(f"{qid}:{field}", lambda: self.services.set_answer(self.inspection_id, qid, field, value))

    def save_header(self, field: str, value: Any, error_key: str) -> bool:
        return self.attempt(error_key, lambda: self.services.set_header(self.inspection_id, field, value))
