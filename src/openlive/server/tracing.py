"""OpenTelemetry traces, one per turn, built from the typed records on the metrics bus.

Off by default: ``otlp_endpoint`` (an OTLP/HTTP collector, e.g.
``http://localhost:4318``) turns it on, and needs the ``otel`` extra (the
OpenTelemetry SDK and its OTLP exporter); the rest of openlive never imports it.

A turn's trace is made when its reply ends (the ``ReplyTimings`` record), from
what the session's records said since the previous reply: a root span
``openlive.turn`` from the user's first sound (or the reply's start, for typed
input) to the reply's end, with children

- ``openlive.user_speech``: from the start of speech to the commit of its end,
- ``openlive.recognition``: each recognition (a pause's tentative one too),
- ``openlive.tool_planning``: the tool planner's choice,
- ``openlive.reply``: the reply, with ``openlive.queue_wait`` inside it and the
  events ``first_token`` and ``first_audio``.

Records carry durations, not clock times: each is stamped when it arrives, which
is when it was measured (they are emitted as their work ends), and a span that
ends then starts its duration earlier. Speech the user talked over a reply with,
and a reply cut short (barge-in) or declined (proactive audio), have no reply of
their own: they go into the trace of the next reply that ends. Spans are handed
to a batching processor, which exports from its own thread.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.util.types import AttributeValue

from openlive.metrics import (
    BusListener,
    Recognition,
    Record,
    ReplyTimings,
    SessionClosed,
    SpeechEnded,
    SpeechStarted,
    ToolsPlanned,
)

# Sessions with a turn under way that are remembered; the oldest go first.
MAX_TRACKED_SESSIONS = 4096
# Spans one turn keeps before the reply (a long stretch of talk with no reply).
MAX_SPANS_PER_TURN = 64
TRACER_NAME = "openlive"
TRACES_PATH = "/v1/traces"

Clock = Callable[[], int]


@dataclass
class _Span:
    name: str
    start_ns: int
    end_ns: int
    attributes: dict[str, AttributeValue] = field(default_factory=dict)


@dataclass
class _Turn:
    """What a session's records said since its last reply ended."""

    speech_started_ns: int | None = None
    spans: list[_Span] = field(default_factory=list)
    dropped: int = 0

    def add(self, span: _Span) -> None:
        if len(self.spans) < MAX_SPANS_PER_TURN:
            self.spans.append(span)
        else:
            self.dropped += 1


def _ns(ms: float) -> int:
    return int(ms * 1_000_000)


class TurnTracer(BusListener):
    """Turns the metrics records into one trace per turn.

    Args:
        provider: The tracer provider spans go to (with its processors and exporters).
        clock: Wall-clock nanoseconds; a record is stamped with it when it arrives.
    """

    def __init__(self, provider: TracerProvider, clock: Clock = time.time_ns) -> None:
        self.provider = provider
        self._tracer = provider.get_tracer(TRACER_NAME)
        self._clock = clock
        self._turns: OrderedDict[str, _Turn] = OrderedDict()
        self._lock = threading.Lock()

    def shutdown(self) -> None:
        """Stop, and export what is still buffered (blocks up to the exporter's timeout)."""
        self.detach()
        self.provider.shutdown()

    def hear(self, record: Record) -> None:
        """Note one record; a reply's end makes its turn's trace (quick: spans are queued)."""
        now = self._clock()
        match record:
            case SpeechStarted():
                turn = self._turn(record.session_id)
                if turn.speech_started_ns is None:
                    turn.speech_started_ns = now
            case SpeechEnded():
                turn = self._turn(record.session_id)
                start = now - _ns(1000 * record.speech_s)
                if turn.speech_started_ns is not None:
                    start = min(start, turn.speech_started_ns)
                turn.add(_Span("openlive.user_speech", start, now, {"openlive.speech_s": record.speech_s}))
            case Recognition():
                attributes: dict[str, AttributeValue] = {
                    "openlive.speech_s": record.speech_s,
                    "openlive.tentative": record.tentative,
                    "openlive.early": record.early,
                }
                span = _Span("openlive.recognition", now - _ns(record.asr_ms), now, attributes)
                self._turn(record.session_id).add(span)
            case ToolsPlanned():
                steps: dict[str, AttributeValue] = {"openlive.tool_steps": list(record.steps)}
                span = _Span("openlive.tool_planning", now - _ns(record.plan_ms), now, steps)
                self._turn(record.session_id).add(span)
            case ReplyTimings():
                with self._lock:
                    turn = self._turns.pop(record.session_id, _Turn())
                self._trace(record, turn, now)
            case SessionClosed():
                with self._lock:
                    self._turns.pop(record.session_id, None)
            case _:
                pass

    def _turn(self, session_id: str) -> _Turn:
        with self._lock:
            turn = self._turns.get(session_id)
            if turn is None:
                turn = self._turns[session_id] = _Turn()
                while len(self._turns) > MAX_TRACKED_SESSIONS:
                    self._turns.popitem(last=False)
            return turn

    def _trace(self, record: ReplyTimings, turn: _Turn, end_ns: int) -> None:
        reply_start = end_ns - _ns(record.reply_ms)
        starts = [reply_start, *(span.start_ns for span in turn.spans)]
        if turn.speech_started_ns is not None:
            starts.append(turn.speech_started_ns)
        spoken = record.audio_s > 0
        root = self._tracer.start_span(
            "openlive.turn",
            start_time=min(starts),
            attributes={
                "openlive.session_id": record.session_id,
                "openlive.modality": "audio" if spoken else "text",
                "openlive.spans_dropped": turn.dropped,
            },
        )
        context = trace.set_span_in_context(root)
        for span in turn.spans:
            child = self._tracer.start_span(
                span.name, context=context, start_time=span.start_ns, attributes=span.attributes
            )
            child.end(end_time=span.end_ns)
        reply = self._tracer.start_span(
            "openlive.reply",
            context=context,
            start_time=reply_start,
            attributes={
                "openlive.prompt_tokens": record.prompt_tokens,
                "openlive.response_tokens": record.response_tokens,
                "openlive.first_token_ms": record.first_token_ms,
                "openlive.first_audio_ms": record.first_audio_ms,
                "openlive.queue_wait_ms": record.queue_wait_ms,
                "openlive.audio_s": record.audio_s,
                "openlive.ahead_ms": record.ahead_ms,
            },
        )
        if record.response_tokens:
            reply.add_event("first_token", timestamp=reply_start + _ns(record.first_token_ms))
        if spoken:
            reply.add_event("first_audio", timestamp=reply_start + _ns(record.first_audio_ms))
        waited = self._tracer.start_span(
            "openlive.queue_wait", context=trace.set_span_in_context(reply), start_time=reply_start
        )
        waited.end(end_time=reply_start + _ns(record.queue_wait_ms))
        reply.end(end_time=end_ns)
        root.end(end_time=end_ns)


def otlp_provider(endpoint: str, service_name: str = "openlive") -> TracerProvider:
    """A tracer provider that batches spans to an OTLP/HTTP collector at ``endpoint``.

    Args:
        endpoint: The collector's base URL (``http://host:4318``); spans go to
            ``/v1/traces`` under it, unless it already ends with that path.
        service_name: The ``service.name`` resource attribute.
    """
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    url = endpoint.rstrip("/")
    if not url.endswith(TRACES_PATH):
        url += TRACES_PATH
    return provider_with(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)), service_name)


def provider_with(processor: SpanProcessor, service_name: str = "openlive") -> TracerProvider:
    """A tracer provider of its own (the process's global one is left alone) with ``processor``."""
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(processor)
    return provider
