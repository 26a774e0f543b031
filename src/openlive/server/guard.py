"""Deadlines and caps against clients that hold connections without using them.

A WebSocket session costs the server a slot (``max_sessions``) for as long as it
is open, and a TCP connection costs a socket. Clients that connect and then send
nothing would hold both forever. The limits here, each a setting:

* ``handshake_timeout_s``: a TCP connection must complete its HTTP request (the
  WebSocket upgrade included) within this long of connecting, TLS handshake
  included; otherwise the socket is closed with no answer (see :mod:`.deadline`).
* ``setup_timeout_s``: after the upgrade, the client's first message (``setup``)
  must arrive within this long; otherwise close 1008 (a server policy, not a
  malformed message, so not 1007).
* ``idle_timeout_s``: a session in which the client has sent nothing *and* the
  server has sent nothing (no reply in progress) for this long gets a ``goAway``
  and, ``go_away_notice_s`` later, a close with 1001, as the Live API's own
  connection limits do. A voice client listening to a long reply is not idle:
  the reply's audio is going out.
* ``max_connections_per_address``: WebSocket connections open at once from one
  client address; more are closed with 1013 (try again later).

Client-facing 1011 reasons are also cut down here, at the last point before the
socket: they say what failed, not where (no URLs, addresses or paths); the full
reason stays in the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from openlive.errors import CLOSE_GOING_AWAY, CLOSE_INTERNAL, CLOSE_POLICY, truncate_reason
from openlive.wire import encode
from openlive.wire import server as msg

log = logging.getLogger(__name__)


def head_deadline_protocol(base: type[asyncio.Protocol], timeout_s: float) -> type[asyncio.Protocol]:
    """``base`` (uvicorn's HTTP protocol) with a deadline for the first request's head.

    uvicorn closes an idle keep-alive connection after a response, but waits for a
    first request without end: a client that connects and sends nothing, or sends
    its headers a byte a minute, would hold the socket forever. The timer starts
    when the connection is made (after the TLS handshake) and aborts the socket if
    no request head has been parsed by then and the connection has not been
    handed to the WebSocket protocol.
    """

    class HeadDeadline(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            loop = asyncio.get_running_loop()
            self._openlive_head_timer = loop.call_later(timeout_s, self._openlive_head_expired, transport)

        def connection_lost(self, exc: Exception | None) -> None:
            self._openlive_head_timer.cancel()
            super().connection_lost(exc)

        def _openlive_head_expired(self, transport: asyncio.BaseTransport) -> None:
            # `cycle` is uvicorn's current request; after an upgrade the transport
            # belongs to the WebSocket protocol, whose own deadlines apply.
            if transport.is_closing():
                # Closed already (after an upgrade the timer outlives this protocol;
                # an SSL transport closed twice cannot even name its protocol).
                return
            if getattr(self, "cycle", None) is None and transport.get_protocol() is self:
                log.debug("no HTTP request within %g s of connecting; closing the socket", timeout_s)
                if isinstance(transport, asyncio.Transport):
                    transport.abort()
                else:
                    transport.close()

    HeadDeadline.__name__ = HeadDeadline.__qualname__ = f"HeadDeadline{base.__name__}"
    return HeadDeadline


@contextlib.contextmanager
def tls_handshake_timeout(loop: asyncio.AbstractEventLoop, timeout_s: float) -> Iterator[None]:
    """While open, TLS servers ``loop`` creates drop a handshake not done in ``timeout_s``.

    uvicorn creates its servers without ``ssl_handshake_timeout``, so asyncio's
    default of 60 s applies to a client that connects and sends nothing; this
    passes the setting through for the duration of uvicorn's startup.
    """
    original = loop.create_server

    async def create_server(*args: Any, **kwargs: Any) -> asyncio.Server:
        if kwargs.get("ssl") is not None:
            kwargs.setdefault("ssl_handshake_timeout", timeout_s)
        return await original(*args, **kwargs)

    try:
        loop.create_server = create_server  # type: ignore[method-assign]
    except AttributeError:  # a loop written in C (uvloop): keep its default
        yield
        return
    try:
        yield
    finally:
        del loop.create_server


class _Transport(Protocol):
    async def receive(self) -> str | bytes | None: ...

    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class GuardLimits:
    """The deadlines and caps of :mod:`openlive.server.guard`.

    Attributes:
        handshake_timeout_s: From TCP connect to a complete HTTP request (upgrade).
        setup_timeout_s: From the WebSocket upgrade to the first client message.
        idle_timeout_s: Silence in both directions after which a session is told to
            go away; ``None`` for never.
        go_away_notice_s: ``goAway.timeLeft`` before an idle session is closed.
        max_connections_per_address: WebSocket connections one client address may
            hold at once; 0 for no cap.
    """

    handshake_timeout_s: float = 10.0
    setup_timeout_s: float = 10.0
    idle_timeout_s: float | None = 600.0
    go_away_notice_s: float = 5.0
    max_connections_per_address: int = 32


class AddressSlots:
    """Counts open WebSocket connections per client address, up to a cap."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def take(self, address: str) -> bool:
        """Count one more connection from ``address``; False (nothing counted) if it is at the cap."""
        count = self._open.get(address, 0)
        if self.limit > 0 and count >= self.limit:
            return False
        self._open[address] = count + 1
        return True

    def give_back(self, address: str) -> None:
        """Forget one connection from ``address``."""
        count = self._open.get(address, 0) - 1
        if count > 0:
            self._open[address] = count
        else:
            self._open.pop(address, None)


# What a 1011 reason may not show a client: URLs, host:port and IP addresses, paths.
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://\S*[^\s.,;:!?)\]'\"]", re.IGNORECASE)
_ADDRESS = re.compile(
    r"(?<![\w.:-])\[?(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\]?(?::\d+)?"  # IPv6: two colons at least
    r"|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"  # IPv4, maybe with a port
    r"|\b[\w.-]+:\d{2,5}\b",  # name:port
    re.IGNORECASE,
)
_PATH = re.compile(r"(?<![\w.])/(?:[\w.@+-]+/)*[\w.@+-]+")


def public_reason(code: int, reason: str) -> str:
    """The close reason a client may see: for 1011, without URLs, addresses or paths."""
    if code != CLOSE_INTERNAL:
        return reason
    cleaned = _URL.sub("the backend", reason)
    cleaned = _ADDRESS.sub("the backend", cleaned)
    return _PATH.sub("a file", cleaned)


class GuardedTransport:
    """A WebSocket transport that enforces the setup deadline and the idle policy.

    The connection reads through :meth:`receive` all the time (also while a reply
    is being sent), so the deadlines are kept there: a wait for the next frame
    that runs past a deadline ends it. The frame being waited for is never
    cancelled, only waited for again, so no input is lost.

    Args:
        inner: The WebSocket.
        limits: The deadlines.
    """

    def __init__(self, inner: _Transport, limits: GuardLimits) -> None:
        self._inner = inner
        self._limits = limits
        self._loop = asyncio.get_running_loop()
        self._last_activity = self._loop.time()
        self._started = self._last_activity
        self._received_any = False
        self._pending: asyncio.Future[str | bytes | None] | None = None
        self._close_at: float | None = None
        self._closed = False

    async def receive(self) -> str | bytes | None:
        """The next frame, or ``None`` once the client left or a deadline closed the connection."""
        if self._closed:
            return None
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._inner.receive())
        while True:
            deadline = self._next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._loop.time())
            done, _ = await asyncio.wait({self._pending}, timeout=timeout)
            if self._closed:
                return None
            if done:
                pending, self._pending = self._pending, None
                frame = pending.result()
                self._received_any = True
                self._last_activity = self._loop.time()
                return frame
            if await self._deadline_passed():
                return None

    async def send(self, text: str) -> None:
        """Send one text frame (dropped once a deadline closed the connection)."""
        if self._closed:
            return
        await self._inner.send(text)
        self._last_activity = self._loop.time()

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame; a 1011 reason loses its internals first."""
        if self._closed:
            return
        self._closed = True
        await self._inner.close(code, truncate_reason(public_reason(code, reason)))
        self.abandon()

    def abandon(self) -> None:
        """Stop waiting for a frame nobody will read (the connection is over)."""
        if self._pending is not None:
            self._pending.cancel()

    def _next_deadline(self) -> float | None:
        if self._close_at is not None:
            return self._close_at
        if not self._received_any:
            return self._started + self._limits.setup_timeout_s
        if self._limits.idle_timeout_s is None:
            return None
        return self._last_activity + self._limits.idle_timeout_s

    async def _deadline_passed(self) -> bool:
        """Act on a deadline that may have passed; True once the connection is closed."""
        now = self._loop.time()
        if self._close_at is not None:
            if now < self._close_at:
                return False
            log.info("closing an idle session")
            await self.close(
                CLOSE_GOING_AWAY, "the session was idle too long; reconnect (or resume) to continue"
            )
            return True
        if not self._received_any:
            if now < self._started + self._limits.setup_timeout_s:
                return False
            log.info("no setup within %g s of connecting; closing", self._limits.setup_timeout_s)
            await self.close(
                CLOSE_POLICY,
                f"no setup message within {self._limits.setup_timeout_s:g} s; "
                "send setup right after connecting",
            )
            return True
        idle = self._limits.idle_timeout_s
        if idle is None or now < self._last_activity + idle:
            return False
        notice = self._limits.go_away_notice_s
        log.info("session idle for %g s; sending goAway", idle)
        self._close_at = now + notice
        try:
            await self._inner.send(encode(msg.go_away(notice)))
        except Exception:  # noqa: BLE001 - the client is gone; the connection ends here
            self._closed = True
            self.abandon()
            return True
        return False
