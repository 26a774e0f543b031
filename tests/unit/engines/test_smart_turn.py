"""The smart-turn v3.2 wrapper: its features, the pinned file, and (e2e) the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from openlive.engines.audio_base import INPUT_RATE
from openlive.engines.smart_turn import FRAMES, N_MELS, WINDOW_S, SmartTurn, features, fit_window
from openlive.errors import ConfigError


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(int(seconds * INPUT_RATE))).astype(np.float32)


def test_features_have_the_model_shape() -> None:
    for seconds in (0.2, 3.0, 8.0, 12.0):
        out = features(noise(seconds))
        assert out.shape == (1, N_MELS, FRAMES) and out.dtype == np.float32


def test_short_audio_is_padded_before_it_and_long_audio_keeps_its_end() -> None:
    short = noise(1.0)
    window = fit_window(short)
    assert window.size == WINDOW_S * INPUT_RATE
    assert not window[: -short.size].any() and np.array_equal(window[-short.size :], short)
    long = noise(10.0)
    assert np.array_equal(fit_window(long), long[-WINDOW_S * INPUT_RATE :])


def test_features_do_not_depend_on_the_level() -> None:
    # The waveform is normalised first: a quiet and a loud recording look the same.
    audio = noise(2.0)
    assert np.allclose(features(audio), features(audio * 8), atol=1e-4)


def test_features_of_speech_end_where_the_audio_ends() -> None:
    # Left padding: the last frames hold the audio, the first ones the floor.
    out = features(noise(1.0))[0]
    assert out[:, -50:].mean() > out[:, :50].mean() + 0.5


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "smart-turn.onnx"
    fake.write_bytes(b"not the model")
    with pytest.raises(ConfigError, match="not the pinned smart-turn"):
        SmartTurn(fake)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no turn model"):
        SmartTurn(tmp_path / "missing.onnx")


# -- the real model -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model() -> SmartTurn:
    try:
        return SmartTurn()
    except ConfigError as error:
        pytest.skip(f"the turn model is not installed: {error}")


@pytest.mark.e2e
def test_the_real_model_hears_a_finished_sentence_and_an_unfinished_one(model: SmartTurn) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    from openlive.bench.turn_speech import mid_sentence_cut, spoken

    sentence = "Could you remind me what time the meeting starts tomorrow?"
    whole = spoken(sentence, "en-us", 160)
    # A case the model gets right (on espeak-ng it calls many cuts finished; the
    # policy adds the words for that): a broken input pipeline scores both alike.
    unfinished = mid_sentence_cut(sentence, "en-us", 160, after_words=6)  # "... what time"
    tail = np.zeros(INPUT_RATE // 5, np.float32)
    finished_p = model.probability(np.concatenate([whole, tail]))
    unfinished_p = model.probability(np.concatenate([unfinished, tail]))
    assert finished_p > 0.5 > unfinished_p
