"""The outbox module owns the ``outbox`` and ``rejections`` tables: tested directly on a real store."""

from __future__ import annotations

import pytest

from field_app.core import outbox
from field_app.core.device_state import DeviceClock, read_state
from field_app.core.store import Store
from shared_schema import protocol


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "device")
    yield opened
    opened.close()


def _queue(store: Store, count: int, inspection_id: str = "i1") -> list:
    clock = DeviceClock(store)
    with store.write() as conn:
        return [
            outbox.record_edit(
                conn, clock, "answer", protocol.answer_entity_id(inspection_id, f"q{n}"), "value", n, inspection_id
            )
            for n in range(count)
        ]


def test_acknowledge_drops_the_changes_up_to_the_acked_number_and_remembers_it(store):
    changes = _queue(store, 4)
    with store.write() as conn:
        outbox.acknowledge(conn, changes[1].client_seq)
    with store.read() as conn:
        left = outbox.pending_batch(conn, 10)
        assert read_state(conn).acked_seq == changes[1].client_seq
    assert [c.change_id for c in left] == [c.change_id for c in changes[2:]]


def test_unsent_counts_are_kept_per_inspection(store):
    _queue(store, 3, "i1")
    _queue(store, 1, "i2")
    with store.read() as conn:
        assert outbox.pending_by_inspection(conn) == {"i1": 3, "i2": 1}
        assert outbox.pending_for_inspection(conn, "i2") == 1
        assert outbox.pending_for_inspection(conn, "i3") == 0
        assert outbox.unsent_inspection_ids(conn) == {"i1", "i2"}
        assert outbox.unsent_site_ids(conn) == set()


def test_a_refused_change_is_kept_once_until_dismissed(store):
    first, second = _queue(store, 2)
    with store.write() as conn:
        outbox.record_rejection(conn, first, "invalid_value", "sai / wrong", "i1")
        outbox.record_rejection(conn, first, "invalid_value", "sai / wrong", "i1")
        outbox.record_rejection(conn, second, "locked", None, "i1")
    with store.read() as conn:
        kept = outbox.open_rejections(conn, "i1")
        assert sorted(r["change_id"] for r in kept) == sorted([first.change_id, second.change_id])
        assert outbox.open_rejections(conn, "i2") == []
        row = outbox.rejection(conn, first.change_id)
    assert row is not None and row["code"] == "invalid_value" and row["value"] == "0"
    with store.write() as conn:
        outbox.dismiss_rejection(conn, first.change_id)
    with store.read() as conn:
        assert [r["change_id"] for r in outbox.open_rejections(conn)] == [second.change_id]
        assert outbox.rejection(conn, "missing") is None
    with store.write() as conn:
        outbox.forget_rejections(conn)
    with store.read() as conn:
        assert outbox.rejection(conn, second.change_id) is None
