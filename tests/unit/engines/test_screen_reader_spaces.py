"""The screen reader's spaces between words from the recogniser's own odds of a space.

The Chinese-trained recogniser drops many spaces between Latin words ("Yourflight"); its
output still gives the space class some probability between the two words' columns.
Most tests feed hand-made probabilities; the last runs the real PP-OCR models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from openlive.engines import screen_reader as sr
from openlive.engines.screen_reader import SPACE_ODDS, InkGaps, respace, space_odds

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def steady(text: str, pitch: float = 10.0) -> list[float]:
    """Characters read at an even pitch (no clue from their spacing)."""
    return [pitch * index for index in range(len(text))]


def odds_at(text: str, *boundaries: int, value: float = 0.4) -> list[float]:
    """Odds of a space before ``text[index]`` for each index in ``boundaries``, else none."""
    odds = [0.0] * (len(text) - 1)
    for index in boundaries:
        odds[index - 1] = value
    return odds


# --- respace with the recogniser's odds ------------------------------------------------------


def test_the_recognisers_odds_put_back_a_space_the_ink_does_not_show() -> None:
    text = "Yourflight"
    # A narrow gap everywhere (overhanging letters): the ink alone parts nothing.
    gaps = InkGaps(tuple((10 * i + 4, 10 * i + 6) for i in range(len(text) - 1)), 20, 2.0)
    assert respace(text, steady(text), gaps) == "Yourflight"
    assert respace(text, steady(text), gaps, odds_at(text, 4)) == "Your flight"
    # Without any ink gaps or positions, the odds still count.
    assert respace(text, [], None, odds_at(text, 4)) == "Your flight"


def test_low_odds_part_nothing() -> None:
    text = "Totalamountdue"
    assert respace(text, [], None, odds_at(text, 5, 11, value=SPACE_ODDS / 2)) == text
    assert respace(text, [], None, odds_at(text, 5, 11, value=SPACE_ODDS)) == "Total amount due"


def test_odds_beside_a_joiner_do_not_part_names_addresses_paths_or_times() -> None:
    text = "mail_to:ana@example.org/x"
    joiners = [index for index in range(1, len(text)) if text[index] in "_:@./" or text[index - 1] in "_:@./"]
    assert respace(text, [], None, odds_at(text, *joiners)) == text


def test_odds_never_part_a_number_nor_double_a_space() -> None:
    text = "at 6:45 and 2.94"
    every = list(range(1, len(text)))
    assert respace(text, [], None, odds_at(text, *every)) == "a t 6:4 5 a n d 2.9 4"


def test_odds_of_the_wrong_length_are_ignored() -> None:
    text = "Yourflight"
    assert respace(text, [], None, [0.9] * 3) == text
    assert respace(text, [], None, [0.9] * len(text)) == text
    assert respace("Y", [], None, []) == "Y"


def test_an_ink_gap_one_boundary_off_goes_where_the_recogniser_saw_the_space() -> None:
    # "3:05from": the gap between "5" and "f" lies nearest the "f|r" boundary (the "f"
    # read late), where the ink alone would part "f rom".
    text = "at3:05from"
    positions = [0.0, 10.0, 20.0, 28.0, 34.0, 44.0, 60.0, 66.0, 76.0, 86.0]
    gaps = InkGaps(((4, 6), (12, 18), (59, 65)), 16, 2.0)
    assert respace(text, positions, gaps) == "at 3:05f rom"
    assert respace(text, positions, gaps, odds_at(text, 2, 6)) == "at 3:05 from"
    # The boundary the odds name already has its own gap: each gap stays where it is.
    gaps = InkGaps(((4, 6), (12, 18), (47, 53), (59, 65)), 16, 2.0)
    assert respace(text, positions, gaps, odds_at(text, 2, 6)) == "at 3:05 f rom"


# --- space_odds: per-column probabilities to per-boundary odds --------------------------------


def test_space_odds_takes_the_highest_probability_strictly_between_two_characters() -> None:
    space = np.array([0.9, 0.0, 0.3, 0.1, 0.9, 0.0, 0.05, 0.0])
    assert space_odds(space, [0, 4, 5, 7]) == pytest.approx([0.3, 0.0, 0.05])
    assert space_odds(space, [3]) == []


@pytest.mark.parametrize(
    ("space", "columns"),
    [
        (np.zeros(8), []),  # no characters
        (np.zeros(8), [2, 2, 5]),  # not increasing
        (np.zeros(8), [5, 3]),
        (np.zeros(8), [-1, 3]),  # out of range
        (np.zeros(8), [3, 8]),
        (np.zeros((2, 8)), [1, 3]),  # not one row of probabilities
        (np.float32(0.5), [0, 1]),
    ],
)
def test_space_odds_refuses_columns_that_do_not_fit(space: Any, columns: list[int]) -> None:
    assert space_odds(space, columns) is None


def test_space_odds_reads_nan_as_no_space() -> None:
    assert space_odds(np.array([0.0, np.nan, np.inf, 0.0]), [0, 3]) == [0.0]


# --- the wrappers around rapidocr -----------------------------------------------------------


class FakeDecoder:
    """rapidocr's CTC decoder as far as the wrapper uses it: characters, blank first, space last."""

    character = ["blank", "a", "b", " "]

    def __call__(self, preds: Any, return_word_box: bool = False, **_: Any) -> list[Any]:
        if not return_word_box:
            return [("ab", 0.9) for _ in range(len(preds))]
        return [("ab", 0.9, [8, [["a", "b"]], [[0, 4]], ["en&num"], [0.9, 0.9]]) for _ in range(len(preds))]


def test_the_space_clue_carries_each_crops_space_probabilities() -> None:
    preds = np.zeros((2, 8, 4), np.float32)
    preds[1, 2, 3] = 0.6  # the second crop: a space likely between "a" and "b"
    results = sr._SpaceClue(FakeDecoder())(preds, True)
    assert [space_odds(result[2][5], [0, 4]) for result in results] == [[0.0], [pytest.approx(0.6)]]
    # Without word boxes, or a decoder without a space, nothing is added.
    assert sr._SpaceClue(FakeDecoder())(preds, False) == [("ab", 0.9), ("ab", 0.9)]
    spaceless = FakeDecoder()
    spaceless.character = ["blank", "a", "b"]
    assert all(len(result[2]) == 5 for result in sr._SpaceClue(spaceless)(preds, True))


def test_a_malformed_space_clue_costs_the_space_not_the_line() -> None:
    crop = np.full((20, 80, 3), 255, np.uint8)
    info = [8.0, [["a", "b"]], [[0, 4]], ["en&num"], [0.9, 0.9]]
    spaced = sr._SpacingRecognizer._spaced
    assert spaced(crop, "ab", [*info, np.array([0.0, 0.0, 0.7, 0.0, 0.0])]) == "a b"
    for bad in ("not numbers", np.zeros((3, 3)), np.array([0.7]), None, object()):
        assert spaced(crop, "ab", [*info, bad]) == "ab"


# --- the real OCR -------------------------------------------------------------------------------


def test_the_real_recogniser_reads_the_spaces_it_used_to_drop() -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    if not FONT.exists():
        pytest.skip("DejaVu Sans is not installed")
    face = ImageFont.truetype(str(FONT), 16)
    phrases = ["Your flight is delayed by 2 hours", "Ten tips for winter gardens", "Total amount due"]
    image = Image.new("RGB", (640, 120), (246, 246, 248))
    draw = ImageDraw.Draw(image)
    for index, phrase in enumerate(phrases):
        draw.text((20, 10 + 35 * index), phrase, fill=(28, 30, 34), font=face)
    # Read before this change (ink gaps only): "Yourflightisdelayed by 2 hours".
    sr.ScreenReader().load()
    with sr._ENGINE_LOCK:
        read = sorted(line.text for line in sr.read_text(image))
    assert read == sorted(phrases)
