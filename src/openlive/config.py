"""Server settings: defaults, then a TOML config file, then environment, then flags.

Every scalar setting ``name`` can be set in the config file as ``name = ...`` and
in the environment as ``OPENLIVE_NAME``. Engines and the model table live in the
config file only::

    api_keys = ["a-long-random-key"]

    [engines.big]
    type = "llama"            # llama.cpp, any GGUF file
    path = "/models/qwen2.5-7b-instruct-q4_k_m.gguf"
    contexts = 2

    [models]                  # model name clients ask for -> engine
    "gemini-2.0-flash-live-001" = "big"
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openlive.engines.registry import DEFAULT_MODELS
from openlive.errors import ConfigError

ENV_PREFIX = "OPENLIVE_"
EMBEDDED_ENGINE = "embedded"
DEFAULT_PORT = 8443


@dataclass
class EngineSpec:
    """How to build one LLM engine.

    Attributes:
        type: ``llama`` (llama.cpp, a GGUF file) or ``openai`` (any OpenAI-compatible
            ``/v1/chat/completions`` endpoint: vLLM, llama.cpp's server, Ollama).
        path: ``llama``: the model file; empty means the embedded default model.
        contexts: ``llama``: generations the engine runs at once.
        n_ctx: ``llama``: context window in tokens; 0 takes the model's own.
        base_url: ``openai``: the API root, e.g. ``http://127.0.0.1:8000/v1``.
        model: ``openai``: the model name the endpoint serves.
        api_key: ``openai``: sent as a bearer token, if set.
        context_size: ``openai``: the endpoint's context window in tokens.
        timeout: ``openai``: seconds to wait for the endpoint.
        max_connections: ``openai``: generations in flight at once.
        llm: ``llama`` without a path: the packaged model (``smollm2``, ``qwen-0.5b``,
            ``qwen-1.5b``); empty means the server's ``llm`` setting.
        tier: ``auto``, ``tiny`` (short replies and history) or ``capable``.
        tools: ``auto``, ``native`` (the model calls the declared functions itself)
            or ``planner`` (the word-list planner for models that cannot).
        images: ``openai``: the endpoint's model reads images (a vision model:
            llama.cpp's server with ``--mmproj``, vLLM, Ollama), so images go to it
            as ``image_url`` data URIs; otherwise the image describer's text does.
    """

    type: str = "llama"
    path: str = ""
    contexts: int = 2
    n_ctx: int = 0
    base_url: str = ""
    model: str = ""
    api_key: str = ""
    context_size: int = 0
    timeout: float = 60.0
    max_connections: int = 4
    llm: str = ""
    tier: str = "auto"
    tools: str = "auto"
    images: bool = False


def _default_engines() -> dict[str, EngineSpec]:
    return {EMBEDDED_ENGINE: EngineSpec()}


def _default_models() -> dict[str, str]:
    return {name: EMBEDDED_ENGINE for name in DEFAULT_MODELS}


@dataclass
class Settings:
    """Everything ``openlive serve`` can be told.

    Attributes:
        host: Address to bind.
        port: Port to bind.
        tls: Serve ``wss://``/``https://`` (the Python SDK always uses ``wss://``).
        cert_file: PEM certificate to serve; empty means a self-signed one for
            localhost, made on first start and kept in ``data_dir``.
        key_file: PEM private key for ``cert_file``.
        data_dir: Where openlive keeps its files; empty means the user data directory.
        api_keys: Keys clients must present; none means any key, on loopback only.
        max_sessions: Sessions served at once; more are closed with 1013.
        max_connections_per_address: WebSocket connections one client address may
            hold at once; more are closed with 1013. 0 for no cap.
        handshake_timeout_s: A TCP connection must send its HTTP request (the
            WebSocket upgrade) within this long, or it is dropped (over TLS, the TLS
            handshake gets this long too).
        setup_timeout_s: After the upgrade, ``setup`` must arrive within this long;
            otherwise close 1008.
        idle_timeout_s: A session where neither side has sent anything for this long
            gets a goAway, then a close with 1001; 0 for never.
        allowed_origins: Web page origins (``https://app.example``, or ``*``) that may
            use the server from a browser. Empty: with no API keys, localhost pages
            only; with keys, any page (the key or token is the check).
        max_message_bytes: Largest client message; larger ones close with 1009.
        max_history_chars: Text a session's history may hold.
        max_output_tokens: A reply's length cap when the client names none.
        shutdown_grace_s: ``timeLeft`` announced in ``goAway`` on shutdown.
        llm: The packaged model the embedded engine serves: ``smollm2`` (fast, weak),
            ``qwen-0.5b`` (``openlive[qwen]``) or ``qwen-1.5b`` (``openlive[qwen15]``).
        voice: Load the speech engines (VAD, ASR, TTS); off serves text only.
        asr_model: A packaged Whisper model (``tiny.en``, ``base``) or a faster-whisper
            model directory; empty means the default (``engines.whisper_models``).
        asr_window_s: Shortest window the recogniser's encoder sees, in seconds; 0 means
            the default, 8 (12 with ``asr_beam`` 4 hears better and takes about 1.3 times as long).
        asr_beam: The recogniser's beam width; 0 means the default, 2 (1: greedy, fastest).
        tts_voice: A Piper voice (``.onnx``, its ``.onnx.json`` beside it); empty means
            the embedded en_US-joe-medium.
        espeak: Speak languages the Piper voice cannot with espeak-ng, if installed.
        turn_model: Decide the end of a turn with the smart-turn model (from
            ``pipecat-ai``), not silence alone, unless the client sets a silence.
        tool_reader: A tiny model's replies to tool results, its thinking turns
            (program and answer), the code it runs for ``codeExecution`` and its
            replies to questions about an image in the conversation are written by
            Qwen2.5-Coder-0.5B (the ``qwen`` extra); off: the tiny model does it
            itself (it mostly repeats the results, cannot write the thinking
            program, its code rarely prints the right answer, and it quotes the
            wrong part of a screen).
        code_writer: With ``tool_reader``, a tiny model's programs for
            ``codeExecution`` are written by Qwen2.5-Coder-1.5B (the ``qwen15`` extra)
            when it is installed; off, or not installed: by the tool reader.
        store: Where resumable sessions and tokens live: a SQLite file path, or a
            ``redis://`` URL shared by several openlive processes; empty means
            ``sessions.db`` in the data directory.
        handle_ttl_s: How long a resumption handle stays valid after the session's
            last update (default 2 hours).
        session_limit_s: A connection without context window compression ends after
            this long, with a goAway first (default 15 minutes, the Live API's limit
            for audio sessions); 0 for no limit.
        video_session_limit_s: The same for a session once it sends video (default
            2 minutes, the Live API's limit for audio plus video sessions); 0 for no
            limit of its own.
        max_video_fps: Video frames a second a client may send on average (about
            one is usual); a client far past it is closed with 1008.
        connection_limit_s: Every connection ends after this long (a planned reset;
            clients resume with their handle); 0 for never.
        go_away_notice_s: ``goAway.timeLeft`` before a time limit closes a connection.
        audio_lead_s: How far spoken replies run ahead of real time (the client's
            playback buffer); 0 sends audio as fast as it is made.
        search_index: The SQLite search index ``googleSearch`` reads (filled with
            ``openlive index add``); empty means ``search-index.sqlite3`` in ``data_dir``.
        searxng_url: Search a self-hosted SearXNG instance (its JSON API) instead of
            the local index.
        code_wall_s: Wall-clock limit of one code execution.
        code_cpu_s: CPU-time limit of one code execution.
        code_memory_mb: Memory limit of one code execution.
        code_disk_mb: Disk one code execution may write, all its files together.
        code_output_bytes: Output kept from one code execution.
        url_max_bytes: Largest page ``urlContext`` reads.
        url_timeout_s: Time limit of one page fetch, redirects included.
        url_allow_private: Let ``urlContext`` fetch loopback, private and link-local
            addresses (off: those are refused, after redirects and DNS too).
        url_allowed_hosts: Hosts ``urlContext`` may fetch even when private.
        tool_response_timeout_s: How long a reply waits for the client to answer a
            blocking function call before cancelling it.
        console: Serve the browser console at ``/`` (README: The browser console).
        console_password: Lets a browser that is not on this machine use the console
            (one on it needs none); at least 8 characters. Prefer the environment
            (OPENLIVE_CONSOLE_PASSWORD) to the flag, which the process list shows.
        log_level: ``debug``, ``info``, ``warning`` or ``error``.
        log_json: Write logs as JSON lines.
        otlp_endpoint: Send a trace of each turn to this OpenTelemetry collector
            (OTLP over HTTP, e.g. ``http://localhost:4318``; the ``otel`` extra);
            empty: no traces.
        engines: Engine name to how to build it.
        models: Served model name to engine name.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tls: bool = True
    cert_file: str = ""
    key_file: str = ""
    data_dir: str = ""
    api_keys: list[str] = field(default_factory=list)
    max_sessions: int = 64
    max_connections_per_address: int = 32
    handshake_timeout_s: float = 10.0
    setup_timeout_s: float = 10.0
    idle_timeout_s: float = 600.0
    allowed_origins: list[str] = field(default_factory=list)
    max_message_bytes: int = 8 * 1024 * 1024
    max_history_chars: int = 1_000_000
    max_output_tokens: int = 1024
    shutdown_grace_s: float = 2.0
    llm: str = ""
    voice: bool = True
    asr_model: str = ""
    asr_window_s: float = 0.0
    asr_beam: int = 0
    tts_voice: str = ""
    espeak: bool = True
    turn_model: bool = True
    tool_reader: bool = True
    code_writer: bool = True
    store: str = ""
    handle_ttl_s: float = 7200.0
    session_limit_s: float = 900.0
    video_session_limit_s: float = 120.0
    max_video_fps: float = 10.0
    connection_limit_s: float = 0.0
    go_away_notice_s: float = 5.0
    audio_lead_s: float = 1.0
    search_index: str = ""
    searxng_url: str = ""
    code_wall_s: float = 10.0
    code_cpu_s: float = 5.0
    code_memory_mb: int = 256
    code_disk_mb: int = 64
    code_output_bytes: int = 64 * 1024
    url_max_bytes: int = 1_000_000
    url_timeout_s: float = 10.0
    url_allow_private: bool = False
    url_allowed_hosts: list[str] = field(default_factory=list)
    tool_response_timeout_s: float = 60.0
    console: bool = True
    console_password: str = field(default="", repr=False)
    log_level: str = "info"
    log_json: bool = False
    otlp_endpoint: str = ""
    engines: dict[str, EngineSpec] = field(default_factory=_default_engines)
    models: dict[str, str] = field(default_factory=_default_models)

    @property
    def loopback(self) -> bool:
        """Whether ``host`` only accepts connections from this machine."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def resolved_data_dir(self) -> Path:
        """The data directory, created if missing."""
        if self.data_dir:
            path = Path(self.data_dir).expanduser()
        else:
            import platformdirs

            path = Path(platformdirs.user_data_dir("openlive", appauthor=False))
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ConfigError(
                f"cannot use {path} as the data directory: {error.strerror or error}; "
                "choose a writable one with --data-dir (or OPENLIVE_DATA_DIR)"
            ) from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise ConfigError(
                f"the data directory {path} is not writable; "
                "choose a writable one with --data-dir (or OPENLIVE_DATA_DIR)"
            )
        return path

    def search_index_path(self) -> Path:
        """The SQLite search index ``googleSearch`` reads."""
        if self.search_index:
            return Path(self.search_index).expanduser()
        return self.resolved_data_dir() / "search-index.sqlite3"

    def check(self) -> None:
        """Refuse settings the server must not start with.

        Raises:
            ConfigError: With a reason that says what to change.
        """
        if not self.api_keys and not self.loopback:
            raise ConfigError(
                f"refusing to serve on {self.host} with no API keys: anyone who can reach it "
                "could use it. Set api_keys in the config file or OPENLIVE_API_KEYS, "
                "or bind to 127.0.0.1"
            )
        if not 0 < self.port < 65536:
            raise ConfigError(f"port must be 1-65535, not {self.port}")
        if bool(self.cert_file) != bool(self.key_file):
            raise ConfigError("cert_file and key_file must be given together")
        for name, engine in self.models.items():
            if engine not in self.engines:
                raise ConfigError(f"model {name!r} names engine {engine!r}, which is not defined")
        from openlive.engines.packaged import PACKAGED_LLMS

        for name, packaged in [
            ("llm", self.llm),
            *((f"engines.{n}.llm", s.llm) for n, s in self.engines.items()),
        ]:
            if packaged and packaged.strip().lower() not in PACKAGED_LLMS:
                raise ConfigError(
                    f"{name} {packaged!r} is not a packaged model; choose from {', '.join(PACKAGED_LLMS)}"
                )
        for name, spec in self.engines.items():
            if spec.type not in ("llama", "openai"):
                raise ConfigError(f"engine {name!r} has unknown type {spec.type!r}; known: llama, openai")
            if spec.tier not in ("auto", "tiny", "capable") or spec.tools not in (
                "auto",
                "native",
                "planner",
            ):
                raise ConfigError(f"engine {name!r}: tier is auto/tiny/capable, tools is auto/native/planner")
            if spec.type == "openai" and not (spec.base_url and spec.model and spec.context_size > 0):
                raise ConfigError(f"engine {name!r} (openai) needs base_url, model and context_size")
        for limit in (
            "max_sessions",
            "max_video_fps",
            "max_message_bytes",
            "max_history_chars",
            "max_output_tokens",
            "code_wall_s",
            "code_cpu_s",
            "code_memory_mb",
            "code_disk_mb",
            "code_output_bytes",
            "url_max_bytes",
            "url_timeout_s",
            "tool_response_timeout_s",
            "handshake_timeout_s",
            "setup_timeout_s",
        ):
            if getattr(self, limit) <= 0:
                raise ConfigError(f"{limit} must be positive")
        if self.console_password and len(self.console_password) < 8:
            raise ConfigError("console_password must be at least 8 characters long")
        for limit in ("max_connections_per_address", "idle_timeout_s"):
            if getattr(self, limit) < 0:
                raise ConfigError(f"{limit} must be 0 (off) or positive")
        if not 0 <= self.asr_window_s <= 30:
            raise ConfigError("asr_window_s must be between 0 (the default) and 30 seconds")
        if self.asr_beam < 0:
            raise ConfigError("asr_beam must be 0 (the default) or positive")
        if self.otlp_endpoint and not self.otlp_endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                "otlp_endpoint is an OTLP/HTTP collector's URL, e.g. http://localhost:4318 (empty: no traces)"
            )


_SCALARS = {f.name: f for f in dataclasses.fields(Settings) if f.name not in ("engines", "models")}


def scalar_settings() -> dict[str, tuple[type, Any, str]]:
    """Each scalar setting: its type, its default and its documentation, in declaration order.

    ``openlive serve --help`` is made from this, so a new setting documented in
    :class:`Settings` shows up there without more work.
    """
    docs = _attribute_docs(Settings.__doc__ or "")
    defaults = Settings()
    return {
        name: (type(getattr(defaults, name)), getattr(defaults, name), docs.get(name, ""))
        for name in _SCALARS
    }


def _attribute_docs(docstring: str) -> dict[str, str]:
    """The ``Attributes:`` section of a Google-style docstring, name to one-line text."""
    docs: dict[str, str] = {}
    current = None
    in_section = False
    for line in docstring.splitlines():
        stripped = line.strip()
        if stripped == "Attributes:":
            in_section = True
            continue
        if not in_section or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        name, colon, text = stripped.partition(": ")
        if colon and name.isidentifier() and indent <= 8:
            current = name
            docs[name] = text
        elif current is not None:
            docs[current] += " " + stripped
    return {name: text.replace("``", "") for name, text in docs.items()}


def load_settings(
    config_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults, a config file, the environment and overrides.

    Args:
        config_file: A TOML file; ``OPENLIVE_CONFIG`` names one when this is ``None``.
        environ: The environment to read; ``os.environ`` by default.
        overrides: Values from command-line flags; ``None`` values are ignored.

    Raises:
        ConfigError: The file is unreadable or a value has the wrong type.
    """
    env = dict(os.environ if environ is None else environ)
    settings = Settings()
    path = config_file or env.get(ENV_PREFIX + "CONFIG")
    if path:
        _apply_file(settings, Path(path))
    for name in _SCALARS:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            setattr(settings, name, _coerce(name, raw, f"{ENV_PREFIX}{name.upper()}"))
    for name, value in (overrides or {}).items():
        if value is not None:
            setattr(settings, name, value)
    return settings


def _apply_file(settings: Settings, path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    for name, value in data.items():
        if name == "engines":
            settings.engines.update(_engines(value, path))
        elif name == "models":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{path}: [models] maps model names to engine names")
            settings.models.update(value)
        elif name in _SCALARS:
            setattr(settings, name, _coerce(name, value, f"{path}: {name}"))
        else:
            raise ConfigError(f"{path}: unknown setting {name!r}")


def _engines(value: Any, path: Path) -> dict[str, EngineSpec]:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [engines] must be a table of engine tables")
    defaults = EngineSpec()
    known = {f.name for f in dataclasses.fields(EngineSpec)}
    engines = {}
    for name, spec in value.items():
        if not isinstance(spec, dict) or not set(spec) <= known:
            raise ConfigError(f"{path}: engines.{name} takes {', '.join(sorted(known))}")
        for key, item in spec.items():
            expected = type(getattr(defaults, key))
            if expected is float and type(item) is int:
                spec = {**spec, key: float(item)}
            elif type(item) is not expected:
                raise ConfigError(f"{path}: engines.{name}.{key}: expected {expected.__name__}, got {item!r}")
        engines[name] = EngineSpec(**spec)
    return engines


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = type(getattr(Settings(), name))
    if kind is list:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    elif kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            if isinstance(value, str):
                return float(value)
        except ValueError:
            pass
    elif isinstance(value, str):
        return value
    raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}")
