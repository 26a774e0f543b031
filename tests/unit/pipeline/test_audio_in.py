"""The audio front end: PCM at any rate in, speech starts and utterances out (with FakeVad)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from openlive.audio import float_to_pcm16
from openlive.engines.audio_base import INPUT_RATE
from openlive.errors import InvalidArgument
from openlive.pipeline.audio_in import (
    MAX_UTTERANCE_S,
    PREROLL_MS,
    TAIL_MS,
    AudioInput,
    InputEvent,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    Utterance,
)
from openlive.pipeline.endpointer import EndpointerConfig
from openlive.testing import FakeVad

FRAME_S = 512 / INPUT_RATE
DEFAULT = EndpointerConfig()


def tone(seconds: float, rate: int = INPUT_RATE, amplitude: float = 0.3, frequency: float = 440.0) -> bytes:
    t = np.arange(round(seconds * rate)) / rate
    return float_to_pcm16((amplitude * np.sin(2 * np.pi * frequency * t)).astype(np.float32))


def silence(seconds: float, rate: int = INPUT_RATE) -> bytes:
    return b"\x00\x00" * round(seconds * rate)


def feed_in_chunks(
    audio_in: AudioInput, pcm: bytes, rate: int, sizes: tuple[int, ...] = (640, 1234, 882, 2, 4410)
) -> list[InputEvent]:
    """Feed ``pcm`` in chunks of the given (even) byte sizes, in turn."""
    events: list[InputEvent] = []
    position = 0
    for size in itertools.cycle(sizes):
        if position >= len(pcm):
            return events
        events += audio_in.feed(pcm[position : position + size], rate)
        position += size
    raise AssertionError("unreachable")


def auto(config: EndpointerConfig | None = None, include_all_input: bool = False) -> AudioInput:
    return AudioInput(FakeVad().stream(), config, include_all_input=include_all_input)


def loud_seconds(utterance: Utterance) -> float:
    """Seconds of the utterance in 32 ms frames louder than the FakeVad threshold."""
    audio = utterance.audio[: utterance.audio.size - utterance.audio.size % 512]
    rms = np.sqrt(np.mean(audio.reshape(-1, 512) ** 2, axis=1))
    return float(np.count_nonzero(rms > 0.02)) * FRAME_S


# Bounds on an utterance around a burst of ``burst_s``: the preroll before the committed
# start (at most PREROLL_MS plus the start frames), the burst, and a tail of TAIL_MS.
def max_duration(burst_s: float, config: EndpointerConfig = DEFAULT) -> float:
    return burst_s + (PREROLL_MS + config.start_ms + TAIL_MS) / 1000 + 2 * FRAME_S


def min_duration(burst_s: float) -> float:
    return burst_s + (PREROLL_MS + TAIL_MS) / 1000 - 3 * FRAME_S


@pytest.mark.parametrize("rate", [16_000, 44_100, 8_000, 48_000])
@pytest.mark.parametrize(
    "sizes", [(640, 1234, 882, 2, 4410), (2,) * 1 + (10_000,), (32_000,)], ids=["varied", "tiny", "1s"]
)
def test_a_burst_gives_one_speech_start_then_one_utterance(rate: int, sizes: tuple[int, ...]) -> None:
    audio_in = auto()
    stream = silence(1.0, rate) + tone(1.0, rate) + silence(1.5, rate)
    events = feed_in_chunks(audio_in, stream, rate, sizes)

    # A pause is reported before the end is committed.
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance]
    started, paused, utterance = events
    assert isinstance(started, SpeechStarted) and isinstance(utterance, Utterance)
    assert isinstance(paused, SpeechPaused)
    # The pause's audio is the utterance, with the silence not heard yet as zeros.
    assert paused.audio.size == utterance.audio.size
    heard = np.flatnonzero(paused.audio != utterance.audio)
    assert heard.size == 0 or not paused.audio[heard[0] :].any()
    assert loud_seconds(Utterance(paused.audio)) == loud_seconds(utterance)
    assert abs(started.at_s - 1.0) <= 2 * FRAME_S
    assert min_duration(1.0) <= utterance.duration_s <= max_duration(1.0)
    assert abs(loud_seconds(utterance) - 1.0) <= 2 * FRAME_S
    assert utterance.audio.dtype == np.float32
    assert not audio_in.in_speech
    # The whole stream was counted, at 16 kHz (less what the resampler still holds).
    assert 3.5 - 0.1 < audio_in.samples_in / INPUT_RATE <= 3.5
    # Nothing left to flush.
    assert audio_in.flush() is None


def test_two_bursts_far_apart_are_two_utterances() -> None:
    audio_in = auto()
    stream = silence(0.5) + tone(0.5) + silence(1.5) + tone(0.8) + silence(1.0)
    events = feed_in_chunks(audio_in, stream, INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance] * 2
    assert isinstance(events[2], Utterance) and isinstance(events[5], Utterance)
    assert abs(loud_seconds(events[2]) - 0.5) <= 2 * FRAME_S
    assert abs(loud_seconds(events[5]) - 0.8) <= 2 * FRAME_S
    assert isinstance(events[3], SpeechStarted) and abs(events[3].at_s - 2.5) <= 2 * FRAME_S


def test_quiet_audio_is_never_speech() -> None:
    audio_in = auto()
    events = feed_in_chunks(audio_in, silence(1.0) + tone(2.0, amplitude=0.01) + silence(1.0), INPUT_RATE)
    assert events == []
    assert audio_in.flush() is None


def test_a_burst_shorter_than_the_start_duration_is_not_speech() -> None:
    config = EndpointerConfig(start_ms=300)
    events = feed_in_chunks(auto(config), silence(0.5) + tone(0.15) + silence(1.0), INPUT_RATE)
    assert events == []
    # The same burst with the default start duration is speech.
    events = feed_in_chunks(auto(), silence(0.5) + tone(0.15) + silence(1.0), INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance]


def test_a_gap_shorter_than_the_silence_duration_keeps_one_utterance() -> None:
    config = EndpointerConfig(silence_ms=600)
    stream = silence(0.5) + tone(0.4) + silence(0.3) + tone(0.4) + silence(1.0)
    events = feed_in_chunks(auto(config), stream, INPUT_RATE)
    # The gap is a pause, and the speech resumes after it.
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, SpeechResumed, SpeechPaused, Utterance]
    assert isinstance(events[1], SpeechPaused) and isinstance(events[-1], Utterance)
    assert abs(loud_seconds(Utterance(events[1].audio)) - 0.4) <= 2 * FRAME_S
    assert min_duration(1.1) <= events[-1].duration_s <= max_duration(1.1, config)


def test_a_gap_shorter_than_the_pause_is_no_pause() -> None:
    stream = silence(0.5) + tone(0.4) + silence(0.05) + tone(0.4) + silence(1.0)
    events = feed_in_chunks(auto(), stream, INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance]


def test_without_a_pause_duration_no_pause_is_reported() -> None:
    stream = silence(0.5) + tone(0.4) + silence(0.3) + tone(0.4) + silence(1.0)
    events = feed_in_chunks(auto(EndpointerConfig(silence_ms=600, pause_ms=None)), stream, INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, Utterance]


def test_utterances_without_all_input_start_at_the_preroll() -> None:
    events = feed_in_chunks(auto(), silence(2.0) + tone(0.5) + silence(1.0), INPUT_RATE)
    assert isinstance(events[-1], Utterance)
    assert events[-1].duration_s <= max_duration(0.5)


def test_turn_includes_all_input_keeps_the_audio_before_the_speech() -> None:
    audio_in = auto(include_all_input=True)
    events = feed_in_chunks(audio_in, silence(2.0) + tone(0.5) + silence(1.0), INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance]
    utterance = events[2]
    assert isinstance(utterance, Utterance)
    # All 2 s before the speech, the speech, and the tail.
    assert 2.5 + TAIL_MS / 1000 - 2 * FRAME_S <= utterance.duration_s <= 2.5 + TAIL_MS / 1000 + 2 * FRAME_S
    assert abs(loud_seconds(utterance) - 0.5) <= 2 * FRAME_S


# -- manual activity ----------------------------------------------------------------------------


def test_manual_activity_marks_the_utterance() -> None:
    audio_in = AudioInput(None)
    assert audio_in.manual and not audio_in.in_speech
    audio_in.activity_start()
    assert audio_in.in_speech
    stream = tone(0.3) + silence(1.0) + tone(0.3)  # a long pause does not end it
    assert feed_in_chunks(audio_in, stream, INPUT_RATE) == []
    utterance = audio_in.activity_end()
    assert utterance is not None
    assert utterance.duration_s == pytest.approx(1.6)
    assert np.array_equal(float_to_pcm16(utterance.audio), stream)
    assert not audio_in.in_speech
    assert audio_in.activity_end() is None


def test_manual_activity_end_without_start_gives_nothing() -> None:
    audio_in = AudioInput(None)
    audio_in.feed(tone(0.5), INPUT_RATE)
    assert audio_in.activity_end() is None


def test_manual_activity_start_twice_keeps_one_utterance() -> None:
    audio_in = AudioInput(None)
    audio_in.activity_start()
    audio_in.feed(tone(0.5), INPUT_RATE)
    audio_in.activity_start()
    audio_in.feed(tone(0.5), INPUT_RATE)
    utterance = audio_in.activity_end()
    assert utterance is not None and utterance.duration_s == pytest.approx(1.0)


@pytest.mark.parametrize("rate", [8_000, 44_100, 48_000])
def test_manual_activity_at_other_rates_is_resampled(rate: int) -> None:
    audio_in = AudioInput(None)
    audio_in.activity_start()
    feed_in_chunks(audio_in, tone(1.0, rate), rate)
    utterance = audio_in.activity_end()
    assert utterance is not None
    assert abs(utterance.duration_s - 1.0) < 0.1
    assert abs(loud_seconds(utterance) - 1.0) < 0.1


# Once a bug: activity_end did not flush the resampler, so the last ~66 ms (8 kHz) or
# ~21 ms (44.1/48 kHz) of a manually marked utterance were lost.
@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000])
def test_manual_activity_end_keeps_the_audio_the_resampler_holds_back(rate: int) -> None:
    audio_in = AudioInput(None)
    audio_in.activity_start()
    feed_in_chunks(audio_in, tone(1.0, rate), rate)
    utterance = audio_in.activity_end()
    assert utterance is not None
    assert abs(utterance.duration_s - 1.0) < 0.005


# Once a bug: manual mode kept the last 11 *chunks* before activityStart, not ~364 ms, so
# with 1 s chunks 5 s of audio sent before activityStart joined the utterance.
@pytest.mark.parametrize("chunk_s", [1.0, 0.02, 0.5])
def test_manual_preroll_is_bounded_in_time_not_in_chunks(chunk_s: float) -> None:
    audio_in = AudioInput(None)
    for _ in range(round(5 / chunk_s)):
        audio_in.feed(silence(chunk_s), INPUT_RATE)
    audio_in.activity_start()
    audio_in.feed(tone(1.0), INPUT_RATE)
    utterance = audio_in.activity_end()
    assert utterance is not None
    assert 1.0 <= utterance.duration_s <= 1.0 + (PREROLL_MS + DEFAULT.start_ms) / 1000 + 0.001
    assert abs(loud_seconds(utterance) - 1.0) <= FRAME_S


# -- flush --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [16_000, 44_100])
def test_flush_mid_speech_returns_the_utterance(rate: int) -> None:
    audio_in = auto()
    events = feed_in_chunks(audio_in, silence(0.5, rate) + tone(1.0, rate), rate)
    assert [type(e) for e in events] == [SpeechStarted]
    assert audio_in.in_speech
    utterance = audio_in.flush()
    assert utterance is not None
    assert 1.0 - 2 * FRAME_S <= utterance.duration_s <= 1.0 + (PREROLL_MS + DEFAULT.start_ms) / 1000 + FRAME_S
    assert abs(loud_seconds(utterance) - 1.0) <= 2 * FRAME_S
    assert not audio_in.in_speech
    assert audio_in.flush() is None
    # After the flush, the stream can go on: new speech is a new utterance.
    events = feed_in_chunks(audio_in, silence(0.5, rate) + tone(0.5, rate) + silence(1.0, rate), rate)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, Utterance]


def test_flush_during_a_pause_returns_the_utterance() -> None:
    audio_in = auto()
    events = feed_in_chunks(audio_in, silence(0.5) + tone(1.0) + silence(0.15), INPUT_RATE)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused]
    utterance = audio_in.flush()
    assert utterance is not None
    assert abs(loud_seconds(utterance) - 1.0) <= 2 * FRAME_S
    assert not audio_in.in_speech


def test_flush_outside_speech_returns_none() -> None:
    audio_in = auto()
    assert audio_in.flush() is None
    feed_in_chunks(audio_in, silence(1.0), INPUT_RATE)
    assert audio_in.flush() is None
    feed_in_chunks(audio_in, tone(0.5) + silence(1.0), INPUT_RATE)
    assert audio_in.flush() is None


def test_flush_in_manual_mode_ends_the_activity() -> None:
    audio_in = AudioInput(None)
    assert audio_in.flush() is None
    audio_in.activity_start()
    audio_in.feed(tone(0.5), INPUT_RATE)
    utterance = audio_in.flush()
    assert utterance is not None and utterance.duration_s == pytest.approx(0.5)
    assert not audio_in.in_speech


# -- limits and bad input ---------------------------------------------------------------------


def test_an_utterance_is_cut_at_30_seconds() -> None:
    audio_in = auto()
    events: list[InputEvent] = []
    for _ in range(31):
        events += audio_in.feed(tone(1.0), INPUT_RATE)
    assert [type(e) for e in events][:2] == [SpeechStarted, Utterance]
    first = events[1]
    assert isinstance(first, Utterance)
    assert MAX_UTTERANCE_S - 0.1 <= first.duration_s <= MAX_UTTERANCE_S
    # The speech goes on: the rest is the next utterance.
    assert [type(e) for e in events[2:]] == [SpeechStarted]
    rest = audio_in.flush()
    assert rest is not None
    assert abs(first.duration_s + rest.duration_s - 31.0) < 0.2


@pytest.mark.parametrize("manual", [False, True], ids=["auto", "manual"])
@pytest.mark.parametrize("size", [1, 3, 641])
def test_odd_byte_counts_are_invalid(manual: bool, size: int) -> None:
    audio_in = AudioInput(None) if manual else auto()
    if manual:
        audio_in.activity_start()
    with pytest.raises(InvalidArgument, match=f"{size} bytes"):
        audio_in.feed(b"\x01" * size, INPUT_RATE)


# -- marks for barge-in decisions ------------------------------------------------------------------


def test_marks_are_reported_once_each_while_the_voice_goes_on() -> None:
    from openlive.pipeline.audio_in import SpeechLasted

    pcm = silence(0.3) + tone(1.0) + silence(0.2) + tone(0.5) + silence(1.0)
    with_marks = AudioInput(FakeVad().stream(), DEFAULT, marks_ms=(250, 600))
    plain = AudioInput(FakeVad().stream(), DEFAULT)
    events = feed_in_chunks(with_marks, pcm, INPUT_RATE)
    lasted = [e for e in events if isinstance(e, SpeechLasted)]
    assert [e.ms >= mark for e, mark in zip(lasted, (250, 600), strict=True)] == [True, True]
    assert all(e.ms < mark + 2 * FRAME_S * 1000 for e, mark in zip(lasted, (250, 600), strict=True))
    # Each carries the speech so far: the preroll and at least the mark's worth of voice.
    assert lasted[0].audio.size / INPUT_RATE >= 0.25 and lasted[1].audio.size > lasted[0].audio.size
    # Reporting marks changes nothing else: the same utterance, to the sample.
    ours = [e for e in events if isinstance(e, Utterance)]
    theirs = [e for e in feed_in_chunks(plain, pcm, INPUT_RATE) if isinstance(e, Utterance)]
    assert len(ours) == len(theirs) == 1 and np.array_equal(ours[0].audio, theirs[0].audio)


def test_no_marks_during_the_silence_of_a_pause() -> None:
    from openlive.pipeline.audio_in import SpeechLasted

    # 200 ms of voice, then a pause longer than the marks but shorter than the turn's end.
    config = EndpointerConfig(silence_ms=1000)
    audio_in = AudioInput(FakeVad().stream(), config, marks_ms=(400,))
    events = feed_in_chunks(audio_in, silence(0.3) + tone(0.2) + silence(0.7), INPUT_RATE)
    assert not [e for e in events if isinstance(e, SpeechLasted)]
