"""A corrective action typed in a failed item's own box and cleared again before signing: the
server mirrors the box into the action "{inspection_id}:{item}" (sync_service) and leaves that
action empty when the box is cleared, so the phone keeps its own copy the same way. The
signature the phone takes binds the content the server checks, whether the typing reached the
server before the clearing (two syncs) or with it (one sync): the submission is accepted and
the console and the PDF read the signature as matching, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from field_app.core.services import AppServices
from shared_schema import actions as action_rules
from sync_server.console.inspection_view import build_view
from sync_server.core.inspections import InspectionDetail
from tests.field_app.e2e import World, assert_converged, site_id, sync_ok, world_on_engine
from tests.field_app.helpers import fake_session, png_bytes, seed, site_fields
from tests.reports.poppler import require_poppler
from tests.support.sample_checklist import sample_template

SOON = (action_rules.viet_nam_today() + dt.timedelta(days=7)).isoformat()
TEXT = "Thành lập Tổ an toàn COVID-19"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server_world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A real server process on each storage engine the server supports."""
    with world_on_engine(request.param, tmp_path_factory.mktemp(f"cleared-{request.param}"), "sync_cleared") as world:
        yield world


def failed_critical_item(app: AppServices, site: str) -> str:
    """An inspection whose critical item ``team`` failed (with its photo), everything else answered."""
    iid = app.start_inspection(site, "sample-factory")
    for qid, value in [("workers", 120), ("team", "no"), ("temp_check", "yes"), ("masks", "all"), ("dorm", "no")]:
        assert app.set_answer_value(iid, qid, value) is None, qid
    app.add_photo(iid, "team", png_bytes(7))
    return iid


def type_in_the_box(app: AppServices, iid: str, deadline: bool) -> None:
    assert app.set_corrective_action(iid, "team", TEXT) is None
    if deadline:
        assert app.set_due_date(iid, "team", SOON) is None


def clear_the_box(app: AppServices, iid: str) -> None:
    assert app.set_corrective_action(iid, "team", None) is None
    assert app.set_due_date(iid, "team", None) is None


def sign_and_submit(app: AppServices, iid: str) -> None:
    signature = app.store_blob(png_bytes(99))
    assert app.set_answer_value(iid, "sig_rep", {"sha256": signature, "name": "Ông B"}) is None
    assert app.submit(iid).ok


def pdf_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", out.stdout.decode())


def assert_accepted_and_matching(world: World, app: AppServices, iid: str, tmp_path: Path) -> None:
    assert [n.code for n in app.notices(iid)] == []  # no rejection (stale_signature) came back
    detail = world.inspection("chi", iid)
    assert detail["summary"]["status"] == "submitted" and detail["summary"]["record_number"]
    view = build_view(msgspec.convert(detail, InspectionDetail), sample_template(1), "vi")
    assert [s.state for s in view.signatures] == ["matches"]
    with world.api("chi") as http:
        r = http.get(f"/api/v1/inspections/{iid}/report.pdf")
    assert r.status_code == 200, r.text
    text = pdf_text(r.content, tmp_path / "record.pdf")
    assert "Khớp nội dung đã ký" in text and "Nội dung đã đổi sau khi ký" not in text


@pytest.mark.slow
@pytest.mark.parametrize("deadline", [False, True], ids=["text", "text and deadline"])
@pytest.mark.parametrize("syncs", ["one sync", "two syncs"])
def test_a_corrective_action_typed_and_cleared_before_signing_is_accepted_and_reads_as_matching(
    server_world: World, tmp_path: Path, syncs: str, deadline: bool
) -> None:
    """Typed in the item's box, cleared again, recorded as an action instead, signed and
    submitted offline; then one sync carries it all, or the typing was synced before."""
    world = server_world
    require_poppler()
    app = world.device(f"cleared-{syncs}-{deadline}".replace(" ", "-"), "an")
    iid = failed_critical_item(app, site_id(app, "DN-001"))
    type_in_the_box(app, iid, deadline)
    if syncs == "two syncs":
        sync_ok(app)
    clear_the_box(app, iid)
    action_id = app.add_action(iid, "team", "Thành lập Tổ an toàn, có quyết định", SOON)
    assert isinstance(action_id, str)
    sign_and_submit(app, iid)
    sync_ok(app)
    assert_accepted_and_matching(world, app, iid, tmp_path)
    with world.api("chi") as http:
        held = http.get(f"/api/v1/actions/{action_id}").json()
    assert (held["item"]["description"], held["item"]["deadline"]) == ("Thành lập Tổ an toàn, có quyết định", SOON)
    sync_ok(app)
    assert_converged(world, (app, "an"))


@pytest.mark.slow
def test_a_corrective_action_cleared_because_the_item_passes_after_all_is_accepted_in_one_sync(
    server_world: World, tmp_path: Path
) -> None:
    world = server_world
    require_poppler()
    app = world.device("cleared-passes", "an")
    iid = failed_critical_item(app, site_id(app, "DN-001"))
    type_in_the_box(app, iid, deadline=True)
    clear_the_box(app, iid)
    assert app.set_answer_value(iid, "team", "yes") is None
    sign_and_submit(app, iid)
    sync_ok(app)
    assert_accepted_and_matching(world, app, iid, tmp_path)
    sync_ok(app)
    assert_converged(world, (app, "an"))


def test_clearing_the_box_offline_leaves_the_phones_copy_of_the_action_as_the_server_will_hold_it(
    tmp_path: Path,
) -> None:
    """Made when the box is first given a text or a deadline (the item, the site, open), then
    the box's text and deadline, cleared ones included: the server's mirror of the same edits."""
    app = AppServices.open(tmp_path / "device")
    try:
        fake_session(app)
        seed(app, [sample_template(1)], {"s1": site_fields("DN-001", "Công ty May Hà Nội")})
        iid = failed_critical_item(app, "s1")
        assert app.inspection_actions(iid) == []
        type_in_the_box(app, iid, deadline=True)
        [typed] = app.inspection_actions(iid)
        assert (typed.id, typed.question_id, typed.site_id, typed.status) == (f"{iid}:team", "team", "s1", "open")
        assert (typed.description, typed.deadline) == (TEXT, SOON)
        clear_the_box(app, iid)
        [cleared] = app.inspection_actions(iid)
        assert (cleared.id, cleared.question_id, cleared.description, cleared.deadline) == (
            f"{iid}:team",
            "team",
            None,
            None,
        )
        # nothing is queued for it: the server makes it from the answer's own edits
        with app.store.read() as conn:
            queued = {row[0] for row in conn.execute("SELECT DISTINCT entity FROM outbox")}
        assert "action" not in queued
    finally:
        app.close()
