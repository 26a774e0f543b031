"""A planner for models that call tools themselves: the model reads the conversation and decides.

The declared functions, and code execution and search as two more functions, are
given to the model in its own tool-calling format (its chat template's, or an
OpenAI-compatible endpoint's ``tools``). Whatever it calls becomes the plan: it
may call several functions at once, search for anything it is not sure of, and
run code for anything it should compute. No words are matched to functions: a
request needs a tool when the model says so. (A small model that makes one call a
turn is asked once for each request of the user's message, found by the word
planner's splitting, and the code prompt writes its programs.) Arguments are
checked against the function's schema again here; a call that does not validate,
or names no declared tool, is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from openlive.engines.base import ChatMessage, last_user_text
from openlive.engines.native_tools import ToolCall, ToolCallingLLM, ToolSpec
from openlive.errors import ContextWindowExceeded
from openlive.tools.call_check import CallCheck
from openlive.tools.llm_planner import MAX_TASK_CHARS, MAX_TASKS, function_verbs, split_tasks
from openlive.tools.planner import CodeStep, FunctionStep, Planner, SearchStep, Step
from openlive.wire.tools import Tools, argument_error

log = logging.getLogger(__name__)

# Calls the check may take back for one request before the request gets none.
MAX_REJECTED = 2

CODE_FUNCTION = ToolSpec(
    name="run_python",
    description=(
        "Run a Python 3 program and get what it prints. Use it to compute anything exactly: "
        "arithmetic, counting, dates, sorting, primes, puzzles. Write a complete program that "
        "prints the answer."
    ),
    parameters={
        "type": "object",
        "properties": {"code": {"type": "string", "description": "The program; it must print the result"}},
        "required": ["code"],
    },
    code_argument="code",
)
SEARCH_FUNCTION = ToolSpec(
    name="google_search",
    description=(
        "Search the web and the user's indexed documents. Use it for anything you do not know for "
        "certain: facts about people, places, events, news, prices, schedules, opening hours, and what "
        "the user's documents, notes or manuals say."
    ),
    parameters={
        "type": "object",
        "properties": {"query": {"type": "string", "description": "What to search for"}},
        "required": ["query"],
    },
)

# Code execution offered to a model whose programs another writes (see
# :class:`CodeWriter`): the model only chooses to compute, without writing the program.
COMPUTE_FUNCTION = ToolSpec(
    name=CODE_FUNCTION.name,
    description=(
        "Compute the answer exactly with a Python program: arithmetic, counting, dates, sorting, "
        "primes, puzzles."
    ),
    parameters={"type": "object", "properties": {}},
)


class CodeWriter(Protocol):
    """Writes a task's program, and writes it again after it failed (the word planner does both)."""

    def write_code(self, task: str, cancel: threading.Event | None = None) -> str | None:
        """A program that prints the task's answer; ``None``: none."""
        ...

    def fix_code(self, task: str, code: str, error: str, cancel: threading.Event | None = None) -> str | None:
        """``code`` written again after it failed with ``error``; ``None``: no fix."""
        ...


# Said once beside the functions: when a call is worth making. A policy, not a list
# of phrasings: the model still decides for each request.
GUIDANCE = (
    "You may call the functions below. Call one only when the request needs it: to act for the user, "
    "to compute something exactly, or to look up something you do not know for certain. For greetings, "
    "thanks, chat, opinions, jokes and writing, answer in words and call nothing."
)


def with_guidance(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """``messages`` with :data:`GUIDANCE` added to the system message (or as one)."""
    if messages and messages[0].role == "system":
        return [ChatMessage("system", f"{messages[0].content}\n\n{GUIDANCE}"), *messages[1:]]
    return [ChatMessage("system", GUIDANCE), *messages]


class NativePlanner:
    """Plans a turn by asking the model which tools to call.

    Args:
        llm: An engine that calls tools itself.
        per_task: Ask once for each separate request in the user's message (the word
            planner's :func:`~openlive.tools.llm_planner.split_tasks`), for models that
            stop after their first call: Qwen2.5-Coder-1.5B answered every two-call
            request of ``openlive bench tools`` with its first call only.
        code_writer: Writes the programs the model chooses to run; ``None``: the model
            writes them inside its call.
        fallback: Plans the turns whose conversation and tools do not fit the model's
            context window (a stand-in's is smaller than the engine's); ``None``: the
            error stands.
        check: Asks again about each call of a declared function; a call it rejects is
            taken back and the model asked once more with that function barred (at
            most :data:`MAX_REJECTED` times a request; the prompt stays the same, so
            the engine reads it from its cache). ``None``: every call stands.
    """

    def __init__(
        self,
        llm: ToolCallingLLM,
        *,
        per_task: bool = False,
        code_writer: CodeWriter | None = None,
        fallback: Planner | None = None,
        check: CallCheck | None = None,
    ) -> None:
        self._llm = llm
        self.per_task = per_task
        self._code_writer = code_writer
        self._fallback = fallback
        self._check = check

    def plan(self, messages: Sequence[ChatMessage], tools: Tools, cancel: threading.Event) -> list[Step]:
        """The steps the model calls for; see :class:`openlive.tools.planner.Planner`."""
        specs = tool_specs(tools, compute_only=self._code_writer is not None)
        if not specs:
            return []
        request = last_user_text(messages)
        tasks = split_tasks(request, function_verbs(tools), statements_join=True) if self.per_task else []
        tasks = tasks[:MAX_TASKS]
        if len(tasks) < 2:
            tasks = [request]
        steps: list[Step] = []
        calls_made = 0
        for task in tasks:
            if cancel.is_set():
                return []
            asked = messages if task is request else with_last_user_text(messages, task[:MAX_TASK_CHARS])
            try:
                calls = self._checked_calls(asked, task, specs, cancel)
            except ContextWindowExceeded:
                if self._fallback is None:
                    raise
                log.info("native tool planner: the tools do not fit the model's context; the fallback plans")
                return self._fallback.plan(messages, tools, cancel)
            calls_made += len(calls)
            for step in steps_from_calls(calls, tools, task, written=self._writer(cancel)):
                if not _repeats(step, steps):
                    steps.append(step)
        log.info(
            "native tool planner: %d call(s) proposed, %d step(s) kept (%s)",
            calls_made,
            len(steps),
            ", ".join(_step_name(s) for s in steps) or "no tools",
        )
        return steps

    def _checked_calls(
        self, asked: Sequence[ChatMessage], task: str, specs: Sequence[ToolSpec], cancel: threading.Event
    ) -> list[ToolCall]:
        """The model's calls for ``task``; with a check, asked again barring each function it rejects."""
        prompt = with_guidance(asked)
        calls = self._llm.call_tools(prompt, specs, cancel)
        barred: set[str] = set()
        while (rejected := self._rejected(asked, task, calls, specs, cancel)) is not None:
            barred.add(rejected)
            if len(barred) > MAX_REJECTED:
                return []
            log.info("native tool planner: the check took back a call to %s; asked again", rejected)
            calls = self._llm.call_tools(prompt, specs, cancel, barred=frozenset(barred))
        return calls

    def _rejected(
        self,
        asked: Sequence[ChatMessage],
        task: str,
        calls: Sequence[ToolCall],
        specs: Sequence[ToolSpec],
        cancel: threading.Event,
    ) -> str | None:
        """The first declared function among ``calls`` that the check says the request does not ask for."""
        if self._check is None:
            return None
        builtin = {CODE_FUNCTION.name, SEARCH_FUNCTION.name}
        for call in calls:
            spec = next((s for s in specs if s.name == call.name), None)
            if spec is None or spec.name in builtin or cancel.is_set():
                continue
            if not self._check.fits(asked, task, spec):
                return call.name
        return None

    def fix_code(self, task: str, code: str, error: str, cancel: threading.Event | None = None) -> str | None:
        """The failed program written again by the code writer; ``None`` without one (the failure stands)."""
        if self._code_writer is None:
            return None
        return self._code_writer.fix_code(task, code, error, cancel)

    def _writer(self, cancel: threading.Event) -> Callable[[str], str | None] | None:
        writer = self._code_writer
        return None if writer is None else lambda task: writer.write_code(task, cancel)


def with_last_user_text(messages: Sequence[ChatMessage], text: str) -> list[ChatMessage]:
    """``messages`` with the newest user message's text replaced by ``text`` (earlier turns kept)."""
    last = max((i for i, m in enumerate(messages) if m.role == "user"), default=None)
    if last is None:
        return [*messages, ChatMessage("user", text)]
    return [*messages[:last], ChatMessage("user", text), *messages[last + 1 :]]


def tool_specs(tools: Tools, *, compute_only: bool = False) -> list[ToolSpec]:
    """The declared functions, and code execution and search as functions, for the model.

    With ``compute_only``, code execution takes no program (:data:`COMPUTE_FUNCTION`).
    """
    specs = [ToolSpec(f.name, f.description, f.parameters) for f in tools.functions]
    taken = {f.name for f in tools.functions}
    if tools.code_execution and CODE_FUNCTION.name not in taken:
        specs.append(COMPUTE_FUNCTION if compute_only else CODE_FUNCTION)
    if tools.google_search and SEARCH_FUNCTION.name not in taken:
        specs.append(SEARCH_FUNCTION)
    return specs


def steps_from_calls(
    calls: Sequence[ToolCall], tools: Tools, task: str, written: Callable[[str], str | None] | None = None
) -> list[Step]:
    """Plan steps for the model's calls; calls to undeclared tools or with invalid arguments are dropped.

    Args:
        calls: The model's calls.
        tools: The session's declared tools.
        task: The request the calls answer.
        written: Writes the program of a code call for ``task`` (the model wrote none).
    """
    steps: list[Step] = []
    for call in calls:
        declaration = tools.function(call.name)
        if declaration is not None:
            problem = argument_error(declaration.parameters, call.arguments)
            if problem is not None:
                # The message may quote the arguments, which come from what the user said.
                log.info("native tool planner: dropped a call to %s: invalid arguments", call.name)
                log.debug("invalid arguments for %s: %s", call.name, problem[:120])
                continue
            steps.append(FunctionStep(task=task, name=call.name, args=dict(call.arguments)))
        elif call.name == CODE_FUNCTION.name and tools.code_execution:
            code = written(task) if written is not None else call.arguments.get("code")
            if isinstance(code, str) and code.strip():
                steps.append(CodeStep(task=task, code=code))
        elif call.name == SEARCH_FUNCTION.name and tools.google_search:
            query = call.arguments.get("query")
            if isinstance(query, str) and query.strip():
                steps.append(SearchStep(task=task, query=query.strip()))
        else:
            log.info("native tool planner: dropped a call to an undeclared tool")
    return steps


def _repeats(step: Step, steps: Sequence[Step]) -> bool:
    """Whether ``step`` calls a function with the same arguments as one of ``steps`` (two tasks, one call)."""
    return isinstance(step, FunctionStep) and any(
        isinstance(s, FunctionStep) and (s.name, s.args) == (step.name, step.args) for s in steps
    )


def _step_name(step: Step) -> str:
    if isinstance(step, FunctionStep):
        return step.name
    return "code" if isinstance(step, CodeStep) else "search"
