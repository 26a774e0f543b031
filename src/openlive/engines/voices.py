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
