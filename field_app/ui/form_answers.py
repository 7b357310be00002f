"""Answering the checklist's questions: taps saved at once, typed text saved when the box is
left (or after a pause), dates and places; refused input leaves an inline message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from field_app.core import form_reading as read
from field_app.core.capabilities import Outcome, Position
from field_app.core.typing_buffer import answer_key
from field_app.ui import i18n
from field_app.ui.form_context import FormContext
from shared_schema.checklist import DateQuestion, NumberQuestion, TextQuestion


class AnswerBoxes:
    def __init__(self, ctx: FormContext):
        self._ctx = ctx

    def answer(self, qid: str, value: Any) -> bool:
        """Save a tapped answer (yes/no/N-A, a choice). Returns whether it was accepted."""
        return self._ctx.save_answer(qid, "value", value)

    def toggle_choice(self, qid: str, choice_id: str, selected: bool) -> bool:
        return self._ctx.save_answer(qid, "value", read.toggled_choices(self._ctx.view, qid, choice_id, selected))

    def clear_answer(self, qid: str) -> bool:
        return self._ctx.save_answer(qid, "value", None)

    def text_value(self, qid: str, field: str = "value") -> str:
        """What a text box shows: what is being typed, else the saved value in local conventions."""
        key = answer_key(qid, field)
        if key in self._ctx.typing:
            return self._ctx.typing[key]
        view, lang = self._ctx.view, self._ctx.lang
        stored = read.stored(view, qid, field)
        if stored is None:
            return ""
        question = view.template.question_map().get(qid)
        if field == "due_date" or (field == "value" and isinstance(question, DateQuestion)):
            return i18n.fmt_date(stored)
        if field == "value" and isinstance(question, NumberQuestion):
            return i18n.fmt_number(stored, lang).replace(".", "") if lang == "vi" else str(stored)
        return str(stored)

    def edit(self, qid: str, field: str, text: str) -> int:
        """Keep what is being typed; returns a typing mark for ``autosave``."""
        return self._ctx.typing.type(answer_key(qid, field), text)

    def autosave(self, qid: str, field: str, mark: int) -> bool:
        """Save what is being typed after a pause (``mark`` from ``edit``: nothing happens when typing
        went on since). The box keeps the typed text, so nothing moves under the cursor; closing the
        app then loses at most the last moment of typing."""
        if not self._ctx.typing.is_latest(answer_key(qid, field), mark):
            return False
        return self.commit(qid, field, keep_text=True)

    def commit(self, qid: str, field: str = "value", *, keep_text: bool = False) -> bool:
        """Save what was typed into a text box (called when the box is left or submitted)."""
        ctx = self._ctx
        key = answer_key(qid, field)
        if key not in ctx.typing:
            return True
        text = ctx.typing[key]
        question = ctx.view.template.question_map().get(qid)
        value: Any = text.strip() or None
        if value is not None and field == "value" and isinstance(question, NumberQuestion):
            number = i18n.parse_number(text, ctx.lang)
            if number is None:
                ctx.set_error(key, i18n.t(ctx.lang, "bad_number"))
                return False
            value = int(number) if question.integer and number.is_integer() else number
        elif value is not None and (field == "due_date" or (field == "value" and isinstance(question, DateQuestion))):
            value = i18n.parse_date(text)
            if value is None:
                ctx.set_error(key, i18n.t(ctx.lang, "bad_date"))
                return False
        elif field == "value" and isinstance(question, TextQuestion):
            value = text if text.strip() else None
        ok = True
        if value == read.stored(ctx.view, qid, field):
            ctx.set_error(key, None)
        else:
            ok = ctx.save_answer(qid, field, value)
        if ok and not keep_text:
            ctx.typing.drop(key)
        return ok

    def set_date(self, qid: str, field: str, day: dt.date | dt.datetime | None) -> bool:
        """Save a date picked from the calendar (a date question's value or a deadline)."""
        if day is None:
            return True
        value = (day.date() if isinstance(day, dt.datetime) else day).isoformat()
        self._ctx.typing.drop(answer_key(qid, field))
        return self._ctx.save_answer(qid, field, value)

    def set_location(self, qid: str, lat_text: str, lon_text: str) -> bool:
        """Save a location typed by hand (the fallback where there is no GPS)."""
        lang = self._ctx.lang
        lat, lon = i18n.parse_number(lat_text, lang), i18n.parse_number(lon_text, lang)
        if lat is None or lon is None:
            self._ctx.set_error(f"{qid}:value", i18n.t(lang, "bad_latlon"))
            return False
        return self.set_position(qid, lat, lon, None)

    def set_position(self, qid: str, lat: float, lon: float, accuracy_m: float | None) -> bool:
        value: dict[str, Any] = {"lat": lat, "lon": lon}
        if accuracy_m is not None:
            value["accuracy_m"] = accuracy_m
        return self._ctx.save_answer(qid, "value", value)

    def location_error(self, qid: str, message: str) -> None:
        self._ctx.set_error(f"{qid}:value", message)

    def use_position(self, qid: str, outcome: Outcome[Position]) -> bool:
        """Save the GPS position, or show why there is none (typing it stays possible)."""
        lang = self._ctx.lang
        if outcome.problem is not None or outcome.value is None:
            self.location_error(qid, outcome.problem.get(lang) if outcome.problem else i18n.t(lang, "gps_unavailable"))
            return False
        p = outcome.value
        return self.set_position(qid, p.latitude, p.longitude, p.accuracy_m)
