"""Administrative units: the managed list of districts (and communes) and their merges."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from sync_server.core import units
from sync_server.http.deps import GUARDS, ActorDep, ServerDep


class UnitController(Controller):
    path = "/api/v1/units"
    guards = GUARDS
    tags = ["units"]

    @get("/", sync_to_thread=True, summary="Administrative units (those in force first)")
    def list_units(self, actor: ActorDep, server: ServerDep, retired: FromQuery[bool] = True) -> list[units.Unit]:
        return units.list_units(server.db, actor, include_retired=retired)

    @post("/", sync_to_thread=True, summary="Add an administrative unit (admin)")
    def create_unit(self, data: JSONBody[units.UnitInput], actor: ActorDep, server: ServerDep) -> units.Unit:
        return units.create_unit(server.db, actor, data)

    @post(
        "/{unit_id:str}/merge",
        status_code=200,
        sync_to_thread=True,
        summary="Retire a unit, moving its sites, inspections and users' scopes to another (admin)",
    )
    def merge_unit(
        self, unit_id: FromPath[str], data: JSONBody[units.MergeInput], actor: ActorDep, server: ServerDep
    ) -> units.MergeReport:
        return units.merge_unit(server.db, actor, unit_id, data)
