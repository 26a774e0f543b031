"""The proactive-audio bench's set: each split balanced, spoken, scorable, no utterance in two splits."""

from __future__ import annotations

from collections import Counter

import pytest

from openlive.bench.address_training import TEST_SPLITS, training_items
from openlive.bench.proactive import SPLITS, load_items, main
from openlive.engines.audio_base import LIVE_API_VOICES


def test_every_item_has_its_words_a_voice_a_judgment_and_a_known_split() -> None:
    items = load_items()
    assert {item["split"] for item in items} == set(SPLITS)
    for item in items:
        assert item["utterance"].strip() and isinstance(item["addressed"], bool)
        assert item["voice"] in LIVE_API_VOICES or item["voice"].startswith("en"), item
        assert all(role in ("user", "model") and text.strip() for role, text in item["context"])
    # An utterance scored in one split is not scored again in another.
    repeated = [words for words, n in Counter(i["utterance"].lower() for i in items).items() if n > 1]
    assert repeated == []


def test_the_latest_split_is_large_and_about_half_addressed_in_many_voices() -> None:
    latest = [item for item in load_items() if item["split"] == SPLITS[-1]]
    addressed = sum(item["addressed"] for item in latest)
    assert len(latest) >= 40 and abs(2 * addressed - len(latest)) <= 2
    assert len({item["voice"] for item in latest}) >= 10
    assert any(item["context"] and not item["addressed"] for item in latest)


def test_no_utterance_the_probe_was_trained_on_is_scored() -> None:
    trained = {item["utterance"].lower() for item in training_items()}
    scored = [item for item in load_items() if item["split"] in TEST_SPLITS]
    assert {item["split"] for item in scored} == set(TEST_SPLITS)
    assert len(trained) >= 600
    assert [item["utterance"] for item in scored if item["utterance"].lower() in trained] == []


def test_each_split_can_be_chosen_alone(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--split", "nope"])
    assert exited.value.code == 2 and "test3" in capsys.readouterr().err
