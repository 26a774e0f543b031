"""Text turns end to end over a real socket: order of messages, usage, prompts, history."""

from __future__ import annotations

import asyncio

from openlive.engines.base import ChatMessage, SamplingParams
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import (
    content,
    kinds,
    live,
    server_content,
    session,
    setup_message,
    text_of,
    user,
    words,
)


def usage(prompt: int, response: int) -> dict[str, object]:
    return {
        "promptTokenCount": prompt,
        "responseTokenCount": response,
        "totalTokenCount": prompt + response,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
        "responseTokensDetails": [{"modality": "TEXT", "tokenCount": response}],
    }


async def test_setup_complete_is_the_first_message(srv: RunningServer) -> None:
    async with live(srv) as client:
        await client.send(setup_message())
        first = await client.recv()
    assert list(first) == ["setupComplete"]
    session_id = first["setupComplete"]["sessionId"]
    assert isinstance(session_id, str) and session_id


async def test_a_turn_sent_right_behind_setup_is_answered_after_setup_complete(srv: RunningServer) -> None:
    async with live(srv) as client:
        await client.send(setup_message())
        await client.send(user("no waiting"))
        first = await client.recv()
        reply = await client.until_turn_complete()
    assert "setupComplete" in first
    assert text_of(reply) == "echo: no waiting"


async def test_sessions_get_distinct_ids(srv: RunningServer) -> None:
    async with live(srv) as a, live(srv) as b:
        first_a = await a.setup()
        first_b = await b.setup()
    assert first_a["setupComplete"]["sessionId"] != first_b["setupComplete"]["sessionId"]


async def test_reply_streams_word_by_word_then_generation_then_turn_complete(
    srv: RunningServer, fake: FakeLLM
) -> None:
    async with session(srv) as client:
        reply = await client.turn("hello there world")

    assert kinds(reply) == ["modelTurn"] * 4 + ["generationComplete", "turnComplete"]
    chunks = [server_content(m)["modelTurn"]["parts"] for m in reply[:4]]
    assert chunks == [[{"text": "echo:"}], [{"text": " hello"}], [{"text": " there"}], [{"text": " world"}]]
    assert reply[4] == {"serverContent": {"generationComplete": True}}
    # One user message of 3 words: 3 + 1 prompt tokens; "echo: hello there world": 4 tokens.
    assert reply[5] == {"serverContent": {"turnComplete": True}, "usageMetadata": usage(4, 4)}
    assert fake.calls[0][0] == [ChatMessage("user", "hello there world")]


async def test_history_carries_across_turns(srv: RunningServer, fake: FakeLLM) -> None:
    async with session(srv) as client:
        first = await client.turn("hello")
        second = await client.turn("again please")

    assert text_of(first) == "echo: hello"
    assert text_of(second) == "echo: again please"
    assert fake.calls[1][0] == [
        ChatMessage("user", "hello"),
        ChatMessage("assistant", "echo: hello"),
        ChatMessage("user", "again please"),
    ]
    # (1+1) + (2+1) + (2+1) prompt tokens; "echo: again please" is 3.
    assert second[-1]["usageMetadata"] == usage(8, 3)


async def test_incremental_context_then_final_turn(srv: RunningServer, fake: FakeLLM) -> None:
    async with session(srv) as client:
        await client.send(
            content(("user", "my name is Ann"), ("model", "nice to meet you Ann"), turn_complete=False)
        )
        await client.send(content(("user", "I like tea"), turn_complete=False))
        await client.send(user("what is my name"))
        reply = await client.until_turn_complete()

    # Nothing answered the incomplete turns: the first message after them is the reply.
    assert kinds(reply)[0] == "modelTurn"
    assert text_of(reply) == "echo: what is my name"
    assert len(fake.calls) == 1
    assert fake.calls[0][0] == [
        ChatMessage("user", "my name is Ann"),
        ChatMessage("assistant", "nice to meet you Ann"),
        ChatMessage("user", "I like tea"),
        ChatMessage("user", "what is my name"),
    ]
    assert reply[-1]["usageMetadata"]["promptTokenCount"] == 5 + 6 + 4 + 5


async def test_turn_complete_with_context_in_the_same_message(srv: RunningServer, fake: FakeLLM) -> None:
    async with session(srv) as client:
        await client.send(content(("user", "one"), ("model", "two"), ("user", "three")))
        reply = await client.until_turn_complete()
    assert text_of(reply) == "echo: three"
    assert [m.role for m in fake.calls[0][0]] == ["user", "assistant", "user"]


async def test_realtime_input_text_triggers_a_reply(srv: RunningServer, fake: FakeLLM) -> None:
    async with session(srv) as client:
        await client.send({"realtime_input": {"text": "ping pong"}})
        reply = await client.until_turn_complete()
    assert kinds(reply) == ["modelTurn"] * 3 + ["generationComplete", "turnComplete"]
    assert text_of(reply) == "echo: ping pong"
    assert fake.calls[0][0] == [ChatMessage("user", "ping pong")]


async def test_system_instruction_reaches_the_prompt_as_a_system_message(
    srv: RunningServer, fake: FakeLLM
) -> None:
    async with session(srv, setup_message(system="You are terse.")) as client:
        reply = await client.turn("hi")
    assert fake.calls[0][0] == [ChatMessage("system", "You are terse."), ChatMessage("user", "hi")]
    assert text_of(reply) == "echo: hi"
    # The system message costs its words plus one, like any message.
    assert reply[-1]["usageMetadata"] == usage(4 + 2, 2)


async def test_generation_config_reaches_the_engine(srv: RunningServer, fake: FakeLLM) -> None:
    config = {"temperature": 0.5, "topP": 0.9, "topK": 3.0, "maxOutputTokens": 2, "seed": 7}
    async with session(srv, setup_message(**config)) as client:
        reply = await client.turn("one two three four")
    assert fake.calls[0][1] == SamplingParams(temperature=0.5, top_p=0.9, top_k=3, max_tokens=2, seed=7)
    # The fake stops at max_tokens words.
    assert text_of(reply) == "echo: one"
    assert reply[-1]["usageMetadata"]["responseTokenCount"] == 2


async def test_snake_case_and_camel_case_spellings_are_both_accepted(
    srv: RunningServer, fake: FakeLLM
) -> None:
    setup = {
        "setup": {
            "model": "models/gemini-2.0-flash-live-001",
            "generation_config": {"response_modalities": ["TEXT"], "max_output_tokens": 50},
            "system_instruction": {"parts": [{"text": "be nice"}]},
        }
    }
    async with session(srv, setup) as client:
        await client.send(
            {"clientContent": {"turns": [{"role": "user", "parts": [{"text": "a"}]}], "turnComplete": True}}
        )
        first = await client.until_turn_complete()
        await client.send(
            {"client_content": {"turns": [{"role": "user", "parts": [{"text": "b"}]}], "turn_complete": True}}
        )
        second = await client.until_turn_complete()
        await client.send({"realtimeInput": {"text": "c"}})
        third = await client.until_turn_complete()
    assert [text_of(r) for r in (first, second, third)] == ["echo: a", "echo: b", "echo: c"]
    assert fake.calls[0][0][0] == ChatMessage("system", "be nice")
    assert fake.calls[0][1].max_tokens == 50


async def test_model_name_without_prefix_is_served(srv: RunningServer) -> None:
    async with session(srv, setup_message(model="gemini-live-2.5-flash-preview")) as client:
        reply = await client.turn("x")
    assert text_of(reply) == "echo: x"


async def test_context_sent_during_a_reply_joins_history_after_it() -> None:
    fake = FakeLLM(token_delay_s=0.01)
    async with running_server(fake) as srv, session(srv) as client:
        await client.send(user(words(15)))
        first = [await client.recv()]
        # Context without turnComplete does not interrupt the reply.
        await client.send(user("a note", turn_complete=False))
        first += await client.until_turn_complete()
        assert "interrupted" not in kinds(first)
        assert kinds(first)[-2:] == ["generationComplete", "turnComplete"]
        assert text_of(first) == "echo: " + words(15)

        await client.turn("next")
    assert fake.calls[1][0] == [
        ChatMessage("user", words(15)),
        ChatMessage("assistant", "echo: " + words(15)),
        ChatMessage("user", "a note"),
        ChatMessage("user", "next"),
    ]


async def test_server_messages_are_camel_case_text_frames(srv: RunningServer) -> None:
    async with session(srv) as client:
        await client.send(user("hi"))
        frames = []
        async with asyncio.timeout(5):
            while not frames or '"turnComplete"' not in frames[-1]:
                frames.append(await client.ws.recv())
    assert all(isinstance(f, str) for f in frames)
    assert not any(key in f for f in frames for key in ("turn_complete", "model_turn", "usage_metadata"))
