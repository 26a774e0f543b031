"""Start the server: build engines from settings, set up TLS, run uvicorn."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import socket
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from openlive.config import EngineSpec, Settings
from openlive.engines.audio_base import TTS, SpeechEngines, TurnDetector
from openlive.engines.base import LLM
from openlive.engines.profile import profile_of
from openlive.engines.registry import ModelTable
from openlive.engines.sentence_embedder import shared_embedder
from openlive.engines.stand_in import StandIn
from openlive.errors import ConfigError
from openlive.pipeline.proactivity import JudgeModel
from openlive.runtime.resumption import ResumptionConfig
from openlive.runtime.tools import ToolRuntime, tool_runtime
from openlive.server.app import AppState, create_app
from openlive.server.connection import ConnectionLimits
from openlive.server.console import ConsoleAccess
from openlive.server.guard import GuardLimits, head_deadline_protocol, tls_handshake_timeout
from openlive.server.tls import ensure_self_signed
from openlive.session import SessionLimits
from openlive.store import Store

if TYPE_CHECKING:
    from openlive.server.tracing import TurnTracer

log = logging.getLogger(__name__)

# The packaged model that judges backchannels during a tiny reply model's speech.
JUDGE_LLM = "qwen-0.5b"
# The packaged model that answers from tool results for a tiny reply model (the same
# file as the listener judge: its pages are shared), and its context: a tiny model's prompt keeps 3 turns.
TOOL_READER_LLM = JUDGE_LLM
TOOL_READER_CONTEXT = 4096
# The packaged model that writes a tiny reply model's programs for code execution when
# its extra (``qwen15``) is installed: on the bench's code tasks its programs print the
# right answer far more often than the tool reader's (README: Code execution).
CODE_WRITER_LLM = "qwen-1.5b"
# The packaged model whose state proactive audio's probe reads for a tiny reply model
# (the code writer's file: its pages are shared). Its probe decides better than the
# 0.5B model's on the same training cases (README: Native-audio dialog).
PROACTIVE_JUDGE_LLM = CODE_WRITER_LLM


def build_engine(spec: EngineSpec) -> LLM:
    """Load one engine as its spec says (weights load once per process)."""
    if spec.type == "openai":
        from openlive.engines.openai_compat import OpenAICompatEngine

        return OpenAICompatEngine(
            spec.base_url,
            spec.model,
            spec.api_key or None,
            context_size=spec.context_size,
            timeout=spec.timeout,
            max_connections=spec.max_connections,
            tier=spec.tier,
            tools=spec.tools,
            images=spec.images,
        )
    from openlive.engines.embedded import smollm2_path
    from openlive.engines.llama import LlamaCppEngine

    path = Path(spec.path).expanduser() if spec.path else smollm2_path()
    return LlamaCppEngine(path, n_ctx=spec.n_ctx, contexts=spec.contexts, tier=spec.tier, tools=spec.tools)


def build_models(settings: Settings, build: Callable[[EngineSpec], LLM] = build_engine) -> ModelTable:
    """Load every engine the model table uses, once each.

    A ``llama`` engine without a path serves a packaged model (the engine's ``llm``,
    else the server's), joined from its packages into the data directory if split.
    """
    from openlive.engines.packaged import packaged_llm_path

    engines: dict[str, LLM] = {}
    for engine_name in sorted(set(settings.models.values())):
        spec = settings.engines[engine_name]
        if spec.type == "llama" and not spec.path:
            packaged = packaged_llm_path(spec.llm or settings.llm, settings.resolved_data_dir())
            spec = dataclasses.replace(spec, path=str(packaged))
        engines[engine_name] = build(spec)
    table = {model: engines[engine] for model, engine in settings.models.items()}
    reader = tool_reader(settings) if settings.tool_reader else None
    writer = code_writer(settings) if settings.tool_reader and settings.code_writer else None
    return ModelTable(table, judge=proactive_judge(settings), tool_reader=reader, code_writer=writer)


def tool_reader(settings: Settings) -> StandIn[LLM]:
    """Qwen2.5-Coder-0.5B (``qwen`` extra) answering from tool results for tiny engines, loaded on first use.

    SmolLM2-135M given a function's result mostly repeats it ("The function
    get_weather returned: {...}") rather than answering; the 0.5B model, which
    proactive audio's judge already ships, answers from it.
    """
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    def build() -> LLM:
        path = packaged_llm_path(TOOL_READER_LLM, settings.resolved_data_dir())
        return LlamaCppEngine(path, n_ctx=TOOL_READER_CONTEXT, contexts=1)

    return StandIn(build, TOOL_READER_LLM, "answers from tool results")


def code_writer(settings: Settings) -> StandIn[LLM]:
    """Qwen2.5-Coder-1.5B (``qwen15`` extra) choosing tiny engines' tools and writing their programs.

    Without its extra, the word planner chooses and the tool reader writes (and the
    log says so once).
    """
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    def build() -> LLM:
        path = packaged_llm_path(CODE_WRITER_LLM, settings.resolved_data_dir())
        return LlamaCppEngine(path, n_ctx=TOOL_READER_CONTEXT, contexts=1)

    job = "chooses tools and writes code"
    return StandIn(build, CODE_WRITER_LLM, job, fallback="instead, the word planner with the tool reader")


def load_stand_ins(models: ModelTable) -> None:
    """Load the models that stand in for tiny engines, if any (blocking: before serving).

    They do their jobs only once loaded (:meth:`StandIn.loaded_for`): a server that
    did not load them first would answer image turns and tool results with the tiny
    model, and write its code with it, until a tool turn loaded them.
    """
    for stand_in in models.stand_ins():
        for engine in models.engines():
            stand_in.for_engine(engine)


def proactive_judge(settings: Settings) -> JudgeModel:
    """Qwen2.5-Coder-1.5B (``qwen15`` extra) judging proactive audio for tiny engines, loaded on first use.

    Its state after the question is read by the shipped probe (:mod:`openlive.pipeline.address_model`).
    """
    from openlive.engines.llama_scorer import LlamaScorer
    from openlive.engines.packaged import packaged_llm_path
    from openlive.pipeline.address_model import AddressModel
    from openlive.pipeline.proactivity import SCORER_LEANS, JudgeModel

    def build() -> LlamaScorer:
        path = packaged_llm_path(PROACTIVE_JUDGE_LLM, settings.resolved_data_dir())
        return LlamaScorer(path, lean=SCORER_LEANS[PROACTIVE_JUDGE_LLM], states=True, urgent=True)

    return JudgeModel(build, PROACTIVE_JUDGE_LLM, classifier=AddressModel.packaged)


def _listener_judge(settings: Settings) -> Callable[[str], float] | None:
    """Qwen2.5-Coder-0.5B judging backchannels the word list lacks; loaded by :func:`load_voice_judges`.

    Its state is read by the shipped probe (:class:`~openlive.pipeline.listener_judge.ListenerModel`).
    Until it is in, or if its package is missing, the word list alone decides.
    """
    from openlive.pipeline.listener_judge import packaged_judge

    return packaged_judge(settings.resolved_data_dir(), JUDGE_LLM)


def load_voice_judges(speech: SpeechEngines | None) -> None:
    """Load the voice path's language models now: the barge-in's listener judge, the reader of a turn's words.

    Blocking: call it before serving.

    Not in the background: llama.cpp points stdout and stderr at /dev/null while it
    loads a model, and what any other thread printed or logged meanwhile (the
    server's banner, say) would be lost.
    """
    from openlive.pipeline.listener_judge import ListenerJudge
    from openlive.pipeline.text_turn import TextTurnEnd

    if speech is not None and isinstance(speech.listener, ListenerJudge):
        speech.listener.load()
    if speech is not None and isinstance(speech.text_turn, TextTurnEnd):
        speech.text_turn.load()


def build_speech(settings: Settings) -> SpeechEngines | None:
    """Load the voice path's engines once, or ``None`` when voice is off."""
    if not settings.voice:
        return None
    from openlive.engines.piper_tts import PiperTts
    from openlive.engines.silero import SileroVad
    from openlive.engines.speech import RoutingTts
    from openlive.engines.voice_cast import packaged_cast
    from openlive.engines.whisper import DEFAULT_BEAM_SIZE, DEFAULT_MIN_WINDOW_S, WhisperAsr
    from openlive.engines.whisper_models import whisper_model_dir

    asr_dir = whisper_model_dir(settings.asr_model, settings.resolved_data_dir())
    # A Piper voice of one's own speaks every name; the embedded cast gives the women's
    # names a woman's voice and the men's a man's.
    own = Path(settings.tts_voice).expanduser() if settings.tts_voice else None
    engines: list[TTS] = [PiperTts(own) if own else packaged_cast()]
    if settings.espeak:
        from openlive.engines.espeak_tts import EspeakTts

        if EspeakTts.available():
            engines.append(EspeakTts())
        else:
            log.warning("espeak-ng is not installed: only English can be spoken (apt-get install espeak-ng)")
    turn = _turn_model(settings)
    return SpeechEngines(
        listener=_listener_judge(settings),
        vad=SileroVad(),
        asr=WhisperAsr(
            asr_dir,
            num_workers=2,
            min_window_s=settings.asr_window_s or DEFAULT_MIN_WINDOW_S,
            beam_size=settings.asr_beam or DEFAULT_BEAM_SIZE,
        ),
        tts=RoutingTts(engines),
        turn=turn,
        text_turn=_text_turn() if turn is not None else None,
    )


def _text_turn() -> Callable[[str], float | None] | None:
    """SmolLM2-135M reading whether a pause's words end the turn; ``None``: not installed.

    SmolLM2 whatever the reply model: the bounds of
    :class:`~openlive.pipeline.turn_end.TurnPolicy` were set on it.
    """
    from openlive.engines.embedded import smollm2_path
    from openlive.pipeline.text_turn import TextTurnEnd

    try:
        return TextTurnEnd(smollm2_path())
    except ConfigError as error:
        log.warning("the words' end of turn is not read: %s", error)
        return None


def _turn_model(settings: Settings) -> TurnDetector | None:
    """The end-of-turn model, or ``None`` (silence alone ends turns) when off or not installed."""
    if not settings.turn_model:
        return None
    from openlive.engines.smart_turn import SmartTurn

    try:
        model = SmartTurn()
    except ConfigError as error:
        log.warning("turns end on silence alone: %s", error)
        return None
    log.info("turns end when the smart-turn v3.2 model and the words say so (%s)", model.path.name)
    return model


def warm_up(models: ModelTable, speech: SpeechEngines | None) -> None:
    """Run each engine once before serving, so the first session is not the slow one.

    The first call of an engine allocates its buffers and pages its weights in; a
    user should not wait for that.
    """
    import threading
    import time

    import numpy as np

    from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams

    started = time.perf_counter()
    prompt = [ChatMessage(role="user", content="Hi")]
    for engine in models.engines():
        # One generation per pooled context, at once, so that each gets warmed.
        contexts = getattr(engine, "contexts", 1)
        workers = [
            threading.Thread(
                target=lambda e=engine: list(
                    e.generate(prompt, SamplingParams(max_tokens=2), GenerationStats(), threading.Event())
                )
            )
            for _ in range(contexts)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if speech is not None:
        tone = (0.2 * np.sin(np.arange(16_000, dtype=np.float32) * (2 * np.pi * 220 / 16_000))).astype(
            np.float32
        )
        speech.asr.transcribe(tone, "en")
        speech.vad.stream().speech_probabilities(tone[:512])
        if speech.turn is not None:
            speech.turn.probability(tone)
        voice = speech.tts.voices[0]
        language = "en-US" if "en-US" in speech.tts.languages else speech.tts.languages[0]
        for _ in speech.tts.synthesize("Hello.", voice, language, threading.Event()):
            pass
    log.info("engines warmed up in %.1f s", time.perf_counter() - started)


@dataclass
class TlsFiles:
    """The certificate and key the server presents."""

    cert: Path
    key: Path
    self_signed: bool


def tls_files(settings: Settings) -> TlsFiles | None:
    """The TLS files to serve with, making a self-signed pair on first start."""
    if not settings.tls:
        return None
    if settings.cert_file:
        return TlsFiles(Path(settings.cert_file), Path(settings.key_file), self_signed=False)
    cert, key = ensure_self_signed(settings.resolved_data_dir() / "tls")
    return TlsFiles(cert, key, self_signed=True)


class _Server(uvicorn.Server):
    """uvicorn, but open sessions get a goAway and a close before connections drop."""

    def __init__(
        self,
        config: uvicorn.Config,
        state: AppState,
        grace_s: float,
        handshake_s: float,
        tracer: TurnTracer | None = None,
    ) -> None:
        super().__init__(config)
        self._state = state
        self._tracer = tracer
        self._grace_s = grace_s
        self._handshake_s = handshake_s
        # Called once the server accepts connections (the "serving" banner).
        self.on_started: Callable[[], None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        with tls_handshake_timeout(asyncio.get_running_loop(), self._handshake_s):
            await super().startup(sockets)
        if self.started:
            self._state.prometheus.attach()
            if self._tracer is not None:
                self._tracer.attach()
        if self.started and self.on_started is not None:
            self.on_started()

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # uvicorn re-raises the signal after shutting down; our shutdown is the
        # graceful one, so exit with 0 instead of dying of the signal.
        self._captured_signals.clear()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        await self._state.drain(self._grace_s)
        await super().shutdown(sockets)
        self._state.prometheus.detach()
        if self._tracer is not None:
            # The last traces go out (the exporter blocks up to its timeout): off the loop.
            await asyncio.to_thread(self._tracer.shutdown)


def open_settings_store(settings: Settings) -> Store:
    """The store the settings name (SQLite in the data directory by default)."""
    from openlive.store import open_store

    return open_store(settings.store or str(settings.resolved_data_dir() / "sessions.db"))


def make_server(
    settings: Settings,
    models: ModelTable,
    tls: TlsFiles | None,
    speech: SpeechEngines | None = None,
    store: Store | None = None,
    tools: ToolRuntime | None = None,
    tracer: TurnTracer | None = None,
) -> tuple[uvicorn.Server, AppState]:
    """A uvicorn server for ``settings``, not yet started (traces per turn if it names a collector)."""
    if tracer is None:
        tracer = turn_tracer(settings)
    state = AppState(
        tools=tools or tool_runtime(settings),
        models=models,
        speech=speech,
        resumption=ResumptionConfig(store, settings.handle_ttl_s) if store is not None else None,
        api_keys=settings.api_keys,
        allowed_origins=settings.allowed_origins,
        max_sessions=settings.max_sessions,
        guard_limits=GuardLimits(
            handshake_timeout_s=settings.handshake_timeout_s,
            setup_timeout_s=settings.setup_timeout_s,
            idle_timeout_s=settings.idle_timeout_s or None,
            go_away_notice_s=settings.go_away_notice_s,
            max_connections_per_address=settings.max_connections_per_address,
        ),
        session_limits=SessionLimits(
            max_history_chars=settings.max_history_chars,
            max_output_tokens=settings.max_output_tokens,
        ),
        connection_limits=ConnectionLimits(
            max_message_bytes=settings.max_message_bytes,
            session_limit_s=settings.session_limit_s or None,
            video_session_limit_s=settings.video_session_limit_s or None,
            max_video_fps=settings.max_video_fps,
            connection_limit_s=settings.connection_limit_s or None,
            go_away_notice_s=settings.go_away_notice_s,
            audio_lead_s=settings.audio_lead_s or None,
        ),
        executor=ThreadPoolExecutor(max_workers=max(4, settings.max_sessions), thread_name_prefix="engine"),
        console=ConsoleAccess(settings.console_password) if settings.console else None,
    )
    config = uvicorn.Config(
        create_app(state),
        http=head_deadline_protocol(AutoHTTPProtocol, settings.handshake_timeout_s),
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(tls.cert) if tls else None,
        ssl_keyfile=str(tls.key) if tls else None,
        # Our own size check gives a clearer reason; uvicorn's is the backstop.
        ws_max_size=settings.max_message_bytes + 64 * 1024,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=int(settings.shutdown_grace_s) + 5,
    )
    return _Server(config, state, settings.shutdown_grace_s, settings.handshake_timeout_s, tracer), state


def turn_tracer(settings: Settings) -> TurnTracer | None:
    """Traces per turn to the settings' OTLP collector; ``None`` when none is set (the default).

    Raises:
        ConfigError: A collector is set but the OpenTelemetry SDK is not installed.
    """
    if not settings.otlp_endpoint:
        return None
    try:
        from openlive.server.tracing import TurnTracer, otlp_provider
    except ImportError as error:
        raise ConfigError(
            f"otlp_endpoint needs the OpenTelemetry SDK ({error}); install it from openlive's "
            "source tree: pip install -e '.[otel]'"
        ) from None
    return TurnTracer(otlp_provider(settings.otlp_endpoint))


def bind_listener(host: str, port: int) -> socket.socket:
    """The listening socket, bound before the models load, so a taken port fails at once.

    Raises:
        ConfigError: The address is in use or may not be bound, with what to do.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use (another openlive?); "
                "stop that server or choose another port with --port"
            ) from None
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def serve(settings: Settings) -> None:
    """Run the server in the foreground until interrupted."""
    settings.check()
    tracer = turn_tracer(settings)  # a missing SDK is said before the models load
    listener = bind_listener(settings.host, settings.port)
    tls = tls_files(settings)
    models = build_models(settings)
    speech = build_speech(settings)
    store = open_settings_store(settings)
    warm_up(models, speech)
    if models.judge is not None:
        # Proactive audio's judge model loads now, before serving: llama.cpp points
        # stderr at /dev/null while it loads one (verbose=False), and whatever any
        # thread printed or logged meanwhile would be lost. Its first judgment runs
        # in the background once the server is up.
        for engine in models.engines():
            models.judge.classifier_for(models.judge.for_reply(engine))  # and its classifier
    load_stand_ins(models)  # now, for the same reason
    load_voice_judges(speech)  # and this one
    if not all(profile_of(engine).native_tools for engine in models.engines()):
        shared_embedder()  # the word planner's, loaded now rather than at the first tool turn
    server, _ = make_server(settings, models, tls, speech, store, tracer=tracer)
    scheme = "https" if tls else "http"
    host = "localhost" if settings.loopback else settings.host
    base_url = f"{scheme}://{host}:{settings.port}"
    banner = [f"openlive serving {', '.join(models.names)}", f"  base URL: {base_url}"]
    if settings.console:
        where = "here; elsewhere with the console password" if settings.console_password else "this machine"
        banner.append(f"  console: {base_url}/ (in a browser on {where})")
    if tls and tls.self_signed:
        banner += [
            f"  TLS certificate (self-signed): {tls.cert}",
            f"  Python clients: export SSL_CERT_FILE={tls.cert}",
            f"  Node clients:   export NODE_EXTRA_CA_CERTS={tls.cert}",
        ]
    if speech is not None:
        banner.append(f"  hears: {', '.join(speech.asr.languages)}")
        banner.append(f"  speaks: {', '.join(speech.tts.languages)}")
        banner.append(f"  voices: {', '.join(speech.tts.voices)}")
    else:
        banner.append("  voice off: text sessions only")
    banner.append(f"  sessions kept in: {settings.store or settings.resolved_data_dir() / 'sessions.db'}")
    if settings.searxng_url:
        banner.append(f"  search (googleSearch): SearXNG at {settings.searxng_url}")
    else:
        index = settings.search_index_path()
        banner.append(f"  search (googleSearch): {index} (fill it: openlive index add DIR)")
    if not settings.api_keys:
        banner.append("  no API keys configured: any key is accepted (loopback only)")
    assert isinstance(server, _Server)

    preloading: list[threading.Thread] = []

    def started() -> None:
        print("\n".join(banner), file=sys.stderr, flush=True)
        if models.judge is not None:
            thread = models.judge.preload(models.engines())  # the first judgment, in the background
            if thread is not None:
                preloading.append(thread)

    server.on_started = started
    asyncio.run(server.serve(sockets=[listener]))
    for thread in preloading:
        # A model freed at exit while a thread is inside llama.cpp crashes the process
        # (SIGSEGV when stopped during the first judgment): one judgment to wait for.
        thread.join()
