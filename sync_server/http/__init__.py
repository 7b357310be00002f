"""The HTTP API (Litestar): ``app.create_app`` and thin handlers over ``sync_server.core`` and
``sync_server.reports``. The web console is mounted beside it by ``sync_server.asgi``."""
