"""The eight Live API voices on the real packaged models: genders, pitch, colour, intelligibility.

Every voice speaks the same sentence; its typical F0 (``typical_f0``) and spectral colour
(``timbre``, mean MFCCs) are measured and Whisper tiny.en transcribes it. The table is
printed (``pytest -s``) with each voice's real-time factor beside the unshifted Piper
joe-medium voice's in the same run; speed is not asserted here (``openlive bench`` is).
"""

from __future__ import annotations

import itertools
import re
import threading
import time

import numpy as np
import pytest

from openlive.engines.audio_base import LIVE_API_VOICES, OUTPUT_RATE, TTS
from openlive.engines.embedded import whisper_tiny_en_dir
from openlive.engines.hibari_tts import HibariTts
from openlive.engines.piper_tts import PiperTts, PiperVoiceStyle
from openlive.engines.voice_cast import VOICE_GENDERS, VoiceCast, packaged_cast
from openlive.engines.voices import timbre, typical_f0

pytestmark = pytest.mark.e2e

SENTENCE = "Could you tell me how long the train takes to reach the city from here this evening?"
# Typical speaking F0: men about 85-155 Hz, women about 165-255 Hz. The split is at 160.
FEMALE_MIN_HZ = 160.0
MALE_MAX_HZ = 140.0
# Two voices count as different in pitch from a semitone apart (a factor of 1.06).
PITCH_MARGIN = 1.06


def speak(tts: TTS, voice: str) -> tuple[np.ndarray, float]:
    """The sentence's audio and its real-time factor (synthesis time / audio time)."""
    started = time.perf_counter()
    audio = np.concatenate(list(tts.synthesize(SENTENCE, voice, "en-US", threading.Event())))
    return audio, (time.perf_counter() - started) / (audio.size / OUTPUT_RATE)


@pytest.fixture(scope="module")
def cast() -> VoiceCast:
    return packaged_cast()


@pytest.fixture(scope="module")
def voices(cast: VoiceCast) -> dict[str, tuple[np.ndarray, float]]:
    joe = PiperTts(styles={"Joe": PiperVoiceStyle(pitch=1.0, length=1.0, noise=0.667)})
    spoken = {"joe-medium": speak(joe, "Joe")}
    for name in LIVE_API_VOICES:
        speak(cast, name)  # the first run of a style allocates; measure the second
        spoken[name] = speak(cast, name)
    return spoken


def test_the_womens_names_are_a_womans_voice_and_the_mens_a_mans(
    cast: VoiceCast, voices: dict[str, tuple[np.ndarray, float]]
) -> None:
    for name in LIVE_API_VOICES:
        f0 = typical_f0(voices[name][0], OUTPUT_RATE)
        if VOICE_GENDERS[name] == "female":
            assert isinstance(cast.engine_for(name), HibariTts)
            assert f0 >= FEMALE_MIN_HZ, f"{name}: {f0:.0f} Hz"
        else:
            assert isinstance(cast.engine_for(name), PiperTts)
            assert 0 < f0 <= MALE_MAX_HZ, f"{name}: {f0:.0f} Hz"


def test_the_voices_are_pairwise_distinct(voices: dict[str, tuple[np.ndarray, float]]) -> None:
    f0 = {name: typical_f0(voices[name][0], OUTPUT_RATE) for name in LIVE_API_VOICES}
    colour = {name: timbre(voices[name][0], OUTPUT_RATE) for name in LIVE_API_VOICES}
    rows = [f"{'voice':10} {'gender':7} {'F0 Hz':>6} {'RTF':>6}"]
    for name in ["joe-medium", *LIVE_API_VOICES]:
        audio, rtf = voices[name]
        rows.append(
            f"{name:10} {VOICE_GENDERS.get(name, 'male'):7} {typical_f0(audio, OUTPUT_RATE):6.0f} {rtf:6.3f}"
        )
    print("\n".join(rows))
    for a, b in itertools.combinations(LIVE_API_VOICES, 2):
        ratio = max(f0[a], f0[b]) / min(f0[a], f0[b])
        distance = float(np.linalg.norm(colour[a] - colour[b]))
        print(f"{a:7} {b:7} pitch ratio {ratio:.2f}  timbre distance {distance:.2f}")
        assert ratio >= PITCH_MARGIN, f"{a} and {b}: {f0[a]:.0f} and {f0[b]:.0f} Hz"


def test_every_voice_is_understood(voices: dict[str, tuple[np.ndarray, float]]) -> None:
    from openlive.audio import resample
    from openlive.engines.whisper import WhisperAsr

    asr = WhisperAsr(whisper_tiny_en_dir())
    wanted = re.findall(r"[a-z']+", SENTENCE.lower())
    for name in LIVE_API_VOICES:
        heard = asr.transcribe(resample(voices[name][0], OUTPUT_RATE, 16_000), "en")
        words = set(re.findall(r"[a-z']+", heard.lower()))
        share = sum(word in words for word in wanted) / len(wanted)
        assert share >= 0.75, f"{name}: heard {heard!r}"
