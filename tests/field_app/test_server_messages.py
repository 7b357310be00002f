"""A server's refusal reaches the inspector in the language they chose: the app reads the
problem's ``messages`` (both languages, structured) and splits ``detail`` only for a server
from before 2026-11-30."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import pytest

from field_app.core.server_api import ServerApi, ServerError
from field_app.ui.i18n import local
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
