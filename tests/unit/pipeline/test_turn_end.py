"""The turn policy and the endpointer waiting for it: silence needed by what the turn model heard."""

from __future__ import annotations

import threading

import pytest

from openlive.pipeline.endpointer import FRAME_MS, Endpointer, EndpointerConfig, Event
from openlive.pipeline.turn_end import TurnPolicy, text_sounds_finished, uses_turn_model

POLICY = TurnPolicy(complete_threshold=0.5, complete_ms=200, unsure_ms=640, incomplete_ms=1000)


def frames(ms: int) -> int:
    return -(-ms // FRAME_MS)


# -- the policy -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probability", "text", "silence"),
    [
        (0.9, None, 200),
        (0.5, None, 200),
        (0.49, None, 640),  # no words to go by, and the voice does not sound finished
        (None, None, 640),  # the model failed: wait longer than a pause inside a sentence
        (0.9, "What time is it?", 200),
        (0.9, "I would like to book a table for", 1000),  # the words are not finished
        (0.9, "So I was thinking,", 1000),
        (0.9, "and then...", 1000),
        (0.1, "What time is it?", 640),  # finished words, but the voice says otherwise
        (0.1, "I would like to book a table for", 1000),  # neither sounds finished
        (None, "Tell me about the", 1000),
    ],
)
def test_silence_by_probability_and_words(probability: float | None, text: str | None, silence: int) -> None:
    assert POLICY.silence_ms(probability, text, "en-US") == silence


@pytest.mark.parametrize(
    ("probability", "text", "text_end", "silence"),
    [
        (0.9, "What would happen if the moon", -20.0, 640),  # the voice says done, the words do not
        (0.1, "What time is it", -5.0, 200),  # the words say done, whatever the voice says
        (0.1, "What time is it", -14.0, 640),  # between the bounds: the voice decides
        (0.9, "What time is it", -14.0, 200),
        (0.9, "I would like to book a table for", -5.0, 1000),  # the word list still rules
        (0.9, None, None, 200),  # nothing read: as before
    ],
)
def test_a_language_models_reading_of_the_words_refines_the_silence(
    probability: float, text: str | None, text_end: float | None, silence: int
) -> None:
    policy = TurnPolicy(text_open_below=-17.5, text_finished_above=-10.5)
    assert policy.silence_ms(probability, text, "en-US", text_end) == silence


def test_open_endings_are_per_language() -> None:
    assert not text_sounds_finished("Ich möchte einen Tisch für", "de-DE")
    assert text_sounds_finished("Ich möchte einen Tisch für", "en-US")  # not an English word
    assert not text_sounds_finished("Je voudrais une table pour deux et", "fr-FR")
    assert text_sounds_finished("", "en-US")  # no words: no evidence against the voice


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"complete_ms": 0}, "complete_ms"),
        ({"complete_ms": 900, "incomplete_ms": 800}, "complete_ms"),
        ({"unsure_ms": 1200, "incomplete_ms": 1000}, "unsure_ms"),
        ({"complete_threshold": 1.5}, "complete_threshold"),
        ({"text_open_below": -5.0, "text_finished_above": -10.0}, "text_open_below"),
    ],
)
def test_bad_policies_are_refused(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TurnPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("end", "silence", "used"),
    [
        (None, None, True),
        ("END_SENSITIVITY_HIGH", None, True),
        ("END_SENSITIVITY_LOW", None, False),
        (None, 500, False),
        ("END_SENSITIVITY_HIGH", 300, False),
    ],
)
def test_explicit_client_silence_bypasses_the_model(end: str | None, silence: int | None, used: bool) -> None:
    assert uses_turn_model(end, silence) is used


# -- the endpointer waiting for the verdict ---------------------------------------------------------


def speak(endpointer: Endpointer, speech_frames: int = 10) -> None:
    for _ in range(speech_frames):
        endpointer.push(1.0)
    assert endpointer.in_speech


def silent_until_end(endpointer: Endpointer, limit: int = 200) -> tuple[int | None, int | None]:
    """Silent frames until the pause and until the end of speech (counted from the first silent frame)."""
    pause = end = None
    for index in range(limit):
        decision = endpointer.push(0.0)
        if decision is not None and decision.event is Event.SPEECH_PAUSED:
            pause = index + 1
        if decision is not None and decision.event is Event.SPEECH_ENDED:
            end = index + 1
            break
    return pause, end


def test_without_a_verdict_the_pause_waits_the_longest_silence() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    pause, end = silent_until_end(endpointer)
    assert pause == frames(64)
    assert end == frames(1000)


def test_a_finished_verdict_ends_the_turn_after_the_short_silence() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    decisions = [endpointer.push(0.0) for _ in range(frames(64))]
    assert decisions[-1] is not None and decisions[-1].event is Event.SPEECH_PAUSED
    assert endpointer.settle(endpointer.pauses, POLICY.silence_ms(0.97))
    _, end = silent_until_end(endpointer)
    assert end is not None and frames(64) + end == frames(200)


def test_a_late_verdict_ends_the_turn_at_the_next_frame() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    for _ in range(frames(400)):
        assert endpointer.push(0.0) is None or endpointer.in_speech
    assert endpointer.settle(endpointer.pauses, 200)
    decision = endpointer.push(0.0)
    assert decision is not None and decision.event is Event.SPEECH_ENDED


def test_a_verdict_for_a_pause_the_user_talked_over_is_ignored() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    for _ in range(frames(64)):
        endpointer.push(0.0)
    old = endpointer.pauses
    endpointer.push(1.0)  # resumed
    assert not endpointer.settle(old, 200)
    for _ in range(frames(64)):
        endpointer.push(0.0)
    assert endpointer.pauses == old + 1
    assert not endpointer.settle(old, 200)
    _, end = silent_until_end(endpointer)
    assert end is not None and frames(64) + end == frames(1000)


def test_an_unfinished_verdict_waits_and_speech_resuming_keeps_one_turn() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    events = []
    for index in range(frames(600)):  # a 600 ms pause mid-sentence
        decision = endpointer.push(0.0)
        if index == frames(64) - 1:
            endpointer.settle(endpointer.pauses, POLICY.silence_ms(0.2))
        events.append(decision.event if decision else None)
    events.append(getattr(endpointer.push(1.0), "event", None))
    assert Event.SPEECH_ENDED not in events
    assert events[-1] is Event.SPEECH_RESUMED


def test_without_a_turn_model_silence_alone_decides() -> None:
    endpointer = Endpointer(EndpointerConfig())
    speak(endpointer)
    _, end = silent_until_end(endpointer)
    assert end == frames(300)


def test_settle_from_another_thread_while_frames_arrive() -> None:
    endpointer = Endpointer(EndpointerConfig(turn_wait_ms=1000))
    speak(endpointer)
    for _ in range(frames(64)):
        endpointer.push(0.0)
    worker = threading.Thread(target=endpointer.settle, args=(endpointer.pauses, 200))
    worker.start()
    worker.join()
    _, end = silent_until_end(endpointer)
    assert end is not None and frames(64) + end == frames(200)
