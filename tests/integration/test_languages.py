"""Languages through the loopback server with fake engines: the heard language reaches the reply."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from openlive.engines.audio_base import Heard, Samples, SpeechEngines
from openlive.testing import FakeAsr, FakeLLM, FakeTts, FakeVad, running_server

from .helpers import session
from .test_voice import stream_audio, utterance, voice_setup

NATIVE = "models/gemini-2.5-flash-preview-native-audio-dialog"


class MultilingualAsr(FakeAsr):
    """Hears scripted text in scripted languages, and tells which (as Whisper base does)."""

    languages = ("en", "de", "fr")

    def __init__(self, script: list[tuple[str, str]]) -> None:
        super().__init__([text for text, _ in script])
        self._codes = [code for _, code in script]
        self.asked: list[str | None] = []  # the language of each recognition
        self.among: list[tuple[str, ...]] = []  # the choices of each detection

    def transcribe(self, audio: Samples, language: str | None = None) -> str:
        self.asked.append(language)
        return super().transcribe(audio, language)

    def hear(self, audio: Samples, language: str | None = None, among: tuple[str, ...] = ()) -> Heard:
        self.among.append(among)
        code = language or self._codes.pop(0)
        return Heard(self.transcribe(audio, language), code)


class RecordingTts(FakeTts):
    """FakeTts that remembers the language of each piece of text it speaks."""

    def __init__(self) -> None:
        super().__init__()
        self.spoken: list[str] = []
        self._lock = threading.Lock()

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        with self._lock:
            self.spoken.append(language)
        return super().synthesize(text, voice, language, cancel, rate)


async def one_spoken_turn(client: Any) -> None:
    await stream_audio(client, utterance(1.0), 16_000)
    await client.until_turn_complete()


async def test_a_native_audio_model_answers_in_the_language_it_hears() -> None:
    asr = MultilingualAsr([("Guten Tag", "de"), ("Bonjour", "fr")])
    llm, tts = FakeLLM(), RecordingTts()
    speech = SpeechEngines(vad=FakeVad(), asr=asr, tts=tts)
    setup = voice_setup()
    setup["setup"]["model"] = NATIVE
    async with running_server(llm, speech=speech, audio_lead_s=0.0) as srv, session(srv, setup) as client:
        await one_spoken_turn(client)
        german_speech = list(tts.spoken)
        await one_spoken_turn(client)
    # Detected each time, among the languages the server speaks and the recogniser hears.
    assert len(asr.asked) == 2 and set(asr.asked) == {None}
    assert all(set(among) == {"en", "de", "fr"} for among in asr.among)
    assert german_speech and set(german_speech) == {"de-DE"}
    assert set(tts.spoken[len(german_speech) :]) == {"fr-FR"}
    systems = [str(messages[0].content) for messages, _ in llm.calls if messages[0].role == "system"]
    assert any("German" in text for text in systems) and any("French" in text for text in systems)


async def test_a_language_code_is_heard_and_spoken_without_detection() -> None:
    asr = MultilingualAsr([("Guten Tag", "de")])
    tts = RecordingTts()
    speech = SpeechEngines(vad=FakeVad(), asr=asr, tts=tts)
    async with running_server(FakeLLM(), speech=speech, audio_lead_s=0.0) as srv:
        async with session(srv, voice_setup(language="de-DE")) as client:
            await one_spoken_turn(client)
    assert asr.asked == ["de"] and asr.among == []
    assert tts.spoken and set(tts.spoken) == {"de-DE"}


async def test_an_english_recogniser_says_once_per_session_what_it_cannot_hear(
    caplog: pytest.LogCaptureFixture,
) -> None:
    speech = SpeechEngines(vad=FakeVad(), asr=FakeAsr(["hallo", "noch mal"]), tts=FakeTts())
    caplog.set_level(logging.INFO)
    async with running_server(FakeLLM(), speech=speech, audio_lead_s=0.0) as srv:
        async with session(srv, voice_setup(language="fr-FR")) as client:
            await one_spoken_turn(client)
            await one_spoken_turn(client)
    notes = [r.getMessage() for r in caplog.records if "hears only" in r.getMessage()]
    assert len(notes) == 1 and "languageCode fr-FR" in notes[0] and "French" in notes[0]
    assert not any(r.levelno > logging.INFO and "hears only" in r.getMessage() for r in caplog.records)
