"""Reading a prompt ahead: the next turn's first token then costs only its new tokens; a judgment keeps it.

Runs the embedded SmolLM2 in this process (skipped where it is not installed).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from openlive.engines.base import ChatMessage, GenerationStats, Judge, PromptWarming, SamplingParams
from openlive.engines.embedded import smollm2_path
from openlive.engines.llama import LlamaCppEngine
from openlive.errors import ConfigError

HISTORY = [
    ChatMessage("system", "You are a helpful assistant."),
    ChatMessage("user", "What is the capital of France?"),
    ChatMessage("assistant", "The capital of France is Paris."),
    ChatMessage("user", "And of Italy?"),
    ChatMessage("assistant", "The capital of Italy is Rome."),
]


def smollm2(contexts: int) -> LlamaCppEngine:
    try:
        path = smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    return LlamaCppEngine(path, n_ctx=1024, contexts=contexts)


@pytest.fixture(scope="module")
def engine() -> Iterator[LlamaCppEngine]:
    yield smollm2(contexts=2)


@pytest.fixture(scope="module")
def one_context() -> Iterator[LlamaCppEngine]:
    yield smollm2(contexts=1)


def first_reply(engine: LlamaCppEngine, messages: list[ChatMessage]) -> GenerationStats:
    stats = GenerationStats()
    params = SamplingParams(max_tokens=2, temperature=0.0)
    for _ in engine.generate(messages, params, stats, threading.Event()):
        pass
    return stats


def test_a_warmed_prompt_is_read_once_and_the_next_turn_finds_it(engine: LlamaCppEngine) -> None:
    assert isinstance(engine, PromptWarming)
    # A window that moved: the history without its first exchange.
    moved = [HISTORY[0], *HISTORY[3:]]
    read = engine.warm(moved)
    assert read > 0
    assert engine.warm(moved) == 0  # already held: nothing to read again
    # Everything the next prompt shares with the warmed one is in a context's cache.
    following = [*moved, ChatMessage("user", "And of Spain?")]
    tokens, _ = engine._prompt(following)
    assert engine._pool.best_cached(tokens) >= read
    assert engine._pool.best_cached(tokens) < len(tokens)  # the new words are not
    assert first_reply(engine, following).first_token_s is not None


def test_warming_reads_only_what_the_next_prompt_shares(engine: LlamaCppEngine) -> None:
    engine.warm(HISTORY)
    tokens, _ = engine._prompt([*HISTORY, ChatMessage("user", "Thanks!")])
    # Some context holds a prefix of the next prompt and nothing past it (not the
    # assistant's header that ends the warmed prompt's own rendering).
    held = [list(c.input_ids[: c.n_tokens]) for c in engine._pool._free]
    assert any(cached and cached == tokens[: len(cached)] for cached in held)


def reply(engine: LlamaCppEngine, messages: list[ChatMessage]) -> str:
    params = SamplingParams(max_tokens=8, temperature=0.0)
    return "".join(engine.generate(messages, params, GenerationStats(), threading.Event()))


def test_a_judgment_that_keeps_the_cache_leaves_the_prompt_cached(one_context: LlamaCppEngine) -> None:
    engine = one_context
    asked = [*HISTORY, ChatMessage("user", "And of Spain?")]
    question = [ChatMessage("user", 'Is "Rome" the name of a city? Answer yes or no.')]
    assert isinstance(engine, Judge)
    before = reply(engine, asked)
    tokens, _ = engine._prompt(asked)
    held = engine._pool.best_cached(tokens)
    assert held >= len(tokens) - 1

    kept = engine.answer_logprobs(question, ["yes", "no"], keep_cache=True)
    assert engine._pool.best_cached(tokens) == held
    assert reply(engine, asked) == before  # the restored cache reads as the original did

    dropped = engine.answer_logprobs(question, ["yes", "no"])
    assert engine._pool.best_cached(tokens) < held  # the judgment's prompt took its place
    assert dropped == pytest.approx(kept, abs=0.05)  # the same judgment either way
