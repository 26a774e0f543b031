"""Property: a session fed any sequence of frames either acts on each or closes with
openlive's own error, and whatever it keeps can be saved and resumed."""

from __future__ import annotations

import json
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from openlive.engines.base import GenerationStats
from openlive.engines.registry import ModelTable
from openlive.errors import OpenliveError
from openlive.session import Session, StartGeneration
from openlive.session.session import SpeechCapabilities
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

from . import budget
from .strategies import MODEL, client_messages, setups

SPEECH = SpeechCapabilities(voices=("Puck", "Kore"), languages=("en-US", "de-DE"))
TABLE = ModelTable({MODEL.removeprefix("models/"): FakeLLM()})


def new_session() -> Session:
    return Session(TABLE.resolve, session_id="fuzz", speech=SPEECH)


def check_refusal(error: OpenliveError) -> None:
    # 1008 is the policy code: an unknown model or voice; 1011 would be a bug.
    assert error.close_code in (1007, 1008), (error.close_code, error.reason)
    error.close_reason().encode("utf-8")


def check_saved(session: Session) -> None:
    """The snapshot goes through the store's JSON and resumes a new session."""
    snapshot = json.dumps(session.snapshot(), ensure_ascii=False, allow_nan=False).encode("utf-8")
    resumed = new_session()
    resumed.restore(json.loads(snapshot))
    assert session.setup is not None
    resumed.receive(session.setup)
    assert [(t.role, t.text) for t in resumed.history] == [(t.role, t.text) for t in session.history]


@settings(max_examples=budget.examples("session"))
@given(setups(), st.lists(client_messages, max_size=4))
def test_a_session_takes_any_frames_or_closes_with_an_openlive_error(
    count_example: Callable[[], None], setup: str | bytes, frames: list[str | bytes]
) -> None:
    count_example()
    session = new_session()
    for frame in [setup, *frames]:
        try:
            actions = session.receive(parse_client_message(frame))
        except OpenliveError as error:
            check_refusal(error)
            return
        # The engine answers at once, so the next frame meets an idle session.
        for action in actions:
            if isinstance(action, StartGeneration):
                session.generation_text(action.turn_id, "ok")
                session.generation_done(action.turn_id, GenerationStats())
        check_saved(session)
