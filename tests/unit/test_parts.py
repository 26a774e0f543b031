"""The multimodal message model: parts, their text rendering, their saved form."""

from __future__ import annotations

import pytest

from openlive.engines.base import ChatMessage, LLMCapabilities, for_engine
from openlive.parts import (
    IMAGE_HISTORY_COST,
    AudioPart,
    FunctionCallPart,
    FunctionResponsePart,
    ImagePart,
    Part,
    RetiredImage,
    TextPart,
    part_from_json,
    part_to_json,
    render_text,
)
from openlive.session import Turn
from openlive.testing import FakeLLM

PARTS: list[Part] = [
    TextPart("héllo"),
    ImagePart(b"\x00\x01\xff", "image/jpeg"),
    RetiredImage("0123456789abcdef01234567"),
    AudioPart(1.5, "what time is it"),
    FunctionCallPart("c1", "get_time", {"zone": "UTC"}),
    FunctionResponsePart("c1", "get_time", {"time": "12:00"}),
]


@pytest.mark.parametrize("part", PARTS, ids=lambda p: type(p).__name__)
def test_every_part_survives_its_saved_form(part: Part) -> None:
    assert part_from_json(part_to_json(part)) == part


@pytest.mark.parametrize(
    "data", [None, {}, {"text": 5}, {"image": {"data": "!!", "mimeType": "image/png"}}, {"a": 1, "b": 2}]
)
def test_malformed_saved_parts_are_refused(data: object) -> None:
    with pytest.raises(ValueError):
        part_from_json(data)


def test_text_rendering_names_what_a_text_only_engine_cannot_read() -> None:
    text = render_text(PARTS)
    assert text.startswith("héllo[an image (image/jpeg)][an earlier image]what time is it")
    assert "get_time" in text and "12:00" in text


def test_a_text_turn_is_one_text_part_and_counts_its_characters() -> None:
    turn = Turn("user", "hello")
    assert turn.parts == (TextPart("hello"),) and turn.text == "hello" and turn.only_text
    assert Turn("user", "").parts == ()
    image = Turn("user", parts=[ImagePart(b"x" * 1000, "image/png")])
    assert image.size == IMAGE_HISTORY_COST and not image.only_text


def test_an_engine_gets_parts_only_if_it_declares_it_reads_them() -> None:
    messages = [
        ChatMessage("user", "see [an image (image/png)]", (TextPart("see "), ImagePart(b"x", "image/png")))
    ]
    text_only = for_engine(FakeLLM(), messages)
    assert text_only == (ChatMessage("user", "see [an image (image/png)]"),)
    seeing = for_engine(FakeLLM(capabilities=LLMCapabilities(images=True)), messages)
    assert seeing == tuple(messages)
