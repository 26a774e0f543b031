"""OpenAICompatEngine.call_tools: the declared functions go as ``tools``, ``tool_calls`` come back."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolCallingLLM, ToolSpec
from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.engines.profile import profile_of
from openlive.errors import EngineError

DOOR = ToolSpec(
    "lock_door",
    "Lock a door.",
    {"type": "object", "properties": {"door": {"type": "string"}}, "required": ["door"]},
)
ASK = [ChatMessage("user", "Lock the front and back doors.")]


def engine_answering(answer: Any, status: int = 200, seen: list[dict[str, Any]] | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(json.loads(request.content))
        body = answer if isinstance(answer, str) else json.dumps(answer)
        return httpx.Response(status, text=body)

    return OpenAICompatEngine(
        "http://127.0.0.1:9/v1", "m", context_size=4096, transport=httpx.MockTransport(handle), **kwargs
    )


def completion(*calls: dict[str, Any], content: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": f"c{n}", "type": "function", "function": c} for n, c in enumerate(calls)
        ]
    return {"choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}


def test_functions_go_as_tools_and_parallel_calls_come_back() -> None:
    seen: list[dict[str, Any]] = []
    engine = engine_answering(
        completion(
            {"name": "lock_door", "arguments": '{"door": "front"}'},
            {"name": "lock_door", "arguments": {"door": "back"}},
        ),
        seen=seen,
    )
    assert isinstance(engine, ToolCallingLLM) and profile_of(engine).native_tools
    calls = engine.call_tools(ASK, [DOOR], threading.Event())
    assert calls == [ToolCall("lock_door", {"door": "front"}), ToolCall("lock_door", {"door": "back"})]
    body = seen[0]
    assert body["tools"] == [DOOR.openai()] and body["parallel_tool_calls"] is True
    assert body["tool_choice"] == "auto" and body["messages"] == [{"role": "user", "content": ASK[0].content}]


def test_a_plain_answer_is_no_call_and_broken_arguments_are_skipped() -> None:
    assert engine_answering(completion(content="Sure.")).call_tools(ASK, [DOOR], threading.Event()) == []
    broken = completion({"name": "lock_door", "arguments": "{door"}, {"arguments": "{}"})
    assert engine_answering(broken).call_tools(ASK, [DOOR], threading.Event()) == []


def test_barred_functions_are_not_sent() -> None:
    seen: list[dict[str, Any]] = []
    other = ToolSpec("unlock_door", "Unlock a door.", DOOR.parameters)
    engine = engine_answering(completion({"name": "unlock_door", "arguments": "{}"}), seen=seen)
    engine.call_tools(ASK, [DOOR, other], threading.Event(), barred=frozenset({"lock_door"}))
    assert seen[0]["tools"] == [other.openai()]
    assert engine.call_tools(ASK, [DOOR], threading.Event(), barred=frozenset({"lock_door"})) == []
    assert len(seen) == 1  # nothing left to offer: no request


def test_no_tools_no_request() -> None:
    seen: list[dict[str, Any]] = []
    assert engine_answering(completion(), seen=seen).call_tools(ASK, [], threading.Event()) == []
    assert seen == []


@pytest.mark.parametrize(("answer", "status"), [("not json", 200), ({"error": {"message": "no"}}, 500)])
def test_errors_are_engine_errors(answer: Any, status: int) -> None:
    with pytest.raises(EngineError):
        engine_answering(answer, status).call_tools(ASK, [DOOR], threading.Event())


def test_the_planner_setting_turns_native_calls_off() -> None:
    assert not profile_of(engine_answering(completion(), tools="planner")).native_tools
