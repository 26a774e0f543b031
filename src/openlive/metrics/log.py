"""Records rendered as log lines: a sentence for people, the record's fields for JSON logs."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from openlive.metrics.bus import METRICS, MetricsBus
from openlive.metrics.records import (
    Recognition,
    Record,
    ReplyTimings,
    SessionClosed,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    ToolsPlanned,
)

log = logging.getLogger("openlive.metrics")


def describe(record: Record) -> str:
    """One line a person reads; the numbers are the record's, the wording free to change."""
    match record:
        case SpeechStarted():
            return f"speech started at {record.at_s:.2f} s"
        case SpeechPaused():
            return f"speech paused at {record.at_s:.2f} s"
        case SpeechEnded():
            return f"speech ended at {record.at_s:.2f} s after {record.speech_s:.2f} s of speech"
        case Recognition():
            when = " (tentative, during the pause)" if record.tentative else ""
            when = " (recognised during the pause)" if record.early else when
            return f"heard {record.speech_s:.2f} s of speech in {record.asr_ms:.0f} ms{when}"
        case ToolsPlanned():
            steps = ", ".join(record.steps) or "answer directly"
            return f"planned {len(record.steps)} tool step(s) in {record.plan_ms:.0f} ms: {steps}"
        case ReplyTimings():
            return (
                f"reply done: {record.prompt_tokens} prompt tokens, {record.response_tokens} response "
                f"tokens, first token {record.first_token_ms:.0f} ms, first audio "
                f"{record.first_audio_ms:.0f} ms, queue wait {record.queue_wait_ms:.0f} ms, "
                f"{record.audio_s:.1f} s of audio, started {record.ahead_ms:.0f} ms ahead"
            )
        case SessionClosed():
            return f"closing with {record.code}: {record.reason}"


def log_record(record: Record) -> None:
    """Log ``record`` at INFO; its fields go along as extras (fields of ``--log-json`` lines)."""
    if not log.isEnabledFor(logging.INFO):
        return
    fields = dataclasses.asdict(record)
    # The session id is the log's own field; the others are the record's.
    extra = {"session_id": fields.pop("session_id"), "metric": type(record).__name__, **fields}
    log.info("%s", describe(record), extra=extra)


def log_metrics(bus: MetricsBus = METRICS) -> Callable[[], None]:
    """Log every record ``bus`` carries; returns the call that stops it."""
    return bus.subscribe(log_record)
