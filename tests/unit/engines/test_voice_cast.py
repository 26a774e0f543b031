"""Casting the Live API voice names onto engines, and refusing model files that are not pinned."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import pytest

from openlive.engines.assets import sha256_of, verify_package_models
from openlive.engines.audio_base import Samples
from openlive.engines.embedded import package_file
from openlive.engines.hibari_tts import stretch_envelope
from openlive.engines.voice_cast import VOICE_GENDERS, VoiceCast
from openlive.engines.voices import SpeechConfigError, timbre, typical_f0
from openlive.errors import ConfigError
from openlive.testing import FakeTts


class Named(FakeTts):
    """A FakeTts that records which engine spoke."""

    def __init__(self, name: str, spoken: list[str]) -> None:
        super().__init__()
        self.name, self.spoken = name, spoken

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        self.spoken.append(f"{self.name}:{voice}:{language}" + ("" if rate == 1.0 else f"@{rate}"))
        return super().synthesize(text, voice, language, cancel, rate)


def test_each_name_is_spoken_by_the_engine_cast_for_it() -> None:
    spoken: list[str] = []
    men, women = Named("men", spoken), Named("women", spoken)
    cast = VoiceCast({name: women if gender == "female" else men for name, gender in VOICE_GENDERS.items()})
    assert cast.voices == ("Puck", "Charon", "Kore", "Fenrir", "Aoede", "Leda", "Orus", "Zephyr")
    for name in ("kore", "PUCK", "Zephyr", "Orus"):
        list(cast.synthesize("Hi there", name, "en-us", threading.Event()))
    assert spoken == ["women:Kore:en-US", "men:Puck:en-US", "women:Zephyr:en-US", "men:Orus:en-US"]
    list(cast.synthesize("Hi there", "Leda", "en-US", threading.Event(), rate=0.9))
    assert spoken[-1] == "women:Leda:en-US@0.9"


def test_hibari_speaks_slower_at_its_own_pitch() -> None:
    from openlive.engines.hibari_tts import HibariTts

    hibari = HibariTts()
    text = (
        "Sure, here is a short answer to your question about the trains tomorrow. "
        "The first one leaves at seven in the morning from the central station."
    )

    def speak(rate: float | None) -> np.ndarray:
        cancel = threading.Event()
        pieces = (
            hibari.synthesize(text, "Kore", "en-US", cancel)
            if rate is None
            else (hibari.synthesize(text, "Kore", "en-US", cancel, rate=rate))
        )
        return np.concatenate(list(pieces))

    plain, slow = speak(None), speak(0.9)
    # Not exactly 1/0.9 as long (the phonemes' lengths are whole frames): measured 1.09-1.13
    # over the four voices; the speed input alone at 0.9 made it only 1.04-1.06.
    assert slow.size / plain.size == pytest.approx(1 / 0.9, rel=0.05)
    # The pitch stays (measured within 3 %; a tape slowed to 0.9 lowers it by a tenth).
    assert abs(typical_f0(slow, 24_000) / typical_f0(plain, 24_000) - 1) < 0.04
    assert speak(1.0).tobytes() == plain.tobytes()  # the vocoder's noise is seeded: the same samples


def test_the_genders_are_the_documented_ones() -> None:
    assert {n for n, g in VOICE_GENDERS.items() if g == "female"} == {"Kore", "Aoede", "Leda", "Zephyr"}
    assert {n for n, g in VOICE_GENDERS.items() if g == "male"} == {"Puck", "Charon", "Fenrir", "Orus"}


def test_unknown_voice_and_language_are_refused_before_synthesis() -> None:
    cast = VoiceCast({"Kore": FakeTts()})
    with pytest.raises(SpeechConfigError, match="Kore"):
        cast.synthesize("Hi", "Puck", "en-US", threading.Event())
    with pytest.raises(SpeechConfigError):
        cast.synthesize("Hi", "Kore", "xx-YY", threading.Event())


def test_an_engine_must_speak_the_name_it_is_cast_for() -> None:
    with pytest.raises(ConfigError, match="Nobody"):
        VoiceCast({"Nobody": FakeTts()})
    with pytest.raises(ConfigError):
        VoiceCast({})


def test_a_model_file_that_differs_from_its_pinned_hash_is_refused() -> None:
    path = package_file("openlive", "__init__.py")
    assert verify_package_models("openlive", {"__init__.py": sha256_of(path)}) == path.parent
    with pytest.raises(ConfigError, match="refusing to load"):
        verify_package_models("openlive", {"__init__.py": "0" * 64})
    with pytest.raises(ConfigError):
        verify_package_models("openlive", {"no/such/file.onnx": "0" * 64})


def test_stretching_the_envelope_moves_a_peak_up_or_down() -> None:
    envelope = np.zeros((601, 3), np.float32)
    envelope[100] = 1.0
    assert int(np.argmax(stretch_envelope(envelope, 1.1)[:, 0])) == 110
    assert int(np.argmax(stretch_envelope(envelope, 0.9)[:, 0])) == 90
    assert np.array_equal(stretch_envelope(envelope, 1.0), envelope)


def test_timbre_tells_a_bright_sound_from_a_dark_one_whatever_the_level() -> None:
    rate = 24_000
    t = np.arange(rate, dtype=np.float64) / rate
    dark = np.sin(2 * np.pi * 200 * t) + 0.5 * np.sin(2 * np.pi * 400 * t)
    bright = np.sin(2 * np.pi * 200 * t) + 0.5 * np.sin(2 * np.pi * 3000 * t)
    assert np.linalg.norm(timbre(dark, rate) - timbre(0.2 * dark, rate)) < 1e-6
    assert np.linalg.norm(timbre(dark, rate) - timbre(bright, rate)) > 1.0
    assert typical_f0(dark.astype(np.float32), rate) == pytest.approx(200, rel=0.02)
    assert not timbre(np.zeros(10), rate).any()
