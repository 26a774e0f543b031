"""What both stores agree on: token refusal rules and reasons, record encoding.

Kept in one place so that SQLite and Redis refuse the same tokens with the same
words; the Redis Lua script mirrors :func:`refusal` and reports one of the codes
in :data:`REASONS`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from openlive.store.base import SessionRecord, TokenRecord

# Refusal codes (as the Redis script returns them) and the close reasons they become.
UNKNOWN = "unknown"
EXPIRED = "expired"
NO_NEW_SESSIONS = "no_new_sessions"
NO_USES = "no_uses"

REASONS: dict[str, str] = {
    UNKNOWN: "unknown ephemeral token (it was never issued, or it expired and was removed)",
    EXPIRED: "ephemeral token expired (past its expireTime)",
    NO_NEW_SESSIONS: "ephemeral token starts no new sessions after its newSessionExpireTime; resume instead",
    NO_USES: "ephemeral token has no uses left for a new session; resume instead",
}


def refusal(token: TokenRecord | None, now: float, new_session: bool) -> str | None:
    """Which rule refuses this use of a token, if any.

    A token is refused at and after ``expire_time``; a new session is refused at
    and after ``new_session_expire_time`` or when ``uses_left`` is zero. A
    negative ``uses_left`` means unlimited (the Live API's ``uses: 0``).

    Args:
        token: The stored token, or ``None`` if there is none by that name.
        now: Unix time of the use.
        new_session: Whether the use starts a new session (resuming spends nothing).

    Returns:
        A key of :data:`REASONS`, or ``None`` if the use is allowed.
    """
    if token is None:
        return UNKNOWN
    if now >= token.expire_time:
        return EXPIRED
    if new_session:
        if now >= token.new_session_expire_time:
            return NO_NEW_SESSIONS
        if token.uses_left == 0:
            return NO_USES
    return None


def check_finite(*times: float) -> None:
    """Refuse infinite or NaN times, which neither store can expire by.

    Raises:
        ValueError: If any of ``times`` is not finite.
    """
    for t in times:
        if not math.isfinite(t):
            raise ValueError(f"times must be finite, got {t!r}")


def dump_json(value: Any) -> str:
    """Compact, deterministic JSON for stored values.

    Raises:
        TypeError: If ``value`` is not JSON-ready data.
        ValueError: If it holds NaN or an infinity.
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def session_to_json(record: SessionRecord) -> str:
    """The whole session record as one JSON document."""
    return dump_json(
        {
            "owner": record.owner,
            "version": record.version,
            "snapshot": record.snapshot,
            "expires_at": record.expires_at,
        }
    )


def session_from_json(text: str | bytes) -> SessionRecord:
    """The inverse of :func:`session_to_json`."""
    data = json.loads(text)
    return SessionRecord(
        owner=data["owner"],
        version=int(data["version"]),
        snapshot=data["snapshot"],
        expires_at=float(data["expires_at"]),
    )


def token_extras_to_json(token: TokenRecord) -> str:
    """The token's fields that the use check never reads (owner, setup, field mask)."""
    return dump_json(
        {
            "owner": token.owner,
            "setup": token.setup,
            "field_mask": list(token.field_mask) if token.field_mask is not None else None,
        }
    )


def token_from_parts(
    name: str, uses_left: int, expire_time: float, new_session_expire_time: float, extras: str | bytes
) -> TokenRecord:
    """Rebuild a token from its counters and :func:`token_extras_to_json` output."""
    data = json.loads(extras)
    mask = data.get("field_mask")
    return TokenRecord(
        name=name,
        owner=data["owner"],
        uses_left=uses_left,
        expire_time=expire_time,
        new_session_expire_time=new_session_expire_time,
        setup=data.get("setup"),
        field_mask=tuple(mask) if mask is not None else None,
    )
