"""The benchmark's statistics, tables and plumbing that need no server."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pytest

from openlive.bench.client import live_url
from openlive.bench.report import (
    Figure,
    ScenarioResult,
    format_table,
    percentile,
    summarize,
    write_json,
    write_plot,
)
from openlive.bench.scenarios import capacity_levels
from openlive.bench.speech import voiced_bounds
from openlive.bench.target import ServerLog
from openlive.cli import build_parser
from openlive.metrics import (
    METRICS,
    MetricsBus,
    Recognition,
    ReplyTimings,
    SessionClosed,
    SpeechEnded,
    SpeechStarted,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_percentile_interpolates_between_ranks_as_numpy_does() -> None:
    values = [float(v) for v in range(1, 101)]  # 1 .. 100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 100.0
    rng = np.random.default_rng(3)
    sample = list(rng.exponential(300.0, 37))
    for q in (5, 50, 95, 99):
        assert percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)))


def test_percentile_of_one_value_and_order_independence() -> None:
    assert percentile([7.0], 95) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_of_latencies_takes_the_slow_tail() -> None:
    summary = summarize([100.0, 200.0, 300.0, 400.0, 1000.0])
    assert summary is not None
    assert summary.median == 300.0
    assert summary.p95 == pytest.approx(880.0)  # rank 3.8: 400 + 0.8 * 600
    assert summary.worst == 1000.0
    assert summary.count == 5


def test_summary_of_throughput_takes_the_slow_tail_too() -> None:
    summary = summarize([10.0, 20.0, 30.0, 40.0, 50.0], higher_is_better=True)
    assert summary is not None
    assert summary.median == 30.0
    assert summary.p95 == pytest.approx(12.0)  # the 5th percentile: rank 0.2
    assert summary.worst == 10.0
    assert summarize([]) is None


def test_table_shows_statistics_and_notes_for_missing_figures() -> None:
    result = ScenarioResult("voice", elapsed_s=12.0)
    result.figures.append(Figure("end of speech -> first reply audio", "ms", [400.0, 500.0, 900.0]))
    result.figures.append(Figure("first synthesized audio", "ms", source="server log", note="not logged"))
    result.notes.append("a note")
    table = format_table(result)
    lines = table.splitlines()
    assert lines[0].startswith("== voice (12 s)")
    row = next(line for line in lines if line.startswith("end of speech"))
    assert row.split()[-4:] == ["500", "860", "900", "3"]
    missing = next(line for line in lines if line.startswith("first synthesized audio"))
    assert "(not logged)" in missing and "[server log]" in missing
    assert lines[-1] == "  a note"


def test_json_and_plot(tmp_path: Path) -> None:
    result = ScenarioResult("voice")
    result.figures.append(Figure("latency", "ms", [1.0, 2.0, 3.0]))
    result.figures.append(Figure("rate", "tok/s", [9.0], higher_is_better=True))
    result.samples.append({"first_audio_ms": 1.0})
    write_json(tmp_path / "r.json", [result], {"command": ["openlive", "bench"]})
    data = json.loads((tmp_path / "r.json").read_text())
    figure = data["scenarios"]["voice"]["figures"][0]
    assert figure["values"] == [1.0, 2.0, 3.0] and figure["median"] == 2.0 and figure["count"] == 3
    write_plot(tmp_path / "r.png", [result])
    assert (tmp_path / "r.png").read_bytes()[:8] == PNG_SIGNATURE


def test_voiced_bounds_find_the_loud_part() -> None:
    rate = 16_000
    audio = np.zeros(rate, dtype=np.float32)
    audio[4000:12000] = 0.5 * np.sin(np.arange(8000) / 5.0)
    start, end = voiced_bounds(audio, rate)
    assert start == 4000 and end == 12000
    assert voiced_bounds(np.zeros(rate, dtype=np.float32), rate) == (0, 0)


@pytest.mark.parametrize(
    ("server", "url"),
    [
        (
            "ws://127.0.0.1:9000",
            "ws://127.0.0.1:9000/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
        ),
        (
            "https://localhost:8443/",
            "wss://localhost:8443/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
        ),
        ("wss://h:1/ws/x?key=k", "wss://h:1/ws/x?key=k"),
    ],
)
def test_live_url(server: str, url: str) -> None:
    assert live_url(server) == url


def test_live_url_refuses_other_schemes() -> None:
    with pytest.raises(ValueError):
        live_url("ftp://host")


def test_capacity_levels_double_up_to_the_limit() -> None:
    assert capacity_levels(1) == [1]
    assert capacity_levels(8) == [1, 2, 4, 8]
    assert capacity_levels(6) == [1, 2, 4, 6]


def test_server_log_hears_the_servers_timing_records() -> None:
    bus = MetricsBus()
    capture = ServerLog(bus)
    capture.attach()
    bus.emit(SpeechStarted("s1", 1.5))
    bus.emit(Recognition("s1", 1.25, 180.0))
    bus.emit(Recognition("s1", 1.0, 90.0, tentative=True))
    bus.emit(ReplyTimings("s1", 30, 12, 95.0, 240.0, 3.0, 2.5, 0.0))
    bus.emit(SessionClosed("s1", 1000, "bye"))
    capture.detach()
    bus.emit(Recognition("s1", 2.0, 10.0))  # after detaching: not heard
    assert [e.kind for e in capture.events("s1", "heard")] == ["heard"]
    assert capture.events("s1", "heard")[0].values == {"speech_s": 1.25, "asr_ms": 180.0}
    assert capture.events("s1", "early_asr")[0].values == {"speech_s": 1.0, "asr_ms": 90.0}
    done = capture.events("s1", "reply_done")[0].values
    assert done["first_token_ms"] == 95.0 and done["queue_wait_ms"] == 3.0 and done["response_tokens"] == 12
    assert done["first_audio_ms"] == 240.0 and done["audio_s"] == 2.5
    assert len(capture.events("s1", "speech_started")) == 1
    assert capture.events("other", "heard") == []


def test_the_process_bus_carries_records_to_the_bench(caplog: pytest.LogCaptureFixture) -> None:
    # The server emits on METRICS; the log renders the same record, with its fields.
    capture = ServerLog()
    capture.attach()
    try:
        with caplog.at_level(logging.INFO, logger="openlive.metrics"):
            METRICS.emit(SpeechEnded("s2", 3.1, 1.52))
    finally:
        capture.detach()
    assert capture.events("s2", "speech_ended")[0].values == {"at_s": 3.1, "speech_s": 1.52}
    logged = [r for r in caplog.records if getattr(r, "metric", None) == "SpeechEnded"]
    assert len(logged) == 1 and logged[0].speech_s == 1.52 and logged[0].session_id == "s2"


def test_bench_options_are_documented() -> None:
    parser = build_parser()
    args = parser.parse_args(["bench", "voice", "text", "--embedded", "--sessions", "2", "--utterances", "3"])
    assert args.scenarios == ["voice", "text"] and args.sessions == 2 and args.utterances == 3
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    help_text = subparsers.choices["bench"].format_help()
    for option in ("--server", "--embedded", "--sessions", "--utterances", "--json", "--plot"):
        assert option in help_text
    with pytest.raises(SystemExit):
        parser.parse_args(["bench", "--server", "ws://x", "--embedded"])
