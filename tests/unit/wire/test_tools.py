"""Tools in ``setup.tools`` and function responses in ``toolResponse``.

Driven through ``parse_client_message`` where possible, as the server sees the
frames: snake_case (the Python SDK) and camelCase (the JS SDK, raw JSON).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from openlive.errors import CLOSE_INVALID_ARGUMENT, MAX_REASON_BYTES, InvalidArgument
from openlive.wire import Setup, ToolResponse, parse_client_message
from openlive.wire.tools import (
    EMPTY_OBJECT_SCHEMA,
    MAX_FUNCTIONS,
    MAX_SCHEMA_CHARS,
    FunctionDeclaration,
    FunctionResponse,
    Tools,
    openapi_to_json_schema,
    parse_function_responses,
    parse_tools,
)

MODEL = "models/gemini-2.0-flash-live-001"
DECL0 = "setup.tools[0].functionDeclarations[0]"

# The documentation's declarations.
TURN_ON = {"name": "turn_on_the_lights"}
TURN_OFF = {"name": "turn_off_the_lights"}

# Frames exactly as google-genai 3.6.1 writes them (captured from its converters):
# tools and function responses pass through untouched below the top level, so
# their inner fields arrive in snake_case.
SDK_SETUP_DOC_TOOLS = (
    '{"setup": {"model": "models/gemini-2.0-flash-live-001", "generationConfig": '
    '{"responseModalities": ["TEXT"]}, "tools": [{"codeExecution": {}}, {"googleSearch": {}}, '
    '{"urlContext": {}}, {"functionDeclarations": [{"name": "turn_on_the_lights"}, '
    '{"name": "turn_off_the_lights"}]}]}}'
)
SDK_SETUP_JSON_SCHEMA = (
    '{"setup": {"model": "models/m", "tools": [{"functionDeclarations": [{"name": "g", '
    '"parameters_json_schema": {"type": "object", "properties": {"x": {"type": "integer"}}}}]}]}}'
)
# types.FunctionDeclaration(parameters=types.Schema(...)) with max_length, max_items, any_of.
SDK_SETUP_SCHEMA_SNAKE_CASE = (
    '{"setup": {"model": "models/m", "tools": [{"functionDeclarations": [{"name": "f", '
    '"parameters": {"properties": {"a": {"max_length": 5, "nullable": true, "type": "STRING"}, '
    '"b": {"items": {"type": "INTEGER"}, "max_items": 3, "type": "ARRAY"}, '
    '"c": {"any_of": [{"type": "STRING"}, {"type": "NUMBER"}]}}, "property_ordering": ["a", "b"], '
    '"required": ["a"], "type": "OBJECT"}, "behavior": "NON_BLOCKING"}]}]}}'
)
SDK_TOOL_RESPONSE = (
    '{"tool_response": {"functionResponses": [{"will_continue": true, "scheduling": "INTERRUPT", '
    '"id": "c1", "name": "f", "response": {"result": "ok"}}, {"id": "c2", "name": "g", '
    '"response": {"result": 1, "scheduling": "WHEN_IDLE"}}]}}'
)


def parse(message: Any) -> Any:
    return parse_client_message(json.dumps(message))


def setup_with(tools: list[Any]) -> Tools:
    frame = {"setup": {"model": MODEL, "tools": tools}}
    setup = parse(frame)
    assert isinstance(setup, Setup)
    return setup.tools


def declare(*declarations: dict[str, Any]) -> Tools:
    return setup_with([{"functionDeclarations": list(declarations)}])


def only_parameters(declaration: dict[str, Any]) -> dict[str, Any]:
    (function,) = declare(declaration).functions
    return function.parameters


def responses(*items: dict[str, Any], snake: bool = False) -> tuple[FunctionResponse, ...]:
    key, inner = ("tool_response", "function_responses") if snake else ("toolResponse", "functionResponses")
    message = parse({key: {inner: list(items)}})
    assert isinstance(message, ToolResponse)
    return message.function_responses


def refusal(message: Any, *, mentions: str) -> InvalidArgument:
    """The message is refused with 1007, and the close reason still names ``mentions``."""
    with pytest.raises(InvalidArgument) as raised:
        parse(message)
    error = raised.value
    assert error.close_code == CLOSE_INVALID_ARGUMENT
    close_reason = error.close_reason()
    assert len(close_reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert mentions in close_reason, close_reason
    return error


def refused_tools(tools: list[Any], *, mentions: str) -> InvalidArgument:
    return refusal({"setup": {"model": MODEL, "tools": tools}}, mentions=mentions)


def refused_declaration(declaration: dict[str, Any], *, mentions: str) -> InvalidArgument:
    return refused_tools([{"functionDeclarations": [declaration]}], mentions=mentions)


def refused_responses(*items: dict[str, Any], mentions: str) -> InvalidArgument:
    return refusal({"toolResponse": {"functionResponses": list(items)}}, mentions=mentions)


def accepts(schema: dict[str, Any], instance: Any) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(instance)


# -- the documentation's tools -------------------------------------------------------------


def test_no_tools_means_an_empty_tools_value() -> None:
    setup = parse({"setup": {"model": MODEL}})
    assert setup.tools == Tools()
    assert setup.tools.any is False
    assert setup.tools.functions == ()


def test_documentation_function_declarations_snake_case() -> None:
    tools = setup_with([{"function_declarations": [TURN_ON, TURN_OFF]}])
    assert [f.name for f in tools.functions] == ["turn_on_the_lights", "turn_off_the_lights"]
    assert tools.any is True
    assert (tools.code_execution, tools.google_search, tools.url_context) == (False, False, False)


def test_functions_without_parameters_take_the_empty_object() -> None:
    tools = setup_with([{"function_declarations": [TURN_ON, TURN_OFF]}])
    for function in tools.functions:
        assert function.parameters == EMPTY_OBJECT_SCHEMA
        assert function.parameters == {"type": "object", "properties": {}, "additionalProperties": False}
        assert function.description == ""
        assert function.non_blocking is False
        assert accepts(function.parameters, {})
        assert not accepts(function.parameters, {"room": "kitchen"})


def test_code_execution_alone() -> None:
    tools = setup_with([{"code_execution": {}}])
    assert tools == Tools(code_execution=True)
    assert tools.any is True


def test_google_search_alone() -> None:
    tools = setup_with([{"google_search": {}}])
    assert tools == Tools(google_search=True)
    assert tools.any is True


def test_url_context_alone() -> None:
    tools = setup_with([{"url_context": {}}])
    assert tools == Tools(url_context=True)
    assert tools.any is True


def test_documentation_combined_tools_list() -> None:
    tools = setup_with(
        [
            {"google_search": {}},
            {"code_execution": {}},
            {"function_declarations": [TURN_ON, TURN_OFF]},
        ]
    )
    assert tools.google_search is True
    assert tools.code_execution is True
    assert tools.url_context is False
    assert [f.name for f in tools.functions] == ["turn_on_the_lights", "turn_off_the_lights"]


def test_camel_case_tools_in_one_entry() -> None:
    tools = setup_with(
        [
            {
                "functionDeclarations": [TURN_ON],
                "codeExecution": {},
                "googleSearch": {},
                "urlContext": {},
            }
        ]
    )
    assert (tools.code_execution, tools.google_search, tools.url_context) == (True, True, True)
    assert [f.name for f in tools.functions] == ["turn_on_the_lights"]


def test_snake_and_camel_spellings_give_the_same_tools() -> None:
    snake = setup_with([{"google_search": {}}, {"code_execution": {}}, {"function_declarations": [TURN_ON]}])
    camel = setup_with([{"googleSearch": {}}, {"codeExecution": {}}, {"functionDeclarations": [TURN_ON]}])
    assert snake == camel


def test_python_sdk_setup_frame_with_the_documentation_tools() -> None:
    setup = parse_client_message(SDK_SETUP_DOC_TOOLS)
    assert isinstance(setup, Setup)
    tools = setup.tools
    assert (tools.code_execution, tools.google_search, tools.url_context) == (True, True, True)
    assert [f.name for f in tools.functions] == ["turn_on_the_lights", "turn_off_the_lights"]


def test_functions_merge_across_entries_in_order() -> None:
    tools = setup_with(
        [
            {"functionDeclarations": [{"name": "a"}]},
            {"googleSearch": {}},
            {"function_declarations": [{"name": "b"}, {"name": "c"}]},
        ]
    )
    assert [f.name for f in tools.functions] == ["a", "b", "c"]
    assert tools.function("b") is tools.functions[1]
    assert tools.function("missing") is None


def test_description_is_kept() -> None:
    (function,) = declare({"name": "get_weather", "description": "Weather for a city."}).functions
    assert function.description == "Weather for a city."


@pytest.mark.parametrize(
    ("behavior", "non_blocking"),
    [
        ("NON_BLOCKING", True),
        (2, True),  # protobuf JSON enums may be numbers
        ("BLOCKING", False),
        ("UNSPECIFIED", False),
        (None, False),
    ],
)
def test_behavior(behavior: Any, non_blocking: bool) -> None:
    declaration: dict[str, Any] = {"name": "turn_on_the_lights"}
    if behavior is not None:
        declaration["behavior"] = behavior
    (function,) = declare(declaration).functions
    assert function.non_blocking is non_blocking


def test_documentation_non_blocking_example() -> None:
    tools = setup_with(
        [{"function_declarations": [{"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"}, TURN_OFF]}]
    )
    on, off = tools.functions
    assert on.non_blocking is True
    assert off.non_blocking is False


def test_unknown_behavior_is_refused() -> None:
    refused_declaration({"name": "f", "behavior": "SOMETIMES"}, mentions=f"{DECL0}.behavior")


def test_any_covers_each_flag() -> None:
    assert Tools().any is False
    assert Tools(functions=(FunctionDeclaration("f"),)).any is True
    assert Tools(code_execution=True).any is True
    assert Tools(google_search=True).any is True
    assert Tools(url_context=True).any is True


# -- OpenAPI subset to JSON Schema ---------------------------------------------------------

WEATHER_OPENAPI = {
    "type": "OBJECT",
    "properties": {
        "location": {
            "type": "OBJECT",
            "description": "Where to look.",
            "properties": {
                "city": {"type": "STRING", "description": "City name.", "example": "Paris"},
                "country_code": {"type": "STRING", "format": "iso-3166", "nullable": True},
            },
            "required": ["city"],
            "propertyOrdering": ["city", "country_code"],
        },
        "unit": {"type": "STRING", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "INTEGER", "minimum": 1, "maximum": 7},
        "hours": {
            "type": "ARRAY",
            "items": {"type": "NUMBER"},
            "minItems": 1,
            "maxItems": 3,
        },
        "stops": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "properties": {"name": {"type": "STRING"}, "open": {"type": "BOOLEAN"}},
                "required": ["name"],
            },
        },
    },
    "required": ["location", "unit"],
    "property_ordering": ["location", "unit", "days", "hours", "stops"],
}

WEATHER_JSON_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {
            "type": "object",
            "description": "Where to look.",
            "properties": {
                "city": {"type": "string", "description": "City name."},
                "country_code": {"type": ["string", "null"], "format": "iso-3166"},
            },
            "required": ["city"],
            "additionalProperties": False,
        },
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "hours": {"type": "array", "items": {"type": "number"}, "minItems": 1, "maxItems": 3},
        "stops": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "open": {"type": "boolean"}},
                "required": ["name"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}


def test_openapi_parameters_convert_to_json_schema() -> None:
    parameters = only_parameters({"name": "get_weather", "parameters": WEATHER_OPENAPI})
    assert parameters == WEATHER_JSON_SCHEMA


def test_lowercase_openapi_types_convert_the_same() -> None:
    lower = json.loads(
        json.dumps(WEATHER_OPENAPI)
        .replace('"OBJECT"', '"object"')
        .replace('"STRING"', '"string"')
        .replace('"INTEGER"', '"integer"')
        .replace('"NUMBER"', '"Number"')
        .replace('"ARRAY"', '"array"')
        .replace('"BOOLEAN"', '"boolean"')
    )
    assert only_parameters({"name": "get_weather", "parameters": lower}) == WEATHER_JSON_SCHEMA


def test_conversion_does_not_change_the_input() -> None:
    original = copy.deepcopy(WEATHER_OPENAPI)
    openapi_to_json_schema(WEATHER_OPENAPI, "p")
    assert WEATHER_OPENAPI == original


def test_property_names_are_kept_as_written() -> None:
    # Property names are the developer's data: never camelCased.
    parameters = only_parameters(
        {
            "name": "set_light",
            "parameters": {
                "type": "OBJECT",
                "properties": {"brightness_level": {"type": "INTEGER"}, "color_temp_k": {"type": "INTEGER"}},
                "required": ["brightness_level"],
            },
        }
    )
    assert set(parameters["properties"]) == {"brightness_level", "color_temp_k"}
    assert parameters["required"] == ["brightness_level"]


VALID_WEATHER_ARGS = [
    {"location": {"city": "Paris"}, "unit": "celsius"},
    {"location": {"city": "Paris", "country_code": None}, "unit": "fahrenheit", "days": 7},
    {"location": {"city": "Paris", "country_code": "FR"}, "unit": "celsius", "hours": [1.5, 2]},
    {"location": {"city": "Oslo"}, "unit": "celsius", "stops": [{"name": "a"}, {"name": "b", "open": True}]},
]

INVALID_WEATHER_ARGS = [
    {},  # required missing
    {"location": {"city": "Paris"}},  # unit missing
    {"location": {}, "unit": "celsius"},  # nested required missing
    {"location": {"city": "Paris"}, "unit": "kelvin"},  # not in enum
    {"location": {"city": "Paris"}, "unit": "celsius", "days": 0},  # below minimum
    {"location": {"city": "Paris"}, "unit": "celsius", "days": 2.5},  # not an integer
    {"location": {"city": "Paris"}, "unit": "celsius", "hours": []},  # minItems
    {"location": {"city": "Paris"}, "unit": "celsius", "hours": [1, 2, 3, 4]},  # maxItems
    {"location": {"city": "Paris"}, "unit": "celsius", "hours": ["one"]},  # item type
    {"location": {"city": None}, "unit": "celsius"},  # city is not nullable
    {"location": {"city": "Paris"}, "unit": "celsius", "extra": 1},  # undeclared argument
    {"location": {"city": "Paris", "zip": "75001"}, "unit": "celsius"},  # undeclared nested
    {"location": {"city": "Paris"}, "unit": "celsius", "stops": [{"open": True}]},  # item required
    {"location": {"city": "Paris"}, "unit": "celsius", "stops": [{"name": "a", "x": 1}]},  # item extra
    {"location": "Paris", "unit": "celsius"},  # wrong type
]


@pytest.mark.parametrize("args", VALID_WEATHER_ARGS)
def test_converted_schema_accepts_valid_arguments(args: dict[str, Any]) -> None:
    parameters = only_parameters({"name": "get_weather", "parameters": WEATHER_OPENAPI})
    jsonschema.Draft202012Validator(parameters).validate(args)


@pytest.mark.parametrize("args", INVALID_WEATHER_ARGS)
def test_converted_schema_rejects_invalid_arguments(args: dict[str, Any]) -> None:
    parameters = only_parameters({"name": "get_weather", "parameters": WEATHER_OPENAPI})
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(parameters).validate(args)


@pytest.mark.parametrize(
    ("openapi_type", "json_type"),
    [
        ("STRING", "string"),
        ("NUMBER", "number"),
        ("INTEGER", "integer"),
        ("BOOLEAN", "boolean"),
        ("ARRAY", "array"),
        ("OBJECT", "object"),
        ("NULL", "null"),
        ("string", "string"),
        ("Boolean", "boolean"),
    ],
)
def test_each_openapi_type(openapi_type: str, json_type: str) -> None:
    assert openapi_to_json_schema({"type": openapi_type}, "p") == {"type": json_type}


def test_type_unspecified_is_dropped() -> None:
    assert openapi_to_json_schema({"type": "TYPE_UNSPECIFIED", "description": "d"}, "p") == {
        "description": "d"
    }


def test_nullable_adds_null_to_the_type() -> None:
    assert openapi_to_json_schema({"type": "INTEGER", "nullable": True}, "p") == {"type": ["integer", "null"]}
    assert openapi_to_json_schema({"type": "INTEGER", "nullable": False}, "p") == {"type": "integer"}
    # nullable without a type has nothing to widen
    assert openapi_to_json_schema({"nullable": True}, "p") == {}


def test_kept_fields_pass_through() -> None:
    schema = {
        "type": "STRING",
        "title": "T",
        "description": "D",
        "format": "date-time",
        "minLength": 1,
        "maxLength": 9,
        "pattern": "^[0-9]+$",
        "default": "1",
    }
    assert openapi_to_json_schema(schema, "p") == {**schema, "type": "string"}


def test_illustrative_fields_are_dropped() -> None:
    converted = openapi_to_json_schema(
        {
            "type": "OBJECT",
            "properties": {"a": {"type": "STRING", "example": "x"}},
            "propertyOrdering": ["a"],
            "example": {"a": "x"},
        },
        "p",
    )
    assert converted == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "additionalProperties": False,
    }


def test_additional_properties_only_on_objects_with_properties() -> None:
    assert openapi_to_json_schema({"type": "OBJECT"}, "p") == {"type": "object"}
    assert openapi_to_json_schema({"type": "OBJECT", "properties": {}}, "p") == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }


def test_any_of_converts_each_branch() -> None:
    parameters = only_parameters(
        {
            "name": "f",
            "parameters": {
                "type": "OBJECT",
                "properties": {"v": {"anyOf": [{"type": "STRING"}, {"type": "INTEGER", "minimum": 0}]}},
            },
        }
    )
    assert parameters["properties"]["v"] == {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}
    assert accepts(parameters, {"v": "x"})
    assert accepts(parameters, {"v": 3})
    assert not accepts(parameters, {"v": -1})
    assert not accepts(parameters, {"v": 1.5})


def test_nested_arrays_of_arrays() -> None:
    parameters = only_parameters(
        {
            "name": "matrix",
            "parameters": {
                "type": "OBJECT",
                "properties": {
                    "rows": {"type": "ARRAY", "items": {"type": "ARRAY", "items": {"type": "INTEGER"}}}
                },
            },
        }
    )
    assert parameters["properties"]["rows"] == {
        "type": "array",
        "items": {"type": "array", "items": {"type": "integer"}},
    }
    assert accepts(parameters, {"rows": [[1, 2], [3]]})
    assert not accepts(parameters, {"rows": [1, 2]})
    assert not accepts(parameters, {"rows": [["a"]]})


def test_parameters_without_a_type_are_accepted() -> None:
    # A Schema with no type (TYPE_UNSPECIFIED) still describes an object's arguments.
    parameters = only_parameters({"name": "f", "parameters": {"properties": {"a": {"type": "STRING"}}}})
    assert parameters == {"properties": {"a": {"type": "string"}}}


def test_python_sdk_schema_fields_in_snake_case() -> None:
    setup = parse_client_message(SDK_SETUP_SCHEMA_SNAKE_CASE)
    assert isinstance(setup, Setup)
    (function,) = setup.tools.functions
    assert function.non_blocking is True
    properties = function.parameters["properties"]
    assert properties["a"] == {"type": ["string", "null"], "maxLength": 5}
    assert properties["b"] == {"type": "array", "items": {"type": "integer"}, "maxItems": 3}
    assert properties["c"] == {"anyOf": [{"type": "string"}, {"type": "number"}]}


def test_nullable_object_with_properties_still_refuses_extra_arguments() -> None:
    parameters = only_parameters(
        {
            "name": "f",
            "parameters": {
                "type": "OBJECT",
                "properties": {
                    "filter": {"type": "OBJECT", "nullable": True, "properties": {"room": {"type": "STRING"}}}
                },
            },
        }
    )
    assert accepts(parameters, {"filter": None})
    assert accepts(parameters, {"filter": {"room": "kitchen"}})
    assert not accepts(parameters, {"filter": {"room": "kitchen", "invented": 1}})


# -- parametersJsonSchema ------------------------------------------------------------------


def test_parameters_json_schema_passes_through_unchanged() -> None:
    schema = {
        "type": "object",
        "properties": {
            "max_length": {"type": "integer", "exclusiveMinimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        },
        "required": ["max_length"],
    }
    parameters = only_parameters({"name": "f", "parametersJsonSchema": copy.deepcopy(schema)})
    assert parameters == schema  # no additionalProperties added, snake_case names kept
    assert accepts(parameters, {"max_length": 1, "anything": "else"})
    assert not accepts(parameters, {"max_length": 0})
    assert not accepts(parameters, {"max_length": 1, "tags": ["a", "a"]})


def test_parameters_json_schema_without_a_type_is_accepted() -> None:
    assert only_parameters({"name": "f", "parametersJsonSchema": {}}) == {}


def test_python_sdk_parameters_json_schema_in_snake_case() -> None:
    setup = parse_client_message(SDK_SETUP_JSON_SCHEMA)
    assert isinstance(setup, Setup)
    (function,) = setup.tools.functions
    assert function.name == "g"
    assert function.parameters == {"type": "object", "properties": {"x": {"type": "integer"}}}


def test_parameters_and_parameters_json_schema_together_are_refused() -> None:
    error = refused_declaration(
        {
            "name": "f",
            "parameters": {"type": "OBJECT"},
            "parameters_json_schema": {"type": "object"},
        },
        mentions=DECL0,
    )
    assert "not both" in error.close_reason()


@pytest.mark.parametrize(
    "declaration",
    [
        {"name": "f", "parameters": {"type": "STRING"}},
        {"name": "f", "parameters": {"type": "ARRAY", "items": {"type": "STRING"}}},
        {"name": "f", "parametersJsonSchema": {"type": "string"}},
        {"name": "f", "parametersJsonSchema": {"type": 5}},
    ],
)
def test_a_non_object_parameters_schema_is_refused(declaration: dict[str, Any]) -> None:
    error = refused_declaration(declaration, mentions=DECL0)
    assert "must describe an object" in error.close_reason()


@pytest.mark.parametrize("schema", [[{"type": "object"}], "object", True, 3])
def test_parameters_json_schema_must_be_an_object(schema: Any) -> None:
    refused_declaration(
        {"name": "f", "parametersJsonSchema": schema}, mentions=f"{DECL0}.parametersJsonSchema"
    )


@pytest.mark.parametrize("schema", [[{"type": "OBJECT"}], "OBJECT", 3])
def test_openapi_parameters_must_be_an_object(schema: Any) -> None:
    refused_declaration({"name": "f", "parameters": schema}, mentions=f"{DECL0}.parameters")


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ({"type": "object", "properties": {"x": {"type": 5}}}, "properties/x/type"),
        (
            {"type": "object", "properties": {"x": {"type": "string", "minLength": -1}}},
            "properties/x/minLength",
        ),
        ({"type": "object", "required": "x"}, "required"),
        ({"type": "object", "properties": {"x": {"enum": "abc"}}}, "properties/x/enum"),
    ],
)
def test_an_invalid_json_schema_is_refused_naming_the_path(schema: dict[str, Any], where: str) -> None:
    error = refused_declaration({"name": "f", "parametersJsonSchema": schema}, mentions=DECL0)
    assert f"invalid schema at {where}" in error.close_reason()


def test_converted_openapi_schema_is_also_checked() -> None:
    # minLength is copied as given; the JSON Schema check then refuses it.
    error = refused_declaration(
        {
            "name": "f",
            "parameters": {"type": "OBJECT", "properties": {"x": {"type": "STRING", "minLength": "abc"}}},
        },
        mentions=DECL0,
    )
    assert "properties/x/minLength" in error.close_reason()


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1st_function",
        "turn on the lights",
        "a" * 65,
        "lights!",
        "résumé",
    ],
)
def test_bad_function_names_are_refused(name: str) -> None:
    refused_declaration({"name": name}, mentions=f"{DECL0}.name")


def test_a_missing_function_name_is_refused() -> None:
    refused_declaration({"description": "no name"}, mentions=f"{DECL0}.name")


def test_bad_name_in_a_later_entry_names_that_entry() -> None:
    refused_tools(
        [{"functionDeclarations": [TURN_ON]}, {"function_declarations": [TURN_OFF, {"name": "9"}]}],
        mentions="setup.tools[1].functionDeclarations[1].name",
    )


@pytest.mark.parametrize(
    "name", ["a", "_private", "a" * 64, "ns.get:weather-v2", "Turn_On_The_Lights", "x123"]
)
def test_good_function_names_are_accepted(name: str) -> None:
    (function,) = declare({"name": name}).functions
    assert function.name == name


def test_bad_name_reason_says_what_a_good_name_is() -> None:
    error = refused_declaration({"name": "turn on"}, mentions=f"{DECL0}.name 'turn on'")
    assert "not a valid function name" in error.close_reason()


def test_too_long_name_close_reason_still_says_what_is_wrong() -> None:
    error = refused_declaration({"name": "a" * 65}, mentions=f"{DECL0}.name")
    assert "not a valid function name" in error.close_reason()


def test_duplicate_function_names_across_entries_are_refused() -> None:
    error = refused_tools(
        [
            {"functionDeclarations": [{"name": "turn_on_the_lights"}]},
            {"codeExecution": {}},
            {"function_declarations": [{"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"}]},
        ],
        mentions="setup.tools",
    )
    assert "'turn_on_the_lights'" in error.close_reason()
    assert "twice" in error.close_reason()


def test_duplicate_function_names_in_one_entry_are_refused() -> None:
    refused_tools([{"functionDeclarations": [{"name": "f"}, {"name": "f"}]}], mentions="'f'")


def test_names_differing_in_case_are_distinct() -> None:
    assert [f.name for f in declare({"name": "f"}, {"name": "F"}).functions] == ["f", "F"]


def test_as_many_functions_as_allowed() -> None:
    tools = declare(*({"name": f"f{i}"} for i in range(MAX_FUNCTIONS)))
    assert len(tools.functions) == MAX_FUNCTIONS


def test_too_many_functions_across_entries_are_refused() -> None:
    half = MAX_FUNCTIONS // 2 + 1
    error = refused_tools(
        [
            {"functionDeclarations": [{"name": f"a{i}"} for i in range(half)]},
            {"functionDeclarations": [{"name": f"b{i}"} for i in range(half)]},
        ],
        mentions="setup.tools",
    )
    assert str(2 * half) in error.close_reason()
    assert f"at most {MAX_FUNCTIONS}" in error.close_reason()


@pytest.mark.parametrize(
    ("parameters", "path"),
    [
        ({"type": "OBJECT", "additionalProperties": True}, f"{DECL0}.parameters.additionalProperties"),
        (
            {
                "type": "OBJECT",
                "properties": {
                    "location": {"type": "OBJECT", "properties": {"city": {"type": "STRING", "x": 1}}}
                },
            },
            f"{DECL0}.parameters.properties.location.properties.city.x",
        ),
        (
            {"type": "ARRAY", "items": {"type": "STRING", "$ref": "#/x"}},
            f"{DECL0}.parameters.items.$ref",
        ),
    ],
)
def test_unknown_schema_fields_are_refused(parameters: dict[str, Any], path: str) -> None:
    refused_declaration({"name": "f", "parameters": parameters}, mentions=path)


def test_required_naming_a_missing_property_is_refused() -> None:
    error = refused_declaration(
        {
            "name": "f",
            "parameters": {
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING"}},
                "required": ["town"],
            },
        },
        mentions=f"{DECL0}.parameters.required",
    )
    assert "'town'" in error.close_reason()


def test_required_without_properties_is_refused() -> None:
    refused_declaration(
        {"name": "f", "parameters": {"type": "OBJECT", "required": ["a"]}},
        mentions=f"{DECL0}.parameters.required",
    )


def test_required_in_a_nested_object_names_the_nested_path() -> None:
    refused_declaration(
        {
            "name": "f",
            "parameters": {
                "type": "OBJECT",
                "properties": {"loc": {"type": "OBJECT", "properties": {}, "required": ["city"]}},
            },
        },
        mentions=f"{DECL0}.parameters.properties.loc.required",
    )


@pytest.mark.parametrize("required", ["city", [1], [{"name": "city"}]])
def test_required_must_be_a_list_of_names(required: Any) -> None:
    refused_declaration(
        {
            "name": "f",
            "parameters": {
                "type": "OBJECT",
                "properties": {"city": {"type": "STRING"}},
                "required": required,
            },
        },
        mentions=f"{DECL0}.parameters.required",
    )


@pytest.mark.parametrize(
    ("parameters", "path"),
    [
        (
            {"type": "OBJECT", "properties": {"when": {"type": "DATE"}}},
            f"{DECL0}.parameters.properties.when.type",
        ),
        ({"type": "MAP"}, f"{DECL0}.parameters.type"),
        ({"type": ["STRING", "NULL"]}, f"{DECL0}.parameters.type"),
        ({"type": "ARRAY", "items": {"type": "TUPLE"}}, f"{DECL0}.parameters.items.type"),
    ],
)
def test_unknown_types_are_refused(parameters: dict[str, Any], path: str) -> None:
    error = refused_declaration({"name": "f", "parameters": parameters}, mentions=path)
    assert "STRING" in error.reason  # the reason lists the types allowed


@pytest.mark.parametrize(
    ("parameters", "path"),
    [
        ({"type": "OBJECT", "properties": ["a"]}, f"{DECL0}.parameters.properties"),
        ({"type": "OBJECT", "properties": {"a": "STRING"}}, f"{DECL0}.parameters.properties.a"),
        ({"type": "ARRAY", "items": "STRING"}, f"{DECL0}.parameters.items"),
        ({"anyOf": {"type": "STRING"}}, f"{DECL0}.parameters.anyOf"),
        ({"anyOf": [{"type": "STRING"}, {"type": "WORD"}]}, f"{DECL0}.parameters.anyOf[1].type"),
    ],
)
def test_malformed_schema_structure_is_refused(parameters: dict[str, Any], path: str) -> None:
    refused_declaration({"name": "f", "parameters": parameters}, mentions=path)


@pytest.mark.parametrize("spelling", ["googleSearchRetrieval", "google_search_retrieval"])
def test_google_search_retrieval_is_refused(spelling: str) -> None:
    error = refused_tools(
        [{"googleSearch": {}}, {spelling: {"dynamicRetrievalConfig": {}}}],
        mentions="setup.tools[1].googleSearchRetrieval",
    )
    assert "googleSearch" in error.close_reason().replace("googleSearchRetrieval", "")


def test_unknown_tool_field_is_refused() -> None:
    refused_tools([{"codeExecution": {}, "calculator": {}}], mentions="setup.tools[0].calculator")


def test_unknown_function_declaration_field_is_refused() -> None:
    refused_declaration({"name": "f", "returns": "str"}, mentions=f"{DECL0}.returns")


def _schema_of_size(size: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": ""}
    schema["description"] = "x" * (size - len(json.dumps(schema)))
    assert len(json.dumps(schema)) == size
    return schema


def test_schema_at_the_size_limit_is_accepted() -> None:
    parameters = only_parameters({"name": "f", "parametersJsonSchema": _schema_of_size(MAX_SCHEMA_CHARS)})
    assert len(json.dumps(parameters)) == MAX_SCHEMA_CHARS


def test_oversized_json_schema_is_refused() -> None:
    error = refused_declaration(
        {"name": "f", "parametersJsonSchema": _schema_of_size(MAX_SCHEMA_CHARS + 1)}, mentions=DECL0
    )
    assert str(MAX_SCHEMA_CHARS) in error.close_reason()


def test_oversized_openapi_schema_is_refused() -> None:
    properties = {f"p{i}": {"type": "STRING", "description": "d" * 200} for i in range(400)}
    error = refused_declaration(
        {"name": "f", "parameters": {"type": "OBJECT", "properties": properties}}, mentions=DECL0
    )
    assert "over" in error.close_reason()


def test_refusal_in_a_later_declaration_names_its_index() -> None:
    refused_tools(
        [
            {"googleSearch": {}},
            {"functionDeclarations": [TURN_ON, {"name": "g", "parameters": {"type": "OBJECT", "bogus": 1}}]},
        ],
        mentions="setup.tools[1].functionDeclarations[1].parameters.bogus",
    )


def test_parse_tools_directly_on_the_canonical_form() -> None:
    tools = parse_tools(
        [
            {"functionDeclarations": [{"name": "f", "behavior": "NON_BLOCKING", "description": "d"}]},
            {"urlContext": {}},
        ]
    )
    assert tools == Tools(
        functions=(FunctionDeclaration(name="f", description="d", non_blocking=True),),
        url_context=True,
    )
    assert parse_tools([]) == Tools()


# -- function responses ----------------------------------------------------------------------


def test_documentation_function_response() -> None:
    (response,) = responses({"id": "call-1", "name": "turn_on_the_lights", "response": {"result": "ok"}})
    assert response == FunctionResponse(id="call-1", name="turn_on_the_lights", response={"result": "ok"})
    assert response.scheduling is None
    assert response.will_continue is False


def test_snake_case_tool_response_from_the_python_sdk() -> None:
    message = parse_client_message(SDK_TOOL_RESPONSE)
    assert isinstance(message, ToolResponse)
    first, second = message.function_responses
    assert first == FunctionResponse(
        id="c1", name="f", response={"result": "ok"}, scheduling="INTERRUPT", will_continue=True
    )
    assert second == FunctionResponse(id="c2", name="g", response={"result": 1}, scheduling="WHEN_IDLE")


def test_snake_and_camel_case_responses_are_the_same() -> None:
    item = {"id": "c1", "name": "f", "response": {"result": 2}}
    snake = responses({**item, "will_continue": True}, snake=True)
    camel = responses({**item, "willContinue": True})
    assert snake == camel
    assert snake[0].will_continue is True


def test_several_responses_keep_their_order() -> None:
    items = [{"id": f"c{i}", "name": f"f{i}", "response": {"n": i}} for i in (3, 1, 2)]
    result = responses(*items)
    assert [r.id for r in result] == ["c3", "c1", "c2"]
    assert [r.response for r in result] == [{"n": 3}, {"n": 1}, {"n": 2}]
    assert all(isinstance(r, FunctionResponse) for r in result)


def test_empty_function_responses() -> None:
    assert responses() == ()
    assert parse({"toolResponse": {}}) == ToolResponse(function_responses=())


def test_name_and_response_default_to_empty() -> None:
    (response,) = responses({"id": "c1"})
    assert response.name == ""
    assert response.response == {}


def test_null_response_is_unset() -> None:
    (response,) = responses({"id": "c1", "response": None})
    assert response.response == {}


@pytest.mark.parametrize("item", [{"name": "f", "response": {}}, {"id": "", "response": {}}])
def test_id_is_required(item: dict[str, Any]) -> None:
    error = refused_responses(item, mentions="toolResponse.functionResponses[0].id")
    assert "toolCall" in error.close_reason()


def test_missing_id_names_the_response_index() -> None:
    refused_responses(
        {"id": "c1", "response": {}},
        {"name": "f", "response": {}},
        mentions="toolResponse.functionResponses[1].id",
    )


@pytest.mark.parametrize("response", ["ok", ["ok"], 1, True])
def test_response_must_be_an_object(response: Any) -> None:
    refused_responses(
        {"id": "c1", "response": response}, mentions="toolResponse.functionResponses[0].response"
    )


@pytest.mark.parametrize(
    ("scheduling", "expected"),
    [
        ("INTERRUPT", "INTERRUPT"),
        ("WHEN_IDLE", "WHEN_IDLE"),
        ("SILENT", "SILENT"),
        (3, "INTERRUPT"),  # protobuf JSON enum number
        ("SCHEDULING_UNSPECIFIED", None),
    ],
)
def test_scheduling_field(scheduling: Any, expected: str | None) -> None:
    (response,) = responses({"id": "c1", "response": {"result": "ok"}, "scheduling": scheduling})
    assert response.scheduling == expected
    assert response.response == {"result": "ok"}


@pytest.mark.parametrize("scheduling", ["NOW", "interrupt", 9])
def test_bad_scheduling_field_is_refused(scheduling: Any) -> None:
    refused_responses(
        {"id": "c1", "response": {}, "scheduling": scheduling},
        mentions="toolResponse.functionResponses[0].scheduling",
    )


def test_documentation_scheduling_inside_the_response_is_lifted() -> None:
    (response,) = responses(
        {"id": "c1", "name": "turn_on_the_lights", "response": {"result": "ok", "scheduling": "INTERRUPT"}}
    )
    assert response.scheduling == "INTERRUPT"
    assert response.response == {"result": "ok"}
    assert "scheduling" not in response.response


@pytest.mark.parametrize(
    ("inner", "expected"), [("when_idle", "WHEN_IDLE"), ("Silent", "SILENT"), ("interrupt", "INTERRUPT")]
)
def test_inner_scheduling_in_lowercase_is_accepted(inner: str, expected: str) -> None:
    (response,) = responses({"id": "c1", "response": {"result": 1, "scheduling": inner}})
    assert response.scheduling == expected
    assert response.response == {"result": 1}


def test_inner_scheduling_is_lifted_when_the_field_is_unspecified() -> None:
    (response,) = responses(
        {"id": "c1", "scheduling": "SCHEDULING_UNSPECIFIED", "response": {"scheduling": "SILENT"}}
    )
    assert response.scheduling == "SILENT"
    assert response.response == {}


@pytest.mark.parametrize("inner", ["SOON", ""])
def test_bogus_inner_scheduling_is_refused(inner: str) -> None:
    error = refused_responses(
        {"id": "c1", "response": {"result": "ok", "scheduling": inner}},
        mentions="toolResponse.functionResponses[0].response.scheduling",
    )
    assert "INTERRUPT" in error.close_reason()


def test_scheduling_field_wins_over_the_inner_value() -> None:
    (response,) = responses({"id": "c1", "scheduling": "SILENT", "response": {"scheduling": "INTERRUPT"}})
    assert response.scheduling == "SILENT"


def test_non_string_inner_scheduling_is_the_function_s_own_data() -> None:
    (response,) = responses({"id": "c1", "response": {"scheduling": {"meeting": "10:00"}}})
    assert response.scheduling is None
    assert response.response == {"scheduling": {"meeting": "10:00"}}


def test_will_continue() -> None:
    first, last = responses(
        {"id": "c1", "response": {"partial": 1}, "willContinue": True},
        {"id": "c1", "response": {"partial": 2}, "willContinue": False},
    )
    assert first.will_continue is True
    assert last.will_continue is False


def test_will_continue_must_be_a_boolean() -> None:
    refused_responses(
        {"id": "c1", "response": {}, "will_continue": "yes"},
        mentions="toolResponse.functionResponses[0].willContinue",
    )


def test_parse_function_responses_does_not_change_its_input() -> None:
    items = [{"id": "c1", "response": {"result": "ok", "scheduling": "WHEN_IDLE"}}]
    original = copy.deepcopy(items)
    (response,) = parse_function_responses(items)
    assert response.scheduling == "WHEN_IDLE"
    assert response.response == {"result": "ok"}
    assert items == original


# -- references and argument checks (issue 11, second round) -------------------------------------


def test_argument_checks_never_fetch_a_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    from openlive.wire.tools import argument_error

    def no_fetch(*args: object, **kwargs: object) -> object:
        raise AssertionError("the validator tried to fetch a $ref")

    monkeypatch.setattr(urllib.request, "urlopen", no_fetch)
    schema = {"type": "object", "properties": {"a": {"$ref": "http://127.0.0.1:9/x.json"}}}
    assert argument_error(schema, {"a": 1}) == "the schema cannot be applied"


def test_a_reference_cycle_is_a_mismatch_not_an_error() -> None:
    from openlive.wire.tools import argument_error

    schema = {"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}
    assert argument_error(schema, {}) == "the schema cannot be applied"


def test_local_references_are_served() -> None:
    from openlive.wire.tools import argument_error

    schema = {
        "type": "object",
        "$defs": {"city": {"type": "string"}},
        "properties": {"a": {"$ref": "#/$defs/city"}},
    }
    tools = parse_tools([{"functionDeclarations": [{"name": "f", "parametersJsonSchema": schema}]}])
    assert tools.functions[0].parameters == schema
    assert argument_error(schema, {"a": "Paris"}) is None
    assert argument_error(schema, {"a": 3}) == "3 is not of type 'string'"


def test_functions_are_counted_before_any_is_checked() -> None:
    entries = [{"functionDeclarations": [{"name": "bad name"}] * 200}]
    with pytest.raises(InvalidArgument) as error:
        parse_tools(entries)
    assert error.value.reason == "setup.tools declares 200 functions; at most 128"
