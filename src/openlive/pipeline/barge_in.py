"""Speech heard while a reply plays: hold the reply, decide, then interrupt it or let it go on.

When the user starts speaking during a reply, turn taking does not interrupt at
once: the paced reply stops going out (the client still plays the second or so
it has; nothing is flushed) and a :class:`~openlive.pipeline.backchannel.BargeIn`
decides from what follows: how long the speech runs, a partial recognition of
its first part (and, with a judge, of all of it once it runs past the length of
a backchannel), and the recognition of the whole of it.

- An interruption: the reply is interrupted as before (``interrupted``, the turn
  cancelled) and the speech becomes the next turn.
- A backchannel ("mhm", "okay") or noise: the reply goes on from where it was
  held; the speech's transcript is not a turn (no reply, nothing in the history).

Words the backchannel list does not hold are put to the listener judge, when
the server has one (:mod:`openlive.pipeline.listener_judge`), in the executor:
never on the event loop. A judge that fails or takes longer than
:data:`JUDGE_TIMEOUT_S` leaves the list's decision (they interrupt).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor

from openlive.engines.audio_base import Samples
from openlive.pipeline.backchannel import BargeIn, BargeInConfig, Verdict

log = logging.getLogger(__name__)

# How long a judgment may take before the list decides without it. The judge took
# a median 140-210 ms, at most 330-560 ms, on this 2-core machine (python -m
# openlive.bench.backchannels, two runs); an interruption it holds up waits at
# most this long more than without it.
JUDGE_TIMEOUT_S = 0.6


class BargeInGuard:
    """The barge-in decisions of one connection.

    Args:
        config: When speech is an interruption.
        language: The session's language (BCP-47), for its backchannel words.
        recognise: Recognises audio now (a partial transcript).
        interrupt: Interrupts the reply (the session's start-of-speech handling).
        judge: Log-odds that words are a listener's response (blocking; may raise);
            ``None``: the word list alone decides.
        executor: Where the judge runs.
        judge_timeout_s: How long a judgment may take.
    """

    def __init__(
        self,
        config: BargeInConfig,
        language: str | None,
        recognise: Callable[[Samples], Awaitable[str]],
        interrupt: Callable[[], None],
        judge: Callable[[str], float] | None = None,
        executor: Executor | None = None,
        judge_timeout_s: float = JUDGE_TIMEOUT_S,
    ) -> None:
        self.config = config
        self._language = language
        self._recognise = recognise
        self._interrupt = interrupt
        self._judge = judge
        self._executor = executor
        self._judge_timeout_s = judge_timeout_s
        self._judging: asyncio.Task[None] | None = None  # the judgment of the words at a pause
        self._judging_text = ""  # what it judges
        # The utterance's transcript, waiting for the judge: its decision, words, and callback.
        self._final: tuple[BargeIn, str, Callable[[bool], None]] | None = None
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
        self.settle()
        # A judge still loading (it has ``ready``) is not asked yet: the list decides.
        judging = self._judge is not None and bool(getattr(self._judge, "ready", True))
        self._decision = BargeIn(self.config, self._language, judging=judging)
        self._cancel_probe()
        self._cancel_judging()
        self._open.clear()
        log.info("speech during the reply: reply held until it is heard")

    def lasted(self, ms: int, audio: Samples) -> None:
        """The speech has gone on for ``ms``; ``audio`` is all of it so far."""
        decision = self._decision
        if decision is None or decision.verdict is not Verdict.PENDING:
            return
        if ms >= self.config.max_backchannel_ms:
            verdict = decision.speech(ms)
            if verdict is Verdict.PENDING:
                # Heard on past the backchannel length while its words are judged:
                # this recognition, of all of it, is the one that decides.
                self._cancel_probe()
                self._probe = asyncio.create_task(
                    self._partial(decision, audio, overtime=True), name="barge-in-overtime"
                )
            self._act(decision, verdict, f"speech went on for {ms} ms")
        elif ms >= min(self.config.probes_ms, default=ms + 1) and self._probe is None:
            # A probe still running when the next mark comes is left to finish: its
            # answer is the nearer one.
            self._probe = asyncio.create_task(self._partial(decision, audio), name="barge-in-probe")

    async def _partial(self, decision: BargeIn, audio: Samples, overtime: bool = False) -> None:
        """Recognise ``audio`` (the speech so far), weigh it, ask the judge if there is a question, act.

        ``overtime``: the speech ran past the length of a backchannel
        (:meth:`BargeIn.overtime` weighs it; unrecognised, it interrupts).
        """
        read = decision.overtime if overtime else decision.partial
        try:
            text = await self._recognise(audio)
        except Exception:  # noqa: BLE001 - the whole utterance's recognition still decides
            log.exception("partial recognition failed")
            if overtime and decision is self._decision:
                self._act(decision, read(""), "speech went on, and was not recognised")
            return
        if decision is not self._decision:
            return
        log.debug("partial transcript during the reply: %r", text)
        verdict = read(text)
        if decision.question is not None:
            odds = await self._ask(decision.question)
            if decision is not self._decision or decision.verdict is not Verdict.PENDING:
                return  # decided meanwhile (the speech went on too long, or ended)
            verdict = decision.judged(decision.question, odds)
        self._probe = None  # the next mark may probe again, with more of the speech
        self._act(decision, verdict, "words that are not a backchannel")

    async def _ask(self, text: str) -> float | None:
        """The judge's log-odds for ``text``, or ``None`` if it failed or was too slow."""
        assert self._judge is not None  # a question is asked only with a judge
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            odds = await asyncio.wait_for(
                loop.run_in_executor(self._executor, self._judge, text), self._judge_timeout_s
            )
        except TimeoutError:
            log.warning(
                "barge-in: the listener judge took over %.1f s; the word list decides", self._judge_timeout_s
            )
            return None
        except Exception:  # noqa: BLE001 - the word list still decides
            log.exception("barge-in: the listener judge failed; the word list decides")
            return None
        log.debug("listener judge: %r %+.2f in %.0f ms", text[:60], odds, 1000 * (loop.time() - started))
        return odds

    async def _judge_words(self, decision: BargeIn, text: str) -> None:
        """Ask the judge about the words heard at a pause or at the end, and act on its answer."""
        odds = await self._ask(text)
        if decision is not self._decision:
            return
        self._judging = None
        if decision.verdict is Verdict.PENDING:
            self._act(decision, decision.judged(text, odds), f"heard {decision_text(text)}, judged")
        self._finish(decision)

    def paused(self, text: str) -> None:
        """The user paused and the speech so far was recognised as ``text``."""
        decision = self._decision
        if decision is None or decision.verdict is not Verdict.PENDING:
            return
        verdict = decision.ended(text, final=False)
        if decision.question is not None:
            self._judge_later(decision, decision.question)
        else:
            self._act(decision, verdict, f"heard {decision_text(text)}")

    def resumed(self) -> None:
        """The user went on after a pause: the pause's words are not all (decide again if they were)."""
        self._cancel_judging()
        decision = self._decision
        if decision is not None and decision.verdict is Verdict.CONTINUE:
            self.started()

    def transcribed(self, text: str, decided: Callable[[bool], None]) -> None:
        """The utterance's transcript is in: call ``decided(backchannel)`` once it is decided.

        At once, unless the listener judge is still out on the words (asked at the
        pause, or now): then when it answers, at most :data:`JUDGE_TIMEOUT_S`
        later, or when speech starts again (:meth:`settle`), whichever is first.
        ``backchannel`` is ``True`` for a backchannel or noise: no turn.
        """
        decision = self._decision
        if decision is None:
            decided(False)
            return
        self.settle()  # an earlier utterance still waiting (not expected: speech started between)
        self._cancel_probe()
        self._final = (decision, text, decided)
        if decision.verdict is Verdict.PENDING:
            verdict = decision.ended(text, final=False)
            question = decision.question
            if question is not None:
                if self._judging is None or self._judging_text != question:
                    self._judge_later(decision, question)
                return
            self._act(decision, verdict, f"heard {decision_text(text)}")
        self._finish(decision)

    def settle(self) -> None:
        """Decide a transcript still waiting for the judge now, without it (speech started again)."""
        if self._final is not None:
            self._cancel_judging()
            self._finish(self._final[0])

    def _judge_later(self, decision: BargeIn, question: str) -> None:
        self._cancel_judging()
        self._judging_text = question
        self._judging = asyncio.create_task(self._judge_words(decision, question), name="barge-in-judge")

    def _finish(self, decision: BargeIn) -> None:
        """Decide the transcript that waits, if it is ``decision``'s, and hand the decision over."""
        if self._final is None or self._final[0] is not decision:
            return
        _, text, decided = self._final
        self._final = None
        self._decision = None
        self._cancel_judging()
        pending = decision.verdict is Verdict.PENDING
        verdict = decision.ended(text)  # the judge's answer if it gave one, else the list's
        if pending:
            self._act(decision, verdict, f"heard {decision_text(text)}")
        decided(verdict is Verdict.CONTINUE)

    def reply_over(self) -> None:
        """The reply ended or was interrupted: nothing is held any more."""
        self._open.set()

    def close(self) -> None:
        """Stop the partial recognition and the judgment, if they run."""
        self._cancel_probe()
        self._cancel_judging()
        self._final = None
        self._open.set()

    def _act(self, decision: BargeIn, verdict: Verdict, why: str) -> None:
        if verdict is Verdict.PENDING:
            return
        if verdict is Verdict.INTERRUPT:
            log.info("barge-in: %s; interrupting the reply", why)
            self._open.set()
            self._cancel_probe()
            self._cancel_judging()
            self._interrupt()
        else:
            log.info(
                "barge-in: %s (%s); the reply goes on", why, decision.heard.value if decision.heard else ""
            )
            self._open.set()

    def _cancel_judging(self) -> None:
        if self._judging is not None:
            if asyncio.current_task() is not self._judging:
                self._judging.cancel()
            self._judging = None

    def _cancel_probe(self) -> None:
        if self._probe is not None:
            if asyncio.current_task() is not self._probe:
                self._probe.cancel()
            self._probe = None


def decision_text(text: str) -> str:
    """How a transcript appears in the log line of a decision (its words only at DEBUG)."""
    return f"{len(text.split())} word(s)" if not log.isEnabledFor(logging.DEBUG) else repr(text[:60])
