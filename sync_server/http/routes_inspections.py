"""Inspections: list, detail, review, conflicts."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from shared_schema.sync import ReviewRequest
from sync_server.core import inspections, revisions
from sync_server.http.deps import GUARDS, ActorDep, Cursor, FiltersDep, Offset, ServerDep


class InspectionController(Controller):
    path = "/api/v1"
    guards = GUARDS
    tags = ["inspections"]

    @get("/inspections", sync_to_thread=True, summary="Inspections in the caller's scope, filtered and paged")
    def list_inspections(
        self,
        actor: ActorDep,
        server: ServerDep,
        filters: FiltersDep,
        sort: FromQuery[str] = "updated",
        limit: int = Parameter(default=50, ge=1, le=500),
        offset: Offset = 0,
        cursor: Cursor = None,
    ) -> inspections.InspectionPage:
        return inspections.list_inspections(
            server.db,
            actor,
            **filters.given(),
            sort=sort,
            limit=limit,
            offset=offset,
            cursor=cursor,
        )

    @get(
        "/inspections/{inspection_id:str}",
        sync_to_thread=True,
        summary="One inspection: header, answers, photos, conflicts, review history",
    )
    def get_inspection(
        self, inspection_id: FromPath[str], actor: ActorDep, server: ServerDep
    ) -> inspections.InspectionDetail:
        return inspections.get_inspection(server.db, actor, inspection_id)

    @get(
        "/inspections/{inspection_id:str}/history",
        sync_to_thread=True,
        summary="Every change made to an inspection after its first submission, oldest first",
    )
    def history(self, inspection_id: FromPath[str], actor: ActorDep, server: ServerDep) -> list[revisions.Revision]:
        return revisions.history(server.db, actor, inspection_id)

    @post(
        "/inspections/{inspection_id:str}/review",
        status_code=200,
        sync_to_thread=True,
        summary="Approve, return with a comment, or reject (supervisor, admin)",
    )
    def review(
        self, inspection_id: FromPath[str], data: JSONBody[ReviewRequest], actor: ActorDep, server: ServerDep
    ) -> inspections.InspectionDetail:
        return inspections.review(server.db, actor, inspection_id, data.decision, data.comment)

    @get("/conflicts", sync_to_thread=True, summary="Conflict-log entries in scope (supervisor, admin)")
    def list_conflicts(
        self,
        actor: ActorDep,
        server: ServerDep,
        open_only: FromQuery[bool] = True,
        limit: int = Parameter(default=100, ge=1, le=1000),
    ) -> list[inspections.ConflictRecord]:
        return inspections.list_conflicts(server.db, actor, open_only=open_only, limit=limit)

    @post(
        "/conflicts/{conflict_id:str}/resolve",
        status_code=200,
        sync_to_thread=True,
        summary="Mark a conflict as resolved (supervisor, admin); keep=loser settles it by the value that lost",
    )
    def resolve(
        self, conflict_id: FromPath[str], actor: ActorDep, server: ServerDep, keep: FromQuery[str] = "winner"
    ) -> inspections.ConflictRecord:
        return inspections.resolve_conflict(server.db, actor, conflict_id, keep)  # type: ignore[arg-type]
