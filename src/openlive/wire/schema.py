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


@dataclass(frozen=True)
class Scalar:
    """A JSON scalar: ``str``, ``int``, ``float``, ``bool`` or ``bytes``."""

    kind: str


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

STR = Scalar("str")
INT = Scalar("int")
FLOAT = Scalar("float")
BOOL = Scalar("bool")
BYTES = Scalar("bytes")
ANY = Any_()

_SNAKE = re.compile(r"_([a-z0-9])")


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
        field_path = f"{path}.{name}" if path else str(name)
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
    raise InvalidArgument(f"{path} must be one of {', '.join(kind.values[1:])}, not {value!r}")


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
        return _to_int(value, path)
    if kind.kind == "float":
        return _to_float(value, path)
    if kind.kind == "bytes":
        return decode_bytes(value, path)
    raise AssertionError(f"unknown scalar kind {kind.kind}")


def _to_int(value: Any, path: str) -> int:
    # Protobuf JSON allows integers as numbers or strings, and integral floats (the
    # Python SDK sends topK as 3.0).
    if isinstance(value, bool):
        raise InvalidArgument(f"{path} must be an integer")
    if isinstance(value, str):
        # Parse integer strings exactly; a float() round trip would lose int64 precision.
        try:
            number = decimal.Decimal(value.strip()) if len(value) <= 64 else None
        except decimal.InvalidOperation:
            number = None
        value = (
            int(number)
            if number is not None and number.is_finite() and number == number.to_integral_value()
            else None
        )
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise InvalidArgument(f"{path} must be an integer")
    if not -(2**63) <= value < 2**63:
        raise InvalidArgument(f"{path} is out of range")
    return value


def _to_float(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise InvalidArgument(f"{path} must be a number")
    if not isinstance(value, (int, float, str)):
        raise InvalidArgument(f"{path} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise InvalidArgument(f"{path} must be a number") from None
    except OverflowError:
        raise InvalidArgument(f"{path} must be a finite number") from None
    if not math.isfinite(number):
        raise InvalidArgument(f"{path} must be a finite number")
    return number


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
