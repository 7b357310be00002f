"""A second install of the same data (a restored backup, a data folder copied to another
phone) against a real server: the server tells whichever install reuses the client id second
to re-register (PROTOCOL.md §4); it takes a new client id and sends its unsent work again under
it. Every edit of both installs arrives exactly once: nothing is answered ``duplicate`` and
dropped, nothing is applied twice, no spurious conflict is logged."""

from __future__ import annotations

import shutil

import pytest

from field_app.core.services import AppServices
from shared_schema.protocol import answer_entity_id
from tests.field_app.e2e import PASSWORD, World, assert_converged, site_id, sync_ok
from tests.field_app.helpers import complete_answers, png_bytes

pytestmark = pytest.mark.slow


def client_id(app: AppServices) -> str:
    return str(app.store.scalar("SELECT client_id FROM sync_state"))


def made_changes(app: AppServices) -> int:
    return int(app.store.scalar("SELECT next_seq FROM sync_state")) - 1


def server_devices(world: World) -> dict[str, dict]:
    with world.api("quan") as http:
        return {c["client_id"]: c for c in http.get("/api/v1/clients").json()}


def server_value(world: World, key: tuple[str, str, str]) -> object:
    return world.server_snapshot("chi").get(key, (None,))[0]


@pytest.mark.parametrize("first", ["original", "copy"])
def test_a_copied_install_re_registers_and_every_edit_of_both_arrives_once(world: World, first: str) -> None:
    original = world.device(f"restore-{first}", "an")
    synced = original.start_inspection(site_id(original, "DN-001"), "sample-factory")
    original.set_answer_value(synced, "workers", 11)
    sync_ok(original)
    # Queued when the copy is made: both installs hold these, unsent.
    queued = original.start_inspection(site_id(original, "DN-002"), "sample-factory")
    complete_answers(original, queued)
    original.add_photo(queued, "team", png_bytes(7100))
    copy_dir = original.data_dir.parent / f"restore-{first}-copy"
    original.close()
    shutil.copytree(original.data_dir, copy_dir)
    original = AppServices.open(original.data_dir)
    copy = AppServices.open(copy_dir)
    assert client_id(copy) == client_id(original)
    shared_id = client_id(original)

    # After the copy each install makes its own edits under the same sequence numbers.
    original.set_answer_value(synced, "team", "yes")
    original.set_header(queued, "findings", "Ghi bởi bản gốc")
    mine = original.start_inspection(site_id(original, "DN-001"), "sample-factory")
    original.set_note(mine, "workers", "Bản gốc")
    copy.set_answer_value(synced, "masks", "most")
    copy.set_note(queued, "workers", "Ghi bởi bản sao")
    theirs = copy.start_inspection(site_id(copy, "DN-002"), "sample-factory")
    copy.add_photo(theirs, "team", png_bytes(7200))
    expected_original, expected_copy = made_changes(original), made_changes(copy)

    order = [original, copy] if first == "original" else [copy, original]
    for app in order:
        sync_ok(app)
    second = order[1]
    assert client_id(order[0]) == shared_id
    assert client_id(second) != shared_id  # told to re-register, it took a new id
    for app in order:  # both see each other's work
        sync_ok(app)
    assert_converged(world, (original, "an"), (copy, "an"))

    # Every edit of both arrived.
    assert server_value(world, ("answer", answer_entity_id(synced, "workers"), "value")) == 11
    assert server_value(world, ("answer", answer_entity_id(synced, "team"), "value")) == "yes"
    assert server_value(world, ("answer", answer_entity_id(synced, "masks"), "value")) == "most"
    assert server_value(world, ("inspection", queued, "findings")) == "Ghi bởi bản gốc"
    assert server_value(world, ("answer", answer_entity_id(queued, "workers"), "note")) == "Ghi bởi bản sao"
    assert server_value(world, ("answer", answer_entity_id(mine, "workers"), "note")) == "Bản gốc"
    assert server_value(world, ("inspection", theirs, "site_id")) == site_id(copy, "DN-002")
    for app in (original, copy):
        assert app.blob_path(app.get_inspection(theirs).answers["team"].photos[0]) is not None
    # …exactly once: no conflict logged (the queued changes both installs sent carry the same
    # clocks, so the second sending is a duplicate), each install's sequences all acknowledged.
    snapshot = world.server_snapshot("chi")
    assert [k for k in snapshot if k[0] == "conflict"] == []
    listed = server_devices(world)
    assert (
        listed[shared_id]["last_seq"]
        == made_changes(order[0])
        == (expected_original if order[0] is original else expected_copy)
    )
    assert listed[client_id(second)]["last_seq"] == made_changes(second)
    assert listed[client_id(second)]["username"] == listed[shared_id]["username"] == "an"
    for app in (original, copy):
        assert app.store.scalar("SELECT count(*) FROM outbox") == 0
        assert [n for n in app.notices() if n.kind != "conflict"] == []
        app.close()


def test_another_user_signing_in_on_a_phone_gets_a_device_id_of_their_own(world: World) -> None:
    phone = world.device("handed-over", "an")
    inspection = phone.start_inspection(site_id(phone, "DN-001"), "sample-factory")
    phone.set_answer_value(inspection, "workers", 3)
    sync_ok(phone)
    first_id = client_id(phone)
    phone.logout()
    phone.login(world.url, "binh", PASSWORD)
    assert client_id(phone) != first_id
    sync_ok(phone)
    phone.set_answer_value(inspection, "workers", 4)
    sync_ok(phone)
    listed = server_devices(world)
    assert listed[first_id]["username"] == "an"
    assert listed[client_id(phone)]["username"] == "binh"
    phone.close()


def test_an_install_whose_id_another_user_took_re_registers_and_sends_its_edits(world: World) -> None:
    phone = world.device("squatted", "an")
    inspection = phone.start_inspection(site_id(phone, "DN-001"), "sample-factory")
    sync_ok(phone)
    # Another user registers an id first (by pulling with it); this install then carries that id
    # (an install from before device registration, where the id was shared between users).
    taken = "squatted-id-1"
    with world.api("binh") as http:
        assert http.get("/api/v1/sync/pull", params={"cursor": 0, "protocol": 1, "client_id": taken}).status_code == 200
    phone.close()
    phone = AppServices.open(world.root / "devices" / "squatted")
    with phone.store.write() as conn:
        conn.execute("UPDATE sync_state SET client_id = ?", (taken,))
    phone.close()
    phone = AppServices.open(world.root / "devices" / "squatted")
    phone.set_answer_value(inspection, "workers", 21)
    phone.set_note(inspection, "team", "Sau khi đổi mã")
    sync_ok(phone)
    assert client_id(phone) != taken
    assert_converged(world, (phone, "an"))  # values AND clocks: the re-made clocks match the server's
    assert server_value(world, ("answer", answer_entity_id(inspection, "workers"), "value")) == 21
    listed = server_devices(world)
    assert listed[taken]["username"] == "binh" and listed[taken]["last_seq"] == 0
    assert listed[client_id(phone)]["username"] == "an" and listed[client_id(phone)]["last_seq"] == made_changes(phone)
    phone.close()
