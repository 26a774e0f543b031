"""The voice-in stage of one session: audio frames to speech events and transcripts.

Two tasks run per session once its first audio arrives: one feeds the audio
front end (resampling, VAD, endpointing) in a worker thread, one recognises the
utterances it completes. They report typed events
(:data:`~openlive.pipeline.events.VoiceEvent`) to the next stage, turn taking,
which decides what a start of speech or a transcript means.

Recognition starts early, when the user pauses: the utterance so far is
transcribed while the endpointer waits for the rest of the silence. That text is
offered as a :class:`~openlive.pipeline.events.TentativeTranscript` (a reply may
start with it), and if the end of speech is committed with no speech in between,
it is the utterance's transcript, without a second recognition. If the user goes
on, the early work is void and a ``SpeechResumed`` says so.

With a turn model, each pause is also scored by it (in a worker thread, beside
the early recognition), and the two together settle how much silence this pause
needs before the end of speech is committed (:mod:`openlive.pipeline.turn_end`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from openlive.engines.audio_base import (
    INPUT_RATE,
    GlimpsingASR,
    Heard,
    LanguageHearingASR,
    Samples,
    SpeechEngines,
)
from openlive.engines.language import plan_languages
from openlive.errors import PolicyViolation
from openlive.metrics import METRICS, Recognition
from openlive.metrics import SpeechEnded as SpeechEndedRecord
from openlive.metrics import SpeechPaused as SpeechPausedRecord
from openlive.metrics import SpeechStarted as SpeechStartedRecord
from openlive.pipeline.affect import measure_voice
from openlive.pipeline.audio_in import (
    AudioInput,
    InputEvent,
    SpeechLasted,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    Utterance,
)
from openlive.pipeline.backchannel import BargeInConfig
from openlive.pipeline.endpointer import EndpointerConfig
from openlive.pipeline.events import FinalTranscript, TentativeTranscript, VoiceEvent
from openlive.pipeline.turn_end import TurnPolicy, text_sounds_finished, uses_turn_model
from openlive.priority import PRIORITY
from openlive.session import EndAudioStream, FeedAudio, MarkActivity
from openlive.session.native import VoiceFeatures
from openlive.wire.client import Setup

log = logging.getLogger(__name__)

Given = TypeVar("Given")
Result = TypeVar("Result")

AudioItem = FeedAudio | MarkActivity | EndAudioStream
Guard = Callable[[str, Coroutine[object, object, None]], Coroutine[object, object, None]]


@dataclass(frozen=True)
class AudioLimits:
    """Bounds on a connection's audio input.

    Attributes:
        max_ahead_s: How far the client's audio may run ahead of real time (a file
            sent at once is fine; an endless flood is closed).
        max_backlog_s: Audio waiting to be processed before the client is closed.
        idle_end_s: A pause in the audio stream this long ends an utterance in
            progress, as ``audioStreamEnd`` would.
    """

    max_ahead_s: float = 60.0
    max_backlog_s: float = 75.0
    idle_end_s: float = 1.0


class VoiceInput:
    """The audio front end and recogniser of one session.

    Args:
        engines: The shared speech engines.
        setup: The session's setup (activity detection settings, language).
        limits: Bounds on the audio input.
        executor: Where model work runs.
        on_event: Takes each event for turn taking, in order.
        guard: Runs a task so that its failure closes the session, named for the log.
        session_id: Names the session in its metrics records.
        turn_policy: How the turn model's verdict sets the silence that ends a turn.
        barge_in: Report :class:`~openlive.pipeline.audio_in.SpeechLasted` at its
            marks (for decisions on speech heard during a reply); ``None``: never.
    """

    def __init__(
        self,
        engines: SpeechEngines,
        setup: Setup,
        limits: AudioLimits,
        executor: Executor | None,
        on_event: Callable[[VoiceEvent], None],
        guard: Guard,
        session_id: str = "-",
        turn_policy: TurnPolicy | None = None,
        barge_in: BargeInConfig | None = None,
    ) -> None:
        activity = setup.activity
        config = EndpointerConfig.from_live_api(
            activity.start_sensitivity,
            activity.end_sensitivity,
            activity.prefix_padding_ms,
            activity.silence_duration_ms,
        )
        self._turn_policy = turn_policy or TurnPolicy()
        self._turn = engines.turn
        self._text_turn = engines.text_turn
        if self._turn is not None and not uses_turn_model(
            activity.end_sensitivity, activity.silence_duration_ms
        ):
            self._turn = None  # the client's own silence rule stands
        if self._turn is not None:
            config = dataclasses.replace(config, turn_wait_ms=self._turn_policy.incomplete_ms)
        self._audio_in = AudioInput(
            vad=None if activity.disabled else engines.vad.stream(),
            config=config,
            include_all_input=activity.all_input,
            marks_ms=barge_in.marks_ms if barge_in is not None else (),
        )
        self._language_code = setup.speech.language_code
        self._affective = bool(setup.raw.get("generationConfig", {}).get("enableAffectiveDialog", False))
        self._asr = engines.asr
        self._languages = plan_languages(
            setup.speech.language_code,
            setup.model,
            tuple(engines.asr.languages),
            tuple(engines.tts.languages),
        )
        for note in self._languages.notes:  # once per session: this runs at its first audio
            log.info("%s", note)
        self._limits = limits
        self._executor = executor
        self._on_event = on_event
        self._session_id = session_id
        self._items: asyncio.Queue[AudioItem] = asyncio.Queue()
        # Each utterance, with the early recognition of the same speech if there was one.
        self._utterances: asyncio.Queue[tuple[Utterance, asyncio.Task[Heard] | None]] = asyncio.Queue()
        # The early recognition of the current pause, while it stands.
        self._early: asyncio.Task[Heard] | None = None
        # The turn model's verdict on the current pause, while it stands.
        self._settling: asyncio.Task[None] | None = None
        self._early_tasks: set[asyncio.Task[Any]] = set()
        self._backlog_s = 0.0
        self._received_s = 0.0
        self._first_audio_at: float | None = None
        self.tasks = [
            asyncio.create_task(guard("audio input", self._audio_loop()), name="audio"),
            asyncio.create_task(guard("speech recognition", self._recognition_loop()), name="asr"),
        ]

    def put(self, item: AudioItem) -> None:
        """Queue the next input item, in arrival order.

        Raises:
            PolicyViolation: The client sends audio far faster than real time, or
                faster than it can be processed (close 1008).
        """
        if isinstance(item, FeedAudio):
            seconds = len(item.data) / 2 / item.rate
            now = asyncio.get_running_loop().time()
            if self._first_audio_at is None:
                self._first_audio_at = now
            self._received_s += seconds
            self._backlog_s += seconds
            ahead = self._received_s - (now - self._first_audio_at)
            if ahead > self._limits.max_ahead_s:
                raise PolicyViolation(
                    f"audio arrives {ahead:.0f} s ahead of real time; stream it as it is recorded"
                )
            if self._backlog_s > self._limits.max_backlog_s:
                raise PolicyViolation(
                    f"over {self._limits.max_backlog_s:.0f} s of audio is waiting to be processed; "
                    "send it at real-time pace"
                )
        self._items.put_nowait(item)

    async def _audio_loop(self) -> None:
        try:
            await self._feed_audio()
        finally:
            for task in self._early_tasks:
                task.cancel()

    async def _feed_audio(self) -> None:
        loop = asyncio.get_running_loop()
        audio_in = self._audio_in
        while True:
            # A pause in the stream ends an utterance in progress, as
            # audioStreamEnd would; outside speech, just wait.
            timeout = self._limits.idle_end_s if audio_in.in_speech and not audio_in.manual else None
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow the
            # task's cancellation when the client leaves, and the session would leak.
            try:
                async with asyncio.timeout(timeout):
                    item = await self._items.get()
            except TimeoutError:
                item = EndAudioStream()
            events = await loop.run_in_executor(self._executor, _process_audio, audio_in, item)
            if isinstance(item, FeedAudio):
                self._backlog_s -= len(item.data) / 2 / item.rate
            for event in events:
                if isinstance(event, SpeechStarted):
                    METRICS.emit(SpeechStartedRecord(self._session_id, event.at_s))
                    self._on_event(event)
                elif isinstance(event, SpeechPaused):
                    METRICS.emit(SpeechPausedRecord(self._session_id, audio_in.samples_in / INPUT_RATE))
                    self._start_early(event)
                    if self._turn is not None:
                        self._settling = self._spawn_side(self._settle_turn(event, self._early), "turn")
                elif isinstance(event, SpeechLasted):
                    self._on_event(event)
                elif isinstance(event, SpeechResumed):
                    # The user went on: the pause's work is void. Work not started yet
                    # never runs, so a halting speaker does not queue up recognitions.
                    for stale in (self._early, self._settling):
                        if stale is not None:
                            stale.cancel()
                    self._early = self._settling = None
                    self._on_event(event)
                else:
                    at_s = audio_in.samples_in / INPUT_RATE
                    METRICS.emit(SpeechEndedRecord(self._session_id, at_s, event.duration_s))
                    self._utterances.put_nowait((event, self._early))
                    self._early = self._settling = None

    def _spawn_side(self, job: Coroutine[object, object, None], name: str) -> asyncio.Task[None]:
        # Work for a pause: cancelled with the session, its failure not the session's.
        task = asyncio.create_task(job, name=name)
        self._early_tasks.add(task)
        task.add_done_callback(self._early_tasks.discard)
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return task

    async def _settle_turn(self, pause: SpeechPaused, early: asyncio.Task[Heard] | None) -> None:
        """Score the pause with the turn model and, with its transcript, settle the silence it needs."""
        assert self._turn is not None
        loop = asyncio.get_running_loop()
        started = loop.time()
        turn = self._turn
        try:
            probability: float | None = await loop.run_in_executor(
                self._executor, _urgent, turn.probability, pause.audio
            )
        except Exception:  # noqa: BLE001 - a failed model leaves the words to decide
            log.exception("the turn model failed")
            probability = None
        text, language = None, self._language_code
        if early is not None:
            # The words decide between the waits whatever the model said.
            try:
                heard: Heard | None = await asyncio.shield(early)
            except Exception:  # noqa: BLE001 - the recognition's failure is reported where it is awaited
                heard = None
            if heard is not None:
                text, language = heard.text, heard.language
        text_end = await self._read_words(text, language)
        silence = self._turn_policy.silence_ms(probability, text, language, text_end)
        settled = self._audio_in.settle(pause.pause, silence)
        log.info(
            "turn model: %s finished after %.0f ms%s: end after %d ms of silence%s",
            "n/a" if probability is None else f"{probability:.2f}",
            1000 * (loop.time() - started),
            ""
            if text is None
            else f" (words: {'open' if silence == self._turn_policy.incomplete_ms else 'could end'}"
            f"{'' if text_end is None else f', {text_end:.1f} to end'})",
            silence,
            "" if settled else " (too late: the speech went on or ended)",
        )

    async def _read_words(self, text: str | None, language: str | None) -> float | None:
        """A language model's log-probability that ``text`` ends the turn (``None``: not read).

        English only: the bounds it is compared with were set on English speech. Words
        the word list calls open are not read: they wait the longest whatever the reading.
        """
        read = self._text_turn
        if read is None or not text or (language or "en").split("-")[0].lower() != "en":
            return None
        if not text_sounds_finished(text, language):
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, _urgent, read, text)
        except Exception:  # noqa: BLE001 - a failed reading leaves the voice and the word list to decide
            log.exception("reading whether the words end the turn failed")
            return None

    async def recognise(self, audio: Samples) -> str:
        """Recognise ``audio`` now, ahead of other work (a partial transcript for a barge-in)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        if isinstance(self._asr, GlimpsingASR):
            text = await loop.run_in_executor(self._executor, self._glimpse, audio)
        else:
            text = (await loop.run_in_executor(self._executor, self._transcribe, audio)).text
        log.debug(
            "partial recognition of %.2f s of speech in %.0f ms",
            audio.size / INPUT_RATE,
            1000 * (loop.time() - started),
        )
        return text

    def _glimpse(self, audio: Samples) -> str:
        assert isinstance(self._asr, GlimpsingASR)
        with PRIORITY.urgent():
            return self._asr.glimpse(audio, self._languages.hear)

    def _start_early(self, pause: SpeechPaused) -> None:
        """Recognise the speech so far while the endpointer waits for the rest of the silence."""
        if pause.audio.size < INPUT_RATE // 10:
            self._early = None
            return
        task = asyncio.create_task(self._recognise_early(pause), name="asr-early")
        self._early = task
        self._early_tasks.add(task)
        task.add_done_callback(self._early_tasks.discard)
        # A pause the user talks over is never awaited: its failure is not news.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def _recognise_early(self, pause: SpeechPaused) -> Heard:
        loop = asyncio.get_running_loop()
        started = loop.time()
        heard = await loop.run_in_executor(self._executor, self._transcribe, pause.audio)
        asr_ms = 1000 * (loop.time() - started)
        METRICS.emit(Recognition(self._session_id, pause.duration_s, asr_ms, tentative=True))
        log.debug("the pause's speech: %r", heard.text[:80])  # what users say: DEBUG only
        voice = await self._measure(pause.audio)
        if self._early is asyncio.current_task():
            self._on_event(TentativeTranscript(heard.text, pause.duration_s, heard.language, voice))
        return heard

    def _transcribe(self, audio: Samples) -> Heard:
        plan = self._languages
        # The user is waiting: recognition goes before work that is ahead of them.
        with PRIORITY.urgent():
            if plan.hear is None and isinstance(self._asr, LanguageHearingASR):
                return self._asr.hear(audio, None, plan.among)
            return Heard(self._asr.transcribe(audio, plan.hear), plan.hear or "en")

    async def _recognition_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            utterance, early = await self._utterances.get()
            if utterance.audio.size < INPUT_RATE // 10:
                continue  # under 100 ms: nothing to recognise
            started = loop.time()
            if early is not None:
                # Recognised during the pause, and the user said nothing since.
                heard = await early
            else:
                heard = await loop.run_in_executor(self._executor, self._transcribe, utterance.audio)
            asr_ms = 1000 * (loop.time() - started)
            METRICS.emit(Recognition(self._session_id, utterance.duration_s, asr_ms, early=early is not None))
            log.debug("heard: %r", heard.text[:80])
            voice = await self._measure(utterance.audio)
            self._on_event(FinalTranscript(heard.text, utterance.duration_s, heard.language, voice))

    async def _measure(self, audio: Samples) -> VoiceFeatures | None:
        """The voice's pitch, loudness and pace, when the session asks for affective dialog."""
        if not self._affective:
            return None
        return await asyncio.get_running_loop().run_in_executor(self._executor, measure_voice, audio)


def _urgent(work: Callable[[Given], Result], given: Given) -> Result:
    # The user is waiting for the turn to end: this goes before work ahead of them.
    with PRIORITY.urgent():
        return work(given)


def _process_audio(audio_in: AudioInput, item: AudioItem) -> list[InputEvent]:
    """Run one input item through the audio front end (in a worker thread)."""
    if isinstance(item, FeedAudio):
        return audio_in.feed(item.data, item.rate)
    if isinstance(item, MarkActivity):
        if item.start:
            audio_in.activity_start()
            return []
        utterance = audio_in.activity_end()
        return [utterance] if utterance is not None else []
    utterance = audio_in.flush()
    return [utterance] if utterance is not None else []
