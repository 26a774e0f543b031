"""Affective dialog in the voice path: the user's voice measured, the reply's voice adjusted.

:func:`measure_voice` reads an utterance's pitch, loudness and speech span (the
session turns them into a tone against the user's own baseline,
:class:`openlive.session.native.ToneTracker`). :class:`StyledTTS` speaks a reply
slower or faster, softer or louder, for that tone (:class:`openlive.session.native.Delivery`),
in front of any synthesiser: the synthesiser itself speaks at the rate (its pitch kept),
the loudness is scaled here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np

from openlive.engines.audio_base import INPUT_RATE, TTS, Samples
from openlive.session.native import Delivery, VoiceFeatures

FRAME = 512  # 32 ms at 16 kHz
HOP = 256
# Speech frames: within this many dB of the utterance's loudest frame, and above a floor.
SPEECH_RANGE_DB = 30.0
SPEECH_FLOOR_DB = -55.0
# Pitch search range (a low man's voice to a child's), and how periodic a frame must be.
MIN_PITCH_HZ, MAX_PITCH_HZ = 70.0, 450.0
VOICED_CORRELATION = 0.45
# At most this much of an utterance is measured (bounded cost; the tone shows early).
MAX_MEASURED_S = 20.0
# At most this many frames are searched for pitch.
MAX_PITCH_FRAMES = 400


def measure_voice(audio: Samples, rate: int = INPUT_RATE) -> VoiceFeatures:
    """Pitch, loudness and span of the speech in ``audio`` (mono float32 at ``rate``)."""
    audio = np.asarray(audio[: int(MAX_MEASURED_S * rate)], dtype=np.float32)
    if audio.size < FRAME:
        return VoiceFeatures(0.0, 0.0, SPEECH_FLOOR_DB, 0.0)
    count = 1 + (audio.size - FRAME) // HOP
    index = np.arange(FRAME)[None, :] + HOP * np.arange(count)[:, None]
    frames = audio[index]
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    speech = db > max(SPEECH_FLOOR_DB, float(db.max()) - SPEECH_RANGE_DB)
    if not speech.any():
        return VoiceFeatures(0.0, 0.0, SPEECH_FLOOR_DB, 0.0)
    where = np.nonzero(speech)[0]
    span_s = (where[-1] - where[0] + 1) * HOP / rate
    energy_db = float(np.mean(db[speech]))
    pitches = _pitches(frames[where[:: max(1, where.size // MAX_PITCH_FRAMES)]], rate)
    if pitches.size < 3:
        return VoiceFeatures(0.0, 0.0, energy_db, span_s)
    semitones = 12 * np.log2(pitches / np.median(pitches))
    return VoiceFeatures(float(np.median(pitches)), float(np.std(semitones)), energy_db, span_s)


def _pitches(frames: Samples, rate: int) -> Samples:
    """The pitch of each periodic frame (autocorrelation peak), in Hz."""
    frames = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(frames * np.hanning(FRAME), n=2 * FRAME, axis=1)
    corr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :FRAME]
    energy = corr[:, :1] + 1e-12
    low, high = int(rate / MAX_PITCH_HZ), int(rate / MIN_PITCH_HZ)
    window = corr[:, low:high] / energy
    lags = np.argmax(window, axis=1)
    peaks = window[np.arange(window.shape[0]), lags]
    periodic = peaks > VOICED_CORRELATION
    return np.asarray(rate / (lags[periodic] + low), dtype=np.float32)


class StyledTTS:
    """A synthesiser whose speech is spoken at another rate and loudness.

    The rate is the synthesiser's own (``TTS.synthesize``'s ``rate``): the voice speaks
    slower or faster at its usual pitch, not played back as a tape would be.

    Args:
        tts: The synthesiser.
        delivery: How to change its speech.
    """

    def __init__(self, tts: TTS, delivery: Delivery) -> None:
        self._tts = tts
        self._delivery = delivery

    @property
    def voices(self) -> tuple[str, ...]:
        """The voices of the synthesiser."""
        return self._tts.voices

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of the synthesiser."""
        return self._tts.languages

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text`` at the delivery's rate (times ``rate``), then change its loudness."""
        gain = np.float32(self._delivery.gain)
        for piece in self._tts.synthesize(text, voice, language, cancel, rate * self._delivery.speed):
            yield np.clip(piece * gain, -1.0, 1.0).astype(np.float32, copy=False)
