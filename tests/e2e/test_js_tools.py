"""Function calling through the official JavaScript SDK (`@google/genai`, under Node).

`js/live_tools.mjs` does what the Live API documentation's JavaScript tool
examples do: ``ai.live.connect`` with ``tools: [{functionDeclarations: [...]}]``,
``session.sendClientContent``, and on a ``toolCall`` message
``session.sendToolResponse``. It prints a JSON summary of what it saw and sent.
These tests run it against the real TLS server with the real embedded model,
once with the documentation's plain (blocking) declarations and once with a
``NON_BLOCKING`` declaration answered with ``scheduling: INTERRUPT``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import JS_DIR, LiveServer, NodeRun, node_env, run_node_script

pytestmark = pytest.mark.e2e

SCRIPT = JS_DIR / "live_tools.mjs"
MODEL = "gemini-2.0-flash-live-001"
PROMPT = "Turn on the lights please"
API_KEY = "openlive-e2e-js-key"


def run_live_tools(node: str, server: LiveServer, extra_env: dict[str, str] | None = None) -> NodeRun:
    env = node_env(server, API_KEY, PROMPT)
    env.update(extra_env or {})
    return run_node_script(node, SCRIPT, server, MODEL, env)


def check_single_call(run: NodeRun) -> dict[str, Any]:
    """Exactly one call, to turn_on_the_lights, with an id and no arguments; answered once."""
    assert run.returncode == 0, run
    s = run.summary
    assert isinstance(s["setupComplete"], dict), run
    assert [c["name"] for c in s["calls"]] == ["turn_on_the_lights"], run
    (call,) = s["calls"]
    assert isinstance(call["id"], str) and call["id"], run
    assert call.get("args") in (None, {}), run
    assert [r["id"] for r in s["responses"]] == [call["id"]], run
    assert s["closeRequested"] and s["close"]["wasClean"], run
    return call


def sent_messages(run: NodeRun, key: str) -> list[dict[str, Any]]:
    return [frame[key] for frame in run.summary["sent"] if key in frame]


def test_function_call_answered_then_model_replies(node: str, live_server: LiveServer) -> None:
    """The documentation's example: a blocking call, its response, and the answer in the same turn."""
    run = run_live_tools(node, live_server)
    call = check_single_call(run)
    s = run.summary

    # What the SDK put on the wire: the declarations in setup, then the turn, then the response.
    (setup,) = sent_messages(run, "setup")
    assert setup["model"] == f"models/{MODEL}", run
    assert setup["generationConfig"]["responseModalities"] == ["TEXT"], run
    assert setup["tools"] == [
        {"functionDeclarations": [{"name": "turn_on_the_lights"}, {"name": "turn_off_the_lights"}]}
    ], run
    assert sent_messages(run, "clientContent") == [
        {"turns": [{"role": "user", "parts": [{"text": PROMPT}]}], "turnComplete": True}
    ], run
    answered = {"id": call["id"], "name": "turn_on_the_lights", "response": {"result": "ok"}}
    tool_responses = sent_messages(run, "toolResponse")
    assert tool_responses == [{"functionResponses": [answered]}], run

    # The model waited for the result: the call and the answer share one turn.
    assert call["turn"] == 0 and s["responses"][0]["turn"] == 0, run
    (turn,) = s["turns"]
    assert turn["complete"] and turn["calls"] == ["turn_on_the_lights"], run
    assert turn["events"][-1] == "turnComplete", run
    assert "interrupted" not in turn["events"], run
    assert s["text"].strip(), "the model answered after the function's result\n" + run
    assert s["events"].index("toolCall") < s["events"].index("modelTurn"), run


@pytest.mark.parametrize("scheduling_in", ["response", "field"])
def test_non_blocking_call_with_interrupt_reports_in_a_later_turn(
    node: str, live_server: LiveServer, scheduling_in: str
) -> None:
    """``behavior: NON_BLOCKING``; the response asks for INTERRUPT, and the model reports in a new turn.

    ``response`` puts the scheduling inside the response object, as the
    documentation's example does; ``field`` uses the SDK's typed
    ``FunctionResponse.scheduling``.
    """
    run = run_live_tools(
        node, live_server, {"OPENLIVE_BEHAVIOR": "non_blocking", "OPENLIVE_SCHEDULING_IN": scheduling_in}
    )
    call = check_single_call(run)
    s = run.summary

    (setup,) = sent_messages(run, "setup")
    assert setup["tools"] == [
        {
            "functionDeclarations": [
                {"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"},
                {"name": "turn_off_the_lights"},
            ]
        }
    ], run
    (tool_response,) = sent_messages(run, "toolResponse")
    (response,) = tool_response["functionResponses"]
    assert response["id"] == call["id"] and response["name"] == "turn_on_the_lights"
    if scheduling_in == "response":
        assert response["response"] == {"result": "ok", "scheduling": "INTERRUPT"}, run
    else:
        assert response["response"] == {"result": "ok"}, run
        assert response["scheduling"] == "INTERRUPT", run

    # The call came in the first turn; the report is a turn of its own after it.
    turns = s["turns"]
    assert call["turn"] == 0, run
    assert len(turns) == 2 and all(t["complete"] for t in turns), run
    assert turns[0]["calls"] == ["turn_on_the_lights"], run
    report = turns[-1]
    assert report["calls"] == [] and report["events"][-1] == "turnComplete", run
    assert "interrupted" not in report["events"], run
    assert report["text"].strip(), "the model reported the function's result\n" + run
