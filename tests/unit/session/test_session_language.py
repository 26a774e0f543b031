"""The session's reply language: languageCode, and native-audio models following the speaker."""

from __future__ import annotations

import json
from typing import Any

from openlive.engines.audio_base import LIVE_API_LANGUAGES, LIVE_API_VOICES
from openlive.engines.base import ChatMessage, GenerationStats
from openlive.engines.registry import ModelTable
from openlive.session import Action, Session, SpeechCapabilities, StartGeneration, Voice
from openlive.session.prompts import DEFAULT_PERSONA, SPOKEN, TINY_BRIEF
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

HALF_CASCADE = "gemini-2.0-flash-live-001"
NATIVE = "gemini-2.5-flash-native-audio-preview-12-2025"
SPEECH = SpeechCapabilities(voices=LIVE_API_VOICES, languages=LIVE_API_LANGUAGES)


def active(
    model: str = HALF_CASCADE,
    language: str | None = None,
    modality: str = "AUDIO",
    instruction: str | None = None,
    speech: SpeechCapabilities | None = SPEECH,
) -> Session:
    table = ModelTable({HALF_CASCADE: FakeLLM(), NATIVE: FakeLLM()})
    session = Session(table.resolve, session_id="language-1", speech=speech)
    config: dict[str, Any] = {"response_modalities": [modality]}
    if language is not None:
        config["speech_config"] = {"language_code": language}
    setup: dict[str, Any] = {"model": f"models/{model}", "generation_config": config}
    if instruction is not None:
        setup["system_instruction"] = {"parts": [{"text": instruction}]}
    session.receive(parse_client_message(json.dumps({"setup": setup})))
    return session


def generation(actions: list[Action]) -> StartGeneration:
    [start] = [a for a in actions if isinstance(a, StartGeneration)]
    return start


def system_text(start: StartGeneration) -> str:
    """The system message less the server's own rules (default instruction, spoken style)."""
    systems = [m.content for m in start.messages if m.role == "system"]
    assert len(systems) <= 1, "one system message: chat templates expect no more"
    house = {DEFAULT_PERSONA, SPOKEN, TINY_BRIEF}
    return "\n\n".join(p for p in str(systems[0]).split("\n\n") if p not in house) if systems else ""


def test_a_german_session_is_told_to_answer_in_german_and_spoken_in_german() -> None:
    start = generation(active(language="de-DE").speech_transcribed("Wie geht es dir?", 1.0, "de"))
    assert "German" in system_text(start)
    assert start.voice == Voice("Puck", "de-DE")


def test_the_language_line_follows_the_clients_instruction_in_the_same_message() -> None:
    session = active(language="fr-FR", instruction="You are a travel agent.")
    start = generation(session.speech_transcribed("Bonjour", 1.0, "fr"))
    text = system_text(start)
    assert text.startswith("You are a travel agent.") and "French" in text


def test_a_text_session_with_a_language_code_is_told_too() -> None:
    start = generation(active(language="fr-FR", modality="TEXT").speech_transcribed("Bonjour", 1.0))
    assert "French" in system_text(start)
    assert start.voice is None


def test_english_sessions_get_no_language_line() -> None:
    for language in (None, "en-US", "en-GB"):
        start = generation(active(language=language).speech_transcribed("Hello", 1.0, "en"))
        assert [m for m in start.messages if m.role != "system"] == [ChatMessage("user", "Hello")]
        assert system_text(start) == ""


def test_a_half_cascade_model_without_a_language_code_ignores_the_heard_language() -> None:
    start = generation(active().speech_transcribed("Bonjour", 1.0, "fr"))
    assert system_text(start) == ""
    assert start.voice == Voice("Puck", "en-US")


def test_a_language_code_wins_over_the_heard_language() -> None:
    start = generation(active(model=NATIVE, language="de-DE").speech_transcribed("Hello", 1.0, "en"))
    assert "German" in system_text(start)
    assert start.voice == Voice("Puck", "de-DE")


def test_a_native_audio_model_follows_the_language_of_each_utterance() -> None:
    session = active(model=NATIVE)
    first = generation(session.speech_transcribed("Guten Tag", 1.0, "de"))
    assert "German" in system_text(first) and first.voice == Voice("Puck", "de-DE")
    session.generation_text(first.turn_id, "Hallo!")
    session.generation_done(first.turn_id, GenerationStats())
    second = generation(session.speech_transcribed("Bonjour", 1.0, "fr"))
    assert "French" in system_text(second) and second.voice == Voice("Puck", "fr-FR")
    session.generation_text(second.turn_id, "Salut !")
    session.generation_done(second.turn_id, GenerationStats())
    third = generation(session.speech_transcribed("Hello again", 1.0, "en"))
    assert system_text(third) == "" and third.voice == Voice("Puck", "en-US")


def test_a_preview_in_another_language_leaves_the_session_as_it_was() -> None:
    session = active(model=NATIVE)
    preview = session.preview_reply("Bonjour", 1.0, "fr")
    assert preview is not None and preview.voice == Voice("Puck", "fr-FR")
    assert session.voice == Voice("Puck", "en-US") and session.reply_language is None
    claimed = generation(session.speech_transcribed("Bonjour", 1.0, "fr"))
    assert (claimed.messages, claimed.voice) == (preview.messages, preview.voice)


def test_a_language_the_synthesiser_cannot_speak_keeps_the_voice_but_is_answered_in() -> None:
    english_speech = SpeechCapabilities(voices=LIVE_API_VOICES, languages=("en-US",))
    session = active(model=NATIVE, speech=english_speech)
    start = generation(session.speech_transcribed("Hallo", 1.0, "de"))
    assert start.voice == Voice("Puck", "en-US")
    assert "German" in system_text(start)
