"""Server message builders: the Live API's camelCase JSON."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from openlive.wire import server as msg
from openlive.wire.server import UsageMetadata, encode


def all_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in (key, *all_keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in all_keys(item)]
    return []


EVERY_BUILDER = [
    msg.setup_complete("abc"),
    msg.model_turn([msg.text_part("hi"), msg.inline_data_part(b"\x00\x01", "audio/pcm;rate=24000")]),
    msg.generation_complete(),
    msg.turn_complete(UsageMetadata(prompt={"TEXT": 3, "AUDIO": 2}, response={"TEXT": 4})),
    msg.interrupted(),
    msg.input_transcription("hello", finished=True),
    msg.output_transcription("hi"),
    msg.grounding_metadata({"webSearchQueries": ["q"]}),
    msg.tool_call([{"id": "1", "name": "f", "args": {}}]),
    msg.tool_call_cancellation(["1"]),
    msg.go_away(1.5),
    msg.session_resumption_update("handle", True, 4),
]


@pytest.mark.parametrize("message", EVERY_BUILDER, ids=lambda m: next(iter(m)))
def test_every_key_is_camel_case(message: dict[str, Any]) -> None:
    keys = all_keys(message)
    assert keys
    assert not [k for k in keys if "_" in k or not k[0].islower()]


def test_encode_is_compact_json_that_keeps_non_ascii() -> None:
    text = encode(msg.model_turn([msg.text_part("¿Qué? 你好")]))
    assert text == '{"serverContent":{"modelTurn":{"parts":[{"text":"¿Qué? 你好"}]}}}'
    assert json.loads(text) == msg.model_turn([msg.text_part("¿Qué? 你好")])


def test_setup_complete() -> None:
    assert msg.setup_complete() == {"setupComplete": {}}
    assert msg.setup_complete("s1") == {"setupComplete": {"sessionId": "s1"}}


def test_inline_data_is_standard_base64() -> None:
    data = bytes([0xFB, 0xFF, 0xBF, 0x3E])
    part = msg.inline_data_part(data, "audio/pcm;rate=24000")
    encoded = part["inlineData"]["data"]
    assert encoded == "+/+/Pg=="  # standard alphabet ('+', '/'), padded
    assert base64.b64decode(encoded, validate=True) == data
    assert part == {"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": encoded}}


def test_model_turn_copies_its_parts() -> None:
    part = msg.text_part("hi")
    message = msg.model_turn([part])
    part["text"] = "changed"
    assert message == {"serverContent": {"modelTurn": {"parts": [{"text": "hi"}]}}}


def test_generation_complete_and_interrupted() -> None:
    assert msg.generation_complete() == {"serverContent": {"generationComplete": True}}
    assert msg.interrupted() == {"serverContent": {"interrupted": True}}


def test_turn_complete_without_usage() -> None:
    assert msg.turn_complete() == {"serverContent": {"turnComplete": True}}


def test_turn_complete_carries_usage_metadata_beside_server_content() -> None:
    usage = UsageMetadata(prompt={"TEXT": 10, "AUDIO": 5}, response={"TEXT": 7})
    assert msg.turn_complete(usage) == {
        "serverContent": {"turnComplete": True},
        "usageMetadata": {
            "promptTokenCount": 15,
            "responseTokenCount": 7,
            "totalTokenCount": 22,
            "promptTokensDetails": [
                {"modality": "AUDIO", "tokenCount": 5},
                {"modality": "TEXT", "tokenCount": 10},
            ],
            "responseTokensDetails": [{"modality": "TEXT", "tokenCount": 7}],
        },
    }


def test_usage_metadata_omits_modalities_with_no_tokens() -> None:
    usage = UsageMetadata(prompt={"TEXT": 0}, response={})
    assert usage.to_json() == {
        "promptTokenCount": 0,
        "responseTokenCount": 0,
        "totalTokenCount": 0,
        "promptTokensDetails": [],
        "responseTokensDetails": [],
    }


def test_transcriptions() -> None:
    assert msg.input_transcription("hello") == {"serverContent": {"inputTranscription": {"text": "hello"}}}
    assert msg.output_transcription("bye", finished=True) == {
        "serverContent": {"outputTranscription": {"text": "bye", "finished": True}}
    }


def test_tool_call_and_cancellation() -> None:
    call = {"id": "c1", "name": "turn_on_the_lights", "args": {"room": "kitchen"}}
    assert msg.tool_call([call]) == {"toolCall": {"functionCalls": [call]}}
    assert msg.tool_call_cancellation(iter(["c1", "c2"])) == {"toolCallCancellation": {"ids": ["c1", "c2"]}}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1.5, "1.5s"),
        (2, "2s"),
        (2.0, "2s"),
        (10, "10s"),
        (100, "100s"),
        (0, "0s"),
        (0.25, "0.25s"),
        (0.001, "0.001s"),
        (59.999, "59.999s"),
        (1.0004, "1s"),
        (-3, "0s"),
    ],
)
def test_go_away_time_left_is_a_protobuf_duration(seconds: float, text: str) -> None:
    assert msg.go_away(seconds) == {"goAway": {"timeLeft": text}}


def test_session_resumption_update_with_a_handle() -> None:
    assert msg.session_resumption_update("h-1", True, 12) == {
        "sessionResumptionUpdate": {
            "resumable": True,
            "newHandle": "h-1",
            "lastConsumedClientMessageIndex": "12",
        }
    }


def test_session_resumption_update_index_zero_is_written_as_an_int64_string() -> None:
    update = msg.session_resumption_update("h", True, 0)["sessionResumptionUpdate"]
    assert update["lastConsumedClientMessageIndex"] == "0"


def test_session_resumption_update_when_not_resumable() -> None:
    assert msg.session_resumption_update(None, False) == {"sessionResumptionUpdate": {"resumable": False}}
    assert msg.session_resumption_update("", False) == {"sessionResumptionUpdate": {"resumable": False}}
