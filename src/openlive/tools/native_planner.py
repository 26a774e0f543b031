"""A planner for models that call tools themselves: the model reads the conversation and decides.

The declared functions, and code execution and search as two more functions, are
given to the model in its own tool-calling format (its chat template's, or an
OpenAI-compatible endpoint's ``tools``). Whatever it calls becomes the plan: it
may call several functions at once, search for anything it is not sure of, and
run code for anything it should compute. No words are matched: a request needs a
tool when the model says so. Arguments are checked against the function's schema
again here; a call that does not validate, or names no declared tool, is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from openlive.engines.base import ChatMessage, last_user_text
from openlive.engines.native_tools import ToolCall, ToolCallingLLM, ToolSpec
from openlive.tools.planner import CodeStep, FunctionStep, SearchStep, Step
from openlive.wire.tools import Tools, argument_error

log = logging.getLogger(__name__)

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
    """

    def __init__(self, llm: ToolCallingLLM) -> None:
        self._llm = llm

    def plan(self, messages: Sequence[ChatMessage], tools: Tools, cancel: threading.Event) -> list[Step]:
        """The steps the model calls for; see :class:`openlive.tools.planner.Planner`."""
        specs = tool_specs(tools)
        if not specs:
            return []
        calls = self._llm.call_tools(with_guidance(messages), specs, cancel)
        task = last_user_text(messages)
        steps = steps_from_calls(calls, tools, task)
        log.info(
            "native tool planner: %d call(s) proposed, %d step(s) kept (%s)",
            len(calls),
            len(steps),
            ", ".join(_step_name(s) for s in steps) or "no tools",
        )
        return steps


def tool_specs(tools: Tools) -> list[ToolSpec]:
    """The declared functions, and code execution and search as functions, for the model."""
    specs = [ToolSpec(f.name, f.description, f.parameters) for f in tools.functions]
    taken = {f.name for f in tools.functions}
    if tools.code_execution and CODE_FUNCTION.name not in taken:
        specs.append(CODE_FUNCTION)
    if tools.google_search and SEARCH_FUNCTION.name not in taken:
        specs.append(SEARCH_FUNCTION)
    return specs


def steps_from_calls(calls: Sequence[ToolCall], tools: Tools, task: str) -> list[Step]:
    """Plan steps for the model's calls; calls to undeclared tools or with invalid arguments are dropped."""
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
            code = call.arguments.get("code")
            if isinstance(code, str) and code.strip():
                steps.append(CodeStep(task=task, code=code))
        elif call.name == SEARCH_FUNCTION.name and tools.google_search:
            query = call.arguments.get("query")
            if isinstance(query, str) and query.strip():
                steps.append(SearchStep(task=task, query=query.strip()))
        else:
            log.info("native tool planner: dropped a call to an undeclared tool")
    return steps


def _step_name(step: Step) -> str:
    if isinstance(step, FunctionStep):
        return step.name
    return "code" if isinstance(step, CodeStep) else "search"
