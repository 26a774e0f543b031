"""After a reply, an engine that can read ahead gets the next turn's prompt start."""

from __future__ import annotations

import asyncio

from openlive.engines.base import ChatMessage
from openlive.engines.profile import ModelProfile
from openlive.testing import WarmingFakeLLM, running_server

from .helpers import live, text_of, user


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
