"""Decode one client frame into JSON, refusing hostile values at the wire boundary.

Everything a client sends passes through :func:`decode_frame` before the schema
sees it, so the rest of openlive can rely on what comes out:

- no lone UTF-16 surrogate in any string or field name (they cannot be encoded
  as UTF-8, so they would fail later in a model, a store or a close frame),
- no NaN or Infinity (``json.loads`` accepts them; JSON and protobuf do not),
  nor a number beyond a double (``1e999`` decodes as infinity), nor an integer
  of more than :data:`MAX_NUMBER_DIGITS` digits (Python itself refuses to
  convert literals over 4,300 digits, which bounds what converting one costs;
  numbers sent as strings are bounded in ``schema.py``),
- no nesting deeper than :data:`MAX_DEPTH` (protobuf's own parse limit), so code
  that walks a value recursively cannot run out of stack,
- no field named twice in one object.

Each refusal is an :class:`~openlive.errors.InvalidArgument` (close 1007) whose
reason names the offending field's path as the client spelled it.

The checks cost a small multiple of ``json.loads``'s own time on any frame, and
next to nothing on frames of few values (audio, text): one iterative walk over
the decoded value in which a container costs a push, an ASCII string or a plain
number a type check, and a non-ASCII string one C-speed regex search.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from openlive.errors import InvalidArgument

# Protobuf refuses messages nested deeper than 100 levels; so does the Live API.
MAX_DEPTH = 100
# The longest integer accepted: room for one as large as the largest double
# (309 digits), as free-form fields hold doubles in protobuf.
MAX_NUMBER_DIGITS = 400
_INT_LIMIT = 10**MAX_NUMBER_DIGITS
_INT_LIMIT_BITS = _INT_LIMIT.bit_length()

_SURROGATE = re.compile("[\ud800-\udfff]")


class _BadNumber:
    """Stands in for NaN or Infinity until the walk finds the field it is in."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


def _parse_constant(text: str) -> Any:
    return _BadNumber(text, f"is {text}, which is not JSON; send finite numbers")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Protobuf JSON refuses an object that names a field twice; plain json.loads
    # would silently keep the last one.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def decode_frame(frame: str | bytes | bytearray | memoryview) -> Any:
    """Decode one frame's JSON and refuse hostile values.

    Args:
        frame: The frame's payload; binary frames must hold UTF-8.

    Returns:
        The decoded JSON value (any JSON type; the caller checks its shape).

    Raises:
        InvalidArgument: The frame is not JSON, or holds a value refused above.
    """
    if isinstance(frame, (bytes, bytearray, memoryview)):
        try:
            frame = bytes(frame).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidArgument("binary frame is not UTF-8 JSON") from None
    try:
        value = json.loads(
            frame,
            object_pairs_hook=_refuse_duplicate_keys,
            parse_constant=_parse_constant,
        )
    except _DuplicateKey as duplicate:
        raise InvalidArgument(f"field {show_name(duplicate.key)} is given twice in one object") from None
    except RecursionError:
        # The C parser gives up near the interpreter's recursion limit, far past MAX_DEPTH.
        raise InvalidArgument(f"message is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:
        if "integer string conversion" in str(error):
            # Python itself refuses integer literals over 4,300 digits.
            raise InvalidArgument(
                f"message holds an integer of more than {MAX_NUMBER_DIGITS} digits"
            ) from None
        raise InvalidArgument("message is not valid JSON") from None
    check_json(value)
    return value


def check_json(value: Any, path: str = "") -> None:
    """Refuse lone surrogates, non-finite or over-long numbers, and deep nesting in ``value``.

    Iterative, so a deeply nested value cannot exhaust the stack while it is checked.

    Args:
        value: A decoded JSON value.
        path: The path of ``value`` in its message, for reasons ("" for the whole message).

    Raises:
        InvalidArgument: The first problem found, naming its path.
    """

    # One tight loop, as a message may hold hundreds of thousands of values: only
    # non-empty containers go on the stack, and each path is built only for a
    # reason, from (parent entry, key) links.
    def refuse(where: tuple[Any, str | int] | None, problem: str) -> InvalidArgument:
        return InvalidArgument(f"{render_path(where, path)} {problem}")

    stack: list[tuple[Any, int, tuple[Any, str | int] | None]] = [([value], -1, None)]
    while stack:
        container, depth, parent = stack.pop()
        depth += 1
        is_dict = type(container) is dict
        for key, child in container.items() if is_dict else enumerate(container):
            if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                raise InvalidArgument(
                    f"a field name in {render_path(parent, path)} holds a lone UTF-16 surrogate; "
                    "send valid Unicode text"
                )
            # The wrapper list around the root adds no level to the path.
            where = (parent, key) if depth else None
            kind = type(child)
            if kind is str:
                if child.isascii() or not _SURROGATE.search(child):
                    continue
                raise refuse(where, "holds a lone UTF-16 surrogate; send valid Unicode text")
            if kind is dict or kind is list:
                if depth >= MAX_DEPTH:
                    raise InvalidArgument(
                        f"message is nested more than {MAX_DEPTH} levels deep (at {render_path(where, path)})"
                    )
                if child:
                    stack.append((child, depth, where))
            elif kind is float:
                # False for NaN too; a literal like 1e999 is decoded as infinity.
                if not -math.inf < child < math.inf:
                    raise refuse(
                        where,
                        "is not a finite number (NaN, Infinity or beyond a double); send finite numbers",
                    )
            elif kind is int:
                if child.bit_length() >= _INT_LIMIT_BITS and abs(child) >= _INT_LIMIT:
                    raise refuse(where, f"is an integer of more than {MAX_NUMBER_DIGITS} digits")
            elif kind is _BadNumber:
                raise refuse(where, child.problem)


def show_name(name: object) -> str:
    """A field name as it may appear in a reason or a log: short, and escaped unless printable."""
    text = str(name)
    if not text.isprintable():
        # Control characters could forge a log line; lone surrogates cannot be encoded.
        text = ascii(text)[1:-1]
    return text[:40] + "..." if len(text) > 43 else text


def render_path(where: tuple[Any, str | int] | None, prefix: str = "") -> str:
    """The dotted path of a (parent, key) chain, e.g. ``setup.tools[0].name``."""
    parts: list[str] = []
    while where is not None:
        where, key = where
        parts.append(f"[{key}]" if isinstance(key, int) else show_name(key))
    text = prefix
    for part in reversed(parts):
        text += part if part.startswith("[") or not text else "." + part
    return text or "message"
