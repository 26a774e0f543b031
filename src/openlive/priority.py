"""Who gets the CPU first: work a user is waiting for, before work that is ahead of them.

On a small machine the sessions share a couple of cores. Some of their work is
*urgent*: a user has stopped talking and waits for the reply to start (their speech
being recognised, the reply's first tokens, its first clause being synthesised).
The rest is *ahead* of the user: the rest of a reply, which plays at the speed of
speech while the model and the synthesiser run many times faster. Work that is
ahead steps aside while urgent work runs: before each of its steps (a token, a
clause) it waits until no urgent work is running, for at most ``max_wait_s``, so
it always gets on. Without this, one session's reply being written and spoken
delays the start of another's by as much as that work takes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

# The longest one step of work ahead waits for urgent work: a token or a clause
# late by this much is never heard (replies are sent a second ahead of playback).
MAX_WAIT_S = 0.25


class Priority:
    """Counts the urgent work running now; work ahead waits for it to end.

    Args:
        max_wait_s: The longest :meth:`step_aside` waits.
    """

    def __init__(self, max_wait_s: float = MAX_WAIT_S) -> None:
        self._max_wait_s = max_wait_s
        self._urgent = 0
        self._idle = threading.Condition()
        self._local = threading.local()

    @property
    def urgent_now(self) -> int:
        """How many pieces of urgent work are running."""
        return self._urgent

    @contextlib.contextmanager
    def urgent(self) -> Iterator[None]:
        """Mark the work inside the block as urgent."""
        held = self.hold()
        try:
            yield
        finally:
            held.release()

    def hold(self) -> Urgent:
        """Mark work as urgent from now until :meth:`Urgent.release` (for work that spans a generator)."""
        with self._idle:
            self._urgent += 1
        return Urgent(self)

    def _release(self) -> None:
        with self._idle:
            self._urgent -= 1
            if self._urgent == 0:
                self._idle.notify_all()

    @contextlib.contextmanager
    def ahead(self) -> Iterator[None]:
        """Mark the work inside the block, on this thread, as ahead: its :meth:`checkpoint` calls step aside.

        For an engine shared by both kinds of work (the screen reader reads the
        frame a turn waits for, and frames ahead of their turns): only the caller
        knows which kind a call is.
        """
        previous = getattr(self._local, "ahead", False)
        self._local.ahead = True
        try:
            yield
        finally:
            self._local.ahead = previous

    def checkpoint(self) -> None:
        """Between two steps of an engine's work: step aside if the work is ahead (:meth:`ahead`)."""
        if getattr(self._local, "ahead", False):
            self.step_aside()

    def step_aside(self) -> bool:
        """Before a step of work ahead: wait while urgent work runs (at most ``max_wait_s``).

        Returns:
            Whether no urgent work is running now (``False``: the wait timed out).
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._urgent == 0, timeout=self._max_wait_s)


class Urgent:
    """Urgent work in progress, until released (releasing twice is harmless)."""

    def __init__(self, priority: Priority) -> None:
        self._priority: Priority | None = priority

    def release(self) -> None:
        """The urgent part of the work is over."""
        if self._priority is not None:
            self._priority._release()
            self._priority = None


PRIORITY = Priority()
"""The process's priority: every session's engines share the same cores."""
