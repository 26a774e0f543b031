"""The LLM contract, run against both language-model engines alike.

The llama.cpp engine runs the embedded SmolLM2 in this process; the
OpenAI-compatible engine reaches the same model through llama-cpp-python's own
server (started once, by the fixture in ``test_openai_compat``). Whatever the
runtime relies on of an engine is checked here, for both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from openlive.engines.base import (
    LLM,
    ChatMessage,
    GenerationStats,
    LLMCapabilities,
    SamplingParams,
    capabilities,
)
from openlive.engines.embedded import smollm2_path
from openlive.engines.llama import LlamaCppEngine
from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.errors import ConfigError
from tests.unit.engines.test_openai_compat import MODEL, N_CTX, llama_server

__all__ = ["llama_server"]  # the fixture, imported for this module's use

SEA = [ChatMessage("user", "Tell me about the sea.")]
STORY = [ChatMessage("system", "You are brief."), ChatMessage("user", "Write a long story about a dragon.")]


@pytest.fixture(scope="module", params=["llama", "openai_compat"])
def llm(request: pytest.FixtureRequest) -> Iterator[LLM]:
    if request.param == "llama":
        try:
            path = smollm2_path()
        except ConfigError as exc:
            pytest.skip(str(exc))
        yield LlamaCppEngine(path, n_ctx=N_CTX, contexts=1)
        return
    remote = OpenAICompatEngine(
        request.getfixturevalue("llama_server"), MODEL, context_size=N_CTX, timeout=30.0
    )
    yield remote
    remote.close()


def generate(
    llm: LLM, messages: list[ChatMessage], params: SamplingParams
) -> tuple[list[str], GenerationStats]:
    stats = GenerationStats()
    return list(llm.generate(messages, params, stats, threading.Event())), stats


def test_is_an_llm_with_a_window(llm: LLM) -> None:
    assert isinstance(llm, LLM)
    assert llm.context_size == N_CTX


def test_declares_what_it_can_do(llm: LLM) -> None:
    declared = capabilities(llm)
    assert isinstance(declared, LLMCapabilities)
    # Only an in-process tokenizer may be called on the event loop.
    assert declared.local_tokenizer == isinstance(llm, LlamaCppEngine)


def test_counts_longer_prompts_as_more_tokens(llm: LLM) -> None:
    one = llm.count_prompt_tokens(SEA)
    two = llm.count_prompt_tokens([*SEA, ChatMessage("assistant", "It is big and blue."), *SEA])
    assert 0 < one < two < N_CTX


def test_streams_text_and_fills_its_stats(llm: LLM) -> None:
    pieces, stats = generate(llm, SEA, SamplingParams(max_tokens=12, temperature=0.0, seed=1))
    assert pieces and all(isinstance(p, str) for p in pieces)
    assert "".join(pieces).strip()
    assert stats.prompt_tokens > 0
    assert 0 < stats.response_tokens <= 12
    assert stats.first_token_s is not None and stats.first_token_s >= 0.0
    assert stats.queue_wait_s >= 0.0


def test_the_same_seed_at_temperature_zero_gives_the_same_text(llm: LLM) -> None:
    params = SamplingParams(max_tokens=16, temperature=0.0, seed=3)
    first, _ = generate(llm, STORY, params)
    second, _ = generate(llm, STORY, params)
    assert "".join(first) == "".join(second)


def test_a_set_cancel_event_stops_the_stream(llm: LLM) -> None:
    cancel = threading.Event()
    stats = GenerationStats()
    pieces = []
    for piece in llm.generate(STORY, SamplingParams(max_tokens=200, temperature=0.7), stats, cancel):
        pieces.append(piece)
        if len(pieces) == 2:
            cancel.set()
    assert 2 <= len(pieces) <= 3
    # The engine is fine for the next call.
    assert "".join(generate(llm, SEA, SamplingParams(max_tokens=4))[0])
