"""The server's proactive-audio judge: the packaged model it loads, with that model's own lean."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from openlive.config import Settings
from openlive.engines import llama_scorer, packaged
from openlive.engines.profile import make_profile
from openlive.errors import ConfigError
from openlive.pipeline.proactivity import SCORER_LEANS
from openlive.server.run import PROACTIVE_JUDGE_LLM, proactive_judge
from openlive.testing import FakeLLM


def test_the_judge_for_a_tiny_model_is_the_packaged_scorer_with_its_lean(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built: list[tuple[Path, float, bool]] = []

    class Loaded:
        def __init__(self, path: Path, lean: float = 0.0, urgent: bool = False, **_: Any) -> None:
            built.append((path, lean, urgent))
            self.lean = lean

    monkeypatch.setattr(packaged, "packaged_llm_path", lambda name, data_dir: data_dir / f"{name}.gguf")
    monkeypatch.setattr(llama_scorer, "LlamaScorer", Loaded)
    tiny = FakeLLM()
    tiny.profile = make_profile("tiny", "auto", None, False)
    model = proactive_judge(Settings(data_dir=str(tmp_path)))
    scorer = model.for_reply(tiny)
    assert isinstance(scorer, Loaded) and model.for_reply(tiny) is scorer
    # The reply waits for each judgment: it is urgent work.
    assert built == [(tmp_path / f"{PROACTIVE_JUDGE_LLM}.gguf", SCORER_LEANS[PROACTIVE_JUDGE_LLM], True)]


def test_an_otlp_endpoint_without_the_opentelemetry_sdk_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openlive.server.run import turn_tracer

    monkeypatch.setitem(sys.modules, "openlive.server.tracing", None)  # as if the SDK were missing
    assert turn_tracer(Settings()) is None  # traces are off by default: nothing is imported
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[otel\]'"):
        turn_tracer(Settings(otlp_endpoint="http://127.0.0.1:4318"))
