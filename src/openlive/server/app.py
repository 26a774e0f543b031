"""The ASGI app: WebSocket sessions and the HTTP routes, on one port.

Only I/O lives here: accepting sockets, checking keys, counting sessions, and
handing frames to :class:`~openlive.server.connection.Connection`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import Executor
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from openlive import __version__
from openlive.engines.audio_base import SpeechEngines
from openlive.engines.profile import profile_of
from openlive.engines.registry import ModelTable
from openlive.errors import OpenliveError, PolicyViolation, ServerBusy
from openlive.runtime.accounting import TokenAccounts
from openlive.runtime.resumption import ResumptionConfig
from openlive.runtime.tools import ToolRuntime
from openlive.server.auth import check_api_key, presented_key, presented_token
from openlive.server.connection import Connection, ConnectionLimits
from openlive.server.console import ConsoleAccess, console_file, console_info, console_page, console_token
from openlive.server.guard import AddressSlots, GuardedTransport, GuardLimits
from openlive.server.health import EngineHealth, overall_status
from openlive.server.logs import session_id_var
from openlive.server.models_api import API_VERSIONS, get_model, list_models
from openlive.server.origin import check_origin
from openlive.server.prometheus import CONTENT_TYPE as PROMETHEUS_CONTENT_TYPE
from openlive.server.prometheus import PrometheusMetrics
from openlive.server.tokens import mint, require_token_name, token_json
from openlive.session import ModelLimits, Session, SessionLimits, SpeechCapabilities
from openlive.session.handles import owner_fingerprint
from openlive.wire.decode import decode_frame

log = logging.getLogger(__name__)

LIVE_METHOD = "BidiGenerateContent"
CONSTRAINED_METHOD = "BidiGenerateContentConstrained"
MAX_TOKEN_REQUEST_BYTES = 256 * 1024
# How long a request body may take to arrive (the head has handshake_timeout_s).
BODY_TIMEOUT_S = 10.0
# How long a refused client gets to send its first message before the close.
REFUSAL_WAIT_S = 5.0
LIVE_PATH = "/ws/google.ai.generativelanguage.{version}.GenerativeService.{method}"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class AppState:
    """What the routes share: settings, engines, and the live connections.

    Args:
        models: Engines by served model name.
        api_keys: Accepted keys; empty accepts any (the server only allows this on loopback).
        allowed_origins: Web page origins allowed besides the defaults (see ``server.origin``).
        max_sessions: Sessions served at once.
        guard_limits: Deadlines and the per-address cap (see ``server.guard``).
        session_limits: Bounds for each session.
        connection_limits: Bounds for each connection.
        executor: Where engine calls run.
        speech: The voice path's engines; ``None`` serves text only.
        resumption: Where sessions are saved for resumption; ``None`` refuses it.
        tools: How sessions' tool steps are carried out.
        console: Who may use the browser console; ``None`` serves no console.
    """

    def __init__(
        self,
        models: ModelTable,
        api_keys: list[str] | None = None,
        allowed_origins: list[str] | None = None,
        max_sessions: int = 64,
        guard_limits: GuardLimits | None = None,
        session_limits: SessionLimits | None = None,
        connection_limits: ConnectionLimits | None = None,
        executor: Executor | None = None,
        speech: SpeechEngines | None = None,
        resumption: ResumptionConfig | None = None,
        tools: ToolRuntime | None = None,
        console: ConsoleAccess | None = None,
    ) -> None:
        self.models = models
        self.console = console
        self.tools = tools or ToolRuntime()
        self.resumption = resumption
        self.speech = speech
        self.speech_capabilities = (
            SpeechCapabilities(voices=tuple(speech.tts.voices), languages=tuple(speech.tts.languages))
            if speech is not None
            else None
        )
        self.api_keys = list(api_keys or [])
        self.allowed_origins = list(allowed_origins or [])
        self.max_sessions = max_sessions
        self.guard_limits = guard_limits or GuardLimits()
        self.address_slots = AddressSlots(self.guard_limits.max_connections_per_address)
        self.session_limits = session_limits or SessionLimits()
        self.connection_limits = connection_limits or ConnectionLimits()
        self.executor = executor
        self.health = EngineHealth(models, executor)
        # Fed by the metrics bus while the server runs (the server attaches it).
        self.prometheus = PrometheusMetrics(self._open_session_models)
        self.connections: set[Connection] = set()
        # Token counts the sessions use on the event loop: local only (see openlive.runtime.accounting).
        self.accounts = TokenAccounts()
        self.draining = False

    def _open_session_models(self) -> list[str | None]:
        # The config entry serving each session (a name, or the pattern that matched
        # it), so that labels stay as few as the config's lines.
        models = [connection.session.model for connection in list(self.connections)]
        return [self.models.entry(model) if model else None for model in models]

    def model_limits(self, served_name: str) -> ModelLimits:
        """The context window and tokenizer a session's prompt is checked against."""
        engine = self.models.engine(served_name)
        return ModelLimits(
            context_tokens=self.models.context_tokens(served_name),
            count=self.accounts.counter(engine),
            profile=profile_of(engine),
        )

    async def drain(self, grace_s: float) -> None:
        """Send every open session a goAway, then close them (graceful shutdown)."""
        self.draining = True
        if self.connections:
            log.info("telling %d open session(s) to go away", len(self.connections))
            await asyncio.gather(*(c.go_away(grace_s) for c in list(self.connections)))


class _StarletteTransport:
    """Adapts Starlette's WebSocket to the connection's Transport Protocol."""

    def __init__(self, websocket: WebSocket) -> None:
        self._ws = websocket

    async def receive(self) -> str | bytes | None:
        try:
            message = await self._ws.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else message.get("bytes") or b""

    async def send(self, text: str) -> None:
        await self._ws.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        try:
            await self._ws.close(code=code, reason=reason)
        except (RuntimeError, WebSocketDisconnect, OSError):
            pass  # the client went first (Starlette reports a vanished socket as a disconnect)


async def live_session(websocket: WebSocket) -> None:
    """The BidiGenerateContent WebSocket endpoint."""
    state: AppState = websocket.app.state.openlive
    await websocket.accept()
    transport = GuardedTransport(_StarletteTransport(websocket), state.guard_limits)
    address = websocket.client.host if websocket.client else ""
    if not state.address_slots.take(address):
        limit = state.guard_limits.max_connections_per_address
        await _refuse(
            transport, ServerBusy(f"too many connections from your address (limit {limit}); try later")
        )
        return
    try:
        await _serve(websocket, state, transport)
    finally:
        state.address_slots.give_back(address)
        transport.abandon()


async def _refuse(transport: GuardedTransport, error: OpenliveError) -> None:
    log.info("refused connection: %s", error.reason)
    # Clients send setup right after the handshake and then wait for the answer;
    # closing in answer to it (rather than before it) lets the SDKs report the
    # close code and reason instead of a failed send.
    try:
        async with asyncio.timeout(REFUSAL_WAIT_S):
            await transport.receive()
    except TimeoutError:
        pass
    await transport.close(error.close_code, error.close_reason())


async def _serve(websocket: WebSocket, state: AppState, transport: GuardedTransport) -> None:
    session = Session(
        state.models.resolve,
        state.session_limits,
        speech=state.speech_capabilities,
        model_limits=state.model_limits,
    )
    session_id_var.set(session.id)
    try:
        token = _admit(websocket, state)
    except OpenliveError as error:
        await _refuse(transport, error)
        return
    connection = Connection(
        transport,
        session,
        state.models,
        state.connection_limits,
        state.executor,
        state.speech,
        resumption=state.resumption,
        owner=owner_fingerprint(token or presented_key(websocket.headers, websocket.query_params)),
        token=token,
        tools=state.tools,
        accounts=state.accounts,
    )
    state.connections.add(connection)
    log.info(
        "session opened from %s (%d open)",
        websocket.client.host if websocket.client else "?",
        len(state.connections),
    )
    try:
        await connection.run()
    finally:
        state.connections.discard(connection)
        log.info("session closed (%d open)", len(state.connections))


def _admit(websocket: WebSocket, state: AppState) -> str | None:
    """Check the route and the credential; return the ephemeral token, if that is what was sent."""
    version = websocket.path_params["version"]
    method = websocket.path_params["method"]
    if version not in API_VERSIONS:
        raise PolicyViolation(f"unknown API version {version[:20]!r}; use one of {', '.join(API_VERSIONS)}")
    if method not in (LIVE_METHOD, CONSTRAINED_METHOD):
        raise PolicyViolation(
            f"unknown method {method[:40]!r}; this server serves {LIVE_METHOD} and {CONSTRAINED_METHOD}"
        )
    check_origin(
        websocket.headers, state.allowed_origins, bool(state.api_keys), websocket.url.scheme == "wss"
    )
    token = None
    if method == CONSTRAINED_METHOD:
        # The token is checked against the store when the setup arrives, because
        # resuming a session spends no use of it.
        token = require_token_name(presented_token(websocket.headers, websocket.query_params))
        if state.resumption is None:
            raise PolicyViolation("ephemeral tokens need a store; this server has none")
    else:
        check_api_key(presented_key(websocket.headers, websocket.query_params), state.api_keys)
    if state.draining:
        raise ServerBusy("the server is shutting down; try again later")
    if len(state.connections) >= state.max_sessions:
        raise ServerBusy(f"the server is serving its limit of {state.max_sessions} sessions; try again later")
    return token


async def health(request: Request) -> JSONResponse:
    """Liveness, each engine's readiness and a little state, for load balancers and people."""
    state: AppState = request.app.state.openlive
    engines = await state.health.statuses()
    status, code = overall_status(engines, state.draining)
    return JSONResponse(
        {
            "status": status,
            "version": __version__,
            "sessions": len(state.connections),
            "maxSessions": state.max_sessions,
            "models": state.models.names,
            "engines": [engine.as_json() for engine in engines],
            "speech": "ready" if state.speech is not None else "off",
        },
        status_code=code,
    )


async def metrics(request: Request) -> Response:
    """``GET /metrics``: the Prometheus text format (see ``server.prometheus``)."""
    state: AppState = request.app.state.openlive
    return Response(state.prometheus.exposition(), media_type=PROMETHEUS_CONTENT_TYPE)


async def create_auth_token(request: Request) -> JSONResponse:
    """``POST /{version}/auth_tokens``: mint an ephemeral token (API key required)."""
    state: AppState = request.app.state.openlive
    if request.path_params["version"] not in API_VERSIONS:
        return _error(404, "NOT_FOUND", "unknown API version")
    try:
        _check_page(request, state)
        key = presented_key(request.headers, request.query_params)
        check_api_key(key, state.api_keys)
    except PolicyViolation as error:
        return _error(403, "PERMISSION_DENIED", error.reason)
    if state.resumption is None:
        return _error(501, "UNIMPLEMENTED", "this server has no store for ephemeral tokens")
    try:
        body = await _bounded_body(request, MAX_TOKEN_REQUEST_BYTES, BODY_TIMEOUT_S)
    except TimeoutError:
        return _error(
            408, "DEADLINE_EXCEEDED", f"the request body did not arrive within {BODY_TIMEOUT_S:g} s"
        )
    if body is None:
        return _error(400, "INVALID_ARGUMENT", "the request body is too large")
    try:
        # Decoded as a Live frame is: NaN, lone surrogates and deep nesting are refused.
        token = mint(decode_frame(body or b"{}"), owner=owner_fingerprint(key))
    except OpenliveError as error:
        return _error(400, "INVALID_ARGUMENT", error.reason)
    await state.resumption.store.put_token(token)
    log.info("minted an ephemeral token: %d use(s)", token.uses_left)
    return JSONResponse(token_json(token))


async def _bounded_body(request: Request, limit: int, timeout_s: float) -> bytes | None:
    """The request's body, or ``None`` once it is over ``limit`` bytes (the rest is never read).

    Starlette's ``request.body()`` would hold a body of any size in memory, and
    wait for a slow one without end.

    Raises:
        TimeoutError: The body did not arrive within ``timeout_s``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout_s):
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _check_page(request: Request, state: AppState) -> None:
    """Refuse a browser page whose origin may not use the server (see ``server.origin``)."""
    check_origin(request.headers, state.allowed_origins, bool(state.api_keys), request.url.scheme == "https")


def _error(code: int, status: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "status": status}}, status_code=code)


class CollapseLeadingSlashes:
    """ASGI middleware: ``//ws/...`` (what the JS SDK sends) routes like ``/ws/...``."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route the request with its leading slashes collapsed to one."""
        if scope["type"] in ("http", "websocket") and scope.get("path", "").startswith("//"):
            scope = dict(scope)
            scope["path"] = "/" + scope["path"].lstrip("/")
            if "raw_path" in scope and scope["raw_path"]:
                scope["raw_path"] = b"/" + scope["raw_path"].lstrip(b"/")
        await self.app(scope, receive, send)


def create_app(state: AppState) -> CollapseLeadingSlashes:
    """Build the ASGI app around shared state."""
    app = Starlette(
        routes=[
            WebSocketRoute(LIVE_PATH, live_session),
            Route("/health", health),
            Route("/metrics", metrics),
            Route("/{version}/models", list_models),
            Route("/{version}/models/{name}", get_model),
            Route("/{version}/auth_tokens", create_auth_token, methods=["POST"]),
            Route("/", console_page),
            Route("/console/info", console_info),
            Route("/console/token", console_token, methods=["POST"]),
            Route("/console/{name}", console_file),
        ]
    )
    app.state.openlive = state
    return CollapseLeadingSlashes(app)
