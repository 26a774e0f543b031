"""The server under test: embedded in this process, or a running one at a URL.

The embedded server is built exactly as ``openlive serve`` builds it
(``build_models``, ``build_speech``, ``make_server``), on a free loopback port
without TLS, and runs its own event loop in a thread so that the benchmark's
clients are timed on another loop, as they would be in another process. Its
timing records (:mod:`openlive.metrics`) are heard in-process (:class:`ServerLog`)
for the server-side timings, and its memory is this process's resident set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openlive.bench.client import Endpoint, live_url, now
from openlive.config import Settings, load_settings
from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import LLM, ImageDescriber
from openlive.engines.registry import ModelTable
from openlive.metrics import (
    METRICS,
    BusListener,
    MetricsBus,
    Recognition,
    Record,
    ReplyTimings,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
)
from openlive.server.app import AppState


def event_kind(record: Record) -> str | None:
    """The name the benchmark knows a server record by, or ``None`` for records it does not use."""
    match record:
        case SpeechStarted():
            return "speech_started"
        case SpeechPaused():
            return "speech_paused"
        case SpeechEnded():
            return "speech_ended"
        case Recognition():
            # Recognition during a pause, before the turn is committed, or of the turn.
            return "early_asr" if record.tentative else "heard"
        case ReplyTimings():
            return "reply_done"
        case _:
            return None


def record_values(record: Record) -> dict[str, float]:
    """The numbers a record holds, by field name (flags and names left out)."""
    values = {}
    for item in dataclasses.fields(record):
        value = getattr(record, item.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values[item.name] = float(value)
    return values


@dataclass(frozen=True)
class ServerEvent:
    """One timing record the server emitted.

    Attributes:
        kind: ``speech_started``, ``speech_paused``, ``early_asr`` (recognition
            during a pause), ``speech_ended``, ``heard`` or ``reply_done``.
        at: When it was emitted, on the benchmark's clock (:func:`~openlive.bench.client.now`).
        session_id: The server's session id (``setupComplete.sessionId``).
        values: The numbers in the record.
        record: The record itself.
    """

    kind: str
    at: float
    session_id: str
    values: dict[str, float]
    record: Record | None = None


class ServerLog(BusListener):
    """Captures the embedded server's timing records (:mod:`openlive.metrics`) as they are emitted.

    Args:
        bus: The bus to hear; the process's own by default.
    """

    def __init__(self, bus: MetricsBus = METRICS) -> None:
        self._bus = bus
        self._events: list[ServerEvent] = []
        self._guard = threading.Lock()

    def hear(self, record: Record) -> None:
        """Keep ``record`` if the benchmark uses its kind (called as the server emits it)."""
        at = now()
        kind = event_kind(record)
        if kind is None:
            return
        with self._guard:
            self._events.append(ServerEvent(kind, at, record.session_id, record_values(record), record))

    def events(
        self, session_id: str, kind: str, after: float = float("-inf"), before: float = float("inf")
    ) -> list[ServerEvent]:
        """The session's events of ``kind`` emitted in ``(after, before]``, oldest first."""
        with self._guard:
            return [
                e
                for e in self._events
                if e.session_id == session_id and e.kind == kind and after < e.at <= before
            ]

    def attach(self, bus: MetricsBus | None = None) -> None:
        """Start hearing the server's records (on the bus given when it was made)."""
        super().attach(bus or self._bus)


def rss_bytes(pid: int | str = "self") -> int | None:
    """Resident set size of a process (``VmRSS`` in ``/proc/PID/status``), or ``None``."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        name, _, value = line.partition(":")
        fields = value.split()
        if name == "VmRSS" and len(fields) == 2 and fields[0].isdigit() and fields[1] == "kB":
            return int(fields[0]) * 1024
    return None


@dataclass
class Target:
    """A server to benchmark, and what the benchmark may know about it.

    Attributes:
        endpoint: Where to connect.
        description: One line for the report.
        log: The server's timing records, when it runs in this process.
        pid: The server's process id, for its memory; ``None`` if unknown.
        models: The server's own engines when embedded (else loaded on demand).
        speech: The server's own speech engines when embedded (else loaded on demand).
        settings: The settings the engines are built from when they are loaded here.
        warmed_up: Whether the server has had its warm-up exchange.
        engines_warmed_up: Whether the engines called in this process have run once.
        open_sessions: How many sessions the server holds open (embedded only).
        app_state: The embedded server's state (its engines and connection limits),
            for scenarios that compare settings side by side; ``None`` when remote.
    """

    endpoint: Endpoint
    description: str
    log: ServerLog | None = None
    pid: int | str | None = None
    models: ModelTable | None = None
    speech: SpeechEngines | None = None
    settings: Settings = field(default_factory=Settings)
    warmed_up: bool = False
    engines_warmed_up: bool = False
    open_sessions: Callable[[], int] | None = None
    app_state: Any = None

    @property
    def embedded(self) -> bool:
        """Whether the server runs in this process."""
        return self.log is not None

    def rss(self) -> int | None:
        """The server's resident memory in bytes, if it can be read."""
        return rss_bytes(self.pid) if self.pid is not None else None

    def llm(self, model: str) -> LLM:
        """The language model to call directly in this process.

        Embedded: the very object the server uses. Remote: the embedded default
        model, loaded here once (the same engine only if the server runs it too).
        """
        from openlive.server.run import build_models

        if self.models is None:
            self.models = build_models(self.settings)
        return self.models.engine(self.models.resolve(model))

    def describer(self) -> ImageDescriber:
        """The image describer: the embedded server's own, or the embedded default loaded here."""
        if self.models is not None:
            return self.models.describer()
        from openlive.engines.describers import default_describer

        return default_describer()

    def speech_engines(self) -> SpeechEngines:
        """The speech engines to call directly in this process (as :meth:`llm`)."""
        from openlive.server.run import build_speech

        if self.speech is None:
            self.speech = build_speech(dataclasses.replace(self.settings, voice=True))
        assert self.speech is not None
        return self.speech


class EmbeddedServer:
    """An openlive server on the embedded default models, in this process, on loopback.

    Built as ``openlive serve`` builds it: ``build_models``, ``build_speech``,
    ``warm_up``, ``make_server`` (without a session store: the benchmark resumes nothing).

    Args:
        settings: Base settings (default: the environment's, as ``openlive serve``
            reads them without a config file); host, port and TLS are overridden.
        api_key: The key clients send (any key is accepted on loopback).
        model: The model name clients ask for.
    """

    def __init__(self, settings: Settings | None = None, api_key: str = "bench", model: str = "") -> None:
        base = settings or load_settings(None)
        self.settings = dataclasses.replace(base, host="127.0.0.1", port=1, tls=False, voice=True)
        self._api_key = api_key
        self._model = model
        self._thread: threading.Thread | None = None
        self._server: Any = None
        self._state: AppState | None = None
        self.target: Target | None = None

    def start(self, timeout_s: float = 120.0) -> Target:
        """Load the models, start serving, and return the target.

        Raises:
            RuntimeError: The server did not start.
        """
        from openlive.engines.registry import DOCUMENTED_MODELS
        from openlive.server.run import (
            build_models,
            build_speech,
            load_stand_ins,
            load_voice_judges,
            make_server,
            warm_up,
        )

        models = build_models(self.settings)
        speech = build_speech(self.settings)
        warm_up(models, speech)
        load_stand_ins(models)
        load_voice_judges(speech)
        server, state = make_server(self.settings, models, None, speech, None)
        server.config.port = 0
        self._server = server
        self._state = state
        log = ServerLog()
        log.attach()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            try:
                # asyncio.run also finishes the tasks uvicorn cancels at shutdown.
                asyncio.run(self._serve(started))
            except BaseException as exc:  # noqa: BLE001 - reported to the caller
                failure.append(exc)
            finally:
                started.set()

        self._thread = threading.Thread(target=serve, name="bench-server", daemon=True)
        self._thread.start()
        if not started.wait(timeout_s) or failure or not server.started:
            log.detach()
            raise RuntimeError(f"the embedded server did not start: {failure[0] if failure else 'timeout'}")
        port = server.servers[0].sockets[0].getsockname()[1]
        model = self._model or DOCUMENTED_MODELS[0]
        self.target = Target(
            endpoint=Endpoint(live_url(f"ws://127.0.0.1:{port}"), self._api_key, model),
            description=f"embedded server on ws://127.0.0.1:{port} (default models, no TLS)",
            log=log,
            pid="self",
            models=models,
            speech=speech,
            settings=self.settings,
            open_sessions=lambda: len(state.connections),
            app_state=state,
        )
        return self.target

    async def _serve(self, started: threading.Event) -> None:
        server = self._server
        task = asyncio.ensure_future(server.serve())
        while not server.started and not task.done():
            await asyncio.sleep(0.01)
        started.set()
        await task

    def stop(self) -> None:
        """Stop the server and its thread; detach the log capture."""
        if self._server is not None:
            # No client is left to say goodbye to: skip uvicorn's graceful wait (the
            # benchmark reports sessions the server failed to end as a leak instead).
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            # Sessions that never ended are cancelled at exit; uvicorn would print a
            # traceback for each, and the benchmark has reported them already.
            errors = logging.getLogger("uvicorn.error")
            disabled, errors.disabled = errors.disabled, True
            try:
                self._thread.join(timeout=30)
            finally:
                errors.disabled = disabled
        if self.target is not None and self.target.log is not None:
            self.target.log.detach()
        if self._state is not None and isinstance(self._state.executor, ThreadPoolExecutor):
            self._state.executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> Target:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def remote_target(url: str, api_key: str, model: str, pid: int | None = None) -> Target:
    """A server already running at ``url`` (``ws://``/``wss://``; ``SSL_CERT_FILE`` is honoured).

    Args:
        url: Base or Live endpoint URL.
        api_key: Sent as ``x-goog-api-key``.
        model: The model name to ask for.
        pid: The server's process id on this machine, to read its memory.
    """
    endpoint = Endpoint(live_url(url), api_key, model)
    return Target(endpoint=endpoint, description=f"server at {endpoint.url}", pid=pid)
