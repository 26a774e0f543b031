"""What a session asks its runtime to do: the actions it returns, as plain data.

The session (no I/O) answers every input with a list of these; the runtime
(``openlive.runtime``) carries each out with the executor its type names.
"""

from __future__ import annotations

from dataclasses import dataclass

from openlive.engines.base import ChatMessage, SamplingParams
from openlive.parts import ImagePart
from openlive.session.native import Delivery, ThinkingPlan
from openlive.wire import server as msg
from openlive.wire.tools import Tools


@dataclass(frozen=True)
class Send:
    """Send this message to the client."""

    message: msg.ServerMessage


@dataclass(frozen=True)
class Voice:
    """How a spoken reply sounds."""

    name: str
    language: str


@dataclass(frozen=True)
class StartGeneration:
    """Start generating a reply; report back with the same ``turn_id``.

    Attributes:
        turn_id: Identifies the reply in later events.
        model: The served model name.
        messages: The prompt.
        params: Sampling settings.
        voice: Speak the reply with this voice; ``None`` for a text reply.
        gate: Proactive audio: first judge whether the user's words were for the
            assistant, and make no reply if not.
        thinking: A reasoning pass before the answer; ``None`` for none.
        delivery: Affective dialog: how to speak the reply for the user's tone.
        after_tools: The reply answers with tool results in its prompt.
    """

    turn_id: int
    model: str
    messages: tuple[ChatMessage, ...]
    params: SamplingParams
    voice: Voice | None = None
    gate: bool = False
    thinking: ThinkingPlan | None = None
    delivery: Delivery | None = None
    after_tools: bool = False


@dataclass(frozen=True)
class FeedAudio:
    """Hand a chunk of 16-bit PCM at ``rate`` to the audio input."""

    data: bytes
    rate: int


@dataclass(frozen=True)
class SeeFrame:
    """A video frame arrived (checked, not decoded): it may be described ahead of its turn.

    Attributes:
        frame: The frame.
        previous: The newest image the history holds, the frame's ``previous``.
    """

    frame: ImagePart
    previous: ImagePart | None


@dataclass(frozen=True)
class MarkActivity:
    """The client marked the start (``True``) or end (``False``) of the user's activity."""

    start: bool


@dataclass(frozen=True)
class EndAudioStream:
    """The client's audio stream paused: flush what the audio input holds."""


@dataclass(frozen=True)
class Checkpoint:
    """The session can be resumed from here: save a snapshot and send the client a handle.

    Attributes:
        last_consumed_index: Index of the last client message the state includes
            (sent to the client when it asked for ``transparent`` resumption).
    """

    last_consumed_index: int


@dataclass(frozen=True)
class CancelGeneration:
    """Stop the generation of ``turn_id`` and drop whatever it still produces."""

    turn_id: int


@dataclass(frozen=True)
class PlanTools:
    """Ask the planner which tools the newest user turn needs; report with ``tools_planned``.

    Attributes:
        turn_id: The reply the plan is for.
        model: The served model name.
        messages: The prompt so far, newest user turn last.
        tools: The tools the session declared.
    """

    turn_id: int
    model: str
    messages: tuple[ChatMessage, ...]
    tools: Tools


@dataclass(frozen=True)
class RunCode:
    """Run ``code`` in the sandbox; report with ``code_ran``, or ``code_rewritten`` for another try.

    Attributes:
        task: What the code is for (the words it was written from), so that a
            program that fails can be written again; empty: it is not.
        attempt: Which try at the step this code is (1 for the first program).
    """

    turn_id: int
    step: int
    code: str
    task: str = ""
    attempt: int = 1


@dataclass(frozen=True)
class RunSearch:
    """Search for ``query``; report with ``search_done``."""

    turn_id: int
    step: int
    query: str


@dataclass(frozen=True)
class FetchUrls:
    """Fetch the pages the user named; report with ``pages_fetched``."""

    turn_id: int
    step: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class AwaitToolResponses:
    """The client owes responses to these blocking calls.

    Report with ``tool_calls_expired`` if they are not answered in time.
    """

    turn_id: int
    ids: tuple[str, ...]


Action = (
    Send
    | StartGeneration
    | CancelGeneration
    | FeedAudio
    | MarkActivity
    | EndAudioStream
    | SeeFrame
    | Checkpoint
    | PlanTools
    | RunCode
    | RunSearch
    | FetchUrls
    | AwaitToolResponses
)
