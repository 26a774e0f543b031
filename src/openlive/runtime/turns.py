"""The tasks of each reply, cancelled together, and the guard that maps failures to close codes."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass

from openlive.errors import CLOSE_INTERNAL, OpenliveError

log = logging.getLogger(__name__)


@dataclass
class _TurnWork:
    """The tasks working on one reply (planning, tools, generation) and their cancel event."""

    cancel: threading.Event
    tasks: set[asyncio.Task[None]]


class Guard:
    """Runs one of a session's tasks: its failure closes this session, nothing else.

    Args:
        fail: Closes the session for an :class:`~openlive.errors.OpenliveError`.
        close: Closes the session with a code and reason.
        session_id: For the reason a client reads on an internal error.
    """

    def __init__(
        self,
        fail: Callable[[OpenliveError], None],
        close: Callable[[int, str], None],
        session_id: Callable[[], str],
    ) -> None:
        self._fail = fail
        self._close = close
        self._session_id = session_id

    async def __call__(self, what: str, work: Coroutine[object, object, None]) -> None:
        """Await ``work``, named ``what`` in the log and in the close reason."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except OpenliveError as error:
            self._fail(error)
        except Exception:  # noqa: BLE001 - reported to the client as 1011
            log.exception("%s failed", what)
            self._close(CLOSE_INTERNAL, f"{what} failed; see the server log for session {self._session_id()}")


class TurnTasks:
    """Every reply's tasks, by turn id."""

    def __init__(self, guard: Guard) -> None:
        self._guard = guard
        self._work: dict[int, _TurnWork] = {}

    def cancel_event(self, turn_id: int) -> threading.Event:
        """The event that tells reply ``turn_id``'s engine calls to stop."""
        return self._turn(turn_id).cancel

    def spawn(self, turn_id: int, what: str, job: Coroutine[object, object, None]) -> None:
        """Run ``job`` as part of reply ``turn_id``: cancelled with it, its failure closing the session."""
        work = self._turn(turn_id)
        task = asyncio.create_task(self._guard(what, job), name=f"turn-{turn_id}")
        work.tasks.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            # A task cancelled before it ran never started ``job``: close it, so that
            # it is not reported as a coroutine never awaited.
            job.close()
            work.tasks.discard(done)
            if not work.tasks and self._work.get(turn_id) is work:
                del self._work[turn_id]

        task.add_done_callback(forget)

    def cancel(self, turn_id: int) -> None:
        """Stop reply ``turn_id``: its engine calls and every task working on it."""
        work = self._work.pop(turn_id, None)
        if work is not None:
            work.cancel.set()
            for task in work.tasks:
                task.cancel()

    def cancel_all(self) -> None:
        """Stop every reply."""
        for turn_id in list(self._work):
            self.cancel(turn_id)

    def _turn(self, turn_id: int) -> _TurnWork:
        work = self._work.get(turn_id)
        if work is None:
            work = self._work[turn_id] = _TurnWork(threading.Event(), set())
        return work
