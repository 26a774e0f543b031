"""``GET /metrics`` in the Prometheus text format, fed by the typed records on the metrics bus.

Histograms are in seconds, as Prometheus names them. What each measures:

- ``openlive_end_of_speech_to_first_audio_seconds``: from the user's last voiced
  sample (a pause is reported 64 ms after it) to the reply's first audio sent, as
  the server sees it: the silence that commits the turn, plus whatever of the reply
  was not ready when it was committed.
  ``openlive bench``'s "end of speech -> first reply audio" measures the same at the
  client, so it differs only by the loopback hop.
- ``openlive_first_token_seconds``: from a reply's start to its first token.
- ``openlive_first_audio_seconds``: from a reply's start to its first audio sent.
- ``openlive_recognition_seconds``: speech recognition time, by ``kind``
  (``pause``: tentative, during a pause; ``turn``: a committed turn's wait).
- ``openlive_queue_wait_seconds``: how long a reply waited for its engine.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from openlive.metrics import (
    BusListener,
    Recognition,
    Record,
    ReplyTimings,
    SessionClosed,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
)
from openlive.pipeline.endpointer import DEFAULT_PAUSE_MS

# Latency buckets (seconds) around the targets: first audio within 0.5-0.8 s.
LATENCY_BUCKETS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
# Sessions whose speech is remembered for the end-of-speech figure; the oldest go first.
MAX_TRACKED_SESSIONS = 4096
CONTENT_TYPE = CONTENT_TYPE_LATEST
# How long after the last voiced sample the voice input reports a pause.
PAUSE_S = DEFAULT_PAUSE_MS / 1000


class _OpenSessions(Collector):
    """``openlive_open_sessions{model}``, read from the live connections when scraped."""

    def __init__(self, models_of_open_sessions: Callable[[], Iterable[str | None]]) -> None:
        self._models = models_of_open_sessions

    def collect(self) -> Iterator[Metric]:
        counts: dict[str, int] = {}
        for model in self._models():
            label = model or "(no setup yet)"
            counts[label] = counts.get(label, 0) + 1
        family = GaugeMetricFamily("openlive_open_sessions", "Open sessions, by model", labels=["model"])
        for model, count in sorted(counts.items()):
            family.add_metric([model], count)
        yield family


class PrometheusMetrics(BusListener):
    """The server's Prometheus metrics: counters and histograms fed by records, gauges read on scrape.

    Args:
        models_of_open_sessions: The model label of each open session (the config
            entry that serves it, so labels stay bounded), read at each scrape.
    """

    def __init__(self, models_of_open_sessions: Callable[[], Iterable[str | None]]) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.closes = Counter(
            "openlive_session_closes",
            "Sessions the server closed, by close code",
            ["code"],
            registry=registry,
        )
        self.engine_errors = Counter(
            "openlive_engine_errors",
            "Sessions closed by an internal (engine) failure, 1011",
            registry=registry,
        )
        self.turns = Counter(
            "openlive_turns", "Replies that ran to their end", ["modality"], registry=registry
        )
        self.end_of_speech = Histogram(
            "openlive_end_of_speech_to_first_audio_seconds",
            "From the user's last voiced sample to the reply's first audio sent",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.first_token = Histogram(
            "openlive_first_token_seconds",
            "From a reply's start to its first token",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.first_audio = Histogram(
            "openlive_first_audio_seconds",
            "From a reply's start to its first audio sent",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.recognition = Histogram(
            "openlive_recognition_seconds",
            "Speech recognition time, by kind (pause: during a pause; turn: a committed turn's wait)",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.queue_wait = Histogram(
            "openlive_queue_wait_seconds",
            "How long a reply waited for its engine",
            buckets=(0.0, *LATENCY_BUCKETS),
            registry=registry,
        )
        registry.register(_OpenSessions(models_of_open_sessions))
        # Per session: the audio position of the last pause in its speech and, once
        # the turn is committed, how long the silence after the last voiced sample lasted.
        self._speech: OrderedDict[str, tuple[float | None, float | None]] = OrderedDict()
        self._lock = threading.Lock()

    def hear(self, record: Record) -> None:
        """Count or observe one record (called as it is emitted; quick, never blocks long)."""
        match record:
            case SessionClosed():
                self.closes.labels(code=str(record.code)).inc()
                if record.code == 1011:
                    self.engine_errors.inc()
                with self._lock:
                    self._speech.pop(record.session_id, None)
            case SpeechStarted():
                self._remember(record.session_id, None, None)
            case SpeechPaused():
                self._remember(record.session_id, record.at_s, None)
            case SpeechEnded():
                with self._lock:
                    paused_at_s = self._speech.get(record.session_id, (None, None))[0]
                if paused_at_s is not None:
                    # A pause is noticed PAUSE_S after the last voiced sample.
                    last_voiced_s = paused_at_s - PAUSE_S
                    self._remember(record.session_id, paused_at_s, max(0.0, record.at_s - last_voiced_s))
            case Recognition():
                kind = "pause" if record.tentative else "turn"
                self.recognition.labels(kind=kind).observe(record.asr_ms / 1000)
            case ReplyTimings():
                self._reply(record)
            case _:
                pass

    def _reply(self, record: ReplyTimings) -> None:
        spoken = record.audio_s > 0
        self.turns.labels(modality="audio" if spoken else "text").inc()
        self.first_token.observe(record.first_token_ms / 1000)
        self.queue_wait.observe(record.queue_wait_ms / 1000)
        if not spoken:
            return
        self.first_audio.observe(record.first_audio_ms / 1000)
        with self._lock:
            speech = self._speech.pop(record.session_id, None)
        if speech is not None and speech[1] is not None:
            # The reply was held until the commit (ahead_ms after its start): what the
            # user waited is the silence up to the commit, then the rest of the wait.
            after_commit_s = max(0.0, (record.first_audio_ms - record.ahead_ms) / 1000)
            self.end_of_speech.observe(speech[1] + after_commit_s)

    def _remember(self, session_id: str, paused_at_s: float | None, silence_s: float | None) -> None:
        with self._lock:
            self._speech[session_id] = (paused_at_s, silence_s)
            self._speech.move_to_end(session_id)
            while len(self._speech) > MAX_TRACKED_SESSIONS:
                self._speech.popitem(last=False)

    def exposition(self) -> bytes:
        """Everything, in the Prometheus text format."""
        return generate_latest(self.registry)
