"""Test doubles for the tool side: a scripted planner and a canned search provider."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

from openlive.engines.base import ChatMessage
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
        request = next((m.content for m in reversed(messages) if m.role == "user"), "")
        self.requests.append(request)
        self.prompts.append(list(messages))
        if self._delay_s:
            cancel.wait(self._delay_s)
        if callable(self._script):
            return list(self._script(request))
        return list(self._script.get(request, ()))


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
