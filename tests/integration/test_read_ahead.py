"""An engine that can read ahead gets the next turn's prompt start: after a reply, and after a frame."""

from __future__ import annotations

import asyncio

from openlive.engines.base import ChatMessage
from openlive.engines.profile import ModelProfile
from openlive.testing import FakeDescriber, WarmingFakeLLM, running_server

from .helpers import live, session, text_of, user
from .test_video import camera_frame, typed, video


async def test_the_next_prompt_is_read_ahead_after_each_reply() -> None:
    engine = WarmingFakeLLM()
    async with running_server(engine) as srv, live(srv) as client:
        await client.setup()
        await client.send(user("first question"))
        assert text_of(await client.until_turn_complete()) == "echo: first question"
        await asyncio.to_thread(engine.warmed_event.wait, 5)
        assert engine.warmed[-1] == [
            ChatMessage("user", "first question"),
            ChatMessage("assistant", "echo: first question"),
        ]
        await client.send(user("second"))
        await client.until_turn_complete()
        # What was read ahead is where the next prompt starts.
        prompt = engine.calls[-1][0]
        assert prompt[: len(engine.warmed[0])] == engine.warmed[0]


async def test_a_moved_window_of_recent_turns_is_read_ahead_before_the_turn_that_needs_it() -> None:
    engine = WarmingFakeLLM()
    engine.profile = ModelProfile(tier="tiny", recent_turns=2, house_rules=False)
    async with running_server(engine) as srv, live(srv) as client:
        await client.setup()
        for n in range(3):
            engine.warmed_event.clear()
            await client.send(user(f"question {n}"))
            await client.until_turn_complete()
            await asyncio.to_thread(engine.warmed_event.wait, 5)
        third_prompt = engine.calls[-1][0]
        ahead = engine.warmed[-1]
        # With two turns kept, moving two at a time: the third turn's prompt starts at
        # the first question, the fourth's at the third, and that start was read ahead.
        assert third_prompt[0] == ChatMessage("user", "question 0")
        assert ahead == [ChatMessage("user", "question 2"), ChatMessage("assistant", "echo: question 2")]
        await client.send(user("question 3"))
        await client.until_turn_complete()
        assert engine.calls[-1][0] == [*ahead, ChatMessage("user", "question 3")]


async def test_a_frame_read_while_the_user_speaks_is_read_ahead_with_the_prompt_before_it() -> None:
    describer = FakeDescriber(lambda image, previous: "a screen saying HELLO")
    engine = WarmingFakeLLM(reply=lambda messages: messages[-1].content)
    async with running_server(engine, describer=describer) as srv, session(srv) as client:
        await client.send(user("first question"))
        await client.until_turn_complete()
        await asyncio.to_thread(engine.warmed_event.wait, 5)
        engine.warmed_event.clear()
        await client.send(video(camera_frame()))
        await asyncio.to_thread(engine.warmed_event.wait, 5)
        ahead = engine.warmed[-1]
        assert ahead[-1] == ChatMessage("user", "[image: a screen saying HELLO]\n")
        await client.send(typed("what does it say?"))
        reply = await client.until_turn_complete()
    assert text_of(reply) == "[image: a screen saying HELLO]\nwhat does it say?"
    # The turn's prompt is what was read ahead, then the user's words.
    prompt = engine.calls[-1][0]
    assert prompt[:-1] == ahead[:-1]
    assert ChatMessage("user", "first question") in prompt
    assert prompt[-1].content == ahead[-1].content + "what does it say?"


async def test_a_frame_read_while_a_reply_is_written_is_read_ahead_when_the_reply_ends() -> None:
    import threading

    describer = FakeDescriber(lambda image, previous: "a screen saying HELLO")
    gate = threading.Event()
    engine = WarmingFakeLLM(gate=gate)
    async with running_server(engine, describer=describer) as srv, session(srv) as client:
        await client.send(user("first question"))
        await asyncio.to_thread(engine.entered.wait, 5)  # the reply is being written...
        await client.send(video(camera_frame()))
        async with asyncio.timeout(5):
            while not describer.calls:  # ...when the frame is read (no reading ahead then)
                await asyncio.sleep(0.01)
        engine.warmed_event.clear()
        gate.set()
        await client.until_turn_complete()
        await asyncio.to_thread(engine.warmed_event.wait, 5)
    # Once it ends, the next turn's prompt is read up to that frame, not only the reply.
    assert engine.warmed[-1][-1] == ChatMessage("user", "[image: a screen saying HELLO]\n")
    assert ChatMessage("assistant", "echo: first question") in engine.warmed[-1]
