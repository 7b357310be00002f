"""The entry point of the packaged phone app (`flet build apk` / `flet build ipa`).

On a phone there is no command line: the server address is asked for on the login screen and
the data lives in Flet's app storage (``FLET_APP_STORAGE_DATA``). The repository's root
``main.py`` runs ``ft.run(main)``.
"""

from __future__ import annotations

from field_app.ui.app import AppConfig, make_main

main = make_main(AppConfig(server_url=None, data_dir=None))
