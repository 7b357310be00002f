"""The sync server: central registry, exactly-once sync, review workflow, web console.

- ``core/``: plain Python (no Litestar): configuration, the database layer and migrations,
  and the services (auth, sync, registry, inspections, blobs, audit) with the access policy.
- ``reports/``: the PDF, export and dashboard reports in plain Python, over the core.
- ``http/``: the Litestar API app (``http.app.create_app``) with thin handlers over the
  services, the report and export downloads included.
- ``console/``: the web console (server-rendered pages under ``/console``).
- ``asgi.py``: the whole server, the API with the console mounted (``asgi.create_app``).
- ``cli.py``: ``python -m sync_server serve|create-user|import-sites|load-checklist|seed-demo``.

Layers, checked by import-linter: ``cli`` → ``asgi`` → ``console`` → ``http`` → ``reports`` →
``core``; a layer imports only those below it, and SQL lives only in ``core``.
"""
