"""The Live API's voice names and language codes, their validation, and a pitch measure.

The speech engines accept exactly the documented names (Puck, Charon, ...) and
BCP-47 codes (``de-DE``, ...), listed in :mod:`openlive.engines.audio_base`; these
helpers turn a client's spelling into the documented one or raise
:class:`SpeechConfigError` naming what is accepted.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openlive.engines.audio_base import LIVE_API_LANGUAGES, LIVE_API_VOICES
from openlive.errors import InvalidArgument

Samples = npt.NDArray[np.float32]

__all__ = [
    "ENGLISH_LANGUAGES",
    "LIVE_API_LANGUAGES",
    "LIVE_API_VOICES",
    "SpeechConfigError",
    "canonical_language",
    "canonical_voice",
    "timbre",
    "typical_f0",
]

# The documented codes Piper's English voices speak (with their own accent).
ENGLISH_LANGUAGES: tuple[str, ...] = ("en-US", "en-GB", "en-AU", "en-IN")


class SpeechConfigError(InvalidArgument, ValueError):
    """A voice name or language code that the speech engine does not offer (close 1007)."""


def _listing(items: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def canonical_voice(name: str, voices: tuple[str, ...] = LIVE_API_VOICES) -> str:
    """The documented spelling of a voice name, matched without regard to case.

    Args:
        name: The name a client sent (``"kore"``, ``"Kore"``).
        voices: The names accepted.

    Raises:
        SpeechConfigError: The name is not one of ``voices``.
    """
    folded = name.strip().casefold()
    for voice in voices:
        if voice.casefold() == folded:
            return voice
    raise SpeechConfigError(f"voice {name[:40]!r} is not available; choose one of: {_listing(voices)}")


def canonical_language(code: str, languages: tuple[str, ...] = LIVE_API_LANGUAGES) -> str:
    """The documented spelling of a BCP-47 code, matched without regard to case (``_`` as ``-``).

    Args:
        code: The code a client sent (``"de-de"``, ``"de_DE"``).
        languages: The codes accepted.

    Raises:
        SpeechConfigError: The code is not one of ``languages``.
    """
    folded = code.strip().replace("_", "-").casefold()
    for language in languages:
        if language.casefold() == folded:
            return language
    raise SpeechConfigError(
        f"language {code[:40]!r} is not supported for speech; use one of: {_listing(languages)}"
    )


def typical_f0(samples: Samples, rate: int, fmin: float = 55.0, fmax: float = 400.0) -> float:
    """The typical fundamental frequency of the voiced parts of speech, by the YIN method.

    The signal is cut into frames every 10 ms; a frame counts as voiced when it is loud
    (at least 30 % of the whole signal's RMS) and its cumulative mean normalized
    difference dips below 0.2 at a lag between ``1/fmax`` and ``1/fmin``. The first
    such dip (refined by a parabola) is the period, which keeps octave errors rare.
    The result is the geometric mean of the middle 60 % of the voiced frames' pitches:
    steadier than the median, which jumps between the modes of a sentence's melody.

    Args:
        samples: Mono float audio.
        rate: Its sample rate in Hz.
        fmin: Lowest pitch considered, in Hz.
        fmax: Highest pitch considered, in Hz.

    Returns:
        The typical F0 in Hz, or 0.0 when no frame is voiced.
    """
    x = np.asarray(samples, dtype=np.float64)
    window, hop = int(0.03 * rate), int(0.01 * rate)
    lo, hi = max(2, int(rate / fmax)), int(rate / fmin) + 1
    size = window + hi + 1
    overall_rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    if x.size < size or overall_rms == 0.0:
        return 0.0
    starts = np.arange(0, x.size - size + 1, hop)
    frames = x[starts[:, None] + np.arange(size)]
    frames -= frames.mean(axis=1, keepdims=True)
    frames = frames[np.sqrt(np.mean(frames[:, :window] ** 2, axis=1)) >= 0.3 * overall_rms]
    if frames.shape[0] == 0:
        return 0.0
    n = 1 << int(np.ceil(np.log2(size + window)))
    # r[t] = sum_{j<window} x[j] * x[j + t], for t = 0..hi
    head = np.fft.rfft(frames[:, :window], n=n, axis=1)
    full = np.fft.rfft(frames, n=n, axis=1)
    r = np.fft.irfft(np.conj(head) * full, n=n, axis=1)[:, : hi + 1]
    energy = np.concatenate([np.zeros((frames.shape[0], 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(hi + 1)
    shifted = energy[:, lags + window] - energy[:, lags]  # sum_{j<window} x[j + t]^2
    diff = np.maximum(shifted[:, :1] + shifted - 2 * r, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * lags[1:] / np.maximum(cumulative, 1e-12)
    pitches: list[float] = []
    for row in cmnd:
        below = np.nonzero(row[lo:hi] < 0.2)[0]
        if below.size == 0:
            continue
        t = lo + int(below[0])
        while t + 1 < hi and row[t + 1] < row[t]:
            t += 1
        a, b, c = row[t - 1], row[t], row[t + 1]
        denom = a - 2 * b + c
        shift = 0.5 * (a - c) / denom if denom > 1e-12 else 0.0
        pitches.append(rate / (t + float(np.clip(shift, -0.5, 0.5))))
    if not pitches:
        return 0.0
    logs = np.log(np.asarray(pitches))
    low, high = np.percentile(logs, [20.0, 80.0])
    return float(np.exp(logs[(logs >= low) & (logs <= high)].mean()))


def timbre(samples: Samples, rate: int, coefficients: int = 12, bands: int = 40) -> npt.NDArray[np.float64]:
    """A voice's spectral colour: the mean mel-cepstrum (MFCC 1..N) of its loud frames.

    Frames of 25 ms every 10 ms, Hann-windowed; the power spectrum is pooled into
    ``bands`` mel bands up to 8 kHz, logged, and turned into cepstral coefficients by a
    DCT. The 0th coefficient (loudness) is left out, so the result describes the
    spectrum's shape (formants, brightness), little of its level; the Euclidean distance
    between two voices' vectors says how different they sound in colour, pitch aside.

    Args:
        samples: Mono float audio.
        rate: Its sample rate in Hz.
        coefficients: Cepstral coefficients kept (1..N).
        bands: Mel bands.

    Returns:
        The ``coefficients`` mean MFCCs (zeros when the audio is silent or too short).
    """
    x = np.asarray(samples, dtype=np.float64)
    window, hop = int(0.025 * rate), int(0.01 * rate)
    rms = float(np.sqrt(np.mean(x**2))) if x.size else 0.0
    if x.size < window or rms == 0.0:
        return np.zeros(coefficients)
    x = x / rms  # the level does not colour the voice
    starts = np.arange(0, x.size - window + 1, hop)
    frames = x[starts[:, None] + np.arange(window)] * np.hanning(window)
    frames = frames[np.sqrt(np.mean(frames**2, axis=1)) >= 0.3]
    if frames.shape[0] == 0:
        return np.zeros(coefficients)
    n = 1 << int(np.ceil(np.log2(window)))
    power = np.abs(np.fft.rfft(frames, n=n, axis=1)) ** 2
    top = min(8000.0, rate / 2)
    mel = np.linspace(0.0, 2595.0 * np.log10(1.0 + top / 700.0), bands + 2)
    edges = 700.0 * (10 ** (mel / 2595.0) - 1.0)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    rising = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    falling = (edges[2:, None] - freqs[None, :]) / (edges[2:, None] - edges[1:-1, None])
    filters = np.maximum(0.0, np.minimum(rising, falling))
    log_mel = np.log(power @ filters.T + 1e-10)
    k = np.arange(bands)
    dct = np.cos(np.pi / bands * (k[None, :] + 0.5) * np.arange(1, coefficients + 1)[:, None])
    mfcc: npt.NDArray[np.float64] = (log_mel @ dct.T).mean(axis=0) * np.sqrt(2.0 / bands)
    return mfcc
