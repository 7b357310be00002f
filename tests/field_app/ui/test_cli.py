"""The command line: bad arguments are refused with words that say what to give instead."""

from __future__ import annotations

import pytest

from field_app.cli import build_parser, main


def test_a_server_address_without_http_is_refused_before_anything_starts(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--server", "192.168.1.10:8000", "--port", "8550"])
    assert stop.value.code == 2
    assert "--server must start with http:// or https://" in capsys.readouterr().err


def test_a_port_out_of_range_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["--server", "http://127.0.0.1:8000", "--port", "70000"])
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


def test_the_defaults_are_vietnamese_and_automatic_sync(monkeypatch):
    monkeypatch.delenv("FIELD_APP_SYNC_INTERVAL", raising=False)
    args = build_parser().parse_args(["--server", "http://127.0.0.1:8000"])
    assert args.lang == "vi" and args.port is None and args.sync_interval == 30.0
    assert build_parser().parse_args(["--lang", "en", "--sync-interval", "0"]).sync_interval == 0.0
