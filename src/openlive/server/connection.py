"""One WebSocket and the session it serves: read, parse, check size, write, close.

Frames come in through a :class:`Transport`, are parsed by ``openlive.wire`` and
fed to the session; the session's actions are carried out by its
:class:`~openlive.runtime.SessionRuntime`, which reaches the client through this
connection (the :class:`~openlive.runtime.SessionIO` port). All sends go through
one outbox drained by one writer task, so messages leave in the order the session
produced them, and a close frame leaves after them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.registry import ModelTable
from openlive.errors import (
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    MessageTooBig,
    OpenliveError,
    PolicyViolation,
    truncate_reason,
)
from openlive.metrics import METRICS, SessionClosed
from openlive.runtime import ConnectionLimits, SessionRuntime, TokenAccounts
from openlive.runtime.resumption import ResumptionConfig
from openlive.runtime.tools import ToolRuntime
from openlive.session import Session
from openlive.wire import ClientMessage, Setup, encode, parse_client_message
from openlive.wire import server as msg

log = logging.getLogger(__name__)

# How long a closing connection may take to flush its queued messages.
CLOSE_FLUSH_TIMEOUT_S = 10.0
# Frames up to this size are parsed on the event loop (audio chunks, text, tool
# responses: well under a millisecond each). Bigger ones, and every setup (whose
# tool schemas are checked against the JSON Schema meta-schema), are parsed in a
# worker thread: parsing costs up to a few microseconds per JSON value, so one
# 8 MiB message of tiny values takes seconds, which must not stall every session.
LOOP_PARSE_MAX_BYTES = 16 * 1024
_PARSE_WORKERS = 2
_parser: ThreadPoolExecutor | None = None
_parser_lock = threading.Lock()


def _parse_executor() -> ThreadPoolExecutor:
    global _parser
    with _parser_lock:
        if _parser is None:
            _parser = ThreadPoolExecutor(_PARSE_WORKERS, thread_name_prefix="openlive-parse")
        return _parser


class Transport(Protocol):
    """The few WebSocket operations a connection needs."""

    async def receive(self) -> str | bytes | None:
        """The next frame's payload, or ``None`` once the client has gone."""
        ...

    async def send(self, text: str) -> None:
        """Send one text frame."""
        ...

    async def close(self, code: int, reason: str) -> None:
        """Send a close frame."""
        ...


@dataclass(frozen=True)
class _CloseFrame:
    code: int
    reason: str


class Connection:
    """One client connection and its session.

    Args:
        transport: The WebSocket.
        session: The session state machine to drive.
        models: Engines by served model name.
        limits: Bounds on this connection.
        executor: Where engine calls run; the loop's default executor if ``None``.
        speech: The voice path's engines; ``None`` serves text only.
        resumption: Where sessions are saved for resumption; ``None`` refuses it.
        owner: Fingerprint of the key or token that opened the connection.
        token: The ephemeral token the connection presented, if any.
        tools: How tool steps are carried out.
        accounts: The server's token counts.
    """

    def __init__(
        self,
        transport: Transport,
        session: Session,
        models: ModelTable,
        limits: ConnectionLimits | None = None,
        executor: Executor | None = None,
        speech: SpeechEngines | None = None,
        resumption: ResumptionConfig | None = None,
        owner: str = "",
        token: str | None = None,
        tools: ToolRuntime | None = None,
        accounts: TokenAccounts | None = None,
    ) -> None:
        self.transport = transport
        self.session = session
        self._limits = limits or ConnectionLimits()
        # Text frames, a close, or a save in progress whose update must go out in
        # its place in the order (the writer waits for it).
        self._outbox: asyncio.Queue[str | _CloseFrame | asyncio.Task[msg.ServerMessage | None]] = (
            asyncio.Queue()
        )
        self._closing = False
        self.runtime = SessionRuntime(
            session, self, models, self._limits, executor, speech, resumption, owner, token, tools, accounts
        )

    @property
    def closing(self) -> bool:
        """Whether a close frame has been queued."""
        return self._closing

    async def run(self) -> None:
        """Serve the connection until either side closes it."""
        reader = asyncio.create_task(self._read_loop(), name=f"read-{self.session.id}")
        writer = asyncio.create_task(self._write_loop(), name=f"write-{self.session.id}")
        try:
            await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
            if self._closing and not writer.done():
                # The reader stopped because we are closing: let the writer flush
                # the queued messages and the close frame.
                await asyncio.wait({writer}, timeout=CLOSE_FLUSH_TIMEOUT_S)
        finally:
            reader.cancel()
            writer.cancel()
            tasks = self.runtime.stop()
            await asyncio.gather(reader, writer, *tasks, return_exceptions=True)
            await self.runtime.checkpoints.finish()

    async def go_away(self, grace_s: float) -> None:
        """Tell the client the connection ends soon, let a running reply finish, then close."""
        await self.runtime.go_away(grace_s)

    # -- SessionIO -------------------------------------------------------------------

    def send(self, message: msg.ServerMessage) -> None:
        """Queue ``message``; a client that stopped reading long ago is closed instead."""
        if self._closing:
            return
        if self._outbox.qsize() >= self._limits.outbox_limit:
            self.fail(PolicyViolation("the client is not reading the server's messages; closing"))
            return
        self._outbox.put_nowait(encode(message))

    def send_when_ready(self, pending: asyncio.Task[msg.ServerMessage | None]) -> None:
        """Queue the message ``pending`` will make, in its place in the order."""
        if not self._closing:
            self._outbox.put_nowait(pending)

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame after everything queued so far; later sends are dropped."""
        if self._closing:
            return
        self._closing = True
        reason = truncate_reason(reason)
        METRICS.emit(SessionClosed(self.session.id, code, reason))
        self.runtime.turns.cancel_all()
        self._outbox.put_nowait(_CloseFrame(code, reason))

    def fail(self, error: OpenliveError) -> None:
        """Close the connection for ``error``, with its code and reason."""
        self.close(error.close_code, error.close_reason())

    async def room(self) -> None:
        """Wait while the client is behind in reading (backpressure)."""
        # A client that reads slowly slows its own generation down instead of
        # growing the server's memory.
        while self._outbox.qsize() > self._limits.outbox_high_water and not self._closing:
            await asyncio.sleep(0.01)

    # -- reading ---------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while not self._closing:
            frame = await self.transport.receive()
            if frame is None:
                log.info("client disconnected")
                return
            try:
                self._check_size(frame)
                message = await self._parse(frame)
                first_setup = isinstance(message, Setup) and self.session.setup is None
                if isinstance(message, Setup) and first_setup:
                    message = await self.runtime.prepare_setup(message)
                actions = self.session.receive(message)
                if first_setup:
                    self.runtime.arm_time_limits()
            except OpenliveError as error:
                self.fail(error)
                continue
            except Exception:  # noqa: BLE001 - one session's bug must not take the server down
                log.exception("failed to handle a client message")
                self.close(
                    CLOSE_INTERNAL, f"internal error; see the server log for session {self.session.id}"
                )
                continue
            self.runtime.act(actions)

    async def _parse(self, frame: str | bytes) -> ClientMessage:
        # A second setup is refused before its tools are checked.
        first = self.session.setup is None
        if first or len(frame) > LOOP_PARSE_MAX_BYTES:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(_parse_executor(), parse_client_message, frame, first)
        return parse_client_message(frame, setup_allowed=False)

    def _check_size(self, frame: str | bytes) -> None:
        size = len(frame.encode("utf-8") if isinstance(frame, str) else frame)
        if size > self._limits.max_message_bytes:
            raise MessageTooBig(
                f"message of {size} bytes is over the limit of {self._limits.max_message_bytes}; "
                "send audio and images in smaller chunks"
            )

    # -- writing ---------------------------------------------------------------------

    async def _write_loop(self) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, _CloseFrame):
                await self.transport.close(item.code, item.reason)
                return
            if isinstance(item, asyncio.Task):
                message = await item
                if message is not None:
                    await self.transport.send(encode(message))
                continue
            await self.transport.send(item)


__all__ = ["CLOSE_NORMAL", "Connection", "ConnectionLimits", "Transport"]
