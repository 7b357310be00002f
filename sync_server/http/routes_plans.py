"""Inspection plans, assignments and follow-ups (issue 14): thin handlers over
``sync_server.core.plans``."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from sync_server.core import plans
from sync_server.http.deps import GUARDS, ActorDep, ServerDep


class PlanController(Controller):
    path = "/api/v1"
    guards = GUARDS
    tags = ["plans"]

    @get("/plans", sync_to_thread=True, summary="Inspection plans in the caller's districts, with progress")
    def list_plans(
        self, actor: ActorDep, server: ServerDep, status: FromQuery[str | None] = None
    ) -> list[plans.PlanSummary]:
        return plans.list_plans(server.db, actor, status=status)

    @post("/plans", status_code=201, sync_to_thread=True, summary="Create a plan: teams and sites (supervisor, admin)")
    def create_plan(self, data: JSONBody[plans.PlanInput], actor: ActorDep, server: ServerDep) -> plans.PlanDetail:
        return plans.create_plan(server.db, actor, data)

    @post(
        "/plans/preview",
        status_code=200,
        sync_to_thread=True,
        summary="How many sites a selection picks, before saving a plan",
    )
    def preview(self, data: JSONBody[plans.SiteSelection], actor: ActorDep, server: ServerDep) -> plans.SitePreview:
        return plans.preview_sites(server.db, actor, data)

    @get("/plans/{plan_id:str}", sync_to_thread=True, summary="One plan with its teams and assignments")
    def get_plan(self, plan_id: FromPath[str], actor: ActorDep, server: ServerDep) -> plans.PlanDetail:
        return plans.get_plan(server.db, actor, plan_id)

    @patch("/plans/{plan_id:str}", sync_to_thread=True, summary="Edit an open plan: name, window, add or cancel sites")
    def update_plan(
        self, plan_id: FromPath[str], data: JSONBody[plans.PlanPatch], actor: ActorDep, server: ServerDep
    ) -> plans.PlanDetail:
        return plans.update_plan(server.db, actor, plan_id, data)

    @post(
        "/plans/{plan_id:str}/close",
        status_code=200,
        sync_to_thread=True,
        summary="Close a plan; its open assignments are cancelled",
    )
    def close_plan(self, plan_id: FromPath[str], actor: ActorDep, server: ServerDep) -> plans.PlanDetail:
        return plans.close_plan(server.db, actor, plan_id)

    @get(
        "/plans/{plan_id:str}/coverage",
        sync_to_thread=True,
        summary="Sites planned, visited, pending and overdue, by district and team, and the pending sites",
    )
    def coverage(self, plan_id: FromPath[str], actor: ActorDep, server: ServerDep) -> plans.Coverage:
        return plans.coverage(server.db, actor, plan_id)

    @get("/assignments", sync_to_thread=True, summary="The caller's assignments (their teams'), overdue first")
    def my_assignments(
        self, actor: ActorDep, server: ServerDep, include_finished: FromQuery[bool] = False
    ) -> list[plans.AssignmentView]:
        return plans.my_assignments(server.db, actor, include_finished=include_finished)

    @post(
        "/inspections/{inspection_id:str}/follow-up",
        status_code=201,
        sync_to_thread=True,
        summary="A follow-up visit to the inspection's site, due at its latest corrective-action deadline",
    )
    def follow_up(
        self,
        inspection_id: FromPath[str],
        actor: ActorDep,
        server: ServerDep,
        data: JSONBody[plans.FollowUpInput | None] = None,
    ) -> plans.AssignmentView:
        return plans.create_follow_up(server.db, actor, inspection_id, data)
