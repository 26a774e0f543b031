"""The records: one frozen dataclass per thing measured.

Each carries the session it belongs to; times are in seconds of the session's
audio (``*_at_s``) or durations in milliseconds (``*_ms``) or seconds (``*_s``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpeechStarted:
    """The voice input detected the start of speech, ``at_s`` into the session's audio."""

    session_id: str
    at_s: float


@dataclass(frozen=True)
class SpeechPaused:
    """The user paused, ``at_s`` into the audio: recognition starts while the silence is timed."""

    session_id: str
    at_s: float


@dataclass(frozen=True)
class SpeechEnded:
    """The end of speech was committed ``at_s`` into the audio, after ``speech_s`` of speech."""

    session_id: str
    at_s: float
    speech_s: float


@dataclass(frozen=True)
class Recognition:
    """Speech was recognised (its transcript is ready).

    Attributes:
        session_id: The session.
        speech_s: Seconds of speech recognised.
        asr_ms: How long recognition took (for a committed turn recognised during
            its pause, the wait for that recognition).
        tentative: Recognition of a pause, before the end of speech is committed.
        early: A committed turn whose text was recognised during its pause.
    """

    session_id: str
    speech_s: float
    asr_ms: float
    tentative: bool = False
    early: bool = False


@dataclass(frozen=True)
class ToolsPlanned:
    """The tool planner chose ``steps`` (step type names) in ``plan_ms``."""

    session_id: str
    steps: tuple[str, ...]
    plan_ms: float


@dataclass(frozen=True)
class ReplyTimings:
    """A reply that ran to its end.

    Attributes:
        session_id: The session.
        prompt_tokens: Tokens of the prompt, as the engine counted them.
        response_tokens: Tokens generated.
        first_token_ms: From the reply's start to its first token.
        first_audio_ms: From the reply's start to its first audio sent (0: text reply).
        queue_wait_ms: Time the reply waited for the engine.
        audio_s: Seconds of reply audio.
        ahead_ms: How long the reply ran before its turn was committed (a reply
            started during the user's pause); 0 for one started by its turn.
        reply_ms: From the reply's start to its end (its last audio or text sent).
    """

    session_id: str
    prompt_tokens: int
    response_tokens: int
    first_token_ms: float
    first_audio_ms: float
    queue_wait_ms: float
    audio_s: float
    ahead_ms: float
    reply_ms: float = 0.0


@dataclass(frozen=True)
class SessionClosed:
    """The server closed a session with ``code`` (a client leaving is not one)."""

    session_id: str
    code: int
    reason: str


Record = (
    SpeechStarted | SpeechPaused | SpeechEnded | Recognition | ToolsPlanned | ReplyTimings | SessionClosed
)
