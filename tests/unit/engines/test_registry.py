"""The model table: names clients ask for, and the reason when one is not served."""

from __future__ import annotations

import pytest

from openlive.engines.registry import (
    DOCUMENTED_MODELS,
    ModelTable,
    canonical_model_name,
    unknown_model_reason,
)
from openlive.errors import CLOSE_POLICY, MAX_REASON_BYTES, PolicyViolation
from openlive.testing import FakeLLM


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("models/gemini-2.0-flash-live-001", "gemini-2.0-flash-live-001"),
        ("gemini-2.0-flash-live-001", "gemini-2.0-flash-live-001"),
        ("models/models/x", "models/x"),
        ("tunedModels/x", "tunedModels/x"),
    ],
)
def test_canonical_model_name_drops_the_models_prefix(name: str, canonical: str) -> None:
    assert canonical_model_name(name) == canonical


def test_resolve_with_or_without_prefix() -> None:
    engine = FakeLLM()
    table = ModelTable({"models/small": engine, "big": FakeLLM()})
    assert table.names == ["big", "small"]
    assert table.resolve("models/small") == "small"
    assert table.resolve("small") == "small"
    assert table.resolve("models/big") == "big"
    assert table.engine("small") is engine


def test_each_engine_is_listed_once() -> None:
    shared, other = FakeLLM(), FakeLLM()
    table = ModelTable({"a": shared, "b": shared, "c": other})
    assert sorted(map(id, table.engines())) == sorted([id(shared), id(other)])


def test_unknown_model_is_a_policy_violation_listing_served_names() -> None:
    table = ModelTable({"alpha": FakeLLM(), "beta": FakeLLM()})
    with pytest.raises(PolicyViolation) as error:
        table.resolve("models/gamma")
    assert error.value.close_code == CLOSE_POLICY
    assert error.value.reason == "model 'models/gamma' is not served here; served: alpha, beta"


def test_unknown_model_reason_with_the_documented_models_fits_a_close_frame() -> None:
    table = ModelTable(dict.fromkeys(DOCUMENTED_MODELS, FakeLLM()))
    with pytest.raises(PolicyViolation) as error:
        table.resolve("models/gemini-3.0-ultra-live")
    reason = error.value.reason
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert reason.startswith("model 'models/gemini-3.0-ultra-live' is not served here; served: ")
    # As many names as fit, then a pointer to the full list.
    assert sorted(DOCUMENTED_MODELS)[0] in reason
    assert reason.endswith(" (all: GET /v1beta/models)")


@pytest.mark.parametrize(
    "name",
    ["x" * 500, "模型" * 100, "models/" + "é" * 200, ""],
    ids=["long-ascii", "long-cjk", "long-accented", "empty"],
)
@pytest.mark.parametrize("served_count", [0, 1, 50])
def test_unknown_model_reason_always_fits_in_123_bytes(name: str, served_count: int) -> None:
    served = [f"served-model-number-{i:03d}" for i in range(served_count)]
    reason = unknown_model_reason(name, served)
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert reason.startswith("model ")


def test_unknown_model_reason_lists_every_name_that_fits() -> None:
    served = ["a", "b", "c"]
    assert unknown_model_reason("x", served) == "model 'x' is not served here; served: a, b, c"
