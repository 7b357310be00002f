"""Who may read a blob (PROTOCOL.md §9): its uploader, and users who may see an inspection
that currently names it through a reference its uploader (or a reader) made. Naming a hash
seen elsewhere grants nothing; clearing the answer revokes. HEAD tells nobody else that a blob
exists. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from shared_schema.sync import Change
from sync_server.core import blobs, sync_service
from sync_server.core.errors import NotFound
from tests.sync_server.conftest import World
from tests.sync_server.helpers import Device, png_bytes, sha
from tests.sync_server.test_actions import new_action


def push(world: World, user: str, device: Device, changes: list[Change]) -> None:
    reply = sync_service.push(world.server.db, world.actor(user), device.request(changes))
    assert [r.status for r in reply.results] == ["applied"] * len(changes), reply.results


def upload(world: World, user: str, data: bytes, upto: int | None = None) -> None:
    end = len(data) if upto is None else upto
    blobs.append(world.server.db, world.server.blobs, world.actor(user), sha(data), 0, len(data), data[:end], 10**6)


def can_read(world: World, user: str, digest: str) -> bool:
    try:
        blobs.readable(world.server.db, world.server.blobs, world.actor(user), digest)
    except NotFound:
        return False
    return True


def head(world: World, user: str, digest: str) -> Any:
    try:
        return blobs.status(world.server.db, world.server.blobs, world.actor(user), digest)
    except NotFound as exc:
        return (exc.status, exc.code, exc.detail)


def photo_inspection(world: World, user: str, device: Device, site: str, digest: str) -> str:
    iid, create = device.start_inspection(site)
    push(world, user, device, [*create, device.answer(iid, "team", [digest], field="photos")])
    return iid


def test_naming_another_inspections_photo_grants_nothing_and_clearing_the_answer_revokes(world: World) -> None:
    photo = png_bytes(seed=41)
    digest = sha(photo)
    inspector = Device()
    iid = photo_inspection(world, "insp_a", inspector, world.site_a, digest)
    upload(world, "insp_a", photo)
    assert [can_read(world, u, digest) for u in ("insp_a", "insp_a2", "sup", "admin", "insp_b")] == [
        True,
        True,
        True,
        True,
        False,
    ]
    # Another district's inspector puts the hash in an answer of their own inspection.
    thief = Device()
    photo_inspection(world, "insp_b", thief, world.site_b, digest)
    assert not can_read(world, "insp_b", digest)
    missing = head(world, "insp_b", sha(b"never uploaded"))
    assert head(world, "insp_b", digest) == missing and missing[0] == 404
    # Clearing the answer's photos revokes what that inspection granted; the uploader keeps it.
    push(world, "insp_a", inspector, [inspector.answer(iid, "team", [], field="photos")])
    assert [can_read(world, u, digest) for u in ("insp_a", "insp_a2", "sup", "admin")] == [True, False, False, False]
    assert head(world, "sup", digest) == missing
    # Naming it again (its uploader's inspection) restores it.
    push(world, "insp_a", inspector, [inspector.answer(iid, "team", [digest], field="photos")])
    assert can_read(world, "sup", digest) and not can_read(world, "insp_b", digest)


def test_a_reader_may_name_a_blob_in_another_inspection_of_the_team(world: World) -> None:
    photo = png_bytes(seed=42)
    digest = sha(photo)
    photo_inspection(world, "insp_a", Device(), world.site_a, digest)
    upload(world, "insp_a", photo)
    # insp_a2 (same district) may read the photo, so naming it vouches for it.
    photo_inspection(world, "insp_a2", Device(), world.site_a, digest)
    assert can_read(world, "insp_a2", digest)


def test_the_uploader_resumes_and_confirms_an_upload_before_naming_it_and_no_one_else_sees_it(world: World) -> None:
    photo = png_bytes(size=5000, seed=43)
    digest = sha(photo)
    upload(world, "insp_a2", photo, upto=1000)
    mine = head(world, "insp_a2", digest)
    assert (mine.offset, mine.complete, mine.length) == (1000, False, len(photo))
    missing = head(world, "sup", sha(b"never uploaded"))
    assert head(world, "sup", digest) == missing and head(world, "insp_a", digest) == missing
    blobs.append(
        world.server.db, world.server.blobs, world.actor("insp_a2"), digest, 1000, len(photo), photo[1000:], 10**6
    )
    assert head(world, "insp_a2", digest).complete and can_read(world, "insp_a2", digest)
    assert not can_read(world, "sup", digest) and not can_read(world, "admin", digest)
    photo_inspection(world, "insp_a2", Device(), world.site_a, digest)
    assert can_read(world, "sup", digest) and head(world, "sup", digest).complete


def test_head_over_http_answers_others_as_for_a_missing_blob(api: Any) -> None:
    client, world = api
    photo = png_bytes(seed=44)
    digest = sha(photo)
    upload(world, "insp_a", photo)
    owner = client.head(f"/api/v1/blobs/{digest}", headers=world.headers("insp_a"))
    assert owner.status_code == 200 and owner.headers["Upload-Complete"] == "1"
    other = client.head(f"/api/v1/blobs/{digest}", headers=world.headers("insp_b"))
    absent = client.head(f"/api/v1/blobs/{sha(b'nothing')}", headers=world.headers("insp_b"))
    assert other.status_code == absent.status_code == 404
    assert dict(other.headers).keys() == dict(absent.headers).keys()
    assert client.get(f"/api/v1/blobs/{digest}", headers=world.headers("insp_b")).status_code == 404


@pytest.mark.parametrize("field", ["photos"])
def test_references_follow_the_answer_when_another_team_member_edits_it(world: World, field: str) -> None:
    photo = png_bytes(seed=45)
    digest = sha(photo)
    inspector = Device()
    iid = photo_inspection(world, "insp_a", inspector, world.site_a, digest)
    upload(world, "insp_a", photo)
    colleague = Device()
    push(world, "insp_a2", colleague, [colleague.answer(iid, "masks", [digest], field=field)])
    push(world, "insp_a", inspector, [inspector.answer(iid, "team", [], field=field)])
    assert can_read(world, "sup", digest)  # still named (by the colleague, who could read it)
    push(world, "insp_a2", colleague, [colleague.answer(iid, "masks", [], field=field)])
    assert not can_read(world, "sup", digest)


def test_an_actions_photos_are_read_through_its_inspection_and_follow_its_changes(world: World) -> None:
    """'…or an action that does' (PROTOCOL.md §9): a corrective action's finding and fix
    photos are read by whoever may see its inspection; clearing them revokes, and naming a
    stranger's hash in an action of one's own grants nothing."""
    photo = png_bytes(seed=46)
    digest = sha(photo)
    inspector = Device()
    iid, create = inspector.start_inspection(world.site_a)
    push(world, "insp_a", inspector, [*create, inspector.answer(iid, "temp_check", "no")])
    aid, action = new_action(inspector, iid)
    push(world, "insp_a", inspector, [*action, inspector.change("action", aid, "finding_photos", [digest])])
    upload(world, "insp_a", photo)
    assert [can_read(world, u, digest) for u in ("insp_a2", "sup", "insp_b")] == [True, True, False]
    # Another district's inspector names the hash in an action of their own inspection.
    thief = Device()
    theirs, create = thief.start_inspection(world.site_b)
    push(world, "insp_b", thief, [*create, thief.answer(theirs, "temp_check", "no")])
    their_action, action = new_action(thief, theirs)
    push(world, "insp_b", thief, [*action, thief.change("action", their_action, "fix_photos", [digest])])
    assert not can_read(world, "insp_b", digest)
    assert head(world, "insp_b", digest) == head(world, "insp_b", sha(b"never uploaded"))
    # Clearing the action's photos revokes what it granted; the uploader keeps the blob.
    push(world, "insp_a", inspector, [inspector.change("action", aid, "finding_photos", [])])
    assert [can_read(world, u, digest) for u in ("insp_a", "insp_a2", "sup")] == [True, False, False]
