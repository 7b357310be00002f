"""The phone build installs only native packages Flet's mobile index carries, at those versions.

The list is ``../shared/MOBILE_PACKAGES.md`` (the workplace's, beside the clone), read at test time;
where it is absent (a fresh clone anywhere else) the repository's copy beside this file is read, and
wherever it is present the copy must equal it.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from packaging.version import Version

from tests.support import mobile_packages as mp


@pytest.fixture(scope="module")
def mobile() -> dict[str, Version]:
    path = mp.mobile_list()
    packages = mp.parse_mobile_list(path.read_text(encoding="utf-8"))
    assert len(packages) > 50, f"{path} lists only {len(packages)} packages: is it the right file?"
    return packages


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return mp.load_pyproject()


@pytest.fixture(scope="module")
def constraints() -> dict[str, Version]:
    return mp.load_constraints()


def with_phone_dependency(pyproject: dict, requirement: str) -> dict:
    changed = copy.deepcopy(pyproject)
    for platform in ("android", "ios"):
        deps = changed["tool"]["flet"][platform]["dependencies"]
        name = requirement.split("=")[0]
        deps[:] = [d for d in deps if not d.startswith(name + "=")] + [requirement]
    return changed


def test_the_list_is_read_as_name_and_version():
    text = "intro\n```\nmsgspec 0.21.1\nPillow 12.2.0\nruamel.yaml.clib 0.2.15\n```\nnot 1.0\n"
    assert mp.parse_mobile_list(text) == {
        "msgspec": Version("0.21.1"),
        "pillow": Version("12.2.0"),
        "ruamel-yaml-clib": Version("0.2.15"),
    }


def test_the_list_is_found_beside_the_clone_or_above_it(tmp_path: Path):
    clone = tmp_path / "wt" / "repo"
    clone.mkdir(parents=True)
    assert mp.find_mobile_list(clone) is None
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / mp.LIST_NAME).write_text("```\nmsgspec 0.21.1\n```\n")
    assert mp.find_mobile_list(clone) == tmp_path / "shared" / mp.LIST_NAME


def test_without_the_workplace_list_the_repository_copy_is_read(tmp_path: Path):
    clone = tmp_path / "elsewhere" / "repo"
    (clone / mp.COPY_PATH).parent.mkdir(parents=True)
    (clone / mp.COPY_PATH).write_text("<!-- a copy -->\n```\nmsgspec 0.21.1\n```\n")
    assert mp.mobile_list(clone) == clone / mp.COPY_PATH
    (tmp_path / "elsewhere" / "shared").mkdir()
    (tmp_path / "elsewhere" / "shared" / mp.LIST_NAME).write_text("```\nmsgspec 0.21.1\n```\n")
    assert mp.mobile_list(clone) == tmp_path / "elsewhere" / "shared" / mp.LIST_NAME


def test_the_repository_copy_says_where_it_comes_from_and_lists_the_packages():
    text = (mp.ROOT / mp.COPY_PATH).read_text(encoding="utf-8")
    assert "shared/MOBILE_PACKAGES.md" in text.splitlines()[0]
    copied = mp.parse_mobile_list(mp.copy_body(text))
    assert len(copied) > 50 and copied["msgspec"] == Version("0.21.1")


def test_the_repository_copy_equals_the_workplace_list():
    workplace = mp.find_mobile_list()
    if workplace is None:
        pytest.skip(f"no workplace shared/{mp.LIST_NAME} beside this clone: the copy is what the check reads")
    copy_text = (mp.ROOT / mp.COPY_PATH).read_text(encoding="utf-8")
    assert mp.copy_body(copy_text) == workplace.read_text(encoding="utf-8"), (
        f"{mp.COPY_PATH} differs from {workplace}: copy the workplace file below the copy's first line"
    )


def test_a_copy_without_its_note_or_out_of_date_is_told_apart():
    listed = "intro\n```\nmsgspec 0.21.1\n```\n"
    assert mp.copy_body("<!-- from shared -->\n" + listed) == listed
    assert mp.copy_body("<!-- from shared -->\n" + listed.replace("0.21.1", "0.21.0")) != listed
    with pytest.raises(ValueError, match="where it comes from"):
        mp.copy_body(listed)


def test_the_phone_build_needs_no_native_package_the_mobile_index_lacks(pyproject, constraints, mobile):
    found = mp.problems(pyproject, constraints, mobile)
    assert found == [], "the phone build could not install:\n" + "\n".join(found)


def test_the_closure_reaches_the_native_packages_the_app_really_uses(pyproject):
    roots, pins = mp.phone_roots(pyproject, "android")
    walk = mp.closure(roots, "android")
    assert {"msgspec", "msgpack", "pillow", "flet", "httpx", "sqlite-utils", "flet-camera"} <= set(walk.packages)
    # the web server of the browser build is not part of the phone app
    assert "flet-web" not in walk.packages and "uvloop" not in walk.packages
    assert pins["msgspec"] == Version("0.21.1")


def test_an_unlisted_native_dependency_fails_the_check_and_is_named(pyproject, constraints, mobile):
    assert "uvloop" not in mobile  # a native package (installed here for the server) the index lacks
    found = mp.problems(with_phone_dependency(pyproject, "uvloop"), constraints, mobile)
    assert found and all("uvloop" in p and "not on Flet's mobile index" in p for p in found), found


def test_a_native_dependency_newer_than_listed_fails_the_check_and_is_named(pyproject, constraints, mobile):
    found = mp.problems(with_phone_dependency(pyproject, "msgspec==0.22.0"), constraints, mobile)
    assert any("msgspec 0.22.0 is newer than the mobile index's 0.21.1" in p for p in found), found


def test_a_native_package_dropped_from_the_list_fails_the_check(pyproject, constraints, mobile):
    shorter = {name: v for name, v in mobile.items() if name != "pillow"}
    found = mp.problems(pyproject, constraints, shorter, platforms=("android",))
    assert found == [
        "android: pillow 12.2.0 has native code and is not on Flet's mobile index (MOBILE_PACKAGES.md): "
        "a phone build cannot install it"
    ]


def test_a_pure_python_dependency_needs_no_listing(pyproject, constraints, mobile):
    # sqlite-utils, httpx, flet are pure Python: not on the list, and no problem
    assert not {"sqlite-utils", "httpx", "flet"} & set(mobile)
    assert mp.problems(pyproject, constraints, mobile, platforms=("ios",)) == []
