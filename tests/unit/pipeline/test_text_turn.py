"""A language model reading whether a transcript's words end the user's turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from openlive.engines.embedded import smollm2_path
from openlive.errors import EngineError
from openlive.pipeline.text_turn import END_OF_MESSAGE, MAX_WORDS_CHARS, TextTurnEnd, words_of


class FakeScorer:
    """Records each prompt; the log-probability is minus the number of words."""

    def __init__(self, fail: bool = False) -> None:
        self.prompts: list[str] = []
        self.fail = fail

    def next_token_logprobs(self, prompt: str, answers: list[str]) -> list[float]:
        assert answers == [END_OF_MESSAGE]
        if self.fail:
            raise EngineError("the scoring model failed")
        self.prompts.append(prompt)
        return [-float(len(prompt.rsplit("\n", 1)[-1].split()))]


def test_the_words_are_read_without_final_punctuation_and_by_their_end() -> None:
    assert words_of("  What time is it?  ") == "What time is it"
    assert words_of("I went to the. ") == "I went to the"
    assert words_of("Wait... what!?") == "Wait... what"
    assert words_of("?!. ") == ""
    assert len(words_of("word " * 1000)) == MAX_WORDS_CHARS


def test_the_model_reads_the_words_as_the_users_message() -> None:
    scorer = FakeScorer()
    read = TextTurnEnd(Path("unused"), build=lambda _: scorer)  # type: ignore[arg-type, return-value]
    assert read("What time is it?") == -4.0
    (prompt,) = scorer.prompts
    assert prompt.endswith("<|im_start|>user\nWhat time is it")


def test_no_words_are_not_read_and_load_nothing() -> None:
    built: list[Path] = []
    read = TextTurnEnd(Path("unused"), build=lambda p: built.append(p))  # type: ignore[arg-type, func-returns-value]
    assert read(" . ") is None
    assert built == []


def test_a_failing_model_raises_its_engine_error() -> None:
    read = TextTurnEnd(Path("unused"), build=lambda _: FakeScorer(fail=True))  # type: ignore[arg-type, return-value]
    with pytest.raises(EngineError):
        read("What time is it?")


def test_smollm2_hears_a_cut_sentence_as_unfinished() -> None:
    read = TextTurnEnd(smollm2_path())
    pairs = [
        ("What would happen if the moon", "What would happen if the moon suddenly disappeared?"),
        ("Can you tell me how many", "Can you tell me how many legs a spider has?"),
        ("My sister works as", "My sister works as a nurse."),
    ]
    for cut, whole in pairs:
        cut_end, whole_end = read(cut), read(whole)
        assert cut_end is not None and whole_end is not None
        assert cut_end < whole_end, (cut, cut_end, whole_end)


def test_any_transcript_fits_the_models_context() -> None:
    read = TextTurnEnd(smollm2_path())
    for text in ("\U0001f600" * 5000, "ẞ̶̢" * 2000, "word " * 3000):
        end = read(text)
        assert end is not None and end <= 0.0
