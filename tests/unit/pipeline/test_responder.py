"""Which engine writes a reply: the served model's, or for tool results and images a tiny model's stand-in."""

from __future__ import annotations

import asyncio
import io
import logging
import threading

import pytest
from PIL import Image

from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams
from openlive.engines.profile import TINY
from openlive.engines.registry import ModelTable
from openlive.engines.stand_in import StandIn
from openlive.errors import ConfigError
from openlive.images import resolution
from openlive.parts import ImagePart, Part, RetiredImage, TextPart
from openlive.pipeline.responder import MOVED_IMAGE, CascadeResponder, _read, reading_prompt, reply_engine
from openlive.pipeline.vision import FrameVision
from openlive.session import StartGeneration
from openlive.session.native import ThinkingPlan
from openlive.session.prompts import READ_REQUEST, SEEING, reading_turn
from openlive.testing import FakeDescriber, FakeLLM

TIMEOUT_S = 10.0
RESULTS = ChatMessage(
    "user", 'Results of the tools you used:\n\nThe function get_weather returned: {"sky": "clear"}'
)


def tiny_llm(text: str) -> FakeLLM:
    llm = FakeLLM(reply=lambda _: text)
    llm.profile = TINY
    return llm


def request(after_tools: bool) -> StartGeneration:
    return StartGeneration(1, "m", (RESULTS,), SamplingParams(), after_tools=after_tools)


async def reply_text(responder: CascadeResponder, start: StartGeneration) -> str:
    reply = responder.start(start)
    async with asyncio.timeout(TIMEOUT_S):
        return "".join([piece async for piece in reply.text()])


@pytest.mark.parametrize(("after_tools", "writer"), [(True, "reader"), (False, "tiny")])
async def test_a_tiny_models_reply_to_tool_results_is_written_by_the_reader(
    after_tools: bool, writer: str
) -> None:
    engines = {
        "tiny": tiny_llm("The function get_weather returned"),
        "reader": FakeLLM(reply=lambda _: "Ok."),
    }
    reader = StandIn(lambda: engines["reader"], "reader", "answers from tool results")
    reader.for_engine(engines["tiny"])  # loaded before serving, as the server does
    responder = CascadeResponder(ModelTable({"m": engines["tiny"]}, tool_reader=reader), None, None)
    await reply_text(responder, request(after_tools))
    assert [name for name, llm in engines.items() if llm.calls] == [writer]


async def test_a_tiny_models_thinking_turn_is_thought_and_answered_by_the_reader() -> None:
    engines = {"tiny": tiny_llm("I think so."), "reader": FakeLLM(reply=lambda _: "print(6 * 7)")}
    reader = StandIn(lambda: engines["reader"], "reader", "answers from tool results")
    reader.for_engine(engines["tiny"])
    ran: list[str] = []

    def run_code(code: str) -> tuple[bool, str]:
        ran.append(code)
        return True, "42\n"

    responder = CascadeResponder(
        ModelTable({"m": engines["tiny"]}, tool_reader=reader), None, None, run_code=run_code
    )
    question = ChatMessage("user", "What is six times seven?")
    start = StartGeneration(1, "m", (question,), SamplingParams(), thinking=ThinkingPlan(64))
    await reply_text(responder, start)
    assert ran == ["print(6 * 7)"] and not engines["tiny"].calls
    assert len(engines["reader"].calls) == 2  # the program, then the answer with its output
    assert "42" in engines["reader"].calls[1][0][0].content


async def test_a_model_that_is_not_tiny_reads_its_own_tool_results() -> None:
    capable = FakeLLM(reply=lambda _: "It is clear.")
    reader = FakeLLM(reply=lambda _: "Clear.")
    stand_in = StandIn(lambda: reader, "reader", "answers from tool results")
    responder = CascadeResponder(ModelTable({"m": capable}, tool_reader=stand_in), None, None)
    assert await reply_text(responder, request(True)) == "It is clear."
    assert not reader.calls


async def test_a_reader_not_loaded_yet_is_not_loaded_on_the_event_loop() -> None:
    tiny = tiny_llm("Clear skies.")
    built: list[int] = []
    stand_in = StandIn(lambda: built.append(1) or FakeLLM(), "reader", "answers from tool results")
    responder = CascadeResponder(ModelTable({"m": tiny}, tool_reader=stand_in), None, None)
    assert await reply_text(responder, request(True)) == "Clear skies."
    assert not built


def test_a_stand_in_that_is_not_installed_leaves_the_job_to_the_tiny_model(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tiny = tiny_llm("")
    attempts: list[int] = []

    def build() -> FakeLLM:
        attempts.append(1)
        raise ConfigError("the qwen extra is not installed")

    stand_in = StandIn(build, "reader", "answers from tool results")
    with caplog.at_level(logging.WARNING):
        assert stand_in.for_engine(tiny) is tiny
        assert stand_in.for_engine(tiny) is tiny
    assert attempts == [1]  # tried once, not at every reply
    assert "qwen extra is not installed" in caplog.text


@pytest.mark.parametrize(
    ("parts", "words", "writer"),
    [
        ((ImagePart(b"jpeg", "image/jpeg"),), "what does it say?", "reader"),
        ((RetiredImage("0" * 24),), "read me that error", "reader"),
        ((ImagePart(b"jpeg", "image/jpeg"),), "how far away is the moon?", "tiny"),
        ((), "what does it say?", "tiny"),
    ],
)
def test_a_tiny_models_question_about_an_image_goes_to_the_reader(
    parts: tuple[Part, ...], words: str, writer: str
) -> None:
    engines = {"tiny": tiny_llm(""), "reader": FakeLLM()}
    reader = StandIn(lambda: engines["reader"], "reader", "answers from tool results")
    reader.for_engine(engines["tiny"])
    models = ModelTable({"m": engines["tiny"]}, tool_reader=reader)
    prompt = [ChatMessage("user", words, (*parts, TextPart(words)))]
    assert reply_engine(models, engines["tiny"], prompt, reasoned=False) is engines[writer]
    # Without a reader the tiny model writes every reply.
    assert reply_engine(ModelTable({"m": engines["tiny"]}), engines["tiny"], prompt, False) is engines["tiny"]


SYSTEM = ChatMessage("system", f"Be kind.\n\n{SEEING}")
SAID = '[image: The screen\'s main text: "Total 1345".]\n'


def test_a_reading_prompt_puts_the_screens_text_before_the_question_and_the_request_after() -> None:
    prepared = [SYSTEM, ChatMessage("user", f"{SAID}what's the total?")]
    shaped = reading_prompt(prepared, SAID)
    assert shaped == [
        ChatMessage("system", "Be kind."),
        ChatMessage("user", reading_turn('The screen\'s main text: "Total 1345".', "what's the total?")),
    ]


def test_a_reading_prompt_moves_an_earlier_messages_image_to_the_question() -> None:
    prepared = [
        ChatMessage("user", f"hi {SAID}there"),
        ChatMessage("assistant", "Hello."),
        ChatMessage("user", "and the total?"),
    ]
    shaped = reading_prompt(prepared, SAID)
    assert shaped is not None
    assert shaped[0].content == f"hi {MOVED_IMAGE}there"
    assert shaped[1] == prepared[1]
    assert shaped[2].content.endswith("and the total?\n" + READ_REQUEST)
    assert "Total 1345" in shaped[2].content
    # Nothing to reshape: the image's text is not in the prompt, or the user did not speak last.
    assert reading_prompt(prepared, "[image: other]\n") is None
    assert reading_prompt([*prepared, ChatMessage("assistant", "It")], SAID) is None


def test_a_reply_repeating_its_instructions_is_asked_again_without_the_system_message() -> None:
    replies = iter(["You are a helpful assistant and you", "It says Total 1345."])
    reader = FakeLLM(reply=lambda _: next(replies))
    prompt = [ChatMessage("system", "You are a helpful assistant and you answer."), ChatMessage("user", "q")]
    said = "".join(_read(reader, prompt, SamplingParams(), GenerationStats(), threading.Event()))
    assert said == "It says Total 1345."
    assert [len(call[0]) for call in reader.calls] == [2, 1]
    assert reader.calls[1][0] == [ChatMessage("user", "q")]


@pytest.mark.parametrize(
    "answer",
    [
        "You are looking at a total of 1345.",  # starts like the instructions, then parts from them
        "Answer",  # short, and all of it a word of the instructions
        'The screen says "Total 1345".',
    ],
)
def test_a_reply_that_answers_is_passed_on_whole_and_asked_once(answer: str) -> None:
    reader = FakeLLM(reply=lambda _: answer)
    prompt = [ChatMessage("system", "You are a helpful assistant."), ChatMessage("user", "q")]
    said = "".join(_read(reader, prompt, SamplingParams(), GenerationStats(), threading.Event()))
    assert said == answer
    assert len(reader.calls) == 1


def _frame() -> ImagePart:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (250, 250, 250)).save(out, format="JPEG")
    return ImagePart(out.getvalue(), "image/jpeg")


@pytest.mark.parametrize(
    ("words", "writer"),
    [
        ("what's the total?", "reader"),
        ("what does my screen say?", "reader"),
        ("how far is the moon?", "tiny"),
    ],
)
async def test_a_question_naming_the_screens_text_is_the_readers_once_the_frame_is_read(
    words: str, writer: str
) -> None:
    said = await _screen_reply(words)
    assert said == {"reader": "Total 1345.", "tiny": "I cannot see."}[writer]


async def _screen_reply(words: str) -> str:
    """The reply to ``words`` asked of a tiny model with a reader, over a screen showing "Total 1345"."""
    engines = {"tiny": tiny_llm("I cannot see."), "reader": FakeLLM(reply=lambda _: "Total 1345.")}
    reader = StandIn(lambda: engines["reader"], "reader", "answers from tool results")
    reader.for_engine(engines["tiny"])
    describer = FakeDescriber(lambda image, previous: 'The screen\'s main text: "Total 1345".')
    vision = FrameVision(lambda: describer, lambda: resolution("MEDIA_RESOLUTION_HIGH"))
    responder = CascadeResponder(ModelTable({"m": engines["tiny"]}, tool_reader=reader), None, None, vision)
    prompt = (SYSTEM, ChatMessage("user", words, (_frame(), TextPart(words))))
    return await reply_text(responder, StartGeneration(1, "m", prompt, SamplingParams()))
