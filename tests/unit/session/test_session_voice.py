"""The session's voice path: speech setup, realtime audio, speech events, spoken replies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from openlive.engines.audio_base import LIVE_API_LANGUAGES, LIVE_API_VOICES
from openlive.engines.base import ChatMessage, GenerationStats
from openlive.engines.profile import CAPABLE
from openlive.engines.registry import ModelTable
from openlive.errors import CLOSE_INVALID_ARGUMENT, InvalidArgument, NotSupportedYet
from openlive.session import (
    Action,
    CancelGeneration,
    EndAudioStream,
    FeedAudio,
    MarkActivity,
    Send,
    Session,
    SpeechCapabilities,
    StartGeneration,
    State,
    Turn,
    Voice,
)
from openlive.session.prompts import system_text
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

MODEL = "gemini-2.0-flash-live-001"
ALL_SPEECH = SpeechCapabilities(voices=LIVE_API_VOICES, languages=LIVE_API_LANGUAGES)
ENGLISH_ONLY = SpeechCapabilities(voices=LIVE_API_VOICES, languages=("en-US", "en-GB"))
PCM = b"\x01\x00\x02\x00\x03\x00\x04\x00"


def make_session(speech: SpeechCapabilities | None = ALL_SPEECH) -> Session:
    table = ModelTable({MODEL: FakeLLM()})
    return Session(table.resolve, session_id="voice-1", speech=speech)


def feed(session: Session, message: dict[str, Any]) -> list[Action]:
    return session.receive(parse_client_message(json.dumps(message)))


def setup_message(
    modality: str = "AUDIO",
    voice: str | None = None,
    language: str | None = None,
    detection: dict[str, Any] | None = None,
    handling: str | None = None,
    coverage: str | None = None,
    input_transcription: bool = False,
    output_transcription: bool = False,
) -> dict[str, Any]:
    """A setup as the Python SDK writes it (snake_case at the top, camelCase inside is fine too)."""
    config: dict[str, Any] = {"response_modalities": [modality]}
    speech: dict[str, Any] = {}
    if voice is not None:
        speech["voice_config"] = {"prebuilt_voice_config": {"voice_name": voice}}
    if language is not None:
        speech["language_code"] = language
    if speech:
        config["speech_config"] = speech
    body: dict[str, Any] = {"model": f"models/{MODEL}", "generation_config": config}
    realtime: dict[str, Any] = {}
    if detection is not None:
        realtime["automatic_activity_detection"] = detection
    if handling is not None:
        realtime["activity_handling"] = handling
    if coverage is not None:
        realtime["turn_coverage"] = coverage
    if realtime:
        body["realtime_input_config"] = realtime
    if input_transcription:
        body["input_audio_transcription"] = {}
    if output_transcription:
        body["output_audio_transcription"] = {}
    return {"setup": body}


def active(speech: SpeechCapabilities | None = ALL_SPEECH, **setup: Any) -> Session:
    session = make_session(speech)
    actions = feed(session, setup_message(**setup))
    assert actions == [Send({"setupComplete": {"sessionId": "voice-1"}})]
    assert session.state is State.ACTIVE
    return session


def refusal(speech: SpeechCapabilities | None = ALL_SPEECH, **setup: Any) -> InvalidArgument:
    session = make_session(speech)
    with pytest.raises(InvalidArgument) as error:
        feed(session, setup_message(**setup))
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    assert session.state is State.AWAITING_SETUP
    return error.value


def audio_message(
    data: bytes = PCM, mime: str = "audio/pcm;rate=16000", field: str = "audio"
) -> dict[str, Any]:
    blob = {"data": base64.b64encode(data).decode(), "mimeType": mime}
    if field == "media_chunks":
        return {"realtime_input": {"media_chunks": [blob]}}
    return {"realtime_input": {field: blob}}


def sent(actions: list[Action]) -> list[dict[str, Any]]:
    return [a.message for a in actions if isinstance(a, Send)]


def only_generation(actions: list[Action]) -> StartGeneration:
    starts = [a for a in actions if isinstance(a, StartGeneration)]
    assert len(starts) == 1, actions
    return starts[0]


def chat(*pairs: tuple[str, str], spoken: bool = True) -> tuple[ChatMessage, ...]:
    """The prompt a session sends; without a system instruction of the client's, the default one."""
    if not pairs or pairs[0][0] != "system":
        pairs = (("system", system_text(None, CAPABLE, spoken)), *pairs)
    return tuple(ChatMessage(role=role, content=text) for role, text in pairs)  # type: ignore[arg-type]


def audio_part(pcm: bytes) -> dict[str, Any]:
    return {
        "serverContent": {
            "modelTurn": {
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "audio/pcm;rate=24000",
                            "data": base64.b64encode(pcm).decode(),
                        }
                    }
                ]
            }
        }
    }


INTERRUPTED = {"serverContent": {"interrupted": True}}
TURN_COMPLETE = {"serverContent": {"turnComplete": True}}
GENERATION_COMPLETE = {"serverContent": {"generationComplete": True}}


# -- setup --------------------------------------------------------------------------------------


def test_audio_setup_takes_the_default_voice_and_language() -> None:
    session = active()
    assert session.voice == Voice("Puck", "en-US")
    generation = only_generation(session.speech_transcribed("hello", 1.0))
    assert generation.voice == Voice("Puck", "en-US")


@pytest.mark.parametrize("voice", LIVE_API_VOICES)
def test_every_documented_voice_is_accepted(voice: str) -> None:
    assert active(voice=voice).voice == Voice(voice, "en-US")


def test_setup_in_camel_case_names_the_voice_and_language_too() -> None:
    session = make_session()
    feed(
        session,
        {
            "setup": {
                "model": MODEL,
                "generationConfig": {
                    "responseModalities": ["AUDIO"],
                    "speechConfig": {
                        "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}},
                        "languageCode": "de-DE",
                    },
                },
            }
        },
    )
    assert session.voice == Voice("Kore", "de-DE")


def test_a_text_session_has_no_voice() -> None:
    session = active(modality="TEXT", voice="Kore")
    assert session.voice is None
    assert only_generation(session.speech_transcribed("hello", 1.0)).voice is None


def test_unknown_voice_is_refused_naming_the_voices() -> None:
    error = refusal(voice="Bogus")
    assert "voiceName 'Bogus' is unknown" in error.reason
    for voice in LIVE_API_VOICES:
        assert voice in error.reason


def test_voice_names_are_checked_against_the_engine_voices() -> None:
    error = refusal(SpeechCapabilities(voices=("Puck", "Zephyr"), languages=("en-US",)), voice="Kore")
    assert error.reason.endswith("voiceName 'Kore' is unknown; use Puck or Zephyr")


def test_the_reason_for_a_server_with_one_voice_reads_well() -> None:
    error = refusal(SpeechCapabilities(voices=("Puck",), languages=("en-US",)), voice="Kore")
    assert error.reason.endswith("voiceName 'Kore' is unknown; use Puck")


@pytest.mark.parametrize("code", ["xx-XX", "en", "english", "de_DE "])
def test_unknown_language_code_is_refused(code: str) -> None:
    error = refusal(language=code)
    assert "languageCode" in error.reason and "not a supported language code" in error.reason


@pytest.mark.parametrize("code", LIVE_API_LANGUAGES)
def test_every_documented_language_is_accepted_when_the_engines_speak_it(code: str) -> None:
    assert active(language=code).voice == Voice("Puck", code)


def test_documented_language_the_engines_cannot_speak_is_refused_for_audio() -> None:
    error = refusal(ENGLISH_ONLY, language="de-DE")
    assert "languageCode de-DE: this server cannot speak it" in error.reason
    # A text session does not speak, so it may name the language.
    assert active(ENGLISH_ONLY, modality="TEXT", language="de-DE").voice is None


@pytest.mark.parametrize(
    ("name", "value"),
    [("prefix_padding_ms", 10_001), ("prefix_padding_ms", -1), ("silence_duration_ms", 20_000)],
)
def test_detection_durations_out_of_range_are_refused(name: str, value: int) -> None:
    error = refusal(detection={name: value})
    field = "prefixPaddingMs" if name == "prefix_padding_ms" else "silenceDurationMs"
    assert f"automaticActivityDetection.{field} must be 0-10000, not {value}" in error.reason


@pytest.mark.parametrize("value", [0, 20, 10_000])
def test_detection_durations_in_range_are_accepted(value: int) -> None:
    session = active(detection={"prefix_padding_ms": value, "silence_duration_ms": value})
    assert session.setup is not None
    assert session.setup.activity.prefix_padding_ms == value
    assert session.setup.activity.silence_duration_ms == value


def test_documented_detection_settings_are_kept() -> None:
    session = active(
        detection={
            "disabled": False,
            "start_of_speech_sensitivity": "START_SENSITIVITY_LOW",
            "end_of_speech_sensitivity": "END_SENSITIVITY_LOW",
            "prefix_padding_ms": 20,
            "silence_duration_ms": 100,
        },
        handling="NO_INTERRUPTION",
        coverage="TURN_INCLUDES_ALL_INPUT",
    )
    assert session.setup is not None
    activity = session.setup.activity
    assert activity.start_sensitivity == "START_SENSITIVITY_LOW"
    assert activity.end_sensitivity == "END_SENSITIVITY_LOW"
    assert (activity.disabled, activity.interrupts, activity.all_input) == (False, False, True)


# -- realtime audio -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mime", "rate"),
    [
        ("audio/pcm;rate=16000", 16_000),
        ("audio/pcm;rate=44100", 44_100),
        ("audio/pcm;rate=8000", 8_000),
        ("audio/pcm", 16_000),
        ("audio/L16;rate=24000", 24_000),
        ("AUDIO/PCM; rate=48000", 48_000),
    ],
)
def test_realtime_audio_is_fed_with_its_rate(mime: str, rate: int) -> None:
    session = active()
    assert feed(session, audio_message(PCM, mime)) == [FeedAudio(data=PCM, rate=rate)]


def test_media_chunks_are_fed_like_audio_in_order() -> None:
    session = active()
    message = {
        "realtime_input": {
            "media_chunks": [
                {"data": base64.b64encode(b"\x01\x00").decode(), "mime_type": "audio/pcm;rate=16000"},
                {"data": base64.b64encode(b"\x02\x00").decode(), "mime_type": "audio/pcm;rate=8000"},
            ]
        }
    }
    assert feed(session, message) == [FeedAudio(b"\x01\x00", 16_000), FeedAudio(b"\x02\x00", 8_000)]


def test_audio_is_accepted_in_a_text_session() -> None:
    session = active(modality="TEXT")
    assert feed(session, audio_message()) == [FeedAudio(PCM, 16_000)]


@pytest.mark.parametrize("mime", ["audio/wav", "audio/mpeg", "text/plain", "application/octet-stream", ""])
def test_a_mime_type_that_is_not_pcm_is_refused(mime: str) -> None:
    session = active()
    with pytest.raises(InvalidArgument, match=r"realtimeInput\.audio\.mimeType .* is not supported") as error:
        feed(session, audio_message(PCM, mime))
    assert not isinstance(error.value, NotSupportedYet)
    assert "audio/pcm;rate=16000" in error.value.reason


@pytest.mark.parametrize("mime", ["audio/pcm;rate=1000", "audio/pcm;rate=500000"])
def test_a_rate_out_of_range_is_refused(mime: str) -> None:
    session = active()
    with pytest.raises(InvalidArgument, match="out of range"):
        feed(session, audio_message(PCM, mime))


@pytest.mark.parametrize(
    ("mime", "reason"),
    [
        ("audio/pcm;rate=abc", "rate 'abc' is not a whole number of Hz"),
        ("audio/pcm;rate=-16000", "rate '-16000' is not a whole number of Hz"),
        ("audio/pcm;rate=16000.5", "rate '16000.5' is not a whole number of Hz"),
        ("audio/pcm;rate=8k", "rate '8k' is not a whole number of Hz"),
        ("audio/pcm;rate=", "rate '' is not a whole number of Hz"),
        ("audio/pcm;rate=\uff11\uff16\uff10\uff10\uff10", "is not a whole number of Hz"),
        ("audio/pcm;rate=\u0663\u0663\u0663\u0663\u0663", "is not a whole number of Hz"),
        ("audio/pcm;rate=" + "9" * 50, "is out of range 4000-192000 Hz"),
        ("audio/pcm;rate=" + "9" * 4400, "is over 100 characters"),
        ("audio/pcm;rate=16000;channels=2", "only the rate parameter is supported"),
        ("audio/pcm;channels=2", "only the rate parameter is supported"),
        ("audio/pcm;encoding=float32", "only the rate parameter is supported"),
        ("audio/pcm;rate=16000;rate=8000", "only the rate parameter is supported"),
        ("audio/pcm;rate=16000;", "only the rate parameter is supported"),
        ("audio/pcmx;rate=16000", "is not supported"),
        ("audio/pcm/x", "is not supported"),
    ],
)
def test_a_malformed_audio_mime_type_is_refused_naming_the_field(mime: str, reason: str) -> None:
    session = active()
    with pytest.raises(InvalidArgument) as error:
        feed(session, audio_message(PCM, mime))
    assert error.value.reason.startswith("realtimeInput.audio.mimeType ")
    assert reason in error.value.reason
    assert not isinstance(error.value, NotSupportedYet)


@pytest.mark.parametrize(
    ("mime", "reason"),
    [
        ("image/jpeg", ".data is not a readable JPEG image"),
        ("image/png", ".data is not a PNG image"),
        ("video/mp4", ".mimeType 'video/mp4' is not"),
    ],
)
@pytest.mark.parametrize(("field", "path"), [("media_chunks", "mediaChunks[0]"), ("video", "video")])
def test_video_input_that_is_no_image_is_refused_naming_the_field(
    mime: str, reason: str, field: str, path: str
) -> None:
    session = active()
    with pytest.raises(InvalidArgument) as error:
        feed(session, audio_message(b"\xff\xd8\xff", mime, field=field))
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    assert error.value.reason.startswith(f"realtimeInput.{path}")
    assert reason in error.value.reason
    assert not isinstance(error.value, NotSupportedYet)


@pytest.mark.parametrize("size", [1, 3, 32_001])
def test_an_odd_byte_count_is_refused(size: int) -> None:
    session = active()
    with pytest.raises(InvalidArgument, match=f"realtimeInput.audio.data has {size} bytes") as error:
        feed(session, audio_message(b"\x00" * size))
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT


def test_audio_is_refused_without_speech_engines() -> None:
    session = active(None, modality="TEXT")
    with pytest.raises(InvalidArgument, match="no speech engines"):
        feed(session, audio_message())


@pytest.mark.parametrize("marker", ["activity_start", "activity_end"])
def test_activity_markers_need_automatic_detection_disabled(marker: str) -> None:
    session = active()
    with pytest.raises(InvalidArgument, match="automaticActivityDetection.disabled is true") as error:
        feed(session, {"realtime_input": {marker: {}}})
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT


def test_activity_markers_with_detection_disabled_mark_activity() -> None:
    session = active(detection={"disabled": True})
    assert feed(session, {"realtime_input": {"activity_start": {}}}) == [MarkActivity(start=True)]
    assert feed(session, audio_message()) == [FeedAudio(PCM, 16_000)]
    assert feed(session, {"realtime_input": {"activity_end": {}}}) == [MarkActivity(start=False)]


def test_markers_and_audio_in_one_message_keep_their_order() -> None:
    session = active(detection={"disabled": True})
    message = audio_message()
    message["realtime_input"]["activityStart"] = {}
    message["realtime_input"]["activityEnd"] = {}
    assert feed(session, message) == [MarkActivity(True), FeedAudio(PCM, 16_000), MarkActivity(False)]


@pytest.mark.parametrize("disabled", [False, True])
def test_audio_stream_end_ends_the_audio_stream(disabled: bool) -> None:
    session = active(detection={"disabled": disabled})
    assert feed(session, {"realtime_input": {"audio_stream_end": True}}) == [EndAudioStream()]
    assert feed(session, {"realtime_input": {"audio_stream_end": False}}) == []


# -- speech events ------------------------------------------------------------------------------


def test_speech_transcribed_starts_a_spoken_reply() -> None:
    session = active()
    actions = session.speech_transcribed("  What time is it?  ", 1.5)
    generation = only_generation(actions)
    assert actions == [generation]  # no inputTranscription unless asked for
    assert generation.messages == chat(("user", "What time is it?"))
    assert generation.voice == Voice("Puck", "en-US")
    assert session.generating


def test_input_transcription_is_sent_when_configured() -> None:
    session = active(input_transcription=True)
    actions = session.speech_transcribed("hello there ", 1.0)
    assert sent(actions) == [
        {"serverContent": {"inputTranscription": {"text": "hello there", "finished": True}}}
    ]
    assert isinstance(actions[0], Send) and isinstance(actions[1], StartGeneration)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_transcript_is_no_turn(text: str) -> None:
    session = active(input_transcription=True)
    assert session.speech_transcribed(text, 0.5) == []
    assert not session.generating
    assert len(session.history) == 0


@pytest.mark.parametrize("transcription", [True, False])
def test_a_backchannel_during_a_reply_is_no_turn(transcription: bool) -> None:
    session = active(input_transcription=transcription)
    only_generation(session.speech_transcribed("tell me a story", 1.0))
    history = list(session.history)
    actions = session.backchannel_heard(" Mhm. ", 0.4)
    expected = [{"serverContent": {"inputTranscription": {"text": "Mhm.", "finished": True}}}]
    assert sent(actions) == (expected if transcription else [])
    assert len(actions) == len(sent(actions))  # nothing but the transcription: no reply, no cancel
    assert session.generating and list(session.history) == history


def test_noise_during_a_reply_sends_nothing() -> None:
    session = active(input_transcription=True)
    only_generation(session.speech_transcribed("tell me a story", 1.0))
    assert session.backchannel_heard("", 0.2) == []


def test_speech_started_with_no_reply_does_nothing() -> None:
    session = active()
    assert session.speech_started() == []


def test_speech_events_after_close_are_ignored() -> None:
    session = active(input_transcription=True)
    session.close()
    assert session.speech_transcribed("hello", 1.0) == []


# -- spoken replies -----------------------------------------------------------------------------


def test_generation_audio_sends_pcm_at_24_khz() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    assert session.generation_audio(generation.turn_id, PCM, "Hello. ") == [Send(audio_part(PCM))]
    assert session.generation_audio(generation.turn_id, b"\x05\x00", None) == [Send(audio_part(b"\x05\x00"))]


def test_output_transcription_is_sent_before_the_clause_audio_when_configured() -> None:
    session = active(output_transcription=True)
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    actions = session.generation_audio(generation.turn_id, PCM, "Hello there. ")
    assert sent(actions) == [
        {"serverContent": {"outputTranscription": {"text": "Hello there. "}}},
        audio_part(PCM),
    ]
    # The clause's later chunks carry no text.
    assert sent(session.generation_audio(generation.turn_id, PCM, None)) == [audio_part(PCM)]
    # A clause with no sound still has its transcription, and no empty audio part.
    assert sent(session.generation_audio(generation.turn_id, b"", "... ")) == [
        {"serverContent": {"outputTranscription": {"text": "... "}}}
    ]


def test_no_output_transcription_unless_configured() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    assert session.generation_audio(generation.turn_id, b"", "... ") == []


def test_a_spoken_reply_joins_the_history_as_its_clauses() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    session.generation_audio(generation.turn_id, PCM, "Hello there. ")
    session.generation_audio(generation.turn_id, PCM, None)
    session.generation_audio(generation.turn_id, PCM, "Bye.")
    session.generation_done(generation.turn_id, GenerationStats(prompt_tokens=3, response_tokens=4), 1.0)
    assert list(session.history) == [Turn("user", "hi"), Turn("model", "Hello there. Bye.")]


def test_usage_counts_audio_tokens_at_32_per_second() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hello", 2.0))
    session.generation_audio(generation.turn_id, PCM, "Hi.")
    actions = session.generation_done(
        generation.turn_id, GenerationStats(prompt_tokens=5, response_tokens=3), audio_out_s=1.5
    )
    assert sent(actions) == [
        GENERATION_COMPLETE,
        {
            "serverContent": {"turnComplete": True},
            "usageMetadata": {
                "promptTokenCount": 5 + 64,
                "responseTokenCount": 48,
                "totalTokenCount": 5 + 64 + 48,
                "promptTokensDetails": [
                    {"modality": "AUDIO", "tokenCount": 64},
                    {"modality": "TEXT", "tokenCount": 5},
                ],
                "responseTokensDetails": [{"modality": "AUDIO", "tokenCount": 48}],
            },
        },
    ]


def test_usage_counts_every_utterance_since_the_last_reply_once() -> None:
    session = active(handling="NO_INTERRUPTION")
    first = only_generation(session.speech_transcribed("one", 1.0))
    session.speech_transcribed("two", 0.5)  # deferred, heard during the reply
    session.speech_transcribed("three", 0.25)
    first_done = session.generation_done(first.turn_id, GenerationStats(prompt_tokens=2), 1.0)
    first_usage = sent(first_done)[-1]["usageMetadata"]
    assert {"modality": "AUDIO", "tokenCount": 32} in first_usage["promptTokensDetails"]
    second = only_generation(first_done)
    second_done = session.generation_done(second.turn_id, GenerationStats(prompt_tokens=2), 0.0)
    second_usage = sent(second_done)[-1]["usageMetadata"]
    assert {"modality": "AUDIO", "tokenCount": 24} in second_usage["promptTokensDetails"]
    assert second_usage["responseTokensDetails"] == []


def test_audio_input_with_text_replies_counts_audio_in_and_text_out() -> None:
    session = active(modality="TEXT")
    generation = only_generation(session.speech_transcribed("hello", 1.0))
    assert sent(session.generation_text(generation.turn_id, "Hi")) == [
        {"serverContent": {"modelTurn": {"parts": [{"text": "Hi"}]}}}
    ]
    actions = session.generation_done(generation.turn_id, GenerationStats(prompt_tokens=4, response_tokens=1))
    usage = sent(actions)[-1]["usageMetadata"]
    assert usage["promptTokensDetails"] == [
        {"modality": "AUDIO", "tokenCount": 32},
        {"modality": "TEXT", "tokenCount": 4},
    ]
    assert usage["responseTokensDetails"] == [{"modality": "TEXT", "tokenCount": 1}]


# -- interruption -------------------------------------------------------------------------------


def test_speech_started_during_a_reply_interrupts_it() -> None:
    session = active(output_transcription=True)
    generation = only_generation(session.speech_transcribed("tell me a story", 2.0))
    session.generation_audio(generation.turn_id, PCM, "Once upon a time, ")
    session.generation_audio(generation.turn_id, PCM, None)

    actions = session.speech_started()
    assert actions == [CancelGeneration(generation.turn_id), Send(INTERRUPTED), Send(TURN_COMPLETE)]
    assert GENERATION_COMPLETE not in sent(actions)
    assert not session.generating

    # Whatever the cancelled generation still produces is dropped.
    assert session.generation_audio(generation.turn_id, PCM, "there was a king. ") == []
    assert session.generation_done(generation.turn_id, GenerationStats(), 3.0) == []

    # Only what was sent stays in the history, and the next turn sees it.
    assert list(session.history) == [Turn("user", "tell me a story"), Turn("model", "Once upon a time, ")]
    following = only_generation(session.speech_transcribed("stop", 0.5))
    assert following.turn_id != generation.turn_id
    assert following.messages == chat(
        ("user", "tell me a story"), ("assistant", "Once upon a time, "), ("user", "stop")
    )


def test_interrupting_a_reply_that_sent_nothing_keeps_no_model_turn() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    assert session.speech_started() == [
        CancelGeneration(generation.turn_id),
        Send(INTERRUPTED),
        Send(TURN_COMPLETE),
    ]
    assert list(session.history) == [Turn("user", "hi")]


def test_activity_start_during_a_reply_interrupts_it() -> None:
    session = active(detection={"disabled": True})
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    session.generation_audio(generation.turn_id, PCM, "Hello. ")
    actions = feed(session, {"realtime_input": {"activity_start": {}}})
    assert actions == [
        MarkActivity(True),
        CancelGeneration(generation.turn_id),
        Send(INTERRUPTED),
        Send(TURN_COMPLETE),
    ]


def test_no_interruption_lets_the_reply_play_out() -> None:
    session = active(handling="NO_INTERRUPTION", input_transcription=True)
    generation = only_generation(session.speech_transcribed("first question", 1.0))
    session.generation_audio(generation.turn_id, PCM, "First answer. ")

    assert session.speech_started() == []
    assert session.generating
    # The transcript arriving mid-reply is shown, but waits for the reply to end.
    actions = session.speech_transcribed("second question", 1.0)
    assert sent(actions) == [
        {"serverContent": {"inputTranscription": {"text": "second question", "finished": True}}}
    ]
    assert all(isinstance(a, Send) for a in actions)
    assert list(session.history) == [Turn("user", "first question")]

    session.generation_audio(generation.turn_id, PCM, "Still answering.")
    actions = session.generation_done(generation.turn_id, GenerationStats(prompt_tokens=3), 1.0)
    assert [type(a) for a in actions] == [Send, Send, StartGeneration]
    assert sent(actions)[0] == GENERATION_COMPLETE
    assert sent(actions)[1]["serverContent"] == {"turnComplete": True}
    following = only_generation(actions)
    assert following.messages == chat(
        ("user", "first question"),
        ("assistant", "First answer. Still answering."),
        ("user", "second question"),
    )
    assert following.voice == Voice("Puck", "en-US")


def test_no_interruption_with_manual_activity_only_marks_it() -> None:
    session = active(detection={"disabled": True}, handling="NO_INTERRUPTION")
    only_generation(session.speech_transcribed("hi", 1.0))
    assert feed(session, {"realtime_input": {"activity_start": {}}}) == [MarkActivity(True)]
    assert session.generating


def test_a_transcript_mid_reply_supersedes_it_by_default() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("first", 1.0))
    session.generation_audio(generation.turn_id, PCM, "Answer. ")
    # (Normally speech_started has interrupted already; a transcript alone does too.)
    actions = session.speech_transcribed("second", 1.0)
    assert actions[:3] == [CancelGeneration(generation.turn_id), Send(INTERRUPTED), Send(TURN_COMPLETE)]
    assert only_generation(actions).messages == chat(
        ("user", "first"), ("assistant", "Answer. "), ("user", "second")
    )


def test_close_cancels_a_spoken_reply() -> None:
    session = active()
    generation = only_generation(session.speech_transcribed("hi", 1.0))
    assert session.close() == [CancelGeneration(generation.turn_id)]
    assert session.generation_audio(generation.turn_id, PCM, "late") == []


# -- previewing the reply to a tentative transcript ---------------------------------------------


def test_preview_reply_is_the_reply_the_transcript_starts_and_changes_nothing() -> None:
    session = make_session()
    feed(session, setup_message(input_transcription=True))
    turn = {"role": "user", "parts": [{"text": "hi"}]}
    feed(session, {"client_content": {"turns": [turn], "turn_complete": True}})
    session.generation_text(1, "hello")
    assert session.generation_done(1, GenerationStats())
    assert not session.generating
    history = list(session.history)
    assert len(history) == 2

    preview = session.preview_reply("what time is it", 1.5)
    assert preview is not None
    # The session is as it was: same history, nothing generating, turn ids not used up.
    assert list(session.history) == history
    assert not session.generating
    actions = session.speech_transcribed("what time is it", 1.5)
    started = [a for a in actions if isinstance(a, StartGeneration)]
    assert len(started) == 1
    assert started[0].turn_id == 2
    assert preview == StartGeneration(
        turn_id=preview.turn_id,
        model=started[0].model,
        messages=started[0].messages,
        params=started[0].params,
        voice=started[0].voice,
    )
    assert preview.turn_id != started[0].turn_id
    assert started[0].messages[-1] == ChatMessage("user", "what time is it")


@pytest.mark.parametrize("text", ["", "   "])
def test_preview_reply_of_nothing_heard_is_none(text: str) -> None:
    session = make_session()
    feed(session, setup_message())
    assert session.preview_reply(text, 1.0) is None


def test_preview_reply_is_none_while_a_reply_is_being_made() -> None:
    session = make_session()
    feed(session, setup_message(handling="NO_INTERRUPTION"))
    session.speech_transcribed("first", 1.0)
    assert session.generating
    assert session.preview_reply("second", 1.0) is None


def test_preview_reply_is_none_before_setup_and_after_close() -> None:
    session = make_session()
    assert session.preview_reply("hello", 1.0) is None
    feed(session, setup_message())
    session.close()
    assert session.preview_reply("hello", 1.0) is None
