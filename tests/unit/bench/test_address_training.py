"""How the probe's training chooses: folds that keep an utterance together, and the offset."""

from __future__ import annotations

import numpy as np
import pytest

from openlive.bench.address_training import (
    IGNORED_AT_MOST,
    MAX_OFFSET,
    choose_offset,
    training_items,
)


def test_the_offset_is_the_smallest_that_ignores_few_enough_questions() -> None:
    addressed = np.linspace(-2.0, 3.0, 100)
    log_odds = np.concatenate([addressed, np.full(50, -5.0)])
    y = np.concatenate([np.ones(100), np.zeros(50)])
    offset = choose_offset(log_odds, y)
    assert np.mean(addressed + offset <= 0) <= IGNORED_AT_MOST
    assert np.mean(addressed + offset - 0.05 <= 0) > IGNORED_AT_MOST  # one step less ignores too many
    assert choose_offset(np.ones(4), np.ones(4)) == 0.0  # none ignored at 0: no offset
    assert choose_offset(np.full(4, -9.0), np.ones(4)) == pytest.approx(MAX_OFFSET)  # bounded


def test_the_training_sets_are_balanced_and_their_contexts_well_formed() -> None:
    items = training_items()
    addressed = sum(item["addressed"] for item in items)
    assert len(items) >= 1200 and abs(2 * addressed - len(items)) <= 0.05 * len(items)
    for item in items:
        assert item["utterance"].strip() and isinstance(item["addressed"], bool)
        assert all(role in ("user", "model") and text.strip() for role, text in item["context"])
