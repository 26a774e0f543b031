"""Drive one :class:`~openlive.session.Session` over one WebSocket.

This is the only place where a session meets I/O: frames come in through a
:class:`Transport`, are parsed by ``openlive.wire`` and fed to the session; the
session's actions are carried out here (send, start or cancel a generation).
All sends go through one outbox drained by one writer task, so messages leave in
the order the session produced them, and a close frame leaves after them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol

from openlive.engines.audio_base import OUTPUT_RATE, SpeechEngines
from openlive.engines.registry import ModelTable
from openlive.errors import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL,
    CLOSE_NORMAL,
    InvalidArgument,
    MessageTooBig,
    OpenliveError,
    PolicyViolation,
    truncate_reason,
)
from openlive.pipeline.reply import Reply
from openlive.server.logs import session_id_var
from openlive.server.resumption import Resumer, ResumptionConfig
from openlive.server.speculation import Speculation, start_reply
from openlive.server.tokens import apply_token
from openlive.server.tool_runtime import ToolRuntime
from openlive.server.voice_input import AudioLimits, VoiceInput
from openlive.session import (
    Action,
    AwaitToolResponses,
    CancelGeneration,
    Checkpoint,
    EndAudioStream,
    FeedAudio,
    FetchUrls,
    MarkActivity,
    PlanTools,
    RunCode,
    RunSearch,
    Send,
    Session,
    StartGeneration,
)
from openlive.tools.sandbox import SandboxError, run_python
from openlive.tools.search import SearchError
from openlive.tools.urlfetch import fetch_all
from openlive.wire import Setup, encode, parse_client_message
from openlive.wire import server as msg
from openlive.wire.client import setup_from_canonical

log = logging.getLogger(__name__)

# How long a closing connection may take to flush its queued messages.
CLOSE_FLUSH_TIMEOUT_S = 10.0


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
class ConnectionLimits:
    """Bounds on one connection.

    Attributes:
        max_message_bytes: Largest client frame accepted.
        outbox_high_water: Queued server messages at which generation pauses
            until the client reads.
        outbox_limit: Queued server messages at which the client is deemed not
            to be reading, and is closed.
        max_audio_ahead_s: How far the client's audio may run ahead of real time
            (a file sent at once is fine; an endless flood is closed).
        max_audio_backlog_s: Audio waiting to be processed before the client is closed.
        audio_idle_end_s: A pause in the audio stream this long ends an utterance in
            progress, as ``audioStreamEnd`` would.
        audio_lead_s: How far spoken replies may run ahead of real time (the
            client's playback buffer); ``None`` sends audio as fast as it is made.
        session_limit_s: A connection of a session without context window
            compression ends after this long (``None``: no limit); the Live API's
            limit for audio sessions is 15 minutes.
        connection_limit_s: Every connection ends after this long, compression or
            not (a planned reset; clients resume with their handle). ``None``: never.
        go_away_notice_s: ``goAway.timeLeft`` before a limit closes the connection.
    """

    max_message_bytes: int = 8 * 1024 * 1024
    outbox_high_water: int = 64
    outbox_limit: int = 4096
    max_audio_ahead_s: float = 60.0
    max_audio_backlog_s: float = 75.0
    audio_idle_end_s: float = 1.0
    audio_lead_s: float | None = 1.0
    session_limit_s: float | None = 15 * 60
    connection_limit_s: float | None = None
    go_away_notice_s: float = 5.0


@dataclass(frozen=True)
class _CloseFrame:
    code: int
    reason: str


@dataclass
class _TurnWork:
    """The tasks working on one reply (planning, tools, generation), cancelled together."""

    cancel: threading.Event
    tasks: set[asyncio.Task[None]]


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
    ) -> None:
        self.transport = transport
        self.session = session
        self._models = models
        self._limits = limits or ConnectionLimits()
        self._executor = executor
        # Text frames, a close, or a save in progress whose update must go out in
        # its place in the order (the writer waits for it).
        self._outbox: asyncio.Queue[str | _CloseFrame | asyncio.Task[msg.ServerMessage | None]] = (
            asyncio.Queue()
        )
        self._closing = False
        self._work: dict[int, _TurnWork] = {}
        self._tools = tools or ToolRuntime()
        self._speech = speech
        # The voice path, started by the first audio: input items in arrival order,
        # and utterances waiting for recognition.
        self._voice: VoiceInput | None = None
        # A reply started during the user's trailing silence, until the turn takes it.
        self._ahead = Speculation()
        self._resumer = Resumer(resumption, owner) if resumption is not None else None
        self._store = resumption.store if resumption is not None else None
        self._token = token
        self._saves: asyncio.Task[msg.ServerMessage | None] | None = None
        self._timers: list[asyncio.Task[None]] = []

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
            voice_tasks = self._voice.tasks if self._voice is not None else []
            for task in (reader, writer, *voice_tasks, *self._timers):
                task.cancel()
            self._cancel_all()
            self._ahead.close()
            self.session.close()
            await asyncio.gather(reader, writer, *voice_tasks, *self._timers, return_exceptions=True)
            if self._saves is not None:
                # Let the last checkpoint reach the store: its handle may be out already.
                await asyncio.gather(self._saves, return_exceptions=True)
            await self._save_on_close()

    async def go_away(self, grace_s: float) -> None:
        """Tell the client the connection ends soon, let a running reply finish, then close."""
        if self._closing:
            return
        self._enqueue(msg.go_away(grace_s))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace_s
        while self.session.generating and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.close(CLOSE_GOING_AWAY, "the server is shutting down; reconnect to continue")

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame after everything queued so far; later sends are dropped."""
        if self._closing:
            return
        self._closing = True
        self._cancel_all()
        self._outbox.put_nowait(_CloseFrame(code, truncate_reason(reason)))

    def fail(self, error: OpenliveError) -> None:
        """Close the connection for ``error``, with its code and reason."""
        log.info("closing with %d: %s", error.close_code, error.reason)
        self.close(error.close_code, error.close_reason())

    # -- reading ---------------------------------------------------------------------

    async def _read_loop(self) -> None:
        while not self._closing:
            frame = await self.transport.receive()
            if frame is None:
                log.info("client disconnected")
                return
            try:
                self._check_size(frame)
                message = parse_client_message(frame)
                first_setup = isinstance(message, Setup) and self.session.setup is None
                if isinstance(message, Setup) and first_setup:
                    message = await self._prepare_setup(message)
                actions = self.session.receive(message)
                if first_setup:
                    self._arm_time_limits()
            except OpenliveError as error:
                self.fail(error)
                continue
            except Exception:  # noqa: BLE001 - one session's bug must not take the server down
                log.exception("failed to handle a client message")
                self.close(
                    CLOSE_INTERNAL, f"internal error; see the server log for session {self.session.id}"
                )
                continue
            self._run(actions)

    async def _prepare_setup(self, setup: Setup) -> Setup:
        """Before the first setup: apply the token and resume the session it names."""
        resuming = setup.resumption is not None and bool(setup.resumption.handle)
        if self._token is not None:
            assert self._store is not None
            # Check the token and its locked fields first, spending nothing; only a
            # setup that passes spends a use.
            record = await self._store.use_token(self._token, time.time(), new_session=False)
            setup = setup_from_canonical(apply_token(record, setup.raw))
            if not resuming:
                record = await self._store.use_token(self._token, time.time(), new_session=True)
            self._arm_limit(
                max(0.0, record.expire_time - time.time()), "the ephemeral token expired; mint a new one"
            )
        if setup.resumption is not None:
            if self._resumer is None:
                raise InvalidArgument("setup.sessionResumption: this server keeps no sessions to resume")
            if setup.resumption.handle:
                await self._resumer.resume(self.session, setup.resumption.handle)
                session_id_var.set(self.session.id)
        return setup

    def _arm_time_limits(self) -> None:
        # Decided on the session's own setup: a resumed session keeps its saved
        # settings, whatever the new connection's setup names.
        limits = self._limits
        setup = self.session.setup
        compressed = setup is not None and setup.compression is not None
        if limits.session_limit_s is not None and not compressed:
            self._arm_limit(
                limits.session_limit_s, "the session time limit was reached; resume with the last handle"
            )
        if limits.connection_limit_s is not None:
            self._arm_limit(
                limits.connection_limit_s, "planned connection reset; reconnect with the last handle"
            )

    def _arm_limit(self, after_s: float, reason: str) -> None:
        async def expire() -> None:
            notice = min(self._limits.go_away_notice_s, after_s)
            await asyncio.sleep(after_s - notice)
            if self._closing:
                return
            log.info("time limit: %s", reason)
            self._enqueue(msg.go_away(notice))
            await asyncio.sleep(notice)
            self.close(CLOSE_GOING_AWAY, reason)

        self._timers.append(asyncio.create_task(expire(), name=f"limit-{self.session.id}"))

    def _check_size(self, frame: str | bytes) -> None:
        size = len(frame.encode("utf-8") if isinstance(frame, str) else frame)
        if size > self._limits.max_message_bytes:
            raise MessageTooBig(
                f"message of {size} bytes is over the limit of {self._limits.max_message_bytes}; "
                "send audio and images in smaller chunks"
            )

    # -- acting ----------------------------------------------------------------------

    def _run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, Send):
                self._enqueue(action.message)
            elif isinstance(action, StartGeneration):
                if self._resumer is not None and self.session.setup and self.session.setup.resumption:
                    self._enqueue(msg.session_resumption_update(None, resumable=False))
                self._start_generation(action)
            elif isinstance(action, Checkpoint):
                self._checkpoint(action)
            elif isinstance(action, CancelGeneration):
                self._cancel(action.turn_id)
            elif isinstance(action, PlanTools):
                cancel = self._turn_work(action.turn_id).cancel
                self._spawn(action.turn_id, "the tool planner", self._plan(action, cancel))
            elif isinstance(action, RunCode):
                self._spawn(action.turn_id, "code execution", self._run_code(action))
            elif isinstance(action, RunSearch):
                self._spawn(action.turn_id, "search", self._search(action))
            elif isinstance(action, FetchUrls):
                self._spawn(action.turn_id, "URL context", self._fetch(action))
            elif isinstance(action, AwaitToolResponses):
                self._spawn(action.turn_id, "a function call", self._expire_calls(action))
            else:
                self._queue_audio(action)

    async def _save_on_close(self) -> None:
        # Context added since the last checkpoint (turns without a reply) is kept too,
        # and the handle's lifetime restarts from the end of the session.
        setup = self.session.setup
        if self._resumer is None or setup is None or setup.resumption is None:
            return
        try:
            await self._resumer.save(self.session.id, self.session.snapshot(), None, only_if_changed=True)
        except Exception:  # noqa: BLE001 - the client is gone; nothing to tell it
            log.exception("could not save the session at its end")

    def _checkpoint(self, checkpoint: Checkpoint) -> None:
        if self._resumer is None:
            return
        resumer = self._resumer
        snapshot = self.session.snapshot()
        setup = self.session.setup
        transparent = setup is not None and setup.resumption is not None and setup.resumption.transparent
        index = checkpoint.last_consumed_index if transparent else None
        previous = self._saves

        async def save() -> msg.ServerMessage | None:
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)
            try:
                return await resumer.save(self.session.id, snapshot, index)
            except Exception:  # noqa: BLE001 - the store failing must not kill the server
                log.exception("could not save the session for resumption")
                self.close(CLOSE_INTERNAL, "could not save the session; resumption is unavailable")
                return None

        task = asyncio.create_task(save(), name=f"save-{self.session.id}")
        self._saves = task
        if not self._closing:
            # The update is sent in order: after what came before, before what follows.
            self._outbox.put_nowait(task)

    def _enqueue(self, message: msg.ServerMessage) -> None:
        if self._closing:
            return
        if self._outbox.qsize() >= self._limits.outbox_limit:
            self.fail(PolicyViolation("the client is not reading the server's messages; closing"))
            return
        self._outbox.put_nowait(encode(message))

    def _start_generation(self, action: StartGeneration) -> None:
        self._spawn(
            action.turn_id, "the model", self._generate(action, self._turn_work(action.turn_id).cancel)
        )

    def _turn_work(self, turn_id: int) -> _TurnWork:
        work = self._work.get(turn_id)
        if work is None:
            work = self._work[turn_id] = _TurnWork(threading.Event(), set())
        return work

    def _spawn(self, turn_id: int, what: str, job: Coroutine[object, object, None]) -> None:
        """Run ``job`` as part of reply ``turn_id``: cancelled with it, its failure closing the session."""
        work = self._turn_work(turn_id)
        task = asyncio.create_task(self._guard(what, job), name=f"turn-{turn_id}")
        work.tasks.add(task)

        def forget(done: asyncio.Task[None]) -> None:
            work.tasks.discard(done)
            if not work.tasks and self._work.get(turn_id) is work:
                del self._work[turn_id]

        task.add_done_callback(forget)

    def _cancel(self, turn_id: int) -> None:
        work = self._work.pop(turn_id, None)
        if work is not None:
            work.cancel.set()
            for task in work.tasks:
                task.cancel()

    def _cancel_all(self) -> None:
        for turn_id in list(self._work):
            self._cancel(turn_id)

    # -- tools -----------------------------------------------------------------------

    async def _plan(self, action: PlanTools, cancel: threading.Event) -> None:
        planner = self._tools.planner(self._models.engine(action.model))
        loop = asyncio.get_running_loop()
        started = loop.time()
        steps = await loop.run_in_executor(
            self._executor, lambda: planner.plan(action.messages, action.tools, cancel)
        )
        log.info(
            "planned %d tool step(s) in %.0f ms: %s",
            len(steps),
            1000 * (loop.time() - started),
            ", ".join(type(s).__name__ for s in steps) or "answer directly",
        )
        self._run(self.session.tools_planned(action.turn_id, steps))

    async def _run_code(self, action: RunCode) -> None:
        try:
            async with self._tools.code_slots:
                result = await run_python(action.code, self._tools.sandbox)
            outcome, output = result.outcome, result.output
        except SandboxError as error:
            # The operator's machine cannot confine code: the model hears it failed,
            # and the session goes on.
            log.error("code execution is unavailable: %s", error)
            outcome, output = "OUTCOME_FAILED", "code execution is unavailable on this server"
        log.info("code execution: %s, %d characters of output", outcome, len(output))
        self._run(self.session.code_ran(action.turn_id, action.step, outcome, output))

    async def _search(self, action: RunSearch) -> None:
        provider = await asyncio.to_thread(self._tools.search_provider)
        results = []
        if provider is None:
            log.warning("googleSearch: no search provider is configured")
        else:
            try:
                results = await provider.search(action.query)
            except SearchError as error:
                # The model answers without sources; the failure is the operator's to fix.
                log.warning("search failed: %s", error)
        self._run(self.session.search_done(action.turn_id, action.step, action.query, results))

    async def _fetch(self, action: FetchUrls) -> None:
        pages = await fetch_all(action.urls, self._tools.fetch)
        for page in pages:
            log.info("urlContext: %s", page.status)  # the URL is the user's: DEBUG only
            log.debug("urlContext %s: %s %s", page.url, page.status, page.error)
        self._run(self.session.pages_fetched(action.turn_id, action.step, pages))

    async def _expire_calls(self, action: AwaitToolResponses) -> None:
        await asyncio.sleep(self._tools.response_timeout_s)
        self._run(self.session.tool_calls_expired(action.turn_id, action.ids))

    async def _generate(self, action: StartGeneration, cancel: threading.Event) -> None:
        # The reply started ahead of this turn, if the turn claimed one; else a new one.
        reply = self._ahead.take(action.turn_id) or start_reply(
            action, self._models, self._speech, self._executor, cancel
        )
        try:
            await self._send_reply(action, reply, cancel)
        finally:
            reply.stop()

    async def _send_reply(self, action: StartGeneration, reply: Reply, cancel: threading.Event) -> None:
        stats = reply.stats
        audio_out_s = 0.0
        first_audio_s = 0.0
        loop = asyncio.get_running_loop()
        generation_started = loop.time()
        if not reply.spoken:
            async for piece in reply.text():
                await self._room_in_outbox()
                self._run(self.session.generation_text(action.turn_id, piece))
        else:
            started_at: float | None = None
            async for chunk in reply.speech():
                await self._room_in_outbox()
                # Pace the audio at real time plus a lead, so that the reply is
                # still going out while the user hears it: a barge-in then cuts
                # what they have not heard, and the history keeps what they did.
                lead = self._limits.audio_lead_s
                if lead is not None and started_at is not None:
                    ahead = audio_out_s - (loop.time() - started_at)
                    if ahead > lead:
                        await asyncio.sleep(ahead - lead)
                if started_at is None:
                    started_at = loop.time()
                    first_audio_s = started_at - reply.started_at
                audio_out_s += len(chunk.pcm) / 2 / OUTPUT_RATE
                self._run(self.session.generation_audio(action.turn_id, chunk.pcm, chunk.text))
        if not cancel.is_set():
            log.info(
                "reply done: %d prompt tokens, %d response tokens, first token %.0f ms, "
                "first audio %.0f ms, queue wait %.0f ms, %.1f s of audio, started %.0f ms ahead",
                stats.prompt_tokens,
                stats.response_tokens,
                1000 * (stats.first_token_s or 0.0),
                1000 * first_audio_s,
                1000 * stats.queue_wait_s,
                audio_out_s,
                1000 * (generation_started - reply.started_at),
            )
            self._run(self.session.generation_done(action.turn_id, stats, audio_out_s))

    async def _guard(self, what: str, work: Coroutine[object, object, None]) -> None:
        """Run one of the connection's tasks; its failure closes this session, nothing else."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except OpenliveError as error:
            self.fail(error)
        except Exception:  # noqa: BLE001 - reported to the client as 1011
            log.exception("%s failed", what)
            self.close(CLOSE_INTERNAL, f"{what} failed; see the server log for session {self.session.id}")

    # -- the voice path --------------------------------------------------------------

    def _queue_audio(self, item: FeedAudio | MarkActivity | EndAudioStream) -> None:
        if self._speech is None or self.session.setup is None:
            return  # the session refuses audio when there are no speech engines
        if self._voice is None:
            limits = self._limits
            self._voice = VoiceInput(
                self._speech,
                self.session.setup,
                AudioLimits(limits.max_audio_ahead_s, limits.max_audio_backlog_s, limits.audio_idle_end_s),
                self._executor,
                on_speech_started=lambda: self._run(self.session.speech_started()),
                on_transcript=self._transcribed,
                guard=self._guard,
                on_tentative=self._reply_ahead,
                on_resumed=self._ahead.drop,
            )
        try:
            self._voice.put(item)
        except OpenliveError as error:
            self.fail(error)

    def _transcribed(self, text: str, seconds: float, language: str) -> None:
        actions = self.session.speech_transcribed(text, seconds, language)
        self._ahead.claim(actions)  # the reply started ahead, if the turn asks for the same
        self._run(actions)

    def _reply_ahead(self, text: str, seconds: float, language: str) -> None:
        """Start the reply a tentative transcript would get; it is held until the turn claims it."""
        request = None if self._closing else self.session.preview_reply(text, seconds, language)
        if request is None:
            self._ahead.drop()
            return
        self._ahead.start(request, start_reply(request, self._models, self._speech, self._executor))

    async def _room_in_outbox(self) -> None:
        # Backpressure: a client that reads slowly slows its own generation down
        # instead of growing the server's memory.
        while self._outbox.qsize() > self._limits.outbox_high_water and not self._closing:
            await asyncio.sleep(0.01)

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
