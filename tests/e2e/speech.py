"""Speech input for the voice tests, made with espeak-ng so the tests know what was said.

``speak("what is the weather like today", rate=16000)`` returns 16-bit little-endian
mono PCM at ``rate``, with silence before and after the words. Results are cached
per (text, voice, speed, rate, padding) for the whole test session.
"""

from __future__ import annotations

import functools

import numpy as np

from openlive.audio import float_to_pcm16, pcm16_to_float, resample
from openlive.bench.speech import available as available  # re-exported for the tests
from openlive.bench.speech import espeak_pcm


@functools.cache
def speak(
    text: str,
    rate: int = 16_000,
    *,
    voice: str = "en-us",
    speed: int = 150,
    lead_s: float = 0.3,
    tail_s: float = 1.0,
) -> bytes:
    """``text`` spoken by espeak-ng as 16-bit PCM at ``rate``.

    Args:
        text: What to say.
        rate: Sample rate of the result.
        voice: An espeak-ng voice (``en-us``, ``en-us+f3``, ``en-gb``...).
        speed: Words per minute.
        lead_s: Silence before the speech.
        tail_s: Silence after it (enough for the server's end-of-speech detection
            when it is 1 s or more; 0 to end on the last spoken sample).
    """
    pcm, source_rate = espeak_pcm(text, voice, speed)
    samples = resample(pcm16_to_float(pcm), source_rate, rate)
    # espeak-ng pads its output with a little silence of its own; trim it so that
    # lead_s and tail_s are what the caller asked for.
    loud = np.nonzero(np.abs(samples) > 0.01)[0]
    if loud.size:
        samples = samples[loud[0] : loud[-1] + 1]
    lead, tail = np.zeros(int(lead_s * rate), np.float32), np.zeros(int(tail_s * rate), np.float32)
    return float_to_pcm16(np.concatenate([lead, samples, tail]))


def silence(seconds: float, rate: int = 16_000) -> bytes:
    """``seconds`` of digital silence as 16-bit PCM at ``rate``."""
    return bytes(2 * int(seconds * rate))


def duration_s(pcm: bytes, rate: int) -> float:
    """How long 16-bit mono PCM at ``rate`` plays."""
    return len(pcm) / 2 / rate


def chunks(pcm: bytes, rate: int, ms: int = 20) -> list[bytes]:
    """Cut PCM into ``ms``-long pieces, as a microphone would deliver it."""
    size = 2 * rate * ms // 1000
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]
