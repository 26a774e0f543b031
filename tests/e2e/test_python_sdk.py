"""The Live API documentation's text examples, through google-genai, on the real server.

Each test makes the calls the documentation's Python examples make, with only the
client's base URL changed and SSL_CERT_FILE pointing at the server's certificate.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from google.genai import errors, types

from tests.e2e.conftest import LiveServer, start_server, stop_server

MODEL = "gemini-2.0-flash-live-001"
TEXT_CONFIG: dict[str, Any] = {"response_modalities": ["TEXT"]}


async def collect_turn(session: Any) -> list[types.LiveServerMessage]:
    """Every message of one turn; `receive()` ends at turnComplete."""
    return [message async for message in session.receive()]


def reply_text(messages: list[types.LiveServerMessage]) -> str:
    return "".join(m.text for m in messages if m.text is not None)


async def test_connect(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        assert session.session_id  # setupComplete arrived and named the session


async def test_send_and_receive_text(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Hello, how are you?"}]}, turn_complete=True
        )
        messages = await asyncio.wait_for(collect_turn(session), timeout=120)

    assert reply_text(messages).strip(), "the model said nothing"
    assert messages[-1].server_content is not None and messages[-1].server_content.turn_complete
    kinds = [m.server_content for m in messages if m.server_content]
    assert any(c.generation_complete for c in kinds), "no generationComplete before turnComplete"


async def test_system_instruction_steers_the_model(genai_client: Any) -> None:
    config = {
        "system_instruction": types.Content(
            parts=[types.Part(text="You are a pirate. Always start your answer with the word Arr.")]
        ),
        "response_modalities": ["TEXT"],
        "temperature": 0.0,
        "seed": 1,
    }
    async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Say hello."}]}, turn_complete=True
        )
        with_instruction = reply_text(await asyncio.wait_for(collect_turn(session), timeout=120))
    # The 135M model does not always obey, so compare with the same prompt without
    # the instruction: the instruction must change what the model says.
    async with genai_client.aio.live.connect(
        model=MODEL, config={"response_modalities": ["TEXT"], "temperature": 0.0, "seed": 1}
    ) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Say hello."}]}, turn_complete=True
        )
        without_instruction = reply_text(await asyncio.wait_for(collect_turn(session), timeout=120))
    assert with_instruction.strip() and without_instruction.strip()
    assert with_instruction != without_instruction


async def test_incremental_content_updates(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(
        model=MODEL, config={"response_modalities": ["TEXT"], "temperature": 0.0}
    ) as session:
        await session.send_client_content(
            turns=[
                {"role": "user", "parts": [{"text": "What is the capital of France?"}]},
                {"role": "model", "parts": [{"text": "Paris"}]},
            ],
            turn_complete=False,
        )
        await session.send_client_content(
            turns=[{"role": "user", "parts": [{"text": "What is the capital of Germany?"}]}],
            turn_complete=True,
        )
        messages = await asyncio.wait_for(collect_turn(session), timeout=120)
    assert "Berlin" in reply_text(messages)
    usage = messages[-1].usage_metadata
    assert usage is not None
    # The prompt holds all three turns, so it is longer than the last question alone.
    assert usage.prompt_token_count is not None and usage.prompt_token_count > 30


async def test_history_is_kept_across_turns(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Hello, how are you?"}]}, turn_complete=True
        )
        first = await asyncio.wait_for(collect_turn(session), timeout=120)
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Thanks!"}]}, turn_complete=True
        )
        second = await asyncio.wait_for(collect_turn(session), timeout=120)
    first_usage, second_usage = first[-1].usage_metadata, second[-1].usage_metadata
    assert first_usage is not None and second_usage is not None
    assert first_usage.prompt_token_count and first_usage.response_token_count
    # The second prompt carries the first exchange: at least its prompt and reply.
    assert second_usage.prompt_token_count is not None
    assert second_usage.prompt_token_count > (
        first_usage.prompt_token_count + first_usage.response_token_count
    )


async def test_token_count(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        await session.send_client_content(
            turns={"role": "user", "parts": [{"text": "Count to three."}]}, turn_complete=True
        )
        messages = await asyncio.wait_for(collect_turn(session), timeout=120)
    with_usage = [m for m in messages if m.usage_metadata]
    assert with_usage, "no usageMetadata in the turn"
    usage = with_usage[-1].usage_metadata
    assert usage.total_token_count == usage.prompt_token_count + usage.response_token_count
    details = {d.modality: d.token_count for d in usage.response_tokens_details}
    assert details == {types.MediaModality.TEXT: usage.response_token_count}
    assert usage.response_token_count > 0


async def test_realtime_text_gets_a_reply(genai_client: Any) -> None:
    async with genai_client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
        await session.send_realtime_input(text="Hello there!")
        messages = await asyncio.wait_for(collect_turn(session), timeout=120)
    assert reply_text(messages).strip()


async def test_unknown_model_is_refused_with_the_served_names(genai_client: Any) -> None:
    with pytest.raises(errors.APIError) as caught:
        async with genai_client.aio.live.connect(model="no-such-model", config=TEXT_CONFIG):
            pass
    assert caught.value.code == 1008
    assert MODEL in str(caught.value)


async def test_shutdown_sends_go_away_then_closes(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from google import genai

    server: LiveServer = await asyncio.to_thread(start_server, tmp_path)
    try:
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
        client = genai.Client(api_key="k", http_options={"base_url": server.base_url})
        async with client.aio.live.connect(model=MODEL, config=TEXT_CONFIG) as session:
            stopping = asyncio.create_task(asyncio.to_thread(stop_server, server))
            message = await asyncio.wait_for(session._receive(), timeout=30)
            assert message.go_away is not None and message.go_away.time_left is not None
            with pytest.raises(errors.APIError) as caught:
                await asyncio.wait_for(session._receive(), timeout=30)
            assert caught.value.code == 1001
            assert await stopping == 0
    finally:
        stop_server(server)
