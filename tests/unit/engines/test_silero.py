"""Silero VAD v6 on onnxruntime, with the real embedded model and speech from espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from openlive.audio import resample
from openlive.engines.audio_base import VAD, Samples, VadStream
from openlive.engines.silero import SileroVad
from openlive.errors import ConfigError

RATE = 16_000
FRAME = 512
PAD_FRAMES = 32  # about 1 s of silence on each side


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    """espeak-ng speech at 16 kHz, cut to whole frames."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(wav), "The quick brown fox jumps over the lazy dog."],
        check=True,
        capture_output=True,
    )
    with wave.open(str(wav)) as f:
        assert f.getnchannels() == 1 and f.getsampwidth() == 2
        rate = f.getframerate()
        pcm = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2")
    samples = resample(pcm.astype(np.float32) / 32768.0, rate, RATE)
    return samples[: samples.size // FRAME * FRAME]


@pytest.fixture(scope="module")
def padded(speech: Samples) -> Samples:
    silence = np.zeros(PAD_FRAMES * FRAME, dtype=np.float32)
    return np.concatenate([silence, speech, silence])


def noise(frames: int, amplitude: float, seed: int = 0) -> Samples:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(frames * FRAME) * amplitude).astype(np.float32)


def test_implements_the_protocols(vad: SileroVad) -> None:
    assert isinstance(vad, VAD)
    stream = vad.stream()
    assert isinstance(stream, VadStream)
    assert stream.frame_samples == FRAME


def test_speech_is_high_and_silence_low(vad: SileroVad, speech: Samples, padded: Samples) -> None:
    probabilities = vad.stream().speech_probabilities(padded)
    assert probabilities.dtype == np.float32
    assert probabilities.shape == (padded.size // FRAME,)
    assert np.all((probabilities >= 0) & (probabilities <= 1))

    rms = np.sqrt(np.mean(padded.reshape(-1, FRAME) ** 2, axis=1))
    voiced = rms > 0.02  # frames where espeak-ng is clearly sounding
    assert voiced.sum() > 30
    assert np.mean(probabilities[voiced] > 0.5) >= 0.9
    assert probabilities[voiced].mean() > 0.8

    lead = probabilities[:PAD_FRAMES]
    trail = probabilities[-PAD_FRAMES + 8 :]  # let the model settle for 0.25 s after speech
    assert lead.max() < 0.1
    assert trail.max() < 0.1

    # Speech onset is found within about 0.1 s of the first voiced frame.
    first_voiced = int(np.argmax(voiced))
    first_speech = int(np.argmax(probabilities > 0.5))
    assert abs(first_speech - first_voiced) <= 3


@pytest.mark.parametrize(
    "signal",
    [np.zeros(64 * FRAME, dtype=np.float32), noise(64, 0.003), noise(64, 0.01, seed=1)],
    ids=["silence", "noise-0.003", "noise-0.01"],
)
def test_silence_and_low_noise_are_not_speech(vad: SileroVad, signal: Samples) -> None:
    assert vad.stream().speech_probabilities(signal).max() < 0.15


@pytest.mark.parametrize("chunk_frames", [1, 3, 7])
def test_feeding_in_pieces_matches_one_call(vad: SileroVad, padded: Samples, chunk_frames: int) -> None:
    whole = vad.stream().speech_probabilities(padded)
    stream = vad.stream()
    step = chunk_frames * FRAME
    pieces = [stream.speech_probabilities(padded[i : i + step]) for i in range(0, padded.size, step)]
    np.testing.assert_allclose(np.concatenate(pieces), whole, atol=1e-5)


def test_streams_are_independent(vad: SileroVad, padded: Samples) -> None:
    other = noise(padded.size // FRAME, 0.3, seed=2)  # loud, so it would disturb a shared state
    expected_speech = vad.stream().speech_probabilities(padded)
    expected_other = vad.stream().speech_probabilities(other)

    a, b = vad.stream(), vad.stream()
    step = 4 * FRAME
    got_a, got_b = [], []
    for i in range(0, padded.size, step):
        got_a.append(a.speech_probabilities(padded[i : i + step]))
        got_b.append(b.speech_probabilities(other[i : i + step]))
    np.testing.assert_allclose(np.concatenate(got_a), expected_speech, atol=1e-5)
    np.testing.assert_allclose(np.concatenate(got_b), expected_other, atol=1e-5)


def test_reset_restores_fresh_state(vad: SileroVad, speech: Samples) -> None:
    fresh = vad.stream().speech_probabilities(speech)

    used = vad.stream()
    used.speech_probabilities(speech)
    # Without a reset the carried state changes the result ...
    assert np.abs(used.speech_probabilities(speech) - fresh).max() > 0.05
    # ... and after one it is as if the stream were new.
    used.reset()
    np.testing.assert_allclose(used.speech_probabilities(speech), fresh, atol=1e-5)


@pytest.mark.parametrize("length", [1, FRAME - 1, FRAME + 1, 3 * FRAME - 64])
def test_partial_frames_raise(vad: SileroVad, length: int) -> None:
    with pytest.raises(ValueError, match="512"):
        vad.stream().speech_probabilities(np.zeros(length, dtype=np.float32))


def test_non_mono_input_raises(vad: SileroVad) -> None:
    with pytest.raises(ValueError):
        vad.stream().speech_probabilities(np.zeros((2, FRAME), dtype=np.float32))


def test_a_rejected_call_leaves_the_state_alone(vad: SileroVad, speech: Samples) -> None:
    expected = vad.stream().speech_probabilities(speech)
    stream = vad.stream()
    with pytest.raises(ValueError):
        stream.speech_probabilities(speech[: FRAME + 1])
    np.testing.assert_allclose(stream.speech_probabilities(speech), expected, atol=1e-5)


def test_empty_input_gives_no_probabilities(vad: SileroVad) -> None:
    result = vad.stream().speech_probabilities(np.zeros(0, dtype=np.float32))
    assert result.shape == (0,)


def test_missing_model_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        SileroVad(tmp_path / "missing.onnx")


def test_a_file_that_is_not_a_model_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"not an onnx model")
    with pytest.raises(ConfigError, match="cannot load"):
        SileroVad(bogus)
