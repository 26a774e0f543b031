"""Speech heard during a reply: backchannel, noise, or an interruption."""

from __future__ import annotations

import pytest

from openlive.pipeline.backchannel import (
    BargeIn,
    BargeInConfig,
    Heard,
    Verdict,
    classify,
    other_words,
    words,
)

CONFIG = BargeInConfig(max_backchannel_ms=600, probes_ms=(250, 420))


@pytest.mark.parametrize(
    "text",
    [
        "Mhm.",
        "Mm-hmm.",
        "Yeah.",
        "Uh-huh.",
        "Okay.",
        "OK",
        "Right.",
        "I see.",
        "Oh, I see.",
        "Yeah, yeah.",
        "Sure.",
        "Got it.",
        "Alright.",
        "Oh really?",
        "Exactly!",
        "Yes.",
    ],
)
def test_english_backchannels(text: str) -> None:
    assert classify(text, "en-US") is Heard.BACKCHANNEL


@pytest.mark.parametrize(
    "text",
    [
        "Stop.",
        "Wait.",
        "Stop, wait.",
        "No.",
        "What about Paris?",
        "Hold on a second.",
        "Can you repeat that?",
        "Yeah, but what about the price?",
        "Okay, tell me more about the dragon.",
        "Right, and then what?",
    ],
)
def test_words_that_interrupt(text: str) -> None:
    assert classify(text, "en-US") is Heard.WORDS


@pytest.mark.parametrize(
    "text", ["", "  ", "[coughs]", "(clears throat)", "*cough*", "you", "Thank you.", "♪"]
)
def test_no_words_is_noise(text: str) -> None:
    assert classify(text, "en-US") is Heard.NOTHING


@pytest.mark.parametrize(
    ("text", "language", "heard"),
    [
        ("Ja, genau.", "de-DE", Heard.BACKCHANNEL),
        ("Ach so.", "de-DE", Heard.BACKCHANNEL),
        ("Warte mal.", "de-DE", Heard.WORDS),
        ("Oui, d'accord.", "fr-FR", Heard.BACKCHANNEL),
        ("Attends.", "fr-FR", Heard.WORDS),
        ("Sí, claro.", "es-US", Heard.BACKCHANNEL),
        ("Okay.", "ja-JP", Heard.BACKCHANNEL),  # English backchannels everywhere
        ("Ja, genau.", "en-US", Heard.WORDS),  # German ones only in German sessions
    ],
)
def test_backchannels_per_language(text: str, language: str, heard: Heard) -> None:
    assert classify(text, language) is heard


def test_words_drop_sound_tags_and_punctuation() -> None:
    assert words("[laughs] Oh, I SEE… (sighs)") == ["oh", "i", "see"]
    assert words("Mm-hmm. That's right!") == ["mm-hmm", "that's", "right"]


def test_long_speech_interrupts_without_words() -> None:
    decision = BargeIn(CONFIG, "en-US")
    assert decision.speech(300) is Verdict.PENDING
    assert decision.speech(600) is Verdict.INTERRUPT


def test_a_partial_backchannel_waits_for_the_whole_utterance() -> None:
    decision = BargeIn(CONFIG)
    assert decision.partial("Yeah") is Verdict.PENDING
    assert decision.partial("") is Verdict.PENDING  # the first syllable may not be a word yet
    assert decision.ended("Yeah, okay.") is Verdict.CONTINUE
    assert decision.heard is Heard.BACKCHANNEL


def test_a_partial_with_two_other_words_interrupts_at_once() -> None:
    decision = BargeIn(CONFIG)
    assert decision.partial("Hang on") is Verdict.INTERRUPT
    # Decided: later evidence does not change it.
    assert decision.ended("Mhm.") is Verdict.INTERRUPT
    assert decision.speech(10_000) is Verdict.INTERRUPT


def test_one_stray_word_in_a_partial_waits_for_more() -> None:
    # A cut-off hum is often heard as one word; the whole utterance decides.
    decision = BargeIn(CONFIG)
    assert decision.partial("Amen.") is Verdict.PENDING
    assert decision.partial("Okay, sure, fine") is Verdict.PENDING  # one word beside backchannels
    assert decision.ended("Mm-hmm.") is Verdict.CONTINUE
    one_word = BargeIn(CONFIG)
    assert one_word.partial("Stop") is Verdict.PENDING
    assert one_word.ended("Stop.") is Verdict.INTERRUPT  # said alone, it still interrupts


def test_other_words_are_those_outside_backchannel_words_and_phrases() -> None:
    assert other_words("Oh, I see. But why?") == ["but", "why"]
    assert other_words("Got it, thanks") == []
    assert other_words("ja genau, aber warum", "de-DE") == ["aber", "warum"]


def test_noise_lets_the_reply_go_on() -> None:
    decision = BargeIn(CONFIG)
    assert decision.ended("") is Verdict.CONTINUE
    assert decision.heard is Heard.NOTHING


def test_a_backchannel_decision_is_not_undone_by_duration() -> None:
    decision = BargeIn(CONFIG)
    assert decision.ended("Mhm.") is Verdict.CONTINUE
    assert decision.speech(5_000) is Verdict.CONTINUE
