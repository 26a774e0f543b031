"""/metrics: records in, Prometheus text out."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from openlive.metrics import Recognition, SessionClosed, SpeechEnded, SpeechPaused, SpeechStarted
from openlive.server.prometheus import PrometheusMetrics

from .records import bus_heard_by, reply_timings


def samples(metrics: PrometheusMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_open_sessions_are_read_at_each_scrape() -> None:
    open_now = ["gemini-2.0-flash-live-001", "gemini-2.0-flash-live-001", None]
    metrics = PrometheusMetrics(lambda: list(open_now))
    found = samples(metrics)
    assert found[("openlive_open_sessions", (("model", "gemini-2.0-flash-live-001"),))] == 2
    assert found[("openlive_open_sessions", (("model", "(no setup yet)"),))] == 1
    open_now.clear()
    assert not [k for k in samples(metrics) if k[0] == "openlive_open_sessions"]


def test_records_feed_counters_and_histograms_through_the_bus() -> None:
    metrics = PrometheusMetrics(list)
    bus = bus_heard_by(metrics)
    # Speech from 1.0 s to 2.5 s (its pause noticed 64 ms later); the turn is
    # committed at 2.8 s, after 300 ms of silence.
    bus.emit(SpeechStarted("s1", 1.0))
    bus.emit(SpeechPaused("s1", 1.5))  # a pause it went on after
    bus.emit(SpeechPaused("s1", 2.564))
    bus.emit(SpeechEnded("s1", 2.8, 1.6))
    bus.emit(Recognition("s1", 1.5, 90.0, tentative=True))
    bus.emit(Recognition("s1", 1.5, 0.0, early=True))
    # The reply started 250 ms before the commit; its first audio went out 400 ms after its start.
    bus.emit(reply_timings("s1", first_audio_ms=400.0, audio_s=1.0, ahead_ms=250.0))
    bus.emit(reply_timings("s2"))
    bus.emit(SessionClosed("s1", 1011, "internal error"))
    bus.emit(SessionClosed("s2", 1007, "bad"))
    metrics.detach()
    bus.emit(SessionClosed("s3", 1007, "not heard"))
    found = samples(metrics)
    assert found[("openlive_turns_total", (("modality", "audio"),))] == 1
    assert found[("openlive_turns_total", (("modality", "text"),))] == 1
    assert found[("openlive_session_closes_total", (("code", "1011"),))] == 1
    assert found[("openlive_session_closes_total", (("code", "1007"),))] == 1
    assert found[("openlive_engine_errors_total", ())] == 1
    # 300 ms of silence to the commit, then 150 ms more: 0.45 s.
    assert found[("openlive_end_of_speech_to_first_audio_seconds_sum", ())] == pytest.approx(0.45)
    assert found[("openlive_end_of_speech_to_first_audio_seconds_bucket", (("le", "0.4"),))] == 0
    assert found[("openlive_end_of_speech_to_first_audio_seconds_bucket", (("le", "0.5"),))] == 1
    assert found[("openlive_first_token_seconds_count", ())] == 2
    assert found[("openlive_first_audio_seconds_count", ())] == 1
    assert found[("openlive_queue_wait_seconds_sum", ())] == pytest.approx(0.06)
    assert found[("openlive_recognition_seconds_count", (("kind", "pause"),))] == 1
    assert found[("openlive_recognition_seconds_count", (("kind", "turn"),))] == 1


def test_a_reply_without_speech_before_it_is_not_an_end_of_speech_figure() -> None:
    metrics = PrometheusMetrics(list)
    metrics.hear(reply_timings("s1", first_audio_ms=400.0, audio_s=1.0))
    assert samples(metrics)[("openlive_end_of_speech_to_first_audio_seconds_count", ())] == 0


def test_speech_that_ends_without_a_reported_pause_gives_no_end_of_speech_figure() -> None:
    metrics = PrometheusMetrics(list)
    metrics.hear(SpeechStarted("s1", 1.0))
    metrics.hear(SpeechEnded("s1", 2.8, 1.5))
    metrics.hear(reply_timings("s1", first_audio_ms=400.0, audio_s=1.0))
    assert samples(metrics)[("openlive_end_of_speech_to_first_audio_seconds_count", ())] == 0
