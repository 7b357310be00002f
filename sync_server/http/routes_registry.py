"""Sites and checklist templates."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from shared_schema.checklist import ChecklistTemplate
from shared_schema.errors import Code
from shared_schema.records import Site
from sync_server.core import registry
from sync_server.core.errors import BadRequest, bi
from sync_server.core.xlsform import XLSX_MEDIA_TYPE
from sync_server.http.deps import GUARDS, ActorDep, Cursor, Offset, ServerDep, Version
from sync_server.http.downloads import content_disposition


class SiteController(Controller):
    path = "/api/v1/sites"
    guards = GUARDS
    tags = ["sites"]

    @get("/", sync_to_thread=True, summary="Sites in the caller's districts, searchable")
    def list_sites(
        self,
        actor: ActorDep,
        server: ServerDep,
        q: FromQuery[str | None] = None,
        district: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        active: FromQuery[bool | None] = None,
        limit: int = Parameter(default=100, ge=1, le=1000),
        offset: Offset = 0,
        cursor: Cursor = None,
    ) -> registry.SitePage:
        return registry.list_sites(
            server.db,
            actor,
            q=q,
            district=district,
            kind=kind,
            active=active,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )

    @post("/", sync_to_thread=True, summary="Add a site (admin)")
    def create_site(self, data: JSONBody[registry.SiteInput], actor: ActorDep, server: ServerDep) -> Site:
        return registry.create_site(server.db, actor, data)

    @get("/{site_id:str}", sync_to_thread=True, summary="One site")
    def get_site(self, site_id: FromPath[str], actor: ActorDep, server: ServerDep) -> Site:
        return registry.get_site(server.db, actor, site_id)

    @patch("/{site_id:str}", sync_to_thread=True, summary="Change fields of a site (admin)")
    def update_site(
        self, site_id: FromPath[str], data: JSONBody[registry.SitePatch], actor: ActorDep, server: ServerDep
    ) -> Site:
        return registry.update_site(server.db, actor, site_id, data)

    @post(
        "/import",
        status_code=200,
        summary="Import sites from CSV: every row or nothing (admin)",
        description=registry.CSV_HELP,
    )
    async def import_csv(
        self, request: Request[Any, Any, Any], actor: ActorDep, server: ServerDep
    ) -> registry.ImportReport:
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(
                bi("Tệp CSV phải mã hóa UTF-8.", "The CSV file must be UTF-8 encoded."), code=Code.CSV_ENCODING
            ) from None
        return await to_thread.run_sync(registry.import_sites_csv, server.db, actor, text)


class TemplateController(Controller):
    path = "/api/v1/templates"
    guards = GUARDS
    tags = ["checklists"]

    @get("/", sync_to_thread=True, summary="Checklist versions (admins also see drafts)")
    def list_templates(self, actor: ActorDep, server: ServerDep) -> list[registry.TemplateSummary]:
        return registry.list_templates(server.db, actor)

    @post(
        "/", status_code=200, sync_to_thread=True, summary="Save a draft: a new checklist or its next version (admin)"
    )
    def save(self, data: JSONBody[ChecklistTemplate], actor: ActorDep, server: ServerDep) -> registry.TemplateSaved:
        return registry.save_template(server.db, actor, data)

    @get("/{template_id:str}/versions/{version:int}", sync_to_thread=True, summary="One checklist version")
    def get_version(
        self, template_id: FromPath[str], version: Version, actor: ActorDep, server: ServerDep
    ) -> registry.TemplateVersion:
        return registry.get_template(server.db, actor, template_id, version)

    @get(
        "/{template_id:str}/versions/{version:int}/xlsform",
        sync_to_thread=True,
        media_type=XLSX_MEDIA_TYPE,
        summary="One checklist version as an XLSForm spreadsheet (.xlsx) that imports back to the same checklist",
    )
    def get_xlsform(
        self, template_id: FromPath[str], version: Version, actor: ActorDep, server: ServerDep
    ) -> Response[bytes]:
        name, data = registry.template_xlsform(server.db, actor, template_id, version)
        return Response(
            content=data, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": content_disposition(name)}
        )

    @post(
        "/{template_id:str}/versions/{version:int}/publish",
        status_code=200,
        sync_to_thread=True,
        summary="Publish a draft version; it becomes immutable (admin)",
    )
    def publish(
        self, template_id: FromPath[str], version: Version, actor: ActorDep, server: ServerDep
    ) -> registry.TemplateSummary:
        return registry.publish_template(server.db, actor, template_id, version)

    @post(
        "/{template_id:str}/versions/{version:int}/retire",
        status_code=200,
        sync_to_thread=True,
        summary="Retire a published version (admin)",
    )
    def retire(
        self, template_id: FromPath[str], version: Version, actor: ActorDep, server: ServerDep
    ) -> registry.TemplateSummary:
        return registry.retire_template(server.db, actor, template_id, version)
