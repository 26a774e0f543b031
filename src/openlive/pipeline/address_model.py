"""Proactive audio's learned decision: a linear probe of the judge model's state.

The judge model (:mod:`openlive.pipeline.proactivity`) is asked, after worked
examples, whether the words heard were said to the assistant. Its odds of "yes"
and the cues in the words, added with hand-set weights, were right 55-65 % of
the time on speech whose wording the examples did not cover. The model's state
after the question (the last layer's output at the prompt's last token: 896
numbers for Qwen2.5-Coder-0.5B) holds much more of what it read: the
conversation, the form and register of the words, a broadcast's style. A
logistic regression over that state, the odds and the cues in the words (a name
said to someone, a wake word, a request's form) - a "linear probe" - is trained
on labelled speech of both kinds (``bench/data/proactive_train_*.json`` and the
evaluation set's tuning splits) by ``python -m openlive.bench.address_training``,
and shipped in ``pipeline/data/address_model.json`` with what it was trained on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from openlive.errors import ConfigError

WEIGHTS_FILE = "data/address_model.json"


# The inputs before the state, in order.
EVIDENCE = ("odds", "vocative", "named", "request")


def probe_inputs(
    odds: float, vocative: bool, named: bool, request: bool, state: Sequence[float] | np.ndarray[Any, Any]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The probe's input: the judge model's odds of "yes" (less its lean), the cues in the words, its state.

    The cues (:class:`~openlive.pipeline.proactivity.AddressCues`): a name said to
    someone, the assistant's name or a wake word, the form of a request.
    """
    head = [float(odds), float(vocative), float(named), float(request)]
    return np.concatenate([head, np.asarray(state, dtype=np.float64)])


@dataclass(frozen=True)
class AddressModel:
    """A trained logistic regression: log-odds that speech was for the assistant.

    Attributes:
        judge: The judge model whose odds and state it reads (``"qwen-0.5b"``).
        mean: Each input's mean over the training set (inputs are standardised).
        scale: Each input's standard deviation there.
        weights: One weight per standardised input.
        bias: The intercept.
        offset: Added to the log-odds before the decision, chosen by cross-validation
            on the training set (``bench/address_training.py`` says how).
        about: What it was trained on, and how.
    """

    judge: str
    mean: np.ndarray[Any, np.dtype[np.float64]]
    scale: np.ndarray[Any, np.dtype[np.float64]]
    weights: np.ndarray[Any, np.dtype[np.float64]]
    bias: float
    offset: float
    about: str = ""

    def __post_init__(self) -> None:
        if not (self.mean.ndim == 1 and self.mean.shape == self.scale.shape == self.weights.shape):
            raise ConfigError("proactive audio's model has inputs of different sizes")
        finite = all(math.isfinite(v) for v in (self.bias, self.offset))
        if not finite or not np.all(np.isfinite(self.weights)) or not np.all(self.scale > 0):
            raise ConfigError("proactive audio's model has invalid numbers")

    @property
    def size(self) -> int:
        """How many inputs it reads: the evidence (:data:`EVIDENCE`) and the judge model's state."""
        return int(self.mean.shape[0])

    def log_odds(self, inputs: np.ndarray[Any, Any]) -> float:
        """Log-odds of "addressed" for one :func:`probe_inputs`, offset included.

        Raises:
            ConfigError: The inputs are not the size it was trained on (another judge model).
        """
        if inputs.shape != (self.size,):
            raise ConfigError(f"proactive audio's model reads {self.size} inputs, not {inputs.shape}")
        z = (np.asarray(inputs, dtype=np.float64) - self.mean) / self.scale
        return float(z @ self.weights) + self.bias + self.offset

    def to_json(self) -> str:
        """The model as the JSON file :meth:`packaged` reads."""
        return json.dumps(
            {
                "about": self.about,
                "judge": self.judge,
                "inputs": f"{', '.join(EVIDENCE)}, then the state ({self.size - len(EVIDENCE)} numbers)",
                "bias": self.bias,
                "offset": self.offset,
                "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale],
                "weights": [round(float(v), 6) for v in self.weights],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> AddressModel:
        """Read a model written by :meth:`to_json`.

        Raises:
            ConfigError: The text is not such a model.
        """
        try:
            data = json.loads(text)
            return cls(
                judge=str(data["judge"]),
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                weights=np.asarray(data["weights"], dtype=np.float64),
                bias=float(data["bias"]),
                offset=float(data["offset"]),
                about=str(data.get("about", "")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise ConfigError(f"proactive audio's model is unreadable: {error}") from error

    @classmethod
    def packaged(cls) -> AddressModel:
        """The model shipped with openlive.

        Raises:
            ConfigError: Its file is missing or unreadable.
        """
        try:
            text = resources.files("openlive.pipeline").joinpath(WEIGHTS_FILE).read_text()
        except OSError as error:
            raise ConfigError(f"proactive audio's model is missing: {error}") from error
        return cls.from_json(text)


def fit(
    inputs: np.ndarray[Any, Any], labels: Sequence[bool] | np.ndarray[Any, Any], l2: float, steps: int = 50
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
    """Train a logistic regression by Newton's method, inputs standardised, L2 on the weights.

    Returns:
        The inputs' mean and scale, the weights, and the bias.
    """
    x = np.asarray(inputs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(0)
    scale = x.std(0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])
