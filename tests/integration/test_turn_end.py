"""The end of a turn with a turn model: a pause the model calls unfinished does not end the turn.

FakeVad hears any loud frame as speech; FakeTurn gives a fixed probability that the
speaker has finished; FakeAsr says "<seconds> seconds of speech" (words that read as finished).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from openlive.engines.audio_base import SpeechEngines
from openlive.errors import EngineError
from openlive.testing import FakeAsr, FakeLLM, FakeTts, FakeTurn, FakeVad, RunningServer, running_server

from .helpers import LiveClient, session
from .test_voice import RATE, audio_message, input_texts, keys, silence, tone, voice_setup

QUIET_S = 2.0

# Half a second of speech, a 500 ms pause, half a second more: one sentence or two turns.
HALTING = silence(0.3) + tone(0.5) + silence(0.5) + tone(0.5) + silence(1.6)


@asynccontextmanager
async def turn_server(
    turn: FakeTurn | None, asr: FakeAsr, text_turn: Callable[[str], float | None] | None = None
) -> AsyncIterator[RunningServer]:
    speech = SpeechEngines(vad=FakeVad(), asr=asr, tts=FakeTts(), turn=turn, text_turn=text_turn)
    async with running_server(FakeLLM(), speech=speech, audio_lead_s=0.0) as srv:
        yield srv


async def paced(client: LiveClient, pcm: bytes, chunk_ms: int = 40) -> None:
    """Send ``pcm`` at real-time pace, as a microphone does (the model's verdict must come in time)."""
    size = RATE * chunk_ms // 1000 * 2
    for start in range(0, len(pcm), size):
        await client.send(audio_message(pcm[start : start + size]))
        await asyncio.sleep(chunk_ms / 1000)


async def turns_heard(
    turn: FakeTurn | None, setup: dict[str, Any], text_turn: Callable[[str], float | None] | None = None
) -> list[str]:
    async with turn_server(turn, FakeAsr(), text_turn) as srv, session(srv, setup) as client:
        await paced(client, HALTING)
        messages: list[dict[str, Any]] = []
        # Everything the speech got: read until the server has been quiet for a while.
        with contextlib.suppress(TimeoutError):
            while True:
                messages.append(await asyncio.wait_for(client.recv(), QUIET_S))
    assert "turnComplete" in keys(messages)
    return input_texts(messages)


async def test_a_pause_the_model_calls_unfinished_keeps_one_turn() -> None:
    turn = FakeTurn(0.1)
    heard = await turns_heard(turn, voice_setup())
    # One utterance holding both halves and the pause (FakeAsr says how long it was).
    assert len(heard) == 1 and float(heard[0].split()[0]) >= 1.5
    assert turn.calls >= 1


async def test_a_pause_the_model_calls_finished_ends_the_turn_early() -> None:
    heard = await turns_heard(FakeTurn(0.95), voice_setup())
    assert len(heard) == 2


async def test_words_a_language_model_reads_as_unfinished_keep_one_turn_the_voice_calls_finished() -> None:
    read: list[str] = []

    def unfinished(text: str) -> float:
        read.append(text)
        return -25.0

    heard = await turns_heard(FakeTurn(0.95), voice_setup(), unfinished)
    assert len(heard) == 1
    assert read and all("seconds of speech" in text for text in read)


async def test_words_a_language_model_reads_as_finished_end_the_turn_the_voice_doubts() -> None:
    heard = await turns_heard(FakeTurn(0.1), voice_setup(), lambda _: -2.0)
    assert len(heard) == 2


async def test_words_the_word_list_calls_open_are_not_read() -> None:
    read: list[str] = []

    def reading(text: str) -> float:
        read.append(text)
        return -2.0

    asr = FakeAsr(["I would like to book a table for"] * 4)
    async with turn_server(FakeTurn(0.95), asr, reading) as srv, session(srv, voice_setup()) as client:
        await paced(client, HALTING)
        with contextlib.suppress(TimeoutError):
            while True:
                await asyncio.wait_for(client.recv(), QUIET_S)
    assert asr.heard  # the pause was recognised, and its open words decided alone
    assert read == []


async def test_a_failing_reading_of_the_words_leaves_the_voice_to_decide() -> None:
    def failing(_: str) -> float:
        raise EngineError("the scoring model failed")

    heard = await turns_heard(FakeTurn(0.1), voice_setup(), failing)
    assert len(heard) == 1


async def test_without_a_model_silence_alone_ends_the_turn() -> None:
    heard = await turns_heard(None, voice_setup())
    assert len(heard) == 2  # 500 ms is more than the default 300 ms


async def test_an_explicit_silence_duration_bypasses_the_model() -> None:
    turn = FakeTurn(0.1)
    setup = voice_setup(detection={"silenceDurationMs": 300})
    heard = await turns_heard(turn, setup)
    assert len(heard) == 2
    assert turn.calls == 0


async def test_low_end_sensitivity_bypasses_the_model_and_waits_800_ms() -> None:
    turn = FakeTurn(0.95)
    setup = voice_setup(detection={"endOfSpeechSensitivity": "END_SENSITIVITY_LOW"})
    heard = await turns_heard(turn, setup)
    assert len(heard) == 1
    assert turn.calls == 0
