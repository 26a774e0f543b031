"""Replies started ahead of their turn, during the user's trailing silence.

When the user pauses, the voice input recognises the speech so far while the
endpointer waits for the rest of the silence. With that tentative transcript the
turn taking (:mod:`openlive.pipeline.turn_taking`) asks the session which reply it *would* start
(:meth:`~openlive.session.Session.preview_reply`), and starts it: the model
generates and the first clause is synthesised while the silence is being timed.
Nothing of it reaches the client: a :class:`~openlive.pipeline.reply.Reply` holds
its output until it is read.

Then one of two things happens:

- the end of speech is committed with the same transcript, and the session starts
  a reply: if it is the same reply (the same prompt, settings and voice; only the
  turn id differs) the turn takes the one running ahead, already under way;
  otherwise that one is stopped and the turn's reply starts afresh;
- the user goes on speaking: the reply ahead is stopped, unread.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from openlive.pipeline.reply import Reply
from openlive.session import Action, StartGeneration

log = logging.getLogger(__name__)


class Speculation:
    """At most one reply running ahead of its turn, and the turn that claimed it."""

    def __init__(self) -> None:
        self._pending: tuple[StartGeneration, Reply] | None = None
        self._claimed: tuple[int, Reply] | None = None

    def start(self, request: StartGeneration, reply: Reply) -> None:
        """Hold ``reply``, started for ``request`` (its ``turn_id`` is not the turn's)."""
        self.drop()
        self._pending = (request, reply)

    def drop(self) -> None:
        """The user went on: stop the reply running ahead, unread."""
        if self._pending is not None:
            self._pending[1].stop()
            self._pending = None
            log.info("reply ahead dropped")

    def claim(self, actions: Sequence[Action]) -> None:
        """The turn was committed and the session answered with ``actions``.

        A reply it starts that is the one running ahead (all but the turn id)
        claims it, for :meth:`take`; otherwise the reply ahead is stopped.
        """
        if self._pending is None:
            return
        request, reply = self._pending
        self._pending = None
        for action in actions:
            if isinstance(action, StartGeneration) and _same_reply(request, action):
                self._release_claimed()
                self._claimed = (action.turn_id, reply)
                return
        reply.stop()
        log.info("reply ahead dropped: the turn asked for another")

    def take(self, turn_id: int) -> Reply | None:
        """The reply claimed by turn ``turn_id``, if there is one."""
        if self._claimed is None or self._claimed[0] != turn_id:
            return None
        reply = self._claimed[1]
        self._claimed = None
        return reply

    def close(self) -> None:
        """Stop everything held."""
        self.drop()
        self._release_claimed()

    def _release_claimed(self) -> None:
        # A claimed reply whose turn was cancelled before it started is not read.
        if self._claimed is not None:
            self._claimed[1].stop()
            self._claimed = None


def _same_reply(ahead: StartGeneration, turn: StartGeneration) -> bool:
    return dataclasses.replace(ahead, turn_id=turn.turn_id) == turn
