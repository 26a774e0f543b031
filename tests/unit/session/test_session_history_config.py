"""``historyConfig.initialHistoryInClientContent``: the first clientContent seeds the history."""

from __future__ import annotations

from typing import Any

import pytest

from openlive.engines.registry import ModelTable
from openlive.errors import InvalidArgument
from openlive.session import Session, SessionLimits, StartGeneration, State
from openlive.testing import FakeLLM
from tests.unit.session.test_session import TEXT_ONLY, ask, content, feed

SEEDED = {"historyConfig": {"initialHistoryInClientContent": True}}
GEMINI_3 = "gemini-3.8-live"


def active_session(limits: SessionLimits | None = None, model: str = GEMINI_3, **setup: Any) -> Session:
    table = ModelTable(dict.fromkeys([GEMINI_3, "gemini-2.5-flash-native-audio-preview-12-2025"], FakeLLM()))
    session = Session(table.resolve, limits=limits)
    feed(session, {"setup": {"model": f"models/{model}", "generationConfig": TEXT_ONLY, **setup}})
    assert session.state is State.ACTIVE
    return session


def test_initial_history_seeds_the_session_without_a_reply() -> None:
    session = active_session(**SEEDED)
    # It may end with the model's turn, and spread over several messages.
    assert feed(session, content(("user", "My name is Ada."), complete=False)) == []
    assert feed(session, content(("model", "Nice to meet you, Ada."), complete=True)) == []
    assert [(t.role, t.text) for t in session.history] == [
        ("user", "My name is Ada."),
        ("model", "Nice to meet you, Ada."),
    ]
    assert not session.generating
    # After turnComplete, clientContent asks for replies as usual, with the seed in the prompt.
    generation = ask(session, "What is my name?")
    # After the server's own system rules, the seed then the question.
    assert [m.content for m in generation.messages if m.role != "system"] == [
        "My name is Ada.",
        "Nice to meet you, Ada.",
        "What is my name?",
    ]


def test_a_seed_ending_with_the_users_turn_gets_no_reply_either() -> None:
    session = active_session(**SEEDED)
    assert feed(session, content(("user", "Hello?"), complete=True)) == []
    assert not session.generating


def test_realtime_input_ends_the_seeding_even_without_turn_complete() -> None:
    # A client with no history to send starts the conversation at once.
    session = active_session(**SEEDED)
    actions = feed(session, {"realtimeInput": {"text": "Hi there"}})
    assert any(isinstance(a, StartGeneration) for a in actions)


def test_without_history_config_the_first_complete_turn_is_answered() -> None:
    for setup in ({}, {"historyConfig": {"initialHistoryInClientContent": False}}, {"historyConfig": {}}):
        session = active_session(**setup)
        ask(session, "Hello?")


def test_the_seed_counts_against_the_history_bound() -> None:
    session = active_session(limits=SessionLimits(max_history_chars=20), **SEEDED)
    with pytest.raises(InvalidArgument, match="history would exceed 20 characters"):
        feed(session, content(("user", "x" * 50), complete=True))


@pytest.mark.parametrize(
    "config",
    [{"initialHistoryInClientContent": "yes"}, {"initialHistoryInClientContent": 1}, [], {"x": True}],
)
def test_a_malformed_history_config_is_refused(config: Any) -> None:
    with pytest.raises(InvalidArgument, match="historyConfig"):
        active_session(historyConfig=config)


def test_gemini_2_models_answer_a_seed_with_turn_complete_as_they_do_on_the_live_api() -> None:
    # pipecat sends historyConfig to every model, and for 2.x models sends its
    # opening context with turnComplete to get the first reply.
    session = active_session(model="gemini-2.5-flash-native-audio-preview-12-2025", **SEEDED)
    actions = feed(session, content(("user", "Say hello."), complete=True))
    assert any(isinstance(a, StartGeneration) for a in actions)
