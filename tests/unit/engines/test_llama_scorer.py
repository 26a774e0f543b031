"""The text scorer on the embedded model (SmolLM2-135M): likelihoods that mean something."""

from __future__ import annotations

import pytest

from openlive.engines.embedded import smollm2_path
from openlive.engines.llama_scorer import LlamaScorer


@pytest.fixture(scope="module")
def scorer() -> LlamaScorer:
    return LlamaScorer(smollm2_path())


def test_words_that_fit_their_opening_score_higher(scorer: LlamaScorer) -> None:
    fitting, unrelated = scorer.text_logprobs(
        ["The capital of France is", "My favourite colour is"], " Paris, a city on the Seine."
    )
    assert fitting > unrelated
    assert fitting < 0 and unrelated < 0  # log-probabilities of several tokens


def test_a_score_does_not_depend_on_what_was_scored_before(scorer: LlamaScorer) -> None:
    prefixes = ["Transcript of a TV show.\nSpeaker:", "Transcript of a call.\nPerson:"]
    text = " What is the weather like today?"
    alone = [scorer.text_logprobs([prefix], text)[0] for prefix in prefixes]
    together = scorer.text_logprobs(prefixes, text)
    again = scorer.text_logprobs(list(reversed(prefixes)), text)
    assert together == pytest.approx(alone, abs=1e-3)
    assert again == pytest.approx(list(reversed(alone)), abs=1e-3)


def test_nothing_to_score_scores_zero(scorer: LlamaScorer) -> None:
    assert scorer.text_logprobs(["Anything"], "") == [0.0]
