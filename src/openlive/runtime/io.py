"""The port through which a session's runtime reaches its client."""

from __future__ import annotations

import asyncio
from typing import Protocol

from openlive.wire import server as msg


class SessionIO(Protocol):
    """What the runtime may do to the client: send, close, and wait for it to read.

    The connection implements it over the WebSocket; tests use
    :class:`openlive.testing.FakeSessionIO`.
    """

    @property
    def closing(self) -> bool:
        """Whether a close has been queued (later sends are dropped)."""
        ...

    def send(self, message: msg.ServerMessage) -> None:
        """Queue ``message`` after everything queued so far."""
        ...

    def send_when_ready(self, pending: asyncio.Task[msg.ServerMessage | None]) -> None:
        """Queue the message ``pending`` will make, in its place in the order (``None``: nothing)."""
        ...

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame after everything queued so far."""
        ...

    async def room(self) -> None:
        """Wait until the client has read enough of what was sent (backpressure)."""
        ...
