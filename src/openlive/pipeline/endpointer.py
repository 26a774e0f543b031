"""Turn speech probabilities into start- and end-of-speech decisions. No I/O.

The Live API's ``automaticActivityDetection`` settings map onto four numbers:

- ``startOfSpeechSensitivity``: how likely a frame must be speech to count
  (HIGH starts on weaker evidence than LOW);
- ``prefixPaddingMs``: how much speech must be heard before the start is committed;
- ``endOfSpeechSensitivity``: how unlikely a frame must be speech to count as silence
  (HIGH ends sooner than LOW);
- ``silenceDurationMs``: how much silence must follow before the end is committed.

Before the end is committed, a shorter silence (``pause_ms``) reports a *pause*:
the user may have finished, so work on the reply can start (recognition, the
model, the first clause's speech) and be kept if the end is committed, or thrown
away if the speech resumes first (reported as *resumed*).

The default silence is 300 ms for ``END_SENSITIVITY_HIGH`` (the Live API's
default sensitivity; its default duration is not documented). A short rule is
what makes a turn feel answered at once: the reply cannot start before the end is
committed, and with the work done during the pause, the rule is most of what the
user waits. 300 ms is longer than the gaps between words; a user who pauses
longer mid-sentence gets the usual barge-in when they go on (the reply stops, and
the next one answers both parts), and a client can set ``silenceDurationMs``, or
``END_SENSITIVITY_LOW`` for 800 ms, for a slower speaker.

With a turn model (``turn_wait_ms`` set), silence alone does not end the turn: at
each pause the endpointer waits up to ``turn_wait_ms`` for :meth:`Endpointer.settle`
to say how much silence this pause needs (short if the speech sounds finished,
long if not; see :mod:`openlive.pipeline.turn_end`).
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

FRAME_MS = 32  # Silero's window: 512 samples at 16 kHz
DEFAULT_SILENCE_MS = 300
LOW_SENSITIVITY_SILENCE_MS = 800
# Silence after which a pause is reported: two frames. Silero's probability falls
# a frame or two after the voice stops, so the pause is reported about 100 ms
# after the last voiced sample, and recognition, the first token and the first
# clause's speech are under way well before the end is committed. The price is
# some recognitions of pauses the user talks over, on a core that is idle then.
DEFAULT_PAUSE_MS = 64


@dataclass(frozen=True)
class EndpointerConfig:
    """The thresholds and durations of one session's activity detection.

    Attributes:
        start_threshold: Speech probability at or above which a frame is speech.
        end_threshold: Speech probability below which a frame is silence.
        start_ms: Speech needed before start-of-speech is committed.
        silence_ms: Silence needed before end-of-speech is committed.
        pause_ms: Silence after which a pause is reported, before the end is
            committed; ``None`` (or not less than ``silence_ms``) reports none.
        turn_wait_ms: With a turn model: from each pause on, the silence needed
            is this long until :meth:`Endpointer.settle` names the pause's own;
            ``None``: ``silence_ms`` always.
    """

    start_threshold: float = 0.5
    end_threshold: float = 0.35
    start_ms: int = 64
    silence_ms: int = DEFAULT_SILENCE_MS
    pause_ms: int | None = DEFAULT_PAUSE_MS
    turn_wait_ms: int | None = None

    @classmethod
    def from_live_api(
        cls,
        start_sensitivity: str | None = None,
        end_sensitivity: str | None = None,
        prefix_padding_ms: int | None = None,
        silence_duration_ms: int | None = None,
    ) -> EndpointerConfig:
        """Map the Live API's ``automaticActivityDetection`` fields to thresholds.

        Unset fields take the defaults for HIGH sensitivity, as the Live API does.
        """
        low_start = start_sensitivity == "START_SENSITIVITY_LOW"
        low_end = end_sensitivity == "END_SENSITIVITY_LOW"
        return cls(
            start_threshold=0.7 if low_start else 0.5,
            end_threshold=0.2 if low_end else 0.35,
            start_ms=prefix_padding_ms if prefix_padding_ms is not None else (160 if low_start else 64),
            silence_ms=(
                silence_duration_ms
                if silence_duration_ms is not None
                else (LOW_SENSITIVITY_SILENCE_MS if low_end else DEFAULT_SILENCE_MS)
            ),
        )


class Event(enum.Enum):
    """What the endpointer decided about a frame."""

    SPEECH_STARTED = "speech_started"
    SPEECH_PAUSED = "speech_paused"
    SPEECH_RESUMED = "speech_resumed"
    SPEECH_ENDED = "speech_ended"


@dataclass(frozen=True)
class Decision:
    """An event, and the frame it refers to.

    Attributes:
        event: Start or end of speech.
        frame: For a start, the first speech frame of the run that committed it;
            for a pause or an end, the first silent frame after the speech; for a
            resumption, the frame whose speech ended the pause.
    """

    event: Event
    frame: int


class Endpointer:
    """Hysteresis over per-frame speech probabilities.

    Args:
        config: Thresholds and durations.
        frame_ms: Duration of one frame.
    """

    def __init__(self, config: EndpointerConfig, frame_ms: int = FRAME_MS) -> None:
        self.config = config
        self._start_frames = max(1, -(-config.start_ms // frame_ms))
        self._silence_frames = max(1, -(-config.silence_ms // frame_ms))
        pause = max(1, -(-config.pause_ms // frame_ms)) if config.pause_ms is not None else None
        # A pause is only worth reporting if the end is not committed at the same frame.
        self._pause_frames = pause if pause is not None and pause < self._silence_frames else None
        self._frame_ms = frame_ms
        # The silence the current pause needs (changed by `settle` from another thread).
        self._needed = self._silence_frames
        self._lock = threading.Lock()
        self.pauses = 0  # pauses reported so far; `settle` names the one it is for
        self.in_speech = False
        self._frame = 0
        self._run_start = -1  # first frame of the current run of speech (or silence)
        self._run = 0

    @property
    def frames_seen(self) -> int:
        """Frames pushed so far."""
        return self._frame

    @property
    def paused(self) -> bool:
        """Whether a pause was reported and the speech has not resumed since."""
        return self.in_speech and self._pause_frames is not None and self._run >= self._pause_frames

    @property
    def silent_frames(self) -> int:
        """Consecutive silent frames at the end, while in speech (0 outside speech)."""
        return self._run if self.in_speech else 0

    def settle(self, pause: int, silence_ms: int) -> bool:
        """Say how much silence pause number ``pause`` needs to end the turn (thread-safe).

        Ignored (``False``) if the speech resumed or ended since that pause. A
        silence already longer than ``silence_ms`` ends the turn at the next frame.
        """
        with self._lock:
            if pause != self.pauses or not self.paused:
                return False
            self._needed = max(1, -(-silence_ms // self._frame_ms))
            return True

    def push(self, probability: float) -> Decision | None:
        """Take the next frame's speech probability; return a decision, if one is committed."""
        with self._lock:
            return self._push(probability)

    def _push(self, probability: float) -> Decision | None:
        frame = self._frame
        self._frame += 1
        if not self.in_speech:
            if probability >= self.config.start_threshold:
                if self._run == 0:
                    self._run_start = frame
                self._run += 1
                if self._run >= self._start_frames:
                    self.in_speech = True
                    self._run = 0
                    return Decision(Event.SPEECH_STARTED, self._run_start)
            else:
                self._run = 0
            return None
        if probability < self.config.end_threshold:
            if self._run == 0:
                self._run_start = frame
            self._run += 1
            if self._run >= self._needed:
                self.in_speech = False
                self._run = 0
                self._needed = self._silence_frames
                return Decision(Event.SPEECH_ENDED, self._run_start)
            if self._run == self._pause_frames:
                self.pauses += 1
                if self.config.turn_wait_ms is not None:
                    self._needed = max(self._run + 1, -(-self.config.turn_wait_ms // self._frame_ms))
                return Decision(Event.SPEECH_PAUSED, self._run_start)
        else:
            paused = self.paused
            self._run = 0
            self._needed = self._silence_frames
            if paused:
                return Decision(Event.SPEECH_RESUMED, frame)
        return None

    def reset(self) -> None:
        """Back to silence, as after ``audioStreamEnd``."""
        with self._lock:
            self.in_speech = False
            self._run = 0
            self._needed = self._silence_frames
