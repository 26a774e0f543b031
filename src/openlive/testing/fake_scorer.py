"""A fake answer scorer (:class:`openlive.pipeline.proactivity.Scorer`): set odds, prompts recorded."""

from __future__ import annotations

from collections.abc import Sequence


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
