"""The Flet screens of the field app: screen state (``state``; one inspection's ``form_state``,
composed of ``form_context``, ``form_answers``, ``form_media``, ``form_actions``, ``form_header``
and ``form_submission``), texts and local conventions (``i18n``), the signature rasteriser, and
the views (``views/``)."""
