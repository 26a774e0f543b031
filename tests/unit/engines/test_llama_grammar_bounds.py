"""Grammars from client schemas stay small whatever bounds the schema names."""

from __future__ import annotations

import json

from llama_cpp.llama_grammar import json_schema_to_gbnf

from openlive.engines.llama import GRAMMAR_MAX_REPEAT, grammar_schema


def _schema(**bounds: object) -> dict[str, object]:
    return {"type": "object", "properties": {"a": {"type": "string", **bounds}}, "required": ["a"]}


def test_bounds_past_the_limit_are_left_out_of_the_grammar() -> None:
    huge = _schema(minLength=10**9, maxLength=10**9 + 1, pattern="^a{100000}$")
    assert grammar_schema(huge) == _schema()
    items = {"type": "array", "items": {"type": "string"}, "minItems": 5_000_000, "maxItems": 2**31 - 1}
    assert grammar_schema(items) == {"type": "array", "items": {"type": "string"}}
    # What the converter makes of it is small: the whole schema once wrote 5 GB of rules.
    assert len(json_schema_to_gbnf(json.dumps(grammar_schema(huge)))) < 10_000


def test_bounds_within_the_limit_are_kept() -> None:
    kept = _schema(minLength=2, maxLength=GRAMMAR_MAX_REPEAT, pattern="^[a-z]{3}$")
    assert grammar_schema(kept) == kept


def test_properties_named_like_keywords_are_not_touched() -> None:
    schema = {
        "type": "object",
        "properties": {"maxLength": {"type": "integer"}, "minItems": {"type": "string"}},
    }
    assert grammar_schema(schema) == schema
