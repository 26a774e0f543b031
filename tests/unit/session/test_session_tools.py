"""Tool calls in the session state machine: feed plans, results and responses, read actions."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openlive.engines.base import GenerationStats
from openlive.engines.registry import ModelTable
from openlive.errors import InvalidArgument
from openlive.session import (
    Action,
    AwaitToolResponses,
    CancelGeneration,
    FetchUrls,
    PlanTools,
    RunCode,
    RunSearch,
    Send,
    Session,
    SessionLimits,
    StartGeneration,
)
from openlive.testing import FakeLLM
from openlive.tools.planner import CodeStep, FunctionStep, SearchStep
from openlive.tools.search import SearchResult
from openlive.tools.urlfetch import FetchedPage
from openlive.wire import parse_client_message

MODEL = "gemini-2.0-flash-live-001"
LIGHTS = [{"name": "turn_on_the_lights"}, {"name": "turn_off_the_lights"}]


def feed(session: Session, message: dict[str, Any]) -> list[Action]:
    return session.receive(parse_client_message(json.dumps(message)))


def tool_session(tools: list[dict[str, Any]], **setup: Any) -> Session:
    session = Session(ModelTable({MODEL: FakeLLM()}).resolve, session_id="s")
    feed(
        session,
        {
            "setup": {
                "model": MODEL,
                "generationConfig": {"responseModalities": ["TEXT"]},
                "tools": tools,
                **setup,
            }
        },
    )
    return session


def ask(session: Session, text: str) -> list[Action]:
    return feed(
        session,
        {"clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": True}},
    )


def sent(actions: list[Action]) -> list[dict[str, Any]]:
    return [a.message for a in actions if isinstance(a, Send)]


def only(actions: list[Action], kind: type) -> Any:
    found = [a for a in actions if isinstance(a, kind)]
    assert len(found) == 1, actions
    return found[0]


def respond(session: Session, *responses: dict[str, Any]) -> list[Action]:
    return feed(session, {"toolResponse": {"functionResponses": list(responses)}})


def calls_of(actions: list[Action]) -> list[dict[str, Any]]:
    (message,) = [m for m in sent(actions) if "toolCall" in m]
    calls: list[dict[str, Any]] = message["toolCall"]["functionCalls"]
    return calls


def planned_lights(session: Session) -> tuple[int, list[dict[str, Any]], list[Action]]:
    plan = only(ask(session, "Turn on the lights please"), PlanTools)
    actions = session.tools_planned(
        plan.turn_id, [FunctionStep("Turn on the lights please", "turn_on_the_lights")]
    )
    return plan.turn_id, calls_of(actions), actions


def test_a_session_with_tools_plans_before_it_answers() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    plan = only(ask(session, "Turn on the lights please"), PlanTools)
    assert plan.messages[-1].content == "Turn on the lights please"
    assert [f.name for f in plan.tools.functions] == ["turn_on_the_lights", "turn_off_the_lights"]
    assert session.generating


def test_a_session_without_tools_answers_at_once() -> None:
    session = tool_session([])
    assert not only(ask(session, "hi"), StartGeneration).after_tools


def test_no_steps_means_the_model_answers() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    plan = only(ask(session, "hello"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [])
    assert only(actions, StartGeneration).turn_id == plan.turn_id
    assert not only(actions, StartGeneration).after_tools  # no results to read
    assert not sent(actions)


def test_blocking_call_waits_for_the_response_then_answers_with_it() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    turn_id, calls, actions = planned_lights(session)
    assert [c["name"] for c in calls] == ["turn_on_the_lights"]
    assert calls[0]["args"] == {} and calls[0]["id"]
    assert not any(isinstance(a, StartGeneration) for a in actions)
    assert only(actions, AwaitToolResponses).ids == (calls[0]["id"],)
    # The client answers: the model continues with the result in its prompt.
    answer = only(
        respond(session, {"id": calls[0]["id"], "name": "turn_on_the_lights", "response": {"result": "ok"}}),
        StartGeneration,
    )
    assert answer.turn_id == turn_id
    assert answer.after_tools  # the reply reads tool results
    assert '"result": "ok"' in answer.messages[-1].content
    assert "turn_on_the_lights" in answer.messages[-1].content
    session.generation_text(turn_id, "The lights are on.")
    done = sent(session.generation_done(turn_id, GenerationStats()))
    assert {"serverContent": {"turnComplete": True}} in [
        {"serverContent": m["serverContent"]} for m in done if "serverContent" in m
    ]
    roles = [t.role for t in session.history]
    assert roles == ["user", "tool", "model"]


def test_parallel_calls_go_out_in_one_tool_call_and_all_must_be_answered() -> None:
    session = tool_session(
        [
            {
                "functionDeclarations": [
                    *LIGHTS,
                    {
                        "name": "set_volume",
                        "parameters": {"type": "OBJECT", "properties": {"level": {"type": "INTEGER"}}},
                    },
                ]
            }
        ]
    )
    plan = only(ask(session, "lights on and volume 3"), PlanTools)
    actions = session.tools_planned(
        plan.turn_id,
        [
            FunctionStep("lights on", "turn_on_the_lights"),
            FunctionStep("volume 3", "set_volume", {"level": 3}),
        ],
    )
    calls = calls_of(actions)
    assert [c["name"] for c in calls] == ["turn_on_the_lights", "set_volume"]
    assert calls[1]["args"] == {"level": 3}
    assert len({c["id"] for c in calls}) == 2
    assert not any(
        isinstance(a, StartGeneration)
        for a in respond(session, {"id": calls[1]["id"], "response": {"ok": True}})
    )
    assert only(respond(session, {"id": calls[0]["id"], "response": {"ok": True}}), StartGeneration)


def test_call_ids_are_unique_across_turns() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    seen = set()
    for _ in range(3):
        turn_id, calls, _ = planned_lights(session)
        seen.add(calls[0]["id"])
        respond(session, {"id": calls[0]["id"], "response": {}})
        session.generation_done(turn_id, GenerationStats())
    assert len(seen) == 3


def test_a_response_with_an_unknown_id_is_refused_and_changes_nothing() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    _, calls, _ = planned_lights(session)
    before = list(session.history)
    with pytest.raises(InvalidArgument, match="'nope' is not a pending function call"):
        respond(session, {"id": calls[0]["id"], "response": {}}, {"id": "nope", "response": {}})
    # The good response in the same message was not applied either.
    assert list(session.history) == before


def test_a_response_naming_another_function_is_refused() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    _, calls, _ = planned_lights(session)
    with pytest.raises(InvalidArgument, match="does not match"):
        respond(session, {"id": calls[0]["id"], "name": "turn_off_the_lights", "response": {}})


def test_a_step_naming_an_undeclared_function_is_dropped() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    plan = only(ask(session, "x"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [FunctionStep("x", "launch_rockets")])
    assert not [m for m in sent(actions) if "toolCall" in m]
    assert only(actions, StartGeneration)


def test_interruption_cancels_pending_calls_and_late_responses_are_ignored() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    turn_id, calls, _ = planned_lights(session)
    actions = ask(session, "never mind")
    messages = sent(actions)
    assert {"toolCallCancellation": {"ids": [calls[0]["id"]]}} in messages
    assert CancelGeneration(turn_id) in actions
    assert messages.index({"toolCallCancellation": {"ids": [calls[0]["id"]]}}) < messages.index(
        {"serverContent": {"interrupted": True}}
    )
    # The new turn goes on; the late response is neither an error nor an effect.
    history = list(session.history)
    assert respond(session, {"id": calls[0]["id"], "response": {"result": "ok"}}) == []
    assert list(session.history) == history


def test_speech_barge_in_cancels_pending_calls() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    _, calls, _ = planned_lights(session)
    assert {"toolCallCancellation": {"ids": [calls[0]["id"]]}} in sent(session.speech_started())


def test_unanswered_calls_expire_with_a_cancellation_and_the_model_answers() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    turn_id, calls, actions = planned_lights(session)
    expired = session.tool_calls_expired(turn_id, only(actions, AwaitToolResponses).ids)
    assert {"toolCallCancellation": {"ids": [calls[0]["id"]]}} in sent(expired)
    answer = only(expired, StartGeneration)
    assert "did not answer in time" in answer.messages[-1].content
    assert respond(session, {"id": calls[0]["id"], "response": {}}) == []


def test_expiry_after_the_response_does_nothing() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    turn_id, calls, actions = planned_lights(session)
    respond(session, {"id": calls[0]["id"], "response": {}})
    assert session.tool_calls_expired(turn_id, only(actions, AwaitToolResponses).ids) == []


# -- non-blocking functions ---------------------------------------------------------------

NON_BLOCKING = [{"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"}, {"name": "turn_off_the_lights"}]


def started_in_background(session: Session) -> tuple[int, str]:
    plan = only(ask(session, "Turn on the lights please"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [FunctionStep("lights", "turn_on_the_lights")])
    (call,) = calls_of(actions)
    # The conversation goes on at once: the model answers while the function runs.
    answer = only(actions, StartGeneration)
    assert "was started" in answer.messages[-1].content
    assert not any(isinstance(a, AwaitToolResponses) for a in actions)
    return plan.turn_id, call["id"]


def test_non_blocking_result_when_idle_gets_a_reply_after_the_current_one() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_text(turn_id, "Turning them on.")
    assert respond(session, {"id": call_id, "response": {"result": "ok", "scheduling": "WHEN_IDLE"}}) == []
    after = session.generation_done(turn_id, GenerationStats())
    follow_up = only(after, StartGeneration)
    assert '"result": "ok"' in follow_up.messages[-1].content
    # The result follows the reply it arrived during.
    assert [t.role for t in session.history][-2:] == ["model", "tool"]


def test_non_blocking_result_interrupt_cuts_the_reply_short_and_reports_at_once() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_text(turn_id, "Turning")
    actions = respond(session, {"id": call_id, "response": {"result": "ok", "scheduling": "INTERRUPT"}})
    assert CancelGeneration(turn_id) in actions
    assert {"serverContent": {"interrupted": True}} in sent(actions)
    follow_up = only(actions, StartGeneration)
    assert follow_up.turn_id != turn_id
    assert '"result": "ok"' in follow_up.messages[-1].content


def test_non_blocking_result_silent_only_adds_context() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_done(turn_id, GenerationStats())
    assert respond(session, {"id": call_id, "response": {"result": "ok"}, "scheduling": "SILENT"}) == []
    assert '"result": "ok"' in session.history[-1].text
    assert not session.generating


def test_non_blocking_result_when_idle_and_idle_replies_now_without_planning() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_done(turn_id, GenerationStats())
    actions = respond(session, {"id": call_id, "response": {"result": "ok"}})
    assert only(actions, StartGeneration)
    assert not any(isinstance(a, PlanTools) for a in actions)


def test_a_barge_in_cancels_pending_background_calls() -> None:
    # The Live API discards any pending function call when the user interrupts,
    # non-blocking ones included.
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_text(turn_id, "Turning")
    actions = session.speech_started()
    messages = sent(actions)
    assert {"toolCallCancellation": {"ids": [call_id]}} in messages
    assert messages.index({"toolCallCancellation": {"ids": [call_id]}}) < messages.index(
        {"serverContent": {"interrupted": True}}
    )
    assert "was cancelled" in session.history[-1].text
    # A late result is ignored: no reply, no history, no error.
    history = list(session.history)
    assert respond(session, {"id": call_id, "response": {"result": "ok"}, "scheduling": "INTERRUPT"}) == []
    assert list(session.history) == history


def test_new_input_that_interrupts_cancels_background_calls_too() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    _, call_id = started_in_background(session)
    actions = ask(session, "stop")
    assert {"toolCallCancellation": {"ids": [call_id]}} in sent(actions)
    assert only(actions, PlanTools)
    assert respond(session, {"id": call_id, "response": {"result": "ok"}}) == []


def test_background_calls_survive_when_nothing_is_interrupted() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_done(turn_id, GenerationStats())
    # Speech with no reply playing interrupts nothing, so the call runs on.
    assert session.speech_started() == []
    actions = respond(session, {"id": call_id, "response": {"result": "ok"}})
    assert only(actions, StartGeneration)


def test_an_interrupt_result_does_not_cancel_the_other_background_calls() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    first_turn, first = started_in_background(session)
    session.generation_done(first_turn, GenerationStats())
    second_turn, second = started_in_background(session)
    session.generation_text(second_turn, "Turning")
    actions = respond(session, {"id": first, "response": {"result": "ok"}, "scheduling": "INTERRUPT"})
    assert CancelGeneration(second_turn) in actions
    assert not [m for m in sent(actions) if "toolCallCancellation" in m]
    # The other call is still pending: its result is taken.
    follow_up = only(actions, StartGeneration)
    assert respond(session, {"id": second, "response": {"result": "done"}, "scheduling": "SILENT"}) == []
    session.generation_done(follow_up.turn_id, GenerationStats())
    assert '"result": "done"' in session.history[-1].text


def test_a_second_response_to_an_answered_call_is_refused() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}])
    turn_id, call_id = started_in_background(session)
    session.generation_done(turn_id, GenerationStats())
    respond(session, {"id": call_id, "response": {}, "scheduling": "SILENT"})
    with pytest.raises(InvalidArgument, match="not a pending function call"):
        respond(session, {"id": call_id, "response": {}, "scheduling": "SILENT"})


# -- built-in tools -----------------------------------------------------------------------


def test_code_execution_sends_the_code_runs_it_and_sends_the_result() -> None:
    session = tool_session([{"codeExecution": {}}])
    plan = only(ask(session, "what is 2**20"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [CodeStep("2**20", "print(2**20)")])
    assert {
        "serverContent": {
            "modelTurn": {"parts": [{"executableCode": {"language": "PYTHON", "code": "print(2**20)"}}]}
        }
    } in sent(actions)
    run = only(actions, RunCode)
    assert run.code == "print(2**20)"
    assert not any(isinstance(a, StartGeneration) for a in actions)
    done = session.code_ran(plan.turn_id, run.step, "OUTCOME_OK", "1048576\n")
    assert {
        "serverContent": {
            "modelTurn": {
                "parts": [{"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1048576\n"}}]
            }
        }
    } in sent(done)
    assert "1048576" in only(done, StartGeneration).messages[-1].content


def test_a_failed_program_written_again_is_shown_and_run_as_a_second_try() -> None:
    session = tool_session([{"codeExecution": {}}])
    plan = only(ask(session, "the factorial of 10"), PlanTools)
    first = only(
        session.tools_planned(plan.turn_id, [CodeStep("the factorial of 10", "print(fact(10))")]), RunCode
    )
    assert (first.task, first.attempt) == ("the factorial of 10", 1)
    actions = session.code_rewritten(first, "OUTCOME_FAILED", "NameError: fact", "print(3628800)")
    assert [part for m in sent(actions) for part in m["serverContent"]["modelTurn"]["parts"]] == [
        {"codeExecutionResult": {"outcome": "OUTCOME_FAILED", "output": "NameError: fact"}},
        {"executableCode": {"language": "PYTHON", "code": "print(3628800)"}},
    ]
    second = only(actions, RunCode)
    assert (second.step, second.code, second.task, second.attempt) == (
        first.step,
        "print(3628800)",
        first.task,
        2,
    )
    assert not any(isinstance(a, StartGeneration) for a in actions)  # the step still runs
    done = session.code_ran(plan.turn_id, second.step, "OUTCOME_OK", "3628800\n")
    prompt = only(done, StartGeneration).messages[-1].content
    assert "NameError: fact" in prompt and "3628800" in prompt  # the model reads both tries
    # A try reported for a step that is over is ignored.
    assert session.code_rewritten(second, "OUTCOME_FAILED", "late", "print(1)") == []


def test_code_steps_are_dropped_when_code_execution_is_not_declared() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}])
    plan = only(ask(session, "compute"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [CodeStep("x", "print(1)")])
    assert not any(isinstance(a, RunCode) for a in actions)
    assert only(actions, StartGeneration)


def test_search_results_ground_the_answer() -> None:
    session = tool_session([{"googleSearch": {}}])
    plan = only(ask(session, "When did the last Brazil vs Argentina match happen?"), PlanTools)
    actions = session.tools_planned(plan.turn_id, [SearchStep("match", "Brazil Argentina match")])
    search = only(actions, RunSearch)
    assert search.query == "Brazil Argentina match"
    results = [
        SearchResult(
            "https://example.org/match",
            "Brazil vs Argentina",
            "Argentina beat Brazil 1-0 on 21 November 2023.",
        ),
        SearchResult("https://example.org/cats", "Cats", "Cats sleep a lot."),
    ]
    answer = only(session.search_done(plan.turn_id, search.step, search.query, results), StartGeneration)
    assert "Argentina beat Brazil" in answer.messages[-1].content
    reply = "Argentina beat Brazil on 21 November 2023. It was close."
    session.generation_text(plan.turn_id, reply)
    messages = sent(session.generation_done(plan.turn_id, GenerationStats()))
    (grounding,) = [
        m["serverContent"]["groundingMetadata"]
        for m in messages
        if "groundingMetadata" in m.get("serverContent", {})
    ]
    assert grounding["webSearchQueries"] == ["Brazil Argentina match"]
    assert [c["web"]["uri"] for c in grounding["groundingChunks"]] == [
        "https://example.org/match",
        "https://example.org/cats",
    ]
    (support,) = grounding["groundingSupports"]
    assert support["groundingChunkIndices"] == [0]
    segment = support["segment"]
    assert segment["text"] == "Argentina beat Brazil on 21 November 2023."
    assert reply.encode()[segment["startIndex"] : segment["endIndex"]].decode() == segment["text"]
    # generationComplete comes after the grounding.
    kinds = [next(iter(m["serverContent"])) for m in messages if "serverContent" in m]
    assert kinds.index("groundingMetadata") < kinds.index("generationComplete")


def test_url_context_fetches_the_urls_in_the_user_turn() -> None:
    session = tool_session([{"urlContext": {}}])
    plan = only(ask(session, "Summarise https://example.org/a and http://example.net/b."), PlanTools)
    actions = session.tools_planned(plan.turn_id, [])
    fetch = only(actions, FetchUrls)
    assert fetch.urls == ("https://example.org/a", "http://example.net/b")
    pages = [
        FetchedPage("https://example.org/a", "URL_RETRIEVAL_STATUS_SUCCESS", title="A", text="Alpha text."),
        FetchedPage("http://example.net/b", "URL_RETRIEVAL_STATUS_UNSAFE", error="private address"),
    ]
    done = session.pages_fetched(plan.turn_id, fetch.step, pages)
    assert {
        "serverContent": {
            "urlContextMetadata": {
                "urlMetadata": [
                    {
                        "retrievedUrl": "https://example.org/a",
                        "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS",
                    },
                    {
                        "retrievedUrl": "http://example.net/b",
                        "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_UNSAFE",
                    },
                ]
            }
        }
    } in sent(done)
    prompt = only(done, StartGeneration).messages[-1].content
    assert "Alpha text." in prompt and "could not be read: private address" in prompt


def test_url_context_metadata_reports_where_a_redirect_led() -> None:
    session = tool_session([{"urlContext": {}}])
    plan = only(ask(session, "Read https://example.org/old and http://short.example/x"), PlanTools)
    fetch = only(session.tools_planned(plan.turn_id, []), FetchUrls)
    pages = [
        FetchedPage(
            "https://example.org/old", "URL_RETRIEVAL_STATUS_SUCCESS", "https://example.org/new", text="New."
        ),
        FetchedPage(
            "http://short.example/x", "URL_RETRIEVAL_STATUS_UNSAFE", "http://10.0.0.1/", error="private"
        ),
    ]
    done = session.pages_fetched(plan.turn_id, fetch.step, pages)
    (metadata,) = [m["serverContent"]["urlContextMetadata"] for m in sent(done) if "serverContent" in m]
    assert [entry["retrievedUrl"] for entry in metadata["urlMetadata"]] == [
        "https://example.org/new",
        "http://10.0.0.1/",
    ]


def test_combined_tools_all_run_in_one_reply() -> None:
    session = tool_session([{"googleSearch": {}}, {"codeExecution": {}}, {"functionDeclarations": LIGHTS}])
    plan = only(ask(session, "three things"), PlanTools)
    actions = session.tools_planned(
        plan.turn_id,
        [
            CodeStep("compute", "print(1)"),
            SearchStep("search", "earthquake"),
            FunctionStep("lights", "turn_on_the_lights"),
        ],
    )
    run, search = only(actions, RunCode), only(actions, RunSearch)
    (call,) = calls_of(actions)
    assert not any(
        isinstance(a, StartGeneration) for a in session.code_ran(plan.turn_id, run.step, "OUTCOME_OK", "1\n")
    )
    assert not any(
        isinstance(a, StartGeneration)
        for a in session.search_done(plan.turn_id, search.step, "earthquake", [])
    )
    answer = only(respond(session, {"id": call["id"], "response": {"result": "ok"}}), StartGeneration)
    prompt = answer.messages[-1].content
    assert "printed" in prompt and "earthquake" in prompt and "turn_on_the_lights" in prompt


def test_results_for_an_interrupted_reply_are_ignored() -> None:
    session = tool_session([{"codeExecution": {}}])
    plan = only(ask(session, "compute"), PlanTools)
    run = only(session.tools_planned(plan.turn_id, [CodeStep("c", "print(1)")]), RunCode)
    ask(session, "something else")
    history = list(session.history)
    assert session.code_ran(plan.turn_id, run.step, "OUTCOME_OK", "1\n") == []
    assert list(session.history) == history


def test_tool_turns_survive_a_snapshot() -> None:
    session = tool_session([{"functionDeclarations": LIGHTS}], sessionResumption={})
    turn_id, calls, _ = planned_lights(session)
    respond(session, {"id": calls[0]["id"], "response": {"result": "ok"}})
    session.generation_text(turn_id, "Done.")
    session.generation_done(turn_id, GenerationStats())
    restored = Session(ModelTable({MODEL: FakeLLM()}).resolve)
    restored.restore(session.snapshot())
    feed(restored, {"setup": {"model": MODEL, "sessionResumption": {"handle": "h"}}})
    assert [t.role for t in restored.history] == ["user", "tool", "model"]
    assert restored.setup is not None and restored.setup.tools.functions[0].name == "turn_on_the_lights"


def test_background_calls_survive_a_snapshot() -> None:
    session = tool_session([{"functionDeclarations": NON_BLOCKING}], sessionResumption={})
    turn_id, call_id = started_in_background(session)
    session.generation_done(turn_id, GenerationStats())
    restored = Session(ModelTable({MODEL: FakeLLM()}).resolve)
    restored.restore(session.snapshot())
    feed(restored, {"setup": {"model": MODEL, "sessionResumption": {"handle": "h"}}})
    actions = respond(restored, {"id": call_id, "response": {"result": "ok"}})
    assert '"result": "ok"' in only(actions, StartGeneration).messages[-1].content


def test_function_results_count_against_the_history_bound() -> None:
    session = Session(ModelTable({MODEL: FakeLLM()}).resolve, limits=SessionLimits(max_history_chars=400))
    feed(
        session,
        {
            "setup": {
                "model": MODEL,
                "generationConfig": {"responseModalities": ["TEXT"]},
                "tools": [{"functionDeclarations": LIGHTS}],
            }
        },
    )
    _, calls, _ = planned_lights(session)
    partial = {"id": calls[0]["id"], "response": {"chunk": "x" * 100}, "willContinue": True}
    respond(session, partial)
    with pytest.raises(InvalidArgument, match="would exceed 400 characters"):
        for _ in range(10):
            respond(session, partial)
