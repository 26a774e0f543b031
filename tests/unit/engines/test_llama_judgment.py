"""A short judgment from the model's odds, and the cached prompt it may leave as it was.

Runs the embedded SmolLM2 in this process (skipped where it is not installed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from openlive.engines.base import ChatMessage, GenerationStats, Judge, SamplingParams
from openlive.engines.embedded import smollm2_path
from openlive.engines.llama import LlamaCppEngine
from openlive.errors import ConfigError

LONG = [
    ChatMessage("system", "You are a helpful assistant. " * 20),
    ChatMessage("user", "What is the capital of France?"),
    ChatMessage("assistant", "The capital of France is Paris."),
    ChatMessage("user", "And of Italy?"),
]
QUESTION = [ChatMessage("user", 'Is "Rome" the name of a city? Answer yes or no.')]


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaCppEngine]:
    try:
        path = smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    yield LlamaCppEngine(path, n_ctx=1024, contexts=1)


def reply(engine: LlamaCppEngine, messages: list[ChatMessage]) -> str:
    params = SamplingParams(max_tokens=8, temperature=0.0)
    return "".join(engine.generate(messages, params, GenerationStats(), threading.Event()))


def test_a_judgment_that_keeps_the_cache_leaves_the_prompt_cached(engine: LlamaCppEngine) -> None:
    assert isinstance(engine, Judge)
    before = reply(engine, LONG)
    tokens, _ = engine._prompt(LONG)
    held = engine._pool.best_cached(tokens)
    assert held >= len(tokens) - 1

    kept = engine.answer_logprobs(QUESTION, ["yes", "no"], keep_cache=True)
    assert engine._pool.best_cached(tokens) == held
    assert reply(engine, LONG) == before  # the restored cache reads as the original did

    dropped = engine.answer_logprobs(QUESTION, ["yes", "no"])
    assert engine._pool.best_cached(tokens) < held  # the judgment's prompt took its place
    assert dropped == pytest.approx(kept, abs=0.05)  # the same judgment either way
