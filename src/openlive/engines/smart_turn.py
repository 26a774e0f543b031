"""End-of-turn detection with the smart-turn v3.2 model: does this speech sound finished?

The model (Daily's smart-turn v3.2, BSD-2-Clause) is a Whisper-encoder classifier
exported to ONNX; the ``pipecat-ai`` package ships it at
``pipecat/audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx``. openlive finds the
file without importing pipecat, checks its SHA-256 against the pinned one, and runs
it with onnxruntime.

Its input is what pipecat's ``LocalSmartTurnAnalyzerV3`` computes, reproduced here
in numpy:

* the last 8 s of 16 kHz audio, or all of it *left*-padded with zeros to 8 s;
* the waveform normalised to zero mean and unit variance;
* Whisper's log-mel spectrogram: 400-sample periodic Hann window, hop 160,
  reflect-padded centred frames, 80 Slaney mel bands from 0 to 8 kHz, power,
  ``log10`` floored at 1e-10, the last frame dropped, clamped to 8 below the
  maximum, then ``(x + 4) / 4``: ``input_features`` of shape ``[1, 80, 800]``.

The output is the probability that the speaker has finished their turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from openlive.engines.assets import sha256_of
from openlive.engines.audio_base import INPUT_RATE, Samples
from openlive.engines.embedded import INSTALL_EMBEDDED, package_file
from openlive.errors import ConfigError

MODEL_PACKAGE = "pipecat"
MODEL_FILE = "audio/turn/smart_turn/data/smart-turn-v3.2-cpu.onnx"
MODEL_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
"""SHA-256 of the file in pipecat-ai 1.14.0; any other file is refused."""

WINDOW_S = 8
N_FFT = 400
HOP = 160
N_MELS = 80
FRAMES = WINDOW_S * INPUT_RATE // HOP  # 800
_MEL_FLOOR = 1e-10
_NORM_EPS = 1e-7


def _hz_to_mel(freq: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # Slaney's scale: linear below 1 kHz, logarithmic above.
    mels = 3.0 * freq / 200.0
    log_region = freq >= 1000.0
    mels[log_region] = 15.0 + np.log(freq[log_region] / 1000.0) * (27.0 / np.log(6.4))
    return mels


def _mel_to_hz(mels: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    freq = 200.0 * mels / 3.0
    log_region = mels >= 15.0
    freq[log_region] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mels[log_region] - 15.0))
    return freq


def _mel_filters() -> npt.NDArray[np.float64]:
    """Slaney-normalised triangular filters, shape ``[N_FFT // 2 + 1, N_MELS]``."""
    top = _hz_to_mel(np.array([INPUT_RATE / 2.0]))[0]
    edges = _mel_to_hz(np.linspace(0.0, top, N_MELS + 2))
    bins = np.linspace(0, INPUT_RATE // 2, N_FFT // 2 + 1)
    slopes = edges[None, :] - bins[:, None]
    widths = np.diff(edges)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    filters = np.maximum(0.0, np.minimum(down, up))
    return filters * (2.0 / (edges[2 : N_MELS + 2] - edges[:N_MELS]))[None, :]


_WINDOW = np.hanning(N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window
_FILTERS = _mel_filters()


def fit_window(audio: Samples) -> Samples:
    """The last 8 s of ``audio``, or all of it with zeros before it to make 8 s."""
    size = WINDOW_S * INPUT_RATE
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if audio.size >= size:
        return audio[-size:]
    return np.concatenate([np.zeros(size - audio.size, np.float32), audio])


def features(audio: Samples) -> npt.NDArray[np.float32]:
    """The model's ``input_features`` for ``audio`` (16 kHz mono): shape ``[1, 80, 800]``."""
    x = fit_window(audio)
    x = (x - x.mean()) / np.sqrt(x.var() + _NORM_EPS)
    padded = np.pad(x.astype(np.float64), (N_FFT // 2, N_FFT // 2), mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2  # [frames, bins]
    log_mel = np.log10(np.maximum(_MEL_FLOOR, power @ _FILTERS)).T[:, :-1]
    log_mel = np.maximum(log_mel, log_mel.max() - 8.0)
    out: npt.NDArray[np.float32] = ((log_mel + 4.0) / 4.0).astype(np.float32)
    return out[None, :, :]


def smart_turn_path() -> Path:
    """The smart-turn v3.2 ONNX file inside the installed ``pipecat-ai`` package.

    Raises:
        ConfigError: pipecat-ai is not installed, or the file is not the pinned one.
    """
    try:
        path = package_file(MODEL_PACKAGE, MODEL_FILE)
    except ConfigError as error:
        raise ConfigError(
            f"the turn model ships in pipecat-ai, which is not installed ({error}); {INSTALL_EMBEDDED}"
        ) from error
    return path


class SmartTurn:
    """The smart-turn v3.2 classifier, loaded once and shared by every session.

    Calls may come from several worker threads; onnxruntime sessions are safe to
    run concurrently, and each call uses one thread, as the model is small and the
    machine's cores are busy with recognition and the reply at the same moment.

    Args:
        model_path: The ONNX file; the one in ``pipecat-ai`` by default.
        sha256: The file's expected SHA-256 (``None`` skips the check, for a file
            the operator names and vouches for).

    Raises:
        ConfigError: onnxruntime is missing, the file is missing or not the pinned
            one, or it does not take ``input_features`` of ``[batch, 80, 800]``.
    """

    def __init__(self, model_path: str | Path | None = None, sha256: str | None = MODEL_SHA256) -> None:
        path = Path(model_path) if model_path is not None else smart_turn_path()
        if not path.is_file():
            raise ConfigError(f"no turn model at {path}")
        if sha256 is not None and sha256_of(path) != sha256:
            raise ConfigError(
                f"{path} is not the pinned smart-turn v3.2 model (SHA-256 {sha256_of(path)}, "
                f"expected {sha256}); refusing to load it. Reinstall pipecat-ai==1.14.0"
            )
        try:
            import onnxruntime as ort
        except ImportError as error:
            raise ConfigError(f"onnxruntime is not installed; {INSTALL_EMBEDDED}") from error
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session: Any = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types
            raise ConfigError(f"cannot load the turn model {path}: {error}") from error
        inputs = {i.name: list(i.shape) for i in self._session.get_inputs()}
        if list(inputs) != ["input_features"] or inputs["input_features"][-2:] != [N_MELS, FRAMES]:
            raise ConfigError(f"{path} does not take input_features of [batch, 80, 800]; got {inputs}")
        self.path = path

    def probability(self, audio: Samples) -> float:
        """The probability that the speaker of ``audio`` (16 kHz, ending now) has finished."""
        out = self._session.run(None, {"input_features": features(audio)})
        return float(np.asarray(out[0]).reshape(-1)[0])
