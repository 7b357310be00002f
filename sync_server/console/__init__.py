"""The web console for supervisors and admins, under ``/console``.

``router`` is what ``sync_server.asgi.create_app`` mounts beside the HTTP API (the console
sits above ``sync_server.http``: it may use the API's downloads, never the other way round).
"""

from sync_server.console.router import console_router

router = console_router

__all__ = ["router"]
