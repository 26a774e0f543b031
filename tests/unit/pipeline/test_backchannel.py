"""Speech heard during a reply: backchannel, noise, or an interruption."""

from __future__ import annotations

import pytest

from openlive.pipeline.backchannel import (
    DEFAULT_MAX_BACKCHANNEL_MS,
    DEFAULT_MAX_JUDGED_MS,
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


def test_one_word_heard_by_two_partials_in_a_row_interrupts() -> None:
    decision = BargeIn(CONFIG)
    assert decision.partial("Stop") is Verdict.PENDING
    assert decision.partial("Stop!") is Verdict.INTERRUPT
    wobbly = BargeIn(CONFIG)  # a hum heard as a different stray word each time
    assert wobbly.partial("Amen.") is Verdict.PENDING
    assert wobbly.partial("Mm") is Verdict.PENDING
    assert wobbly.partial("Damn") is Verdict.PENDING


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


# -- with a listener judge --------------------------------------------------------------


def judging(language: str = "en-US") -> BargeIn:
    return BargeIn(BargeInConfig(), language, judging=True)


def test_words_outside_the_list_are_put_to_the_judge_and_its_yes_lets_the_reply_go_on() -> None:
    decision = judging()
    assert decision.ended("Sounds good.", final=False) is Verdict.PENDING
    assert decision.question == "Sounds good."
    assert decision.judged("Sounds good.", 2.0) is Verdict.CONTINUE
    assert decision.heard is Heard.BACKCHANNEL and decision.question is None
    # The utterance's own transcript, the same words, keeps the judge's answer.
    assert decision.ended("Sounds good.") is Verdict.CONTINUE


def test_the_judges_no_interrupts() -> None:
    decision = judging()
    decision.ended("Wait, what?", final=False)
    assert decision.judged("Wait, what?", -3.0) is Verdict.INTERRUPT
    assert decision.heard is Heard.WORDS


def test_a_failed_or_late_judgment_leaves_the_lists_decision() -> None:
    decision = judging()
    decision.ended("No way.", final=False)
    assert decision.judged("No way.", None) is Verdict.INTERRUPT


def test_the_final_transcript_is_not_left_waiting_on_a_judge_never_asked() -> None:
    decision = judging()
    assert decision.ended("Perfect.") is Verdict.INTERRUPT  # final: the list decides now


def test_a_partial_the_judge_calls_a_backchannel_keeps_the_decision_pending() -> None:
    decision = judging()
    assert decision.partial("Sounds good") is Verdict.PENDING
    assert decision.question == "Sounds good"
    assert decision.judged("Sounds good", 1.5) is Verdict.PENDING  # the speech goes on
    # The same words again are not asked about again.
    assert decision.partial("Sounds good.") is Verdict.PENDING and decision.question is None
    assert decision.ended("Sounds good.") is Verdict.CONTINUE
    # Speech past the judged cap still interrupts, whatever the judge said.
    longer = judging()
    longer.partial("Sounds good")
    longer.judged("Sounds good", 1.5)
    assert longer.speech(DEFAULT_MAX_BACKCHANNEL_MS) is Verdict.PENDING
    assert longer.speech(DEFAULT_MAX_JUDGED_MS) is Verdict.INTERRUPT


def test_without_a_judge_speech_past_the_backchannel_length_interrupts() -> None:
    decision = BargeIn(BargeInConfig(), "en")
    assert decision.partial("Oh") is Verdict.PENDING
    assert decision.speech(DEFAULT_MAX_BACKCHANNEL_MS) is Verdict.INTERRUPT
    # Nor in a language the judge does not read.
    german = BargeIn(BargeInConfig(), "de-DE", judging=True)
    assert german.speech(DEFAULT_MAX_BACKCHANNEL_MS) is Verdict.INTERRUPT


def test_long_speech_is_heard_on_while_the_judge_calls_its_words_a_listeners_response() -> None:
    decision = judging()
    assert decision.speech(DEFAULT_MAX_BACKCHANNEL_MS) is Verdict.PENDING
    assert decision.overtime("Oh man, I remember doing that") is Verdict.PENDING
    assert decision.question == "Oh man, I remember doing that"
    assert decision.judged("Oh man, I remember doing that", 2.0) is Verdict.PENDING  # still speaking
    assert decision.ended("Oh man, I remember doing that as a kid.", final=False) is Verdict.PENDING
    assert decision.judged("Oh man, I remember doing that as a kid.", 2.0) is Verdict.CONTINUE


@pytest.mark.parametrize(
    ("heard", "odds", "verdict"),
    [
        ("Okay, okay, yeah", None, Verdict.PENDING),  # backchannel words: no question
        ("", None, Verdict.INTERRUPT),  # long speech and no words
        ("Okay, but what about the price", -3.0, Verdict.INTERRUPT),
        ("Okay, but what about the price", None, Verdict.INTERRUPT),  # a judge that failed: the list
    ],
)
def test_what_long_speech_says_decides_whether_it_is_heard_on(
    heard: str, odds: float | None, verdict: Verdict
) -> None:
    decision = judging()
    decision.speech(DEFAULT_MAX_BACKCHANNEL_MS)
    decided = decision.overtime(heard)
    if decision.question is not None:
        decided = decision.judged(decision.question, odds)
    assert decided is verdict


def test_the_judges_margin_decides_a_doubtful_answer() -> None:
    strict = BargeIn(BargeInConfig(listener_margin=1.0), "en", judging=True)
    strict.ended("I know.", final=False)
    assert strict.judged("I know.", 0.5) is Verdict.INTERRUPT


def test_list_words_and_noise_never_reach_the_judge() -> None:
    for text in ("Mhm.", "Okay, got it.", "", "[coughs]"):
        decision = judging()
        assert decision.ended(text, final=False) is Verdict.CONTINUE
        assert decision.question is None


def test_other_languages_stay_with_the_list() -> None:
    decision = judging("de-DE")
    assert decision.ended("Super, danke.", final=False) is Verdict.INTERRUPT
    assert decision.question is None
    assert judging("de-DE").partial("Halt, warte") is Verdict.INTERRUPT


def test_a_decision_is_fed_at_the_probes_and_at_both_caps() -> None:
    config = BargeInConfig(max_backchannel_ms=900, max_judged_ms=2000, probes_ms=(200, 400))
    assert config.marks_ms == (200, 400, 900, 2000)
