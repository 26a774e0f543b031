"""Traces per turn: records in (stamped by a clock the test moves), OpenTelemetry spans out."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from opentelemetry.sdk.trace import ReadableSpan  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter  # noqa: E402

from openlive.metrics import (  # noqa: E402
    MetricsBus,
    Recognition,
    SessionClosed,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    ToolsPlanned,
)
from openlive.server.tracing import MAX_SPANS_PER_TURN, TurnTracer, provider_with  # noqa: E402

from .records import bus_heard_by, reply_timings  # noqa: E402

MS = 1_000_000  # nanoseconds
T0 = 1_765_000_000_000 * MS


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now

    def at(self, ms: float) -> None:
        self.now = T0 + int(ms * MS)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bus(exporter: InMemorySpanExporter, clock: Clock) -> MetricsBus:
    return bus_heard_by(TurnTracer(provider_with(SimpleSpanProcessor(exporter)), clock))


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


def ms(ns: int | None) -> float:
    assert ns is not None
    return (ns - T0) / MS


def test_a_spoken_turn_is_one_trace_with_the_records_timings(
    bus: MetricsBus, clock: Clock, exporter: InMemorySpanExporter
) -> None:
    clock.at(0)
    bus.emit(SpeechStarted("s1", 1.0))
    clock.at(1200)
    bus.emit(SpeechPaused("s1", 2.26))
    clock.at(1350)
    bus.emit(Recognition("s1", 1.2, 90.0, tentative=True))
    clock.at(1400)
    bus.emit(SpeechEnded("s1", 2.4, 1.2))
    clock.at(1410)
    bus.emit(Recognition("s1", 1.2, 5.0, early=True))
    assert not exporter.get_finished_spans()  # nothing until the reply ends
    # The reply started during the pause (at 1300 ms) and ended at 4300 ms.
    clock.at(4300)
    bus.emit(
        reply_timings(
            "s1",
            prompt_tokens=40,
            response_tokens=12,
            first_token_ms=180.0,
            first_audio_ms=450.0,
            queue_wait_ms=20.0,
            audio_s=2.5,
            ahead_ms=100.0,
            reply_ms=3000.0,
        )
    )

    spans = exporter.get_finished_spans()
    (root,) = by_name(spans, "openlive.turn")
    assert root.parent is None
    assert (ms(root.start_time), ms(root.end_time)) == (0, 4300)
    assert root.attributes is not None and root.attributes["openlive.session_id"] == "s1"
    assert root.attributes["openlive.modality"] == "audio"
    children = [span for span in spans if span is not root]
    assert children and all(span.parent is not None for span in children)
    assert {span.parent.span_id for span in children if span.name != "openlive.queue_wait"} == {
        root.context.span_id
    }
    assert {span.context.trace_id for span in spans} == {root.context.trace_id}

    (speech,) = by_name(spans, "openlive.user_speech")
    assert (ms(speech.start_time), ms(speech.end_time)) == (0, 1400)
    tentative, final = sorted(by_name(spans, "openlive.recognition"), key=lambda s: s.start_time or 0)
    assert (ms(tentative.start_time), ms(tentative.end_time)) == (1260, 1350)
    assert tentative.attributes is not None and tentative.attributes["openlive.tentative"] is True
    assert (ms(final.start_time), ms(final.end_time)) == (1405, 1410)
    assert final.attributes is not None and final.attributes["openlive.early"] is True

    (reply,) = by_name(spans, "openlive.reply")
    assert (ms(reply.start_time), ms(reply.end_time)) == (1300, 4300)
    assert reply.attributes is not None
    assert reply.attributes["openlive.first_audio_ms"] == 450.0
    assert reply.attributes["openlive.response_tokens"] == 12
    events = {event.name: ms(event.timestamp) for event in reply.events}
    assert events == {"first_token": 1480, "first_audio": 1750}
    (queue,) = by_name(spans, "openlive.queue_wait")
    assert queue.parent is not None and queue.parent.span_id == reply.context.span_id
    assert (ms(queue.start_time), ms(queue.end_time)) == (1300, 1320)


def test_a_typed_turn_starts_with_its_reply_and_keeps_its_tool_planning(
    bus: MetricsBus, clock: Clock, exporter: InMemorySpanExporter
) -> None:
    clock.at(300)
    bus.emit(ToolsPlanned("s2", ("FunctionCall", "Answer"), 250.0))
    clock.at(900)
    bus.emit(reply_timings("s2", prompt_tokens=30, response_tokens=8, queue_wait_ms=0.0, reply_ms=600.0))
    spans = exporter.get_finished_spans()
    (root,) = by_name(spans, "openlive.turn")
    assert (ms(root.start_time), ms(root.end_time)) == (50, 900)
    assert root.attributes is not None and root.attributes["openlive.modality"] == "text"
    (planning,) = by_name(spans, "openlive.tool_planning")
    assert (ms(planning.start_time), ms(planning.end_time)) == (50, 300)
    assert planning.attributes is not None
    assert tuple(planning.attributes["openlive.tool_steps"]) == ("FunctionCall", "Answer")  # type: ignore[arg-type]
    (reply,) = by_name(spans, "openlive.reply")
    assert [event.name for event in reply.events] == ["first_token"]  # no audio


def test_sessions_are_traced_apart_and_a_closed_session_forgets_its_turn(
    bus: MetricsBus, clock: Clock, exporter: InMemorySpanExporter
) -> None:
    clock.at(0)
    bus.emit(SpeechStarted("a", 0.5))
    bus.emit(SpeechStarted("b", 0.5))
    clock.at(800)
    bus.emit(SpeechEnded("a", 1.3, 0.8))
    bus.emit(SessionClosed("b", 1001, "going away"))
    clock.at(1000)
    bus.emit(reply_timings("a", first_audio_ms=20.0, audio_s=1.0, reply_ms=150.0))
    bus.emit(reply_timings("b", reply_ms=150.0))
    roots = {
        span.attributes["openlive.session_id"]: span  # type: ignore[index]
        for span in exporter.get_finished_spans()
        if span.name == "openlive.turn"
    }
    assert ms(roots["a"].start_time) == 0
    assert ms(roots["b"].start_time) == 850  # b's speech was forgotten with its session
    speech = by_name(exporter.get_finished_spans(), "openlive.user_speech")
    assert [span.parent.span_id for span in speech if span.parent] == [roots["a"].context.span_id]


def test_a_turn_without_a_reply_keeps_a_bounded_number_of_spans(
    bus: MetricsBus, clock: Clock, exporter: InMemorySpanExporter
) -> None:
    for i in range(MAX_SPANS_PER_TURN + 10):
        clock.at(i * 100)
        bus.emit(Recognition("s", 0.5, 10.0, tentative=True))
    bus.emit(reply_timings("s", reply_ms=5.0))
    spans = exporter.get_finished_spans()
    assert len(by_name(spans, "openlive.recognition")) == MAX_SPANS_PER_TURN
    (root,) = by_name(spans, "openlive.turn")
    assert root.attributes is not None and root.attributes["openlive.spans_dropped"] == 10
