"""The conversation as a state machine: setup, active, closed. No I/O."""

from openlive.session.history import History, Turn
from openlive.session.session import (
    Action,
    CancelGeneration,
    ModelResolver,
    Send,
    Session,
    SessionLimits,
    StartGeneration,
    State,
)

__all__ = [
    "Action",
    "CancelGeneration",
    "History",
    "ModelResolver",
    "Send",
    "Session",
    "SessionLimits",
    "StartGeneration",
    "State",
    "Turn",
]
