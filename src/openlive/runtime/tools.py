"""Tool steps: the server's means to run them, and the executors of a session's tool actions.

The planner is chosen per engine by what its model profile declares
(:func:`~openlive.engines.profile.profile_of`): a model that calls tools itself gets
the native planner, any other the word planner that drives it step by step.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from openlive.config import Settings
from openlive.engines.base import LLM
from openlive.tools.planner import Planner
from openlive.tools.sandbox import SandboxLimits
from openlive.tools.search import SearchProvider
from openlive.tools.urlfetch import FetchLimits


def llm_planner(llm: LLM, coder: LLM | None = None) -> Planner:
    """The planner for ``llm``: the model's own tool calls where it can make them, else the word planner.

    A tiny engine whose coder calls tools itself (Qwen2.5-Coder-1.5B standing in for
    SmolLM2) has the coder choose the tools; on the request sets of ``openlive bench
    tools`` it chose right more often than the word planner. A model that makes one
    call a turn is asked again about each function it calls
    (:class:`~openlive.tools.call_check.CallCheck`), where it can read its odds.

    Args:
        llm: The engine whose turns are planned.
        coder: Writes ``llm``'s code (a tiny engine's stand-in); ``None``: ``llm``
            itself. A model that calls tools writes its own, unless it makes one call
            a turn (:attr:`~openlive.engines.profile.ModelProfile.one_call`).
    """
    from openlive.engines.base import Judge
    from openlive.engines.native_tools import ToolCallingLLM
    from openlive.engines.profile import profile_of
    from openlive.engines.sentence_embedder import shared_embedder
    from openlive.tools.call_check import CallCheck
    from openlive.tools.llm_planner import LlmPlanner
    from openlive.tools.native_planner import NativePlanner

    for chooser in (llm, coder):
        profile = profile_of(chooser)
        if profile.native_tools and isinstance(chooser, ToolCallingLLM):
            if not profile.one_call:
                return NativePlanner(chooser)
            words = LlmPlanner(llm, coder=chooser, embedder=shared_embedder)
            check = CallCheck(chooser) if isinstance(chooser, Judge) else None
            return NativePlanner(chooser, per_task=True, code_writer=words, fallback=words, check=check)
    return LlmPlanner(llm, coder=coder, embedder=shared_embedder)


@dataclass
class ToolRuntime:
    """The server's means to run tools, shared by every session.

    Args:
        planner_for: Builds the planner for a served model's engine and the model
            that writes its code (once per pair).
        search: Opens the search provider ``googleSearch`` uses, on first use.
        sandbox: Limits of one code execution.
        fetch: Limits and address policy of ``urlContext`` fetches.
        response_timeout_s: How long a reply waits for a blocking function's result.
        code_runs_at_once: Code executions running at once across all sessions; more
            wait their turn, so sessions' code cannot together take the machine.
    """

    planner_for: Callable[[LLM, LLM | None], Planner] = llm_planner
    search: Callable[[], SearchProvider] | None = None
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)
    fetch: FetchLimits = field(default_factory=FetchLimits)
    response_timeout_s: float = 60.0
    code_runs_at_once: int = max(1, os.cpu_count() or 1)
    _planners: dict[tuple[int, int], Planner] = field(default_factory=dict, init=False, repr=False)
    _provider: SearchProvider | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.code_slots = asyncio.Semaphore(self.code_runs_at_once)

    def planner(self, llm: LLM, coder: LLM | None = None) -> Planner:
        """The planner for ``llm`` (its code written by ``coder``), built the first time it is asked for."""
        key = (id(llm), id(coder))
        with self._lock:
            planner = self._planners.get(key)
            if planner is None:
                planner = self._planners[key] = self.planner_for(llm, coder)
            return planner

    def search_provider(self) -> SearchProvider | None:
        """The search provider, opened the first time a session searches."""
        with self._lock:
            if self._provider is None and self.search is not None:
                self._provider = self.search()
            return self._provider


def tool_runtime(settings: Settings) -> ToolRuntime:
    """The tool runtime the settings describe."""

    def open_search() -> SearchProvider:
        from openlive.tools.search import LocalIndex, SearxngProvider

        if settings.searxng_url:
            return SearxngProvider(settings.searxng_url)
        return LocalIndex(settings.search_index_path())

    return ToolRuntime(
        search=open_search,
        sandbox=SandboxLimits(
            wall_s=settings.code_wall_s,
            cpu_s=settings.code_cpu_s,
            memory_mb=settings.code_memory_mb,
            disk_mb=settings.code_disk_mb,
            output_bytes=settings.code_output_bytes,
        ),
        fetch=FetchLimits(
            max_bytes=settings.url_max_bytes,
            timeout_s=settings.url_timeout_s,
            allow_private=settings.url_allow_private,
            allowed_hosts=frozenset(settings.url_allowed_hosts),
        ),
        response_timeout_s=settings.tool_response_timeout_s,
    )
