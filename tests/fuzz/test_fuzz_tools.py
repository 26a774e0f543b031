"""Property: a user's words of any shape reach the tool planners' splitting without failing.

What a user says or types is split into requests before any model reads it; any
text must give a bounded list of tasks, and the native planner asks its model at
most once for each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from openlive.engines.base import ChatMessage
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.tools.llm_planner import MAX_TASK_CHARS, MAX_TASKS, split_tasks
from openlive.tools.native_planner import NativePlanner
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
