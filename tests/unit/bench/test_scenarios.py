"""A short run of each ``openlive bench`` scenario against one embedded server.

The numbers are not checked (benchmarks report, tests assert behaviour): each run
must complete and write valid JSON with the expected figures and sample counts,
and a PNG.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from openlive.bench import cli as bench_cli
from openlive.bench.target import EmbeddedServer, Target
from openlive.cli import build_parser
from openlive.errors import ConfigError

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng makes the speech")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    """One embedded server (the real default models) for the whole module."""
    server = EmbeddedServer()
    try:
        started = server.start()
    except ConfigError as exc:
        pytest.skip(f"the embedded models are not installed: {exc}")
    yield started
    server.stop()


def bench(target: Target, tmp_path: Path, *argv: str) -> dict[str, Any]:
    """Run `openlive bench ARGV` on the shared server; return the JSON it wrote."""
    json_path, plot_path = tmp_path / "bench.json", tmp_path / "bench.png"
    args = build_parser().parse_args(["bench", *argv, "--json", str(json_path), "--plot", str(plot_path)])
    assert bench_cli.run(args, target=target) == 0
    plot = plot_path.read_bytes()
    assert plot[:8] == PNG_SIGNATURE and len(plot) > 1000
    data: dict[str, Any] = json.loads(json_path.read_text())
    assert data["embedded"] is True
    return data


def figures(scenario: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {figure["name"].strip(): figure for figure in scenario["figures"]}


def test_voice(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "voice", "--utterances", "2")
    voice = data["scenarios"]["voice"]
    assert len(voice["samples"]) == 2
    first = figures(voice)["end of speech -> first reply audio"]
    assert first["count"] == 2 and len(first["values"]) == 2
    # The server's own timings were captured from its log.
    assert all("asr_ms" in sample["server"] for sample in voice["samples"])
    # A part the server does not log yet is shown with a note, never invented.
    synthesis = figures(voice)["first synthesized audio (from generation start)"]
    assert synthesis["note"] or synthesis["count"] == 2


def test_barge_in(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "barge-in", "--utterances", "1")
    samples = data["scenarios"]["barge-in"]["samples"]
    assert len(samples) == 1
    sample = samples[0]
    assert "to_interrupted_ms" in sample or "ended before" in sample.get("error", "")


def test_text(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "text", "--utterances", "2")
    text = data["scenarios"]["text"]
    assert len(text["samples"]) == 2
    named = figures(text)
    assert named["time to first token, openlive"]["count"] == 2
    assert named["time to first token, engine alone"]["count"] == 2
    assert named["TTFT ratio (openlive / engine)"]["count"] == 2


def test_capacity(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "capacity", "--sessions", "2", "--utterances", "1")
    capacity = data["scenarios"]["capacity"]
    levels = [sample["sessions"] for sample in capacity["samples"]]
    assert levels in ([1], [1, 2])  # stops at the first level over the limit
    assert figures(capacity)["RSS per idle session, 2 open at once"]["count"] == 1
    assert data["options"]["sessions"] == 2


def test_pipeline(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "pipeline", "--utterances", "1")
    pipeline = data["scenarios"]["pipeline"]
    assert len(pipeline["samples"]) == 1
    sample = pipeline["samples"][0]
    assert sample["first_audio_ms"] == pytest.approx(
        sample["endpoint_ms"] + sample["asr_ms"] + sample["llm_ms"] + sample["tts_ms"], abs=1.0
    )


def test_turns(target: Target, tmp_path: Path) -> None:
    data = bench(target, tmp_path, "turns", "--utterances", "1")
    turns = data["scenarios"]["turns"]
    samples = turns["samples"]
    # Every case ran before (silence alone) and after (the turn model), side by side.
    cases = [(s["case"], s["mode"]) for s in samples]
    for case in ("pause", "question", "backchannel", "cough", "steady noise", "barge-in"):
        assert (case, "before") in cases and (case, "after") in cases
    for sample in samples:
        assert "error" in sample or "split" in sample or "interrupted" in sample
    assert any(note.startswith("after: split, pause") for note in turns["notes"])
