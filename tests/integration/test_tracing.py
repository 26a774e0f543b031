"""Traces per turn over OTLP/HTTP: a server with ``otlp_endpoint`` exports to a collector on loopback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest  # noqa: E402

from openlive.engines.audio_base import SpeechEngines  # noqa: E402
from openlive.metrics import METRICS, Record, ReplyTimings  # noqa: E402
from openlive.testing import FakeAsr, FakeLLM, FakeTts, FakeVad, running_server  # noqa: E402

from .helpers import session  # noqa: E402
from .test_voice import stream_audio, utterance, voice_setup  # noqa: E402


class Collector:
    """An OTLP/HTTP trace collector on a loopback port: keeps the spans it is sent."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self.resources: list[dict[str, str]] = []
        self.received = threading.Condition()
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                with collector.received:
                    for resource_spans in request.resource_spans:
                        attributes = resource_spans.resource.attributes
                        collector.resources.append({a.key: a.value.string_value for a in attributes})
                        for scope in resource_spans.scope_spans:
                            collector.spans.extend(scope.spans)
                    collector.received.notify_all()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.paths: list[str] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def collector() -> Iterator[Collector]:
    found = Collector()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def replies() -> Iterator[list[ReplyTimings]]:
    seen: list[ReplyTimings] = []

    def hear(record: Record) -> None:
        if isinstance(record, ReplyTimings):
            seen.append(record)

    stop = METRICS.subscribe(hear)
    yield seen
    stop()


def attributes(span: Any) -> dict[str, Any]:
    found = {}
    for attribute in span.attributes:
        value = attribute.value
        found[attribute.key] = getattr(value, value.WhichOneof("value"))
    return found


async def test_each_turn_is_exported_as_a_trace_with_its_reply_timings(
    collector: Collector, replies: list[ReplyTimings]
) -> None:
    speech = SpeechEngines(vad=FakeVad(), asr=FakeAsr(["what time is it"]), tts=FakeTts())
    async with running_server(FakeLLM(), speech=speech, audio_lead_s=0.0, otlp_endpoint=collector.url) as srv:
        async with session(srv) as typed:
            await typed.turn("hello there")
        async with session(srv, voice_setup()) as spoken:
            await stream_audio(spoken, utterance(1.0))
            await spoken.until_turn_complete()
    # The server's shutdown exports what the batching processor still held.
    roots = [span for span in collector.spans if span.name == "openlive.turn"]
    assert len(roots) == 2 and len(replies) == 2
    assert collector.resources[0]["service.name"] == "openlive"
    by_session = {attributes(root)["openlive.session_id"]: root for root in roots}
    for record in replies:
        root = by_session[record.session_id]
        children = [span for span in collector.spans if span.parent_span_id == root.span_id]
        (reply,) = [span for span in children if span.name == "openlive.reply"]
        assert reply.trace_id == root.trace_id
        assert attributes(reply)["openlive.first_token_ms"] == pytest.approx(record.first_token_ms)
        assert attributes(reply)["openlive.response_tokens"] == record.response_tokens
        # The reply's span lasts as long as the record says the reply did, and ends the turn.
        assert (reply.end_time_unix_nano - reply.start_time_unix_nano) / 1e6 == pytest.approx(
            record.reply_ms, abs=0.01
        )
        assert reply.end_time_unix_nano == root.end_time_unix_nano
        assert record.reply_ms > 0 and record.reply_ms >= record.first_token_ms
        names = {span.name for span in children}
        if record.audio_s > 0:
            assert attributes(root)["openlive.modality"] == "audio"
            assert {"openlive.user_speech", "openlive.recognition"} <= names
            (speech_span,) = [span for span in children if span.name == "openlive.user_speech"]
            assert root.start_time_unix_nano == speech_span.start_time_unix_nano
            assert {event.name for event in reply.events} == {"first_token", "first_audio"}
        else:
            assert attributes(root)["openlive.modality"] == "text"
            assert names == {"openlive.reply"}
            assert root.start_time_unix_nano == reply.start_time_unix_nano


async def test_without_an_endpoint_no_tracer_is_made() -> None:
    from openlive.config import Settings
    from openlive.server.run import turn_tracer

    assert Settings().otlp_endpoint == ""
    assert turn_tracer(Settings()) is None
    tracer = turn_tracer(Settings(otlp_endpoint="http://127.0.0.1:4318"))
    assert tracer is not None
    tracer.shutdown()
