"""Protocols of the speech engines: voice activity, recognition, synthesis.

Audio crosses these Protocols as NumPy arrays of float32 samples in [-1, 1] at
the engine's own rate (16 kHz in, 24 kHz out), mono. Engines are synchronous;
the pipeline calls them from worker threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

INPUT_RATE = 16_000
OUTPUT_RATE = 24_000


@runtime_checkable
class VadStream(Protocol):
    """Voice activity of one audio stream; keeps the model's state between calls."""

    @property
    def frame_samples(self) -> int:
        """Samples per frame at 16 kHz; ``speech_probabilities`` scores whole frames."""
        ...

    def speech_probabilities(self, frames: Samples) -> npt.NDArray[np.float32]:
        """Speech probability of each whole frame in ``frames`` (length a multiple of a frame)."""
        ...

    def reset(self) -> None:
        """Forget the stream so far (after a pause)."""
        ...


@runtime_checkable
class VAD(Protocol):
    """A voice activity model; weights shared, one stream per session."""

    def stream(self) -> VadStream:
        """A new stream with fresh state."""
        ...


@runtime_checkable
class ASR(Protocol):
    """Speech recognition."""

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages it can hear, as ISO 639-1 codes (``en``)."""
        ...

    def transcribe(self, audio: Samples, language: str | None = None) -> str:
        """The text spoken in ``audio`` (16 kHz), or an empty string."""
        ...


@dataclass(frozen=True)
class Heard:
    """What a recogniser heard, and in which language.

    Attributes:
        text: The transcript, or ``""``.
        language: The ISO 639-1 code it was heard in (asked for or detected).
    """

    text: str
    language: str


@runtime_checkable
class LanguageHearingASR(ASR, Protocol):
    """Speech recognition that tells which language it heard (multilingual Whisper)."""

    def hear(self, audio: Samples, language: str | None = None, among: tuple[str, ...] = ()) -> Heard:
        """The text in ``audio`` and its language; ``language=None`` detects it, among ``among`` if given."""
        ...


@runtime_checkable
class GlimpsingASR(ASR, Protocol):
    """Speech recognition with a quicker, rougher mode for partial transcripts (Whisper)."""

    def glimpse(self, audio: Samples, language: str | None = None) -> str:
        """The first words of ``audio``, recognised quickly (less accurately than ``transcribe``)."""
        ...


@runtime_checkable
class TTS(Protocol):
    """Speech synthesis."""

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names it accepts (the Live API's prebuilt voice names)."""
        ...

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes it can speak (``en-US``)."""
        ...

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text``; yield 24 kHz audio in pieces as soon as each is ready.

        ``rate`` is the speaking rate against the voice's own (0.9 speaks a tenth
        slower: the same text lasts about 1/0.9 as long), with the voice's pitch kept;
        1.0 is the voice as it is. It lies within ``MIN_RATE``..``MAX_RATE``
        (:func:`check_rate`).
        """
        ...


# The speaking rates a synthesiser is asked for: from half to twice the voice's own.
MIN_RATE, MAX_RATE = 0.5, 2.0


def check_rate(rate: float) -> float:
    """``rate`` if it is a speaking rate a synthesiser accepts.

    Raises:
        ValueError: Outside ``MIN_RATE``..``MAX_RATE`` (or not a number).
    """
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValueError(f"speaking rate {rate!r} is outside {MIN_RATE}..{MAX_RATE}")
    return rate


# The prebuilt voice names and language codes the Live API documentation lists.
LIVE_API_VOICES = ("Puck", "Charon", "Kore", "Fenrir", "Aoede", "Leda", "Orus", "Zephyr")
LIVE_API_LANGUAGES = (
    "de-DE", "en-AU", "en-GB", "en-IN", "en-US", "es-US", "fr-FR", "hi-IN", "pt-BR", "ar-XA",
    "es-ES", "fr-CA", "id-ID", "it-IT", "ja-JP", "tr-TR", "vi-VN", "bn-IN", "gu-IN", "kn-IN",
    "ml-IN", "mr-IN", "ta-IN", "te-IN", "nl-NL", "ko-KR", "cmn-CN", "pl-PL", "ru-RU", "th-TH",
)  # fmt: skip


class TurnDetector(Protocol):
    """Hears whether a speaker has finished their turn; shared by sessions, thread-safe."""

    def probability(self, audio: Samples) -> float:
        """The probability that the speaker of ``audio`` (16 kHz, ending now) has finished."""
        ...


@dataclass(frozen=True)
class SpeechEngines:
    """The engines of the voice path, loaded once per process and shared by sessions.

    ``turn`` is the end-of-turn model; without it the end of speech is silence alone.
    ``listener`` judges words heard during a reply that the backchannel list does
    not hold: log-odds that they are a listener's response (blocking; may raise:
    :class:`~openlive.pipeline.listener_judge.ListenerJudge`); without it the list
    alone decides. ``text_turn`` reads whether a transcript's words end the turn:
    a language model's log-probability (blocking; may raise; ``None``: no words;
    :class:`~openlive.pipeline.text_turn.TextTurnEnd`), used with ``turn``; without
    it the turn model and the word list decide.
    """

    vad: VAD
    asr: ASR
    tts: TTS
    turn: TurnDetector | None = None
    listener: Callable[[str], float] | None = None
    text_turn: Callable[[str], float | None] | None = None
