"""Entry point for `flet build apk` / `flet build ipa` (see [tool.flet] in pyproject.toml).

On a phone the app keeps its data in FLET_APP_STORAGE_DATA and asks for the server address
on its login screen. On a computer, use `python -m field_app --server URL` instead.
"""

import flet as ft

from field_app.ui.phone import main

ft.run(main)
