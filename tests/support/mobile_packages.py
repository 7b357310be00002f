"""Can `flet build apk|ipa` install the field app's dependencies?

A package with native (compiled) code installs on a phone only if Flet's mobile package index
carries it, at that version or older: ``../shared/MOBILE_PACKAGES.md`` lists them (the workplace's
file beside the clone; ``tests/mobile/MOBILE_PACKAGES.md`` is the repository's copy of it, read
where the workplace file is absent, as in a fresh clone elsewhere). This module
walks the field app's dependency closure for each phone platform (the ``app`` extra plus
``[project].dependencies`` plus ``[tool.flet.<platform>].dependencies``, markers evaluated for
that platform) through the installed packages' metadata, takes each package's version from the
phone build's own pin, else ``constraints.txt``, else what is installed, and names every native
package that is missing from the list or newer than listed.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LIST_NAME = "MOBILE_PACKAGES.md"
# The repository's copy of the workplace list: one first line saying where it comes from, then
# the workplace file exactly (tests/mobile checks the two agree whenever the workplace file exists).
COPY_PATH = Path("tests") / "mobile" / LIST_NAME

# Marker environments of the phone platforms (Python on Android/iOS reports these).
PLATFORMS: dict[str, dict[str, str]] = {
    "android": {"sys_platform": "android", "platform_system": "Android", "os_name": "posix"},
    "ios": {"sys_platform": "ios", "platform_system": "iOS", "os_name": "posix"},
}


def find_mobile_list(root: Path = ROOT) -> Path | None:
    """``shared/MOBILE_PACKAGES.md`` beside the clone (CI: ``../shared``) or beside any folder
    above it (a git worktree sits deeper); None when there is none."""
    for folder in [root, *root.parents]:
        candidate = folder / "shared" / LIST_NAME
        if candidate.is_file():
            return candidate
    return None


def mobile_list(root: Path = ROOT) -> Path:
    """The list the check reads: the workplace's ``shared/MOBILE_PACKAGES.md`` when there is one
    (``find_mobile_list``), else the repository's copy (``tests/mobile/MOBILE_PACKAGES.md``)."""
    return find_mobile_list(root) or root / COPY_PATH


def copy_body(text: str) -> str:
    """The repository copy's text without its first line (the note saying where it comes from):
    what must equal the workplace file."""
    first, _, rest = text.partition("\n")
    if not first.startswith("<!--"):
        raise ValueError(f"{COPY_PATH} must start with a one-line <!-- ... --> note saying where it comes from")
    return rest


def parse_mobile_list(text: str) -> dict[str, Version]:
    """``name version`` lines of the list's code block → {canonical name: version}."""
    packages: dict[str, Version] = {}
    in_block = False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        parts = line.split()
        if in_block and len(parts) == 2:
            packages[canonicalize_name(parts[0])] = Version(parts[1])
    return packages


def parse_constraints(text: str) -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in text.splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;#]+)", line)
        if match:
            pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


# Packages whose every release is also published as a pure-Python wheel (``py3-none-any``) beside
# the compiled ones: a phone build, finding no wheel for its platform, installs that one. Their
# compiled modules are optional speed-ups. (Checked for the pinned version with
# ``pip download --only-binary=:all: --platform any fonttools==4.68.0``.)
PURE_WHEEL_PUBLISHED: dict[str, str] = {
    "fonttools": "fpdf2's font subsetting; pure-Python wheel on PyPI, C accelerators optional",
}


def _is_native(dist: md.Distribution) -> bool:
    """A wheel built for a platform (not ``py3-none-any``), or one that installed compiled files."""
    wheel = dist.read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    if tags:
        return any(not tag.endswith("-none-any") for tag in tags)
    return any(str(f).endswith((".so", ".pyd", ".dylib")) for f in dist.files or [])


@dataclass
class Closure:
    """One platform's dependency closure: every package reached, and what could not be read."""

    platform: str
    packages: dict[str, list[Requirement]] = field(default_factory=dict)  # name → requirements on it
    not_installed: set[str] = field(default_factory=set)


def closure(roots: Iterable[str], platform: str) -> Closure:
    """Walk the requirements from ``roots`` through installed metadata, markers for ``platform``."""
    env = {**default_environment(), **PLATFORMS[platform]}
    found = Closure(platform)
    queue: list[Requirement] = [Requirement(r) for r in roots]
    seen_extras: dict[str, set[str]] = {}
    while queue:
        req = queue.pop(0)
        if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
            continue
        name = canonicalize_name(req.name)
        found.packages.setdefault(name, []).append(req)
        extras = set(req.extras)
        if name in seen_extras and extras <= seen_extras[name]:
            continue
        seen_extras[name] = seen_extras.get(name, set()) | extras
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            found.not_installed.add(name)
            continue
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({**env, "extra": e}) for e in ({""} | seen_extras[name])):
                queue.append(Requirement(str(sub).split(";")[0]))
    return found


def phone_roots(pyproject: Mapping, platform: str) -> tuple[list[str], dict[str, Version]]:
    """The requirements `flet build` installs for ``platform`` (plus the ``app`` extra), and the
    exact pins (``==``) of the phone build's own list."""
    project = pyproject.get("project", {})
    phone = pyproject.get("tool", {}).get("flet", {}).get(platform, {}).get("dependencies", [])
    roots = [*project.get("dependencies", []), *project.get("optional-dependencies", {}).get("app", []), *phone]
    pins: dict[str, Version] = {}
    for text in phone:
        req = Requirement(text)
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if exact:
            pins[canonicalize_name(req.name)] = Version(exact[0])
    return roots, pins


def problems(
    pyproject: Mapping,
    constraints: Mapping[str, Version],
    mobile: Mapping[str, Version],
    platforms: Iterable[str] = ("android", "ios"),
) -> list[str]:
    """Every reason a phone build could not install the field app's dependencies, in words;
    each names the package. Empty when all is well."""
    found: list[str] = []
    for platform in platforms:
        roots, pins = phone_roots(pyproject, platform)
        walk = closure(roots, platform)
        for name in sorted(walk.not_installed):
            found.append(
                f"{platform}: {name} is a dependency of the phone build but is not installed here, "
                "so whether it has native code cannot be checked (install the project's extras)"
            )
        for name, reqs in sorted(walk.packages.items()):
            if name in walk.not_installed:
                continue
            dist = md.distribution(name)
            version = pins.get(name) or constraints.get(name) or Version(dist.version)
            for req in reqs:
                if not req.specifier.contains(version, prereleases=True):
                    found.append(f"{platform}: {name} {version} does not satisfy {req}")
            if not _is_native(dist) or name in PURE_WHEEL_PUBLISHED:
                continue
            listed = mobile.get(name)
            if listed is None:
                found.append(
                    f"{platform}: {name} {version} has native code and is not on Flet's mobile index "
                    f"({LIST_NAME}): a phone build cannot install it"
                )
            elif version > listed:
                found.append(
                    f"{platform}: {name} {version} is newer than the mobile index's {listed} "
                    f"({LIST_NAME}): pin {name}=={listed} in [tool.flet.{platform}].dependencies"
                )
    return found


def load_pyproject(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def load_constraints(root: Path = ROOT) -> dict[str, Version]:
    return parse_constraints((root / "constraints.txt").read_text(encoding="utf-8"))
