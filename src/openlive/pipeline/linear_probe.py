"""A linear probe: a logistic regression over a judge model's state and a few other numbers.

A small judge model asked a yes/no question after worked examples is right on
wordings its examples cover and much less often elsewhere. Its state after the
question (the last layer's output at the prompt's last token: 896 numbers for
Qwen2.5-Coder-0.5B) holds much more of what it read. A logistic regression over
that state and a few other inputs (the model's own odds, cues in the words),
trained on labelled cases by a script of :mod:`openlive.bench`, decides instead.
Proactive audio (:mod:`openlive.pipeline.address_model`) and the listener judge
(:mod:`openlive.pipeline.listener_judge`) each ship one, as package data.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import numpy as np

from openlive.errors import ConfigError

Array = np.ndarray[Any, np.dtype[np.float64]]
P = TypeVar("P", bound="LinearProbe")


@dataclass(frozen=True)
class LinearProbe:
    """A trained logistic regression over a judge model's evidence.

    Attributes:
        judge: The judge model whose odds and state it reads (``"qwen-0.5b"``).
        mean: Each input's mean over the training set (inputs are standardised).
        scale: Each input's standard deviation there.
        weights: One weight per standardised input.
        bias: The intercept.
        offset: Added to the log-odds before the decision (its training script
            says how it was set).
        about: What it was trained on, and how.
    """

    judge: str
    mean: Array
    scale: Array
    weights: Array
    bias: float
    offset: float
    about: str = ""

    # What errors call it, its inputs before the state, and its file in the
    # ``openlive.pipeline`` package (subclasses name theirs).
    what: ClassVar[str] = "the probe"
    evidence: ClassVar[tuple[str, ...]] = ()
    weights_file: ClassVar[str] = ""

    def __post_init__(self) -> None:
        if not (self.mean.ndim == 1 and self.mean.shape == self.scale.shape == self.weights.shape):
            raise ConfigError(f"{self.what} has inputs of different sizes")
        finite = all(math.isfinite(v) for v in (self.bias, self.offset))
        if not finite or not np.all(np.isfinite(self.weights)) or not np.all(self.scale > 0):
            raise ConfigError(f"{self.what} has invalid numbers")

    @property
    def size(self) -> int:
        """How many inputs it reads: the evidence and the judge model's state."""
        return int(self.mean.shape[0])

    def log_odds(self, inputs: np.ndarray[Any, Any]) -> float:
        """Log-odds of the positive class for one input vector, offset included.

        Raises:
            ConfigError: The inputs are not the size it was trained on (another judge model).
        """
        if inputs.shape != (self.size,):
            raise ConfigError(f"{self.what} reads {self.size} inputs, not {inputs.shape}")
        z = (np.asarray(inputs, dtype=np.float64) - self.mean) / self.scale
        return float(z @ self.weights) + self.bias + self.offset

    def to_json(self) -> str:
        """The probe as the JSON file :meth:`from_json` reads."""
        state = self.size - len(self.evidence)
        return json.dumps(
            {
                "about": self.about,
                "judge": self.judge,
                "inputs": ", ".join([*self.evidence, f"then the state ({state} numbers)"]),
                "bias": self.bias,
                "offset": self.offset,
                "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale],
                "weights": [round(float(v), 6) for v in self.weights],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls: type[P], text: str) -> P:
        """Read a probe written by :meth:`to_json`.

        Raises:
            ConfigError: The text is not such a probe.
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
            raise ConfigError(f"{cls.what} is unreadable: {error}") from error

    @classmethod
    def packaged(cls: type[P]) -> P:
        """The probe shipped with openlive (its :attr:`weights_file`).

        Raises:
            ConfigError: Its file is missing or unreadable.
        """
        try:
            text = _shipped(cls.weights_file).read_text()
        except OSError as error:
            raise ConfigError(f"{cls.what} is missing: {error}") from error
        return cls.from_json(text)

    def ship(self) -> Path:
        """Write the probe as the file :meth:`packaged` reads (a training script's last step)."""
        path = Path(str(_shipped(self.weights_file)))
        path.write_text(self.to_json() + "\n")
        return path


def _shipped(file: str) -> Traversable:
    return resources.files("openlive.pipeline").joinpath(file)


def fit(
    inputs: np.ndarray[Any, Any], labels: Sequence[bool] | np.ndarray[Any, Any], l2: float, steps: int = 50
) -> tuple[Array, Array, Array, float]:
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


def folds(groups: np.ndarray[Any, Any], count: int, seed: int = 7) -> list[np.ndarray[Any, Any]]:
    """Case indices per fold, cases of one group (one phrase, written and heard) in one fold."""
    order = np.random.default_rng(seed).permutation(np.unique(groups))
    return [np.flatnonzero(np.isin(groups, order[k::count])) for k in range(count)]


def cross_validated(
    x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], groups: np.ndarray[Any, Any], l2: float, count: int = 5
) -> Array:
    """Each case's log-odds from a probe trained on the other folds (a group never on both sides)."""
    out = np.zeros(len(y))
    for held in folds(groups, count):
        train = np.setdiff1d(np.arange(len(y)), held)
        mean, scale, w, b = fit(x[train], y[train], l2)
        out[held] = ((x[held] - mean) / scale) @ w + b
    return out


def choose_l2(
    x: np.ndarray[Any, Any],
    y: np.ndarray[Any, Any],
    groups: np.ndarray[Any, Any],
    choices: Sequence[float],
    count: int = 5,
) -> tuple[float, dict[float, float]]:
    """The L2 penalty of ``choices`` with the lowest log-loss over ``count`` folds, and each one's loss."""
    losses = {
        l2: float(np.mean(np.logaddexp(0, -cross_validated(x, y, groups, l2, count) * (2 * y - 1))))
        for l2 in choices
    }
    return min(losses, key=lambda l2: losses[l2]), losses
