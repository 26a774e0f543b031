"""The native-audio stages fed directly: the relevance judge, the thinking pass, the voice measures."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from openlive.engines.audio_base import OUTPUT_RATE
from openlive.engines.base import LLM, ChatMessage, SamplingParams
from openlive.engines.profile import make_profile
from openlive.engines.voices import typical_f0
from openlive.errors import ConfigError
from openlive.pipeline.affect import StyledTTS, measure_voice
from openlive.pipeline.native_dialog import native_prepare
from openlive.pipeline.proactivity import (
    ANSWERS,
    CONTENT_FREE,
    JUDGE_SYSTEM,
    QUESTION_EXAMPLES,
    SCORER_LEANS,
    AddressCues,
    JudgeModel,
    address_cues,
    addressed_margin,
    assistant_names,
    is_addressed,
    judge,
    parse_judgment,
    question_prompt,
    relevance_prompt,
)
from openlive.pipeline.thinking import (
    PROGRAM_INSTRUCTION,
    THINK_INSTRUCTION,
    Thoughts,
    answer_messages,
    program_of,
    think,
)
from openlive.session import StartGeneration
from openlive.session.native import Delivery, ThinkingPlan
from openlive.testing import FakeLLM, FakeScorer, FakeTts

CONVERSATION = [
    ChatMessage("system", "You are Pip, a kitchen helper."),
    ChatMessage("user", "how long do I boil an egg"),
    ChatMessage("assistant", "About nine minutes."),
    ChatMessage("user", "Mike, pass me the salt"),
]


def odds_llm(yes: float, no: float, lean: tuple[float, float] = (-1.0, -1.0)) -> FakeLLM:
    """A fake that gives its odds, as the llama.cpp engine does; ``lean`` for a content-free case."""

    def odds(messages: Sequence[ChatMessage], answers: Sequence[str]) -> list[float]:
        assert tuple(answers) == ANSWERS
        content_free = f'Last thing heard: "{CONTENT_FREE}"' in messages[-1].content
        first, second = lean if content_free else (yes, no)
        return [first, second, -math.inf, -math.inf]  # "not for the assistant" as one of its three kinds

    return FakeLLM(odds=odds)


def test_the_judge_reads_the_instruction_the_conversation_and_the_last_words() -> None:
    prompt = relevance_prompt(CONVERSATION)
    assert prompt[0] == ChatMessage("system", JUDGE_SYSTEM)
    case = prompt[-1].content
    assert "Pip, a kitchen helper" in case and "About nine minutes." in case
    assert case.index("how long do I boil") < case.index('Last thing heard: "Mike, pass me the salt"')
    # Worked examples come first, the same for every case (llama.cpp's cache keeps them).
    assert relevance_prompt(CONVERSATION[:2])[:-1] == prompt[:-1]


ASKED = [*CONVERSATION[:3], ChatMessage("user", "and for a soft boiled one")]


def test_the_judge_uses_the_odds_less_the_models_lean() -> None:
    assert addressed_margin(odds_llm(-0.1, -2.0), ASKED, threading.Event()) == pytest.approx(1.9)
    assert not is_addressed(odds_llm(-3.0, -0.1), ASKED, threading.Event())
    assert is_addressed(odds_llm(-3.0, -0.1), ASKED, threading.Event(), margin=5.0)
    # A model that leans to "no" whatever it hears: what counts is how much more it says yes here.
    leaning = odds_llm(-1.0, -0.5, lean=(-3.0, -0.1))
    assert judge(leaning, ASKED, threading.Event()).model == pytest.approx(2.4)
    # The lean is measured once per engine and instruction, on a content-free utterance.
    judge(leaning, ASKED, threading.Event())
    assert sum(CONTENT_FREE in m[-1].content for m in leaning.judged) == 1 and len(leaning.judged) == 3


@pytest.mark.parametrize(
    ("words", "cues"),
    [
        ("Mike, pass me the salt.", AddressCues(vocative="Mike")),
        ("Did you see what he posted? That's hilarious, Mark.", AddressCues(vocative="Mark", request=True)),
        ("Mom, can you drive me to school?", AddressCues(vocative="Mom", request=True)),
        ("Hey Pip, how long do I boil an egg?", AddressCues(named=True, request=True)),
        ("Okay Google, set a timer.", AddressCues(named=True, request=True)),
        ("Actually, make it six thirty.", AddressCues(request=True)),
        ("Well, where did I put my keys", AddressCues(request=True)),
        ("Breaking news from the capital tonight.", AddressCues()),
        ("Oh no, not again.", AddressCues()),
        ("Paris, I think, is lovely in spring.", AddressCues(vocative="Paris")),
        # Whisper's comma after the call word, before the name or the wake word.
        ("Okay, Pip, what's the time?", AddressCues(named=True, request=True)),
        ("Hey, Google, play the news.", AddressCues(named=True, request=True)),
        ("Hey, Tom, come here.", AddressCues(vocative="Tom")),
        # A sentence's first word is capitalised: an interjection, a word of approval or
        # a request's verb before a comma is no name.
        ("Perfect, now add the milk.", AddressCues(request=True)),
        ("Cool, thanks.", AddressCues()),
        ("Ha, nice one.", AddressCues()),
        ("Stop, stop, that's enough.", AddressCues(request=True)),
    ],
)
def test_the_words_cues(words: str, cues: AddressCues) -> None:
    assert address_cues(words, assistant_names("You are Pip, a kitchen helper.")) == cues


def test_the_cues_weigh_with_the_model() -> None:
    assert AddressCues(named=True, vocative="Tom").margin > 0
    assert AddressCues(vocative="Tom", request=True).margin < 0 < AddressCues(request=True).margin
    # Said to Mike: silent even though the model leans a little to yes.
    assert not is_addressed(odds_llm(-0.5, -1.0), CONVERSATION, threading.Event())


def test_a_tiny_reply_model_is_judged_for_by_the_judge_model_and_others_judge_themselves() -> None:
    tiny, capable, judge_llm = FakeLLM(), FakeLLM(), FakeLLM()
    tiny.profile = make_profile("tiny", "auto", None, False)
    capable.profile = make_profile("capable", "auto", None, False)
    built: list[LLM] = []
    model = JudgeModel(lambda: built.append(judge_llm) or judge_llm, "judge")
    assert model.for_reply(tiny) is judge_llm and model.for_reply(tiny) is judge_llm and len(built) == 1
    assert model.for_reply(capable) is capable


def test_a_judge_that_is_not_installed_leaves_the_reply_model_to_judge() -> None:
    tiny = FakeLLM()
    tiny.profile = make_profile("tiny", "auto", None, False)

    def missing() -> LLM:
        raise ConfigError("llm 'qwen-0.5b': install the qwen extra")

    model = JudgeModel(missing, "judge")
    assert model.for_reply(tiny) is tiny and model.for_reply(tiny) is tiny


def test_the_judge_answers_under_a_grammar_otherwise() -> None:
    llm = FakeLLM(reply=lambda _: '"C"')
    assert not is_addressed(llm, ASKED, threading.Event())
    params: SamplingParams = llm.calls[0][1]
    assert params.json_schema == {"type": "string", "enum": ["A", "B", "C", "D"]}
    assert parse_judgment("A") and parse_judgment("maybe") and not parse_judgment(' "b"')
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


def test_where_code_runs_the_working_is_a_program_run_and_its_output_feeds_the_answer() -> None:
    program = "pens = 4 * 3\nprint('pens cost', pens)\nprint('change', 20 - pens)"
    llm = FakeLLM(reply=lambda _: f"```python\n{program}\n```")
    ran: list[str] = []

    def run_code(code: str) -> tuple[bool, str]:
        ran.append(code)
        return True, "pens cost 12\nchange 8\n"

    plan = ThinkingPlan(max_tokens=64)
    thoughts = think(llm, CONVERSATION, plan, SamplingParams(), threading.Event(), run_code)
    assert ran == [program]
    assert PROGRAM_INSTRUCTION in llm.calls[0][0][0].content
    assert thoughts.program == program and thoughts.output == "pens cost 12\nchange 8"
    assert thoughts.text == f"{program}\n\nOutput:\npens cost 12\nchange 8"  # the thought part sent
    answer = answer_messages(CONVERSATION, thoughts)
    assert "change 8" in answer[0].content and program in answer[0].content


def test_plain_arithmetic_is_worked_out_without_the_model() -> None:
    llm = FakeLLM(reply=lambda _: "6 * 8 = 48")
    ran: list[str] = []

    def run_code(code: str) -> tuple[bool, str]:
        ran.append(code)
        return True, "50\n"

    asked = [*CONVERSATION[:3], ChatMessage("user", "What is 6 times 8 plus 2?")]
    plan = ThinkingPlan(max_tokens=64)
    thoughts = think(llm, asked, plan, SamplingParams(), threading.Event(), run_code)
    assert ran == ["print(6 * 8 + 2)"] and llm.calls == []
    assert thoughts.program == "print(6 * 8 + 2)" and thoughts.output == "50"
    assert thoughts.tokens == len(thoughts.text.split())  # the fake's tokenizer: a token a word
    # Without a way to run code the model thinks as before; a question that is not
    # plain arithmetic is the model's to work out.
    assert think(llm, asked, plan, SamplingParams(), threading.Event()).text == "6 * 8 = 48"
    think(llm, CONVERSATION, plan, SamplingParams(), threading.Event(), run_code)
    assert len(ran) == 1 and len(llm.calls) == 2
    # A budget smaller than the computed working is the model's, bounded as always.
    small = think(llm, asked, ThinkingPlan(max_tokens=3), SamplingParams(), threading.Event(), run_code)
    assert small.program != "print(6 * 8 + 2)" and small.tokens <= 3 and len(llm.calls) == 3


def test_a_program_that_fails_or_prose_leaves_the_text_as_the_working() -> None:
    ran: list[str] = []

    def think_with(written: str, outcome: tuple[bool, str]) -> Thoughts:
        def run_code(code: str) -> tuple[bool, str]:
            ran.append(code)
            return outcome

        llm = FakeLLM(reply=lambda _: written)
        return think(
            llm, CONVERSATION, ThinkingPlan(max_tokens=64), SamplingParams(), threading.Event(), run_code
        )

    thoughts = think_with("print(1 / 0)", (False, "ZeroDivisionError"))
    assert thoughts.program is None and thoughts.text == "print(1 / 0)"
    assert ran == ["print(1 / 0)"]
    ran.clear()
    thoughts = think_with("Four pens cost twelve, so the change is eight.", (True, ""))
    assert ran == [] and thoughts.program is None  # prose does not compile: nothing is run
    assert "change is eight" in answer_messages(CONVERSATION, thoughts)[0].content
    assert program_of("Here:\n```py\nx = 2\nprint(x)\n```\nDone.") == "x = 2\nprint(x)"


def test_no_setting_no_work_before_the_answer() -> None:
    plain = StartGeneration(1, "m", tuple(CONVERSATION), SamplingParams())
    assert native_prepare(FakeLLM(), plain) is None


def test_a_declined_request_skips_thinking() -> None:
    llm = odds_llm(-5.0, -0.1)
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


def test_styled_speech_is_slower_and_softer_at_the_same_pitch() -> None:
    tts = FakeTts()
    plain = np.concatenate(list(tts.synthesize("hello there you", "Puck", "en-US", threading.Event())))
    styled_tts = StyledTTS(tts, Delivery(speed=0.8, gain=0.5))
    styled = np.concatenate(
        list(styled_tts.synthesize("hello there you", "Puck", "en-US", threading.Event()))
    )
    assert abs(styled.size / plain.size - 1 / 0.8) < 0.05
    assert np.abs(styled).max() <= 0.5 * np.abs(plain).max() + 1e-3
    assert styled_tts.voices == tts.voices and OUTPUT_RATE == 24_000
    # The synthesiser speaks slower: its tone stays where it was (a tape would lower it by 0.8).
    assert typical_f0(styled, OUTPUT_RATE) == pytest.approx(typical_f0(plain, OUTPUT_RATE), rel=0.02)
    # A rate asked of the styled synthesiser compounds with the delivery's.
    faster = np.concatenate(
        list(styled_tts.synthesize("hello", "Puck", "en-US", threading.Event(), rate=1.25))
    )
    alone = np.concatenate(list(tts.synthesize("hello", "Puck", "en-US", threading.Event())))
    assert abs(faster.size - alone.size) <= 1  # 0.8 x 1.25: the voice's own rate


def test_the_judge_model_judges_a_tiny_reply_models_requests() -> None:
    tiny = FakeLLM(reply=lambda _: "yes")  # would say yes to anything, under the grammar
    tiny.profile = make_profile("tiny", "auto", None, False)
    judge_llm = odds_llm(-4.0, -0.1, lean=(-1.0, -1.0))
    request = StartGeneration(1, "m", tuple(ASKED), SamplingParams(), gate=True)
    prepare = native_prepare(tiny, request, JudgeModel(lambda: judge_llm, "judge"))
    assert prepare is not None
    assert prepare(ASKED, threading.Event()).declined
    assert judge_llm.judged and tiny.calls == []


def test_a_scorer_judges_by_the_odds_of_yes_after_worked_examples() -> None:
    scorer = FakeScorer({" yes": -0.2, " no": -2.2}, lean=0.5)
    assert judge(scorer, ASKED, threading.Event()).model == pytest.approx(1.5)
    prompt, answers = scorer.asked[0]
    assert answers == [" yes", " no"]
    # The worked examples first (the same every time: kept in the scorer's cache),
    # then what the assistant had just said and the words, as heard.
    assert all(heard in prompt for _, heard, _ in QUESTION_EXAMPLES)
    case = prompt[prompt.rindex("\n\n") + 2 :]
    assert case == (
        'The assistant had just said: "About nine minutes."\n'
        'Heard: "and for a soft boiled one"\nSaid to the assistant:'
    )
    # Likelier "no": silent; likelier "no" but within the scorer's lean of even: answered.
    assert not is_addressed(FakeScorer({" yes": -2.5, " no": -0.1}), ASKED, threading.Event())
    assert not is_addressed(FakeScorer({" yes": -1.0, " no": -0.6}), ASKED, threading.Event())
    leaning_to_no = FakeScorer({" yes": -1.0, " no": -0.6}, lean=SCORER_LEANS["qwen-0.5b"])
    assert is_addressed(leaning_to_no, ASKED, threading.Event())


def test_the_scorer_reads_what_the_assistant_said_only_when_it_spoke_last() -> None:
    first = question_prompt([ChatMessage("system", "You are Pip."), ChatMessage("user", "hello there")])
    assert first.endswith('\n\nHeard: "hello there"\nSaid to the assistant:')
    # Two things heard in a row: the second is not a reply to the assistant.
    heard_twice = question_prompt([*CONVERSATION[:3], ChatMessage("user", "hm"), ChatMessage("user", "ok")])
    assert heard_twice.endswith('\n\nHeard: "ok"\nSaid to the assistant:')
    # Long words are clipped (in bytes: the prompt's length in tokens is bounded); words
    # of any language are kept as written, on one line, quotes escaped.
    long = question_prompt([ChatMessage("assistant", "x " * 5000), ChatMessage("user", "ü" * 5000)])
    assert len(long.encode()) - len(first.encode()) < 240 + 360 + 50
    said = question_prompt(
        [ChatMessage("assistant", "Guten Tag"), ChatMessage("user", 'Er sagte "grüß\ndich"')]
    )
    assert said.endswith('"Guten Tag"\nHeard: "Er sagte \\"grüß dich\\""\nSaid to the assistant:')


def test_the_judge_is_loaded_ahead_when_a_tiny_model_is_served() -> None:
    tiny, capable = FakeLLM(), FakeLLM()
    tiny.profile = make_profile("tiny", "auto", None, False)
    capable.profile = make_profile("capable", "auto", None, False)
    judge_llm = odds_llm(-0.1, -2.0)
    model = JudgeModel(lambda: judge_llm, "judge")
    assert model.preload([capable]) is None and not judge_llm.judged
    thread = model.preload([capable, tiny])
    assert thread is not None
    thread.join(timeout=10)
    assert judge_llm.judged and model.for_reply(tiny) is judge_llm
