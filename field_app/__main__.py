"""``python -m field_app --server URL [--data-dir DIR] [--port PORT]``."""

from field_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
