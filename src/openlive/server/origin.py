"""Which web pages may talk to the server: the ``Origin`` header check.

A browser adds ``Origin`` to every WebSocket handshake and to cross-site POSTs,
and lets any page open a WebSocket to any address, the user's own loopback
included. Without a check, any site a user visits could drive a local server
that has no API keys (the usual cross-site risk of local AI servers). The rules:

* No ``Origin`` header: not a browser (the SDKs, curl); the credential decides.
* An origin listed in ``allowed_origins`` (or ``*`` listed): allowed.
* A localhost page (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``[::1]``, any
  port): allowed; it runs on the user's own machine. This covers the server's own
  console when it serves on loopback.
* The server's own origin (the ``Origin`` names the ``Host`` the request was sent
  to): allowed when keys are configured. Without keys it is not enough: a page
  whose DNS name was rebound to 127.0.0.1 also sends its own host in both.
* Any other origin: allowed only if API keys are configured and
  ``allowed_origins`` is empty (the key or token is then what protects the
  server, as with the Live API); refused otherwise.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from openlive.errors import PolicyViolation

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_port(scheme: str, netloc: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".").lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def is_local_host(host: str) -> bool:
    """Whether ``host`` (a name or an address, no brackets) means this machine."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _normal_origin(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def check_origin(
    headers: Mapping[str, str],
    allowed_origins: Sequence[str],
    keys_configured: bool,
    secure: bool,
) -> None:
    """Refuse a browser page that may not use this server.

    Args:
        headers: The request's headers (``origin`` and ``host`` are read).
        allowed_origins: Origins (``scheme://host[:port]``) let in; ``*`` for all.
        keys_configured: Whether the server checks API keys.
        secure: Whether the request came over TLS (decides the server's own scheme).

    Raises:
        PolicyViolation: The page's origin is not allowed (close 1008 or HTTP 403).
    """
    origin = headers.get("origin")
    if origin is None:
        return
    normal = _normal_origin(origin)
    allowed = {_normal_origin(o) for o in allowed_origins}
    if "*" in allowed or normal in allowed:
        return
    scheme, _, netloc = normal.partition("://")
    where = _host_port(scheme, netloc) if scheme in ("http", "https") and netloc else None
    if where is not None and is_local_host(where[0]):
        return
    own = _host_port("https" if secure else "http", headers.get("host", ""))
    if keys_configured and where is not None and own is not None and where == own:
        return
    if keys_configured and not allowed:
        return
    raise PolicyViolation(f"web pages from {origin[:48]!r} may not use this server (see allowed_origins)")
