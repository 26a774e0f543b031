"""A record is one log line: a sentence in text logs, its fields as JSON fields with ``--log-json``."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
from collections.abc import Iterator

import pytest

from openlive.metrics import MetricsBus, Recognition, ReplyTimings
from openlive.metrics.log import describe, log_metrics
from openlive.server.logs import log_handler

TIMINGS = ReplyTimings(
    "s1",
    prompt_tokens=31,
    response_tokens=12,
    first_token_ms=95.0,
    first_audio_ms=240.0,
    queue_wait_ms=3.0,
    audio_s=2.5,
    ahead_ms=120.0,
)


@pytest.fixture
def logged(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    """What the metrics logger writes through the serve handler (text, or JSON when the param says so)."""
    stream = io.StringIO()
    handler = log_handler(request.param, stream)
    logger = logging.getLogger("openlive.metrics")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.mark.parametrize("logged", [True], indirect=True)
def test_json_logs_carry_the_records_fields(logged: io.StringIO) -> None:
    bus = MetricsBus()
    stop = log_metrics(bus)
    bus.emit(TIMINGS)
    bus.emit(Recognition("s1", 1.25, 180.0, tentative=True))
    stop()
    bus.emit(Recognition("s1", 9.0, 9.0))  # after stopping: not logged
    first, second = (json.loads(line) for line in logged.getvalue().splitlines())
    assert first["metric"] == "ReplyTimings" and first["session"] == "s1"
    # Every field of the record is a field of the line, with its value (not parsed from prose).
    fields = dataclasses.asdict(TIMINGS)
    del fields["session_id"]
    assert {k: first[k] for k in fields} == fields
    assert second["metric"] == "Recognition" and second["asr_ms"] == 180.0 and second["tentative"] is True


@pytest.mark.parametrize("logged", [False], indirect=True)
def test_text_logs_read_as_a_sentence_with_the_numbers(logged: io.StringIO) -> None:
    bus = MetricsBus()
    stop = log_metrics(bus)
    bus.emit(TIMINGS)
    stop()
    (line,) = logged.getvalue().splitlines()
    assert "session=s1" in line and line.endswith(describe(TIMINGS))
    assert "first token 95 ms" in line and "first audio 240 ms" in line
