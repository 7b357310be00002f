"""Rows mapped by column name to Structs (``Tx.records``/``Tx.record``, ``select_list``), the
same on SQLite and PostgreSQL."""

from __future__ import annotations

import msgspec

from sync_server.core.db import select_list
from tests.sync_server.conftest import DISTRICT_A, World


class UserLine(msgspec.Struct, kw_only=True):
    username: str
    role: str
    active: bool
    full_name: str | None
    login: str | None = None  # computed elsewhere: not a column


def test_select_list_names_each_field_once_renaming_only_what_differs() -> None:
    columns = select_list(UserLine, prefix="u.", sources={"full_name": "COALESCE(u.full_name, '')"}, skip=("login",))
    assert columns == "u.username, u.role, u.active, COALESCE(u.full_name, '') AS \"full_name\""
    assert select_list(UserLine, prefix="u.", alias="user__", skip=("login",)).startswith(
        'u.username AS "user__username"'
    )


def test_records_fill_fields_by_column_name_and_make_flags_bool(world: World) -> None:
    sql = f"SELECT u.id, {select_list(UserLine, prefix='u.', skip=('login',))} FROM users u"
    with world.server.db.write() as tx:
        tx.execute("UPDATE users SET active = 0 WHERE username = 'insp_a2'")
        lines = tx.records(UserLine, sql + " ORDER BY u.username")
        one = tx.record(UserLine, sql + " WHERE u.username = ?", ("insp_a",))
        none = tx.record(UserLine, sql + " WHERE u.username = ?", ("nobody",))
        empty = tx.records(UserLine, sql + " WHERE u.username = ?", ("nobody",))
    by_name = {line.username: line for line in lines}
    assert [by_name[n].role for n in ("admin", "sup", "insp_a")] == ["admin", "supervisor", "inspector"]
    assert by_name["insp_a2"].active is False and by_name["insp_a"].active is True  # bool, not 0/1
    assert one == by_name["insp_a"] and one.login is None  # the extra id column is ignored
    assert none is None and empty == []


def test_records_keep_a_joined_expression_named_as_its_field(world: World) -> None:
    class DistrictLine(msgspec.Struct, kw_only=True):
        username: str
        district: str

    sql = (
        f"SELECT {select_list(DistrictLine, sources={'username': 'u.username', 'district': 'd.district'})}"
        " FROM users u JOIN user_districts d ON d.user_id = u.id WHERE u.username = ?"
    )
    with world.server.db.read() as tx:
        assert tx.records(DistrictLine, sql, ("sup",)) == [DistrictLine(username="sup", district=DISTRICT_A)]


def test_scalars_read_the_one_column_of_every_row_and_scalar_the_first(world: World) -> None:
    with world.server.db.read() as tx:
        names = tx.scalars("SELECT username FROM users WHERE role = ? ORDER BY username", ("inspector",))
        first = tx.scalar("SELECT username FROM users WHERE role = ? ORDER BY username", ("inspector",))
        none = tx.scalars("SELECT username FROM users WHERE username = ?", ("nobody",))
        count = tx.scalar("SELECT COUNT(*) FROM users WHERE role = ?", ("inspector",))
    assert names and names == sorted(names) and first == names[0]
    assert "insp_a" in names and "sup" not in names
    assert none == [] and count == len(names)
