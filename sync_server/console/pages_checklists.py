"""Admins' checklist pages: upload (JSON, YAML or an XLSForm .xlsx/.xls), see it rendered with
its problems listed by question and, for an XLSForm, the rows a checklist cannot express; save
as a draft (accepting those rows' loss explicitly), publish as the next version, retire,
compare versions, download any version as an XLSForm."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile

from shared_schema.checklist import ChecklistTemplate
from shared_schema.codec import encode
from shared_schema.template_rules import TemplateProblem, validate_template
from sync_server.console.checklist_view import compare_versions, problems_by_question
from sync_server.console.web import Form, Upload, redirect, render, server_of
from sync_server.core import queries, registry
from sync_server.core.access import Actor
from sync_server.core.errors import BadRequest, ServiceError, bi
from sync_server.core.xlsform import (
    XLSX_MEDIA_TYPE,
    XlsformIssue,
    is_xlsform_name,
    looks_like_spreadsheet,
    read_xlsform,
)
from sync_server.http.downloads import content_disposition

MAX_CHECKLIST_BYTES = 2 * 1024 * 1024


def _grouped(summaries: list[registry.TemplateSummary]) -> dict[str, list[registry.TemplateSummary]]:
    groups: dict[str, list[registry.TemplateSummary]] = {}
    for s in summaries:
        groups.setdefault(s.template_id, []).append(s)
    return groups


@get("/checklists", sync_to_thread=True, include_in_schema=False)
def checklists_page(request: Request[Any, Any, Any], viewer: Actor) -> Response[str]:
    server = server_of(request)
    return render(request, "checklists.html", groups=_grouped(registry.list_templates(server.db, viewer)))


def _format_of(filename: str, text: str) -> str:
    name = filename.lower()
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json") or text.lstrip().startswith("{"):
        return "json"
    return "yaml"


def _preview(
    request: Request[Any, Any, Any],
    *,
    status: int,
    filename: str,
    template: ChecklistTemplate | None,
    problems: list[TemplateProblem],
    read_error: ServiceError | None = None,
    renumbered_from: int | None = None,
    issues: list[XlsformIssue] | None = None,
    accept_missing: bool = False,
) -> Response[str]:
    return render(
        request,
        "checklist_upload.html",
        status=status,
        filename=filename,
        doc=template,
        problems=problems,
        by_question=problems_by_question(problems),
        read_error=read_error,
        document_json=encode(template).decode() if template is not None else "",
        renumbered_from=renumbered_from,
        xlsform=issues is not None,
        issues=issues or [],
        issues_json=msgspec.json.encode(issues).decode() if issues is not None else "",
        accept_missing=accept_missing,
    )


@post("/checklists/upload", sync_to_thread=True, include_in_schema=False, request_max_body_size=MAX_CHECKLIST_BYTES)
def upload(request: Request[Any, Any, Any], viewer: Actor, data: Upload) -> Response[str]:
    server = server_of(request)
    file = data.get("file")
    if not isinstance(file, UploadFile):
        error = ServiceError(
            bi(
                "Hãy chọn một tệp bảng kiểm (.xlsx, .xls, .json, .yaml).",
                "Choose a checklist file (.xlsx, .xls, .json, .yaml).",
            )
        )
        return _preview(request, status=422, filename="", template=None, problems=[], read_error=error)
    raw = file.file.read()
    issues: list[XlsformIssue] | None = None
    if is_xlsform_name(file.filename or "") or looks_like_spreadsheet(raw):
        try:
            imported = read_xlsform(raw, file.filename or "")
        except ServiceError as exc:
            return _preview(request, status=422, filename=file.filename, template=None, problems=[], read_error=exc)
        template, issues = imported.template, imported.issues
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            error = ServiceError(bi("Tệp phải mã hóa UTF-8.", "The file must be UTF-8 encoded."))
            return _preview(request, status=422, filename=file.filename, template=None, problems=[], read_error=error)
        try:
            template = registry.parse_template(text, _format_of(file.filename or "", text))
        except ServiceError as exc:
            return _preview(request, status=422, filename=file.filename, template=None, problems=[], read_error=exc)
    version = queries.next_free_version(server.db, template.template_id, template.version)
    renumbered_from = template.version if version != template.version else None
    if renumbered_from is not None:
        template = msgspec.structs.replace(template, version=version)
    problems = validate_template(template)
    return _preview(
        request,
        status=422 if problems or issues else 200,
        filename=file.filename,
        template=template,
        problems=problems,
        renumbered_from=renumbered_from,
        issues=issues,
    )


@post("/checklists/drafts", sync_to_thread=True, include_in_schema=False, request_max_body_size=MAX_CHECKLIST_BYTES)
def save_draft(request: Request[Any, Any, Any], viewer: Actor, data: Form) -> Response[Any]:
    """Save the previewed document. From an XLSForm, ``dropped`` lists the rows it cannot
    express; they are left out only with ``accept_dropped`` ticked, and the draft records them."""
    server = server_of(request)
    source = (data.get("source") or "").strip()
    try:
        template = registry.parse_template(data.get("document") or "", "json")
    except BadRequest as exc:  # a NUL character inside the document's JSON text
        return _preview(request, status=exc.status, filename=source, template=None, problems=[], read_error=exc)
    dropped: list[XlsformIssue] | None = None
    if data.get("dropped"):
        try:
            dropped = msgspec.json.decode(data["dropped"], type=list[XlsformIssue])
        except msgspec.ValidationError:
            dropped = None
            error = ServiceError(bi("Danh sách dòng bị bỏ không hợp lệ.", "The list of dropped rows is invalid."))
            return _preview(request, status=422, filename=source, template=None, problems=[], read_error=error)
        if dropped and data.get("accept_dropped") != "yes":
            return _preview(
                request,
                status=422,
                filename=source,
                template=template,
                problems=validate_template(template),
                issues=dropped,
                accept_missing=True,
            )
    try:
        saved = registry.save_template(
            server.db, viewer, template, dropped=dropped, source=source or None if dropped is not None else None
        )
    except BadRequest as exc:  # a NUL character in the file name or the dropped rows
        return _preview(request, status=exc.status, filename="", template=None, problems=[], read_error=exc)
    return redirect(
        f"/console/checklists/{saved.template.template_id}/{saved.template.version}", flash="flash_draft_saved"
    )


def _version_response(
    request: Request[Any, Any, Any],
    viewer: Actor,
    template_id: str,
    version: int,
    error: str | None = None,
    status: int = 200,
) -> Response[str]:
    server = server_of(request)
    found = registry.get_template(server.db, viewer, template_id, version)
    problems = validate_template(found.document)
    notes = registry.import_notes(server.db, viewer, template_id, version)
    return render(
        request,
        "checklist_version.html",
        status=status,
        summary=found.summary,
        doc=found.document,
        problems=problems,
        by_question=problems_by_question(problems),
        error=error,
        versions=queries.template_versions(server.db, viewer, template_id),
        notes=notes,
    )


@get("/checklists/{template_id:str}/{version:int}/xlsform", sync_to_thread=True, include_in_schema=False)
def xlsform_download(request: Request[Any, Any, Any], viewer: Actor, template_id: str, version: int) -> Response[bytes]:
    name, data = registry.template_xlsform(server_of(request).db, viewer, template_id, version)
    return Response(data, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(name)})


@get("/checklists/{template_id:str}/{version:int}", sync_to_thread=True, include_in_schema=False)
def version_page(request: Request[Any, Any, Any], viewer: Actor, template_id: str, version: int) -> Response[str]:
    return _version_response(request, viewer, template_id, version)


def _act(request: Request[Any, Any, Any], viewer: Actor, template_id: str, version: int, action: str) -> Response[Any]:
    server = server_of(request)
    act = registry.publish_template if action == "publish" else registry.retire_template
    try:
        act(server.db, viewer, template_id, version)
    except ServiceError as exc:
        return _version_response(request, viewer, template_id, version, error=exc.detail, status=exc.status)
    return redirect(
        f"/console/checklists/{template_id}/{version}",
        flash="flash_published" if action == "publish" else "flash_retired",
    )


@post("/checklists/{template_id:str}/{version:int}/publish", sync_to_thread=True, include_in_schema=False)
def publish(request: Request[Any, Any, Any], viewer: Actor, template_id: str, version: int) -> Response[Any]:
    return _act(request, viewer, template_id, version, "publish")


@post("/checklists/{template_id:str}/{version:int}/retire", sync_to_thread=True, include_in_schema=False)
def retire(request: Request[Any, Any, Any], viewer: Actor, template_id: str, version: int) -> Response[Any]:
    return _act(request, viewer, template_id, version, "retire")


@get("/checklists/{template_id:str}", sync_to_thread=True, include_in_schema=False)
def compare_page(request: Request[Any, Any, Any], viewer: Actor, template_id: str) -> Response[Any]:
    server = server_of(request)
    versions = queries.template_versions(server.db, viewer, template_id)
    if not versions:
        return redirect("/console/checklists")
    found = [registry.get_template(server.db, viewer, template_id, v) for v in versions]
    return render(
        request,
        "checklist_compare.html",
        template_id=template_id,
        found=found,
        comparison=compare_versions([f.document for f in found]),
    )


HANDLERS = [checklists_page, upload, save_draft, version_page, xlsform_download, publish, retire, compare_page]
