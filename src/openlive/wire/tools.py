"""The tools a session declares in ``setup.tools``, and the client's function responses.

Parsing only: checking names and schemas so that a bad declaration is refused
at setup with a reason, not when the model first tries to call it. No I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import jsonschema.exceptions

from openlive.errors import InvalidArgument

# The Gemini API's rule for function names.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
MAX_FUNCTIONS = 128
MAX_SCHEMA_CHARS = 64_000

# OpenAPI Schema fields (the Gemini ``Schema`` message) and their JSON Schema names.
_OPENAPI_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}
_SAME_NAME = (
    "format",
    "title",
    "description",
    "enum",
    "maxItems",
    "minItems",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "default",
)
# Fields that only order or illustrate; they do not constrain values.
_IGNORED = ("propertyOrdering", "example")


def _empty_object_schema() -> dict[str, Any]:
    # A fresh dict each time: declarations must not share (and so alter) one schema.
    return {"type": "object", "properties": {}, "additionalProperties": False}


EMPTY_OBJECT_SCHEMA: dict[str, Any] = _empty_object_schema()


def _camel(key: str) -> str:
    # The Python SDK sends a schema's own keywords in snake_case (max_length,
    # any_of); property names are the developer's and are never renamed.
    head, *rest = key.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


@dataclass(frozen=True)
class FunctionDeclaration:
    """A function the model may call.

    Attributes:
        name: The function's name.
        description: What it does, in the developer's words.
        parameters: Its arguments as a JSON Schema for an object (converted from the
            OpenAPI subset when the client used ``parameters``); a function without
            parameters takes an empty object.
        non_blocking: ``behavior: NON_BLOCKING``: the conversation goes on while it runs.
    """

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=_empty_object_schema)
    non_blocking: bool = False


@dataclass(frozen=True)
class Tools:
    """Everything ``setup.tools`` declares, merged across its entries."""

    functions: tuple[FunctionDeclaration, ...] = ()
    code_execution: bool = False
    google_search: bool = False
    url_context: bool = False

    @property
    def any(self) -> bool:
        """Whether any tool is declared."""
        return bool(self.functions) or self.code_execution or self.google_search or self.url_context

    def function(self, name: str) -> FunctionDeclaration | None:
        """The declaration named ``name``, if any."""
        return next((f for f in self.functions if f.name == name), None)


@dataclass(frozen=True)
class FunctionResponse:
    """The client's answer to one function call.

    Attributes:
        id: The call's id, as the server sent it in ``toolCall``.
        name: The function's name.
        response: The result, a JSON object.
        scheduling: For a non-blocking function: ``INTERRUPT``, ``WHEN_IDLE`` or
            ``SILENT``; ``None`` when the client named none.
        will_continue: More responses for this call will follow.
    """

    id: str
    name: str
    response: dict[str, Any]
    scheduling: str | None = None
    will_continue: bool = False


def parse_tools(entries: list[dict[str, Any]]) -> Tools:
    """Typed tools from the canonical ``setup.tools`` list.

    Raises:
        InvalidArgument: A declaration is malformed; the reason names it.
    """
    functions: list[FunctionDeclaration] = []
    code = search = url = False
    for index, entry in enumerate(entries):
        path = f"setup.tools[{index}]"
        if "googleSearchRetrieval" in entry:
            raise InvalidArgument(
                f"{path}.googleSearchRetrieval is not supported in the Live API; use googleSearch"
            )
        for number, declaration in enumerate(entry.get("functionDeclarations", [])):
            functions.append(_declaration(declaration, f"{path}.functionDeclarations[{number}]"))
        code |= "codeExecution" in entry
        search |= "googleSearch" in entry
        url |= "urlContext" in entry
    if len(functions) > MAX_FUNCTIONS:
        raise InvalidArgument(f"setup.tools declares {len(functions)} functions; at most {MAX_FUNCTIONS}")
    names = [f.name for f in functions]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise InvalidArgument(f"setup.tools declares the function {duplicate!r} twice")
    return Tools(tuple(functions), code_execution=code, google_search=search, url_context=url)


def _declaration(body: dict[str, Any], path: str) -> FunctionDeclaration:
    name = body.get("name", "")
    if not _NAME.fullmatch(name):
        shown = name if len(name) <= 20 else name[:17] + "..."
        raise InvalidArgument(
            f"{path}.name {shown!r} is not a valid function name: at most 64 letters, digits, "
            "_ . : or -, starting with a letter or _"
        )
    if "parameters" in body and "parametersJsonSchema" in body:
        raise InvalidArgument(f"{path}: set parameters or parametersJsonSchema, not both")
    if "parametersJsonSchema" in body:
        parameters = _json_schema(body["parametersJsonSchema"], f"{path}.parametersJsonSchema")
    elif "parameters" in body:
        parameters = openapi_to_json_schema(body["parameters"], f"{path}.parameters")
    else:
        parameters = _empty_object_schema()
    if parameters.get("type") not in ("object", None):
        raise InvalidArgument(
            f"{path}: the parameters schema must describe an object, not {parameters['type']}"
        )
    _check_schema(parameters, path)
    return FunctionDeclaration(
        name=name,
        description=str(body.get("description", "")),
        parameters=parameters,
        non_blocking=body.get("behavior") == "NON_BLOCKING",
    )


def _json_schema(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{path} must be a JSON Schema object")
    return value


def _check_schema(schema: dict[str, Any], path: str) -> None:
    if len(json.dumps(schema)) > MAX_SCHEMA_CHARS:
        raise InvalidArgument(f"{path}: the parameters schema is over {MAX_SCHEMA_CHARS} characters")
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        where = "/".join(str(p) for p in error.path) or "top level"
        raise InvalidArgument(f"{path}: invalid schema at {where}: {error.message[:120]}") from None


def openapi_to_json_schema(value: Any, path: str) -> dict[str, Any]:
    """Convert a Gemini ``Schema`` (the OpenAPI subset) to JSON Schema.

    Raises:
        InvalidArgument: ``value`` is not a valid schema; the reason names the field.
    """
    if not isinstance(value, dict):
        raise InvalidArgument(f"{path} must be a schema object")
    result: dict[str, Any] = {}
    for raw_key, item in value.items():
        key = _camel(raw_key)
        if key == "type":
            kind = str(item).upper()
            if kind == "TYPE_UNSPECIFIED":
                continue
            if kind not in _OPENAPI_TYPES:
                raise InvalidArgument(
                    f"{path}.type {str(item)[:30]!r} is not one of {', '.join(sorted(_OPENAPI_TYPES))}"
                )
            result["type"] = kind.lower()
        elif key == "properties":
            if not isinstance(item, dict):
                raise InvalidArgument(f"{path}.properties must be an object")
            result["properties"] = {
                name: openapi_to_json_schema(sub, f"{path}.properties.{name}") for name, sub in item.items()
            }
        elif key == "items":
            result["items"] = openapi_to_json_schema(item, f"{path}.items")
        elif key == "anyOf":
            if not isinstance(item, list):
                raise InvalidArgument(f"{path}.anyOf must be a list")
            result["anyOf"] = [
                openapi_to_json_schema(sub, f"{path}.anyOf[{i}]") for i, sub in enumerate(item)
            ]
        elif key == "required":
            if not isinstance(item, list) or not all(isinstance(n, str) for n in item):
                raise InvalidArgument(f"{path}.required must be a list of property names")
            result["required"] = item
        elif key in _SAME_NAME:
            result[key] = item
        elif key == "nullable":
            continue  # applied below, once the type is known
        elif key in _IGNORED:
            continue
        else:
            raise InvalidArgument(f"{path}.{raw_key[:40]} is not a field of the parameters schema")
    missing = [n for n in result.get("required", []) if n not in result.get("properties", {})]
    if missing:
        raise InvalidArgument(f"{path}.required names {missing[0]!r}, which is not in properties")
    nullable = bool(value.get("nullable"))
    if nullable and "type" in result:
        result["type"] = [result["type"], "null"]
    if nullable and isinstance(result.get("enum"), list) and None not in result["enum"]:
        result["enum"] = [*result["enum"], None]
    json_type = result.get("type")
    is_object = json_type == "object" or (isinstance(json_type, list) and "object" in json_type)
    if is_object and "properties" in result:
        # The model may not invent arguments the developer did not declare.
        result.setdefault("additionalProperties", False)
    return result


def parse_function_responses(items: list[dict[str, Any]]) -> tuple[FunctionResponse, ...]:
    """Typed function responses from the canonical ``toolResponse.functionResponses``.

    Raises:
        InvalidArgument: A response has no id, or its ``response`` is not an object.
    """
    responses = []
    for index, item in enumerate(items):
        path = f"toolResponse.functionResponses[{index}]"
        call_id = item.get("id", "")
        if not call_id:
            raise InvalidArgument(f"{path}.id is required: copy it from the toolCall's functionCalls[].id")
        response = item.get("response", {})
        if not isinstance(response, dict):
            raise InvalidArgument(f'{path}.response must be a JSON object, e.g. {{"result": ...}}')
        scheduling = item.get("scheduling")
        # The documentation's example puts scheduling inside the response object.
        inner = response.get("scheduling")
        if scheduling in (None, "SCHEDULING_UNSPECIFIED") and isinstance(inner, str):
            scheduling = inner.upper()
            if scheduling not in ("INTERRUPT", "WHEN_IDLE", "SILENT", "SCHEDULING_UNSPECIFIED"):
                raise InvalidArgument(
                    f"{path}.response.scheduling {inner[:20]!r} is not INTERRUPT, WHEN_IDLE or SILENT"
                )
            response = {k: v for k, v in response.items() if k != "scheduling"}
        if scheduling == "SCHEDULING_UNSPECIFIED":
            scheduling = None
        responses.append(
            FunctionResponse(
                id=call_id,
                name=str(item.get("name", "")),
                response=response,
                scheduling=scheduling,
                will_continue=bool(item.get("willContinue", False)),
            )
        )
    return tuple(responses)
