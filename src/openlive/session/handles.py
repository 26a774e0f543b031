"""Session resumption handles: signed, so a tampered one is told apart from an unknown one.

A handle names a session and the version of its saved state, with an HMAC over
both under a secret that every replica shares through the store:
``<session id>.<version>.<signature>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from openlive.errors import PolicyViolation

# One spelling per handle: ASCII digits without leading zeros, so no two texts
# name the same version (int() would read "007" and Unicode digits alike).
_HANDLE = re.compile(r"([0-9a-f]{32})\.(0|[1-9][0-9]{0,11})\.([A-Za-z0-9_-]{22,64})", re.ASCII)


@dataclass(frozen=True)
class Handle:
    """A parsed, verified handle."""

    session_id: str
    version: int


def make_handle(secret: bytes, session_id: str, version: int) -> str:
    """The handle for ``version`` of a session's saved state."""
    return f"{session_id}.{version}.{_sign(secret, session_id, version)}"


def read_handle(secret: bytes, text: str) -> Handle:
    """Parse and verify a handle.

    Raises:
        PolicyViolation: The handle is malformed or its signature does not match.
    """
    match = _HANDLE.fullmatch(text.strip())
    if not match:
        raise PolicyViolation("session resumption handle is malformed; use a newHandle the server sent")
    session_id, version = match.group(1), int(match.group(2))
    if not hmac.compare_digest(match.group(3), _sign(secret, session_id, version)):
        raise PolicyViolation("session resumption handle was altered or made by another server")
    return Handle(session_id=session_id, version=version)


def owner_fingerprint(credential: str | None) -> str:
    """A stable, non-reversible name for the key or token a client presented."""
    return hashlib.sha256((credential or "").encode("utf-8")).hexdigest()[:32]


def _sign(secret: bytes, session_id: str, version: int) -> str:
    digest = hmac.new(secret, f"{session_id}.{version}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode("ascii").rstrip("=")
