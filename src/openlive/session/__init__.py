"""The conversation as a state machine: setup, active, closed. No I/O."""

from openlive.session.history import History, Turn
from openlive.session.session import (
    Action,
    CancelGeneration,
    Checkpoint,
    EndAudioStream,
    FeedAudio,
    MarkActivity,
    ModelLimits,
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
    "Checkpoint",
    "EndAudioStream",
    "FeedAudio",
    "MarkActivity",
    "History",
    "ModelLimits",
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
