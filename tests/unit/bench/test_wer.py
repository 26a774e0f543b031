"""The word error rate of ``openlive bench asr``: normalisation and edit distance."""

from __future__ import annotations

import pytest

pytest.importorskip("whisper_normalizer")

from openlive.bench.wer import normalise, word_error_rate, word_errors  # noqa: E402


@pytest.mark.parametrize(
    ("reference", "transcript"),
    [
        ("It costs 250 dollars.", "It costs two hundred and fifty dollars"),
        ("It costs 250 dollars.", "it costs $250"),
        ("I was born in 1987.", "I was born in nineteen eighty-seven."),
        ("My number is 5 5 5, 0 1 9 2.", "My number is 555-0192."),
        ("My pin code is 4 9 1 7.", "My PIN code is 4917."),
        ("Turn the volume down to 30 percent.", "Turn the volume down to 30%."),
        ("It costs 250 dollars.", "It costs $250.00"),
        ("My number is 5 5 5, 0 1 9 2.", "my number is five five five, zero one nine two"),
        ("I don't know.", "I do not know"),
    ],
)
def test_the_same_words_in_another_spelling_are_no_error(reference: str, transcript: str) -> None:
    assert normalise(reference) == normalise(transcript)


def test_a_wrong_number_is_an_error() -> None:
    assert normalise("It costs 250 dollars.") != normalise("It costs $150.")
    assert word_errors(normalise("It costs 250 dollars."), normalise("It costs $150.")) == 1


def test_word_errors_counts_substitutions_deletions_and_insertions() -> None:
    ref = "the cat sat on the mat".split()
    assert word_errors(ref, ref) == 0
    assert word_errors(ref, "the cat sat on a mat".split()) == 1
    assert word_errors(ref, "the cat on the mat".split()) == 1
    assert word_errors(ref, "the black cat sat on the mat today".split()) == 2
    assert word_errors(ref, []) == 6
    assert word_errors([], "hello there".split()) == 2


def test_word_error_rate_weighs_every_reference_word_the_same() -> None:
    pairs = [(["yes"], ["no"]), ("a b c d e f g h i".split(), "a b c d e f g h i".split())]
    assert word_error_rate(pairs) == pytest.approx(1 / 10)
    assert word_error_rate([([], [])]) == 0.0


def test_other_languages_keep_their_letters_and_drop_punctuation() -> None:
    assert normalise("Wo ist der nächste Bahnhof?", "de") == ["wo", "ist", "der", "nächste", "bahnhof"]
    assert normalise("Comment allez-vous ?", "fr") == normalise("comment allez vous", "fr")
