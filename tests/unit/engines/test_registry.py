"""The model table: names clients ask for, and the reason when one is not served."""

from __future__ import annotations

import pytest

from openlive.engines.base import LLM
from openlive.engines.profile import TINY
from openlive.engines.registry import (
    DEFAULT_MODELS,
    ModelTable,
    canonical_model_name,
    honours_history_config,
    unknown_model_reason,
)
from openlive.engines.stand_in import StandIn
from openlive.errors import CLOSE_POLICY, MAX_REASON_BYTES, ConfigError, PolicyViolation
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
    assert error.value.reason == "model 'models/gamma' is not served; try alpha, beta"


@pytest.mark.parametrize(
    "asked", ["models/gemini-3.0-ultra-live", "gemini-2.5-flash-native-audio-preview-13-2025"]
)
def test_unknown_model_reason_with_the_default_models_lists_whole_names(asked: str) -> None:
    table = ModelTable(dict.fromkeys(DEFAULT_MODELS, FakeLLM()))
    with pytest.raises(PolicyViolation) as error:
        table.resolve(asked)
    reason = error.value.reason
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    listed, more = reason.split("; try ")[1].split(" (+")
    names = listed.split(", ")
    # Whole served names only, never one cut short, and how many more there are.
    assert names and set(names) <= set(DEFAULT_MODELS)
    assert more == f"{len(DEFAULT_MODELS) - len(names)} more: GET /v1beta/models)"


def test_the_most_similar_names_come_first() -> None:
    table = ModelTable(dict.fromkeys(DEFAULT_MODELS, FakeLLM()))
    with pytest.raises(PolicyViolation) as error:
        table.resolve("gemini-2.5-flash-native-audio-preview-13-2025")
    assert "try gemini-2.5-flash-native-audio-preview-12-2025" in error.value.reason


def test_patterns_serve_any_matching_name_in_config_order() -> None:
    first, second, exact = FakeLLM(), FakeLLM(), FakeLLM()
    table = ModelTable({"gemini-3*": first, "*": second, "gemini-2.0-flash-live-001": exact})
    assert table.resolve("models/gemini-3.9-live") == "gemini-3.9-live"
    assert table.engine("gemini-3.9-live") is first
    assert table.entry("gemini-3.9-live") == "gemini-3*"
    assert table.engine(table.resolve("my-model")) is second
    assert table.entry("my-model") == "*"
    # An exact name wins over any pattern.
    assert table.engine(table.resolve("gemini-2.0-flash-live-001")) is exact
    assert table.names == ["gemini-2.0-flash-live-001"]
    assert table.patterns == ["gemini-3*", "*"]
    assert sorted(map(id, table.engines())) == sorted(map(id, [first, second, exact]))


@pytest.mark.parametrize("name", ["", "x" * 97, "bad name", "../etc", "模型", "-leading-dash"])
def test_a_pattern_serves_only_plain_names(name: str) -> None:
    table = ModelTable({"*": FakeLLM()})
    with pytest.raises(PolicyViolation, match="is not served; try \\*"):
        table.resolve(name)


def test_a_pattern_that_matches_nothing_is_listed_in_the_reason() -> None:
    table = ModelTable({"gemini-*": FakeLLM()})
    with pytest.raises(PolicyViolation) as error:
        table.resolve("gpt-4o-realtime")
    assert error.value.reason == "model 'gpt-4o-realtime' is not served; try gemini-*"


@pytest.mark.parametrize(
    ("name", "honoured"),
    [
        ("gemini-3.8-live", True),
        ("gemini-3.1-flash-live-preview", True),
        ("my-model", True),
        ("gemini-2.0-flash-live-001", False),
        ("gemini-live-2.5-flash-preview", False),
        ("gemini-2.5-flash-native-audio-preview-12-2025", False),
    ],
)
def test_history_config_is_honoured_from_gemini_3_on(name: str, honoured: bool) -> None:
    assert honours_history_config(name) is honoured


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
    assert unknown_model_reason("x", served) == "model 'x' is not served; try a, b, c"


def _stand_in(model: FakeLLM | None, name: str) -> StandIn[LLM]:
    """A stand-in that loads ``model``, or fails to load (``None``: its package is missing)."""

    def build() -> LLM:
        if model is None:
            raise ConfigError(f"{name} is not installed")
        return model

    return StandIn(build, name, "does a job")


def test_a_tiny_engines_code_is_written_by_the_code_writer_else_the_reader() -> None:
    tiny, capable, reader, writer = FakeLLM(), FakeLLM(), FakeLLM(), FakeLLM()
    tiny.profile = TINY

    def table(reads: FakeLLM | None, writes: FakeLLM | None, with_writer: bool = True) -> ModelTable:
        coder = _stand_in(writes, "w") if with_writer else None
        return ModelTable({"m": tiny}, tool_reader=_stand_in(reads, "r"), code_writer=coder)

    cases = [
        (table(reader, writer), writer),
        (table(reader, None), reader),  # the writer's package is missing
        (table(reader, None, with_writer=False), reader),
        (table(None, None), None),
        (ModelTable({"m": tiny}), None),
    ]
    for models, coder in cases:
        assert models.coder_for(tiny) is None  # nothing is loaded by asking
        for stand_in in models.stand_ins():
            stand_in.for_engine(tiny)
        assert models.coder_for(tiny) is coder
    loaded = cases[0][0]
    assert loaded.coder_for(capable) is None  # an engine that is not tiny writes its own
