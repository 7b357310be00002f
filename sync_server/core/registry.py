"""The registry: sites (``sites``, with the CSV import in ``site_csv``) and checklist
templates (``checklists``). This module gathers their public API in one place."""

from __future__ import annotations

from sync_server.core.checklists import (
    ImportNotes,
    TemplateSaved,
    TemplateSummary,
    TemplateVersion,
    check_no_nul,
    get_template,
    import_notes,
    list_templates,
    parse_template,
    publish_template,
    retire_template,
    save_template,
    template_xlsform,
)
from sync_server.core.site_csv import CSV_COLUMNS, CSV_HELP, CSV_REQUIRED, ImportReport, import_sites_csv
from sync_server.core.sites import (
    SITE_FIELDS,
    SITE_SELECT,
    SiteInput,
    SitePage,
    SitePatch,
    create_site,
    get_site,
    list_sites,
    site_from_row,
    site_id_for_code,
    site_problems,
    update_site,
)

__all__ = [
    "CSV_COLUMNS",
    "CSV_HELP",
    "CSV_REQUIRED",
    "SITE_FIELDS",
    "SITE_SELECT",
    "ImportNotes",
    "ImportReport",
    "SiteInput",
    "SitePage",
    "SitePatch",
    "TemplateSaved",
    "TemplateSummary",
    "TemplateVersion",
    "check_no_nul",
    "create_site",
    "get_site",
    "get_template",
    "import_notes",
    "import_sites_csv",
    "list_sites",
    "list_templates",
    "parse_template",
    "publish_template",
    "retire_template",
    "save_template",
    "site_from_row",
    "site_id_for_code",
    "site_problems",
    "template_xlsform",
    "update_site",
]
