"""The conversation as a state machine: setup, active, closed. No I/O."""

from openlive.session.history import History, Turn
from openlive.session.session import (
    Action,
    CancelGeneration,
    EndAudioStream,
    FeedAudio,
    MarkActivity,
    ModelResolver,
    Send,
    Session,
    SessionLimits,
    SpeechCapabilities,
    StartGeneration,
    State,
    Voice,
)

__all__ = [
    "Action",
    "CancelGeneration",
    "EndAudioStream",
    "FeedAudio",
    "MarkActivity",
    "History",
    "ModelResolver",
    "Send",
    "Session",
    "SessionLimits",
    "SpeechCapabilities",
    "StartGeneration",
    "State",
    "Turn",
    "Voice",
]
