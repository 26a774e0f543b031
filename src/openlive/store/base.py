"""The store Protocol: what sessions and tokens need to outlive a connection.

Two implementations share it: SQLite for one machine (a file in the data
directory, atomic writes that survive ``kill -9``) and Redis for several openlive
processes behind a load balancer. Every operation is atomic on its own; the
token check-and-spend in particular must be, so that a token with one use is
accepted once and only once across replicas.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from openlive.errors import PolicyViolation


@dataclass(frozen=True)
class SessionRecord:
    """The resumable state of one session.

    Attributes:
        owner: Fingerprint of the API key (or token) that created the session; only
            the same owner may resume it.
        version: Increases with every save; handles name the version they were made at.
        snapshot: The session's state (setup, history...) as JSON-ready data.
        expires_at: Unix time after which the record is gone.
    """

    owner: str
    version: int
    snapshot: dict[str, Any]
    expires_at: float


@dataclass(frozen=True)
class TokenRecord:
    """An ephemeral token, as minted by ``POST /{version}/auth_tokens``.

    Attributes:
        name: ``auth_tokens/<secret>``, what the client presents.
        owner: Fingerprint of the API key that minted it.
        uses_left: New sessions it may still start (resuming spends none); a
            negative count means no limit.
        expire_time: Unix time after which it is refused altogether.
        new_session_expire_time: Unix time after which it starts no new session.
        setup: The locked ``bidiGenerateContentSetup`` (canonical camelCase), if any.
        field_mask: Which setup fields are locked; ``None`` locks every field set in ``setup``.
    """

    name: str
    owner: str
    uses_left: int
    expire_time: float
    new_session_expire_time: float
    setup: dict[str, Any] | None = None
    field_mask: tuple[str, ...] | None = None


class TokenRefused(PolicyViolation):
    """A token is unknown, expired, used up, or past its new-session time (close 1008)."""


@runtime_checkable
class Store(Protocol):
    """Durable state shared by every openlive process that uses the same store."""

    async def save_session(self, session_id: str, record: SessionRecord) -> None:
        """Write (replace) a session's record atomically."""
        ...

    async def load_session(self, session_id: str, now: float) -> SessionRecord | None:
        """The session's record, or ``None`` if unknown or expired at ``now``."""
        ...

    async def put_token(self, token: TokenRecord) -> None:
        """Store a newly minted token."""
        ...

    async def use_token(self, name: str, now: float, new_session: bool) -> TokenRecord:
        """Check a token and, for a new session, spend one use, atomically.

        Returns:
            The token as it was before this use.

        Raises:
            TokenRefused: Unknown, past ``expire_time``, or (for a new session) past
                ``new_session_expire_time`` or with no uses left. The reason says which.
        """
        ...

    async def secret(self) -> bytes:
        """A random secret shared by every process on this store (made once)."""
        ...

    async def close(self) -> None:
        """Release connections and files."""
        ...
