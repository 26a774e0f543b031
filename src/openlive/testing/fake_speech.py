"""Deterministic fake speech engines: energy VAD, scripted ASR, tone TTS."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from openlive.engines.audio_base import (
    INPUT_RATE,
    LIVE_API_LANGUAGES,
    LIVE_API_VOICES,
    OUTPUT_RATE,
    Samples,
    check_rate,
)


class FakeVadStream:
    """Speech is any 32 ms frame louder than ``threshold`` RMS."""

    frame_samples = 512

    def __init__(self, threshold: float) -> None:
        self._threshold = threshold

    def speech_probabilities(self, frames: Samples) -> npt.NDArray[np.float32]:
        """1.0 for loud frames, 0.0 for quiet ones."""
        if frames.size % self.frame_samples:
            raise ValueError("frames must be whole 512-sample frames")
        rms = np.sqrt(np.mean(frames.reshape(-1, self.frame_samples) ** 2, axis=1))
        return np.asarray(rms > self._threshold, dtype=np.float32)

    def reset(self) -> None:
        """Nothing to forget."""


class FakeVad:
    """An energy detector standing in for Silero."""

    def __init__(self, threshold: float = 0.02) -> None:
        self.threshold = threshold

    def stream(self) -> FakeVadStream:
        """A new stream."""
        return FakeVadStream(self.threshold)


class FakeAsr:
    """Recognition from a script.

    Args:
        script: Transcripts handed out in order; once used up, or if empty, the
            transcript is ``"<seconds> seconds of speech"``.
        delay_s: Time each recognition takes.
    """

    languages = ("en",)

    def __init__(self, script: Sequence[str] = (), delay_s: float = 0.0) -> None:
        self._script = list(script)
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self.heard: list[float] = []  # durations of the utterances recognised

    def transcribe(self, audio: Samples, language: str | None = None) -> str:
        """The next scripted transcript."""
        if self._delay_s:
            time.sleep(self._delay_s)
        with self._lock:
            self.heard.append(audio.size / INPUT_RATE)
            if self._script:
                return self._script.pop(0)
        return f"{audio.size / INPUT_RATE:.1f} seconds of speech"


class FakeGlimpsingAsr(FakeAsr):
    """A :class:`FakeAsr` whose partial recognitions (``glimpse``) have a script of their own.

    Args:
        script: Transcripts of whole utterances, as for :class:`FakeAsr`.
        glimpses: What each glimpse hears, in order; the last one repeats.
        delay_s: Time each recognition takes.
    """

    def __init__(
        self, script: Sequence[str] = (), glimpses: Sequence[str] = ("",), delay_s: float = 0.0
    ) -> None:
        super().__init__(script, delay_s)
        self._glimpses = list(glimpses) or [""]
        self.glimpsed: list[float] = []  # durations of the audio glimpsed

    def glimpse(self, audio: Samples, language: str | None = None) -> str:
        """The next scripted glimpse (the last one once the others are used)."""
        with self._lock:
            self.glimpsed.append(audio.size / INPUT_RATE)
            return self._glimpses.pop(0) if len(self._glimpses) > 1 else self._glimpses[0]


class FakeTts:
    """Speech as tones: 50 ms of a voice-specific tone per character, one piece per word.

    Args:
        piece_delay_s: Time each piece takes, to make replies slow enough to interrupt.
        seconds_per_char: Audio length per character of text.
    """

    voices = LIVE_API_VOICES
    languages = LIVE_API_LANGUAGES

    def __init__(
        self,
        piece_delay_s: float = 0.0,
        seconds_per_char: float = 0.05,
        on_piece: Callable[[str], None] | None = None,
    ) -> None:
        self._piece_delay_s = piece_delay_s
        self._seconds_per_char = seconds_per_char
        self._on_piece = on_piece

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Yield one tone per word of ``text``; ``rate`` shortens or lengthens the tones, not their pitch."""
        if voice not in self.voices:
            raise ValueError(f"unknown voice {voice!r}")
        seconds_per_char = self._seconds_per_char / check_rate(rate)
        frequency = 200.0 + 40.0 * self.voices.index(voice)
        for word in text.split(" "):
            if cancel.is_set():
                return
            if not word:
                continue
            if self._piece_delay_s:
                time.sleep(self._piece_delay_s)
            samples = int(OUTPUT_RATE * seconds_per_char * (len(word) + 1))
            t = np.arange(samples, dtype=np.float32) / OUTPUT_RATE
            if self._on_piece is not None:
                self._on_piece(word)
            yield (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


class FakeTurn:
    """An end-of-turn model that always gives the same probability, and counts its calls.

    Args:
        probability: The probability that the speaker has finished.
    """

    def __init__(self, probability: float) -> None:
        self.probability_value = probability
        self.calls = 0

    def probability(self, audio: Samples) -> float:
        """The fixed probability."""
        self.calls += 1
        return self.probability_value
