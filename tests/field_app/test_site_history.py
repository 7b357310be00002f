"""On-demand history (PROTOCOL.md §7): a new phone's first sync leaves a site's settled history
on the server; "Xem lịch sử cũ" fetches it whole when online and says a connection is needed
when offline. Runs against a real server process (``world``)."""

from __future__ import annotations

import asyncio

import pytest

from field_app.core import messages
from field_app.core.models import AppError
from field_app.core.services import AppServices
from field_app.ui.state import AppState
from shared_schema import protocol
from tests.field_app.e2e import PASSWORD, World, device_snapshot, site_id, sync_ok
from tests.field_app.helpers import complete_answers
from tests.support.proxy import FaultProxy

COUNT = protocol.BOUNDED_LATEST_PER_SITE + 2


@pytest.fixture(scope="module")
def history(world: World) -> tuple[str, list[str]]:
    """Five inspections of DN-002 by binh, submitted and approved (oldest first)."""
    b = world.device("hist-b", "binh")
    sid = site_id(b, "DN-002")
    made = []
    for _ in range(COUNT):
        x = b.start_inspection(sid, "sample-factory")
        complete_answers(b, x)
        assert b.submit(x).ok
        sync_ok(b)
        world.review("chi", x, "approve")
        made.append(x)
    b.close()
    return sid, made


def held(app: AppServices, sid: str) -> set[str]:
    return {i.id for i in app.get_site(sid).inspections}


def test_first_sync_keeps_the_latest_and_history_fetches_the_rest_whole(world: World, history, tmp_path) -> None:
    sid, made = history
    a = world.device("hist-a", "an")
    assert held(a, sid) == set(made[-protocol.BOUNDED_LATEST_PER_SITE :])
    assert a.site_history(sid) == (COUNT, False)
    assert held(a, sid) == set(made)
    server = world.server_snapshot("an")
    device = device_snapshot(a)
    mine = {k: v for k, v in device.items() if k[0] in ("inspection", "answer")}
    assert mine and all(server[k] == v for k, v in mine.items())
    for x in made:  # every record whole: all its rows on the server are on the phone
        rows = {k for k in server if (k[0] == "inspection" and k[1] == x) or k[1].startswith(f"{x}/")}
        assert rows <= device.keys(), x
    sync_ok(a)  # and the next sync keeps them
    assert held(a, sid) == set(made)
    a.close()


def test_history_offline_says_it_needs_a_connection(world: World, history) -> None:
    sid, made = history
    proxy = FaultProxy(world.server.port)
    a = AppServices.open(world.root / "devices" / "hist-offline")
    try:
        a.login(proxy.url, "an", PASSWORD)
        sync_ok(a)
        proxy.go_down()
        with pytest.raises(AppError) as refused:
            a.site_history(sid)
        assert refused.value.code == "offline"
        assert refused.value.message == messages.HISTORY_OFFLINE
        assert "kết nối mạng" in refused.value.message.vi
        assert held(a, sid) == set(made[-protocol.BOUNDED_LATEST_PER_SITE :])  # what it had stays
        # The site screen's button says the same, and a tap when back online fetches the history.
        state = AppState(a)
        state.start()
        state.open_site(sid)
        assert not asyncio.run(state.load_site_history())
        assert state.history_error and state.history_note == messages.HISTORY_OFFLINE.vi
        proxy.come_up()
        assert asyncio.run(state.load_site_history())
        assert not state.history_error and state.history_note and str(COUNT) in state.history_note
        assert {i.id for i in state.site.inspections} == set(made)
    finally:
        a.close()
        proxy.close()
