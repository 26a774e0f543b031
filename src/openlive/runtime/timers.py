"""A session's clocks: time limits that send ``goAway`` and then close, and the server's goAway."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from openlive.errors import CLOSE_GOING_AWAY
from openlive.runtime.io import SessionIO
from openlive.wire import server as msg

log = logging.getLogger(__name__)


class Timers:
    """The time limits of one connection.

    Args:
        io: The client.
        notice_s: ``goAway.timeLeft`` before a limit closes the connection.
        name: Names the tasks (the session id).
    """

    def __init__(self, io: SessionIO, notice_s: float, name: str) -> None:
        self._io = io
        self._notice_s = notice_s
        self._name = name
        self.tasks: list[asyncio.Task[None]] = []

    def arm(self, after_s: float, reason: str) -> None:
        """Close the connection with ``reason`` after ``after_s``, sending ``goAway`` ahead of it."""

        async def expire() -> None:
            notice = min(self._notice_s, after_s)
            await asyncio.sleep(after_s - notice)
            if self._io.closing:
                return
            log.info("time limit: %s", reason)
            self._io.send(msg.go_away(notice))
            await asyncio.sleep(notice)
            self._io.close(CLOSE_GOING_AWAY, reason)

        self.tasks.append(asyncio.create_task(expire(), name=f"limit-{self._name}"))

    async def go_away(self, grace_s: float, generating: Callable[[], bool]) -> None:
        """Tell the client the connection ends soon, let a running reply finish, then close."""
        if self._io.closing:
            return
        self._io.send(msg.go_away(grace_s))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while generating() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self._io.close(CLOSE_GOING_AWAY, "the server is shutting down; reconnect to continue")

    def cancel(self) -> None:
        """Stop every clock."""
        for task in self.tasks:
            task.cancel()
