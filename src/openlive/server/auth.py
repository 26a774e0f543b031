"""API-key checks for incoming connections."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from openlive.errors import PolicyViolation


def presented_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API key a client sent: ``x-goog-api-key`` header (Python SDK) or ``key`` query (JS SDK).

    Raises:
        PolicyViolation: Two different keys were sent (close 1008): which one
            counts must not depend on the order a proxy or a library reads them in.
    """
    return _one_credential(
        "API key", _values(headers, "x-goog-api-key") + _values(query, "key"), "x-goog-api-key or key"
    )


def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """An ephemeral token: ``Authorization: Token ...`` (SDKs) or ``access_token`` query (browsers).

    Raises:
        PolicyViolation: Two different tokens were sent (close 1008).
    """
    from_header = [
        value[6:].strip() for value in _values(headers, "authorization") if value[:6].lower() == "token "
    ]
    return _one_credential(
        "ephemeral token", from_header + _values(query, "access_token"), "Authorization or access_token"
    )


def _values(source: Mapping[str, str], name: str) -> list[str]:
    # Starlette's headers and query parameters keep repeated names; .get() would
    # quietly pick one of them.
    getlist = getattr(source, "getlist", None)
    values = list(getlist(name)) if getlist is not None else [source.get(name)]
    return [value for value in values if value]


def _one_credential(kind: str, values: list[str], where: str) -> str | None:
    if len(set(values)) > 1:
        raise PolicyViolation(f"the {kind} is sent more than once with different values ({where}); send one")
    return values[0] if values else None


def check_api_key(key: str | None, allowed: Sequence[str]) -> None:
    """Accept ``key`` if it is one of ``allowed``; with none configured, accept any.

    The any-key mode is only reachable on loopback: ``Settings.check`` refuses to
    start on another address without keys.

    Raises:
        PolicyViolation: The key is missing or unknown (close 1008).
    """
    if not allowed:
        return
    if not key:
        raise PolicyViolation(
            "missing API key: send it in the x-goog-api-key header or the key query parameter"
        )
    # Compare against every key, in constant time, so timing says nothing about them.
    matched = False
    for candidate in allowed:
        matched |= hmac.compare_digest(key.encode("utf-8"), candidate.encode("utf-8"))
    if not matched:
        raise PolicyViolation("API key not valid. Please pass a valid API key.")
