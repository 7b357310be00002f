"""The sync server: central registry, exactly-once sync, review workflow, web console.

- ``core/``: plain Python (no Litestar): configuration, the database layer and migrations,
  and the services (auth, sync, registry, inspections, blobs, audit) with the access policy.
- ``http/``: the Litestar app (``create_app``) with thin handlers over the services.
- ``console/``, ``reports/``: the web console and the PDF/export reports, mounted by
  ``create_app``.
- ``cli.py``: ``python -m sync_server serve|create-user|import-sites|load-checklist|seed-demo``.
"""
