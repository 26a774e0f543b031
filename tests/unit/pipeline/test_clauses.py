"""Splitting a streamed reply into clauses to speak one by one."""

from __future__ import annotations

import re

import pytest

from openlive.pipeline.clauses import (
    FIRST_CLAUSE_WORDS,
    MAX_CLAUSE_CHARS,
    MAX_FIRST_CLAUSE_CHARS,
    MIN_SOFT_CLAUSE_CHARS,
    ClauseSplitter,
)


def split(*pieces: str) -> list[str]:
    splitter = ClauseSplitter()
    clauses = []
    for piece in pieces:
        clauses += splitter.push(piece)
    return clauses + splitter.flush()


def test_sentences_are_clauses() -> None:
    assert split("Hello there. How are you? I am fine! Good") == [
        "Hello there. ",
        "How are you? ",
        "I am fine! ",
        "Good",
    ]


def test_a_clause_is_handed_out_as_soon_as_it_is_complete() -> None:
    splitter = ClauseSplitter()
    assert splitter.push("Hello") == []
    assert splitter.push(" there.") == []  # no whitespace after the stop yet
    assert splitter.push(" How") == ["Hello there. "]
    assert splitter.push(" are you?\n") == ["How are you?\n"]
    assert splitter.flush() == []


def test_word_by_word_streaming_gives_the_same_clauses() -> None:
    text = "One two three. Four five six! Seven eight nine? Ten"
    words = text.split(" ")
    pieces = [words[0]] + [" " + w for w in words[1:]]
    assert split(*pieces) == split(text)
    assert "".join(split(*pieces)) == text


def test_a_decimal_point_does_not_end_a_clause() -> None:
    assert split("Pi is 3.14 roughly. Yes") == ["Pi is 3.14 roughly. ", "Yes"]


def test_closing_quotes_and_brackets_stay_with_their_sentence() -> None:
    assert split('He said "stop." Then (quietly.) she left') == [
        'He said "stop." ',
        "Then (quietly.) ",
        "she left",
    ]


def test_ellipsis_and_repeated_marks_end_a_clause() -> None:
    assert split("Well… maybe?! Yes") == ["Well… ", "maybe?! ", "Yes"]


def test_newlines_end_a_clause() -> None:
    assert split("A list\nof lines\nhere") == ["A list\n", "of lines\n", "here"]


def test_a_comma_ends_a_clause_only_once_it_is_long_enough() -> None:
    short = "Yes, sure, fine"
    assert split(short) == [short]
    long_head = "x" * (MIN_SOFT_CLAUSE_CHARS - 2)
    assert split(f"{long_head}, and more; then the rest") == [f"{long_head}, ", "and more; then the rest"]


def test_a_long_clause_without_punctuation_is_cut_at_a_space() -> None:
    words = " ".join(f"word{i:03d}" for i in range(80))  # 639 characters
    clauses = split(words)
    assert "".join(clauses) == words
    assert len(clauses) >= 3
    for clause in clauses[:-1]:
        assert len(clause) <= MAX_CLAUSE_CHARS
        assert clause.endswith(" ")
    for clause in clauses:
        assert all(re.fullmatch(r"word\d{3}", w) for w in clause.split())  # no word cut in two


def test_a_long_run_without_spaces_is_cut_at_the_limit() -> None:
    # The first two clauses are cut at their own, shorter limit, so speech starts sooner.
    run = "x" * (2 * MAX_FIRST_CLAUSE_CHARS + MAX_CLAUSE_CHARS + 10)
    clauses = split(run)
    first, second = run[:MAX_FIRST_CLAUSE_CHARS], run[MAX_FIRST_CLAUSE_CHARS : 2 * MAX_FIRST_CLAUSE_CHARS]
    rest = run[2 * MAX_FIRST_CLAUSE_CHARS :]
    assert clauses == [first, second, rest[:MAX_CLAUSE_CHARS], rest[MAX_CLAUSE_CHARS:]]


def test_the_first_clause_is_its_first_words() -> None:
    text = "Well, that is a fine question, and here is a longer answer to it. Done."
    clauses = split(text)
    assert FIRST_CLAUSE_WORDS == 4
    assert clauses[0] == "Well, that is a "
    # The second is cut early too: at a comma from a few characters on.
    assert clauses[1] == "fine question, "
    assert clauses[2] == "and here is a longer answer to it. "
    assert "".join(clauses) == text


def test_the_first_words_are_handed_out_once_the_last_one_is_complete() -> None:
    splitter = ClauseSplitter()
    assert splitter.push("The capital of Fr") == []
    assert splitter.push("ance") == []  # "France" may go on: "Frances"
    assert splitter.push(" is") == ["The capital of France "]
    assert splitter.push(" Paris.") == []
    assert splitter.flush() == ["is Paris."]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Yes. The capital of France is Paris.", "Yes. "),
        ("Sure thing, the capital is Paris.", "Sure thing, "),
        ("  Hello there my good friend.", "  Hello there my good "),
    ],
)
def test_punctuation_ends_the_first_clause_before_its_words_run_out(text: str, first: str) -> None:
    assert split(text)[0] == first


@pytest.mark.parametrize("rest", ["", " ", "\n", "   \n  "])
def test_flush_gives_nothing_for_blank_rest(rest: str) -> None:
    splitter = ClauseSplitter()
    splitter.push(rest)
    assert splitter.flush() == []


def test_flush_empties_the_splitter() -> None:
    splitter = ClauseSplitter()
    splitter.push("unfinished")
    assert splitter.flush() == ["unfinished"]
    assert splitter.flush() == []
    assert splitter.push("New one. ") == ["New one. "]


@pytest.mark.parametrize(
    "text",
    [
        "Hello! This is a reply, with several clauses; and a long one that goes on, and on, and on. End.",
        "No punctuation at all " * 30,
        "Line one\nLine two\nLine three",
        "Numbers 1.5 and 2.25 are fine. Right?",
    ],
)
def test_clauses_join_back_to_the_text(text: str) -> None:
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    clauses = split(*pieces)
    assert all(c.strip() for c in clauses)
    assert "".join(clauses).rstrip() == text.rstrip()


# Once a bug: whitespace-only clauses were dropped, so a paragraph break lost a newline
# from the spoken reply's transcription and history.
@pytest.mark.parametrize(
    "text",
    ["First paragraph.\n\nSecond paragraph.", "One.\n\n\nTwo.\n\nThree", "Hi.  Two spaces.   Three"],
)
def test_whitespace_between_clauses_is_kept(text: str) -> None:
    assert "".join(split(text)) == text
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    assert "".join(split(*pieces)) == text
    assert all(clause.strip() for clause in split(*pieces))
