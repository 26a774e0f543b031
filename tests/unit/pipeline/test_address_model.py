"""The learned decision of proactive audio: training, reading and its bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from openlive.errors import ConfigError
from openlive.pipeline.address_model import EMBEDDING_SIZE, EVIDENCE, AddressModel, evidence_vector, fit

SIZE = len(EVIDENCE) + EMBEDDING_SIZE


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=EMBEDDING_SIZE)
    return v / np.linalg.norm(v)


def test_the_evidence_vector_puts_the_evidence_before_the_embedding() -> None:
    heard, said = _unit(1), _unit(2)
    v = evidence_vector(1.5, True, False, True, heard, said)
    assert v.shape == (SIZE,)
    assert list(v[:5]) == [1.5, 1.0, 0.0, 1.0, 1.0]
    assert v[5] == pytest.approx(float(heard @ said))
    assert np.allclose(v[len(EVIDENCE) :], heard)
    alone = evidence_vector(0.0, False, False, False, heard, None)
    assert alone[4] == 0.0 and alone[5] == 0.0


def test_fit_learns_which_input_tells_the_classes_apart() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, SIZE))
    y = x[:, 0] + 0.3 * rng.normal(size=400) > 0
    mean, scale, w, b = fit(x, y, l2=1.0)
    model = AddressModel(mean=mean, scale=scale, weights=w, bias=b, offset=0.0)
    assert int(np.argmax(np.abs(w))) == 0 and w[0] > 0
    right = sum((model.log_odds(row) > 0) == label for row, label in zip(x, y, strict=True))
    assert right >= 360


def test_a_stronger_penalty_shrinks_the_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, SIZE))
    y = x[:, 3] > 0
    loose = fit(x, y, l2=1.0)[2]
    tight = fit(x, y, l2=1000.0)[2]
    assert np.linalg.norm(tight) < np.linalg.norm(loose)


def test_the_model_survives_its_json_and_the_offset_moves_the_decision() -> None:
    rng = np.random.default_rng(2)
    model = AddressModel(
        mean=rng.normal(size=SIZE),
        scale=rng.uniform(0.5, 2, size=SIZE),
        weights=rng.normal(size=SIZE),
        bias=0.25,
        offset=-1.0,
        about="test",
    )
    again = AddressModel.from_json(model.to_json())
    row = rng.normal(size=SIZE)
    assert again.log_odds(row) == pytest.approx(model.log_odds(row), abs=1e-3)
    shifted = AddressModel(again.mean, again.scale, again.weights, again.bias, offset=0.0)
    assert shifted.log_odds(row) - again.log_odds(row) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"mean": [0.0], "scale": [1.0], "weights": [1.0], "bias": 0, "offset": 0}),
        json.dumps(
            {"mean": [0.0] * SIZE, "scale": [0.0] * SIZE, "weights": [0.0] * SIZE, "bias": 0, "offset": 0}
        ),
        json.dumps(
            {"mean": [0.0] * SIZE, "scale": [1.0] * SIZE, "weights": [0.0] * SIZE, "bias": "nan", "offset": 0}
        ),
        json.dumps({"scale": [1.0] * SIZE}),
        json.dumps([1, 2]),
    ],
)
def test_a_broken_model_file_is_refused_with_a_clear_error(text: str) -> None:
    with pytest.raises(ConfigError, match="proactive audio's model"):
        AddressModel.from_json(text)
