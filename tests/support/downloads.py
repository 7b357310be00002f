"""Reading a ``Content-Disposition`` header as a client does (RFC 6266 / RFC 2231): the ASCII
``filename`` and the decoded ``filename*``, exactly one of each."""

from __future__ import annotations

from email import message_from_string
from email.utils import collapse_rfc2231_value

from sync_server.http.downloads import ascii_fallback


def filenames(header: str) -> tuple[str, str]:
    """The (ASCII ``filename``, decoded ``filename*``) of the header as the standard library's
    e-mail parser reads it (RFC 2231 aware); exactly one of each."""
    message = message_from_string(f"Content-Disposition: {header}\n\n")
    params = message.get_params(header="content-disposition") or []
    names = [value for key, value in params if key == "filename"]
    assert len(names) == 2, params
    plain, extended = names
    assert isinstance(plain, str) and isinstance(extended, tuple)
    return plain, collapse_rfc2231_value(extended)


def assert_one_filename(header: str, expected: str) -> None:
    """The header is one line of ASCII naming ``expected`` once, with its ASCII fallback."""
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.count("filename=") == 1 and header.count("filename*=") == 1
    plain, decoded = filenames(header)
    assert decoded == expected
    assert plain == ascii_fallback(expected)
