"""Decode one client frame into JSON, refusing hostile values at the wire boundary.

Everything a client sends passes through :func:`decode_frame` before the schema
sees it, so the rest of openlive can rely on what comes out:

- no lone UTF-16 surrogate in any string or field name (they cannot be encoded
  as UTF-8, so they would fail later in a model, a store or a close frame),
- no NaN or Infinity (``json.loads`` accepts them; JSON and protobuf do not),
  and no number literal longer than :data:`MAX_NUMBER_CHARS` characters, so
  converting any number costs microseconds,
- no nesting deeper than :data:`MAX_DEPTH` (protobuf's own parse limit), so code
  that walks a value recursively cannot run out of stack,
- no field named twice in one object.

Each refusal is an :class:`~openlive.errors.InvalidArgument` (close 1007) whose
reason names the offending field's path as the client spelled it.

The checks cost next to nothing on ordinary frames: number literals are checked
by the parser's hooks as they are read, and the walk over the whole value runs
only when a cheap look at the raw text says it could find something.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from openlive.errors import InvalidArgument

# Protobuf refuses messages nested deeper than 100 levels; so does the Live API.
MAX_DEPTH = 100
# The longest number literal accepted. A double needs at most ~25 significant
# characters; 400 leaves room for integers as long as the largest double (309
# digits) while keeping int() and float() on any literal in the microseconds.
MAX_NUMBER_CHARS = 400
_MAX_INT_BITS = int(MAX_NUMBER_CHARS * math.log2(10))

_SURROGATE = re.compile("[\ud800-\udfff]")
# A \u escape of a surrogate: a valid pair is fine, a lone one is not; seeing
# either means the decoded value must be searched for lone ones.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class _BadNumber:
    """Stands in for a refused number literal until its path is known."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text
        self.problem = problem


class _Decoding:
    """Per-frame parser hooks.

    They note bad literals instead of raising, so the reason can name the field
    the literal was found in.
    """

    def __init__(self) -> None:
        self.bad_numbers = False

    def number(self, text: str, convert: type[int] | type[float]) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            self.bad_numbers = True
            return _BadNumber(text, f"is a number over {MAX_NUMBER_CHARS} characters long")
        value = convert(text)
        if isinstance(value, float) and not math.isfinite(value):
            self.bad_numbers = True
            return _BadNumber(text, "is a number too large for a double; send finite numbers")
        return value

    def parse_int(self, text: str) -> Any:
        return self.number(text, int)

    def parse_float(self, text: str) -> Any:
        return self.number(text, float)

    def parse_constant(self, text: str) -> Any:
        self.bad_numbers = True
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
    elif not frame.isascii() and _SURROGATE.search(frame):
        # A text frame read off a socket is valid UTF-8 and cannot hold one; a str
        # handed in by other code can.
        raise InvalidArgument("message holds a lone UTF-16 surrogate; send valid Unicode text")
    hooks = _Decoding()
    try:
        value = json.loads(
            frame,
            object_pairs_hook=_refuse_duplicate_keys,
            parse_int=hooks.parse_int,
            parse_float=hooks.parse_float,
            parse_constant=hooks.parse_constant,
        )
    except _DuplicateKey as duplicate:
        raise InvalidArgument(f"field {show_name(duplicate.key)} is given twice in one object") from None
    except RecursionError:
        # The C parser gives up near the interpreter's recursion limit, far past MAX_DEPTH.
        raise InvalidArgument(f"message is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:
        raise InvalidArgument("message is not valid JSON") from None
    if (
        hooks.bad_numbers
        or (len(frame) > 2 * MAX_DEPTH and frame.count("[") + frame.count("{") > MAX_DEPTH)
        or ("\\u" in frame and _SURROGATE_ESCAPE.search(frame) is not None)
    ):
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
    # Paths are built only for the reason: each entry keeps (parent entry, key).
    stack: list[tuple[Any, int, tuple[Any, str | int] | None]] = [(value, 0, None)]

    def _render(where: tuple[Any, str | int] | None) -> str:
        return render_path(where, path)

    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                raise InvalidArgument(
                    f"{_render(where)} holds a lone UTF-16 surrogate; send valid Unicode text"
                )
        elif isinstance(item, _BadNumber):
            raise InvalidArgument(f"{_render(where)} {item.problem}")
        elif isinstance(item, int):
            # Only values decoded without decode_frame's hooks can hold one this long.
            if item.bit_length() > _MAX_INT_BITS:
                raise InvalidArgument(f"{_render(where)} is a number over {MAX_NUMBER_CHARS} characters long")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidArgument(f"{_render(where)} is {item}, which is not JSON; send finite numbers")
        elif isinstance(item, dict) or isinstance(item, list):
            if depth >= MAX_DEPTH:
                raise InvalidArgument(
                    f"message is nested more than {MAX_DEPTH} levels deep (at {_render(where)})"
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str) and not key.isascii() and _SURROGATE.search(key):
                        raise InvalidArgument(
                            f"a field name in {_render(where)} holds a lone UTF-16 surrogate; "
                            "send valid Unicode text"
                        )
                    stack.append((child, depth + 1, (where, key)))
            else:
                stack.extend((child, depth + 1, (where, i)) for i, child in enumerate(item))


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
