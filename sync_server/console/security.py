"""Console session and CSRF tokens, in plain Python.

The session cookie holds a server token made by ``sync_server.core.auth.login`` (only its
HMAC is stored in the database), so a session works in every server process, ends when the
user is deactivated or their password is reset, and ``logout`` revokes it.

CSRF: every console page has a per-browser random nonce in a cookie; every form carries
``HMAC(secret, nonce)`` in the ``csrf_token`` field, and every POST is refused unless the
field matches the cookie's nonce. A page on another site can neither read the nonce nor
compute the token, so it cannot forge a form post.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "console_session"
NONCE_COOKIE = "console_nonce"
LANG_COOKIE = "console_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LANGUAGES = ("vi", "en")


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), f"console-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret_key: str, nonce: str | None, submitted: str | None) -> bool:
    if not nonce or not submitted:
        return False
    return hmac.compare_digest(csrf_token(secret_key, nonce), submitted)


def safe_next(target: str | None, default: str = "/console/") -> str:
    """Only a path inside the console may be a redirect target (no open redirect)."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return default
