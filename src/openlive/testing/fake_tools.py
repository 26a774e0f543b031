"""Test doubles for the tool side: a scripted planner, a model that calls tools, canned search."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from openlive.engines.base import ChatMessage, last_user_text
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.engines.profile import ModelProfile
from openlive.testing.fake_llm import FakeLLM
from openlive.tools.planner import Step
from openlive.tools.search import SearchError, SearchResult
from openlive.wire.tools import Tools


class FakePlanner:
    """A :class:`~openlive.tools.planner.Planner` that follows a script.

    Args:
        script: The steps for the newest user message's text: a mapping (texts it
            does not name get no steps) or a function.
        delay_s: Seconds each plan takes, to test what happens meanwhile.
    """

    def __init__(
        self,
        script: Mapping[str, Sequence[Step]] | Callable[[str], Sequence[Step]],
        delay_s: float = 0.0,
    ) -> None:
        self._script = script
        self._delay_s = delay_s
        self.requests: list[str] = []
        self.prompts: list[list[ChatMessage]] = []

    def plan(self, messages: Sequence[ChatMessage], tools: Tools, cancel: threading.Event) -> list[Step]:
        """The scripted steps for the newest user message."""
        request = last_user_text(messages)
        self.requests.append(request)
        self.prompts.append(list(messages))
        if self._delay_s:
            cancel.wait(self._delay_s)
        if callable(self._script):
            return list(self._script(request))
        return list(self._script.get(request, ()))


class FakeToolCallingLLM(FakeLLM):
    """A :class:`FakeLLM` whose model calls tools itself, as a llama.cpp model does.

    Its profile asks for native tool calls, so the server gives it the native
    planner. For each turn it plays the model under the tool-call grammar: after
    every opening tag it writes the next scripted text, and the engine's own loop
    (:func:`openlive.engines.llama.successive_calls`) reads the calls from them.

    Args:
        turns: For each planned turn in order, the texts written after each tag, e.g.
            ``['{"name": "a", "arguments": {}}', '{"name": "reply_without_tools"']``.
        one_call: Its profile says it makes one call a turn, as small models do.
        **kwargs: As for :class:`FakeLLM`.

    Attributes:
        offered: The names of the functions each planned turn offered.
    """

    def __init__(self, turns: Sequence[Sequence[str]], *, one_call: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = ModelProfile(
            native_tools=True, one_call=one_call, house_rules=self.profile.house_rules
        )
        self._turns = [list(texts) for texts in turns]
        self.offered: list[list[str]] = []

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        """The calls the next scripted turn writes; none once the script is used up."""
        from openlive.engines.llama import NO_TOOL, successive_calls

        self.offered.append([t.name for t in tools if t.name not in barred])
        texts = self._turns.pop(0) if self._turns else []
        return successive_calls(lambda _head: texts.pop(0) if texts else "", NO_TOOL.name, cancel)


class FakeSearch:
    """A :class:`~openlive.tools.search.SearchProvider` with canned results.

    Args:
        results: What every search returns.
        error: Raise :class:`SearchError` with this message instead.
    """

    def __init__(self, results: Sequence[SearchResult] = (), error: str | None = None) -> None:
        self._results = list(results)
        self._error = error
        self.queries: list[str] = []

    async def search(self, query: str, limit: int = 5) -> list[SearchResult]:
        """The canned results, at most ``limit``."""
        self.queries.append(query)
        if self._error is not None:
            raise SearchError(self._error)
        return self._results[:limit]
