"""Silero VAD v6 on onnxruntime: the embedded voice activity detector.

The ONNX file that ``faster-whisper`` ships takes a sequence of windows in time
order, ``input`` of shape ``[windows, 576]`` (each 512-sample window at 16 kHz
with the 64 samples before it prepended), and the LSTM state ``h`` and ``c``
(each ``[1, 1, 128]``). It returns one ``speech_probs`` value per window and
the state after the last window (``hn``, ``cn``). The LSTM runs along the first
axis, so scoring many windows in one call gives exactly the same numbers as
scoring them one by one while carrying the state, only faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from openlive.engines.audio_base import Samples
from openlive.errors import ConfigError

FRAME_SAMPLES = 512
CONTEXT_SAMPLES = 64
STATE_SIZE = 128
# Windows per model call: bounds the memory a long buffer needs; per-window cost
# stops falling well before this.
MAX_BATCH = 256

_INPUTS = {"input": [CONTEXT_SAMPLES + FRAME_SAMPLES], "h": [1, 1, STATE_SIZE], "c": [1, 1, STATE_SIZE]}


class SileroVad:
    """Silero VAD v6, loaded once and shared by every stream.

    An onnxruntime session's ``run`` is thread-safe, so streams used from
    different worker threads share one session; each stream keeps its own state.

    Args:
        model_path: The ONNX file; defaults to the one ``faster-whisper`` ships.

    Raises:
        ConfigError: onnxruntime is missing, or the file is not a Silero VAD v6
            model with the ``input``/``h``/``c`` interface.
    """

    def __init__(self, model_path: str | Path | None = None) -> None:
        try:
            import onnxruntime
        except ImportError as exc:  # pragma: no cover - depends on the install
            from openlive.engines.embedded import INSTALL_EMBEDDED

            raise ConfigError(f"onnxruntime is not installed; {INSTALL_EMBEDDED}") from exc
        if model_path is None:
            from openlive.engines.embedded import silero_vad_path

            model_path = silero_vad_path()
        path = Path(model_path)
        if not path.is_file():
            raise ConfigError(f"the VAD model {path} does not exist")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ConfigError(f"cannot load the VAD model {path}: {exc}") from exc
        shapes = {i.name: list(i.shape) for i in self._session.get_inputs()}
        if set(shapes) != set(_INPUTS) or any(
            shapes[name][-len(tail) :] != tail for name, tail in _INPUTS.items()
        ):
            raise ConfigError(
                f"{path} is not a Silero VAD v6 model with inputs input[n, 576], h and c; got {shapes}"
            )

    def stream(self) -> SileroVadStream:
        """A new stream with fresh state."""
        return SileroVadStream(self._session)


class SileroVadStream:
    """Voice activity of one 16 kHz stream: the LSTM state and the last 64 samples.

    Not safe to use from two threads at once; the session behind it is.
    """

    def __init__(self, session: Any) -> None:
        self._session = session
        self._h = np.zeros((1, 1, STATE_SIZE), dtype=np.float32)
        self._c = np.zeros((1, 1, STATE_SIZE), dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    @property
    def frame_samples(self) -> int:
        """Samples per frame at 16 kHz (512, 32 ms)."""
        return FRAME_SAMPLES

    def speech_probabilities(self, frames: Samples) -> npt.NDArray[np.float32]:
        """Speech probability of each 512-sample frame, continuing from the previous call.

        Args:
            frames: Mono float samples at 16 kHz, a whole number of frames.

        Returns:
            One probability in [0, 1] per frame, in order.

        Raises:
            ValueError: ``frames`` is not one-dimensional or not a whole number of frames.
        """
        samples = np.asarray(frames, dtype=np.float32)
        if samples.ndim != 1 or samples.size % FRAME_SAMPLES:
            raise ValueError(
                f"expected mono samples in whole frames of {FRAME_SAMPLES}, got shape {samples.shape}"
            )
        count = samples.size // FRAME_SAMPLES
        if count == 0:
            return np.zeros(0, dtype=np.float32)
        windows = samples.reshape(count, FRAME_SAMPLES)
        batch = np.empty((count, CONTEXT_SAMPLES + FRAME_SAMPLES), dtype=np.float32)
        batch[:, CONTEXT_SAMPLES:] = windows
        batch[0, :CONTEXT_SAMPLES] = self._context
        batch[1:, :CONTEXT_SAMPLES] = windows[:-1, -CONTEXT_SAMPLES:]
        probabilities = np.empty(count, dtype=np.float32)
        for start in range(0, count, MAX_BATCH):
            chunk = batch[start : start + MAX_BATCH]
            out, self._h, self._c = self._session.run(None, {"input": chunk, "h": self._h, "c": self._c})
            probabilities[start : start + len(chunk)] = np.asarray(out, dtype=np.float32).reshape(-1)
        self._context = windows[-1, -CONTEXT_SAMPLES:].copy()
        return probabilities

    def reset(self) -> None:
        """Forget the stream so far: zero state and context."""
        self._h = np.zeros_like(self._h)
        self._c = np.zeros_like(self._c)
        self._context = np.zeros_like(self._context)
