"""The web console for supervisors and admins, under ``/console``.

``router`` is what ``sync_server.http.app.create_app`` mounts: the console pages plus the
report and export API endpoints of DESIGN.md (``sync_server.console.api_reports``).
"""

from litestar import Router

from sync_server.console.api_reports import api_reports_router
from sync_server.console.router import console_router

router = Router(path="/", route_handlers=[console_router, api_reports_router], include_in_schema=True)

__all__ = ["router"]
