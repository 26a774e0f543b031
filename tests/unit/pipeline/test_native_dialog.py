"""The native-audio stages fed directly: the relevance judge, the thinking pass, the voice measures."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from openlive.engines.audio_base import OUTPUT_RATE
from openlive.engines.base import ChatMessage, SamplingParams
from openlive.pipeline.affect import StyledTTS, measure_voice
from openlive.pipeline.native_dialog import native_prepare
from openlive.pipeline.proactivity import (
    JUDGE_SYSTEM,
    addressed_margin,
    is_addressed,
    parse_judgment,
    relevance_prompt,
)
from openlive.pipeline.thinking import THINK_INSTRUCTION, Thoughts, answer_messages, think
from openlive.session import StartGeneration
from openlive.session.native import Delivery, ThinkingPlan
from openlive.testing import FakeLLM, FakeTts

CONVERSATION = [
    ChatMessage("system", "You are Pip, a kitchen helper."),
    ChatMessage("user", "how long do I boil an egg"),
    ChatMessage("assistant", "About nine minutes."),
    ChatMessage("user", "Mike, pass me the salt"),
]


class OddsLLM(FakeLLM):
    """A fake that gives its odds, as the llama.cpp engine does."""

    def __init__(self, yes: float, no: float) -> None:
        super().__init__()
        self.odds = (yes, no)
        self.asked: list[Sequence[ChatMessage]] = []

    def answer_logprobs(self, messages: Sequence[ChatMessage], answers: Sequence[str]) -> list[float]:
        self.asked.append(messages)
        assert tuple(answers) == ("yes", "no")
        return list(self.odds)


def test_the_judge_reads_the_instruction_the_conversation_and_the_last_words() -> None:
    prompt = relevance_prompt(CONVERSATION)
    assert prompt[0] == ChatMessage("system", JUDGE_SYSTEM)
    case = prompt[-1].content
    assert "Pip, a kitchen helper" in case and "About nine minutes." in case
    assert case.index("how long do I boil") < case.index('Last thing heard: "Mike, pass me the salt"')
    # Worked examples come first, the same for every case (llama.cpp's cache keeps them).
    assert relevance_prompt(CONVERSATION[:2])[:-1] == prompt[:-1]


def test_the_judge_uses_the_odds_when_the_engine_gives_them() -> None:
    assert addressed_margin(OddsLLM(-0.1, -2.0), CONVERSATION, threading.Event()) > 0
    assert not is_addressed(OddsLLM(-3.0, -0.1), CONVERSATION, threading.Event())
    assert is_addressed(OddsLLM(-3.0, -0.1), CONVERSATION, threading.Event(), margin=5.0)


def test_the_judge_answers_under_a_grammar_otherwise() -> None:
    llm = FakeLLM(reply=lambda _: '"no"')
    assert not is_addressed(llm, CONVERSATION, threading.Event())
    params: SamplingParams = llm.calls[0][1]
    assert params.json_schema == {"type": "string", "enum": ["yes", "no"]}
    assert parse_judgment("yes") and parse_judgment("maybe") and not parse_judgment(" No")
    # Nothing heard to judge: a reply to a tool result, say.
    assert is_addressed(llm, CONVERSATION[:3], threading.Event()) and len(llm.calls) == 1


def test_thinking_is_bounded_by_the_budget_and_feeds_the_answer() -> None:
    llm = FakeLLM(reply=lambda _: "one two three four five six")
    thoughts = think(llm, CONVERSATION, ThinkingPlan(max_tokens=4), SamplingParams(), threading.Event())
    assert thoughts == Thoughts("one two three four", 4)
    assert THINK_INSTRUCTION in llm.calls[0][0][0].content and llm.calls[0][1].max_tokens == 4
    answer = answer_messages(CONVERSATION, thoughts)
    assert "one two three four" in answer[0].content and answer[1:] == CONVERSATION[1:]
    assert answer_messages(CONVERSATION, Thoughts("", 0)) == CONVERSATION


def test_no_setting_no_work_before_the_answer() -> None:
    plain = StartGeneration(1, "m", tuple(CONVERSATION), SamplingParams())
    assert native_prepare(FakeLLM(), plain) is None


def test_a_declined_request_skips_thinking() -> None:
    llm = OddsLLM(-5.0, -0.1)
    request = StartGeneration(
        1, "m", tuple(CONVERSATION), SamplingParams(), gate=True, thinking=ThinkingPlan(8)
    )
    prepare = native_prepare(llm, request)
    assert prepare is not None
    assert prepare(CONVERSATION, threading.Event()).declined and llm.calls == []


def _voice(pitch_hz: float, amplitude: float, seconds: float = 1.0, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    # A buzzy, voice-like tone: a fundamental and its harmonics.
    wave = sum(np.sin(2 * np.pi * pitch_hz * k * t) / k for k in range(1, 6))
    silence = np.zeros(rate // 2)
    return np.concatenate([silence, amplitude * wave / 2, silence]).astype(np.float32)


def test_the_voice_measure_finds_pitch_loudness_and_span() -> None:
    low, high = measure_voice(_voice(110.0, 0.1)), measure_voice(_voice(220.0, 0.4))
    assert abs(low.pitch_hz - 110.0) < 8 and abs(high.pitch_hz - 220.0) < 15
    assert high.energy_db - low.energy_db > 10
    assert 0.9 < low.span_s < 1.1
    quiet = measure_voice(np.zeros(16_000, np.float32))
    assert quiet.pitch_hz == 0.0 and quiet.span_s == 0.0


def test_styled_speech_is_slower_and_softer() -> None:
    tts = FakeTts()
    plain = np.concatenate(list(tts.synthesize("hello there you", "Puck", "en-US", threading.Event())))
    styled_tts = StyledTTS(tts, Delivery(speed=0.8, gain=0.5))
    styled = np.concatenate(
        list(styled_tts.synthesize("hello there you", "Puck", "en-US", threading.Event()))
    )
    assert abs(styled.size / plain.size - 1 / 0.8) < 0.05
    assert np.abs(styled).max() <= 0.5 * np.abs(plain).max() + 1e-3
    assert styled_tts.voices == tts.voices and OUTPUT_RATE == 24_000
