"""The shipped content: Thai Nguyen checklists, the directive's measures, a demo site registry.

Plain data files beside this module, read with the standard library, msgspec and PyYAML:

- ``checklists/*.yaml``: checklist versions in the ``shared_schema.checklist.ChecklistTemplate``
  format (``load_checklists``);
- ``directive_measures.yaml``: each measure of the May 2021 Sở Công Thương Thái Nguyên
  directive, quoted, with the questions that cover it (``load_directive_measures``);
- ``sites_thai_nguyen.csv``: a demo registry of Thai Nguyen sites with the columns
  ``SITE_CSV_COLUMNS`` (``load_sites_csv_path``); the server's CSV import reads it.

Loading a file that does not decode or does not pass ``validate_template`` raises
``ContentError`` naming the file and what to fix; nothing is half-loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from shared_schema.checklist import ChecklistTemplate
from shared_schema.codec import WireError, convert
from shared_schema.template_rules import validate_template
from sync_server.core.site_csv import BASE_COLUMNS

CONTENT_DIR = Path(__file__).resolve().parent
CHECKLISTS_DIR = CONTENT_DIR / "checklists"
DIRECTIVE_MEASURES_PATH = CONTENT_DIR / "directive_measures.yaml"
DIRECTIVE_SOURCE_PATH = CONTENT_DIR / "sources" / "sct-thai-nguyen-2021-05.txt"
SITES_CSV_PATH = CONTENT_DIR / "sites_thai_nguyen.csv"

# Columns of the site registry CSV, in order (docs/CHECKLISTS.md, "Site registry CSV"): the
# columns the server's CSV import reads, without its optional extras.
SITE_CSV_COLUMNS: tuple[str, ...] = BASE_COLUMNS

# District-level units of Thái Nguyên province as named in 2021 (before TX Phổ Yên became a
# city in 2022 and before the 2025 reform). Site records keep this historical district.
DISTRICTS_2021: tuple[str, ...] = (
    "TP Thái Nguyên",
    "TP Sông Công",
    "TX Phổ Yên",
    "H. Phú Bình",
    "H. Đồng Hỷ",
    "H. Đại Từ",
    "H. Định Hóa",
    "H. Phú Lương",
    "H. Võ Nhai",
)


class ContentError(ValueError):
    """A shipped content file cannot be used; the message names the file and the fix."""


class DirectiveMeasure(msgspec.Struct, frozen=True, kw_only=True):
    """One measure the directive asks for, and the checklist questions that cover it."""

    id: str
    quote_vi: str
    en: str
    checklist: str
    questions: list[str]
    part: str | None = None


class DirectiveSource(msgspec.Struct, frozen=True):
    title: str
    applies: str
    file: str


class DirectiveMeasures(msgspec.Struct, frozen=True):
    source: DirectiveSource
    measures: list[DirectiveMeasure]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(f"{path.name}: cannot read the file as YAML ({exc}). Fix the file's syntax.") from None


def load_checklist(path: Path) -> ChecklistTemplate:
    """Read one checklist YAML file; it must decode and pass ``validate_template``."""
    try:
        template = convert(_read_yaml(path), ChecklistTemplate, "checklist")
    except WireError as exc:
        raise ContentError(f"{path.name}: {exc.message}") from None
    problems = validate_template(template)
    if problems:
        listed = "; ".join(f"{p.path}: {p.message}" for p in problems)
        raise ContentError(f"{path.name}: the checklist cannot be published: {listed}")
    return template


def checklist_paths() -> list[Path]:
    """The shipped checklist files, in name order."""
    return sorted(CHECKLISTS_DIR.glob("*.yaml"))


def load_checklists() -> list[ChecklistTemplate]:
    """Every shipped checklist version, decoded and validated (ordered by file name)."""
    templates = [load_checklist(path) for path in checklist_paths()]
    seen: set[tuple[str, int]] = set()
    for t in templates:
        key = (t.template_id, t.version)
        if key in seen:
            raise ContentError(f"Two shipped files define {t.template_id} version {t.version}; keep one.")
        seen.add(key)
    return templates


def load_directive_measures() -> DirectiveMeasures:
    """The directive's measures with the question ids that cover each."""
    try:
        return convert(_read_yaml(DIRECTIVE_MEASURES_PATH), DirectiveMeasures, "list of directive measures")
    except WireError as exc:
        raise ContentError(f"{DIRECTIVE_MEASURES_PATH.name}: {exc.message}") from None


def load_sites_csv_path() -> Path:
    """Path of the demo site registry CSV (UTF-8, header row ``SITE_CSV_COLUMNS``)."""
    return SITES_CSV_PATH


__all__ = [
    "CHECKLISTS_DIR",
    "CONTENT_DIR",
    "DIRECTIVE_MEASURES_PATH",
    "DIRECTIVE_SOURCE_PATH",
    "DISTRICTS_2021",
    "SITES_CSV_PATH",
    "SITE_CSV_COLUMNS",
    "ContentError",
    "DirectiveMeasure",
    "DirectiveMeasures",
    "checklist_paths",
    "load_checklist",
    "load_checklists",
    "load_directive_measures",
    "load_sites_csv_path",
]
