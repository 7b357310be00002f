"""Where things are: the site correction screen (workers, contact, location with "Dùng vị trí
của tôi") and the banner that asks for the inspection's position when the device gave none.

Positions come from the capability layer (``field_app.core.capabilities``): the page's
``UiServices.capabilities`` where the app has it, else a ``Capabilities`` without a locator
(the browser and desktop app), where "use my position" says so and the boxes take typed
coordinates. The rules live in ``field_app.core.site_correction``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from field_app.core.capabilities import Capabilities
from field_app.core.site_correction import SiteDraft, draft_for, typed_location, with_position
from field_app.ui import i18n
from field_app.ui.form_state import InspectionForm
from field_app.ui.state import AppState
from field_app.ui.views import widgets as w

# Texts of these screens: key → (Vietnamese, English).
TEXTS: dict[str, tuple[str, str]] = {
    "correct_site": ("Sửa thông tin cơ sở", "Correct the site"),
    "correct_site_intro": (
        "Sửa số lao động, người liên hệ và vị trí như thấy tại chỗ. Tên, mã, địa chỉ do quản trị viên sửa.",
        "Correct the workers, the contact and the location as found on the spot. An admin edits the name,"
        " code and address.",
    ),
    "contact_name": ("Người liên hệ", "Contact person"),
    "contact_phone": ("Điện thoại", "Phone"),
    "contact_email": ("Thư điện tử", "Email"),
    "site_location": ("Vị trí cơ sở", "Site location"),
    "use_my_position": ("Dùng vị trí của tôi", "Use my position"),
    "locating": ("Đang lấy vị trí…", "Getting the position…"),
    "position_taken": (
        "Đã lấy vị trí của máy (sai số ±{accuracy} m) lúc {time}.",
        "The device's position was taken (±{accuracy} m) at {time}.",
    ),
    "position_taken_plain": ("Đã lấy vị trí của máy lúc {time}.", "The device's position was taken at {time}."),
    "save_site": ("Lưu thay đổi", "Save changes"),
    "site_saved": (
        "Đã lưu thay đổi của cơ sở; sẽ gửi lên máy chủ khi đồng bộ.",
        "The site's changes are saved; they go to the server at the next sync.",
    ),
    "site_unchanged": ("Không có gì thay đổi.", "Nothing changed."),
    "start_location_title": ("Tọa độ nơi kiểm tra", "Inspection coordinates"),
    "start_location_missing": (
        "Chưa ghi được vị trí lúc bắt đầu kiểm tra. {reason}",
        "No position was recorded when the inspection started. {reason}",
    ),
    "start_location_saved": ("Vị trí lúc bắt đầu: {where}", "Position at the start: {where}"),
    "skip": ("Bỏ qua", "Skip"),
    "try_again": ("Thử lại", "Try again"),
}
i18n.STRINGS.update({k: v for k, v in TEXTS.items() if k not in i18n.STRINGS})


def capabilities_of(ui: Any) -> Capabilities:
    """The page's capability layer; without one (no phone build), no locator."""
    caps = getattr(ui, "capabilities", None)
    return caps if isinstance(caps, Capabilities) else Capabilities()


def _where(value: dict[str, Any], lang: str) -> str:
    text = f"{i18n.fmt_number(value['lat'], lang)}; {i18n.fmt_number(value['lon'], lang)}"
    if value.get("accuracy_m") is not None:
        text += f" (±{i18n.fmt_number(value['accuracy_m'], lang)} m)"
    return text


def _box(label: str, value: str, on_change: Any, error: str | None = None, **kw: Any) -> ft.TextField:
    return ft.TextField(label=label, value=value, on_change=on_change, error=error, dense=True, **kw)


def _lat_lon_row(
    state: AppState, lat: str, lon: str, on_lat: Callable[[str], None], on_lon: Callable[[str], None], **kw: Any
) -> ft.Row:
    """The latitude and longitude boxes side by side. Their errors go under the row, full width:
    a half-width box would clip the message."""
    return ft.Row(
        [
            _box(state.t("latitude"), lat, lambda e: on_lat(e.control.value or ""), None, expand=True, **kw),
            _box(state.t("longitude"), lon, lambda e: on_lon(e.control.value or ""), None, expand=True, **kw),
        ],
        vertical_alignment=ft.CrossAxisAlignment.START,
    )


@ft.component
def SiteEditScreen(state: AppState, ui: Any) -> ft.Control:
    lang = state.lang
    detail = state.site
    assert detail is not None
    site = detail.site
    draft, set_draft = ft.use_state(lambda: draft_for(site, lang))
    problems, set_problems = ft.use_state(dict[str, str]())
    note, set_note = ft.use_state("")
    busy, set_busy = ft.use_state(False)
    caps = capabilities_of(ui)

    def edit(box: str, text: str) -> None:
        # a GPS position stays with the draft; site_changes uses it only while the boxes show it
        set_draft(SiteDraft(**{**draft.__dict__, box: text}))

    async def use_my_position(e: Any) -> None:
        set_busy(True)
        set_note(state.t("locating"))
        outcome = await caps.locate()
        set_busy(False)
        if outcome.value is not None:
            taken = with_position(SiteDraft(**draft.__dict__), outcome.value, lang)
            set_draft(taken)
            time = i18n.fmt_datetime(taken.gps["at"]) if taken.gps else ""
            accuracy = taken.gps.get("accuracy_m") if taken.gps else None
            set_note(
                state.t("position_taken", accuracy=i18n.fmt_number(accuracy, lang), time=time)
                if accuracy is not None
                else state.t("position_taken_plain", time=time)
            )
            set_problems({})
        else:
            set_note(outcome.problem.get(lang) if outcome.problem else "")

    def save(e: Any) -> None:
        saved, found = state.services.correct_site(site.id, draft)
        if found:
            set_problems({box: text.get(lang) for box, text in found.items()})
            return
        set_problems({})
        state.site_saved(saved)

    def err(box: str) -> str | None:
        return problems.get(box)

    return ft.Container(
        padding=12,
        content=ft.Column(
            w.compact(
                [
                    w.heading(site.name, 18),
                    w.muted(f"{site.code} · {site.district}"),
                    w.muted(state.t("correct_site_intro")),
                    _box(
                        state.t("workers"),
                        draft.workers,
                        lambda e: edit("workers", e.control.value or ""),
                        err("workers"),
                        keyboard_type=ft.KeyboardType.NUMBER,
                    ),
                    _box(
                        state.t("contact_name"),
                        draft.contact_name,
                        lambda e: edit("contact_name", e.control.value or ""),
                        err("contact_name"),
                    ),
                    _box(
                        state.t("contact_phone"),
                        draft.contact_phone,
                        lambda e: edit("contact_phone", e.control.value or ""),
                        err("contact_phone"),
                        keyboard_type=ft.KeyboardType.PHONE,
                    ),
                    _box(
                        state.t("contact_email"),
                        draft.contact_email,
                        lambda e: edit("contact_email", e.control.value or ""),
                        err("contact_email"),
                        keyboard_type=ft.KeyboardType.EMAIL,
                    ),
                    w.heading(state.t("site_location"), 15),
                    w.action(state.t("use_my_position"), use_my_position, icon=ft.Icons.MY_LOCATION)
                    if not busy
                    else ft.ProgressRing(width=20, height=20),
                    w.muted(note) if note else None,
                    _lat_lon_row(
                        state,
                        draft.lat,
                        draft.lon,
                        lambda text: edit("lat", text),
                        lambda text: edit("lon", text),
                        keyboard_type=ft.KeyboardType.NUMBER,
                    ),
                    w.error_text(err("lat")),
                    w.error_text(err("lon")),
                    w.action(state.t("save_site"), save, icon=ft.Icons.SAVE, primary=True),
                    ft.Container(height=40),
                ]
            ),
            spacing=10,
            scroll=ft.ScrollMode.AUTO,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        ),
    )


@ft.component
def StartLocationBanner(state: AppState, form: InspectionForm, ui: Any = None) -> ft.Control:
    """On the fill screen: the position recorded at the start, or, when the device gave none,
    the reason with boxes to type it, "try again" and "skip"."""
    lang = state.lang
    header = form.view.header
    lat, set_lat = ft.use_state("")
    lon, set_lon = ft.use_state("")
    problems, set_problems = ft.use_state(dict[str, str]())
    pending = state.start_location
    if header.location is not None:
        value = {"lat": header.location.lat, "lon": header.location.lon, "accuracy_m": header.location.accuracy_m}
        return w.muted(state.t("start_location_saved", where=_where(value, lang)))
    if pending is None or pending.inspection_id != form.inspection_id or pending.problem is None or not form.editable:
        return ft.Container(height=0)

    caps = capabilities_of(ui)

    async def retry(e: Any) -> None:
        await state.locate_start(form.inspection_id, caps)

    def save(e: Any) -> None:
        value, found = typed_location(lat, lon)
        if found or value is None:
            set_problems({k: v.get(lang) for k, v in found.items()} or {"lat": state.t("bad_latlon")})
            return
        set_problems({})
        state.save_start_location(value)

    return w.group(
        state.t("start_location_title"),
        [
            w.heading(state.t("start_location_title"), 15),
            ft.Text(state.t("start_location_missing", reason=pending.problem.get(lang)), size=13),
            _lat_lon_row(state, lat, lon, set_lat, set_lon),
            *w.compact([w.error_text(problems.get("lat")), w.error_text(problems.get("lon"))]),
            ft.Row(
                [
                    w.action(state.t("save_location"), save, icon=ft.Icons.SAVE, primary=True),
                    w.action(state.t("try_again"), retry, icon=ft.Icons.MY_LOCATION),
                    w.action(state.t("skip"), lambda e: state.skip_start_location(), icon=ft.Icons.CLOSE),
                ],
                wrap=True,
            ),
        ],
        padding=8,
    )
