"""The speech set of `openlive bench turns`: pauses where they are said to be, noises at their level."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from openlive.audio import pcm16_to_float
from openlive.bench import turn_speech
from openlive.bench.speech import RATE


def level_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2))))


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng makes the speech")
@pytest.mark.parametrize("pause_ms", [300, 700])
def test_a_paused_sentence_has_its_silence_inside_the_words(pause_ms: int) -> None:
    case = turn_speech.paused(turn_speech.PAUSED_SENTENCES[0], "en-us", 150, pause_ms)
    audio = pcm16_to_float(case.utterance.pcm)
    gap = audio[case.pause_at : case.pause_at + RATE * pause_ms // 1000]
    assert gap.size == RATE * pause_ms // 1000 and not gap.any()
    # Voice before and after it: the pause is inside the sentence.
    assert case.utterance.voiced_start < case.pause_at
    assert case.utterance.voiced_end > case.pause_at + gap.size + RATE // 10
    whole = turn_speech.spoken(turn_speech.PAUSED_SENTENCES[0].replace("| ", ""), "en-us", 150)
    assert case.utterance.speech_s == pytest.approx(whole.size / RATE + pause_ms / 1000, abs=0.03)


@pytest.mark.parametrize("ms", turn_speech.COUGH_MS)
def test_a_cough_is_a_short_burst_at_its_level(ms: int) -> None:
    cough = turn_speech.cough(ms, seed=ms, level_dbfs=-16.0)
    assert cough.speech_s <= ms / 1000 + 0.01
    burst = pcm16_to_float(cough.pcm)[cough.voiced_start : cough.voiced_end]
    assert -22.0 < level_dbfs(burst) < -12.0


@pytest.mark.parametrize("level", turn_speech.NOISE_DBFS)
def test_pink_noise_has_its_level_and_more_low_than_high(level: float) -> None:
    noise = pcm16_to_float(turn_speech.pink_noise(2.0, level).pcm)
    assert level_dbfs(noise) == pytest.approx(level, abs=0.5)
    spectrum = np.abs(np.fft.rfft(noise)) ** 2
    freqs = np.fft.rfftfreq(noise.size, 1 / RATE)
    assert (
        spectrum[(freqs > 100) & (freqs < 200)].mean() > 5 * spectrum[(freqs > 4000) & (freqs < 8000)].mean()
    )
