"""The audio front end of one session: PCM in, speech starts and utterances out.

``AudioInput`` is synchronous and does no I/O; the connection calls it from a
worker thread, one call at a time, and turns what it returns into session events.
It resamples any input rate to 16 kHz, scores frames with the VAD, decides start
and end of speech with the :class:`~openlive.pipeline.endpointer.Endpointer`, and
collects the utterance audio. With automatic detection disabled, the client's
``activityStart``/``activityEnd`` mark the utterance instead.

During the silence before the end of speech is committed, a :class:`SpeechPaused`
carries the utterance as it would be if it ended there, so that recognition can
start early; :class:`SpeechResumed` says the user went on and that work is void.
If no :class:`SpeechResumed` comes before the :class:`Utterance`, the utterance
holds the same speech as the pause's audio, and is as long.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

import numpy as np

from openlive.audio import Samples, StreamResampler, pcm16_to_float
from openlive.engines.audio_base import INPUT_RATE, VadStream
from openlive.pipeline.endpointer import Endpointer, EndpointerConfig, Event

# Audio kept before the committed start of speech, so the first syllable reaches ASR.
PREROLL_MS = 300
# Silence kept after the end of speech; the rest of the trailing silence is dropped.
TAIL_MS = 200
# Whisper hears at most 30 s at a time; a longer utterance is cut there.
MAX_UTTERANCE_S = 30.0


@dataclass(frozen=True)
class SpeechStarted:
    """The user started speaking ``at_s`` seconds into the stream."""

    at_s: float


@dataclass(frozen=True)
class SpeechPaused:
    """The user paused: the utterance so far, as it would be if it ended here.

    ``pause`` numbers the pause, for :meth:`AudioInput.settle`.
    """

    audio: Samples
    pause: int = 0

    @property
    def duration_s(self) -> float:
        """Length of the audio."""
        return self.audio.size / INPUT_RATE


@dataclass(frozen=True)
class SpeechResumed:
    """The user went on speaking after a :class:`SpeechPaused`."""


@dataclass(frozen=True)
class SpeechLasted:
    """The speech has gone on ``ms`` since its first voiced frame (one of the marks asked for).

    ``audio`` is the utterance so far.
    """

    ms: int
    audio: Samples


@dataclass(frozen=True)
class Utterance:
    """What the user said, as 16 kHz audio, ready for recognition."""

    audio: Samples

    @property
    def duration_s(self) -> float:
        """Length of the audio."""
        return self.audio.size / INPUT_RATE


InputEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechLasted | Utterance


class AudioInput:
    """Per-session audio front end.

    Args:
        vad: The session's VAD stream, or ``None`` when the client marks activity.
        config: Endpointing thresholds (automatic detection only).
        include_all_input: ``TURN_INCLUDES_ALL_INPUT``: the utterance also holds the
            audio heard since the previous turn, not only the detected speech.
        marks_ms: Report a :class:`SpeechLasted` when the speech reaches each of
            these durations (counted from its first voiced frame).
    """

    def __init__(
        self,
        vad: VadStream | None,
        config: EndpointerConfig | None = None,
        include_all_input: bool = False,
        marks_ms: tuple[int, ...] = (),
    ) -> None:
        self._vad = vad
        self._endpointer = Endpointer(config or EndpointerConfig())
        self._frame = vad.frame_samples if vad is not None else 512
        frame_ms = 1000 * self._frame / INPUT_RATE
        keep_ms = (
            MAX_UTTERANCE_S * 1000 if include_all_input else PREROLL_MS + self._endpointer.config.start_ms
        )
        self._before: collections.deque[Samples] = collections.deque(maxlen=max(1, int(keep_ms / frame_ms)))
        self._before_samples = int(keep_ms * INPUT_RATE / 1000)
        self._tail_frames = max(1, int(TAIL_MS / frame_ms))
        self._max_frames = int(MAX_UTTERANCE_S * 1000 / frame_ms)
        self._resampler: StreamResampler | None = None
        self._pending = np.zeros(0, dtype=np.float32)
        self._utterance: list[Samples] = []
        self._active = False  # manual mode: between activityStart and activityEnd
        self._marks = sorted(marks_ms)
        self._frame_ms = frame_ms
        self._speech_from = 0  # the first voiced frame of the speech in progress
        self._next_mark = len(self._marks)  # index of the next mark to report
        self.samples_in = 0  # 16 kHz samples received

    @property
    def manual(self) -> bool:
        """Whether the client marks activity itself."""
        return self._vad is None

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is being collected."""
        return self._active if self.manual else self._endpointer.in_speech

    def settle(self, pause: int, silence_ms: int) -> bool:
        """Say how much silence pause number ``pause`` needs to end the turn (thread-safe).

        See :meth:`~openlive.pipeline.endpointer.Endpointer.settle`.
        """
        return self._endpointer.settle(pause, silence_ms)

    def feed(self, data: bytes, rate: int) -> list[InputEvent]:
        """Take a chunk of 16-bit PCM at ``rate``; return what it completed."""
        if self._resampler is None or self._resampler.from_rate != rate:
            self._resampler = StreamResampler(rate, INPUT_RATE)
        samples = self._resampler.process(pcm16_to_float(data))
        self.samples_in += samples.size
        if self.manual:
            return self._collect_manual(samples)
        return self._detect(samples)

    def _collect_manual(self, samples: Samples) -> list[InputEvent]:
        if self._active:
            self._utterance.append(samples)
            if sum(chunk.size for chunk in self._utterance) >= MAX_UTTERANCE_S * INPUT_RATE:
                # Still active, but too long for one recognition: hand over what we have.
                return [self._finish(self._utterance)]
            return []
        # Chunks come in any size here: keep the most recent audio by duration.
        recent = np.concatenate([*self._before, samples])[-self._before_samples :]
        self._before.clear()
        self._before.append(recent)
        return []

    def _detect(self, samples: Samples) -> list[InputEvent]:
        assert self._vad is not None
        audio = np.concatenate([self._pending, samples]) if self._pending.size else samples
        whole = audio.size - audio.size % self._frame
        self._pending = audio[whole:].copy()
        if whole == 0:
            return []
        probabilities = self._vad.speech_probabilities(audio[:whole])
        events: list[InputEvent] = []
        for index, probability in enumerate(probabilities):
            frame = audio[index * self._frame : (index + 1) * self._frame]
            decision = self._endpointer.push(float(probability))
            event = decision.event if decision is not None else None
            if self._endpointer.in_speech or event is Event.SPEECH_ENDED:
                self._utterance.append(frame)
            else:
                self._before.append(frame)
            if event is Event.SPEECH_STARTED:
                assert decision is not None
                # The frames that committed the start, and the preroll before them,
                # were kept in `_before`; the utterance starts with them.
                self._utterance = [*self._before, *self._utterance]
                self._before.clear()
                self._speech_from = decision.frame
                self._next_mark = 0
                events.append(SpeechStarted(at_s=decision.frame * self._frame / INPUT_RATE))
            elif event is Event.SPEECH_PAUSED:
                assert decision is not None
                # The utterance as it will be if it ends here: the tail not heard yet
                # is silence, so it is zeros, and the length is the utterance's.
                frames = self._trimmed(decision.frame)
                missing = self._tail_frames - (self._endpointer.frames_seen - decision.frame)
                tail = np.zeros(max(0, missing) * self._frame, np.float32)
                events.append(
                    SpeechPaused(
                        audio=np.concatenate([*frames, tail]).astype(np.float32, copy=False),
                        pause=self._endpointer.pauses,
                    )
                )
            elif event is Event.SPEECH_RESUMED:
                events.append(SpeechResumed())
            elif event is Event.SPEECH_ENDED:
                assert decision is not None
                events.append(self._finish(self._trimmed(decision.frame)))
            elif len(self._utterance) >= self._max_frames:
                events.append(self._cut())
            # Only while the voice goes on: the silence of a pause is not speech.
            going = self._endpointer.in_speech and not self._endpointer.paused
            if going and self._next_mark < len(self._marks):
                lasted = (self._endpointer.frames_seen - self._speech_from) * self._frame_ms
                if lasted >= self._marks[self._next_mark]:
                    self._next_mark += 1
                    so_far = np.concatenate(self._utterance).astype(np.float32, copy=False)
                    events.append(SpeechLasted(ms=int(lasted), audio=so_far))
        return events

    def _trimmed(self, first_silent: int) -> list[Samples]:
        # The utterance's frames up to the silence that ends it, and a little of it.
        silent = self._endpointer.frames_seen - first_silent
        keep = max(0, len(self._utterance) - silent + self._tail_frames)
        return self._utterance[:keep]

    def _cut(self) -> Utterance:
        # Too long for one recognition: hand over what we have and start afresh.
        self._endpointer.reset()
        return self._finish(self._utterance)

    def _finish(self, frames: list[Samples]) -> Utterance:
        self._utterance = []
        audio = np.concatenate(frames) if frames else np.zeros(0, dtype=np.float32)
        return Utterance(audio=audio.astype(np.float32, copy=False))

    def activity_start(self) -> None:
        """The client says the user started speaking (automatic detection disabled)."""
        if not self._active:
            self._active = True
            self._utterance = list(self._before)
            self._before.clear()

    def activity_end(self) -> Utterance | None:
        """The client says the user stopped speaking; return what they said."""
        if not self._active:
            return None
        self._active = False
        if self._resampler is not None:
            # The resampler holds back a few milliseconds; they belong to this utterance.
            self._utterance.append(self._resampler.process(np.zeros(0, dtype=np.float32), last=True))
            self._resampler = None
        return self._finish(self._utterance)

    def flush(self) -> Utterance | None:
        """End any utterance in progress (``audioStreamEnd`` or a long pause in the stream)."""
        if self._resampler is not None:
            tail = self._resampler.process(np.zeros(0, dtype=np.float32), last=True)
            self._resampler = None
            if tail.size and self.in_speech:
                self._utterance.append(tail)
        self._pending = np.zeros(0, dtype=np.float32)
        if self.manual:
            return self.activity_end()
        if self._vad is not None:
            self._vad.reset()
        if not self._endpointer.in_speech:
            self._endpointer.reset()
            return None
        self._endpointer.reset()
        return self._finish(self._utterance)
