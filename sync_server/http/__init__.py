"""The HTTP surface (Litestar): ``app.create_app`` and thin handlers over ``sync_server.core``."""
