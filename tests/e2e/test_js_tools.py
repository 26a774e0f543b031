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

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import JS_DIR, LiveServer, node_env, run_node_script

pytestmark = pytest.mark.e2e

SCRIPT = JS_DIR / "live_tools.mjs"
MODEL = "gemini-2.0-flash-live-001"
PROMPT = "Turn on the lights please"
API_KEY = "openlive-e2e-js-key"


@dataclass
class JsRun:
    """One run of `live_tools.mjs`."""

    returncode: int
    summary: dict[str, Any]
    stderr: str

    def describe(self, server: LiveServer) -> str:
        log = server.log()[-4000:]
        return (
            f"node exited {self.returncode}\nsummary: {json.dumps(self.summary, indent=1)}\n"
            f"stderr:\n{self.stderr[-4000:]}\nserver log (tail):\n{log}"
        )


def run_live_tools(node: str, server: LiveServer, extra_env: dict[str, str] | None = None) -> JsRun:
    env = node_env(server, API_KEY, PROMPT)
    env.update(extra_env or {})
    return JsRun(*run_node_script(node, SCRIPT, server, MODEL, env))


def check_single_call(run: JsRun, server: LiveServer) -> dict[str, Any]:
    """Exactly one call, to turn_on_the_lights, with an id and no arguments; answered once."""
    assert run.returncode == 0, run.describe(server)
    s = run.summary
    assert isinstance(s["setupComplete"], dict), run.describe(server)
    assert [c["name"] for c in s["calls"]] == ["turn_on_the_lights"], run.describe(server)
    (call,) = s["calls"]
    assert isinstance(call["id"], str) and call["id"], run.describe(server)
    assert call.get("args") in (None, {}), run.describe(server)
    assert [r["id"] for r in s["responses"]] == [call["id"]], run.describe(server)
    assert s["closeRequested"] and s["close"]["wasClean"], run.describe(server)
    return call


def sent_messages(run: JsRun, key: str) -> list[dict[str, Any]]:
    return [frame[key] for frame in run.summary["sent"] if key in frame]


def test_function_call_answered_then_model_replies(node: str, live_server: LiveServer) -> None:
    """The documentation's example: a blocking call, its response, and the answer in the same turn."""
    run = run_live_tools(node, live_server)
    call = check_single_call(run, live_server)
    s = run.summary

    # What the SDK put on the wire: the declarations in setup, then the turn, then the response.
    (setup,) = sent_messages(run, "setup")
    assert setup["model"] == f"models/{MODEL}", run.describe(live_server)
    assert setup["generationConfig"]["responseModalities"] == ["TEXT"], run.describe(live_server)
    assert setup["tools"] == [
        {"functionDeclarations": [{"name": "turn_on_the_lights"}, {"name": "turn_off_the_lights"}]}
    ], run.describe(live_server)
    assert sent_messages(run, "clientContent") == [
        {"turns": [{"role": "user", "parts": [{"text": PROMPT}]}], "turnComplete": True}
    ], run.describe(live_server)
    answered = {"id": call["id"], "name": "turn_on_the_lights", "response": {"result": "ok"}}
    tool_responses = sent_messages(run, "toolResponse")
    assert tool_responses == [{"functionResponses": [answered]}], run.describe(live_server)

    # The model waited for the result: the call and the answer share one turn.
    assert call["turn"] == 0 and s["responses"][0]["turn"] == 0, run.describe(live_server)
    (turn,) = s["turns"]
    assert turn["complete"] and turn["calls"] == ["turn_on_the_lights"], run.describe(live_server)
    assert turn["events"][-1] == "turnComplete", run.describe(live_server)
    assert "interrupted" not in turn["events"], run.describe(live_server)
    assert s["text"].strip(), "the model answered after the function's result\n" + run.describe(live_server)
    assert s["events"].index("toolCall") < s["events"].index("modelTurn"), run.describe(live_server)


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
    call = check_single_call(run, live_server)
    s = run.summary

    (setup,) = sent_messages(run, "setup")
    assert setup["tools"] == [
        {
            "functionDeclarations": [
                {"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"},
                {"name": "turn_off_the_lights"},
            ]
        }
    ], run.describe(live_server)
    (tool_response,) = sent_messages(run, "toolResponse")
    (response,) = tool_response["functionResponses"]
    assert response["id"] == call["id"] and response["name"] == "turn_on_the_lights"
    if scheduling_in == "response":
        assert response["response"] == {"result": "ok", "scheduling": "INTERRUPT"}, run.describe(live_server)
    else:
        assert response["response"] == {"result": "ok"}, run.describe(live_server)
        assert response["scheduling"] == "INTERRUPT", run.describe(live_server)

    # The call came in the first turn; the report is a turn of its own after it.
    turns = s["turns"]
    assert call["turn"] == 0, run.describe(live_server)
    assert len(turns) == 2 and all(t["complete"] for t in turns), run.describe(live_server)
    assert turns[0]["calls"] == ["turn_on_the_lights"], run.describe(live_server)
    report = turns[-1]
    assert report["calls"] == [] and report["events"][-1] == "turnComplete", run.describe(live_server)
    assert "interrupted" not in report["events"], run.describe(live_server)
    assert report["text"].strip(), "the model reported the function's result\n" + run.describe(live_server)
