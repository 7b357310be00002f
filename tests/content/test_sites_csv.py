"""The demo registry of Thai Nguyen sites: well formed, linked, and free of invented facts."""

from __future__ import annotations

import csv
import unicodedata
import uuid

import msgspec
import pytest

from shared_schema.records import SITE_KINDS, Site
from sync_server.core.content import DISTRICTS_2021, SITE_CSV_COLUMNS, load_sites_csv_path

with load_sites_csv_path().open(encoding="utf-8", newline="") as fh:
    READER = csv.DictReader(fh)
    HEADER = READER.fieldnames
    ROWS = list(READER)
BY_CODE = {r["code"]: r for r in ROWS}
BY_ID = {r["id"]: r for r in ROWS}


def test_header_is_the_documented_column_list() -> None:
    assert tuple(HEADER or ()) == SITE_CSV_COLUMNS


def test_ids_are_unique_uuids_and_codes_unique() -> None:
    assert len(BY_ID) == len(ROWS) and len(BY_CODE) == len(ROWS)
    for row in ROWS:
        assert str(uuid.UUID(row["id"])) == row["id"]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["code"])
def test_row_has_a_known_kind_a_2021_district_and_converts_to_a_site(row: dict[str, str]) -> None:
    assert row["kind"] in SITE_KINDS
    assert row["district"] in DISTRICTS_2021
    assert row["name"].strip() and row["code"].strip()
    for value in row.values():
        assert value == unicodedata.normalize("NFC", value), "Vietnamese text must be NFC"
        assert value == value.strip()
    site = msgspec.convert(
        {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "kind": row["kind"],
            "district": row["district"],
            "address": row["address"] or None,
            "parent_id": row["parent_id"] or None,
            "workers": int(row["workers"]) if row["workers"] else None,
            "notes": row["notes"] or None,
        },
        Site,
    )
    assert site.id == row["id"]


def test_parent_ids_resolve_to_an_industrial_park_or_cluster() -> None:
    children = [r for r in ROWS if r["parent_id"]]
    assert children, "at least one enterprise is linked to its park"
    for row in children:
        assert BY_ID[row["parent_id"]]["kind"] in ("KCN", "CCN"), row["code"]
    assert BY_ID[BY_CODE["DN-SEVT"]["parent_id"]]["name"] == "KCN Yên Bình"


def test_the_enterprises_named_in_the_directive_and_the_required_site_kinds_are_present() -> None:
    names = {r["name"] for r in ROWS}
    for expected in (
        "Công ty Cổ phần Gang thép Thái Nguyên (TISCO)",
        "Công ty Cổ phần may TDT Phú Bình",
        "Nhà máy may TNG Phú Bình",
        "Samsung Electronics Việt Nam Thái Nguyên (SEVT)",
        "Chợ Thái",
    ):
        assert expected in names
    assert any(n.startswith("Chợ Túc Duyên") for n in names)
    kinds = {r["kind"] for r in ROWS}
    assert {"KCN", "CCN", "DN_SX", "CHO", "CHO_DM", "ST"} <= kinds
    assert kinds & {"KTX", "NT"}


def test_no_invented_numbers_contacts_or_coordinates() -> None:
    # The research gives no headcount, phone, contact or GPS position for any site.
    for column in ("workers", "contact_name", "contact_phone", "lat", "lon"):
        assert [r["code"] for r in ROWS if r[column]] == [], column


@pytest.mark.parametrize(
    ("code", "blank"),
    [
        ("DN-TISCO", "address"),  # phường Cam Giá is [U]
        ("DN-SEVT", "workers"),  # headcount [U]
        ("DN-TDTPHUBINH", "address"),
        ("DN-TNGPHUBINH", "address"),  # branch addresses [U]
        ("DN-TNGPHUBINH", "parent_id"),  # not known to sit in a park or cluster
        ("DN-TISCO", "parent_id"),  # KCN Gang Thép is only [P]
        ("CHO-THAI", "address"),  # no source found [U]
        ("ST-GOBIGC-TN", "address"),
    ],
)
def test_unverified_facts_are_left_blank(code: str, blank: str) -> None:
    assert BY_CODE[code][blank] == ""


def test_unverified_rows_say_so_in_their_notes() -> None:
    for code in ("DN-TISCO", "CHO-THAI", "ST-GOBIGC-TN"):
        assert "[U]" in BY_CODE[code]["notes"], code


def test_dormitories_are_generic_placeholders_marked_as_demo() -> None:
    housing = [r for r in ROWS if r["kind"] in ("KTX", "NT")]
    assert housing
    for row in housing:
        assert "(mẫu)" in row["name"]
        assert "demo placeholder" in row["notes"]
