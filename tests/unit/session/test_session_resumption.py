"""Resumption and the context window in the session state machine: checkpoints, snapshots, compression."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from openlive.engines.base import ChatMessage, GenerationStats
from openlive.engines.registry import ModelTable
from openlive.errors import CLOSE_INVALID_ARGUMENT, ContextWindowExceeded, InvalidArgument
from openlive.parts import ImagePart, TextPart
from openlive.session import (
    Action,
    Checkpoint,
    ModelLimits,
    Send,
    Session,
    StartGeneration,
    State,
    Turn,
)
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message
from openlive.wire.client import Resumption

MODEL = "gemini-2.0-flash-live-001"
OTHER_MODEL = "other-model"


def count_words(messages: Sequence[ChatMessage]) -> int:
    """A tokenizer for tests: one token per word."""
    return sum(len(m.content.split()) for m in messages)


def make_session(window: int | None = None) -> Session:
    table = ModelTable({MODEL: FakeLLM(), OTHER_MODEL: FakeLLM()})
    model_limits = None
    if window is not None:

        def model_limits(name: str) -> ModelLimits:
            assert name == MODEL
            return ModelLimits(context_tokens=window, count=lambda messages: count_words(list(messages)))

    return Session(table.resolve, model_limits=model_limits)


def feed(session: Session, message: dict[str, Any]) -> list[Action]:
    return session.receive(parse_client_message(json.dumps(message)))


def setup(
    system: str | None = None, model: str = MODEL, temperature: float | None = None, **fields: Any
) -> dict[str, Any]:
    config: dict[str, Any] = {"responseModalities": ["TEXT"]}
    if temperature is not None:
        config["temperature"] = temperature
    body: dict[str, Any] = {"model": f"models/{model}", "generationConfig": config, **fields}
    if system is not None:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    return {"setup": body}


def user(text: str, complete: bool = True) -> dict[str, Any]:
    return {
        "clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": complete}
    }


def ask(session: Session, text: str) -> StartGeneration:
    actions = feed(session, user(text))
    starts = [a for a in actions if isinstance(a, StartGeneration)]
    assert len(starts) == 1, actions
    return starts[0]


def reply(session: Session, start: StartGeneration, text: str) -> list[Action]:
    """The model answers ``text`` to ``start``; return the actions that end the turn."""
    assert session.generation_text(start.turn_id, text)
    return session.generation_done(start.turn_id, GenerationStats(prompt_tokens=1, response_tokens=1))


def exchange(session: Session, question: str, answer: str) -> StartGeneration:
    start = ask(session, question)
    reply(session, start, answer)
    return start


def names(actions: list[Action]) -> list[str]:
    """``Checkpoint`` or the key of each sent message (serverContent's inner key)."""
    out = []
    for action in actions:
        if isinstance(action, Checkpoint):
            out.append("Checkpoint")
        elif isinstance(action, Send):
            body = action.message.get("serverContent")
            out.extend(body if body else action.message)
        else:
            out.append(type(action).__name__)
    return out


def turns(session: Session) -> list[tuple[str, str]]:
    return [(t.role, t.text) for t in session.history]


# -- checkpoints ---------------------------------------------------------------------


def test_setup_with_session_resumption_is_a_checkpoint() -> None:
    session = make_session()
    actions = feed(session, setup(sessionResumption={}))
    assert names(actions) == ["setupComplete", "Checkpoint"]
    assert actions[1] == Checkpoint(last_consumed_index=0)


def test_no_checkpoints_without_session_resumption() -> None:
    session = make_session()
    assert names(feed(session, setup())) == ["setupComplete"]
    start = ask(session, "hello")
    assert "Checkpoint" not in names(reply(session, start, "hi"))


def test_a_finished_reply_checkpoints_after_generation_complete_and_before_turn_complete() -> None:
    session = make_session()
    feed(session, setup(sessionResumption={}))
    start = ask(session, "hello")
    actions = reply(session, start, "hi there")
    assert names(actions) == ["generationComplete", "Checkpoint", "turnComplete"]
    # The snapshot taken at the checkpoint includes the reply.
    assert turns(session) == [("user", "hello"), ("model", "hi there")]


def test_no_checkpoint_while_a_reply_is_being_generated() -> None:
    session = make_session()
    feed(session, setup(sessionResumption={}))
    start = ask(session, "hello")
    assert session.generating
    # Context that arrives mid-reply is deferred, and is no checkpoint.
    assert feed(session, user("more context", complete=False)) == []
    assert not any(isinstance(a, Checkpoint) for a in session.generation_text(start.turn_id, "partial"))
    # Once the reply ends, the checkpoint includes the deferred context too.
    actions = session.generation_done(start.turn_id, GenerationStats())
    assert "Checkpoint" in names(actions)
    assert turns(session) == [("user", "hello"), ("model", "partial"), ("user", "more context")]


def test_an_interrupted_reply_is_no_checkpoint() -> None:
    session = make_session()
    feed(session, setup(sessionResumption={}))
    ask(session, "hello")
    actions = feed(session, user("actually, something else"))
    assert names(actions) == ["CancelGeneration", "interrupted", "turnComplete", "StartGeneration"]


def test_transparent_checkpoints_carry_the_index_of_the_last_consumed_message() -> None:
    session = make_session()
    first = feed(session, setup(sessionResumption={"transparent": True}))
    assert [a for a in first if isinstance(a, Checkpoint)] == [Checkpoint(last_consumed_index=0)]
    feed(session, user("context only", complete=False))  # message 1
    start = ask(session, "a question")  # message 2
    done = reply(session, start, "an answer")
    assert [a for a in done if isinstance(a, Checkpoint)] == [Checkpoint(last_consumed_index=2)]
    start = ask(session, "another")  # message 3
    done = reply(session, start, "again")
    assert [a for a in done if isinstance(a, Checkpoint)] == [Checkpoint(last_consumed_index=3)]


# -- snapshot and restore ------------------------------------------------------------


def saved_session() -> tuple[Session, dict[str, Any]]:
    session = make_session()
    feed(session, setup(system="you are terse", temperature=0.3, sessionResumption={}))
    exchange(session, "my name is Ada", "hello Ada")
    exchange(session, "what is 2+2", "4")
    # Through JSON, as the store keeps it.
    return session, json.loads(json.dumps(session.snapshot()))


def test_a_restored_session_has_the_same_history_and_setup() -> None:
    original, snapshot = saved_session()
    resumed = make_session()
    resumed.restore(snapshot)
    actions = feed(resumed, setup(system="you are terse", temperature=0.3, sessionResumption={"handle": "h"}))
    assert names(actions) == ["setupComplete", "Checkpoint"]
    assert resumed.state is State.ACTIVE
    assert turns(resumed) == turns(original)
    assert resumed.prompt() == original.prompt()
    start = ask(resumed, "and my name?")
    assert [m.content for m in start.messages] == [
        "you are terse",
        "my name is Ada",
        "hello Ada",
        "what is 2+2",
        "4",
        "and my name?",
    ]
    assert start.params.temperature == 0.3


def test_a_restored_session_ignores_the_new_setup_except_session_resumption() -> None:
    _, snapshot = saved_session()
    resumed = make_session()
    resumed.restore(snapshot)
    feed(
        resumed,
        setup(
            system="you are verbose",
            model=OTHER_MODEL,
            temperature=1.5,
            sessionResumption={"handle": "the-handle", "transparent": True},
        ),
    )
    assert resumed.setup is not None
    assert resumed.model == MODEL
    assert resumed.setup.system_instruction is not None
    assert resumed.setup.system_instruction.text == "you are terse"
    assert resumed.setup.generation_config.temperature == 0.3
    assert resumed.setup.resumption == Resumption(handle="the-handle", transparent=True)
    start = ask(resumed, "next")
    assert start.messages[0] == ChatMessage(role="system", content="you are terse")
    assert start.model == MODEL


def test_a_resumed_session_snapshots_its_old_and_new_turns() -> None:
    _, snapshot = saved_session()
    resumed = make_session()
    resumed.restore(snapshot)
    feed(resumed, setup(sessionResumption={"handle": "h"}))
    exchange(resumed, "third", "three")
    again = make_session()
    again.restore(json.loads(json.dumps(resumed.snapshot())))
    feed(again, setup(sessionResumption={}))
    assert turns(again)[-2:] == [("user", "third"), ("model", "three")]
    assert len(again.history) == 6


def test_restore_is_refused_after_setup() -> None:
    _, snapshot = saved_session()
    active = make_session()
    feed(active, setup())
    with pytest.raises(InvalidArgument, match="before its setup"):
        active.restore(snapshot)


def test_a_snapshot_of_the_previous_format_is_still_read() -> None:
    original, snapshot = saved_session()
    assert snapshot["format"] == 2
    # Format 1 kept each turn as [role, text].
    old = {**snapshot, "format": 1, "history": [[t.role, t.text] for t in original.history]}
    resumed = make_session()
    resumed.restore(old)
    feed(resumed, setup(system="you are terse", temperature=0.3, sessionResumption={"handle": "h"}))
    assert turns(resumed) == turns(original)
    assert resumed.prompt() == original.prompt()


def test_a_snapshot_keeps_the_parts_of_each_turn() -> None:
    session, _ = saved_session()
    image = Turn("user", parts=[TextPart("look: "), ImagePart(b"\x89PNG...", "image/png")])
    session.history.append(image)
    snapshot = json.loads(json.dumps(session.snapshot()))
    resumed = make_session()
    resumed.restore(snapshot)
    feed(resumed, setup(system="you are terse", temperature=0.3, sessionResumption={"handle": "h"}))
    assert list(resumed.history)[-1] == image
    # A text-only engine reads the image as text; an engine that reads images gets the part.
    last = resumed.prompt()[-1]
    assert last.content == "look: [an image (image/png)]"
    assert last.parts == image.parts


@pytest.mark.parametrize(
    "history",
    [
        [{"role": "user"}],
        [{"role": "user", "parts": [{"video": {}}]}],
        [{"role": "user", "parts": [{"image": {}}]}],
    ],
    ids=["no-parts", "unknown-part", "image-without-data"],
)
def test_a_snapshot_with_malformed_turns_is_refused(history: list[Any]) -> None:
    _, snapshot = saved_session()
    with pytest.raises(InvalidArgument, match="cannot be read"):
        make_session().restore({**snapshot, "history": history})


@pytest.mark.parametrize(
    "snapshot",
    [{}, {"format": 999, "setup": {}, "history": []}, {"format": 1, "setup": "x", "history": []}],
    ids=["empty", "future-format", "setup-not-an-object"],
)
def test_an_unreadable_snapshot_is_refused(snapshot: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument, match="cannot be read"):
        make_session().restore(snapshot)


# -- the context window --------------------------------------------------------------


def ten_words(stem: str) -> str:
    return " ".join(f"{stem}{i}" for i in range(10))


COMPRESSION = {"triggerTokens": 100, "slidingWindow": {"targetTokens": 50}}


def test_compression_drops_the_oldest_whole_exchanges_down_to_the_target() -> None:
    session = make_session(window=1000)
    feed(session, setup(system="be brief", contextWindowCompression=COMPRESSION))
    # 2 (system) + 20 per exchange + 10 for the new question: 5 exchanges pass the trigger.
    for n in range(5):
        start = exchange(session, ten_words(f"q{n}-"), ten_words(f"a{n}-"))
        assert count_words(list(start.messages)) <= 100
    assert session.dropped_turns == 0
    start = ask(session, ten_words("q5-"))
    prompt = list(start.messages)
    # 112 tokens: oldest exchanges go until 2 + 20 + 10 = 32 <= 50 remain.
    assert count_words(prompt) == 32
    assert session.dropped_turns == 8
    assert prompt[0] == ChatMessage(role="system", content="be brief")
    assert [m.content for m in prompt[1:]] == [ten_words("q4-"), ten_words("a4-"), ten_words("q5-")]
    # Whole exchanges only: the history starts with a user turn.
    assert session.history[0] == Turn(role="user", text=ten_words("q4-"))


def test_compression_keeps_the_newest_user_turn_even_over_the_target() -> None:
    session = make_session(window=1000)
    feed(session, setup(system="be brief", contextWindowCompression=COMPRESSION))
    exchange(session, ten_words("q0-"), ten_words("a0-"))
    big = " ".join(f"w{i}" for i in range(120))
    start = ask(session, big)
    assert [m.content for m in start.messages] == ["be brief", big]
    assert session.dropped_turns == 2


def test_compression_defaults_trigger_at_80_percent_of_the_window_and_shrink_to_half() -> None:
    session = make_session(window=1000)
    # A two-word instruction in place of the longer default system message.
    feed(session, setup(system="be brief", contextWindowCompression={}))
    # Trigger 800, target 400; 20 tokens an exchange: the 40th question (790 tokens) fits...
    for n in range(40):
        exchange(session, ten_words(f"q{n}-"), ten_words(f"a{n}-"))
    assert session.dropped_turns == 0
    # ...and the 41st (810 tokens) brings the prompt down to at most 400.
    start = ask(session, ten_words("q40-"))
    assert session.dropped_turns > 0
    assert 380 < count_words(list(start.messages)) <= 400
    assert start.messages[-1].content == ten_words("q40-")


def test_compression_with_a_trigger_above_the_window_still_keeps_the_session_going() -> None:
    session = make_session(window=200)
    feed(
        session,
        setup(contextWindowCompression={"triggerTokens": 32000, "slidingWindow": {"targetTokens": 50}}),
    )
    for n in range(20):
        start = exchange(session, ten_words(f"q{n}-"), ten_words(f"a{n}-"))
        assert count_words(list(start.messages)) + 64 <= 200
    assert session.dropped_turns > 0


def test_without_compression_a_prompt_over_the_window_ends_the_session() -> None:
    session = make_session(window=90)
    feed(session, setup(system="be brief"))
    exchange(session, ten_words("q0-"), ten_words("a0-"))  # 12 + 64 reserved for the reply: fits
    with pytest.raises(ContextWindowExceeded) as raised:
        ask(session, ten_words("q1-"))  # 32 + 64 > 90
    error = raised.value
    assert error.close_code == CLOSE_INVALID_ARGUMENT == 1007
    assert "32 tokens" in error.reason
    assert "context window of 90" in error.reason
    assert "contextWindowCompression" in error.reason
    assert len(error.close_reason().encode()) <= 123


def test_with_compression_a_single_turn_over_the_window_still_ends_the_session() -> None:
    session = make_session(window=100)
    feed(session, setup(contextWindowCompression=COMPRESSION))
    with pytest.raises(ContextWindowExceeded, match="context window of 100"):
        ask(session, " ".join(f"w{i}" for i in range(90)))


def test_without_model_limits_nothing_is_counted_or_dropped() -> None:
    session = make_session(window=None)
    feed(session, setup(contextWindowCompression=COMPRESSION))
    for n in range(20):
        exchange(session, ten_words(f"q{n}-"), ten_words(f"a{n}-"))
    assert session.dropped_turns == 0
    assert len(session.history) == 40
