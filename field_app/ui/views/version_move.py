"""The banner on a draft when a newer version of its checklist is on the device, and the
confirmation that lists what moving the draft will drop (``field_app.core.version_move``)."""

from __future__ import annotations

from typing import Any

import flet as ft

from field_app.core.version_move import MovePlan
from field_app.ui.form_state import InspectionForm
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w
from shared_schema.text import LocalText

NEW_VERSION = LocalText("Có phiên bản mới của bảng kiểm", "A new version of the checklist is available")
NEW_VERSION_DETAIL = LocalText(
    "Bản nháp này theo phiên bản {old}; phiên bản {new} đã có trên máy. Có thể chuyển bản nháp sang phiên bản mới, "
    "giữ các câu trả lời còn hợp lệ.",
    "This draft follows version {old}; version {new} is on the device. The draft can move to the new version, "
    "keeping the answers that are still valid.",
)
RETIRED_DETAIL = LocalText(
    "Phiên bản {old} đã ngừng dùng. Nên chuyển bản nháp sang phiên bản {new} trước khi hoàn thành.",
    "Version {old} is retired. Move the draft to version {new} before completing it.",
)
MOVE = LocalText("Chuyển sang phiên bản mới", "Move to the new version")
TITLE = LocalText("Chuyển sang phiên bản {new}?", "Move to version {new}?")
INTRO = LocalText(
    "Một bản nháp mới theo phiên bản {new} sẽ được tạo với các câu trả lời còn hợp lệ. Bản nháp cũ được hủy "
    "và vẫn lưu lại, có liên kết tới bản mới.",
    "A new draft on version {new} is made with the answers that are still valid. The old draft is discarded "
    "and kept, linked to the new one.",
)
KEPT = LocalText("Giữ lại {count} mục trả lời.", "{count} answer item(s) kept.")
DROPPED = LocalText("Sẽ bị bỏ:", "Will be dropped:")
NOTHING_DROPPED = LocalText("Không có câu trả lời nào bị bỏ.", "No answer is dropped.")
NEEDS = LocalText("Cần trả lời trên phiên bản mới:", "To answer on the new version:")
CONFIRM = LocalText("Chuyển", "Move")
CANCEL = LocalText("Để sau", "Not now")
FIELD = {
    "value": LocalText("câu trả lời", "answer"),
    "note": LocalText("ghi chú", "note"),
    "photos": LocalText("ảnh", "photos"),
    "corrective_action": LocalText("biện pháp khắc phục", "corrective action"),
    "due_date": LocalText("thời hạn", "deadline"),
    "signatures": LocalText("chữ ký", "signatures"),
}


def _fmt(text: LocalText, lang: str, **values: Any) -> str:
    return text.get(lang).format(**values)


def dialog_lines(plan: MovePlan, lang: str) -> list[str]:
    """The text of the confirmation, line by line (tested without a screen)."""
    lines = [_fmt(INTRO, lang, new=plan.to_version), _fmt(KEPT, lang, count=len(plan.kept))]
    if plan.dropped:
        lines.append(DROPPED.get(lang))
        for d in plan.dropped:
            label = d.label.get(lang)
            what = FIELD.get(d.field, FIELD["value"]).get(lang)
            lines.append(f"• {label} ({what}): {d.reason.get(lang)}")
    else:
        lines.append(NOTHING_DROPPED.get(lang))
    if plan.needs_answer:
        lines.append(NEEDS.get(lang))
        lines += [f"• {label.get(lang)}" for _qid, label in plan.needs_answer]
    return lines


def version_banner(state: AppState, form: InspectionForm) -> ft.Control | None:
    """ "Có phiên bản mới của bảng kiểm" with a button that asks before moving the draft."""
    plan = form.move_plan
    if plan is None:
        return None
    lang = state.lang

    def close(e: Any) -> None:
        ft.context.page.pop_dialog()

    def confirmed(e: Any) -> None:
        ft.context.page.pop_dialog()
        state.move_to_new_version(plan)

    def ask(e: Any) -> None:
        lines = dialog_lines(plan, lang)
        ft.context.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(_fmt(TITLE, lang, new=plan.to_version)),
                content=ft.Column(
                    [ft.Text(line, size=14) for line in lines], tight=True, scroll=ft.ScrollMode.AUTO, spacing=6
                ),
                actions=[
                    ft.TextButton(CANCEL.get(lang), on_click=close),
                    ft.TextButton(CONFIRM.get(lang), on_click=confirmed),
                ],
            )
        )

    detail = RETIRED_DETAIL if plan.retired else NEW_VERSION_DETAIL
    # a retired version offers the move as soon as the draft opens: what it keeps and drops is
    # on the screen already, not behind the button
    offer = [ft.Text(line, size=13) for line in dialog_lines(plan, lang)[1:]] if plan.retired else []
    return ft.Container(
        content=ft.Column(
            [
                ft.Row(
                    [
                        ft.Icon(ft.Icons.NEW_RELEASES_OUTLINED, color=w.WARN_COLOR, size=18),
                        ft.Text(NEW_VERSION.get(lang), color=w.WARN_COLOR, weight=ft.FontWeight.BOLD, expand=True),
                    ]
                ),
                ft.Text(_fmt(detail, lang, old=plan.from_version, new=plan.to_version), size=13),
                *offer,
                w.action(MOVE.get(lang), ask, icon=ft.Icons.UPGRADE, primary=plan.retired),
            ],
            spacing=6,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
        bgcolor=ft.Colors.ORANGE_50,
        padding=8,
        border_radius=6,
    )
