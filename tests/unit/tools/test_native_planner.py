import threading
from collections.abc import Sequence

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.tools.native_planner import CODE_FUNCTION, GUIDANCE, SEARCH_FUNCTION, NativePlanner, tool_specs
from openlive.tools.planner import CodeStep, FunctionStep, Planner, SearchStep
from openlive.wire.tools import parse_tools

DOOR = {
    "name": "lock_door",
    "description": "Lock a door.",
    "parameters": {
        "type": "OBJECT",
        "properties": {"door": {"type": "STRING", "enum": ["front", "back"]}},
        "required": ["door"],
    },
}
EVERYTHING = parse_tools([{"functionDeclarations": [DOOR]}, {"codeExecution": {}}, {"googleSearch": {}}])


class ScriptedCaller:
    """A tool-calling engine that answers with the same calls and records what it saw."""

    def __init__(self, *calls: ToolCall) -> None:
        self.calls = list(calls)
        self.seen: list[tuple[list[ChatMessage], list[ToolSpec]]] = []

    def call_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], cancel: threading.Event
    ) -> list[ToolCall]:
        self.seen.append((list(messages), list(tools)))
        return list(self.calls)


def plan(caller: ScriptedCaller, text: str = "lock up", tools=EVERYTHING):  # type: ignore[no-untyped-def]
    return NativePlanner(caller).plan([ChatMessage("user", text)], tools, threading.Event())


def test_is_a_planner() -> None:
    assert isinstance(NativePlanner(ScriptedCaller()), Planner)


def test_builtin_tools_are_offered_as_functions_only_when_declared() -> None:
    names = [s.name for s in tool_specs(EVERYTHING)]
    assert names == ["lock_door", CODE_FUNCTION.name, SEARCH_FUNCTION.name]
    assert [s.name for s in tool_specs(parse_tools([{"functionDeclarations": [DOOR]}]))] == ["lock_door"]
    assert tool_specs(parse_tools([])) == []


def test_parallel_calls_become_steps_in_order() -> None:
    caller = ScriptedCaller(
        ToolCall("lock_door", {"door": "front"}),
        ToolCall("lock_door", {"door": "back"}),
        ToolCall(CODE_FUNCTION.name, {"code": "print(1)"}),
        ToolCall(SEARCH_FUNCTION.name, {"query": " opening hours "}),
    )
    assert plan(caller) == [
        FunctionStep("lock up", "lock_door", {"door": "front"}),
        FunctionStep("lock up", "lock_door", {"door": "back"}),
        CodeStep("lock up", "print(1)"),
        SearchStep("lock up", "opening hours"),
    ]


def test_invalid_arguments_and_undeclared_tools_are_dropped() -> None:
    caller = ScriptedCaller(
        ToolCall("lock_door", {"door": "window"}),
        ToolCall("lock_door", {}),
        ToolCall("unlock_everything", {}),
        ToolCall(CODE_FUNCTION.name, {"code": "  "}),
        ToolCall(SEARCH_FUNCTION.name, {"query": 3}),
    )
    assert plan(caller) == []
    only_door = parse_tools([{"functionDeclarations": [DOOR]}])
    assert plan(ScriptedCaller(ToolCall(CODE_FUNCTION.name, {"code": "print(1)"})), tools=only_door) == []


def test_the_model_sees_the_whole_conversation() -> None:
    caller = ScriptedCaller()
    messages = [
        ChatMessage("system", "be nice"),
        ChatMessage("user", "Lock the front door."),
        ChatMessage("assistant", "Done."),
        ChatMessage("user", "Same for the back."),
    ]
    assert NativePlanner(caller).plan(messages, EVERYTHING, threading.Event()) == []
    seen = caller.seen[0][0]
    assert seen[1:] == messages[1:]
    assert seen[0].role == "system" and seen[0].content.startswith("be nice") and GUIDANCE in seen[0].content


def test_no_tools_declared_asks_nothing() -> None:
    caller = ScriptedCaller(ToolCall("lock_door", {"door": "front"}))
    assert plan(caller, tools=parse_tools([])) == []
    assert caller.seen == []


def test_the_runtime_picks_the_native_planner_only_for_engines_that_call_tools() -> None:
    from openlive.runtime.tools import llm_planner
    from openlive.testing import FakeLLM, FakeToolCallingLLM
    from openlive.tools.llm_planner import LlmPlanner

    assert isinstance(llm_planner(FakeToolCallingLLM([])), NativePlanner)
    assert isinstance(llm_planner(FakeLLM()), LlmPlanner)
