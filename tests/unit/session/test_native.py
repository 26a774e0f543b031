"""Native-audio dialog settings, tone estimates, and what they do to the session's requests."""

from __future__ import annotations

import json
from typing import Any

from openlive.engines.audio_base import LIVE_API_LANGUAGES, LIVE_API_VOICES
from openlive.engines.base import GenerationStats
from openlive.engines.registry import ModelTable
from openlive.session import Session, SpeechCapabilities, StartGeneration
from openlive.session.native import (
    DYNAMIC_THINKING_TOKENS,
    MAX_THINKING_TOKENS,
    ThinkingPlan,
    ToneTracker,
    VoiceFeatures,
    delivery_for,
    native_dialog,
    tone_line,
)
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

MODEL = "gemini-2.5-flash-preview-native-audio-dialog"
THINKING = "gemini-2.5-flash-exp-native-audio-thinking-dialog"
CALM = VoiceFeatures(pitch_hz=120.0, pitch_spread=1.0, energy_db=-30.0, span_s=2.0)


def session_with(**setup: Any) -> Session:
    table = ModelTable({MODEL: FakeLLM(), THINKING: FakeLLM()})
    speech = SpeechCapabilities(voices=LIVE_API_VOICES, languages=LIVE_API_LANGUAGES)
    session = Session(table.resolve, session_id="n", speech=speech)
    body = {"model": MODEL, "generationConfig": {"responseModalities": ["AUDIO"]}}
    for key, value in setup.items():
        if key in ("enableAffectiveDialog", "thinkingConfig"):
            body["generationConfig"][key] = value  # type: ignore[index]
        else:
            body[key] = value
    session.receive(parse_client_message(json.dumps({"setup": body})))
    return session


def request(actions: list[Any]) -> StartGeneration:
    return next(a for a in actions if isinstance(a, StartGeneration))


def test_settings_come_from_the_setup_and_the_model_name() -> None:
    assert native_dialog({}, MODEL).thinking is None
    assert native_dialog({}, THINKING).thinking == ThinkingPlan(DYNAMIC_THINKING_TOKENS)
    off = native_dialog({"generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}}, THINKING)
    assert off.thinking is None
    big = {"generationConfig": {"thinkingConfig": {"thinkingBudget": 10**9, "includeThoughts": True}}}
    assert native_dialog(big, MODEL).thinking == ThinkingPlan(MAX_THINKING_TOKENS, include=True)
    both = {"proactivity": {"proactiveAudio": True}, "generationConfig": {"enableAffectiveDialog": True}}
    settings = native_dialog(both, MODEL)
    assert settings.proactive and settings.affective


def test_without_the_settings_requests_and_prompts_are_unchanged() -> None:
    plain, other = session_with(), session_with(enableAffectiveDialog=False)
    loud = VoiceFeatures(pitch_hz=200.0, pitch_spread=4.0, energy_db=-15.0, span_s=1.0)
    first = request(plain.speech_transcribed("this is ridiculous, it failed again!", 2.0, None, loud))
    second = request(other.speech_transcribed("this is ridiculous, it failed again!", 2.0, None, None))
    assert first == second
    assert first.delivery is None and first.thinking is None and not first.gate
    assert all("tone of voice" not in m.content for m in first.messages)


def test_affective_dialog_puts_the_tone_in_the_system_message_and_slows_the_reply() -> None:
    session = session_with(enableAffectiveDialog=True)
    calm = request(session.speech_transcribed("what time is the meeting tomorrow", 2.0, None, CALM))
    assert "tone of voice: calm" in calm.messages[0].content and calm.delivery is None
    session.generation_done(calm.turn_id, GenerationStats())
    upset = request(session.speech_transcribed("this is ridiculous, it failed again!", 1.0, None, CALM))
    assert "upset" in upset.messages[0].content
    assert upset.delivery is not None and upset.delivery.speed < 1.0


def test_proactive_audio_gates_heard_turns_only() -> None:
    session = session_with(proactivity={"proactiveAudio": True})
    heard = request(session.speech_transcribed("pass the salt", 1.0))
    assert heard.gate
    session.generation_declined(heard.turn_id)
    typed = request(session.receive(parse_client_message(json.dumps({"realtimeInput": {"text": "hello"}}))))
    assert not typed.gate


def test_a_declined_turn_ends_with_turn_complete_alone() -> None:
    session = session_with(proactivity={"proactiveAudio": True})
    heard = request(session.speech_transcribed("pass the salt", 1.0))
    sent = [a.message for a in session.generation_declined(heard.turn_id) if hasattr(a, "message")]
    assert [list(m["serverContent"]) for m in sent] == [["turnComplete"]]
    assert "usageMetadata" in sent[0]
    assert not session.generating
    assert [t.text for t in session.history] == ["pass the salt"]


def test_the_preview_asks_for_the_same_reply_as_the_turn() -> None:
    session = session_with(enableAffectiveDialog=True, proactivity={"proactiveAudio": True})
    session.speech_transcribed("hello there", 1.0, None, CALM)
    session.generation_declined(1)
    louder = VoiceFeatures(pitch_hz=170.0, pitch_spread=3.0, energy_db=-20.0, span_s=1.0)
    ahead = session.preview_reply("why does this never work!", 1.0, None, louder)
    turn = request(session.speech_transcribed("why does this never work!", 1.0, None, louder))
    assert ahead is not None and ahead.turn_id != turn.turn_id
    assert (ahead.messages, ahead.gate, ahead.delivery) == (turn.messages, turn.gate, turn.delivery)


def test_tone_follows_the_voice_against_the_users_own_baseline() -> None:
    tracker = ToneTracker()
    words = "can you tell me about the train times"
    assert tracker.estimate(words, CALM).mood == "calm"  # no baseline yet, neutral words
    tracker.observe(words, CALM)
    tracker.observe("and what about the buses on sunday", CALM)
    raised = VoiceFeatures(pitch_hz=170.0, pitch_spread=3.0, energy_db=-18.0, span_s=1.4)
    assert tracker.estimate(words, raised).mood == "upset"
    low = VoiceFeatures(pitch_hz=100.0, pitch_spread=0.5, energy_db=-40.0, span_s=3.5)
    assert tracker.estimate(words, low).mood == "down"
    same_pace = VoiceFeatures(pitch_hz=120.0, pitch_spread=1.0, energy_db=-30.0, span_s=1.5)
    assert tracker.estimate("wow that is great, thank you", same_pace).mood == "cheerful"


def test_each_mood_has_a_line_and_a_delivery() -> None:
    tracker = ToneTracker()
    for text in ("hello", "this is awful and broken", "wow great thanks"):
        tone = tracker.estimate(text, None)
        assert tone.mood in tone_line(tone)
        delivery = delivery_for(tone)
        assert delivery is None or 0.8 <= delivery.speed <= 1.2
