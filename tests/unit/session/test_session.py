"""The session state machine: feed client messages and generation events, read actions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams
from openlive.engines.profile import CAPABLE
from openlive.engines.registry import ModelTable
from openlive.errors import (
    CLOSE_INVALID_ARGUMENT,
    CLOSE_POLICY,
    InvalidArgument,
    NotSupportedYet,
    PolicyViolation,
)
from openlive.session import (
    Action,
    CancelGeneration,
    Send,
    Session,
    SessionLimits,
    StartGeneration,
    State,
    Turn,
)
from openlive.session.prompts import DEFAULT_PERSONA, system_text
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

MODEL = "gemini-2.0-flash-live-001"
TEXT_ONLY = {"responseModalities": ["TEXT"]}


def make_session(limits: SessionLimits | None = None) -> Session:
    table = ModelTable({MODEL: FakeLLM(), "other-model": FakeLLM()})
    return Session(table.resolve, limits=limits, session_id="sess-1")


def feed(session: Session, message: dict[str, Any]) -> list[Action]:
    """Send ``message`` through the wire parser, as the connection does."""
    return session.receive(parse_client_message(json.dumps(message)))


def setup_message(generation_config: dict[str, Any] | None = None, **setup: Any) -> dict[str, Any]:
    return {
        "setup": {"model": f"models/{MODEL}", "generationConfig": generation_config or TEXT_ONLY, **setup}
    }


def active_session(
    generation_config: dict[str, Any] | None = None, limits: SessionLimits | None = None, **setup: Any
) -> Session:
    session = make_session(limits)
    feed(session, setup_message(generation_config, **setup))
    assert session.state is State.ACTIVE
    return session


def content(*turns: tuple[str, str], complete: bool) -> dict[str, Any]:
    return {
        "client_content": {
            "turns": [{"role": role, "parts": [{"text": text}]} for role, text in turns],
            "turn_complete": complete,
        }
    }


def ask(session: Session, text: str) -> StartGeneration:
    """Send a complete user turn and return the generation it starts."""
    actions = feed(session, content(("user", text), complete=True))
    assert len(actions) == 1 and isinstance(actions[0], StartGeneration)
    return actions[0]


def sent(actions: list[Action]) -> list[dict[str, Any]]:
    assert all(isinstance(a, Send) for a in actions), actions
    return [a.message for a in actions if isinstance(a, Send)]


def chat(*pairs: tuple[str, str], spoken: bool = False) -> tuple[ChatMessage, ...]:
    """The prompt a session sends; without a system instruction of the client's, the default one."""
    if not pairs or pairs[0][0] != "system":
        pairs = (("system", system_text(None, CAPABLE, spoken)), *pairs)
    return tuple(ChatMessage(role=role, content=text) for role, text in pairs)  # type: ignore[arg-type]


def reply(
    session: Session, generation: StartGeneration, *pieces: str, prompt: int = 5, response: int = 2
) -> None:
    for piece in pieces:
        session.generation_text(generation.turn_id, piece)
    session.generation_done(
        generation.turn_id, GenerationStats(prompt_tokens=prompt, response_tokens=response)
    )


# -- setup ----------------------------------------------------------------------------------


def test_setup_is_answered_with_setup_complete() -> None:
    session = make_session()
    actions = feed(session, setup_message())
    assert actions == [Send({"setupComplete": {"sessionId": "sess-1"}})]
    assert session.state is State.ACTIVE
    assert session.model == MODEL  # "models/" stripped by the resolver
    assert not session.generating


def test_session_id_is_random_when_not_given() -> None:
    first, second = Session(lambda name: name), Session(lambda name: name)
    assert first.id and second.id and first.id != second.id


@pytest.mark.parametrize(
    "message",
    [content(("user", "hi"), complete=True), {"realtimeInput": {"text": "hi"}}],
    ids=["clientContent", "realtimeInput"],
)
def test_first_message_must_be_setup(message: dict[str, Any]) -> None:
    session = make_session()
    with pytest.raises(InvalidArgument, match="the first message must be setup") as error:
        feed(session, message)
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    assert session.state is State.AWAITING_SETUP


def test_second_setup_is_refused() -> None:
    session = active_session()
    with pytest.raises(InvalidArgument, match="setup was already received"):
        feed(session, setup_message())


@pytest.mark.parametrize("config", [{"responseModalities": ["AUDIO"]}, {"response_modalities": [3]}, {}])
def test_audio_responses_need_speech_engines(config: dict[str, Any]) -> None:
    session = make_session()  # no speech engines: text only
    with pytest.raises(InvalidArgument) as error:
        feed(session, {"setup": {"model": MODEL, "generationConfig": config}})
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    assert "AUDIO: this server has no speech engines configured; use TEXT" in error.value.reason
    assert session.state is State.AWAITING_SETUP


def test_unknown_model_is_a_policy_violation_listing_served_models() -> None:
    session = make_session()
    with pytest.raises(PolicyViolation) as error:
        feed(session, {"setup": {"model": "models/gpt-5", "generationConfig": TEXT_ONLY}})
    assert error.value.close_code == CLOSE_POLICY
    assert "'models/gpt-5' is not served" in error.value.reason
    assert MODEL in error.value.reason and "other-model" in error.value.reason
    assert session.state is State.AWAITING_SETUP


def test_candidate_count_other_than_one_is_invalid() -> None:
    session = make_session()
    with pytest.raises(InvalidArgument, match="candidateCount must be 1") as error:
        feed(session, setup_message({"responseModalities": ["TEXT"], "candidateCount": 2}))
    assert not isinstance(error.value, NotSupportedYet)
    assert session.state is State.AWAITING_SETUP


def test_candidate_count_one_is_fine() -> None:
    assert active_session({"responseModalities": ["TEXT"], "candidate_count": 1}).state is State.ACTIVE


# -- one turn -------------------------------------------------------------------------------


def test_complete_turn_starts_a_generation_with_system_instruction_and_history() -> None:
    session = active_session(system_instruction={"parts": [{"text": "Be "}, {"text": "brief."}]})
    generation = ask(session, "Hello")
    assert generation.turn_id == 1
    assert generation.model == MODEL
    assert generation.messages == chat(("system", "Be brief."), ("user", "Hello"))
    assert session.generating


def test_python_sdk_system_instruction_with_role_user_is_still_the_system_message() -> None:
    session = active_session(systemInstruction={"parts": [{"text": "Be brief."}], "role": "user"})
    assert ask(session, "Hi").messages == chat(("system", "Be brief."), ("user", "Hi"))


def test_no_system_instruction_gives_the_default_system_message() -> None:
    assert ask(active_session(), "Hello").messages == (
        ChatMessage("system", DEFAULT_PERSONA),
        ChatMessage("user", "Hello"),
    )


def test_sampling_params_are_mapped_from_generation_config() -> None:
    session = active_session(
        {
            "response_modalities": ["TEXT"],
            "temperature": 0.3,
            "top_p": 0.8,
            "top_k": 3.0,
            "max_output_tokens": 42,
            "seed": 7,
            "presencePenalty": 0.1,
            "frequencyPenalty": 0.2,
        }
    )
    assert ask(session, "Hi").params == SamplingParams(
        temperature=0.3,
        top_p=0.8,
        top_k=3,
        max_tokens=42,
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
    )


def test_max_tokens_defaults_to_the_session_limit() -> None:
    session = active_session(limits=SessionLimits(max_output_tokens=99))
    assert ask(session, "Hi").params == SamplingParams(max_tokens=99)


def test_generated_text_is_sent_as_model_turns() -> None:
    session = active_session()
    generation = ask(session, "Hi")
    assert session.generation_text(generation.turn_id, "Hel") == [
        Send({"serverContent": {"modelTurn": {"parts": [{"text": "Hel"}]}}})
    ]
    assert sent(session.generation_text(generation.turn_id, "lo")) == [
        {"serverContent": {"modelTurn": {"parts": [{"text": "lo"}]}}}
    ]
    assert session.generation_text(generation.turn_id, "") == []


def test_generation_done_sends_generation_complete_then_turn_complete_with_usage() -> None:
    session = active_session()
    generation = ask(session, "Hi")
    session.generation_text(generation.turn_id, "Hello")
    actions = session.generation_done(
        generation.turn_id, GenerationStats(prompt_tokens=12, response_tokens=3)
    )
    assert sent(actions) == [
        {"serverContent": {"generationComplete": True}},
        {
            "serverContent": {"turnComplete": True},
            "usageMetadata": {
                "promptTokenCount": 12,
                "responseTokenCount": 3,
                "totalTokenCount": 15,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 12}],
                "responseTokensDetails": [{"modality": "TEXT", "tokenCount": 3}],
            },
        },
    ]
    assert not session.generating
    assert list(session.history) == [Turn("user", "Hi"), Turn("model", "Hello")]


def test_realtime_text_starts_a_generation() -> None:
    session = active_session()
    actions = feed(session, {"realtime_input": {"text": "What's up?"}})
    assert len(actions) == 1 and isinstance(actions[0], StartGeneration)
    assert actions[0].messages == chat(("user", "What's up?"))


def test_realtime_input_without_text_does_nothing() -> None:
    session = active_session()
    assert feed(session, {"realtimeInput": {}}) == []
    assert len(session.history) == 0


def test_turn_complete_with_nothing_to_answer_just_completes_the_turn() -> None:
    session = active_session()
    assert sent(feed(session, {"clientContent": {"turnComplete": True}})) == [
        {"serverContent": {"turnComplete": True}}
    ]
    assert not session.generating


# -- context without a reply ----------------------------------------------------------------


def test_incomplete_turns_add_context_only() -> None:
    session = active_session()
    actions = feed(
        session, content(("user", "My name is Ada."), ("model", "Nice to meet you."), complete=False)
    )
    assert actions == []
    assert not session.generating
    assert list(session.history) == [Turn("user", "My name is Ada."), Turn("model", "Nice to meet you.")]
    assert session.prompt() == list(chat(("user", "My name is Ada."), ("assistant", "Nice to meet you.")))


def test_turns_without_text_are_not_added() -> None:
    session = active_session()
    feed(
        session,
        {"clientContent": {"turns": [{"parts": [{"text": "thinking", "thought": True}]}, {"parts": []}]}},
    )
    assert len(session.history) == 0


def test_documentation_incremental_update_example() -> None:
    # The Live API page's "Incremental content updates" example, as the Python SDK sends it.
    session = active_session()
    context = content(("user", "What is the capital of France?"), ("model", "Paris"), complete=False)
    assert feed(session, context) == []
    generation = ask(session, "What is the capital of Germany?")
    assert generation.messages == chat(
        ("user", "What is the capital of France?"),
        ("assistant", "Paris"),
        ("user", "What is the capital of Germany?"),
    )


def test_history_is_kept_across_turns_including_the_reply() -> None:
    session = active_session(system_instruction={"parts": [{"text": "Be brief."}]})
    first = ask(session, "Hi, I'm Ada.")
    reply(session, first, "Hello", " Ada!")
    second = ask(session, "What's my name?")
    assert second.turn_id == first.turn_id + 1
    assert second.messages == chat(
        ("system", "Be brief."),
        ("user", "Hi, I'm Ada."),
        ("assistant", "Hello Ada!"),
        ("user", "What's my name?"),
    )


@pytest.mark.parametrize("role", ["system", "assistant", "tool", "USER"])
def test_bad_role_is_refused(role: str) -> None:
    session = active_session()
    with pytest.raises(
        InvalidArgument, match=rf"clientContent.turns\[1\].role must be user or model, not '{role}'"
    ):
        feed(session, content(("user", "a"), (role, "b"), complete=True))
    assert len(session.history) == 0 and not session.generating


# -- interruption and ordering ----------------------------------------------------------------


def test_new_complete_turn_interrupts_the_running_generation() -> None:
    session = active_session()
    first = ask(session, "Tell me a long story.")
    session.generation_text(first.turn_id, "Once")
    session.generation_text(first.turn_id, " upon")
    actions = feed(session, content(("user", "Stop."), complete=True))
    assert actions[:3] == [
        CancelGeneration(first.turn_id),
        Send({"serverContent": {"interrupted": True}}),
        Send({"serverContent": {"turnComplete": True}}),
    ]
    assert len(actions) == 4 and isinstance(actions[3], StartGeneration)
    second = actions[3]
    assert second.turn_id != first.turn_id
    # Only the text already sent stays in the history.
    assert second.messages == chat(
        ("user", "Tell me a long story."), ("assistant", "Once upon"), ("user", "Stop.")
    )


def test_interrupting_a_generation_that_sent_nothing_keeps_no_model_turn() -> None:
    session = active_session()
    ask(session, "First")
    actions = feed(session, {"realtimeInput": {"text": "Second"}})
    assert isinstance(actions[-1], StartGeneration)
    assert actions[-1].messages == chat(("user", "First"), ("user", "Second"))


def test_an_interrupted_turn_has_no_generation_complete() -> None:
    session = active_session()
    ask(session, "First")
    messages = [
        a.message for a in feed(session, content(("user", "Second"), complete=True)) if isinstance(a, Send)
    ]
    assert {"serverContent": {"generationComplete": True}} not in messages


def test_context_arriving_mid_generation_joins_history_after_the_reply() -> None:
    session = active_session()
    generation = ask(session, "Hi")
    session.generation_text(generation.turn_id, "Hello")
    assert feed(session, content(("user", "By the way, I'm Ada."), complete=False)) == []
    assert session.generating  # context alone does not interrupt
    session.generation_text(generation.turn_id, " there")
    session.generation_done(generation.turn_id, GenerationStats())
    assert list(session.history) == [
        Turn("user", "Hi"),
        Turn("model", "Hello there"),
        Turn("user", "By the way, I'm Ada."),
    ]


def test_context_arriving_mid_generation_stays_in_order_when_interrupted() -> None:
    session = active_session()
    generation = ask(session, "Hi")
    session.generation_text(generation.turn_id, "Hel")
    feed(session, content(("user", "ctx"), complete=False))
    actions = feed(session, content(("user", "next"), complete=True))
    assert isinstance(actions[-1], StartGeneration)
    assert actions[-1].messages == chat(
        ("user", "Hi"), ("assistant", "Hel"), ("user", "ctx"), ("user", "next")
    )


def test_stale_turn_ids_are_ignored() -> None:
    session = active_session()
    first = ask(session, "First")
    second = feed(session, content(("user", "Second"), complete=True))[-1]
    assert isinstance(second, StartGeneration)
    assert session.generation_text(first.turn_id, "late text") == []
    assert session.generation_done(first.turn_id, GenerationStats()) == []
    assert session.generation_text(999, "unknown") == []
    assert session.generating  # the second generation is still running
    reply(session, second, "Done")
    assert session.generation_text(second.turn_id, "after the end") == []
    assert session.generation_done(second.turn_id, GenerationStats()) == []
    assert list(session.history) == [Turn("user", "First"), Turn("user", "Second"), Turn("model", "Done")]


# -- limits and unsupported messages ------------------------------------------------------------


def test_history_size_limit() -> None:
    session = active_session(limits=SessionLimits(max_history_chars=10))
    feed(session, content(("user", "12345"), complete=False))
    with pytest.raises(InvalidArgument, match="session history would exceed 10 characters"):
        feed(session, content(("user", "123456"), complete=False))
    assert session.history.chars == 5


def test_history_size_limit_counts_context_deferred_during_a_generation() -> None:
    session = active_session(limits=SessionLimits(max_history_chars=10))
    ask(session, "1234")
    feed(session, content(("user", "12345"), complete=False))
    with pytest.raises(InvalidArgument, match="would exceed 10 characters"):
        feed(session, content(("user", "12"), complete=False))


# -- closing ----------------------------------------------------------------------------------


def test_close_cancels_a_running_generation_and_ignores_later_input() -> None:
    session = active_session()
    generation = ask(session, "Hi")
    assert session.close() == [CancelGeneration(generation.turn_id)]
    assert session.state is State.CLOSED and not session.generating
    assert feed(session, content(("user", "more"), complete=True)) == []
    assert session.generation_text(generation.turn_id, "late") == []


def test_close_when_idle_has_nothing_to_cancel() -> None:
    session = active_session()
    assert session.close() == []
    assert session.state is State.CLOSED


def test_a_history_of_more_turns_than_the_limit_is_refused() -> None:
    # Every reply renders and counts the whole history on the event loop; 100,000
    # one-letter turns sent with turnComplete false froze a server for minutes.
    session = active_session(limits=SessionLimits(max_history_turns=10))
    turns = [{"role": "user", "parts": [{"text": "a"}]}] * 6
    message = json.dumps({"clientContent": {"turns": turns, "turnComplete": False}})
    session.receive(parse_client_message(message))
    with pytest.raises(InvalidArgument) as error:
        session.receive(parse_client_message(message))
    assert error.value.reason.startswith("session history would exceed 10 turns")
    assert len(session.history) == 6
