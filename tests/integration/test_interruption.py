"""Barge-in: new input during a reply interrupts it; only what was sent stays in history."""

from __future__ import annotations

from typing import Any

import pytest

from openlive.engines.base import ChatMessage
from openlive.testing import FakeLLM, running_server

from .helpers import kinds, server_content, session, text_of, user, wait_for_condition, words

LONG = words(40)
FULL_REPLY = "echo: " + LONG


@pytest.mark.parametrize(
    "interruption",
    [user("stop now"), {"realtime_input": {"text": "stop now"}}],
    ids=["client_content", "realtime_input"],
)
async def test_new_turn_mid_reply_interrupts_it(interruption: dict[str, Any]) -> None:
    fake = FakeLLM(token_delay_s=0.02)
    async with running_server(fake) as srv, session(srv) as client:
        await client.send(user(LONG))
        first = [await client.recv() for _ in range(3)]
        assert kinds(first) == ["modelTurn"] * 3
        await client.send(interruption)
        first += await client.until_turn_complete()
        second = await client.until_turn_complete()

        # The interrupted turn ends interrupted, then turnComplete, never generationComplete.
        assert kinds(first)[-2:] == ["interrupted", "turnComplete"]
        assert "generationComplete" not in kinds(first)
        assert set(kinds(first)[:-2]) == {"modelTurn"}
        assert first[-1] == {"serverContent": {"turnComplete": True}}
        sent = text_of(first)
        assert FULL_REPLY.startswith(sent) and len(sent) < len(FULL_REPLY)

        # Then the reply to the new input, in full.
        assert kinds(second) == ["modelTurn"] * 3 + ["generationComplete", "turnComplete"]
        assert text_of(second) == "echo: stop now"

        # History keeps exactly what the client was sent of the interrupted reply.
        assert fake.calls[1][0] == [
            ChatMessage("user", LONG),
            ChatMessage("assistant", sent),
            ChatMessage("user", "stop now"),
        ]
        # And the interrupted generation was told to stop, and did.
        await wait_for_condition(lambda: fake.cancels[0].is_set())
        assert fake.yielded[0] < len(FULL_REPLY.split())


async def test_later_turns_see_the_interrupted_reply_as_sent() -> None:
    fake = FakeLLM(token_delay_s=0.02)
    async with running_server(fake) as srv, session(srv) as client:
        await client.send(user(LONG))
        first = [await client.recv() for _ in range(2)]
        await client.send(user("wait"))
        first += await client.until_turn_complete()
        await client.until_turn_complete()
        third = await client.turn("go on")
    assert text_of(third) == "echo: go on"
    assert fake.calls[2][0] == [
        ChatMessage("user", LONG),
        ChatMessage("assistant", text_of(first)),
        ChatMessage("user", "wait"),
        ChatMessage("assistant", "echo: wait"),
        ChatMessage("user", "go on"),
    ]
    # Prompt usage counts the partial reply as it stands in history.
    partial = len(text_of(first).split())
    assert third[-1]["usageMetadata"]["promptTokenCount"] == (40 + 1) + (partial + 1) + 2 + 3 + 3


async def test_client_leaving_mid_reply_stops_the_engine() -> None:
    fake = FakeLLM(token_delay_s=0.02)
    async with running_server(fake) as srv:
        async with session(srv) as client:
            await client.send(user(LONG))
            message = await client.recv()
            assert "modelTurn" in server_content(message)
        # The client is gone: its session ends and its generation is cancelled.
        await wait_for_condition(lambda: not srv.state.connections)
        await wait_for_condition(lambda: fake.cancels[0].is_set())
        assert fake.yielded[0] < len(FULL_REPLY.split())
