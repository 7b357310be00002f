"""One question on screen, for every question kind of the checklist schema."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.core.capabilities import Capabilities
from field_app.ui import i18n
from field_app.ui.basis import legal_basis
from field_app.ui.form_state import InspectionForm
from field_app.ui.views import widgets as w
from field_app.ui.views.blob_image import BlobImage
from field_app.ui.views.signature_pad import SIGNATURE_TEXTS, SignaturePad
from shared_schema import actions as action_rules
from shared_schema import checklist as cl

# Typed answers are saved after this pause in typing (and whenever the box is left).
AUTOSAVE_PAUSE_S = 1.5
THUMB_SIZE = 72


def photo_thumb(form: InspectionForm, sha: str, label: str) -> ft.Control:
    """A photo's thumbnail (a grey tile with an image icon until it is loaded)."""
    return BlobImage(
        form.blob_bytes,
        sha,
        label,
        THUMB_SIZE,
        THUMB_SIZE,
        placeholder=ft.Icon(ft.Icons.IMAGE, color=ft.Colors.GREY_600),
        key=f"thumb:{sha}",
    )


def signature_texts(form: InspectionForm) -> dict[str, str]:
    return {k: i18n.t(form.lang, k) for k in SIGNATURE_TEXTS}


# The calendar in the screen's language: Vietnamese (Monday first, dd/mm/yyyy) or British English
# (also Monday first and dd/mm/yyyy); the page lists both as supported (field_app.ui.app).
PICKER_LOCALES = {"vi": ft.Locale("vi", "VN"), "en": ft.Locale("en", "GB")}


def date_box(form: InspectionForm, qid: str, field: str, label: str, question: str) -> ft.Control:
    """A date typed as dd/mm/yyyy, or picked from a calendar (``label``: a few words on the box;
    ``question``: what the calendar button says it is for)."""
    lang = form.lang

    def pick(e: Any) -> None:
        stored = form.value(qid) if field == "value" else form.answer_field(qid, field)
        current = i18n.parse_date(stored or "") if stored else None
        # a correction deadline cannot lie in the past: the calendar starts today
        first = dt.datetime.combine(dt.date.today(), dt.time()) if field == "due_date" else dt.datetime(2000, 1, 1)
        initial = dt.datetime.fromisoformat(current) if current else dt.datetime.now()
        picker = ft.DatePicker(
            value=max(initial, first),
            first_date=first,
            last_date=dt.datetime(2100, 12, 31),
            confirm_text=i18n.t(lang, "confirm"),
            cancel_text=i18n.t(lang, "cancel"),
            locale=PICKER_LOCALES.get(lang),
            help_text=i18n.t(lang, "date_picker_help"),
            field_hint_text=i18n.t(lang, "date_hint"),
            field_label_text=i18n.t(lang, "date_label"),
            error_format_text=i18n.t(lang, "bad_date"),
            on_change=lambda ev: form.set_date(qid, field, ev.control.value),
        )
        ft.context.page.show_dialog(picker)

    box = text_box(form, qid, field, label, keyboard=ft.KeyboardType.DATETIME, hint=i18n.t(lang, "date_hint"))
    if not form.editable:
        return box
    return ft.Row(
        [
            ft.Container(content=box, expand=True),
            w.icon_action(ft.Icons.CALENDAR_MONTH, i18n.t(lang, "choose_date", label=question), pick),
        ]
    )


def text_box(
    form: InspectionForm,
    qid: str,
    field: str,
    label: str,
    *,
    multiline: bool = False,
    keyboard: ft.KeyboardType = ft.KeyboardType.TEXT,
    hint: str | None = None,
    suffix: str | None = None,
) -> ft.Control:
    """A text box saved after a pause in typing, and when it is left or submitted."""

    async def typed(e: Any) -> None:
        mark = form.edit(qid, field, e.control.value or "")
        await asyncio.sleep(AUTOSAVE_PAUSE_S)
        form.autosave(qid, field, mark)

    return ft.TextField(
        label=label,
        value=form.text_value(qid, field),
        hint_text=hint,
        suffix=suffix,
        multiline=multiline,
        min_lines=2 if multiline else None,
        keyboard_type=keyboard,
        error=form.error(qid, field),
        read_only=not form.editable,
        on_change=typed,
        on_blur=lambda e: form.commit(qid, field),
        on_submit=lambda e: form.commit(qid, field),
    )


def photo_row(form: InspectionForm, qid: str, caps: Capabilities, *, label: str) -> ft.Control:
    lang = form.lang
    photos = form.photos(qid)
    busy = form.is_busy(qid, "photos")

    async def pick(e: Any) -> None:
        await form.add_photos(qid, await caps.pick_photos())

    async def shoot(e: Any) -> None:
        await form.add_photos(qid, await caps.take_photo())

    thumbs: list[ft.Control] = []
    for n, sha in enumerate(photos, start=1):
        image = photo_thumb(form, sha, f"{label} {n}")
        remove = (
            w.icon_action(
                ft.Icons.DELETE, i18n.t(lang, "remove_photo", n=n), lambda e, s=sha: form.remove_photo(qid, s)
            )
            if form.editable
            else None
        )
        thumbs.append(
            ft.Column(w.compact([image, remove]), spacing=0, horizontal_alignment=ft.CrossAxisAlignment.CENTER)
        )
    return ft.Column(
        w.compact(
            [
                ft.Row(thumbs, wrap=True) if thumbs else None,
                ft.Row(
                    w.compact(
                        [
                            w.action(
                                i18n.t(lang, "take_photo"),
                                shoot,
                                icon=ft.Icons.PHOTO_CAMERA,
                                primary=True,
                                disabled=busy,
                            )
                            if caps.has_camera and form.editable
                            else None,
                            w.action(
                                i18n.t(lang, "add_photo"),
                                pick,
                                icon=ft.Icons.ADD_A_PHOTO,
                                disabled=not form.editable or not caps.has_picker or busy,
                            ),
                            w.muted(i18n.t(lang, "photos_count", count=len(photos))),
                        ]
                    ),
                    wrap=True,
                ),
                w.working_note(i18n.t(lang, "photo_processing")) if busy else None,
                w.error_text(form.error(qid, "photos")),
            ]
        ),
        spacing=4,
    )


def _coordinate_box(label: str, text: str, editable: bool, on_text: Callable[[str], None]) -> ft.Control:
    """A latitude or longitude typed by hand (where there is no GPS)."""
    return ft.TextField(
        label=label,
        value=text,
        expand=True,
        read_only=not editable,
        keyboard_type=ft.KeyboardType.NUMBER,
        on_change=lambda e: on_text(e.control.value or ""),
    )


@ft.component
def LocationEditor(form: InspectionForm, qid: str, caps: Capabilities) -> ft.Control:
    lang = form.lang
    current = form.value(qid) or {}
    lat, set_lat = ft.use_state(i18n.fmt_number(current["lat"], lang) if "lat" in current else "")
    lon, set_lon = ft.use_state(i18n.fmt_number(current["lon"], lang) if "lon" in current else "")

    async def use_gps(e: Any) -> None:
        form.use_position(qid, await caps.locate())

    saved = (
        w.muted(
            i18n.t(
                lang,
                "location_saved",
                lat=i18n.fmt_number(current["lat"], lang),
                lon=i18n.fmt_number(current["lon"], lang),
            )
        )
        if "lat" in current
        else None
    )
    return ft.Column(
        w.compact(
            [
                saved,
                w.action(i18n.t(lang, "use_gps"), use_gps, icon=ft.Icons.MY_LOCATION)
                if caps.has_location and form.editable
                else None,
                ft.Row(
                    [
                        _coordinate_box(i18n.t(lang, "latitude"), lat, form.editable, set_lat),
                        _coordinate_box(i18n.t(lang, "longitude"), lon, form.editable, set_lon),
                    ]
                ),
                w.action(i18n.t(lang, "save_location"), lambda e: form.set_location(qid, lat, lon), icon=ft.Icons.PLACE)
                if form.editable
                else None,
            ]
        ),
        spacing=6,
    )


def _input(form: InspectionForm, q: cl.Question, caps: Capabilities) -> ft.Control:
    lang = form.lang
    value = form.value(q.id)
    label = q.label.get(lang)
    disabled = not form.editable
    match q:
        case cl.YesNoQuestion():
            options = [("yes", "yes"), ("no", "no")] + ([("na", "na")] if q.allow_na else [])
            return ft.RadioGroup(
                value=value,
                disabled=disabled,
                on_change=lambda e: form.answer(q.id, e.control.value),
                content=ft.Row([ft.Radio(value=v, label=i18n.t(lang, k)) for v, k in options], wrap=True),
            )
        case cl.SingleChoiceQuestion():
            return ft.Column(
                w.compact(
                    [
                        ft.RadioGroup(
                            value=value,
                            disabled=disabled,
                            on_change=lambda e: form.answer(q.id, e.control.value),
                            content=ft.Column(
                                [ft.Radio(value=c.id, label=c.label.get(lang)) for c in q.choices], spacing=0
                            ),
                        ),
                        _specify_box(form, q),
                    ]
                ),
                spacing=4,
            )
        case cl.MultipleChoiceQuestion():
            chosen = set(value or [])
            return ft.Column(
                w.compact(
                    [
                        *[
                            ft.Checkbox(
                                label=c.label.get(lang),
                                value=c.id in chosen,
                                disabled=disabled,
                                on_change=lambda e, cid=c.id: form.toggle_choice(q.id, cid, bool(e.control.value)),
                            )
                            for c in q.choices
                        ],
                        _specify_box(form, q),
                    ]
                ),
                spacing=0,
            )
        case cl.NumberQuestion():
            return text_box(
                form,
                q.id,
                "value",
                i18n.t(lang, "answer_number"),
                keyboard=ft.KeyboardType.NUMBER,
                suffix=q.unit.get(lang) if q.unit else None,
            )
        case cl.TextQuestion():
            return text_box(form, q.id, "value", i18n.t(lang, "answer_text"), multiline=q.multiline)
        case cl.DateQuestion():
            return date_box(form, q.id, "value", i18n.t(lang, "date_label"), label)
        case cl.PhotoQuestion():
            return photo_row(form, q.id, caps, label=label)
        case cl.SignatureQuestion():
            name = ft.TextField(
                label=i18n.t(lang, "signer_name_only"),  # who signs is the card's title
                value=form.signer_name(q.id),
                read_only=disabled,
                dense=True,
                on_change=lambda e: form.type_signer_name(q.id, e.control.value or ""),
                on_blur=lambda e: form.set_signer_name(q.id, e.control.value or ""),
                on_submit=lambda e: form.set_signer_name(q.id, e.control.value or ""),
            )
            # as on the paper record: the signature, then the signer's full name under it
            return ft.Column(
                [
                    SignaturePad(
                        label,
                        signature_texts(form),
                        lambda strokes, w_, h_: form.save_signature(q.id, strokes, w_, h_),
                        signed_sha=form.signature_sha(q.id),
                        load_image=form.blob_bytes,
                        signed_caption=form.signature_caption(q.id),
                        stale_text=form.stale_text(form.value(q.id)),
                        disabled=disabled,
                        key=f"pad:{q.id}",
                    ),
                    name,
                ],
                spacing=6,
            )
        case cl.LocationQuestion():
            return LocationEditor(form, q.id, caps, key=f"loc:{q.id}")
    return w.muted(str(value))


def _specify_box(form: InspectionForm, q: cl.Question) -> ft.Control | None:
    """The box for what an "other (specify)" choice is, while such a choice is chosen."""
    if not form.needs_specify(q.id):
        return None
    return ft.Container(
        text_box(form, q.id, "other", i18n.t(form.lang, "other_specify")),
        padding=ft.Padding.only(left=32, top=4),
    )


def _note_block(form: InspectionForm, q: cl.Question) -> ft.Control | None:
    """A note on any question: a button, and the box once it is asked for or a note exists."""
    if isinstance(q, cl.SignatureQuestion):
        return None
    lang = form.lang
    if form.note_open(q.id):
        return text_box(form, q.id, "note", i18n.t(lang, "note"), multiline=True)
    if not form.editable:
        return None
    return ft.Row(
        [ft.TextButton(i18n.t(lang, "add_note"), icon=ft.Icons.EDIT_NOTE, on_click=lambda e: form.open_note(q.id))]
    )


def _basis_block(form: InspectionForm, q: cl.Question) -> list[ft.Control]:
    """The "Căn cứ" toggle and, when open, the legal basis in words (nothing for design notes)."""
    text = legal_basis(q.basis)
    if text is None:
        return []
    lang = form.lang
    shown = form.basis_open(q.id)
    toggle = ft.TextButton(
        i18n.t(lang, "basis_hide" if shown else "basis_show"),
        icon=ft.Icons.GAVEL,
        on_click=lambda e: form.toggle_basis(q.id),
        style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=4)),
    )
    if not shown:
        return [ft.Row([toggle])]
    return [ft.Row([toggle]), ft.Text(text, size=12, color=w.MUTED)]


def _notice_words(form: InspectionForm, qid: str | None) -> list[ft.Control]:
    return [w.warning_box(n.message.get(form.lang)) for n in form.notices_for(qid)]


def finding_photos_row(form: InspectionForm, a: action_rules.Action, caps: Capabilities) -> ft.Control:
    """The photos of what was found, for one action: thumbnails, and while the inspection is
    being edited the camera (where there is one) and the file picker (everywhere)."""
    lang = form.lang
    label = i18n.t(lang, "finding_photo")
    busy = form.is_busy(a.id, "finding_photos")

    async def pick(e: Any) -> None:
        await form.add_finding_photos(a.id, await caps.pick_photos())

    async def shoot(e: Any) -> None:
        await form.add_finding_photos(a.id, await caps.take_photo())

    thumbs: list[ft.Control] = []
    for n, sha in enumerate(a.finding_photos, start=1):
        remove = (
            w.icon_action(
                ft.Icons.DELETE,
                i18n.t(lang, "remove_finding_photo", n=n),
                lambda e, s=sha: form.remove_finding_photo(a.id, s),
            )
            if form.editable
            else None
        )
        thumbs.append(
            ft.Column(
                w.compact([photo_thumb(form, sha, f"{label} {n}"), remove]),
                spacing=0,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    buttons = (
        ft.Row(
            w.compact(
                [
                    w.action(i18n.t(lang, "take_finding_photo"), shoot, icon=ft.Icons.PHOTO_CAMERA, disabled=busy)
                    if caps.has_camera
                    else None,
                    w.action(
                        i18n.t(lang, "pick_finding_photo"),
                        pick,
                        icon=ft.Icons.ADD_A_PHOTO,
                        disabled=not caps.has_picker or busy,
                    ),
                ]
            ),
            wrap=True,
        )
        if form.editable
        else None
    )
    return ft.Column(
        w.compact(
            [
                w.muted(i18n.t(lang, "finding_photos_count", count=len(a.finding_photos)), 12),
                ft.Row(thumbs, wrap=True) if thumbs else None,
                buttons,
                w.working_note(i18n.t(lang, "photo_processing")) if busy else None,
                w.error_text(form.error(a.id, "finding_photos")),
            ]
        ),
        spacing=4,
    )


def action_block(form: InspectionForm, qid: str, caps: Capabilities) -> ft.Control:
    """The corrective actions of a failed item, each with the photos of the finding, and
    "Thêm biện pháp khắc phục" to add one."""
    lang = form.lang
    rows: list[ft.Control] = []
    cards: list[ft.Control] = []
    for a in form.actions_for(qid):
        status = action_rules.STATUS_LABELS.get(a.status)
        due = i18n.t(lang, "action_due", date=i18n.fmt_date(a.deadline)) if a.deadline else ""
        cards.append(
            ft.Container(
                content=ft.Column(
                    [
                        ft.Text(a.description or "", weight=ft.FontWeight.W_600, size=14),
                        w.muted(" · ".join(x for x in (due, status.get(lang) if status else a.status) if x), 12),
                        finding_photos_row(form, a, caps),
                    ],
                    spacing=2,
                ),
                bgcolor=ft.Colors.BLUE_GREY_50,
                padding=8,
                border_radius=6,
            )
        )
    if cards:  # each action the full width of the question's card
        rows.append(ft.Column(cards, spacing=8, horizontal_alignment=ft.CrossAxisAlignment.STRETCH))
    if form.editable and qid in form.action_drafts_open:

        def box(field: str, label: str, **kw: Any) -> ft.Control:
            return ft.TextField(
                label=i18n.t(lang, label),
                value=form.action_draft(qid, field),
                on_change=lambda e: form.edit_action_draft(qid, field, e.control.value or ""),
                **kw,
            )

        rows += [
            box("description", "action_what", multiline=True, min_lines=2),
            box(
                "deadline",
                "action_deadline",
                hint_text=i18n.t(lang, "date_hint"),
                keyboard_type=ft.KeyboardType.DATETIME,
            ),
            box("responsible_name", "action_responsible"),
            box("responsible_phone", "action_phone", keyboard_type=ft.KeyboardType.PHONE),
            w.error_text(form.error(qid, "action")),
            w.action(i18n.t(lang, "action_save"), lambda e: form.save_action(qid), icon=ft.Icons.SAVE, primary=True),
        ]
    elif form.editable:
        rows.append(w.action(i18n.t(lang, "add_action"), lambda e: form.open_action_draft(qid), icon=ft.Icons.BUILD))
    return ft.Column([r for r in rows if r is not None], spacing=8)


def question_card(form: InspectionForm, q: cl.Question, caps: Capabilities) -> ft.Control:
    lang = form.lang
    label = q.label.get(lang)
    marks: list[ft.Control] = []
    if q.required:
        marks.append(ft.Text("* " + i18n.t(lang, "required"), color=w.ERROR_COLOR, size=12))
    if q.critical:
        marks.append(
            ft.Row(
                [
                    ft.Icon(ft.Icons.PRIORITY_HIGH, color=w.WARN_COLOR, size=14),
                    ft.Text(i18n.t(lang, "critical"), color=w.WARN_COLOR, size=12),
                ],
                spacing=2,
                tight=True,
            )
        )
    help_text = q.help.get(lang) if q.help else None
    failed = form.is_failed_critical(q.id)
    evidence = None
    if (q.evidence != "none" or failed) and not isinstance(q, cl.PhotoQuestion):
        evidence = photo_row(form, q.id, caps, label=label)
    critical_block = None
    if failed:
        critical_block = ft.Column(
            [
                w.warning_box(i18n.t(lang, "critical_failed")),
                text_box(form, q.id, "corrective_action", i18n.t(lang, "corrective_action"), multiline=True),
                date_box(form, q.id, "due_date", i18n.t(lang, "due_date"), f"{i18n.t(lang, 'due_date')}: {label}"),
            ],
            spacing=8,
        )
    return w.group(
        label,
        [
            ft.Text(label + (" *" if q.required else ""), weight=ft.FontWeight.W_600, size=15),
            ft.Row(marks, spacing=12) if marks else None,
            ft.Text(help_text, size=12, italic=True, color=w.MUTED) if help_text else None,
            *_basis_block(form, q),
            _input(form, q, caps),
            w.error_text(form.error(q.id, "value")),
            evidence,
            critical_block,
            action_block(form, q.id, caps) if form.is_failed(q.id) else None,
            _note_block(form, q),
            *_notice_words(form, q.id),
        ],
        key=ft.ScrollKey(q.id),
        bgcolor=ft.Colors.YELLOW_50 if form.focus_qid == q.id else None,
    )
