"""The fake LLM is configured, not subclassed: what it has depends on what it was given."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from openlive.engines.base import ChatMessage, GenerationStats, Judge, SamplingParams
from openlive.testing import FakeLLM

HELLO = [ChatMessage("user", "hello")]


def test_a_plain_fake_has_neither_odds_nor_a_probe() -> None:
    llm = FakeLLM()
    # The runtime tells engines apart by what they have: a plain fake is a plain engine.
    assert not isinstance(llm, Judge)
    assert getattr(llm, "probe", None) is None


def test_odds_make_it_a_judge_that_records_what_it_judged() -> None:
    def odds(messages: Sequence[ChatMessage], answers: Sequence[str]) -> list[float]:
        return [-0.5 * i for i, _ in enumerate(answers)]

    llm = FakeLLM(odds=odds)
    assert isinstance(llm, Judge)
    assert llm.answer_logprobs(HELLO, [" yes", " no"]) == [0.0, -0.5]
    assert llm.judged == [HELLO]
    # It still generates as any fake does.
    reply = llm.generate(HELLO, SamplingParams(), GenerationStats(), threading.Event())
    assert "".join(reply) == "echo: hello"


def test_a_probe_answers_as_configured_and_records_its_thread() -> None:
    llm = FakeLLM(probe=lambda timeout_s: f"down after {timeout_s:g} s")
    worker = threading.Thread(target=lambda: llm.probe(0.5), name="prober")
    worker.start()
    worker.join()
    assert llm.probe(2.0) == "down after 2 s"
    assert llm.probed_in == ["prober", threading.current_thread().name]
