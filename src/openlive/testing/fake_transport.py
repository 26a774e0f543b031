"""Fakes of a session's ports: the WebSocket a connection reads, the SessionIO a runtime writes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from openlive.wire import encode
from openlive.wire import server as msg


class FakeTransport:
    """A WebSocket in memory: tests put client frames in and read what the server sent.

    Attributes:
        sent: Text frames the server sent, in order.
        closed: The close frame's code and reason, once sent.
    """

    def __init__(self) -> None:
        self._incoming: asyncio.Queue[str | bytes | None] = asyncio.Queue()
        self.sent: list[str] = []
        self.closed: tuple[int, str] | None = None
        self._changed = asyncio.Event()

    def put(self, frame: str | bytes | dict[str, Any]) -> None:
        """Queue a client frame; a dict is sent as JSON."""
        self._incoming.put_nowait(json.dumps(frame) if isinstance(frame, dict) else frame)

    def disconnect(self) -> None:
        """The client goes away."""
        self._incoming.put_nowait(None)

    def messages(self) -> list[dict[str, Any]]:
        """What the server sent, parsed."""
        return [json.loads(text) for text in self.sent]

    async def wait_for(self, key: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until ``count`` server messages with top-level ``key`` (or a close) arrived."""
        async with asyncio.timeout(timeout):
            while True:
                found = [m for m in self.messages() if key in m]
                if len(found) >= count or self.closed is not None:
                    return found
                self._changed.clear()
                await self._changed.wait()

    async def receive(self) -> str | bytes | None:
        """The next client frame (``None`` once disconnected)."""
        return await self._incoming.get()

    async def send(self, text: str) -> None:
        """Record a server frame."""
        self.sent.append(text)
        self._changed.set()

    async def close(self, code: int, reason: str) -> None:
        """Record the close frame."""
        self.closed = (code, reason)
        self._changed.set()
        self._incoming.put_nowait(None)


class FakeSessionIO:
    """A :class:`~openlive.runtime.SessionIO` that records what a runtime does.

    Attributes:
        sent: Messages sent, in order, as the client would read them (JSON data).
        closed: The close code and reason, once closed.
    """

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.closed: tuple[int, str] | None = None
        self._pending: list[asyncio.Task[msg.ServerMessage | None]] = []

    @property
    def closing(self) -> bool:
        """Whether the runtime closed the session."""
        return self.closed is not None

    def send(self, message: msg.ServerMessage) -> None:
        """Record ``message`` (dropped once closed, as a connection drops it)."""
        if not self.closing:
            self.sent.append(json.loads(encode(message)))

    def send_when_ready(self, pending: asyncio.Task[msg.ServerMessage | None]) -> None:
        """Record the message ``pending`` makes, once it is made (see :meth:`settle`)."""
        self._pending.append(pending)

    async def settle(self) -> None:
        """Wait for the messages still being made, and record them."""
        while self._pending:
            message = await self._pending.pop(0)
            if message is not None:
                self.send(message)

    def close(self, code: int, reason: str) -> None:
        """Record the first close."""
        if self.closed is None:
            self.closed = (code, reason)

    async def room(self) -> None:
        """There is always room."""
        await asyncio.sleep(0)
