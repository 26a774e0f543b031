"""Which model writes the reply to a turn with an image, through a real server on loopback with fake engines.

A tiny model's reply to a question about an image (a shared screen, a photo) is
written by its reader, as its replies to tool results are; a turn without images, or
with one but about something else, is the tiny model's, and a model that is not tiny
writes its own.
"""

from __future__ import annotations

import asyncio

from openlive.engines.base import ChatMessage
from openlive.engines.profile import TINY
from openlive.engines.stand_in import StandIn
from openlive.session.prompts import READ_REQUEST, SEEING, reading_turn
from openlive.testing import FakeDescriber, FakeLLM, WarmingFakeLLM, running_server

from .helpers import session, text_of, user
from .test_video import camera_frame, typed, video

SCREEN = "a screen saying Sync paused"


def engines(warming: bool = False) -> tuple[FakeLLM, FakeLLM, StandIn[FakeLLM]]:
    """A tiny engine, a reader, and the reader as the tiny engine's stand-in (loaded, as the server does)."""
    kind = WarmingFakeLLM if warming else FakeLLM
    tiny = kind(reply=lambda _: "I cannot see your screen.")
    tiny.profile = TINY
    reader = kind(reply=lambda messages: f"It says: {messages[-1].content}")
    stand_in = StandIn(lambda: reader, "reader", "answers from tool results")
    stand_in.for_engine(tiny)
    return tiny, reader, stand_in


async def test_a_tiny_models_reply_to_a_shared_screen_is_written_by_its_reader() -> None:
    tiny, reader, stand_in = engines()
    describer = FakeDescriber(lambda image, previous: SCREEN)
    async with running_server(tiny, describer=describer, tool_reader=stand_in) as srv, session(srv) as client:
        await client.send(video(camera_frame()))
        await client.send(typed("what does my screen say?"))
        reply = await client.until_turn_complete()
    # The screen's text right before the question, what to do after it; not in the system message.
    assert text_of(reply) == "It says: " + reading_turn(SCREEN, "what does my screen say?")
    assert not tiny.calls
    assert len(reader.calls) == 1
    system = reader.calls[0][0][0]
    assert system.role == "system" and SEEING not in system.content


async def test_a_question_naming_the_screens_text_goes_to_the_reader_without_a_screen_word() -> None:
    tiny, reader, stand_in = engines()
    describer = FakeDescriber(lambda image, previous: 'The screen\'s main text: "Total 1345".')
    async with running_server(tiny, describer=describer, tool_reader=stand_in) as srv, session(srv) as client:
        await client.send(video(camera_frame()))
        await client.send(typed("what's the total?"))
        reply = await client.until_turn_complete()
    assert "what's the total?\n" + READ_REQUEST in text_of(reply)
    assert not tiny.calls


async def test_a_turn_without_images_is_still_the_tiny_models() -> None:
    tiny, reader, stand_in = engines()
    async with running_server(tiny, tool_reader=stand_in) as srv, session(srv) as client:
        await client.send(user("hello there"))
        reply = await client.until_turn_complete()
    assert text_of(reply) == "I cannot see your screen."
    assert len(tiny.calls) == 1
    assert not reader.calls
    # The same prompt as without a reader: nothing about images added.
    assert tiny.calls[0][0][-1] == ChatMessage("user", "hello there")
    assert "[image" not in tiny.calls[0][0][0].content


async def test_a_model_that_is_not_tiny_reads_its_own_screens() -> None:
    capable = FakeLLM(reply=lambda messages: "Mine: " + messages[-1].content)
    reader = FakeLLM()
    stand_in = StandIn(lambda: reader, "reader", "answers from tool results")
    describer = FakeDescriber(lambda image, previous: SCREEN)
    async with (
        running_server(capable, describer=describer, tool_reader=stand_in) as srv,
        session(srv) as client,
    ):
        await client.send(video(camera_frame()))
        await client.send(typed("what does my screen say?"))
        reply = await client.until_turn_complete()
    assert text_of(reply).startswith("Mine: ")
    assert not reader.calls


async def test_a_turn_with_an_image_that_is_not_about_it_is_still_the_tiny_models() -> None:
    tiny, reader, stand_in = engines(warming=True)
    assert isinstance(tiny, WarmingFakeLLM) and isinstance(reader, WarmingFakeLLM)
    describer = FakeDescriber(lambda image, previous: SCREEN)
    async with running_server(tiny, describer=describer, tool_reader=stand_in) as srv, session(srv) as client:
        await client.send(video(camera_frame()))
        await asyncio.to_thread(tiny.warmed_event.wait, 5)  # the frame is read ahead by the tiny model
        await client.send(typed("how far away is the moon?"))
        first = await client.until_turn_complete()
        await client.send(typed("and what does my screen say?"))
        second = await client.until_turn_complete()
    assert text_of(first) == "I cannot see your screen."
    assert text_of(second) == "It says: " + reading_turn(SCREEN, "and what does my screen say?")
    # Both prompts held the frame; only the question about it went to the reader.
    assert "[image: " in tiny.calls[0][0][-1].content
    assert [len(tiny.calls), len(reader.calls)] == [1, 1]
    assert tiny.warmed and not reader.warmed
