"""Spoken utterances for the benchmark, made with espeak-ng, with known voiced bounds.

Each utterance is 16 kHz 16-bit PCM: leading silence, the words, trailing silence.
The voices, speaking rates and lengths vary from one utterance to the next, so the
figures are not those of one voice at one speed. Because the audio is synthetic,
the benchmark knows exactly where the voice starts and stops: the first and last
10 ms frame whose level is within :data:`VOICED_DB` of the loudest frame.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openlive.audio import Samples, float_to_pcm16, pcm16_to_float, resample

ESPEAK = "espeak-ng"
RATE = 16_000

# espeak-ng voices (language + variant) and speaking rates in words per minute.
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-gb-scotland", "en-us+f2", "en-029")
WPM = (145, 170, 195)

# A frame is voiced when its RMS level is within this many dB of the loudest frame.
VOICED_DB = 40.0
FRAME_MS = 10

# What users say to a voice assistant: short, medium and long, each expecting a short answer.
QUESTIONS = (
    "Hello there.",
    "What is the capital of France?",
    "How many days are there in a week?",
    "Tell me a fun fact about cats.",
    "Thank you very much.",
    "What is two plus two?",
    "Can you recommend a good book for a long train journey?",
    "Why is the sky blue?",
    "Good morning.",
    "What should I cook for dinner tonight if I only have eggs, rice and a few vegetables?",
    "How far away is the moon?",
    "What is the tallest mountain in the world?",
    "Give me one tip for sleeping better.",
    "Yes, please.",
    "I am planning a trip to the mountains next weekend, what should I pack for cold weather?",
    "Who wrote Romeo and Juliet?",
    "What does a bee make?",
    "How do I say thank you in Spanish?",
    "Name three colours of the rainbow.",
    "What is the boiling point of water?",
)

# Prompts that get a long spoken answer, so that there is a reply to interrupt.
STORIES = (
    "Tell me a long story about a dragon.",
    "Tell me about the Roman Empire.",
    "Explain how to bake bread at home.",
    "Tell me a long story about a cat.",
    "Describe how the planets were formed.",
)

# What the user says to cut the reply short.
INTERRUPTIONS = (
    "Wait, stop.",
    "Sorry, hold on a second.",
    "No, tell me about dogs instead.",
    "Stop please.",
    "Actually, never mind.",
)

# Prompts for the text scenario (typed, so no speech).
TEXT_PROMPTS = (
    "What is the capital of France?",
    "Write one sentence about the sea.",
    "Give me three tips for staying focused while working from home.",
    "What is the difference between weather and climate?",
    "Suggest a name for a small bakery.",
    "Explain in two sentences how a rainbow forms.",
    "What are the primary colours?",
    "Tell me a short joke.",
    "How do plants make their food?",
    "List four fruits that are red.",
)


@dataclass(frozen=True)
class Utterance:
    """One spoken utterance and where its voice is.

    Attributes:
        text: What is said.
        voice: The espeak-ng voice.
        wpm: Speaking rate, words per minute.
        pcm: 16-bit little-endian mono PCM at :data:`RATE`.
        voiced_start: Index of the first voiced sample.
        voiced_end: Index one past the last voiced sample.
    """

    text: str
    voice: str
    wpm: int
    pcm: bytes
    voiced_start: int
    voiced_end: int

    @property
    def samples(self) -> int:
        """Length in samples."""
        return len(self.pcm) // 2

    @property
    def duration_s(self) -> float:
        """Length in seconds, silences included."""
        return self.samples / RATE

    @property
    def speech_s(self) -> float:
        """Seconds from the first to the last voiced sample."""
        return (self.voiced_end - self.voiced_start) / RATE

    def describe(self) -> dict[str, object]:
        """The utterance's properties for the JSON samples (without the audio)."""
        return {
            "text": self.text,
            "voice": self.voice,
            "wpm": self.wpm,
            "duration_s": round(self.duration_s, 3),
            "speech_s": round(self.speech_s, 3),
        }


def available() -> bool:
    """Whether espeak-ng is installed."""
    return shutil.which(ESPEAK) is not None


@functools.lru_cache(maxsize=256)
def espeak_pcm(text: str, voice: str, wpm: int) -> tuple[bytes, int]:
    """espeak-ng's own output: 16-bit PCM and its sample rate."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run(
            [ESPEAK, "-v", voice, "-s", str(wpm), "-w", str(path), text],
            check=True,
            capture_output=True,
            timeout=60,
        )
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise RuntimeError(f"espeak-ng wrote {wav.getnchannels()} channels, {wav.getsampwidth()} B")
            return wav.readframes(wav.getnframes()), wav.getframerate()


def voiced_bounds(samples: Samples, rate: int = RATE, db: float = VOICED_DB) -> tuple[int, int]:
    """First voiced sample and one past the last, by frame energy.

    A frame of :data:`FRAME_MS` is voiced when its RMS is within ``db`` dB of the
    loudest frame's. Returns ``(0, 0)`` for silence.
    """
    frame = rate * FRAME_MS // 1000
    count = samples.size // frame
    if count == 0:
        return 0, 0
    frames = samples[: count * frame].astype(np.float64).reshape(count, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    peak = float(rms.max())
    if peak <= 1e-5:
        return 0, 0
    voiced = np.nonzero(rms >= peak * 10 ** (-db / 20))[0]
    return int(voiced[0]) * frame, min(samples.size, (int(voiced[-1]) + 1) * frame)


def utterance(
    text: str, voice: str = "en-us", wpm: int = 170, lead_s: float = 0.3, tail_s: float = 0.3
) -> Utterance:
    """``text`` spoken by espeak-ng, with ``lead_s`` and ``tail_s`` of silence around the words.

    Raises:
        RuntimeError: espeak-ng is missing or failed.
    """
    if not available():
        raise RuntimeError("espeak-ng makes the benchmark's speech: apt-get install espeak-ng")
    try:
        pcm, source_rate = espeak_pcm(text, voice, wpm)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"espeak-ng failed for voice {voice!r}: {exc}") from exc
    audio = resample(pcm16_to_float(pcm), source_rate, RATE)
    # espeak-ng pads its output with silence of its own: trim it so that the
    # silences are the ones asked for.
    start, end = voiced_bounds(audio)
    audio = audio[start:end]
    lead, tail = int(lead_s * RATE), int(tail_s * RATE)
    padded = np.concatenate([np.zeros(lead, np.float32), audio, np.zeros(tail, np.float32)])
    data = float_to_pcm16(padded)
    voiced_start, voiced_end = voiced_bounds(pcm16_to_float(data))
    return Utterance(text, voice, wpm, data, voiced_start, voiced_end)


def series(
    texts: tuple[str, ...], count: int, offset: int = 0, lead_s: float = 0.3, tail_s: float = 0.3
) -> list[Utterance]:
    """``count`` utterances of ``texts`` in turn, each with the next voice and rate.

    Voices cycle fastest, rates change each time the voices come round, so that
    neighbouring utterances differ in text, voice and rate.
    """
    made = []
    for index in range(offset, offset + count):
        voice = VOICES[index % len(VOICES)]
        wpm = WPM[(index // len(VOICES)) % len(WPM)]
        made.append(utterance(texts[index % len(texts)], voice, wpm, lead_s, tail_s))
    return made


def questions(count: int, offset: int = 0) -> list[Utterance]:
    """Questions for the voice, capacity and pipeline scenarios."""
    return series(QUESTIONS, count, offset)


def stories(count: int) -> list[Utterance]:
    """Requests for long replies, for the barge-in scenario."""
    return series(STORIES, count)


def interruptions(count: int) -> list[Utterance]:
    """Short interjections that start 0.1 s into their audio, for the barge-in scenario."""
    return series(INTERRUPTIONS, count, offset=3, lead_s=0.1)
