"""The registry, auth, review, blob and access services, tested as plain Python."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from shared_schema.protocol import answer_entity_id
from sync_server.core import audit, auth, blobs, checklists, inspections, local_time, registry, sync_service
from sync_server.core.access import SYSTEM, Actor, can_see_district, district_filter, visible_districts
from sync_server.core.config import ConfigError, from_env
from sync_server.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    TooLarge,
    Unauthorized,
)
from sync_server.reports.formatting import fmt_datetime, local_day
from tests.support.sample_checklist import sample_template
from tests.sync_server.conftest import DISTRICT_A, DISTRICT_B, PASSWORD, World
from tests.sync_server.helpers import (
    OLD_FEED_ROW,
    OLD_SCHEMA_MIGRATIONS,
    Device,
    assert_old_feed_row_pulls_as_written_now,
    complete_answers,
    dump_database,
    png_bytes,
    sha,
    unchanged,
)

# --- access policy ---------------------------------------------------------------------------


def test_access_policy_scopes_by_role_and_district() -> None:
    admin = Actor("1", "a", "admin")
    insp = Actor("2", "i", "inspector", frozenset({DISTRICT_A}))
    nobody = Actor("3", "n", "inspector", frozenset())
    assert visible_districts(admin) is None and can_see_district(admin, "anywhere")
    assert can_see_district(insp, DISTRICT_A) and not can_see_district(insp, DISTRICT_B)
    assert not can_see_district(insp, None)
    assert district_filter(admin, "d") == ("", [])
    assert district_filter(insp, "d") == (" AND d IN (?)", [DISTRICT_A])
    assert district_filter(nobody, "d") == (" AND 1 = 0", [])


# --- configuration ---------------------------------------------------------------------------


def test_config_defaults_and_generated_secret_is_kept(tmp_path) -> None:
    env = {"SYNC_DATABASE_URL": f"sqlite:///{tmp_path}/x/registry.db"}
    first = from_env(env)
    assert first.blob_dir.as_posix() == "var/blobs" and first.secret_key
    assert from_env(env).secret_key == first.secret_key
    assert ((tmp_path / "x" / "secret.key").stat().st_mode & 0o777) == 0o600
    with pytest.raises(ConfigError, match="SYNC_DATABASE_URL"):
        from_env({"SYNC_DATABASE_URL": "mysql://x"})
    with pytest.raises(ConfigError, match="SYNC_TOKEN_TTL_HOURS"):
        from_env({**env, "SYNC_TOKEN_TTL_HOURS": "soon"})


# --- auth ------------------------------------------------------------------------------------


def test_passwords_are_argon2_hashes(world: World) -> None:
    with world.server.db.read() as tx:
        hashes = [r[0] for r in tx.query("SELECT password_hash FROM users")]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(PASSWORD in h for h in hashes)


def test_login_failure_never_says_which_part_was_wrong(world: World) -> None:
    with pytest.raises(Unauthorized) as wrong_password:
        auth.login(world.server.db, world.server.auth, "insp_a", "wrong password")
    with pytest.raises(Unauthorized) as wrong_user:
        auth.login(world.server.db, world.server.auth, "nobody", PASSWORD)
    assert wrong_password.value.detail == wrong_user.value.detail


def test_login_is_rate_limited_per_user_name(world: World) -> None:
    for _ in range(3):
        with pytest.raises(Unauthorized):
            auth.login(world.server.db, world.server.auth, "insp_b", "nope")
    with pytest.raises(RateLimited) as err:
        auth.login(world.server.db, world.server.auth, "insp_b", PASSWORD)
    assert "Retry-After" in err.value.headers
    assert auth.login(world.server.db, world.server.auth, "insp_a", PASSWORD).access_token


def test_tokens_expire_and_are_stored_hashed(world: World) -> None:
    token = world.tokens["insp_a"]
    assert auth.authenticate(world.server.db, world.server.auth, token).username == "insp_a"
    with world.server.db.read() as tx:
        assert tx.one("SELECT 1 FROM tokens WHERE token_hash = ?", (token,)) is None
    with world.server.db.write() as tx:
        tx.execute("UPDATE tokens SET expires_at_ms = ?", (int(time.time() * 1000) - 1,))
    with pytest.raises(Unauthorized) as err:
        auth.authenticate(world.server.db, world.server.auth, token)
    assert err.value.code == "token_invalid"
    with pytest.raises(Unauthorized):
        auth.authenticate(world.server.db, world.server.auth, None)


def test_deactivating_a_user_ends_their_sessions(world: World) -> None:
    user = world.actor("insp_b")
    auth.update_user(world.server.db, SYSTEM, user.user_id, active=False)
    with pytest.raises(Unauthorized):
        auth.authenticate(world.server.db, world.server.auth, world.tokens["insp_b"])


def test_user_creation_rules(world: World) -> None:
    with pytest.raises(Forbidden):
        auth.create_user(world.server.db, world.actor("sup"), "x", PASSWORD, "inspector", [DISTRICT_A])
    with pytest.raises(Invalid, match="district"):
        auth.create_user(world.server.db, SYSTEM, "x", PASSWORD, "inspector", [])
    with pytest.raises(Conflict):
        auth.create_user(world.server.db, SYSTEM, "insp_a", PASSWORD, "inspector", [DISTRICT_A])


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(world: World) -> None:
    admin = world.actor("admin")
    before = dump_database(world.db_path)
    for change in ({"role": "supervisor", "districts": [DISTRICT_A]}, {"active": False}):
        with pytest.raises(Conflict) as refused:
            auth.update_user(world.server.db, admin, admin.user_id, **change)  # type: ignore[arg-type]
        assert refused.value.code == "last_admin"
        assert "quản trị viên cuối cùng" in refused.value.detail and "last active admin" in refused.value.detail
    assert dump_database(world.db_path) == before
    # an inactive admin is no stand-in; an active one is
    spare = auth.create_user(world.server.db, SYSTEM, "spare", PASSWORD, "admin")
    auth.update_user(world.server.db, SYSTEM, spare.id, active=False)
    with pytest.raises(Conflict):
        auth.update_user(world.server.db, admin, admin.user_id, active=False)
    auth.update_user(world.server.db, SYSTEM, spare.id, active=True)
    demoted = auth.update_user(world.server.db, admin, admin.user_id, role="supervisor", districts=[DISTRICT_A])
    assert demoted.role == "supervisor"


def test_an_inspector_always_keeps_a_district(world: World) -> None:
    inspector = world.actor("insp_b")
    admin = world.actor("admin")
    spare = auth.create_user(world.server.db, SYSTEM, "spare", PASSWORD, "admin")
    before = dump_database(world.db_path)
    for user_id, change in (
        (inspector.user_id, {"districts": []}),
        (inspector.user_id, {"districts": ["  "]}),
        (spare.id, {"role": "inspector"}),
    ):
        with pytest.raises(Invalid) as refused:
            auth.update_user(world.server.db, admin, user_id, **change)  # type: ignore[arg-type]
        assert refused.value.code == "district_required"
    assert dump_database(world.db_path) == before
    moved = auth.update_user(world.server.db, admin, inspector.user_id, districts=[DISTRICT_A])
    assert moved.districts == [DISTRICT_A]


@pytest.mark.parametrize(
    ("password", "reason_vi", "reason_en"),
    [
        ("12345678", "10 mật khẩu phổ biến nhất", "top-10 common password"),
        ("password", "10 mật khẩu phổ biến nhất", "top-10 common password"),
        ("qwertyuiop", "phổ biến", "common password"),
        ("abcdefghij", "Dãy liên tiếp", "Sequences"),
        ("x-newuser-x", "tên đăng nhập", "user's name"),
        ("short", "ít nhất 8 ký tự", "at least 8 characters"),
    ],
)
def test_guessable_passwords_are_refused_saying_why(
    world: World, password: str, reason_vi: str, reason_en: str
) -> None:
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as refused:
        auth.create_user(world.server.db, SYSTEM, "newuser", password, "inspector", [DISTRICT_A])
    assert refused.value.code == "weak_password"
    vi, en = refused.value.detail.split(" / ")
    assert reason_vi in vi and reason_en in en, refused.value.detail
    with pytest.raises(Invalid):
        reset = password.replace("newuser", "insp_b")  # the name of the user whose password is reset
        auth.update_user(world.server.db, SYSTEM, world.actor("insp_b").user_id, password=reset)
    assert dump_database(world.db_path) == before


# --- sites -----------------------------------------------------------------------------------

GOOD_CSV = (
    "id,code,name,kind,district,address,parent_id,workers,contact_name,contact_phone,lat,lon,notes\n"
    '11111111-1111-1111-1111-111111111111,KCN-X,KCN X,KCN,TX Phổ Yên,,,,,,21.4,105.9,"400 ha, nguồn [V]"\n'
    "22222222-2222-2222-2222-222222222222,DN-X,Công ty X,DN_SX,TX Phổ Yên,,11111111-1111-1111-1111-111111111111,"
    "1200,Anh Nam,0912,,,\n"
)


def test_csv_import_creates_then_updates_by_id(world: World) -> None:
    report = registry.import_sites_csv(world.server.db, SYSTEM, GOOD_CSV)
    assert (report.created, report.updated) == (2, 0)
    child = registry.get_site(world.server.db, SYSTEM, "22222222-2222-2222-2222-222222222222")
    assert child.parent_id == "11111111-1111-1111-1111-111111111111" and child.workers == 1200
    again = registry.import_sites_csv(world.server.db, SYSTEM, GOOD_CSV.replace("KCN X,", "KCN X mới,"))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert registry.get_site(world.server.db, SYSTEM, "11111111-1111-1111-1111-111111111111").name == "KCN X mới"


def test_csv_import_with_bad_rows_imports_nothing_and_names_every_row(world: World) -> None:
    bad = GOOD_CSV + (
        ",DN-Y,,DN_SX,TX Phổ Yên,,,,,,,,\n"  # row 4: no name
        ",DN-Z,Z,FACTORY,TX Phổ Yên,,,many,,,,,\n"  # row 5: bad kind and workers
        ",DN-W,W,DN_SX,TX Phổ Yên,,,,,,21.0,,\n"  # row 6: lat without lon
        ",DN-V,V,DN_SX,TX Phổ Yên,,no-such-parent,,,,,,\n"  # row 7: unknown parent
    )
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        registry.import_sites_csv(world.server.db, SYSTEM, bad)
    rows = sorted({e.row for e in err.value.errors})
    assert rows == [4, 5, 6, 7]
    assert any(e.field == "workers" for e in err.value.errors)


def test_a_csv_with_a_nul_character_imports_nothing_and_names_the_row(world: World) -> None:
    # An uploaded file is bytes the HTTP layer's NUL check does not read; PostgreSQL cannot
    # store NUL, so without this the import was a 500 there (and stored the NUL on SQLite).
    with_nul = GOOD_CSV.replace("Anh Nam", "Anh\x00Nam")
    before = dump_database(world.db_path)
    with pytest.raises(Invalid) as err:
        registry.import_sites_csv(world.server.db, SYSTEM, with_nul)
    assert [(e.row, e.field) for e in err.value.errors] == [(3, "contact_name")]
    assert "Dòng 3, cột contact_name" in err.value.errors[0].message
    assert "NUL" in err.value.errors[0].message
    assert dump_database(world.db_path) == before


@pytest.mark.parametrize("where", ["title", "source"])
def test_a_checklist_with_a_nul_character_is_refused_saying_where(world: World, where: str) -> None:
    # The console's draft form carries the document as JSON text, where "\u0000" is a NUL the
    # HTTP layer's check does not see; PostgreSQL answered 500.
    template = sample_template(version=9)
    source = None
    if where == "title":
        template = msgspec.structs.replace(template, title=msgspec.structs.replace(template.title, vi="Kiểm\x00tra"))
    else:
        source = "bang\x00kiem.xlsx"
    before = dump_database(world.db_path)
    with pytest.raises(BadRequest) as err:
        checklists.save_template(world.server.db, SYSTEM, template, dropped=[], source=source)
    assert err.value.code == "nul_character" and err.value.errors[0].field == (
        "title.vi" if where == "title" else "source"
    )
    assert "NUL" in err.value.detail and f" ở {err.value.errors[0].field}" in err.value.detail
    assert dump_database(world.db_path) == before


def test_csv_import_needs_the_required_columns_and_admin(world: World) -> None:
    with pytest.raises(Invalid, match="district"):
        registry.import_sites_csv(world.server.db, SYSTEM, "code,name,kind\nA,B,KCN\n")
    with pytest.raises(Forbidden):
        registry.import_sites_csv(world.server.db, world.actor("sup"), GOOD_CSV)


def test_site_edits_reach_the_feed_of_their_district(world: World) -> None:
    registry.update_site(world.server.db, SYSTEM, world.site_a, registry.SitePatch(address="Phường Đồng Tiến"))
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1))
    assert any(
        c["entity_id"] == world.site_a and c["field"] == "address" and c["value"] == "Phường Đồng Tiến"
        for c in page["changes"]
    )
    with pytest.raises(Invalid):
        registry.update_site(world.server.db, SYSTEM, world.site_a, registry.SitePatch(kind="UFO"))
    with pytest.raises(NotFound):
        registry.get_site(world.server.db, world.actor("insp_a"), world.site_b)


def test_site_listing_is_scoped_and_searchable(world: World) -> None:
    assert [s.id for s in registry.list_sites(world.server.db, world.actor("insp_a")).items] == [world.site_a]
    assert registry.list_sites(world.server.db, SYSTEM).total == 2
    assert [s.id for s in registry.list_sites(world.server.db, SYSTEM, q="máy b").items] == [world.site_b]


# --- templates -------------------------------------------------------------------------------


def test_published_versions_are_immutable(world: World) -> None:
    with pytest.raises(Conflict) as err:
        registry.save_template(world.server.db, SYSTEM, sample_template(1))
    assert "version 2" in err.value.detail
    saved = registry.save_template(world.server.db, SYSTEM, sample_template(2))
    assert saved.template.status == "draft" and saved.problems == []
    registry.publish_template(world.server.db, SYSTEM, "sample-factory", 2)
    assert {t.version for t in registry.list_templates(world.server.db, world.actor("insp_a"))} == {1, 2}


def test_a_draft_with_problems_is_saved_but_not_published(world: World) -> None:
    broken = msgspec.structs.replace(sample_template(3), site_kinds=[])
    saved = registry.save_template(world.server.db, SYSTEM, broken)
    assert [p.path for p in saved.problems] == ["site_kinds"]
    with pytest.raises(Invalid) as err:
        registry.publish_template(world.server.db, SYSTEM, "sample-factory", 3)
    assert err.value.errors[0].field == "site_kinds"
    assert [t.version for t in registry.list_templates(world.server.db, world.actor("insp_a"))] == [1]
    with pytest.raises(NotFound):
        registry.get_template(world.server.db, world.actor("insp_a"), "sample-factory", 3)


def test_retired_versions_stay_readable_but_take_no_new_inspections(world: World) -> None:
    registry.retire_template(world.server.db, SYSTEM, "sample-factory", 1)
    assert (
        registry.get_template(world.server.db, world.actor("insp_a"), "sample-factory", 1).summary.status == "retired"
    )
    dev = Device()
    _, create = dev.start_inspection(world.site_a)
    reply = sync_service.push(world.server.db, world.actor("insp_a"), dev.request(create))
    assert reply.results[1].code == "unknown_template"


def test_template_files_are_read_with_clear_errors() -> None:
    with pytest.raises(Invalid, match="kind"):
        registry.parse_template(
            '{"template_id": "x", "version": 1, "title": {"vi": "x"}, "site_kinds": ["KCN"],'
            ' "sections": [{"id": "s", "title": {"vi": "s"}, "questions": [{"kind": "hologram",'
            ' "id": "q", "label": {"vi": "q"}}]}], "scoring": {"bands": [],'
            ' "critical_failure_band": "x"}}'
        )
    with pytest.raises(Invalid):
        registry.parse_template("template_id: [", "yaml")


# --- review ----------------------------------------------------------------------------------


def submitted(world: World, user: str = "insp_a", with_blob: bool = True) -> tuple[str, Device, bytes]:
    dev = Device()
    signature = png_bytes(seed=7)
    iid, create = dev.start_inspection(world.site_a)
    sync_service.push(
        world.server.db,
        world.actor(user),
        dev.request(
            [*create, *complete_answers(dev, iid, sha(signature)), dev.change("inspection", iid, "status", "submitted")]
        ),
    )
    if with_blob:
        blobs.append(
            world.server.db, world.server.blobs, world.actor(user), sha(signature), 0, len(signature), signature, 10**6
        )
    return iid, dev, signature


def test_approve_writes_status_and_review_to_the_feed_and_history(world: World) -> None:
    iid, _dev, _ = submitted(world)
    detail = inspections.review(world.server.db, world.actor("sup"), iid, "approve", "Tốt")
    assert detail.summary.status == "approved"
    assert [r.decision for r in detail.reviews] == ["approve"]
    page = msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a"), 0, 1000, 1))
    fields = {(c["entity_id"], c["field"]): c["value"] for c in page["changes"]}
    assert fields[(iid, "status")] == "approved"
    assert fields[(iid, "review")]["reviewer"] == "sup"
    assert any(e.action == "inspection.approve" for e in audit.list_entries(world.server.db, SYSTEM))


def test_approved_inspection_is_locked(world: World) -> None:
    iid, dev, _ = submitted(world)
    inspections.review(world.server.db, world.actor("sup"), iid, "approve")
    reply = sync_service.push(world.server.db, world.actor("insp_a"), dev.request([dev.answer(iid, "workers", 1)]))
    assert reply.results[0].code == "locked"


def test_approval_is_refused_while_a_blob_is_missing(world: World) -> None:
    iid, _, signature = submitted(world, with_blob=False)
    with unchanged(world.db_path), pytest.raises(Conflict) as err:
        inspections.review(world.server.db, world.actor("sup"), iid, "approve")
    assert err.value.code == "blobs_missing"
    assert inspections.get_inspection(world.server.db, world.actor("sup"), iid).missing_blobs == [sha(signature)]


def test_approval_is_refused_while_a_conflict_is_open_until_resolved(world: World) -> None:
    dev = Device()
    signature = png_bytes(seed=7)
    iid, create = dev.start_inspection(world.site_a)
    sync_service.push(
        world.server.db, world.actor("insp_a"), dev.request([*create, *complete_answers(dev, iid, sha(signature))])
    )
    blobs.append(
        world.server.db, world.server.blobs, world.actor("insp_a"), sha(signature), 0, len(signature), signature, 10**6
    )
    other = Device()
    other.apply_pull(msgspec.json.decode(sync_service.pull(world.server.db, world.actor("insp_a2"), 0, 1000, 1)))
    sync_service.push(  # an edit concurrent with the first device's answer: a conflict
        world.server.db,
        world.actor("insp_a2"),
        other.request(
            [other.change("answer", answer_entity_id(iid, "manager"), "value", "B", base_hlc="000000000000001-00000-x")]
        ),
    )
    sync_service.push(
        world.server.db, world.actor("insp_a"), dev.request([dev.change("inspection", iid, "status", "submitted")])
    )
    detail = inspections.get_inspection(world.server.db, world.actor("sup"), iid)
    assert len(detail.conflicts) == 1
    with pytest.raises(Conflict) as err:
        inspections.review(world.server.db, world.actor("sup"), iid, "approve")
    assert err.value.code == "conflicts_open"
    inspections.resolve_conflict(world.server.db, world.actor("sup"), detail.conflicts[0].id)
    assert inspections.review(world.server.db, world.actor("sup"), iid, "approve").summary.status == "approved"


def test_review_rules(world: World) -> None:
    iid, _, _ = submitted(world)
    with pytest.raises(Forbidden):
        inspections.review(world.server.db, world.actor("insp_a"), iid, "approve")
    with pytest.raises(Invalid):
        inspections.review(world.server.db, world.actor("sup"), iid, "return", "  ")
    returned = inspections.review(world.server.db, world.actor("sup"), iid, "return", "Thiếu ảnh cổng")
    assert returned.summary.status == "returned"
    with pytest.raises(Conflict):
        inspections.review(world.server.db, world.actor("sup"), iid, "approve")  # returned → approved is not allowed


def test_rejecting_needs_a_comment_saying_why_and_approving_needs_none(world: World) -> None:
    iid, _, _ = submitted(world)
    with unchanged(world.db_path), pytest.raises(Invalid) as err:
        inspections.review(world.server.db, world.actor("sup"), iid, "reject", "   ")
    assert err.value.code == "comment_required"
    assert "lý do" in err.value.detail and "Rejecting an inspection needs a comment" in err.value.detail
    rejected = inspections.review(world.server.db, world.actor("sup"), iid, "reject", "Cơ sở sai địa chỉ")
    assert rejected.summary.status == "rejected"
    assert [(r.decision, r.comment) for r in rejected.reviews] == [("reject", "Cơ sở sai địa chỉ")]
    other, _, _ = submitted(world)
    assert inspections.review(world.server.db, world.actor("sup"), other, "approve").summary.status == "approved"


def test_inspection_listing_filters_and_scope(world: World) -> None:
    iid, _, _ = submitted(world)
    page = inspections.list_inspections(world.server.db, world.actor("sup"), status="submitted")
    assert [i.id for i in page.items] == [iid] and page.counts == {"submitted": 1}
    assert inspections.list_inspections(world.server.db, world.actor("insp_b")).total == 0
    with pytest.raises(NotFound):
        inspections.get_inspection(world.server.db, world.actor("insp_b"), iid)
    with pytest.raises(Invalid):
        inspections.list_inspections(world.server.db, world.actor("sup"), sort="random")


# --- blobs -----------------------------------------------------------------------------------


def test_resumed_upload_equals_one_shot_upload(world: World) -> None:
    data = png_bytes(5000, seed=3)
    digest = sha(data)
    actor = world.actor("insp_a")
    st = blobs.append(world.server.db, world.server.blobs, actor, digest, 0, len(data), data[:1200], 10**6)
    assert (st.offset, st.complete) == (1200, False)
    with pytest.raises(Conflict) as err:
        blobs.append(world.server.db, world.server.blobs, actor, digest, 0, len(data), data[:10], 10**6)
    assert err.value.headers["Upload-Offset"] == "1200"
    assert blobs.status(world.server.db, world.server.blobs, actor, digest).offset == 1200
    st = blobs.append(world.server.db, world.server.blobs, actor, digest, 1200, len(data), data[1200:], 10**6)
    assert st.complete and st.media_type == "image/png"
    assert b"".join(world.server.blobs.read_chunks(digest)) == data


def test_wrong_hash_discards_the_upload(world: World) -> None:
    data = png_bytes(100)
    wrong = sha(b"something else")
    actor = world.actor("insp_a")
    with pytest.raises(Invalid) as err:
        blobs.append(world.server.db, world.server.blobs, actor, wrong, 0, len(data), data, 10**6)
    assert err.value.code == "hash_mismatch"
    with pytest.raises(NotFound):
        blobs.status(world.server.db, world.server.blobs, actor, wrong)


def test_blob_media_type_and_size_are_checked(world: World) -> None:
    text = b"this is not an image at all"
    with pytest.raises(blobs.UnsupportedMedia):
        blobs.append(world.server.db, world.server.blobs, world.actor("insp_a"), sha(text), 0, len(text), text, 10**6)
    with pytest.raises(TooLarge):
        blobs.append(world.server.db, world.server.blobs, world.actor("insp_a"), sha(b"x"), 0, 10**7, b"", 10**6)


def test_blobs_are_served_only_to_those_who_may_see_an_inspection_naming_them(world: World) -> None:
    _iid, _, signature = submitted(world)
    digest = sha(signature)
    for user in ("insp_a", "insp_a2", "sup", "admin"):
        assert blobs.readable(world.server.db, world.server.blobs, world.actor(user), digest).complete
    with pytest.raises(NotFound):
        blobs.readable(world.server.db, world.server.blobs, world.actor("insp_b"), digest)


# --- content files ---------------------------------------------------------------------------


def test_load_checklist_file_reads_yaml_saves_drafts_with_problems_and_is_idempotent(world: World, tmp_path) -> None:
    import yaml

    from sync_server.core import content

    good = tmp_path / "v2.yaml"
    good.write_text(yaml.safe_dump(msgspec.to_builtins(sample_template(2)), allow_unicode=True), encoding="utf-8")
    first = content.load_checklist_file(world.server, good, publish=True)
    assert (first.template_id, first.version, first.status) == ("sample-factory", 2, "published")
    again = content.load_checklist_file(world.server, good, publish=True)
    assert "already published" in again.message
    broken = tmp_path / "v3.json"
    broken.write_bytes(msgspec.json.encode(msgspec.structs.replace(sample_template(3), site_kinds=[])))
    draft = content.load_checklist_file(world.server, broken)
    assert draft.status == "draft" and any("site_kinds" in p for p in draft.problems)
    with pytest.raises(Invalid):
        content.load_checklist_file(world.server, broken, publish=True)


def test_seed_demo_loads_the_shipped_checklists_through_the_reader_the_content_tests_check(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync_server.core import content

    read: list[Path] = []
    reader = content.read_checklist_file

    def recording_reader(path: Path) -> Any:
        read.append(path)
        return reader(path)

    monkeypatch.setattr(content, "read_checklist_file", recording_reader)
    content.seed_demo(world.server)
    assert read == content.checklist_paths() and read
    read.clear()
    shipped = content.load_checklists()  # what tests/content checks, read the same way
    assert read == content.checklist_paths()
    for template in shipped:
        stored = registry.get_template(world.server.db, world.actor("admin"), template.template_id, template.version)
        assert (stored.summary.status, stored.document) == ("published", template)


def test_a_feed_row_written_before_the_migrations_is_pulled_as_the_server_writes_it_now(tmp_path) -> None:
    import sqlite3

    from sync_server.core.migrations import migrate, migration_files
    from sync_server.core.server import Server
    from tests.sync_server.conftest import make_config

    db_file = tmp_path / "registry.db"
    conn = sqlite3.connect(db_file)
    conn.executescript(migration_files("sqlite")[0].read_text(encoding="utf-8"))
    for statement in (*OLD_SCHEMA_MIGRATIONS, OLD_FEED_ROW):
        conn.execute(statement)
    conn.commit()
    conn.close()
    server = Server.open(make_config(tmp_path))
    try:
        assert migrate(server.db) == []  # applied on open
        with server.db.read() as tx:  # migration 0016: the pull text is built on read, not stored
            assert "tail" not in {r[1] for r in tx.query("PRAGMA table_info(feed)")}
        assert_old_feed_row_pulls_as_written_now(server.db)
    finally:
        server.close()


def test_date_filters_use_local_days_an_inspection_at_six_in_the_morning_is_that_day(world: World) -> None:
    dev = Device()
    iid, create = dev.start_inspection(world.site_a)
    # 06:00 on 2 May in Viet Nam is 23:00 UTC on 1 May.
    sync_service.push(
        world.server.db,
        world.actor("insp_a"),
        dev.request([*create, dev.change("inspection", iid, "started_at", "2026-05-01T23:00:00+00:00")]),
    )

    def listed(date_from: str | None, date_to: str | None) -> list[str]:
        page = inspections.list_inspections(world.server.db, world.actor("sup"), date_from=date_from, date_to=date_to)
        return [i.id for i in page.items]

    assert listed("2026-05-02", "2026-05-02") == [iid]
    assert listed("2026-05-02", None) == [iid]
    assert listed(None, "2026-05-01") == []
    assert listed("2026-05-01", "2026-05-01") == []
    with pytest.raises(Invalid) as err:
        listed("02/05/2026", None)
    assert err.value.code == "invalid_date"


def test_local_days_follow_the_configured_time_zone() -> None:
    assert from_env({"SYNC_SECRET_KEY": "k"}).timezone == "Asia/Ho_Chi_Minh"
    with pytest.raises(ConfigError, match="SYNC_TIMEZONE"):
        from_env({"SYNC_SECRET_KEY": "k", "SYNC_TIMEZONE": "Mars/Olympus"})
    six_in_hanoi = "2026-05-01T23:00:00Z"
    assert local_day(six_in_hanoi).isoformat() == "2026-05-02"
    assert fmt_datetime(six_in_hanoi) == "06:00 02/05/2026"
    assert local_time.day_start_utc(dt.date(2026, 5, 2)) == "2026-05-01T17:00:00"
    try:
        local_time.configure(from_env({"SYNC_SECRET_KEY": "k", "SYNC_TIMEZONE": "UTC"}).timezone)
        assert local_day(six_in_hanoi).isoformat() == "2026-05-01"
        assert local_time.day_start_utc(dt.date(2026, 5, 2)) == "2026-05-02T00:00:00"
    finally:
        local_time.configure(local_time.DEFAULT_TIMEZONE)
