"""Fakes of the judges by odds: an answer scorer (``proactivity.Scorer``) and a listener judge."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from openlive.errors import EngineError


class FakeScorer:
    """Gives each answer the log-probability it was set to, and records what it was asked.

    Args:
        logprobs: Per answer's text (``" yes"``, ``" no"``); an answer not set gets -30.
        lean: The odds of the first answer at which a case is even (as the real scorer's).
    """

    def __init__(self, logprobs: dict[str, float], lean: float = 0.0) -> None:
        self.logprobs = dict(logprobs)
        self.lean = lean
        self.asked: list[tuple[str, list[str]]] = []

    def next_token_logprobs(self, prompt: str, answers: Sequence[str]) -> list[float]:
        """The set log-probability of each answer after ``prompt`` (recorded)."""
        self.asked.append((prompt, list(answers)))
        return [self.logprobs.get(answer, -30.0) for answer in answers]


class FakeStateScorer(FakeScorer):
    """A :class:`FakeScorer` that also gives a state after each prompt (``proactivity.StateScorer``).

    Args:
        logprobs: As :class:`FakeScorer`.
        states: The state per heard words (found in the prompt); other prompts get ``default``.
        default: The state of any other prompt.
        lean: As :class:`FakeScorer`.
    """

    states = True

    def __init__(
        self,
        logprobs: dict[str, float],
        states: dict[str, Sequence[float]] | None = None,
        default: Sequence[float] = (0.0, 0.0),
        lean: float = 0.0,
    ) -> None:
        super().__init__(logprobs, lean)
        self.by_words = {words: list(state) for words, state in (states or {}).items()}
        self.default = list(default)

    def next_token_state(self, prompt: str, answers: Sequence[str]) -> tuple[list[float], list[float]]:
        """The set log-probabilities, and the state set for the last words the prompt names."""
        heard = prompt.rsplit("Heard: ", 1)[-1]
        state = next((s for words, s in self.by_words.items() if words in heard), self.default)
        return self.next_token_logprobs(prompt, answers), state


class FakeListenerJudge:
    """A listener judge (``SpeechEngines.listener``): set odds per words, questions recorded.

    Args:
        odds: Log-odds of "a listener's response" per text as asked (exact words);
            a text not set gets ``default``.
        default: The odds of any other text.
        fails: Raise instead of answering (a broken judge).
        hold: Block each judgment until this event is set (a slow judge).
    """

    def __init__(
        self,
        odds: dict[str, float] | None = None,
        default: float = -5.0,
        fails: bool = False,
        hold: threading.Event | None = None,
    ) -> None:
        self.odds = dict(odds or {})
        self.default = default
        self.fails = fails
        self.hold = hold
        self.ready = True
        self.asked: list[str] = []

    def __call__(self, heard: str) -> float:
        """The set odds for ``heard`` (blocking while :attr:`hold` is clear)."""
        self.asked.append(heard)
        if self.hold is not None:
            self.hold.wait(30.0)
        if self.fails:
            raise EngineError("the fake listener judge fails")
        return self.odds.get(heard, self.default)
