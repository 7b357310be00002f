"""The console's plain-Python parts: texts in both languages, CSRF tokens, redirects, the
list's query string, checklist comparison and problems grouped by question."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from shared_schema.assignments import SHOWN_STATUSES
from shared_schema.checklist import QUESTION_KINDS, YesNoQuestion
from shared_schema.records import REVIEW_DECISIONS, ROLES
from shared_schema.template_rules import validate_template
from shared_schema.text import LocalText
from sync_server.console import security
from sync_server.console.checklist_view import compare_versions, problems_by_question
from sync_server.console.i18n import MESSAGES, translate
from sync_server.console.pages_inspections import ListFilters, export_format
from sync_server.console.pages_sites import CSV_HELP_VALUES
from sync_server.console.web import pick_lang, value_text
from sync_server.core.errors import bi
from sync_server.core.registry import CSV_HELP
from sync_server.core.site_csv import CSV_DOC
from tests.support.sample_checklist import sample_template

TEMPLATES = Path(__file__).resolve().parents[2] / "sync_server" / "console" / "templates"
KEY_RE = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")


def test_every_text_a_template_uses_exists_in_vietnamese_and_english() -> None:
    used = {key for path in TEMPLATES.glob("*.html") for key in KEY_RE.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern finds the keys"
    prefixes = {key for key in used if key.endswith("_")}  # t("role_" + user.role) and the like
    assert prefixes == {"role_", "status_", "decision_", "action_event_", "assignment_", "plan_status_", "qkind_"}
    families = {
        "role_": ROLES,
        "status_": ("draft", "published", "retired"),
        "decision_": REVIEW_DECISIONS,
        "action_event_": ("created", "migrated", "reported_fixed", "verified", "reopened"),
        "assignment_": SHOWN_STATUSES,
        "plan_status_": ("open", "closed"),
        "qkind_": QUESTION_KINDS,
    }
    used = (used - prefixes) | {prefix + value for prefix, values in families.items() for value in values}
    missing = sorted(used - MESSAGES.keys())
    assert not missing, f"texts missing from i18n.MESSAGES: {missing}"
    for key, (vi, en) in MESSAGES.items():
        assert vi.strip() and en.strip(), key


def test_translate_falls_back_to_vietnamese_and_fills_parameters() -> None:
    assert translate("vi", "page_of", page=2, pages=5) == "Trang 2/5"
    assert translate("en", "page_of", page=2, pages=5) == "Page 2 of 5"
    assert translate("fr", "logout") == "Đăng xuất"


def test_the_site_import_help_in_english_is_the_one_the_cli_and_the_api_give_without_the_docs_path() -> None:
    assert CSV_DOC in CSV_HELP
    assert translate("en", "csv_help", **CSV_HELP_VALUES) == CSV_HELP.replace(CSV_DOC, "")
    vietnamese = translate("vi", "csv_help", **CSV_HELP_VALUES)
    assert "Bắt buộc: code, name, kind, district." in vietnamese and "KTX" in vietnamese
    assert "docs/" not in vietnamese


def test_csrf_token_is_bound_to_the_nonce_and_the_secret() -> None:
    token = security.csrf_token("secret", "nonce-1")
    assert security.csrf_valid("secret", "nonce-1", token)
    assert not security.csrf_valid("secret", "nonce-2", token)
    assert not security.csrf_valid("other-secret", "nonce-1", token)
    assert not security.csrf_valid("secret", None, token)
    assert not security.csrf_valid("secret", "nonce-1", None)


def test_redirect_targets_stay_inside_the_console() -> None:
    assert security.safe_next("/console/inspections?status=submitted") == "/console/inspections?status=submitted"
    for hostile in ("https://evil.example/", "//evil.example/console", "/api/v1/me", "/console\\..\\x", None, ""):
        assert security.safe_next(hostile) == "/console/"


def test_service_messages_are_shown_in_the_chosen_language() -> None:
    message = bi("Không có.", "Nothing.")
    assert pick_lang(message, "en") == "Nothing."
    assert pick_lang(message, "vi") == "Không có."
    assert pick_lang(LocalText("Không có.", "Nothing."), "en") == "Nothing."
    # a row problem of a CSV import keeps both languages apart, the row number in each
    row = bi("Dòng 3: ", "Row 3: ") + bi("Loại cơ sở 'X' không có.", "Site kind 'X' is unknown.")
    assert pick_lang(row, "en") == "Row 3: Site kind 'X' is unknown."
    assert pick_lang(row, "vi") == "Dòng 3: Loại cơ sở 'X' không có."


def test_plain_text_is_shown_as_it_is_never_split() -> None:
    assert pick_lang("a / b", "en") == "a / b"
    assert pick_lang(None, "vi") == ""


def test_value_text_keeps_vietnamese_readable() -> None:
    assert value_text("Ông Hùng") == "Ông Hùng"
    assert value_text({"name": "Bà Mai"}) == '{"name": "Bà Mai"}'
    assert value_text(None) == "—"


def test_list_filters_round_trip_through_the_query_string() -> None:
    filters = ListFilters.from_query({"status": "submitted", "district": "TX Phổ Yên", "sort": "bogus", "page": "x"})
    assert filters.sort == "updated" and filters.page == 1
    query = filters.query(page=3)
    assert "status=submitted" in query and "page=3" in query and "district=TX+Ph%E1%BB%95+Y%C3%AAn" in query
    assert "page" not in filters.query()
    assert filters.service_filters()["district"] == "TX Phổ Yên"


def test_export_names() -> None:
    assert export_format("inspections.csv") == "csv"
    assert export_format("inspections.xlsx") == "xlsx"
    assert export_format("inspections.geojson") == "geojson"
    assert export_format("inspections.pdf") is None
    assert export_format("sites.csv") is None


def test_versions_side_by_side_mark_added_and_changed_questions() -> None:
    v1 = sample_template(1)
    v2 = sample_template(2)
    measures = v2.sections[1]
    changed_team = msgspec.structs.replace(measures.questions[0], weight=5)
    added = YesNoQuestion(id="handwash", label=LocalText("Rửa tay?", "Hand washing?"))
    v2 = msgspec.structs.replace(
        v2,
        sections=[
            v2.sections[0],
            msgspec.structs.replace(measures, questions=[changed_team, added, *measures.questions[1:]]),
            v2.sections[2],
        ],
    )
    rows = {r.question_id: r for r in compare_versions([v1, v2])}
    assert rows["handwash"].partial and rows["handwash"].cells[0] is None
    assert rows["team"].changed and not rows["team"].partial
    assert not rows["masks"].changed and not rows["masks"].partial
    assert list(rows)[:5] == ["workers", "manager", "self_check_date", "team", "handwash"]


def test_problems_are_grouped_by_question() -> None:
    template = sample_template()
    general = template.sections[0]
    bad_question = msgspec.structs.replace(general.questions[1], critical=True)
    broken = msgspec.structs.replace(
        template,
        title=LocalText("", "x"),
        sections=[
            msgspec.structs.replace(general, questions=[general.questions[0], bad_question, general.questions[2]]),
            *template.sections[1:],
        ],
    )
    grouped = problems_by_question(validate_template(broken))
    assert set(grouped) == {"", "manager"}
    assert "never fail" in grouped["manager"][0].message
    assert grouped[""][0].path == "title"
