"""The documentation's native-audio examples, unchanged, through google-genai on the real models.

Affective dialog, proactive audio and the thinking model, each with the config the
documentation's example writes, and speech made with espeak-ng for the test; plus
``thinking_config`` with ``include_thoughts``, whose thoughts come as parts with
``thought=True`` before the answer's audio and are counted in ``usage_metadata``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from google.genai import types

from tests.e2e import speech
from tests.e2e.test_voice_python_sdk import (
    TIMEOUT_S,
    audio_blob,
    collect_turn,
    heard_most_of,
    input_transcript,
    reply_audio,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the speech input; install it"),
]

NATIVE = "gemini-2.5-flash-preview-native-audio-dialog"
THINKING = "gemini-2.5-flash-exp-native-audio-thinking-dialog"
RATE = 16_000
QUESTION = "What is twelve times seven?"


async def ask(
    genai_client: Any, model: str, config: Any, text: str, **voice: Any
) -> list[types.LiveServerMessage]:
    """Say ``text`` in a new session; the messages of the turn that answers (or ignores) it."""
    async with asyncio.timeout(TIMEOUT_S):
        async with genai_client.aio.live.connect(model=model, config=config) as session:
            await session.send_realtime_input(audio=audio_blob(speech.speak(text, RATE, **voice), RATE))
            return await collect_turn(session)


async def test_affective_dialog_example_answers_upset_speech_with_audio(genai_client: Any) -> None:
    # The documentation's example, as written.
    config = types.LiveConnectConfig(response_modalities=["AUDIO"], enable_affective_dialog=True)
    turn = await ask(genai_client, NATIVE, config, "This is ridiculous, my order failed again!", speed=200)
    audio = reply_audio(turn)
    assert len(audio) > 24_000  # over half a second of reply speech
    assert turn[-1].server_content is not None and turn[-1].server_content.turn_complete


async def test_proactive_audio_example_answers_a_question_to_the_assistant(genai_client: Any) -> None:
    # The documentation's example, as written.
    config = types.LiveConnectConfig(response_modalities=["AUDIO"], proactivity={"proactive_audio": True})
    turn = await ask(genai_client, NATIVE, config, "Can you tell me a joke about cats?")
    assert len(reply_audio(turn)) > 24_000
    assert any(m.server_content and m.server_content.generation_complete for m in turn)


async def test_proactive_audio_lets_speech_for_someone_else_pass_and_still_transcribes_it(
    genai_client: Any,
) -> None:
    # The example, with input transcription to see the words arrive.
    config = types.LiveConnectConfig(
        response_modalities=["AUDIO"],
        proactivity={"proactive_audio": True},
        input_audio_transcription={},
    )
    said = "Kids, dinner is ready, come downstairs and wash your hands."
    turn = await ask(genai_client, NATIVE, config, said, voice="en-us+f3")
    assert heard_most_of(said, input_transcript(turn), share=0.5)
    last = turn[-1].server_content
    assert last is not None and last.turn_complete
    # Silent: the words heard, then turnComplete alone (no model turn, no generationComplete).
    assert not reply_audio(turn)
    assert not any(
        m.server_content and (m.server_content.model_turn or m.server_content.generation_complete)
        for m in turn
    )


async def test_thinking_model_example_answers_with_audio(genai_client: Any) -> None:
    config = types.LiveConnectConfig(response_modalities=["AUDIO"])
    turn = await ask(genai_client, THINKING, config, QUESTION)
    assert reply_audio(turn)
    usage = turn[-1].usage_metadata
    assert usage is not None and (usage.thoughts_token_count or 0) > 0  # it thought first
    # Without include_thoughts, no thought is sent.
    parts = [
        p
        for m in turn
        if m.server_content and m.server_content.model_turn
        for p in m.server_content.model_turn.parts or []
    ]
    assert not any(p.thought for p in parts)


async def test_included_thoughts_come_before_the_answer_and_are_never_spoken(genai_client: Any) -> None:
    config = types.LiveConnectConfig(
        response_modalities=["AUDIO"],
        thinking_config=types.ThinkingConfig(thinking_budget=128, include_thoughts=True),
        output_audio_transcription={},
    )
    turn = await ask(genai_client, THINKING, config, QUESTION)
    parts = [
        p
        for m in turn
        if m.server_content and m.server_content.model_turn
        for p in m.server_content.model_turn.parts or []
    ]
    thoughts = [p for p in parts if p.thought]
    assert thoughts and thoughts[0] is parts[0] and thoughts[0].text
    assert all(p.inline_data is not None for p in parts[len(thoughts) :])
    usage = turn[-1].usage_metadata
    assert usage is not None and 0 < (usage.thoughts_token_count or 0) <= 128
    # The working (a program and what the sandbox printed, or the model's own
    # working when what it wrote is not a program) works the product out.
    assert "84" in thoughts[0].text, thoughts[0].text


async def test_a_zero_budget_thinks_not_at_all(genai_client: Any) -> None:
    config = types.LiveConnectConfig(
        response_modalities=["AUDIO"], thinking_config=types.ThinkingConfig(thinking_budget=0)
    )
    turn = await ask(genai_client, THINKING, config, QUESTION)
    assert reply_audio(turn)
    usage = turn[-1].usage_metadata
    assert usage is not None and not usage.thoughts_token_count
