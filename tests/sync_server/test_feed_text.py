"""A pull page's rows are built by the database from the feed's columns (``Dialect.pull_object``,
migration 0016 dropped the stored copy): byte for byte the text ``feed.pull_tail`` makes,
for any entity id and value, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_server.core import pull
from sync_server.core.access import SYSTEM
from sync_server.core.feed import FeedWriter, pull_tail
from sync_server.core.util import to_json
from tests.sync_server.conftest import World

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
# any text but NUL, which PostgreSQL text cannot hold
ids = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(ids, json_values | st.just(None)), min_size=1, max_size=5, unique_by=lambda r: r[0]))
def test_a_pulled_row_is_the_text_the_server_made_for_it_byte_for_byte(
    world: World, rows: list[tuple[str, Any]]
) -> None:
    db = world.server.db
    expected = []
    with db.write() as tx:
        feed = FeedWriter(tx)
        start = feed.last_seq
        for entity_id, value in rows:
            value_json = None if value is None else to_json(value)
            hlc = feed.put_server(("site", entity_id, "notes"), value_json, district=None, inspection_id=None)
            expected.append('{"seq":' + str(feed.last_seq) + pull_tail(("site", entity_id, "notes"), value_json, hlc))
        feed.flush()
    body = pull.pull(db, SYSTEM, start, 100, 1)
    assert body.startswith(('{"changes":[' + ",".join(expected) + "]").encode())
