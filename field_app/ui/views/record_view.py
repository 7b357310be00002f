""" "Xem biên bản (PDF)": the biên bản rendered on the device, offline (``AppServices.record_pdf``),
handed to the platform: in a browser it downloads (and opens in the browser's PDF viewer); on a
phone the system's save dialog keeps it where the inspector chooses (Files, Drive, Zalo …) and it
opens in the phone's PDF viewer from there; on a desktop a save dialog."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import flet as ft

from field_app.core.models import AppError
from field_app.ui.form_state import InspectionForm
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from shared_schema.text import LocalText

log = logging.getLogger(__name__)

OPEN_RECORD = LocalText("Xem biên bản (PDF)", "View the record (PDF)")
MAKING = LocalText("Đang tạo biên bản…", "Making the record…")
SAVED = LocalText("Đã tạo biên bản số {number}.", "Record no. {number} was made.")
SAVED_DRAFT = LocalText(
    "Đã tạo biên bản (chưa có số: số được cấp khi nộp).",
    "The record was made (no number yet: it is given on submission).",
)
# no file name or folder: the inspector cannot use one, and internal names are not shown
KEPT_ON_DEVICE = LocalText(
    "Máy này không mở được hộp thoại lưu tệp: biên bản đã được lưu trong dữ liệu của ứng dụng trên máy.",
    "This device cannot open a save dialog: the record was kept in the app's data on the device.",
)
FAILED = LocalText("Không tạo được biên bản: {reason}", "The record could not be made: {reason}")
SHARE_RECORD = LocalText("Chia sẻ biên bản (PDF)", "Share the record (PDF)")
SHARE_FAILED = LocalText(
    "Không mở được bảng chia sẻ. Hãy thử lại hoặc dùng “Xem biên bản (PDF)”.",
    "The share sheet did not open. Try again or use “View the record (PDF)”.",
)


async def _rendered(state: AppState, form: InspectionForm) -> bytes | None:
    """The record rendered on the device from what is typed so far (off the event loop); None,
    with the reason shown, when it cannot be."""
    lang = state.lang
    form.commit_all()  # text typed a moment ago is on the record too
    form.message = MAKING.get(lang)
    try:
        return await asyncio.to_thread(state.services.record_pdf, form.inspection_id, lang)
    except AppError as exc:
        form.message = FAILED.get(lang).format(reason=exc.message.get(lang))
        return None


def _made_message(form: InspectionForm, lang: str) -> str:
    """What the screen says once the record was made: its number, or that it gets one on submit."""
    number = form.view.header.record_number
    return SAVED.get(lang).format(number=number) if number else SAVED_DRAFT.get(lang)


def record_action(state: AppState, form: InspectionForm, ui: Any) -> ft.Control:
    """The button that renders the record on the device and opens or saves it."""
    lang = state.lang

    async def open_record(e: Any) -> None:
        services = state.services
        pdf = await _rendered(state, form)
        if pdf is None:
            return
        name = services.record_file_name(form.inspection_id)
        picker = getattr(getattr(ui, "capabilities", None), "picker", None)
        try:
            if picker is None or not hasattr(picker, "save_file"):
                raise RuntimeError("no file picker")
            await picker.save_file(name, pdf, "pdf")
        except Exception:  # no save dialog on this platform: keep the file on the device instead
            await asyncio.to_thread(services.save_record_pdf, form.inspection_id, lang)
            form.message = KEPT_ON_DEVICE.get(lang)
            return
        form.message = _made_message(form, lang)

    return w.action(OPEN_RECORD.get(lang), open_record, icon=ft.Icons.PICTURE_AS_PDF)


def share_action(state: AppState, form: InspectionForm, ui: Any) -> ft.Control | None:
    """On a phone: the record rendered on the device, handed to the share sheet (Zalo, mail, a
    PDF viewer …) to show the unit's representative or send on; None where there is no share sheet."""
    share = getattr(ui, "share", None)
    if share is None:
        return None
    lang = state.lang

    async def share_record(e: Any) -> None:
        services = state.services
        pdf = await _rendered(state, form)
        if pdf is None:
            return
        try:
            await share.share_file(services.record_file_name(form.inspection_id), pdf, "application/pdf")
        except Exception:
            log.warning("the share sheet failed", exc_info=True)
            form.message = SHARE_FAILED.get(lang)
            return
        form.message = _made_message(form, lang)

    return w.action(SHARE_RECORD.get(lang), share_record, icon=ft.Icons.SHARE)
