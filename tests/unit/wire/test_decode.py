"""The wire boundary: hostile JSON values are refused with 1007 and a reason naming the field."""

from __future__ import annotations

import json
import time

import pytest

from openlive.errors import CLOSE_INVALID_ARGUMENT, InvalidArgument
from openlive.wire import parse_client_message
from openlive.wire.decode import (
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    check_json,
    decode_frame,
    show_name,
)

MODEL = "models/gemini-2.0-flash-live-001"


def refused(frame: str | bytes) -> str:
    with pytest.raises(InvalidArgument) as error:
        parse_client_message(frame)
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    return error.value.reason


def setup_with(field: str, literal: str) -> str:
    """A setup frame whose generationConfig.<field> is the raw JSON ``literal``."""
    return '{"setup": {"model": "' + MODEL + '", "generationConfig": {"' + field + '": ' + literal + "}}}"


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# -- lone surrogates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        ('{"realtimeInput": {"text": "hi \\udfff"}}', "realtimeInput.text"),
        ('{"realtimeInput": {"text": "\\ud800"}}', "realtimeInput.text"),
        ('{"realtimeInput": {"text": "a\\ud83d b"}}', "realtimeInput.text"),
        (
            '{"clientContent": {"turns": [{"parts": [{"text": "see https://x.test/\\udc00"}]}]}}',
            "clientContent.turns[0].parts[0].text",
        ),
        (
            '{"toolResponse": {"functionResponses": [{"id": "1", "response": {"k": ["\\udfff"]}}]}}',
            "toolResponse.functionResponses[0].response.k[0]",
        ),
    ],
)
def test_a_lone_surrogate_in_a_string_is_refused_naming_the_field(frame: str, where: str) -> None:
    reason = refused(frame)
    assert reason == f"{where} holds a lone UTF-16 surrogate; send valid Unicode text"
    reason.encode("utf-8")


def test_a_lone_surrogate_in_a_field_name_is_refused() -> None:
    reason = refused('{"clientContent": {"\\udfffx": 1}}')
    assert reason.startswith("a field name in clientContent holds a lone UTF-16 surrogate")


def test_a_surrogate_pair_is_one_character_and_accepted() -> None:
    message = parse_client_message('{"realtimeInput": {"text": "smile \\ud83d\\ude00"}}')
    assert message.text == "smile \U0001f600"  # type: ignore[union-attr]


def test_a_raw_surrogate_in_a_str_frame_is_refused() -> None:
    # Not possible off a socket (UTF-8 cannot hold one), but possible from other callers.
    assert "lone UTF-16 surrogate" in refused('{"realtimeInput": {"text": "\udfff"}}')


# -- NaN, Infinity and huge numbers ------------------------------------------------------------


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_non_finite_numbers_in_free_form_fields_are_refused(literal: str) -> None:
    frame = '{"toolResponse": {"functionResponses": [{"id": "1", "response": {"x": LIT}}]}}'
    frame = frame.replace("LIT", literal)
    reason = refused(frame)
    assert reason.startswith("toolResponse.functionResponses[0].response.x is ")
    assert "finite numbers" in reason


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "1e999"])
def test_non_finite_numbers_in_typed_fields_are_refused(literal: str) -> None:
    reason = refused(setup_with("temperature", literal))
    assert reason.startswith("setup.generationConfig.temperature is ")


def test_a_number_literal_over_the_limit_is_refused_quickly() -> None:
    digits = "9" * (MAX_NUMBER_DIGITS + 1)
    start = time.perf_counter()
    reason = refused(setup_with("seed", digits))
    assert reason == f"setup.generationConfig.seed is an integer of more than {MAX_NUMBER_DIGITS} digits"
    # Python's own int() refuses literals over 4300 digits with a ValueError; ours is clear.
    assert "not valid JSON" not in refused('{"realtimeInput": {"text": "x", "y": ' + "9" * 5000 + "}}")
    assert time.perf_counter() - start < 5  # a sanity bound only; speed is measured by the bench


def test_an_integer_as_long_as_the_largest_double_is_accepted_in_free_form_fields() -> None:
    frame = json.dumps({"toolResponse": {"functionResponses": [{"id": "1", "response": {"x": 10**300}}]}})
    message = parse_client_message(frame)
    assert message.function_responses[0].response == {"x": 10**300}  # type: ignore[union-attr]


# -- nesting ------------------------------------------------------------------------------------


def response_nested(depth: int) -> str:
    # The message, toolResponse, functionResponses, its item and response take five levels.
    return '{"toolResponse": {"functionResponses": [{"id": "1", "response": {"a": ' + nested(depth) + "}}]}}"


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_is_not() -> None:
    parse_client_message(response_nested(MAX_DEPTH - 5))
    assert f"nested more than {MAX_DEPTH} levels deep" in refused(response_nested(MAX_DEPTH - 4))


@pytest.mark.parametrize("depth", [MAX_DEPTH, 980, 5_000, 200_000])
def test_deep_nesting_is_refused(depth: int) -> None:
    frame = response_nested(depth)
    assert f"nested more than {MAX_DEPTH} levels deep" in refused(frame)


def test_a_deep_list_in_an_enum_field_is_refused_with_a_short_reason() -> None:
    frame = json.dumps({"setup": {"model": MODEL, "generationConfig": {"responseModalities": [0]}}})
    frame = frame.replace("[0]", nested(60))
    reason = refused(frame)
    assert reason.startswith("setup.generationConfig.responseModalities[0] must be one of")
    assert reason.endswith("not a list")


def test_deep_nesting_inside_strings_is_only_text() -> None:
    message = parse_client_message(json.dumps({"realtimeInput": {"text": "[" * 10_000}}))
    assert message.text == "[" * 10_000  # type: ignore[union-attr]


# -- other decoding errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("{", "message is not valid JSON"),
        (b"\xff", "binary frame is not UTF-8 JSON"),
        ('{"a": 1, "a": 2}', "field a is given twice in one object"),
        ('{"a\\n": 1, "a\\n": 2}', "field a\\n is given twice in one object"),
    ],
)
def test_decoding_errors(frame: str | bytes, reason: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        decode_frame(frame)
    assert error.value.reason == reason


def test_an_unknown_field_with_control_characters_is_escaped_in_the_reason() -> None:
    reason = refused(json.dumps({"realtimeInput": {"x\nINFO forged": 1}}))
    assert "\n" not in reason
    assert reason.startswith("unknown field realtimeInput.x\\nINFO forged")


@pytest.mark.parametrize(
    ("name", "shown"),
    [("plain", "plain"), ("ü" * 50, "ü" * 40 + "..."), ("a\tb", "a\\tb"), ("\udfff", "\\udfff")],
)
def test_show_name(name: str, shown: str) -> None:
    assert show_name(name) == shown


# -- already-decoded values (the auth_tokens body) ---------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (
            {"a": float("nan")},
            "a is not a finite number (NaN, Infinity or beyond a double); send finite numbers",
        ),
        (
            {"a": [1, float("-inf")]},
            "a[1] is not a finite number (NaN, Infinity or beyond a double); send finite numbers",
        ),
        ({"a": 10**500}, f"a is an integer of more than {MAX_NUMBER_DIGITS} digits"),
        ({"a": {"b": "\udfff"}}, "a.b holds a lone UTF-16 surrogate; send valid Unicode text"),
    ],
)
def test_check_json(value: object, reason: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_json(value)
    assert error.value.reason == reason


def test_check_json_refuses_deep_values_without_recursing() -> None:
    value: list[object] = []
    for _ in range(50_000):
        value = [value]
    with pytest.raises(InvalidArgument, match="nested more than"):
        check_json(value, "body")


def test_a_schema_that_recurses_past_the_stack_is_a_client_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # JSON Schema checks take several frames per level; if one ever runs out of
    # stack, the client hears 1007, not 1011.
    import openlive.wire.client as client

    def recurse(value: object, setup_allowed: bool = True) -> object:
        raise RecursionError

    monkeypatch.setattr(client, "_parse", recurse)
    assert refused('{"setup": {}}') == "message is nested too deeply to check; flatten it"


# -- nesting seen through text -------------------------------------------------------------


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '[{\\"' * 5000
    message = parse_client_message('{"realtimeInput": {"text": "' + text + '"}}')
    assert message.text == text.replace("\\", "")  # type: ignore[union-attr]
