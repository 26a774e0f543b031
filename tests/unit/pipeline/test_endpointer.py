"""The endpointer: speech probabilities in, committed start and end of speech out."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from openlive.pipeline.endpointer import FRAME_MS, Decision, Endpointer, EndpointerConfig, Event


def push_all(endpointer: Endpointer, probabilities: Iterable[float]) -> list[Decision]:
    decisions = []
    for probability in probabilities:
        decision = endpointer.push(probability)
        if decision is not None:
            decisions.append(decision)
    return decisions


def frames(ms: int) -> int:
    return -(-ms // FRAME_MS)


# -- mapping the Live API's settings ----------------------------------------------------------


def test_unset_fields_take_the_high_sensitivity_defaults() -> None:
    config = EndpointerConfig.from_live_api()
    assert config == EndpointerConfig.from_live_api("START_SENSITIVITY_HIGH", "END_SENSITIVITY_HIGH")
    assert config == EndpointerConfig()
    assert (config.start_threshold, config.end_threshold) == (0.5, 0.35)
    assert (config.start_ms, config.silence_ms, config.pause_ms) == (64, 300, 64)


def test_low_start_sensitivity_needs_stronger_and_longer_evidence() -> None:
    high = EndpointerConfig.from_live_api(start_sensitivity="START_SENSITIVITY_HIGH")
    low = EndpointerConfig.from_live_api(start_sensitivity="START_SENSITIVITY_LOW")
    assert low.start_threshold > high.start_threshold
    assert low.start_ms > high.start_ms
    assert (low.start_threshold, low.start_ms) == (0.7, 160)
    # The end of speech is not affected.
    assert (low.end_threshold, low.silence_ms) == (high.end_threshold, high.silence_ms)


def test_low_end_sensitivity_ends_later() -> None:
    high = EndpointerConfig.from_live_api(end_sensitivity="END_SENSITIVITY_HIGH")
    low = EndpointerConfig.from_live_api(end_sensitivity="END_SENSITIVITY_LOW")
    assert low.end_threshold < high.end_threshold
    assert low.silence_ms > high.silence_ms
    assert (low.end_threshold, low.silence_ms) == (0.2, 800)
    assert (low.start_threshold, low.start_ms) == (high.start_threshold, high.start_ms)


@pytest.mark.parametrize("start", ["START_SENSITIVITY_LOW", "START_SENSITIVITY_HIGH", None])
@pytest.mark.parametrize("end", ["END_SENSITIVITY_LOW", "END_SENSITIVITY_HIGH", None])
def test_explicit_durations_override_the_sensitivity_defaults(start: str | None, end: str | None) -> None:
    config = EndpointerConfig.from_live_api(start, end, prefix_padding_ms=20, silence_duration_ms=100)
    assert (config.start_ms, config.silence_ms) == (20, 100)


def test_zero_durations_are_kept_not_replaced_by_defaults() -> None:
    config = EndpointerConfig.from_live_api(prefix_padding_ms=0, silence_duration_ms=0)
    assert (config.start_ms, config.silence_ms) == (0, 0)
    endpointer = Endpointer(config)
    # Zero still means one frame: a single speech frame starts, a single silent frame ends.
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 0)
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 1)


# -- start of speech ----------------------------------------------------------------------------


@pytest.mark.parametrize("start_ms", [32, 64, 70, 160, 300])
def test_start_needs_start_ms_of_speech(start_ms: int) -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=start_ms))
    needed = frames(start_ms)
    assert push_all(endpointer, [0.0] * 5) == []
    assert push_all(endpointer, [1.0] * (needed - 1)) == []
    assert not endpointer.in_speech
    # The frame that completes start_ms commits the start, dated to the run's first frame.
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 5)
    assert endpointer.in_speech


def test_a_run_of_speech_broken_by_silence_starts_over() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=96))  # three frames
    assert push_all(endpointer, [1.0, 1.0, 0.0, 1.0, 1.0]) == []
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 3)


def test_start_threshold_is_inclusive() -> None:
    endpointer = Endpointer(EndpointerConfig(start_threshold=0.5, start_ms=32))
    assert endpointer.push(0.49) is None
    assert endpointer.push(0.5) == Decision(Event.SPEECH_STARTED, 1)


def test_frame_duration_is_configurable() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=100, silence_ms=50), frame_ms=10)
    assert push_all(endpointer, [1.0] * 9) == []
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 0)
    assert push_all(endpointer, [0.0] * 4) == []
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 10)


# -- end of speech ------------------------------------------------------------------------------


@pytest.mark.parametrize("silence_ms", [32, 100, 500, 800])
def test_end_needs_silence_ms_of_silence(silence_ms: int) -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=silence_ms, pause_ms=None))
    assert push_all(endpointer, [1.0] * 10) == [Decision(Event.SPEECH_STARTED, 0)]
    needed = frames(silence_ms)
    assert push_all(endpointer, [0.0] * (needed - 1)) == []
    assert endpointer.in_speech
    assert endpointer.silent_frames == needed - 1
    # Dated to the first silent frame after the speech.
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 10)
    assert not endpointer.in_speech
    assert endpointer.silent_frames == 0
    assert endpointer.frames_seen == 10 + needed


def test_speech_during_the_silence_restarts_the_count() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=96, pause_ms=None))  # three frames
    push_all(endpointer, [1.0])
    assert push_all(endpointer, [0.0, 0.0, 1.0, 0.0, 0.0]) == []
    assert endpointer.silent_frames == 2
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 4)


def test_end_threshold_is_exclusive() -> None:
    endpointer = Endpointer(EndpointerConfig(end_threshold=0.35, start_ms=32, silence_ms=32))
    endpointer.push(1.0)
    assert endpointer.push(0.35) is None
    assert endpointer.push(0.34) == Decision(Event.SPEECH_ENDED, 2)


def test_speech_after_an_end_starts_a_new_utterance() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=64, silence_ms=64))
    decisions = push_all(endpointer, [1.0] * 3 + [0.0] * 2 + [1.0] * 2 + [0.0] * 2)
    assert decisions == [
        Decision(Event.SPEECH_STARTED, 0),
        Decision(Event.SPEECH_ENDED, 3),
        Decision(Event.SPEECH_STARTED, 5),
        Decision(Event.SPEECH_ENDED, 7),
    ]


# -- pauses ------------------------------------------------------------------------------------


def test_a_pause_is_reported_before_the_end() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=320, pause_ms=96))
    assert push_all(endpointer, [1.0] * 10) == [Decision(Event.SPEECH_STARTED, 0)]
    assert push_all(endpointer, [0.0, 0.0]) == []
    assert not endpointer.paused
    # Dated, like the end, to the first silent frame.
    assert endpointer.push(0.0) == Decision(Event.SPEECH_PAUSED, 10)
    assert endpointer.paused and endpointer.in_speech
    assert push_all(endpointer, [0.0] * 6) == []
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 10)
    assert not endpointer.paused


def test_speech_after_a_pause_resumes_it() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=320, pause_ms=64))
    push_all(endpointer, [1.0])
    assert push_all(endpointer, [0.0, 0.0]) == [Decision(Event.SPEECH_PAUSED, 1)]
    # Between the thresholds is not silence: it resumes too.
    assert endpointer.push(0.4) == Decision(Event.SPEECH_RESUMED, 3)
    assert not endpointer.paused
    # A dip shorter than the pause reports nothing.
    assert push_all(endpointer, [0.0, 1.0, 0.0, 1.0]) == []
    assert push_all(endpointer, [0.0] * 10) == [
        Decision(Event.SPEECH_PAUSED, 8),
        Decision(Event.SPEECH_ENDED, 8),
    ]


@pytest.mark.parametrize("pause_ms", [None, 320, 500])
def test_no_pause_when_it_would_not_come_before_the_end(pause_ms: int | None) -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=320, pause_ms=pause_ms))
    push_all(endpointer, [1.0])
    assert push_all(endpointer, [0.0] * 10) == [Decision(Event.SPEECH_ENDED, 1)]


# -- hysteresis ---------------------------------------------------------------------------------


def test_probabilities_between_the_thresholds_do_not_start_speech() -> None:
    endpointer = Endpointer(EndpointerConfig(start_threshold=0.5, end_threshold=0.35, start_ms=64))
    assert push_all(endpointer, [0.4] * 20) == []
    # ... and they break a run of speech, like silence.
    assert push_all(endpointer, [1.0, 0.4, 1.0]) == []
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 22)


def test_probabilities_between_the_thresholds_do_not_end_speech() -> None:
    endpointer = Endpointer(
        EndpointerConfig(start_threshold=0.5, end_threshold=0.35, start_ms=32, silence_ms=64)
    )
    endpointer.push(1.0)
    assert push_all(endpointer, [0.4] * 20) == []
    assert endpointer.in_speech
    # ... and they break a run of silence, like speech.
    assert push_all(endpointer, [0.0, 0.4, 0.0]) == []
    assert endpointer.push(0.0) == Decision(Event.SPEECH_ENDED, 23)


# -- reset --------------------------------------------------------------------------------------


def test_reset_ends_speech_without_a_decision() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=32, silence_ms=500))
    endpointer.push(1.0)
    endpointer.push(0.0)
    assert endpointer.in_speech
    endpointer.reset()
    assert not endpointer.in_speech
    assert endpointer.silent_frames == 0
    # Silence after the reset decides nothing; speech starts afresh.
    assert push_all(endpointer, [0.0] * 50) == []
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 52)


def test_reset_forgets_a_partial_run_of_speech() -> None:
    endpointer = Endpointer(EndpointerConfig(start_ms=96))  # three frames
    push_all(endpointer, [1.0, 1.0])
    endpointer.reset()
    assert push_all(endpointer, [1.0, 1.0]) == []
    assert endpointer.push(1.0) == Decision(Event.SPEECH_STARTED, 2)


def test_reset_keeps_the_frame_count() -> None:
    endpointer = Endpointer(EndpointerConfig())
    push_all(endpointer, [0.0] * 7)
    endpointer.reset()
    assert endpointer.frames_seen == 7
