"""Voice in, on fake speech engines: audio in, typed voice events out, bounds on the input."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine

import numpy as np
import pytest

from openlive.engines.audio_base import SpeechEngines
from openlive.errors import PolicyViolation
from openlive.pipeline.events import (
    FinalTranscript,
    SpeechResumed,
    SpeechStarted,
    TentativeTranscript,
    VoiceEvent,
)
from openlive.pipeline.voice_input import AudioLimits, VoiceInput
from openlive.session import EndAudioStream, FeedAudio
from openlive.testing import FakeAsr, FakeTts, FakeVad
from openlive.wire import Setup, parse_client_message

RATE = 16000
TIMEOUT_S = 10.0


def tone(seconds: float) -> bytes:
    t = np.arange(round(seconds * RATE)) / RATE
    return np.round(0.3 * np.sin(2 * np.pi * 440.0 * t) * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return b"\x00\x00" * round(seconds * RATE)


def audio_setup() -> Setup:
    message = parse_client_message(
        json.dumps({"setup": {"model": "models/m", "generationConfig": {"responseModalities": ["AUDIO"]}}})
    )
    assert isinstance(message, Setup)
    return message


class Heard:
    def __init__(self) -> None:
        self.events: list[VoiceEvent] = []
        self.failures: list[str] = []

    def __call__(self, event: VoiceEvent) -> None:
        self.events.append(event)

    async def guard(self, what: str, work: Coroutine[object, object, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - recorded for the test
            self.failures.append(what)

    async def until(self, kind: type, timeout: float = TIMEOUT_S) -> None:
        async with asyncio.timeout(timeout):
            while not any(isinstance(e, kind) for e in self.events):
                await asyncio.sleep(0.01)


def voice_input(heard: Heard, asr: FakeAsr, limits: AudioLimits | None = None) -> VoiceInput:
    engines = SpeechEngines(vad=FakeVad(), asr=asr, tts=FakeTts())
    return VoiceInput(engines, audio_setup(), limits or AudioLimits(), None, heard, heard.guard, "s1")


async def stop(voice: VoiceInput) -> None:
    await asyncio.sleep(0)  # let the tasks start, so that cancelling them ends their work
    for task in voice.tasks:
        task.cancel()
    await asyncio.gather(*voice.tasks, return_exceptions=True)


def feed(voice: VoiceInput, pcm: bytes, chunk_s: float = 0.1) -> None:
    step = round(chunk_s * RATE) * 2
    for start in range(0, len(pcm), step):
        voice.put(FeedAudio(pcm[start : start + step], RATE))


async def test_an_utterance_is_heard_as_speech_a_tentative_and_a_final_transcript() -> None:
    heard = Heard()
    voice = voice_input(heard, FakeAsr(["hello there"]))
    try:
        feed(voice, silence(0.3) + tone(1.0) + silence(1.0))
        await heard.until(FinalTranscript)
    finally:
        await stop(voice)
    kinds = [type(e) for e in heard.events]
    assert kinds == [SpeechStarted, TentativeTranscript, FinalTranscript]
    final = heard.events[-1]
    assert isinstance(final, FinalTranscript) and final.text == "hello there"
    # The pause's recognition was the turn's: one recognition for one utterance.
    assert isinstance(heard.events[1], TentativeTranscript) and heard.events[1].text == "hello there"
    assert heard.failures == []


async def test_speech_after_a_pause_voids_the_tentative_transcript() -> None:
    heard = Heard()
    asr = FakeAsr(["hello", "hello again"])
    voice = voice_input(heard, asr)
    try:
        feed(voice, tone(1.0) + silence(0.15))
        await heard.until(TentativeTranscript)
        feed(voice, tone(0.5) + silence(1.0))
        await heard.until(FinalTranscript)
    finally:
        await stop(voice)
    kinds = [type(e) for e in heard.events]
    assert SpeechResumed in kinds and kinds.index(SpeechResumed) < kinds.index(FinalTranscript)
    final = heard.events[-1]
    assert isinstance(final, FinalTranscript) and final.text == "hello again"


async def test_the_end_of_the_stream_ends_an_utterance_in_progress() -> None:
    heard = Heard()
    voice = voice_input(heard, FakeAsr(["cut short"]))
    try:
        feed(voice, tone(0.8))
        voice.put(EndAudioStream())
        await heard.until(FinalTranscript)
    finally:
        await stop(voice)
    assert isinstance(heard.events[-1], FinalTranscript) and heard.events[-1].text == "cut short"


async def test_audio_far_ahead_of_real_time_is_refused() -> None:
    heard = Heard()
    voice = voice_input(heard, FakeAsr(), AudioLimits(max_ahead_s=2.0, max_backlog_s=100.0))
    try:
        with pytest.raises(PolicyViolation, match="ahead of real time"):
            feed(voice, silence(5.0), chunk_s=0.5)
    finally:
        await stop(voice)
