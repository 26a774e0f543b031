"""The probe of proactive audio: training, reading, and its bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from openlive.errors import ConfigError
from openlive.pipeline.address_model import EVIDENCE, AddressModel, probe_inputs

SIZE = len(EVIDENCE) + 32


def model(rng: np.random.Generator, offset: float = 0.0) -> AddressModel:
    return AddressModel(
        judge="judge",
        mean=rng.normal(size=SIZE),
        scale=rng.uniform(0.5, 2, size=SIZE),
        weights=rng.normal(size=SIZE),
        bias=0.25,
        offset=offset,
        about="test",
    )


def test_the_probes_input_is_the_odds_the_cues_then_the_state() -> None:
    inputs = probe_inputs(1.5, True, False, True, [0.25, -2.0, 3.0])
    assert inputs.dtype == np.float64 and list(inputs) == [1.5, 1.0, 0.0, 1.0, 0.25, -2.0, 3.0]


def test_the_packaged_model_names_its_inputs() -> None:
    shipped = json.loads(AddressModel.packaged().to_json())
    assert shipped["inputs"].startswith("odds, vocative, named, request, then the state (")


def test_the_model_survives_its_json_and_the_offset_moves_the_decision() -> None:
    rng = np.random.default_rng(2)
    original = model(rng, offset=-1.0)
    again = AddressModel.from_json(original.to_json())
    assert again.judge == "judge" and again.size == SIZE
    row = rng.normal(size=SIZE)
    assert again.log_odds(row) == pytest.approx(original.log_odds(row), abs=1e-3)
    shifted = AddressModel(again.judge, again.mean, again.scale, again.weights, again.bias, offset=0.0)
    assert shifted.log_odds(row) - again.log_odds(row) == pytest.approx(1.0)


def test_inputs_of_another_size_are_refused() -> None:
    with pytest.raises(ConfigError, match=f"reads {SIZE} inputs"):
        model(np.random.default_rng(3)).log_odds(np.zeros(SIZE + 1))


def _file(**changes: object) -> str:
    good: dict[str, object] = {"judge": "j", "bias": 0, "offset": 0}
    good.update({"mean": [0.0] * SIZE, "scale": [1.0] * SIZE, "weights": [0.0] * SIZE})
    good.update(changes)
    return json.dumps({k: v for k, v in good.items() if v is not None})


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps([1, 2]),
        _file(judge=None),
        _file(mean=[0.0]),
        _file(scale=[0.0] * SIZE),
        _file(weights=["x"] * SIZE),
        _file(weights=[[1.0]] * SIZE),
        _file(bias="nan"),
        _file(offset=float("inf")),
        json.dumps({"judge": "j", "mean": 1, "scale": 1, "weights": 1, "bias": 0, "offset": 0}),
    ],
)
def test_a_broken_model_file_is_refused_with_a_clear_error(text: str) -> None:
    with pytest.raises(ConfigError, match="proactive audio's model"):
        AddressModel.from_json(text)
