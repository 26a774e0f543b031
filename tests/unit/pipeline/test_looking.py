"""Whether a turn's words are about what the user shows."""

from __future__ import annotations

import pytest

from openlive.engines.base import ChatMessage
from openlive.parts import AudioPart, ImagePart, TextPart
from openlive.pipeline.looking import names_shown_text, refers_to_shown, users_words


@pytest.mark.parametrize(
    "text",
    [
        "What does my screen say?",
        "Can you read me what's on my screen?",
        "what's this",
        "Is there an error in the terminal?",
        "What colour is the button at the top?",
        "Look at the photo, who is in it?",
    ],
)
def test_words_about_what_is_shown(text: str) -> None:
    assert refers_to_shown(text)


@pytest.mark.parametrize(
    "text", ["How far away is the moon?", "Tell me a joke about cats.", "Thank you very much.", ""]
)
def test_words_about_anything_else(text: str) -> None:
    assert not refers_to_shown(text)


def test_the_users_newest_words_are_read_typed_or_spoken() -> None:
    frame = ImagePart(b"jpeg", "image/jpeg")
    messages = [
        ChatMessage("user", "what does it say?"),
        ChatMessage("assistant", "It says hello."),
        ChatMessage("user", "", (frame, AudioPart(1.5, "and now"), TextPart("then?"))),
    ]
    assert users_words(messages) == "and now then?"
    assert users_words(messages[:2]) == "what does it say?"
    assert users_words([ChatMessage("system", "be brief")]) == ""


SHEET = (
    'The screen\'s main text: "Expenses". Other text: middle: "Rent 950" "Total 1345"; '
    'top left: "What\'s new".'
)


@pytest.mark.parametrize(
    "text",
    ["What's the total?", "how much was the rent", "is it 1345?", "What do I have on the 950th?"],
)
def test_a_question_naming_a_word_the_screen_shows(text: str) -> None:
    assert names_shown_text(text, SHEET)


@pytest.mark.parametrize(
    "text",
    [
        "What's new with you?",  # common words only, though quoted on the screen
        "How far away is the moon?",
        "Tell me about the screen",  # "screen" is the description's word, not quoted
        "",
    ],
)
def test_a_question_naming_nothing_the_screen_shows(text: str) -> None:
    assert not names_shown_text(text, SHEET)
