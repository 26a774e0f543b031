"""The listener probe's training: its data, what it trains on, and how it sets its offset."""

from __future__ import annotations

import numpy as np

from openlive.bench.backchannels import KINDS, Clip, load_splits
from openlive.bench.listener_training import (
    IGNORED_INTERRUPTION_COST,
    OFFSETS,
    TRAIN_VOICES,
    VOICES_PER_PHRASE,
    choose_offset,
    errors,
    heard_as,
    normalised,
    training_clips,
    training_phrases,
)


def recording(*utterances: tuple[list[tuple[int, str]], str]) -> dict[str, object]:
    return {"speech_ms": 600, "utterances": [{"at_ms": 0, "glimpses": g, "final": f} for g, f in utterances]}


def test_no_phrase_of_the_evaluation_set_is_trained_on() -> None:
    evaluated = {
        normalised(text) for split in load_splits().values() for kind in KINDS for text in split[kind]
    }
    trained = [normalised(text) for text, _ in training_phrases()]
    assert not evaluated & set(trained)
    assert len(set(trained)) == len(trained)  # nor is one trained on twice


def test_the_training_phrases_are_many_and_balanced() -> None:
    phrases = training_phrases()
    backchannels = sum(backchannel for _, backchannel in phrases)
    assert len(phrases) >= 500 and abs(2 * backchannels - len(phrases)) <= 0.1 * len(phrases)


def test_training_voices_are_none_of_the_held_out_splits() -> None:
    splits = load_splits()
    assert not set(TRAIN_VOICES) & {v for name in ("test", "test2", "test3") for v in splits[name]["voices"]}
    made = training_clips([("Oh, lovely.", True), ("Skip it.", False)])
    assert (
        len(made) == 2 * VOICES_PER_PHRASE
        and len({c.voice for c in made[:VOICES_PER_PHRASE]}) == VOICES_PER_PHRASE
    )
    assert [c.kind for c in made] == [KINDS[0]] * VOICES_PER_PHRASE + [KINDS[1]] * VOICES_PER_PHRASE


def test_the_probe_trains_on_whole_utterances_the_word_list_leaves_open() -> None:
    heard = recording(([(256, "No."), (448, "No way")], "No way!"), ([], "Okay."), ([(256, "Mhm")], ""))
    assert heard_as(heard) == ["No way!"]  # not the glimpse "No.", nor the listed "Okay.", nor nothing


def test_the_offset_is_the_one_of_least_cost() -> None:
    back = Clip("c", KINDS[0], "Oh wow, ten hours.", "v")
    inter = Clip("c", KINDS[1], "How far is it?", "v")
    recordings = [
        (back, recording(([], "Oh wow, ten hours."))),
        (inter, recording(([], "How far is it?"))),
    ]
    scores = {"Oh wow, ten hours.": -1.0, "How far is it?": -2.0}  # apart, but both below 0
    assert errors(recordings, scores.__getitem__) == (1, 0)
    offset = choose_offset(recordings, scores.__getitem__)
    assert 1.0 < offset <= 2.0 and errors(recordings, lambda t: scores[t] + offset) == (0, 0)
    assert offset == min(o for o in OFFSETS if o > 1.0)  # of the equally good, the nearest 0
    assert float(np.min(OFFSETS)) < 0 < float(np.max(OFFSETS))
    # Apart the other way round: an interjection going on costs more than a backchannel interrupting.
    swapped = {"Oh wow, ten hours.": -2.0, "How far is it?": -1.0}
    offset = choose_offset(recordings, swapped.__getitem__)
    assert errors(recordings, lambda t: swapped[t] + offset) == (1, 0) and IGNORED_INTERRUPTION_COST > 1
