"""Corrective actions: the board's list, one action, a supervisor's verify or reopen."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from shared_schema.actions import ActionReviewRequest
from sync_server.core import actions
from sync_server.http.deps import GUARDS, MAX_INT, ActorDep, ServerDep


class ActionController(Controller):
    path = "/api/v1"
    guards = GUARDS
    tags = ["actions"]

    @get("/actions", sync_to_thread=True, summary="Corrective actions in the caller's districts, filtered and paged")
    def list_actions(
        self,
        actor: ActorDep,
        server: ServerDep,
        district: FromQuery[str | None] = None,
        site_id: FromQuery[str | None] = None,
        inspection_id: FromQuery[str | None] = None,
        plan_id: str | None = Parameter(
            default=None, description="actions whose inspection is linked to an assignment of this plan"
        ),
        status: str | None = Parameter(default=None, description="open, reported_fixed, verified or reopened"),
        overdue: bool | None = Parameter(
            default=None, description="true: not verified and the deadline day is past in Viet Nam"
        ),
        sort: str = Parameter(default="deadline", description="deadline (earliest first) or updated"),
        limit: int = Parameter(default=50, ge=1, le=500),
        offset: int = Parameter(default=0, ge=0, le=MAX_INT),
    ) -> actions.ActionPage:
        return actions.list_actions(
            server.db,
            actor,
            district=district,
            site_id=site_id,
            inspection_id=inspection_id,
            plan_id=plan_id,
            status=status,
            overdue=overdue,
            sort=sort,
            limit=limit,
            offset=offset,
        )

    @get("/actions/{action_id:str}", sync_to_thread=True, summary="One corrective action with evidence and history")
    def get_action(self, action_id: FromPath[str], actor: ActorDep, server: ServerDep) -> actions.ActionDetail:
        return actions.get_action(server.db, actor, action_id)

    @post(
        "/actions/{action_id:str}/verify",
        status_code=200,
        sync_to_thread=True,
        summary="Verify (close) an action reported fixed, with an optional comment (supervisor, admin)",
    )
    def verify(
        self, action_id: FromPath[str], data: JSONBody[ActionReviewRequest], actor: ActorDep, server: ServerDep
    ) -> actions.ActionDetail:
        return actions.review(server.db, actor, action_id, "verify", data.comment)

    @post(
        "/actions/{action_id:str}/reopen",
        status_code=200,
        sync_to_thread=True,
        summary="Reopen an action reported fixed, with a comment saying what is still wrong (supervisor, admin)",
    )
    def reopen(
        self, action_id: FromPath[str], data: JSONBody[ActionReviewRequest], actor: ActorDep, server: ServerDep
    ) -> actions.ActionDetail:
        return actions.review(server.db, actor, action_id, "reopen", data.comment)
