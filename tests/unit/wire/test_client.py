"""Parsing whole client frames with ``parse_client_message``."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from openlive.errors import CLOSE_INVALID_ARGUMENT, InvalidArgument, NotSupportedYet
from openlive.wire import (
    ClientContent,
    Content,
    Part,
    RealtimeInput,
    Setup,
    parse_client_message,
)

MODEL = "models/gemini-2.0-flash-live-001"

# Frames exactly as google-genai 3.6.1 writes them (captured from its converters):
# the top-level kind in snake_case, the body in camelCase, topK as a float, the
# system instruction with role "user", and bytes in URL-safe base64.
SDK_SETUP = (
    '{"setup": {"model": "models/gemini-2.0-flash-live-001", "generationConfig": '
    '{"responseModalities": ["TEXT"], "temperature": 0.2, "topK": 3.0, "maxOutputTokens": 50, '
    '"seed": 7}, "systemInstruction": {"parts": [{"text": "Be brief."}], "role": "user"}}}'
)
SDK_CLIENT_CONTENT = (
    '{"client_content": {"turns": [{"parts": [{"text": "hi", "thoughtSignature": "__4="}], '
    '"role": "user"}], "turnComplete": true}}'
)
SDK_REALTIME_INPUT = '{"realtime_input": {"text": "hello"}}'


def parse(message: Any) -> Any:
    return parse_client_message(json.dumps(message))


def refusal(frame: str | bytes) -> InvalidArgument:
    with pytest.raises(InvalidArgument) as error:
        parse_client_message(frame)
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    return error.value


# -- frames the SDKs send --------------------------------------------------------------


def test_python_sdk_setup_frame() -> None:
    setup = parse_client_message(SDK_SETUP)
    assert isinstance(setup, Setup)
    assert setup.model == MODEL
    config = setup.generation_config
    assert config.response_modalities == ("TEXT",)
    assert (config.temperature, config.top_k, config.max_output_tokens, config.seed) == (0.2, 3, 50, 7)
    assert type(config.top_k) is int
    assert setup.system_instruction == Content(
        role="user", parts=(Part(text="Be brief.", raw={"text": "Be brief."}),)
    )
    assert setup.system_instruction.text == "Be brief."


def test_python_sdk_client_content_frame_with_urlsafe_bytes() -> None:
    content = parse_client_message(SDK_CLIENT_CONTENT)
    assert isinstance(content, ClientContent)
    assert content.turn_complete is True
    (turn,) = content.turns
    assert turn.role == "user" and turn.text == "hi"
    assert turn.parts[0].raw["thoughtSignature"] == b"\xff\xfe"


def test_python_sdk_realtime_text_frame() -> None:
    assert parse_client_message(SDK_REALTIME_INPUT) == RealtimeInput(text="hello", raw={"text": "hello"})


# -- both spellings at every level ---------------------------------------------------------


def test_setup_in_snake_case_at_every_level() -> None:
    setup = parse(
        {
            "setup": {
                "model": MODEL,
                "generation_config": {
                    "response_modalities": ["TEXT"],
                    "max_output_tokens": 20,
                    "top_k": 3.0,
                    "top_p": 0.9,
                    "presence_penalty": 0.1,
                    "frequency_penalty": 0.2,
                    "candidate_count": 1,
                    "thinking_config": {"include_thoughts": False, "thinking_budget": 0},
                },
                "system_instruction": {"parts": [{"text": "You are "}, {"text": "terse."}]},
            }
        }
    )
    config = setup.generation_config
    assert config.response_modalities == ("TEXT",)
    assert (config.max_output_tokens, config.top_k, config.top_p) == (20, 3, 0.9)
    assert (config.presence_penalty, config.frequency_penalty, config.candidate_count) == (0.1, 0.2, 1)
    assert setup.raw["generationConfig"]["thinkingConfig"] == {"includeThoughts": False, "thinkingBudget": 0}
    assert setup.system_instruction is not None
    assert setup.system_instruction.role == "system"  # the default when none is given
    assert setup.system_instruction.text == "You are terse."


def test_setup_in_camel_case_gives_the_same_result_as_snake_case() -> None:
    camel = parse(
        {
            "setup": {
                "model": MODEL,
                "generationConfig": {"responseModalities": ["TEXT"], "maxOutputTokens": 20, "topK": 3},
                "systemInstruction": {"parts": [{"text": "x"}]},
            }
        }
    )
    snake = parse(
        {
            "setup": {
                "model": MODEL,
                "generation_config": {"response_modalities": ["TEXT"], "max_output_tokens": 20, "top_k": 3.0},
                "system_instruction": {"parts": [{"text": "x"}]},
            }
        }
    )
    assert camel == snake


@pytest.mark.parametrize("kind", ["clientContent", "client_content"])
@pytest.mark.parametrize("flag", ["turnComplete", "turn_complete"])
def test_client_content_in_either_spelling(kind: str, flag: str) -> None:
    content = parse({kind: {"turns": [{"role": "model", "parts": [{"text": "Paris"}]}], flag: True}})
    assert content == ClientContent(
        turns=(Content(role="model", parts=(Part(text="Paris", raw={"text": "Paris"}),)),),
        turn_complete=True,
    )


def test_client_content_defaults() -> None:
    content = parse({"clientContent": {"turns": [{"parts": [{"text": "hi"}]}]}})
    assert content.turn_complete is False
    assert content.turns[0].role == "user"
    assert parse({"clientContent": {}}) == ClientContent(turns=(), turn_complete=False)


def test_thought_parts_are_kept_but_not_in_the_turn_text() -> None:
    content = parse(
        {"clientContent": {"turns": [{"parts": [{"text": "hmm", "thought": True}, {"text": "Hello"}]}]}}
    )
    (turn,) = content.turns
    assert turn.parts[0].thought is True
    assert turn.text == "Hello"


@pytest.mark.parametrize("kind", ["realtimeInput", "realtime_input"])
def test_realtime_input_text_in_either_spelling(kind: str) -> None:
    assert parse({kind: {"text": "hello"}}).text == "hello"


def test_realtime_input_without_text() -> None:
    assert parse({"realtimeInput": {}}) == RealtimeInput(text=None, raw={})


# -- bytes, enums, nulls --------------------------------------------------------------------

SIGNATURE = bytes([0xFB, 0xFF, 0xBF, 0x3E, 0x00])


@pytest.mark.parametrize(
    "encoded",
    [
        base64.b64encode(SIGNATURE).decode(),
        base64.b64encode(SIGNATURE).decode().rstrip("="),
        base64.urlsafe_b64encode(SIGNATURE).decode(),
        base64.urlsafe_b64encode(SIGNATURE).decode().rstrip("="),
    ],
    ids=["standard-padded", "standard-unpadded", "urlsafe-padded", "urlsafe-unpadded"],
)
@pytest.mark.parametrize("field", ["thoughtSignature", "thought_signature"])
def test_bytes_field_in_both_alphabets(encoded: str, field: str) -> None:
    content = parse({"clientContent": {"turns": [{"parts": [{"text": "x", field: encoded}]}]}})
    assert content.turns[0].parts[0].raw == {"text": "x", "thoughtSignature": SIGNATURE}


def test_bad_base64_in_a_bytes_field_is_refused_with_its_path() -> None:
    error = refusal(json.dumps({"clientContent": {"turns": [{"parts": [{"thoughtSignature": "a$b"}]}]}}))
    assert error.reason == "clientContent.turns[0].parts[0].thoughtSignature is not valid base64"


@pytest.mark.parametrize("modality", ["TEXT", 1])
def test_response_modality_by_name_or_number(modality: object) -> None:
    setup = parse({"setup": {"model": MODEL, "generationConfig": {"responseModalities": [modality]}}})
    assert setup.generation_config.response_modalities == ("TEXT",)


@pytest.mark.parametrize("resolution", ["MEDIA_RESOLUTION_MEDIUM", 2])
def test_nested_enum_by_name_or_number(resolution: object) -> None:
    setup = parse({"setup": {"model": MODEL, "generation_config": {"media_resolution": resolution}}})
    assert setup.raw["generationConfig"]["mediaResolution"] == "MEDIA_RESOLUTION_MEDIUM"


def test_no_modality_means_audio_as_in_the_live_api() -> None:
    assert parse({"setup": {"model": MODEL}}).generation_config.response_modalities == ("AUDIO",)
    unspecified = parse({"setup": {"model": MODEL, "generationConfig": {"responseModalities": [0]}}})
    assert unspecified.generation_config.response_modalities == ("AUDIO",)


def test_unknown_enum_value_is_refused() -> None:
    error = refusal(
        json.dumps({"setup": {"model": MODEL, "generationConfig": {"responseModalities": ["VIDEO"]}}})
    )
    assert error.reason.startswith(
        "setup.generationConfig.responseModalities[0] must be one of TEXT, IMAGE, AUDIO"
    )


@pytest.mark.parametrize("level", ["LOW", "HIGH", "MINIMAL"])
def test_a_thinking_level_the_sdks_know_is_accepted(level: str) -> None:
    setup = parse(
        {"setup": {"model": MODEL, "generationConfig": {"thinkingConfig": {"thinkingLevel": level}}}}
    )
    assert setup.raw["generationConfig"]["thinkingConfig"]["thinkingLevel"] == level


def test_an_unknown_thinking_level_is_refused() -> None:
    config = {"thinkingConfig": {"thinkingLevel": "x" * 1000}}
    error = refusal(json.dumps({"setup": {"model": MODEL, "generationConfig": config}}))
    assert error.reason.startswith(
        "setup.generationConfig.thinkingConfig.thinkingLevel must be one of MINIMAL"
    )
    assert len(error.reason) < 300  # the value is cut in the reason


def test_null_fields_are_dropped_at_every_level() -> None:
    setup = parse(
        {
            "setup": {
                "model": MODEL,
                "generationConfig": {
                    "responseModalities": ["TEXT"],
                    "temperature": None,
                    "speechConfig": None,
                },
                "systemInstruction": None,
                "tools": None,
                "realtime_input_config": None,
            },
            "clientContent": None,
        }
    )
    assert setup.raw == {"model": MODEL, "generationConfig": {"responseModalities": ["TEXT"]}}
    assert setup.system_instruction is None
    assert setup.generation_config.temperature is None


# -- frames that are not one JSON message -----------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b'{"setup": {"model": "models/gemini-2.0-flash-live-001"}}',
        bytearray(b'{"setup": {"model": "models/gemini-2.0-flash-live-001"}}'),
        memoryview(b'{"setup": {"model": "models/gemini-2.0-flash-live-001"}}'),
    ],
    ids=["bytes", "bytearray", "memoryview"],
)
def test_binary_frames_holding_utf8_json_are_accepted(frame: bytes) -> None:
    assert parse_client_message(frame).model == MODEL


def test_binary_frame_with_non_ascii_utf8_text() -> None:
    frame = json.dumps({"realtimeInput": {"text": "¿Qué tal? 你好"}}, ensure_ascii=False).encode("utf-8")
    assert parse_client_message(frame).text == "¿Qué tal? 你好"


def test_binary_frame_that_is_not_utf8_is_refused() -> None:
    assert refusal(b'{"realtimeInput": {"text": "\xff\xfe"}}').reason == "binary frame is not UTF-8 JSON"


@pytest.mark.parametrize("frame", ["", "{", "setup", "{'setup': {}}", '{"setup": {}} trailing'])
def test_frames_that_are_not_json_are_refused(frame: str) -> None:
    assert refusal(frame).reason == "message is not valid JSON"


def test_an_unclosed_deep_frame_is_refused_for_its_depth() -> None:
    assert refusal("[" * 100_000).reason == "message is nested more than 100 levels deep"


@pytest.mark.parametrize("frame", ["[]", '[{"setup": {}}]', '"setup"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_refused(frame: str) -> None:
    assert refusal(frame).reason == "message must be a JSON object"


@pytest.mark.parametrize(
    ("message", "got"),
    [
        ({}, "got nothing"),
        ({"setup": None}, "got nothing"),
        ({"setup": {"model": MODEL}, "clientContent": {}}, "got clientContent, setup"),
        ({"realtime_input": {"text": "a"}, "client_content": {}}, "got clientContent, realtimeInput"),
    ],
)
def test_a_message_must_hold_exactly_one_kind(message: dict[str, Any], got: str) -> None:
    reason = refusal(json.dumps(message)).reason
    assert reason.startswith("message must hold exactly one of setup, clientContent, realtimeInput")
    assert reason.endswith(got)


@pytest.mark.parametrize(
    "frame",
    [
        '{"clientContent": {}, "client_content": {}}',
        '{"clientContent": {"turnComplete": true, "turn_complete": true}}',
    ],
)
def test_a_field_given_in_both_spellings_is_refused(frame: str) -> None:
    assert "is given twice" in refusal(frame).reason


def test_a_field_given_twice_in_the_same_spelling_is_refused() -> None:
    refusal('{"setup": {"model": "a"}, "setup": {"model": "b"}}')


def test_a_huge_integer_literal_is_refused_as_invalid_argument() -> None:
    refusal('{"setup": {"model": "m", "generationConfig": {"seed": ' + "9" * 5000 + "}}}")


def test_a_float_field_holding_a_huge_integer_is_refused_as_invalid_argument() -> None:
    refusal('{"setup": {"model": "m", "generationConfig": {"temperature": 1' + "0" * 400 + "}}}")


# -- schema refusals through whole frames -------------------------------------------------


@pytest.mark.parametrize(
    ("message", "path"),
    [
        ({"setup": {"model": MODEL, "generationConfig": {"foo": 1}}}, "setup.generationConfig.foo"),
        ({"setup": {"model": MODEL, "generation_config": {"foo_bar": 1}}}, "setup.generationConfig.fooBar"),
        ({"setup": {"model": MODEL, "modle": "x"}}, "setup.modle"),
        ({"setupp": {}}, "setupp"),
        ({"clientContent": {"turns": [{"parts": [{"txt": "hi"}]}]}}, "clientContent.turns[0].parts[0].txt"),
        ({"realtimeInput": {"txt": "hi"}}, "realtimeInput.txt"),
    ],
)
def test_unknown_fields_are_refused_naming_the_full_path(message: dict[str, Any], path: str) -> None:
    error = refusal(json.dumps(message))
    assert type(error) is InvalidArgument
    assert error.reason == f"unknown field {path}"


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"setup": {"model": 5}}, "setup.model must be a string"),
        ({"setup": "gemini"}, "setup must be an object"),
        ({"setup": {"model": MODEL, "generationConfig": {"temperature": "hot"}}}, "must be a number"),
        ({"setup": {"model": MODEL, "generationConfig": {"topK": 2.5}}}, "must be an integer"),
        ({"setup": {"model": MODEL, "generationConfig": {"responseModalities": "TEXT"}}}, "must be a list"),
        ({"clientContent": {"turnComplete": "yes"}}, "clientContent.turnComplete must be true or false"),
        ({"clientContent": {"turns": {"parts": []}}}, "clientContent.turns must be a list"),
        ({"clientContent": {"turns": [{"role": 1}]}}, "clientContent.turns[0].role must be a string"),
        ({"realtimeInput": {"text": ["a"]}}, "realtimeInput.text must be a string"),
    ],
)
def test_wrong_types_are_refused(message: dict[str, Any], reason: str) -> None:
    assert reason in refusal(json.dumps(message)).reason


@pytest.mark.parametrize("setup", [{}, {"model": ""}, {"model": None}, {"generationConfig": {}}])
def test_setup_without_model_is_refused(setup: dict[str, Any]) -> None:
    assert refusal(json.dumps({"setup": setup})).reason == "setup.model is required"


@pytest.mark.parametrize("modalities", [["TEXT", "AUDIO"], ["AUDIO", "TEXT"], [1, 3]])
def test_two_response_modalities_are_refused(modalities: list[object]) -> None:
    error = refusal(
        json.dumps({"setup": {"model": MODEL, "generationConfig": {"responseModalities": modalities}}})
    )
    assert "set exactly one of TEXT or AUDIO" in error.reason


@pytest.mark.parametrize(
    ("message", "path"),
    [
        (
            {
                "clientContent": {
                    "turns": [{"parts": [{"file_data": {"mimeType": "image/png", "fileUri": "gs://x"}}]}]
                }
            },
            "clientContent.turns[0].parts[0].fileData",
        ),
        (
            {"setup": {"model": MODEL, "avatarConfig": {}}},
            "setup.avatarConfig",
        ),
    ],
)
def test_documented_fields_not_served_yet_are_refused_as_not_supported_yet(
    message: dict[str, Any], path: str
) -> None:
    error = refusal(json.dumps(message))
    assert isinstance(error, NotSupportedYet)
    assert error.reason == f"{path} is not supported yet by this openlive server"
    assert "not supported yet" in error.close_reason()


def test_every_refusal_reason_fits_a_close_frame() -> None:
    long_name = "x" * 300
    error = refusal(json.dumps({"setup": {"model": MODEL, "generationConfig": {long_name: 1}}}))
    assert len(error.close_reason().encode("utf-8")) <= 123
    assert error.close_reason().startswith("unknown field setup.generationConfig.xxx")


# -- every setup field the official SDKs send -----------------------------------------

# What google-genai 3.6 and @google/genai 2.32 put into setup for a LiveConnectConfig
# with every field set (their live converters), in the Python SDK's snake_case.
EVERY_SDK_FIELD = {
    "model": MODEL,
    "generation_config": {
        "response_modalities": ["AUDIO"],
        "temperature": 0.7,
        "top_p": 0.9,
        "top_k": 3.0,
        "max_output_tokens": 100,
        "media_resolution": "MEDIA_RESOLUTION_LOW",
        "seed": 7,
        "speech_config": {
            "voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}},
            "language_code": "en-US",
        },
        "thinking_config": {"include_thoughts": False, "thinking_budget": 0, "thinking_level": "LOW"},
        "enable_affective_dialog": True,
        "stop_sequences": ["END"],
        "response_mime_type": "text/plain",
        "response_logprobs": False,
        "logprobs": 0,
        "audio_timestamp": False,
        "routing_config": {"auto_mode": {"model_routing_preference": "BALANCED"}},
        "model_selection_config": {"feature_selection_preference": "BALANCED"},
        "enable_enhanced_civic_answers": False,
        "audio_transcription_config": {"language_codes": ["en-US"]},
        "candidate_count": 1,
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
    },
    "system_instruction": {"parts": [{"text": "Be brief."}], "role": "user"},
    "tools": [{"function_declarations": [{"name": "f", "behavior": "NON_BLOCKING"}]}],
    "session_resumption": {"transparent": True},
    "input_audio_transcription": {"language_codes": ["en-US"], "language_hints": {"language_codes": ["en"]}},
    "output_audio_transcription": {},
    "realtime_input_config": {
        "automatic_activity_detection": {"disabled": False, "silence_duration_ms": 500},
        "activity_handling": "START_OF_ACTIVITY_INTERRUPTS",
        "turn_coverage": "TURN_INCLUDES_ONLY_ACTIVITY",
        "interim_transcript_timestamp_enabled": False,
    },
    "context_window_compression": {"trigger_tokens": 1000, "sliding_window": {"target_tokens": 500}},
    "proactivity": {"proactive_audio": True},
    "history_config": {"initial_history_in_client_content": True},
    "safety_settings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    "labels": {"team": "voice"},
}


def test_every_setup_field_the_sdks_send_is_accepted() -> None:
    setup = parse_client_message(json.dumps({"setup": EVERY_SDK_FIELD}))
    assert isinstance(setup, Setup)
    assert setup.initial_history is True
    assert setup.speech.voice_name == "Kore"
    assert setup.generation_config.response_modalities == ("AUDIO",)
    assert setup.activity.silence_duration_ms == 500
    assert setup.raw["historyConfig"] == {"initialHistoryInClientContent": True}


def test_the_plain_voice_field_names_the_voice() -> None:
    setup = parse_client_message(
        json.dumps(
            {
                "setup": {
                    "model": MODEL,
                    "generationConfig": {"speechConfig": {"voiceConfig": {"voice": "Puck"}}},
                }
            }
        )
    )
    assert isinstance(setup, Setup)
    assert setup.speech.voice_name == "Puck"


@pytest.mark.parametrize(
    ("setup", "path"),
    [
        ({"avatarConfig": {"avatarName": "x"}}, "setup.avatarConfig"),
        ({"explicitVadSignal": True}, "setup.explicitVadSignal"),
        (
            {"generationConfig": {"translationConfig": {"targetLanguageCode": "de"}}},
            "setup.generationConfig.translationConfig",
        ),
        ({"tools": [{"googleMaps": {}}]}, "setup.tools[0].googleMaps"),
        (
            {"generationConfig": {"speechConfig": {"voiceConfig": {"replicatedVoiceConfig": {}}}}},
            "setup.generationConfig.speechConfig.voiceConfig.replicatedVoiceConfig",
        ),
    ],
)
def test_sdk_fields_with_no_counterpart_here_are_refused_as_not_supported_yet(
    setup: dict[str, Any], path: str
) -> None:
    error = refusal(json.dumps({"setup": {"model": MODEL, **setup}}))
    assert isinstance(error, NotSupportedYet)
    assert error.reason == f"{path} is not supported yet by this openlive server"


@pytest.mark.parametrize(
    ("setup", "path"),
    [
        ({"historyConfig": {"initialHistoryInClientContent": True, "extra": 1}}, "setup.historyConfig.extra"),
        ({"histroyConfig": {}}, "setup.histroyConfig"),
        ({"safetySettings": [{"category": "x", "level": 1}]}, "setup.safetySettings[0].level"),
        ({"proactivity": {"proactiveText": True}}, "setup.proactivity.proactiveText"),
    ],
)
def test_fields_outside_the_sdks_list_are_still_unknown(setup: dict[str, Any], path: str) -> None:
    error = refusal(json.dumps({"setup": {"model": MODEL, **setup}}))
    assert not isinstance(error, NotSupportedYet)
    assert error.reason == f"unknown field {path}"


# -- sampling ranges (the Gemini API's GenerationConfig) ----------------------------------


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("maxOutputTokens", -5, "must be from 1 to 2147483647, not -5"),
        ("maxOutputTokens", 0, "must be from 1 to 2147483647, not 0"),
        ("maxOutputTokens", "1e600000", "is out of range"),
        ("temperature", 1e308, "must be from 0 to 2, not 1e+308"),
        ("temperature", -0.5, "must be from 0 to 2, not -0.5"),
        ("topP", -1e308, "must be from 0 to 1, not -1e+308"),
        ("topP", 1.01, "must be from 0 to 1, not 1.01"),
        ("topK", 0, "must be from 1 to 2147483647, not 0"),
        ("seed", -(2**63), "must be from -2147483648 to 2147483647, not -9223372036854775808"),
        ("seed", 2**31, "must be from -2147483648 to 2147483647, not 2147483648"),
        ("presencePenalty", 2.5, "must be from -2 to 2, not 2.5"),
        ("frequencyPenalty", -3, "must be from -2 to 2, not -3.0"),
        ("candidateCount", 0, "must be from 1 to 2147483647, not 0"),
    ],
)
def test_sampling_values_out_of_range_are_refused_naming_the_field(
    field: str, value: Any, reason: str
) -> None:
    error = refusal(json.dumps({"setup": {"model": MODEL, "generationConfig": {field: value}}}))
    assert error.reason == f"setup.generationConfig.{field} {reason}"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("maxOutputTokens", 1),
        ("temperature", 0),
        ("temperature", 2),
        ("topP", 1),
        ("topK", 1),
        ("seed", -(2**31)),
        ("seed", "2147483647"),
        ("presencePenalty", -2),
        ("frequencyPenalty", 2.0),
    ],
)
def test_sampling_values_at_their_bounds_are_accepted(field: str, value: Any) -> None:
    parse_client_message(json.dumps({"setup": {"model": MODEL, "generationConfig": {field: value}}}))


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (
            {"contextWindowCompression": {"triggerTokens": -1}},
            "setup.contextWindowCompression.triggerTokens must be from 0 to",
        ),
        (
            {"realtimeInputConfig": {"automaticActivityDetection": {"silenceDurationMs": 2**31}}},
            "setup.realtimeInputConfig.automaticActivityDetection.silenceDurationMs must be from",
        ),
        (
            {"generationConfig": {"thinkingConfig": {"thinkingBudget": -2}}},
            "setup.generationConfig.thinkingConfig.thinkingBudget must be from -1 to",
        ),
    ],
)
def test_other_setup_numbers_out_of_range_are_refused(setup: dict[str, Any], reason: str) -> None:
    assert refusal(json.dumps({"setup": {"model": MODEL, **setup}})).reason.startswith(reason)
