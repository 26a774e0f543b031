"""Protobuf-JSON rules for client messages, as data.

A tiny schema language describes every documented client message. ``normalize``
walks a decoded JSON value against it and returns the same value with:

- every field name in lowerCamelCase (snake_case spellings accepted at any level),
- enum values as their string names (names or numbers accepted),
- ``bytes`` fields decoded from standard or URL-safe base64, padded or not,
- ``null`` fields dropped, as protobuf JSON treats them as unset.

Anything else is refused with :class:`~openlive.errors.InvalidArgument` and a
reason naming the path of the offending field, e.g. ``setup.generationConfig.foo``.
"""

from __future__ import annotations

import base64
import binascii
import decimal
import math
import re
from dataclasses import dataclass, field
from typing import Any

from openlive.errors import InvalidArgument, NotSupportedYet
from openlive.wire.decode import show_name


@dataclass(frozen=True)
class Scalar:
    """A JSON scalar: ``str``, ``int``, ``float``, ``bool`` or ``bytes``.

    Attributes:
        kind: Which scalar.
        low: The smallest value allowed (numbers only); ``None`` for the type's own bound.
        high: The largest value allowed (numbers only).
    """

    kind: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Enum:
    """A protobuf enum; ``values`` are listed in proto order so numbers map too."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Any_:
    """A free-form JSON value (``google.protobuf.Struct``/``Value``): kept as sent."""


@dataclass(frozen=True)
class ListOf:
    """A repeated field."""

    item: Kind


@dataclass(frozen=True)
class Obj:
    """A message with named fields (camelCase names).

    Attributes:
        fields: Field name to kind.
        later: Field names that are documented but not served yet; sending one is
            refused with a 'not supported yet' reason.
    """

    fields: dict[str, Kind]
    later: frozenset[str] = field(default_factory=frozenset)


Kind = Scalar | Enum | Any_ | ListOf | Obj

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

STR = Scalar("str")
INT = Scalar("int", INT64_MIN, INT64_MAX)
INT32 = Scalar("int", INT32_MIN, INT32_MAX)
FLOAT = Scalar("float")
BOOL = Scalar("bool")
BYTES = Scalar("bytes")
ANY = Any_()

_SNAKE = re.compile(r"_([a-z0-9])")
# Numbers sent as strings, as protobuf JSON allows: plain ASCII decimal notation,
# short enough that converting one costs microseconds.
_NUMBER_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
MAX_NUMBER_TEXT = 64
# Integers written with an exponent: beyond this many digits a value is out of
# every integer field's range, and is refused before it is ever expanded.
_MAX_INT_DIGITS = 19


def to_camel(name: str) -> str:
    """Return the lowerCamelCase spelling of a snake_case field name."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def normalize(value: Any, kind: Kind, path: str) -> Any:
    """Check ``value`` against ``kind`` and return its canonical form.

    Args:
        value: A value decoded from JSON.
        kind: The schema it must follow.
        path: Dotted path of ``value`` in the message, used in error reasons.

    Returns:
        The canonical value (camelCase keys, enum names, decoded bytes).

    Raises:
        InvalidArgument: The value does not follow the schema.
        NotSupportedYet: A documented field that this server does not serve yet.
    """
    if isinstance(kind, Obj):
        return _normalize_obj(value, kind, path)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise InvalidArgument(f"{path} must be a list")
        return [normalize(item, kind.item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(kind, Enum):
        return _normalize_enum(value, kind, path)
    if isinstance(kind, Any_):
        return value
    return _normalize_scalar(value, kind, path)


def _normalize_obj(value: Any, kind: Obj, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidArgument(f"{path} must be an object")
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for raw_name, item in value.items():
        name = to_camel(raw_name) if isinstance(raw_name, str) else raw_name
        field_path = f"{path}.{show_name(name)}" if path else show_name(name)
        if name not in kind.fields:
            raise InvalidArgument(f"unknown field {field_path}")
        if name in seen:
            raise InvalidArgument(f"field {field_path} is given twice")
        seen.add(name)
        if item is None:
            continue
        if name in kind.later:
            raise NotSupportedYet(f"{field_path} is not supported yet by this openlive server")
        out[name] = normalize(item, kind.fields[name], field_path)
    return out


def _normalize_enum(value: Any, kind: Enum, path: str) -> str:
    if isinstance(value, bool):
        raise InvalidArgument(f"{path} must be one of {', '.join(kind.values[1:])}")
    if isinstance(value, int) and 0 <= value < len(kind.values):
        return kind.values[value]
    if isinstance(value, str) and value in kind.values:
        return value
    raise InvalidArgument(f"{path} must be one of {', '.join(kind.values[1:])}, not {_show(value)}")


def _show(value: Any) -> str:
    # A client value quoted in a reason: short whatever was sent (a repr of a long
    # or deeply nested value would be costly, and too long for a close frame).
    if isinstance(value, str):
        return ascii(value[:40]) + ("..." if len(value) > 40 else "")
    if isinstance(value, (bool, int, float)) and len(text := repr(value)) <= 40:
        return text
    if isinstance(value, (int, float)):
        return "a number out of range"
    return "a list" if isinstance(value, list) else "an object" if isinstance(value, dict) else "null"


def _normalize_scalar(value: Any, kind: Scalar, path: str) -> Any:
    if kind.kind == "str":
        if not isinstance(value, str):
            raise InvalidArgument(f"{path} must be a string")
        return value
    if kind.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidArgument(f"{path} must be true or false")
        return value
    if kind.kind == "int":
        return _to_int(value, path, kind.low, kind.high)
    if kind.kind == "float":
        return _to_float(value, path, kind.low, kind.high)
    if kind.kind == "bytes":
        return decode_bytes(value, path)
    raise AssertionError(f"unknown scalar kind {kind.kind}")


def _to_int(value: Any, path: str, low: float | None, high: float | None) -> int:
    # Protobuf JSON allows integers as numbers or strings, and integral floats (the
    # Python SDK sends topK as 3.0).
    if isinstance(value, bool):
        raise InvalidArgument(f"{path} must be an integer")
    if isinstance(value, str):
        value = _int_from_text(value, path)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        # Fast for any finite float: a double holds at most 1024 bits of integer.
        value = int(value)
    if not isinstance(value, int):
        raise InvalidArgument(f"{path} must be an integer")
    _check_range(value, path, INT64_MIN if low is None else low, INT64_MAX if high is None else high)
    return value


def _int_from_text(text: str, path: str) -> int:
    text = text.strip()
    if len(text) > MAX_NUMBER_TEXT or not _NUMBER_TEXT.fullmatch(text):
        raise InvalidArgument(f"{path} must be an integer")
    # Exact, as a float() round trip would lose int64 precision; the exponent is
    # checked before the value is expanded, so "1e600000" costs no more than "1".
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        # An exponent past what decimal can hold (about 10**18): far out of range,
        # or a zero or fraction no integer field needs written that way.
        raise InvalidArgument(f"{path} is out of range") from None
    if number.is_zero():
        return 0
    if number.adjusted() < 0 or number != number.to_integral_value():
        raise InvalidArgument(f"{path} must be an integer")
    if number.adjusted() >= _MAX_INT_DIGITS:
        raise InvalidArgument(f"{path} is out of range")
    return int(number)


def _to_float(value: Any, path: str, low: float | None, high: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidArgument(f"{path} must be a number")
    if isinstance(value, str):
        text = value.strip()
        # float() alone would also take "1_0", "inf", non-ASCII digits and any length.
        if len(text) > MAX_NUMBER_TEXT or not _NUMBER_TEXT.fullmatch(text):
            raise InvalidArgument(f"{path} must be a number")
        value = text
    try:
        number = float(value)
    except OverflowError:
        raise InvalidArgument(f"{path} must be a finite number") from None
    if not math.isfinite(number):
        raise InvalidArgument(f"{path} must be a finite number")
    _check_range(number, path, low, high)
    return number


def _check_range(value: float, path: str, low: float | None, high: float | None) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        shown = _show(value)
        if low is not None and high is not None:
            raise InvalidArgument(f"{path} must be from {_bound(low)} to {_bound(high)}, not {shown}")
        if low is not None:
            raise InvalidArgument(f"{path} must be at least {_bound(low)}, not {shown}")
        raise InvalidArgument(f"{path} must be at most {_bound(high)}, not {shown}")


def _bound(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def decode_bytes(value: Any, path: str) -> bytes:
    """Decode base64 in the standard or URL-safe alphabet, padded or not.

    Raises:
        InvalidArgument: ``value`` is not a base64 string.
    """
    if not isinstance(value, str):
        raise InvalidArgument(f"{path} must be a base64 string")
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument(f"{path} is not valid base64") from None
