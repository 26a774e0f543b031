import threading
from collections.abc import Sequence

import pytest

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.errors import ContextWindowExceeded
from openlive.testing import FakePlanner
from openlive.tools.native_planner import (
    CODE_FUNCTION,
    COMPUTE_FUNCTION,
    GUIDANCE,
    SEARCH_FUNCTION,
    NativePlanner,
    tool_specs,
)
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


def test_the_runtime_has_a_tiny_engine_s_tool_calling_coder_choose_its_tools() -> None:
    from openlive.runtime.tools import llm_planner
    from openlive.testing import FakeLLM, FakeToolCallingLLM
    from openlive.tools.llm_planner import LlmPlanner

    tiny = FakeLLM()
    assert isinstance(llm_planner(tiny, FakeToolCallingLLM([], one_call=True)), NativePlanner)
    assert isinstance(llm_planner(tiny, FakeLLM()), LlmPlanner)  # a coder that cannot call tools
    assert isinstance(llm_planner(tiny, None), LlmPlanner)


class Writer:
    """A code writer that records the tasks it wrote programs for."""

    def __init__(self, code: str | None = "print(42)") -> None:
        self.code = code
        self.tasks: list[str] = []
        self.fixes: list[tuple[str, str, str]] = []

    def write_code(self, task: str, cancel: threading.Event | None = None) -> str | None:
        self.tasks.append(task)
        return self.code

    def fix_code(self, task: str, code: str, error: str, cancel: threading.Event | None = None) -> str | None:
        self.fixes.append((task, code, error))
        return "print(43)"


HOME = parse_tools(
    [
        {
            "functionDeclarations": [
                DOOR,
                {
                    "name": "water_plants",
                    "description": "Water the garden.",
                    "parameters": {"type": "OBJECT"},
                },
            ]
        },
        {"codeExecution": {}},
    ]
)


def test_one_call_a_turn_models_are_asked_once_for_each_request() -> None:
    caller = ScriptedCaller(ToolCall("lock_door", {"door": "front"}))
    text = "Lock the front door and water the plants. Also lock the front door."
    steps = NativePlanner(caller, per_task=True).plan([ChatMessage("user", text)], HOME, threading.Event())
    # Three requests, three questions, each seeing only its own request; one call repeated is one step.
    assert [seen[0][-1].content for seen in caller.seen] == [
        "Lock the front door",
        "water the plants.",
        "lock the front door.",
    ]
    assert steps == [FunctionStep("Lock the front door", "lock_door", {"door": "front"})]


def test_one_request_is_asked_as_said() -> None:
    caller = ScriptedCaller()
    messages = [
        ChatMessage("user", "Earlier."),
        ChatMessage("assistant", "Yes."),
        ChatMessage("user", "Lock up."),
    ]
    NativePlanner(caller, per_task=True).plan(messages, HOME, threading.Event())
    assert len(caller.seen) == 1 and caller.seen[0][0][1:] == messages


def test_a_code_writer_writes_the_programs_the_model_chooses_to_run() -> None:
    writer = Writer()
    caller = ScriptedCaller(ToolCall(CODE_FUNCTION.name, {}))
    planner = NativePlanner(caller, code_writer=writer)
    steps = planner.plan([ChatMessage("user", "Is 7919 prime?")], HOME, threading.Event())
    assert steps == [CodeStep("Is 7919 prime?", "print(42)")]
    assert writer.tasks == ["Is 7919 prime?"]
    assert COMPUTE_FUNCTION in caller.seen[0][1] and CODE_FUNCTION not in caller.seen[0][1]
    assert planner.fix_code("Is 7919 prime?", "print(42)", "SyntaxError") == "print(43)"
    assert NativePlanner(caller).fix_code("t", "print(1)", "boom") is None  # no writer: the failure stands


def test_no_program_written_is_no_step() -> None:
    caller = ScriptedCaller(ToolCall(CODE_FUNCTION.name, {}))
    assert (
        NativePlanner(caller, code_writer=Writer(None)).plan(
            [ChatMessage("user", "2+2?")], HOME, threading.Event()
        )
        == []
    )


class Overflowing(ScriptedCaller):
    def call_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], cancel: threading.Event
    ) -> list[ToolCall]:
        raise ContextWindowExceeded("the conversation and its tools take 5000 tokens")


def test_tools_that_do_not_fit_the_model_are_planned_by_the_fallback() -> None:
    fallback = FakePlanner(lambda request: [FunctionStep(request, "lock_door", {"door": "back"})])
    planner = NativePlanner(Overflowing(), fallback=fallback)
    steps = planner.plan([ChatMessage("user", "lock up")], HOME, threading.Event())
    assert steps == [FunctionStep("lock up", "lock_door", {"door": "back"})]
    with pytest.raises(ContextWindowExceeded):
        NativePlanner(Overflowing()).plan([ChatMessage("user", "lock up")], HOME, threading.Event())


class Check:
    """A call check that rejects the named functions and records what it was asked."""

    def __init__(self, *rejected: str) -> None:
        self.rejected = set(rejected)
        self.asked: list[tuple[str, str]] = []

    def fits(self, messages: Sequence[ChatMessage], task: str, spec: ToolSpec) -> bool:
        self.asked.append((task, spec.name))
        return spec.name not in self.rejected


class Answering(ScriptedCaller):
    """Answers each question with the first of ``choices`` offered and not barred; records the barred."""

    def __init__(self, *choices: ToolCall) -> None:
        super().__init__()
        self.choices = choices
        self.barred: list[frozenset[str]] = []

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        self.seen.append((list(messages), list(tools)))
        self.barred.append(barred)
        callable_names = {t.name for t in tools} - barred
        return [c for c in self.choices if c.name in callable_names][:1]


def test_a_call_the_check_rejects_is_asked_again_with_its_function_barred() -> None:
    caller = Answering(
        ToolCall("lock_door", {"door": "front"}), ToolCall(SEARCH_FUNCTION.name, {"query": "q"})
    )
    check = Check("lock_door")
    planner = NativePlanner(caller, check=check)
    steps = planner.plan([ChatMessage("user", "Who locks doors?")], EVERYTHING, threading.Event())
    assert steps == [SearchStep("Who locks doors?", "q")]
    # Asked twice from the same prompt: the second time, the rejected function may not be called.
    assert caller.seen[0] == caller.seen[1]
    assert caller.barred == [frozenset(), frozenset({"lock_door"})]
    assert check.asked == [("Who locks doors?", "lock_door")]  # search and code are not checked


def test_a_call_the_check_keeps_stands_and_is_asked_once() -> None:
    caller = Answering(ToolCall("lock_door", {"door": "front"}))
    check = Check()
    steps = NativePlanner(caller, check=check).plan(
        [ChatMessage("user", "Lock up.")], EVERYTHING, threading.Event()
    )
    assert steps == [FunctionStep("Lock up.", "lock_door", {"door": "front"})]
    assert len(caller.seen) == 1 and check.asked == [("Lock up.", "lock_door")]


def test_the_check_rejects_a_bounded_number_of_calls() -> None:
    from openlive.tools.native_planner import MAX_REJECTED

    functions = [{**DOOR, "name": f"door_{i}"} for i in range(MAX_REJECTED + 3)]
    tools = parse_tools([{"functionDeclarations": functions}])
    caller = Answering(*(ToolCall(f["name"], {"door": "front"}) for f in functions))
    check = Check(*(f["name"] for f in functions))
    steps = NativePlanner(caller, check=check).plan([ChatMessage("user", "Hm.")], tools, threading.Event())
    assert steps == []
    assert len(caller.seen) == MAX_REJECTED + 1


def test_the_runtime_checks_the_calls_of_a_one_call_model_that_reads_its_odds() -> None:
    from openlive.runtime.tools import llm_planner
    from openlive.testing import FakeLLM, FakeToolCallingLLM

    call = '{"name": "lock_door", "arguments": {"door": "front"}}'
    nothing = '{"name": "reply_without_tools"'
    messages = [ChatMessage("user", "Tell me a joke about doors.")]
    doubting = FakeToolCallingLLM([[call], [nothing]], one_call=True, odds=lambda _m, _a: [-4.0, -0.1])
    assert llm_planner(FakeLLM(), doubting).plan(messages, HOME, threading.Event()) == []
    assert doubting.offered == [["lock_door", "water_plants", "run_python"], ["water_plants", "run_python"]]

    sure = FakeToolCallingLLM([[call]], one_call=True, odds=lambda _m, _a: [-0.1, -4.0])
    steps = llm_planner(FakeLLM(), sure).plan(messages, HOME, threading.Event())
    assert [s.name for s in steps if isinstance(s, FunctionStep)] == ["lock_door"]

    unchecked = FakeToolCallingLLM([[call]], one_call=True)  # no odds to read: the call stands
    assert len(llm_planner(FakeLLM(), unchecked).plan(messages, HOME, threading.Event())) == 1
