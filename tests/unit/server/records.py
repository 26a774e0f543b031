"""The metric records the bus listeners' tests (tracing, Prometheus) feed them, built one way."""

from __future__ import annotations

from openlive.metrics import BusListener, MetricsBus, ReplyTimings


def reply_timings(
    session_id: str,
    *,
    prompt_tokens: int = 10,
    response_tokens: int = 5,
    first_token_ms: float = 120.0,
    first_audio_ms: float = 0.0,
    queue_wait_ms: float = 30.0,
    audio_s: float = 0.0,
    ahead_ms: float = 0.0,
    reply_ms: float = 0.0,
) -> ReplyTimings:
    """A reply that ran to its end: a typed one (no audio) unless ``audio_s`` says otherwise."""
    return ReplyTimings(
        session_id,
        prompt_tokens=prompt_tokens,
        response_tokens=response_tokens,
        first_token_ms=first_token_ms,
        first_audio_ms=first_audio_ms,
        queue_wait_ms=queue_wait_ms,
        audio_s=audio_s,
        ahead_ms=ahead_ms,
        reply_ms=reply_ms,
    )


def bus_heard_by(listener: BusListener) -> MetricsBus:
    """A bus of the test's own (not the process's), with ``listener`` attached to it."""
    bus = MetricsBus()
    listener.attach(bus)
    return bus
