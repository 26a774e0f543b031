"""The tools a session declares in ``setup.tools``, and the client's function responses.

Parsing only: checking names and schemas so that a bad declaration is refused
at setup with a reason, not when the model first tries to call it. No I/O.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import jsonschema
import jsonschema.exceptions
from referencing import Registry
from referencing.exceptions import Unresolvable

from openlive.errors import InvalidArgument

# The Gemini API's rule for function names.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
MAX_FUNCTIONS = 128
MAX_SCHEMA_CHARS = 64_000
# All declarations' schemas together: checking a schema against the JSON Schema
# meta-schema costs about 15 ms per 1,000 characters, so this bounds what one
# setup can cost (about a second) however many functions it declares.
MAX_TOTAL_SCHEMA_CHARS = 64_000

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
    # Counted before any declaration is checked, so a long list costs nothing.
    declared = sum(len(entry.get("functionDeclarations", [])) for entry in entries)
    if declared > MAX_FUNCTIONS:
        raise InvalidArgument(f"setup.tools declares {declared} functions; at most {MAX_FUNCTIONS}")
    budget = [MAX_TOTAL_SCHEMA_CHARS]
    for index, entry in enumerate(entries):
        path = f"setup.tools[{index}]"
        if "googleSearchRetrieval" in entry:
            raise InvalidArgument(
                f"{path}.googleSearchRetrieval is not supported in the Live API; use googleSearch"
            )
        for number, declaration in enumerate(entry.get("functionDeclarations", [])):
            functions.append(_declaration(declaration, f"{path}.functionDeclarations[{number}]", budget))
        code |= "codeExecution" in entry
        search |= "googleSearch" in entry
        url |= "urlContext" in entry
    seen: set[str] = set()
    duplicate = None
    for function in functions:
        if function.name in seen:
            duplicate = function.name
            break
        seen.add(function.name)
    if duplicate is not None:
        raise InvalidArgument(f"setup.tools declares the function {duplicate!r} twice")
    return Tools(tuple(functions), code_execution=code, google_search=search, url_context=url)


def _declaration(body: dict[str, Any], path: str, budget: list[int] | None = None) -> FunctionDeclaration:
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
    _check_schema(parameters, path, budget)
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


def _check_schema(schema: dict[str, Any], path: str, budget: list[int] | None = None) -> None:
    size = len(json.dumps(schema))
    if size > MAX_SCHEMA_CHARS:
        raise InvalidArgument(f"{path}: the parameters schema is over {MAX_SCHEMA_CHARS} characters")
    if budget is not None:
        budget[0] -= size
        if budget[0] < 0:
            raise InvalidArgument(
                f"{path}: the functions' parameters schemas are over {MAX_TOTAL_SCHEMA_CHARS} "
                "characters together; declare fewer or smaller functions"
            )
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        where = "/".join(str(p) for p in error.path) or "top level"
        raise InvalidArgument(f"{path}: invalid schema at {where}: {error.message[:120]}") from None
    _check_references(schema, path)


def _check_references(schema: dict[str, Any], path: str) -> None:
    """Refuse ``$ref``s that do not point into the schema itself.

    A reference to a URL would make the validator fetch it (a request to any
    address, from the server) and one that points nowhere would fail only when
    the model first calls the function; both are refused at setup.
    """
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for keyword in ("$ref", "$dynamicRef"):
            ref = node.get(keyword)
            if isinstance(ref, str) and not _resolves_locally(schema, ref):
                raise InvalidArgument(
                    f"{path}: {keyword} {ref[:40]!r} does not point into the schema; only references "
                    "within it (#/$defs/...) are served"
                )
        stack.extend(node.values())


def _resolves_locally(schema: dict[str, Any], ref: str) -> bool:
    if ref == "#":
        return True
    if not ref.startswith("#/"):
        return False
    target: Any = schema
    for token in ref[2:].split("/"):
        token = unquote(token).replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            return False
    return isinstance(target, (dict, bool))


def argument_error(schema: dict[str, Any], arguments: dict[str, Any]) -> str | None:
    """Why ``arguments`` do not fit a function's ``schema``; ``None`` when they do.

    Nothing is ever fetched (the registry is empty, so a remote ``$ref`` cannot be
    resolved), and a schema that cannot be applied (a reference cycle) counts as
    a mismatch rather than an error.
    """
    try:
        jsonschema.Draft202012Validator(schema, registry=Registry()).validate(arguments)
    except jsonschema.ValidationError as error:
        return error.message
    except (Unresolvable, RecursionError):
        return "the schema cannot be applied"
    return None


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
