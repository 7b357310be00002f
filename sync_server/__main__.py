"""``python -m sync_server``: see ``sync_server.cli``."""

from sync_server.cli import main

raise SystemExit(main())
