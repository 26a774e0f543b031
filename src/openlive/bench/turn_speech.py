"""The speech of ``openlive bench turns``: its own sentences, voices and noises.

Written before the turn detector and the barge-in rules were tuned, and apart from
the other scenarios' utterances. Speech comes from espeak-ng (several voices and
rates) and from the server's own Piper voice(s); noises are synthesised here.

- **paused sentences**: one sentence with a silence inserted at a natural point
  inside it (a word boundary found in the audio of the whole sentence, so the
  words before it keep the intonation of a sentence that goes on);
- **questions**: complete sentences, for the time from the end of speech to the
  first reply audio;
- **backchannels**: what listeners say while listening ("mhm", "yeah"...);
- **interjections**: what a user says to stop or redirect a reply;
- **coughs**: 100-300 ms bursts of band-limited noise with a fast attack;
- **steady noise**: pink noise at a given level (dBFS RMS).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from openlive.audio import Samples, float_to_pcm16, pcm16_to_float, resample
from openlive.bench.speech import RATE, Utterance, espeak_pcm, voiced_bounds

# espeak-ng voices and rates; none of them is the voice scenario's first choice.
ESPEAK_VOICES: tuple[tuple[str, int], ...] = (
    ("en-us", 150),
    ("en-gb+f3", 175),
    ("en-us+m3", 135),
    ("en-gb-scotland", 160),
    ("en-us+f4", 190),
)
# Piper voices, by their Live API names (the server's own speech engine speaks them).
PIPER_VOICES = ("Puck", "Kore")

# A "|" marks where the speaker pauses.
PAUSED_SENTENCES = (
    "I was wondering if you could | help me plan a birthday party.",
    "The best way to learn a language is | to speak it every day.",
    "Can you find me a recipe that uses | chicken and mushrooms?",
    "My sister lives in Toronto and she | works as a nurse.",
    "What would happen if the moon | suddenly disappeared?",
    "I need to buy a present for my | father's sixtieth birthday.",
    "Tell me the difference between a | crocodile and an alligator.",
    "We are driving to the coast on | Saturday morning with the kids.",
    "Is it true that octopuses have | three hearts?",
    "Before I go to bed I usually | read for half an hour.",
    "Could you explain why the | ocean is salty?",
    "I think the meeting should | start a little later today.",
)
PAUSES_MS = (300, 400, 500, 600, 700)

QUESTIONS = (
    "Which planet is closest to the sun?",
    "How long should I boil an egg?",
    "What is the largest ocean on Earth?",
    "Can you suggest a name for my new puppy?",
    "How many legs does a spider have?",
    "What language do people speak in Brazil?",
    "Is a tomato a fruit or a vegetable?",
    "What time zone is London in?",
    "How do I make a cup of green tea?",
    "Which animal is the fastest on land?",
)

BACKCHANNELS = (
    "Mhm.",
    "Yeah.",
    "Uh-huh.",
    "Okay.",
    "Right.",
    "I see.",
    "Sure.",
    "Yes.",
    "Oh, okay.",
    "Got it.",
)

INTERJECTIONS = (
    "Stop, wait.",
    "Hold on, what about tomorrow?",
    "Sorry, can you say that again?",
    "No, I meant the other one.",
    "Wait a moment, that is not right.",
    "Actually, tell me about trains instead.",
    "Excuse me, how long does that take?",
    "Stop please, I have a question.",
)

STORY_PROMPTS = (
    "Tell me a long story about a lighthouse keeper.",
    "Describe in detail how a car engine works.",
    "Tell me everything you know about the history of tea.",
)

COUGH_MS = (100, 150, 200, 250, 300)
NOISE_DBFS = (-30.0, -20.0)

Speak = Callable[[str, str], Samples]
"""Speech for ``(text, voice)`` at 16 kHz, trimmed to its voiced part."""


def spoken(text: str, voice: str = "en-us", wpm: int = 160) -> Samples:
    """``text`` spoken by espeak-ng at 16 kHz, trimmed to its voiced part."""
    pcm, rate = espeak_pcm(text, voice, wpm)
    audio = resample(pcm16_to_float(pcm), rate, RATE)
    start, end = voiced_bounds(audio)
    return audio[start:end]


def piper_speaker(synthesize: Callable[[str, str], Samples], output_rate: int) -> Speak:
    """A :data:`Speak` for a TTS engine's ``synthesize(text, voice)`` at ``output_rate``."""

    def speak(text: str, voice: str) -> Samples:
        audio = resample(synthesize(text, voice), output_rate, RATE)
        start, end = voiced_bounds(audio)
        return audio[start:end]

    return speak


def tts_synthesize(tts: object, language: str = "en-US") -> Callable[[str, str], Samples]:
    """``synthesize(text, voice)`` of an openlive TTS engine, all pieces joined."""

    def synthesize(text: str, voice: str) -> Samples:
        pieces = list(tts.synthesize(text, voice, language, threading.Event()))  # type: ignore[attr-defined]
        return np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, np.float32)

    return synthesize


def word_boundary(whole: Samples, prefix: Samples) -> int:
    """Where the words of ``prefix`` end inside ``whole``: the quietest 20 ms near its length.

    The prefix spoken alone ends with a sentence-final lengthening, so the boundary
    lies a little before its length; it is searched between 75 % and 105 % of it.
    """
    frame = RATE // 50
    low, high = int(0.75 * prefix.size), min(whole.size - frame, int(1.05 * prefix.size))
    if high <= low:
        return min(prefix.size, whole.size)
    starts = np.arange(low, high, frame // 4)
    energy = np.array([float(np.mean(whole[s : s + frame] ** 2)) for s in starts])
    return int(starts[int(np.argmin(energy))] + frame // 2)


def mid_sentence_cut(sentence: str, voice: str, wpm: int, after_words: int) -> Samples:
    """The espeak-ng audio of ``sentence`` up to the end of its first ``after_words`` words."""
    words = sentence.replace("|", " ").split()
    whole = spoken(" ".join(words), voice, wpm)
    prefix = spoken(" ".join(words[:after_words]), voice, wpm)
    return whole[: word_boundary(whole, prefix)]


def _utterance(text: str, voice: str, wpm: int, audio: Samples, lead_s: float, tail_s: float) -> Utterance:
    lead, tail = np.zeros(int(lead_s * RATE), np.float32), np.zeros(int(tail_s * RATE), np.float32)
    data = float_to_pcm16(np.clip(np.concatenate([lead, audio, tail]), -1.0, 1.0))
    start, end = voiced_bounds(pcm16_to_float(data))
    return Utterance(text, voice, wpm, data, start, end)


@dataclass(frozen=True)
class PausedUtterance:
    """A sentence with a pause inserted in it.

    Attributes:
        utterance: The whole audio (lead silence, first part, pause, second part, tail).
        pause_ms: The inserted silence.
        pause_at: Sample index where the pause starts.
    """

    utterance: Utterance
    pause_ms: int
    pause_at: int


def paused(sentence: str, voice: str, wpm: int, pause_ms: int, speak: Speak | None = None) -> PausedUtterance:
    """``sentence`` (with its "|") spoken with ``pause_ms`` of silence at the mark.

    ``speak`` makes the audio with another engine (its ``voice``); espeak-ng by default.
    """
    first, _ = sentence.split("|")
    text = " ".join(sentence.replace("|", " ").split())
    if speak is None:
        whole, prefix = spoken(text, voice, wpm), spoken(first.strip(), voice, wpm)
    else:
        whole, prefix = speak(text, voice), speak(first.strip(), voice)
    cut = word_boundary(whole, prefix)
    gap = np.zeros(RATE * pause_ms // 1000, np.float32)
    audio = np.concatenate([whole[:cut], gap, whole[cut:]])
    lead_s = 0.3
    utterance = _utterance(text, voice, wpm, audio, lead_s, 1.5)
    return PausedUtterance(utterance, pause_ms, int(lead_s * RATE) + cut)


def said(text: str, voice: str, wpm: int, speak: Speak | None = None, lead_s: float = 0.1) -> Utterance:
    """``text`` spoken with a short lead and 1.5 s of silence after it."""
    audio = spoken(text, voice, wpm) if speak is None else speak(text, voice)
    return _utterance(text, voice, wpm, audio, lead_s, 1.5)


def cough(ms: int, seed: int, level_dbfs: float = -14.0) -> Utterance:
    """A cough-like burst: band-passed noise (300-3000 Hz), fast attack, exponential decay."""
    rng = np.random.default_rng(seed)
    n = RATE * ms // 1000
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[(freqs < 300) | (freqs > 3000)] = 0
    burst = np.fft.irfft(spectrum, n)
    t = np.arange(n) / n
    burst *= np.minimum(1.0, t / 0.05) * np.exp(-3.0 * t)
    burst *= 10 ** (level_dbfs / 20) / max(1e-9, float(np.sqrt(np.mean(burst**2))))
    return _utterance(f"cough {ms} ms", "noise", 0, burst.astype(np.float32), 0.1, 1.5)


def pink_noise(seconds: float, level_dbfs: float, seed: int = 0) -> Utterance:
    """Pink (1/f) noise at ``level_dbfs`` RMS."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n)
    noise *= 10 ** (level_dbfs / 20) / float(np.sqrt(np.mean(noise**2)))
    data = float_to_pcm16(noise.astype(np.float32))
    return Utterance(f"pink noise {level_dbfs:.0f} dBFS", "noise", 0, data, 0, len(data) // 2)
