"""API-key checks for incoming connections."""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence

from openlive.errors import PolicyViolation


def presented_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The API key a client sent: ``x-goog-api-key`` header (Python SDK) or ``key`` query (JS SDK)."""
    return headers.get("x-goog-api-key") or query.get("key") or None


def presented_token(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """An ephemeral token: ``Authorization: Token ...`` (SDKs) or ``access_token`` query (browsers)."""
    authorization = headers.get("authorization", "")
    if authorization[:6].lower() == "token ":
        return authorization[6:].strip() or None
    return query.get("access_token") or None


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
