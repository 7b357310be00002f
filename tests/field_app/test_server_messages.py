"""A server's refusal reaches the inspector in the language they chose: the app reads the
problem's ``messages`` (both languages, structured) and splits ``detail`` only for a server
from before 2026-11-30."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from field_app.core import outbox
from field_app.core.device_state import DeviceClock
from field_app.core.models import Notice
from field_app.core.server_api import ServerApi, ServerError
from field_app.core.services import AppServices
from field_app.ui.i18n import local
from shared_schema import protocol
from shared_schema.errors import Problem
from shared_schema.text import BiText, LocalText


def _api(status: int, body: dict[str, Any]) -> ServerApi:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})

    return ServerApi("http://server.test", "token", transport=httpx.MockTransport(reply))


def _refusal(api: ServerApi) -> ServerError:
    with api, pytest.raises(ServerError) as caught:
        api.me()
    return caught.value


def test_the_structured_message_is_shown_in_english_when_chosen_and_in_vietnamese_by_default() -> None:
    problem = Problem(
        title="Invalid input",
        status=422,
        detail=BiText("Cơ sở này không thuộc địa bàn của bạn.", "This site is outside your districts."),
    )
    body = msgspec.to_builtins(problem)
    # a detail a splitter would cut wrongly: the app must not read it when ``messages`` is there
    body["detail"] = "không dùng / not used / at all"
    error = _refusal(_api(422, body))
    assert error.message == LocalText("Cơ sở này không thuộc địa bàn của bạn.", "This site is outside your districts.")
    assert local(error.message, "en") == "This site is outside your districts."
    assert local(error.message, "vi") == "Cơ sở này không thuộc địa bàn của bạn."


def test_a_server_error_wraps_the_structured_message_in_each_language() -> None:
    body = {"title": "Server error", "status": 500, "detail": "x / y", "messages": {"vi": "Hỏng.", "en": "Broken."}}
    error = _refusal(_api(500, body))
    assert "Hỏng." in error.message.vi and "Broken." not in error.message.vi
    assert "Broken." in error.message.en and "Hỏng." not in error.message.en


def test_an_older_server_without_messages_still_reads_in_each_language() -> None:
    body = {"title": "Conflict", "status": 409, "detail": "Đã có cơ sở này. / This site exists."}
    error = _refusal(_api(409, body))
    assert error.message == LocalText("Đã có cơ sở này.", "This site exists.")


# --- a refused change (push result ``messages``, PROTOCOL.md §4) ---------------------------------

SERVER_WORDS = LocalText("Giá trị phải từ 0 trở lên.", "The value must be 0 or more.")


def _refused(tmp_path: Path, code: str, reason: str | None, messages: LocalText | None) -> Notice:
    """A change queued on a real device store, refused as a server's push result says."""
    app = AppServices.open(tmp_path / "device")
    try:
        with app.store.write() as conn:
            change = outbox.record_edit(
                conn, DeviceClock(app.store), "answer", protocol.answer_entity_id("i1", "workers"), "value", -5, "i1"
            )
            outbox.record_rejection(conn, change, code, reason, "i1", messages)
        [notice] = app.notices("i1")
    finally:
        app.close()
    return notice


def test_a_refused_change_is_told_in_the_chosen_language_from_the_servers_messages(tmp_path: Path) -> None:
    # ``reason`` a splitter would cut wrongly: the app must not read it when ``messages`` came
    notice = _refused(tmp_path, "invalid_value", "không dùng / not used / at all", SERVER_WORDS)
    assert notice.kind == "rejected" and notice.code == "invalid_value"
    vi, en = local(notice.message, "vi"), local(notice.message, "en")
    assert "Giá trị phải từ 0 trở lên" in vi and "must be 0 or more" not in vi and "not used" not in vi
    assert "The value must be 0 or more" in en and "Giá trị phải" not in en and "not used" not in en


def test_a_refusal_from_a_server_without_messages_uses_the_apps_words_for_a_known_code(tmp_path: Path) -> None:
    notice = _refused(tmp_path, "clock_ahead", "Đồng hồ sai. / Clock wrong.", None)
    assert "đặt ngày giờ tự động" in local(notice.message, "vi") and "Clock wrong" not in local(notice.message, "vi")
    assert "set date and time automatically" in local(notice.message, "en")


def test_a_refusal_from_a_server_without_messages_splits_the_reason_of_an_unknown_code(tmp_path: Path) -> None:
    notice = _refused(tmp_path, "some_later_code", "Lý do mới. / A new reason.", None)
    assert "Lý do mới" in local(notice.message, "vi") and "A new reason" not in local(notice.message, "vi")
    assert "A new reason" in local(notice.message, "en") and "Lý do mới" not in local(notice.message, "en")
