"""The plain-Python core of the field app (no Flet here; enforced by import-linter).

The screens call one facade, ``field_app.core.services.AppServices``, and read the view
models of ``field_app.core.models``. Underneath, one module per job:

- ``store`` / ``migrations``: the one SQLite file (WAL, numbered migrations, one writer);
- ``device_state``: client id, session, cursor, sequences and the persisted hybrid clock;
- ``replica``: the replicated records, each field with its clock, merged by the shared rule;
- ``outbox``: every edit = record + outbox change in one transaction; the only module that
  reads or writes the ``outbox`` and ``rejections`` tables (acknowledged, refused, dismissed);
- ``editing`` / ``queries`` / ``notices`` / ``session``: what the services do;
- ``blobs``: photos and signatures as files named by SHA-256;
- ``form_reading`` / ``typing_buffer`` / ``signature_values`` / ``header_edits``: the plain
  parts of the inspection form the screens show (``field_app.ui.form_state``);
- ``server_api`` / ``engine`` / ``background``: the sync protocol (docs/PROTOCOL.md).
"""
