"""The answer scorer on the embedded model (SmolLM2-135M): next-token odds that mean something."""

from __future__ import annotations

import math
import os

import llama_cpp
import numpy as np
import pytest

from openlive.engines import llama_scorer
from openlive.engines.base import ChatMessage
from openlive.engines.embedded import smollm2_path
from openlive.engines.llama_scorer import LlamaScorer
from openlive.errors import EngineError
from openlive.pipeline.proactivity import question_prompt
from openlive.priority import PRIORITY


@pytest.fixture(scope="module")
def scorer() -> LlamaScorer:
    return LlamaScorer(smollm2_path(), n_ctx=256)


def test_an_answer_that_fits_the_prompt_scores_higher(scorer: LlamaScorer) -> None:
    fitting, unrelated = scorer.next_token_logprobs("The capital of France is", [" Paris", " banana"])
    assert fitting > unrelated
    assert fitting < 0 and math.exp(fitting) + math.exp(unrelated) <= 1.0


def test_a_score_does_not_depend_on_what_was_scored_before(scorer: LlamaScorer) -> None:
    shared = "Heard: the weather today.\nSaid to the assistant:"
    answers = [" yes", " no"]
    alone = scorer.next_token_logprobs(shared, answers)
    # A prompt sharing its start, a prompt that is the first's start, then the first again.
    scorer.next_token_logprobs(shared + " no\n\nHeard: my keys.\nSaid to the assistant:", answers)
    scorer.next_token_logprobs(shared[:20], answers)
    assert scorer.next_token_logprobs(shared, answers) == pytest.approx(alone, abs=1e-3)
    assert scorer.next_token_logprobs(shared, answers) == pytest.approx(alone, abs=1e-3)  # all cached


def test_a_prompt_longer_than_the_window_is_refused(scorer: LlamaScorer) -> None:
    with pytest.raises(EngineError, match="too long"):
        scorer.next_token_logprobs("word " * 400, [" yes"])
    assert scorer.next_token_logprobs("", [" yes", ""])[1] == -math.inf  # an empty answer: impossible


def test_proactive_audios_longest_prompt_fits_the_window() -> None:
    # A byte-level tokenizer, as Qwen's: at most a token a byte of the clipped words.
    scorer = LlamaScorer(smollm2_path())
    worst = question_prompt(
        [ChatMessage("assistant", '"\U0001f600' * 2000), ChatMessage("user", '"\\' * 2000)]
    )
    yes, no = scorer.next_token_logprobs(worst, [" yes", " no"])
    assert yes < 0 and no < 0


def test_a_scorer_with_states_gives_the_same_odds_and_a_state_that_depends_on_the_prompt() -> None:
    plain = LlamaScorer(smollm2_path(), n_ctx=256)
    keeping = LlamaScorer(smollm2_path(), n_ctx=256, states=True)
    prompt = "Heard: what time is it?\nSaid to the assistant:"
    odds, state = keeping.next_token_state(prompt, [" yes", " no"])
    assert odds == pytest.approx(plain.next_token_logprobs(prompt, [" yes", " no"]), abs=1e-3)
    assert state.shape == (576,) and np.all(np.isfinite(state))  # SmolLM2-135M's width
    other = keeping.next_token_state("Heard: Tom, dinner is ready.\nSaid to the assistant:", [" yes"])[1]
    assert not np.allclose(state, other)
    assert np.allclose(
        keeping.next_token_state(prompt, [" yes"])[1], state
    )  # the cached prompt, the same state
    with pytest.raises(EngineError, match="keeps no states"):
        plain.next_token_state(prompt, [" yes"])


def test_an_urgent_judgment_takes_every_core_alone_one_beside_urgent_work_and_goes_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[tuple[int, int]] = []
    urgent_while_judging: list[int] = []
    real = llama_scorer.set_threads
    scorer = LlamaScorer(smollm2_path(), n_ctx=256, urgent=True)

    def recording(llama: object, chosen: tuple[int, int]) -> None:
        threads.append(chosen)
        real(llama, chosen)

    evaluate = scorer._llama.eval

    def evaluating(tokens: list[int]) -> None:
        urgent_while_judging.append(PRIORITY.urgent_now)
        evaluate(tokens)

    monkeypatch.setattr(llama_scorer, "set_threads", recording)
    monkeypatch.setattr(scorer._llama, "eval", evaluating)
    cores = os.cpu_count() or 1
    scorer.next_token_logprobs("Is the sky blue? Answer:", [" yes", " no"])
    with PRIORITY.urgent():  # a user's speech being recognised, say
        scorer.next_token_logprobs("Is the grass green? Answer:", [" yes", " no"])
    assert threads == [(cores, cores), (1, 1)]
    assert urgent_while_judging == [1, 2]  # the judgment itself is urgent work
    assert scorer.next_token_logprobs("Is the sea dry? Answer:", [" yes", " no"])[0] < 0
    assert PRIORITY.urgent_now == 0  # released after each judgment


def test_a_judgment_not_marked_urgent_runs_on_one_core_beside_the_rest(
    scorer: LlamaScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[tuple[int, int]] = []
    monkeypatch.setattr(llama_scorer, "set_threads", lambda _, chosen: threads.append(chosen))
    evaluate = scorer._llama.eval
    urgent: list[int] = []
    running: list[tuple[int, int]] = []

    def evaluating(tokens: list[int]) -> None:
        context = scorer._llama._ctx.ctx
        running.append((llama_cpp.llama_n_threads(context), llama_cpp.llama_n_threads_batch(context)))
        urgent.append(PRIORITY.urgent_now)
        evaluate(tokens)

    monkeypatch.setattr(scorer._llama, "eval", evaluating)
    scorer.next_token_logprobs("Is the moon bright? Answer:", [" yes", " no"])
    assert running == [(1, 1)] and urgent == [0]
    assert threads == []  # the one thread it was built with
