"""Turn taking over a real session, with a recording responder: speculation without a server."""

from __future__ import annotations

import threading

from openlive.engines.base import SamplingParams
from openlive.pipeline.events import FinalTranscript, SpeechResumed, SpeechStarted, TentativeTranscript
from openlive.pipeline.reply import Reply
from openlive.pipeline.turn_taking import TurnTaking
from openlive.session import Action, Session, SpeechCapabilities, StartGeneration
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

SETUP = '{"setup": {"model": "models/m", "generationConfig": {"responseModalities": ["AUDIO"]}}}'


class Responder:
    """Starts real (fake-engine) replies and remembers each request."""

    def __init__(self) -> None:
        self.requests: list[StartGeneration] = []
        self.replies: list[Reply] = []

    def start(self, request: StartGeneration, cancel: threading.Event | None = None) -> Reply:
        self.requests.append(request)
        reply = Reply(FakeLLM(), request.messages, SamplingParams(max_tokens=1), cancel=cancel)
        self.replies.append(reply)
        return reply


def turn_taking() -> tuple[TurnTaking, Responder, list[Action]]:
    session = Session(lambda name: "m", speech=SpeechCapabilities(voices=("Puck",), languages=("en-US",)))
    session.receive(parse_client_message(SETUP))
    responder = Responder()
    acted: list[Action] = []
    return TurnTaking(session, responder, acted.extend, lambda: False), responder, acted


async def test_the_turn_takes_the_reply_started_during_its_pause() -> None:
    turns, responder, acted = turn_taking()
    turns.hear(SpeechStarted(0.3))
    turns.hear(TentativeTranscript("hello", 1.0))
    assert len(responder.requests) == 1 and responder.requests[0].turn_id == 0
    turns.hear(FinalTranscript("hello", 1.0))
    start = next(a for a in acted if isinstance(a, StartGeneration))
    assert turns.take(start.turn_id) is responder.replies[0]
    assert turns.take(start.turn_id) is None  # taken once
    assert not responder.replies[0].cancel.is_set()
    responder.replies[0].stop()


async def test_going_on_after_the_pause_drops_the_reply_ahead() -> None:
    turns, responder, acted = turn_taking()
    turns.hear(TentativeTranscript("hello", 1.0))
    turns.hear(SpeechResumed())
    assert responder.replies[0].cancel.is_set()
    turns.hear(FinalTranscript("hello and more", 2.0))
    start = next(a for a in acted if isinstance(a, StartGeneration))
    assert turns.take(start.turn_id) is None


async def test_a_different_final_transcript_does_not_take_the_reply_ahead() -> None:
    turns, responder, acted = turn_taking()
    turns.hear(TentativeTranscript("hello", 1.0))
    turns.hear(FinalTranscript("goodbye", 1.0))
    start = next(a for a in acted if isinstance(a, StartGeneration))
    assert turns.take(start.turn_id) is None
    assert responder.replies[0].cancel.is_set()


async def test_previewing_leaves_the_session_as_it_was() -> None:
    turns, responder, _ = turn_taking()
    session_before = turns._session.snapshot()  # noqa: SLF001 - what the preview must not change
    turns.hear(TentativeTranscript("hello", 1.0))
    assert turns._session.snapshot() == session_before  # noqa: SLF001
    assert not turns._session.generating  # noqa: SLF001
    turns.close()
