"""An independent check of what the parser accepted, written apart from ``wire/``.

``conforms`` walks a canonical value against the spec the way a reader of the
spec would, without the parser's code: if the parser ever accepts something the
schema refuses, this says where.
"""

from __future__ import annotations

import json
import math
from typing import Any

from openlive.wire.schema import Any_, Enum, Kind, ListOf, Obj, Scalar

INT64 = (-(2**63), 2**63 - 1)
MAX_DEPTH = 100


def no_surrogates(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def plain_json(value: Any, depth: int = 0) -> list[str]:
    """Problems that make ``value`` unfit to be saved or sent as JSON."""
    if depth > MAX_DEPTH:
        return ["nested too deep"]
    if isinstance(value, str):
        return [] if no_surrogates(value) else [f"surrogate in {value!a}"]
    if isinstance(value, float):
        return [] if math.isfinite(value) else [f"non-finite {value}"]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int):
        return [] if abs(value) < 10**400 else ["huge integer"]
    if isinstance(value, list):
        return [p for item in value for p in plain_json(item, depth + 1)]
    if isinstance(value, dict):
        problems = [f"surrogate in key {k!a}" for k in value if not no_surrogates(k)]
        return problems + [p for item in value.values() for p in plain_json(item, depth + 1)]
    return [f"not JSON: {type(value).__name__}"]


def conforms(value: Any, kind: Kind, path: str = "") -> list[str]:
    """Problems with a canonical (normalised) ``value`` of ``kind``; empty when it conforms."""
    if isinstance(kind, Obj):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        problems = []
        for name, item in value.items():
            if name not in kind.fields:
                problems.append(f"{path}.{name}: not in the schema")
            elif name in kind.later:
                problems.append(f"{path}.{name}: not supported yet, yet accepted")
            else:
                problems += conforms(item, kind.fields[name], f"{path}.{name}")
        return problems
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for i, item in enumerate(value) for p in conforms(item, kind.item, f"{path}[{i}]")]
    if isinstance(kind, Enum):
        return [] if isinstance(value, str) and value in kind.values else [f"{path}: {value!a} not in enum"]
    if isinstance(kind, Any_):
        problems = plain_json(value)
        try:
            json.dumps(value, allow_nan=False).encode("utf-8")
        except (ValueError, TypeError) as error:
            problems.append(f"{path}: cannot be saved: {error}")
        return [f"{path}: {p}" for p in problems]
    assert isinstance(kind, Scalar)
    if kind.kind == "str":
        ok = isinstance(value, str) and no_surrogates(value)
    elif kind.kind == "bool":
        ok = isinstance(value, bool)
    elif kind.kind == "bytes":
        ok = isinstance(value, bytes)
    elif kind.kind == "int":
        low, high = (kind.low, kind.high) if kind.low is not None else INT64
        ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= (high or INT64[1])
    else:
        ok = isinstance(value, float) and math.isfinite(value)
        ok = ok and (kind.low is None or value >= kind.low) and (kind.high is None or value <= kind.high)
    return [] if ok else [f"{path}: {value!a} is not a valid {kind}"]
