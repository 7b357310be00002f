"""The wire contract and the pure rules shared by the field app and the sync server.

This package imports only the standard library and msgspec. Both sides call these
functions so that a device and the server can never disagree about a clock, a merge,
a validation, a relevance condition or a score.
"""

from shared_schema.protocol import PROTOCOL_VERSION, SUPPORTED_PROTOCOLS

__all__ = ["PROTOCOL_VERSION", "SUPPORTED_PROTOCOLS"]
