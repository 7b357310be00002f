"""An admin changes an inspector's districts while the inspector's phone holds a synced
replica (PROTOCOL.md §7, ``scope``): on the next sync the phone holds exactly what the
server shows the user. A district granted brings its sites and inspections, although they
were written long before the phone's cursor; a district taken away leaves the phone,
except work the inspector has not sent."""

from __future__ import annotations

import pytest

from field_app.core import scope
from field_app.core.services import AppServices
from tests.field_app.e2e import DISTRICT, PASSWORD, World, assert_converged, site_id, sync_ok
from tests.field_app.helpers import complete_answers

pytestmark = pytest.mark.slow

OTHER = "H. Đại Từ"


def set_districts(world: World, username: str, districts: list[str]) -> None:
    with world.api("quan") as http:
        users = http.get("/api/v1/users").json()
        user_id = next(u["id"] for u in users if u["username"] == username)
        r = http.patch(f"/api/v1/users/{user_id}", json={"districts": districts})
    assert r.status_code == 200, r.text


def site_codes(app: AppServices) -> set[str]:
    return {s.code for s in app.list_sites("")}


def holds(app: AppServices, inspection_id: str) -> bool:
    return bool(app.store.scalar("SELECT count(*) FROM inspections WHERE key = ?", [inspection_id]))


@pytest.fixture(scope="module")
def other_district(world: World) -> str:
    """A site of another district with a submitted inspection by that district's inspector."""
    world.server.create_user("em", PASSWORD, "inspector", [OTHER])
    world.import_sites([("DT-001", "Mỏ than Núi Hồng", "DN_SX")], district=OTHER)
    em = world.device("em", "em")
    inspection_id = em.start_inspection(site_id(em, "DT-001"), "sample-factory")
    complete_answers(em, inspection_id)
    em.set_header(inspection_id, "findings", "Cơ sở chấp hành tốt")
    sync_ok(em)
    em.close()
    return inspection_id


def test_a_granted_district_arrives_on_the_next_sync_and_a_lost_one_leaves(world: World, other_district: str):
    world.server.create_user("dung", PASSWORD, "inspector", [DISTRICT])
    app = world.device("dung", "dung")
    assert "DT-001" not in site_codes(app)
    # more is written in the home district, so the phone's cursor moves well past DT-001
    own = app.start_inspection(site_id(app, "DN-001"), "sample-factory")
    complete_answers(app, own)
    sync_ok(app)

    set_districts(world, "dung", [DISTRICT, OTHER])
    sync_ok(app)
    assert {"DN-001", "DT-001"} <= site_codes(app)
    assert holds(app, other_district)
    assert app.current_session().user.districts == sorted([DISTRICT, OTHER])
    assert_converged(world, (app, "dung"))

    set_districts(world, "dung", [OTHER])
    sync_ok(app)
    assert "DN-001" not in site_codes(app) and "DT-001" in site_codes(app)
    assert app.current_session().user.districts == [OTHER]
    assert_converged(world, (app, "dung"))
    app.close()


def test_an_edit_in_a_lost_district_is_refused_told_and_the_district_leaves(world: World, other_district: str):
    world.server.create_user("giang", PASSWORD, "inspector", [DISTRICT, OTHER])
    app = world.device("giang", "giang")
    set_districts(world, "giang", [DISTRICT])
    app.set_header(other_district, "findings", "Sửa khi đã mất địa bàn")  # offline, not yet sent
    sync_ok(app)  # the push is refused (out of scope), then the pull forgets the district
    assert not holds(app, other_district) and "DT-001" not in site_codes(app)
    refused = [n for n in app.notices() if n.inspection_id == other_district]
    assert [(n.kind, n.field, n.value) for n in refused] == [("rejected", "findings", "Sửa khi đã mất địa bàn")]
    assert_converged(world, (app, "giang"))
    app.close()


def test_forgetting_a_district_keeps_what_is_not_sent_until_it_is(world: World, other_district: str):
    world.server.create_user("hai", PASSWORD, "inspector", [DISTRICT, OTHER])
    app = world.device("hai", "hai")
    far_site = site_id(app, "DT-001")
    app.set_header(other_district, "findings", "Chưa gửi")
    with app.store.write() as conn:
        forgotten = scope.forget_outside(conn, [DISTRICT])
    assert not forgotten.complete
    assert holds(app, other_district) and "DT-001" in site_codes(app)
    sync_ok(app)  # the edit goes out; the next forgetting is complete
    with app.store.write() as conn:
        forgotten = scope.forget_outside(conn, [DISTRICT])
    assert forgotten.complete and forgotten.dropped == {"site": {far_site}, "inspection": {other_district}}
    assert not holds(app, other_district)
    app.close()
