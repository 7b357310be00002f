"""The Flet screens of the field app: screen state (``state``, ``form_state``), texts and local
conventions (``i18n``), the signature rasteriser, and the views (``views/``)."""
