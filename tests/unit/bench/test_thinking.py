"""The thinking bench's sets: every item askable and scorable, the held-out set included."""

from __future__ import annotations

from collections import Counter

from openlive.bench.quality import score_answer
from openlive.bench.thinking import load_items


def test_the_sets_hold_arithmetic_and_both_multi_step_sets_each_with_a_key() -> None:
    items = load_items()
    assert Counter(item["kind"] for item in items) == {"arithmetic": 12, "multi_step": 12, "multi_step_2": 24}
    for item in items:
        assert len(item["turns"]) == 1 and item["turns"][0].strip() and item["answers"]
        # A reply that only repeats the question is not right (no key is in its own question).
        assert not score_answer(item, item["turns"][0]) or item["kind"] != "multi_step_2", item


def test_a_reply_with_the_key_scores_and_a_forbidden_answer_does_not() -> None:
    shortest = next(item for item in load_items() if "forbid" in item)
    assert score_answer(shortest, "Dave is the shortest.")
    assert not score_answer(shortest, "Ben is the shortest, not Dave.")
