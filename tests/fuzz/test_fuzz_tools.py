"""Property: a user's words of any shape reach the tool planners' splitting without failing.

What a user says or types is split into requests before any model reads it; any
text must give a bounded list of tasks, and the native planner asks its model at
most once for each, or, with a check that takes every call back, a bounded
number of times more; the check's question stays short whatever was said.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.tools.call_check import MAX_MESSAGE_CHARS, CallCheck, check_prompt
from openlive.tools.llm_planner import MAX_TASK_CHARS, MAX_TASKS, split_tasks
from openlive.tools.native_planner import MAX_REJECTED, NativePlanner
from openlive.wire.tools import parse_tools

from . import budget

# Words that split, join and ask, among any others.
pieces = st.sampled_from(
    [
        "and",
        "then",
        "also",
        "water",
        "the",
        "tell",
        "me",
        "Ben",
        "please",
        "can you",
        ".",
        "?",
        "\n",
        "- ",
        "1.",
    ]
)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=80).map(" ".join),
)
TOOLS = parse_tools([{"functionDeclarations": [{"name": "water_plants"}, {"name": "tellJoke"}]}])


class Counting:
    """A tool-calling model that calls nothing and counts how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def call_tools(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec], cancel: threading.Event
    ) -> list[ToolCall]:
        self.asked += 1
        return []


@settings(max_examples=budget.examples("tools"))
@given(texts, st.booleans())
def test_any_words_split_into_bounded_tasks(count_example: Callable[[], None], text: str, join: bool) -> None:
    count_example()
    tasks = split_tasks(text, ["water", "tell"], statements_join=join)
    assert sum(len(t) for t in tasks) <= MAX_TASKS * MAX_TASK_CHARS
    assert all(t.strip() for t in tasks)
    model = Counting()
    NativePlanner(model, per_task=True).plan([ChatMessage("user", text)], TOOLS, threading.Event())
    assert 1 <= model.asked <= MAX_TASKS


class AlwaysCalling:
    """A tool-calling model that calls the first function it may, and counts how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        self.asked += 1
        return [ToolCall(t.name, {}) for t in tools if t.name not in barred][:1]


class Doubting:
    """A judge that says no to everything and keeps the longest question it read."""

    def __init__(self) -> None:
        self.longest = 0

    def answer_logprobs(
        self, messages: Sequence[ChatMessage], answers: Sequence[str], keep_cache: bool = False
    ) -> list[float]:
        self.longest = max(self.longest, sum(len(m.content) for m in messages))
        return [-9.0, 0.0]


@settings(max_examples=budget.examples("tools"))
@given(texts, texts)
def test_a_check_that_takes_every_call_back_asks_a_bounded_number_of_times(
    count_example: Callable[[], None], text: str, earlier: str
) -> None:
    count_example()
    model, judge = AlwaysCalling(), Doubting()
    messages = [ChatMessage("user", earlier), ChatMessage("assistant", earlier), ChatMessage("user", text)]
    planner = NativePlanner(model, per_task=True, check=CallCheck(judge))
    assert planner.plan(messages, TOOLS, threading.Event()) == []
    assert 1 <= model.asked <= MAX_TASKS * (MAX_REJECTED + 1)
    question = check_prompt(messages, text, ToolSpec("water_plants", earlier, {}))
    assert sum(len(m.content) for m in question) <= 4 * MAX_MESSAGE_CHARS + 300
    assert judge.longest <= 4 * MAX_MESSAGE_CHARS + 300
