"""Speech heard while a reply plays: hold the reply, decide, then interrupt it or let it go on.

When the user starts speaking during a reply, turn taking does not interrupt at
once: the paced reply stops going out (the client still plays the second or so
it has; nothing is flushed) and a :class:`~openlive.pipeline.backchannel.BargeIn`
decides from what follows: how long the speech runs, a partial recognition of
its first part, and the recognition of the whole of it.

- An interruption: the reply is interrupted as before (``interrupted``, the turn
  cancelled) and the speech becomes the next turn.
- A backchannel ("mhm", "okay") or noise: the reply goes on from where it was
  held; the speech's transcript is not a turn (no reply, nothing in the history).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from openlive.engines.audio_base import Samples
from openlive.pipeline.backchannel import BargeIn, BargeInConfig, Verdict

log = logging.getLogger(__name__)


class BargeInGuard:
    """The barge-in decisions of one connection.

    Args:
        config: When speech is an interruption.
        language: The session's language (BCP-47), for its backchannel words.
        recognise: Recognises audio now (a partial transcript).
        interrupt: Interrupts the reply (the session's start-of-speech handling).
    """

    def __init__(
        self,
        config: BargeInConfig,
        language: str | None,
        recognise: Callable[[Samples], Awaitable[str]],
        interrupt: Callable[[], None],
    ) -> None:
        self.config = config
        self._language = language
        self._recognise = recognise
        self._interrupt = interrupt
        self._open = asyncio.Event()
        self._open.set()
        self._decision: BargeIn | None = None
        self._probe: asyncio.Task[None] | None = None

    @property
    def holding(self) -> bool:
        """Whether the reply is held while a decision is pending."""
        return not self._open.is_set()

    async def wait_open(self) -> None:
        """Return when the reply may be sent (at once unless a decision is pending)."""
        await self._open.wait()

    def started(self) -> None:
        """Speech started during a reply: hold it and decide."""
        self._decision = BargeIn(self.config, self._language)
        self._cancel_probe()
        self._open.clear()
        log.info("speech during the reply: reply held until it is heard")

    def lasted(self, ms: int, audio: Samples) -> None:
        """The speech has gone on for ``ms``; ``audio`` is all of it so far."""
        decision = self._decision
        if decision is None or decision.verdict is not Verdict.PENDING:
            return
        if ms >= self.config.max_backchannel_ms:
            self._act(decision, decision.speech(ms), f"speech went on for {ms} ms")
        elif ms >= min(self.config.probes_ms, default=ms + 1) and self._probe is None:
            # A probe still running when the next mark comes is left to finish: its
            # answer is the nearer one.
            self._probe = asyncio.create_task(self._partial(decision, audio), name="barge-in-probe")

    async def _partial(self, decision: BargeIn, audio: Samples) -> None:
        try:
            text = await self._recognise(audio)
        except Exception:  # noqa: BLE001 - the whole utterance's recognition still decides
            log.exception("partial recognition failed")
            return
        if decision is self._decision:
            log.debug("partial transcript during the reply: %r", text)
            self._probe = None  # the next mark may probe again, with more of the speech
            self._act(decision, decision.partial(text), "words that are not a backchannel")

    def paused(self, text: str) -> None:
        """The user paused and the speech so far was recognised as ``text``."""
        decision = self._decision
        if decision is not None and decision.verdict is Verdict.PENDING:
            self._act(decision, decision.ended(text), f"heard {decision_text(text)}")

    def resumed(self) -> None:
        """The user went on after a pause that was judged a backchannel: decide again."""
        decision = self._decision
        if decision is not None and decision.verdict is Verdict.CONTINUE:
            self.started()

    def transcribed(self, text: str) -> bool:
        """The utterance's transcript is in: ``True`` if it is a backchannel (not a turn)."""
        decision = self._decision
        if decision is None:
            return False
        self._decision = None
        self._cancel_probe()
        pending = decision.verdict is Verdict.PENDING
        verdict = decision.ended(text)
        if pending:
            self._act(decision, verdict, f"heard {decision_text(text)}")
        return verdict is Verdict.CONTINUE

    def reply_over(self) -> None:
        """The reply ended or was interrupted: nothing is held any more."""
        self._open.set()

    def close(self) -> None:
        """Stop the partial recognition, if one runs."""
        self._cancel_probe()
        self._open.set()

    def _act(self, decision: BargeIn, verdict: Verdict, why: str) -> None:
        if verdict is Verdict.PENDING:
            return
        if verdict is Verdict.INTERRUPT:
            log.info("barge-in: %s; interrupting the reply", why)
            self._open.set()
            self._cancel_probe()
            self._interrupt()
        else:
            log.info(
                "barge-in: %s (%s); the reply goes on", why, decision.heard.value if decision.heard else ""
            )
            self._open.set()

    def _cancel_probe(self) -> None:
        if self._probe is not None:
            if asyncio.current_task() is not self._probe:
                self._probe.cancel()
            self._probe = None


def decision_text(text: str) -> str:
    """How a transcript appears in the log line of a decision (its words only at DEBUG)."""
    return f"{len(text.split())} word(s)" if not log.isEnabledFor(logging.DEBUG) else repr(text[:60])
