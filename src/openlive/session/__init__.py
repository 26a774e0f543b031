"""The conversation as a state machine: setup, active, closed. No I/O."""

from openlive.session.actions import (
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
    StartGeneration,
    Voice,
)
from openlive.session.context import ModelLimits, TokenEstimate
from openlive.session.history import History, Turn
from openlive.session.session import (
    ModelResolver,
    Session,
    SessionLimits,
    SpeechCapabilities,
    State,
)

__all__ = [
    "Action",
    "AwaitToolResponses",
    "FetchUrls",
    "PlanTools",
    "RunCode",
    "RunSearch",
    "CancelGeneration",
    "Checkpoint",
    "EndAudioStream",
    "FeedAudio",
    "MarkActivity",
    "History",
    "ModelLimits",
    "ModelResolver",
    "SeeFrame",
    "Send",
    "Session",
    "SessionLimits",
    "SpeechCapabilities",
    "StartGeneration",
    "State",
    "TokenEstimate",
    "Turn",
    "Voice",
]
