"""One session's runtime: carries out the session's actions through a :class:`SessionIO`.

Each action type has one executor, in one table (:attr:`SessionRuntime.executors`):
a new kind of work (say, reading a video frame) is a new action type in
``openlive.session.actions`` and one row here. The executors:

- ``Send``: to the client, in order.
- ``StartGeneration``: the responder's reply (or the one turn taking started
  ahead), paced out (:mod:`openlive.pipeline.pacing`); its timings are a
  :class:`~openlive.metrics.ReplyTimings` record.
- ``CancelGeneration``: every task of that reply, together.
- ``Checkpoint``: saved in order (:mod:`openlive.runtime.checkpoints`).
- ``PlanTools``, ``RunCode``, ``RunSearch``, ``FetchUrls``, ``AwaitToolResponses``:
  the tool steps (:mod:`openlive.runtime.tool_steps`).
- ``FeedAudio``, ``MarkActivity``, ``EndAudioStream``: the voice path
  (voice in → turn taking, :mod:`openlive.pipeline`).
- ``SeeFrame``: a video frame, described ahead of its turn for an engine that
  reads text only (:mod:`openlive.pipeline.vision`); the first one starts the
  time limit of a session with video.

Every task runs under one guard that maps its failure to a close code.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from typing import Any

from openlive.engines.audio_base import Samples, SpeechEngines
from openlive.engines.base import ChatMessage, PromptWarming, capabilities, for_engine
from openlive.engines.registry import ModelTable
from openlive.errors import OpenliveError, PolicyViolation
from openlive.metrics import METRICS, ReplyTimings
from openlive.parts import ImagePart
from openlive.pipeline.backchannel import BargeInConfig
from openlive.pipeline.barge_in import BargeInGuard
from openlive.pipeline.pacing import pace
from openlive.pipeline.reply import Reply
from openlive.pipeline.responder import CascadeResponder, Responder
from openlive.pipeline.turn_taking import TurnTaking
from openlive.pipeline.vision import FrameVision, background_executor
from openlive.pipeline.voice_input import AudioLimits, VoiceInput
from openlive.priority import PRIORITY
from openlive.runtime.accounting import TokenAccounts
from openlive.runtime.checkpoints import Checkpoints
from openlive.runtime.io import SessionIO
from openlive.runtime.limits import ConnectionLimits
from openlive.runtime.resumption import ResumptionConfig
from openlive.runtime.timers import Timers
from openlive.runtime.tool_steps import ToolSteps
from openlive.runtime.tools import ToolRuntime
from openlive.runtime.turns import Guard, TurnTasks
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
    SeeFrame,
    Send,
    Session,
    StartGeneration,
)
from openlive.wire import Setup
from openlive.wire import server as msg

log = logging.getLogger(__name__)

# A thinking pass's program runs at most this long (the user waits for the answer).
PROGRAM_WALL_S = 5.0

ToolAction = PlanTools | RunCode | RunSearch | FetchUrls | AwaitToolResponses


class SessionRuntime:
    """Carries out one session's actions.

    Args:
        session: The session.
        io: The client.
        models: Engines by served model name.
        limits: Bounds on the connection.
        executor: Where engine calls run; the loop's default executor if ``None``.
        speech: The voice path's engines; ``None`` serves text only.
        resumption: Where sessions are saved for resumption; ``None`` refuses it.
        owner: Fingerprint of the key or token that opened the connection.
        token: The ephemeral token the connection presented, if any.
        tools: How tool steps are carried out.
        accounts: The server's token counts, which learn from each reply.
    """

    def __init__(
        self,
        session: Session,
        io: SessionIO,
        models: ModelTable,
        limits: ConnectionLimits,
        executor: Executor | None = None,
        speech: SpeechEngines | None = None,
        resumption: ResumptionConfig | None = None,
        owner: str = "",
        token: str | None = None,
        tools: ToolRuntime | None = None,
        accounts: TokenAccounts | None = None,
    ) -> None:
        self.session = session
        self._io = io
        self._models = models
        self._limits = limits
        self._executor = executor
        self._speech = speech
        self._accounts = accounts or TokenAccounts()
        self.guard = Guard(self.fail, io.close, lambda: session.id)
        self.turns = TurnTasks(self.guard)
        self.timers = Timers(io, limits.go_away_notice_s, session.id)
        self.checkpoints = Checkpoints(session, io, self.timers, resumption, owner, token)
        self._tool_steps = ToolSteps(session, tools or ToolRuntime(), models, executor, self.act)
        self.vision = FrameVision(
            models.describer, lambda: session.media_resolution, background_executor(), self._frame_read
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        # Reading ahead (the engine's cache): the reading running, and the one asked for since.
        self._reading_ahead: asyncio.Future[int] | None = None
        self._read_next: tuple[str, Callable[[], list[ChatMessage] | None], bool] | None = None
        self.responder: Responder = CascadeResponder(models, speech, executor, self.vision, self._run_program)
        self._armed_at: float | None = None
        self._video_limit_armed = False
        # Video frames received, and when the first came: the frame rate's bound.
        self._frames = 0
        self._first_frame_at = 0.0
        self.turn_taking = TurnTaking(session, self.responder, self.act, lambda: io.closing)
        self._barge_in = BargeInConfig()
        # Voice in, started by the first audio.
        self._voice: VoiceInput | None = None
        steps = self._tool_steps
        self.executors: dict[type[Any], Callable[[Any], None]] = {
            Send: lambda a: io.send(a.message),
            StartGeneration: self._start_generation,
            CancelGeneration: self._cancel_generation,
            Checkpoint: self.checkpoints.save,
            PlanTools: lambda a: self._spawn(a, "the tool planner", steps.plan(a, self._cancel_event(a))),
            RunCode: lambda a: self._spawn(a, "code execution", steps.run_code(a)),
            RunSearch: lambda a: self._spawn(a, "search", steps.search(a)),
            FetchUrls: lambda a: self._spawn(a, "URL context", steps.fetch(a)),
            AwaitToolResponses: lambda a: self._spawn(a, "a function call", steps.expire_calls(a)),
            FeedAudio: self._voice_in,
            MarkActivity: self._voice_in,
            EndAudioStream: self._voice_in,
            SeeFrame: self._see_frame,
        }

    def act(self, actions: list[Action]) -> None:
        """Carry out ``actions`` in order, each with its executor."""
        for action in actions:
            self.executors[type(action)](action)

    def fail(self, error: OpenliveError) -> None:
        """Close the session for ``error``, with its code and reason."""
        self._io.close(error.close_code, error.close_reason())

    async def prepare_setup(self, setup: Setup) -> Setup:
        """Before the first setup: apply the token and resume the session it names."""
        self._loop = asyncio.get_running_loop()  # worker threads reach the session through it
        return await self.checkpoints.prepare_setup(setup)

    def arm_time_limits(self) -> None:
        """After the first setup: the session's and the connection's time limits."""
        # Decided on the session's own setup: a resumed session keeps its saved
        # settings, whatever the new connection's setup names.
        limits = self._limits
        setup = self.session.setup
        self._armed_at = asyncio.get_running_loop().time()
        compressed = setup is not None and setup.compression is not None
        if limits.session_limit_s is not None and not compressed:
            self.timers.arm(
                limits.session_limit_s, "the session time limit was reached; resume with the last handle"
            )
        if limits.connection_limit_s is not None:
            self.timers.arm(
                limits.connection_limit_s, "planned connection reset; reconnect with the last handle"
            )

    def _see_frame(self, action: SeeFrame) -> None:
        session = self.session
        now = asyncio.get_running_loop().time()
        if self._frames == 0:
            self._first_frame_at = now
        self._frames += 1
        allowed = self._limits.video_burst + (now - self._first_frame_at) * self._limits.max_video_fps
        if self._frames > allowed:
            self.fail(
                PolicyViolation(
                    f"video frames arrive faster than {self._limits.max_video_fps:g} a second; "
                    "send about one a second"
                )
            )
            return
        if not self._video_limit_armed:
            self._video_limit_armed = True
            self._arm_video_limit()
        self._loop = asyncio.get_running_loop()
        if session.model is not None:
            # Ahead of the turn: scaled for a model that reads images, else described.
            sized = capabilities(self._models.engine(session.model)).images
            self.vision.see(action.frame, action.previous, sized)

    def _arm_video_limit(self) -> None:
        """A session with video, without compression, ends sooner: its limit counts from the setup."""
        limit = self._limits.video_session_limit_s
        setup = self.session.setup
        if limit is None or setup is None or setup.compression is not None or self._armed_at is None:
            return
        elapsed = asyncio.get_running_loop().time() - self._armed_at
        self.timers.arm(
            max(0.0, limit - elapsed),
            "the time limit of a session with video was reached; "
            "enable contextWindowCompression for longer sessions, or resume with the last handle",
        )

    async def go_away(self, grace_s: float) -> None:
        """Tell the client the connection ends soon, let a running reply finish, then close."""
        await self.timers.go_away(grace_s, lambda: self.session.generating)

    def stop(self) -> list[asyncio.Task[None]]:
        """Stop all work (the connection is ending); returns the tasks to await."""
        tasks = [*(self._voice.tasks if self._voice is not None else []), *self.timers.tasks]
        for task in tasks:
            task.cancel()
        self.turns.cancel_all()
        self.turn_taking.close()
        self.session.close()
        return tasks

    # -- replies ---------------------------------------------------------------------

    def _cancel_event(self, action: PlanTools | StartGeneration) -> threading.Event:
        return self.turns.cancel_event(action.turn_id)

    def _spawn(self, action: ToolAction, what: str, job: Coroutine[object, object, None]) -> None:
        self.turns.spawn(action.turn_id, what, job)

    def _cancel_generation(self, action: CancelGeneration) -> None:
        self.turns.cancel(action.turn_id)
        if self.turn_taking.barge_in is not None:
            self.turn_taking.barge_in.reply_over()  # a held reply is gone: the next one is not held

    async def _room(self) -> None:
        # The client reads (backpressure), and no speech during the reply is being judged.
        await self._io.room()
        await self.turn_taking.held()

    def _start_generation(self, action: StartGeneration) -> None:
        if self.checkpoints.resumable:
            self._io.send(msg.session_resumption_update(None, resumable=False))
        self.turns.spawn(action.turn_id, "the model", self._generate(action, self._cancel_event(action)))

    async def _generate(self, action: StartGeneration, cancel: threading.Event) -> None:
        # The reply started ahead of this turn, if the turn claimed one; else a new one.
        reply = self.turn_taking.take(action.turn_id) or self.responder.start(action, cancel)
        try:
            await self._send_reply(action, reply, cancel)
        finally:
            reply.stop()

    async def _send_reply(self, action: StartGeneration, reply: Reply, cancel: threading.Event) -> None:
        session, turn_id = self.session, action.turn_id
        # Native-audio dialog: the words judged (proactive audio) and the thinking done first.
        prelude = await reply.prelude()
        if prelude.declined:
            self.act(session.generation_declined(turn_id))
            return
        if prelude.thoughts and action.thinking is not None and action.thinking.include:
            self.act(session.generation_thought(turn_id, prelude.thoughts))
        paced = await pace(
            reply,
            self._limits.audio_lead_s,
            self._room,
            on_text=lambda piece: self.act(session.generation_text(turn_id, piece)),
            on_audio=lambda chunk: self.act(session.generation_audio(turn_id, chunk.pcm, chunk.text)),
        )
        if cancel.is_set():
            return
        stats = reply.stats
        METRICS.emit(
            ReplyTimings(
                session_id=session.id,
                prompt_tokens=stats.prompt_tokens,
                response_tokens=stats.response_tokens,
                first_token_ms=1000 * (stats.first_token_s or 0.0),
                first_audio_ms=1000 * paced.first_audio_s,
                queue_wait_ms=1000 * stats.queue_wait_s,
                audio_s=paced.audio_s,
                ahead_ms=1000 * (paced.sending_started_at - reply.started_at),
                reply_ms=1000 * (asyncio.get_running_loop().time() - reply.started_at),
            )
        )
        self._accounts.observe(self._models.engine(action.model), action.messages, stats.prompt_tokens)
        self.act(session.generation_done(turn_id, stats, paced.audio_s, prelude.thought_tokens))
        self._read_ahead(action.model)

    def _read_ahead(self, model: str) -> None:
        """Let the engine read the next turn's prompt while this reply plays (a cache, not a result)."""
        if self.session.frame_waiting:
            # Up to the frame the next turn will see: a frame read while the reply was
            # written could not be read into the cache then.
            self._warm(model, self.session.next_prompt_seeing, newest_in_full=True)
        else:
            # Its images as the next turn will carry them (described; earlier by then).
            self._warm(model, self.session.next_prompt, newest_in_full=False)

    def _run_program(self, code: str) -> tuple[bool, str]:
        """Run a thinking pass's program in the sandbox (called in the reply's worker thread)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return False, ""
        future = asyncio.run_coroutine_threadsafe(self._tool_steps.run_program(code, PROGRAM_WALL_S), loop)
        try:
            return future.result(timeout=PROGRAM_WALL_S + 5.0)
        except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
            future.cancel()  # the session closed meanwhile, or the sandbox hung
            return False, ""

    def _frame_read(self, frame: ImagePart) -> None:
        """A streamed frame was described ahead (called in the frames' thread)."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: so has the session
                loop.call_soon_threadsafe(self._read_frame_ahead)

    def _read_frame_ahead(self) -> None:
        """Read the next turn's prompt up to the frame it will see, before the user's words.

        A turn's frame comes first in its message, so while the user speaks, the
        prompt up to the end of the frame's description can be in the engine's cache:
        the turn's first token then waits for the user's words alone, not for a
        screenful of text (a frame at 1 fps otherwise adds its whole description).
        """
        if self.session.model is not None:
            self._warm(self.session.model, self.session.next_prompt_seeing, newest_in_full=True)

    def _warm(
        self, model: str, prompt_of: Callable[[], list[ChatMessage] | None], newest_in_full: bool
    ) -> None:
        """Have the engine read ``prompt_of()`` ahead: one reading at a time, the newest asked next."""
        engine = self._models.engine(model)
        if not isinstance(engine, PromptWarming) or self._executor is None:
            return
        if self._reading_ahead is not None:
            self._read_next = (model, prompt_of, newest_in_full)
            return
        prompt = prompt_of()
        if prompt is None or self.session.generating or self._io.closing:
            return
        vision = self.vision

        def read() -> int:
            with PRIORITY.ahead():  # describing an image for it is ahead of the user too
                return engine.warm(for_engine(engine, vision.prepare(engine, prompt, newest_in_full)))

        future = asyncio.get_running_loop().run_in_executor(self._executor, read)
        self._reading_ahead = future
        future.add_done_callback(self._read_ahead_done)

    def _read_ahead_done(self, future: asyncio.Future[int]) -> None:
        # Nobody waits for it: a failure costs the next turn's first token some time, nothing more.
        _log_read_ahead(future)
        self._reading_ahead = None
        waiting, self._read_next = self._read_next, None
        if waiting is not None:
            self._warm(*waiting)  # the prompt as it is now

    # -- the voice path --------------------------------------------------------------

    def _voice_in(self, item: FeedAudio | MarkActivity | EndAudioStream) -> None:
        if self._speech is None or self.session.setup is None:
            return  # the session refuses audio when there are no speech engines
        if self._voice is None:
            limits = self._limits
            setup = self.session.setup
            if limits.backchannels:
                self.turn_taking.barge_in = BargeInGuard(
                    self._barge_in,
                    setup.speech.language_code,
                    self._recognise,
                    self._interrupt,
                    judge=self._speech.listener,
                    executor=self._executor,
                )
            self._voice = VoiceInput(
                self._speech,
                self.session.setup,
                AudioLimits(limits.max_audio_ahead_s, limits.max_audio_backlog_s, limits.audio_idle_end_s),
                self._executor,
                on_event=self.turn_taking.hear,
                guard=self.guard,
                session_id=self.session.id,
                barge_in=self._barge_in if limits.backchannels else None,
            )
        try:
            self._voice.put(item)
        except OpenliveError as error:
            self.fail(error)

    async def _recognise(self, audio: Samples) -> str:
        assert self._voice is not None  # the guard hears speech only through voice in
        return await self._voice.recognise(audio)

    def _interrupt(self) -> None:
        self.act(self.session.speech_started())


def _log_read_ahead(future: asyncio.Future[int]) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None:
        log.warning("reading the next prompt ahead failed: %s", error)
    elif future.result():
        log.debug("read %d tokens of the next prompt ahead", future.result())
