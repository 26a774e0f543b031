"""The executors of a session's tool actions: plan, run code, search, fetch, wait for the client."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace

from openlive.engines.registry import ModelTable
from openlive.errors import OpenliveError
from openlive.metrics import METRICS, ToolsPlanned
from openlive.runtime.tools import ToolRuntime
from openlive.session import Action, AwaitToolResponses, FetchUrls, PlanTools, RunCode, RunSearch, Session
from openlive.tools.planner import CodeFixer, Planner
from openlive.tools.sandbox import SandboxError, run_python
from openlive.tools.search import SearchError
from openlive.tools.urlfetch import fetch_all

log = logging.getLogger(__name__)

# Tries at one code step: a program that fails is written again once, not more: each
# try costs a model call and a run.
CODE_ATTEMPTS = 2
SANDBOX_UNAVAILABLE = "code execution is unavailable on this server"


class ToolSteps:
    """Carries out one session's tool steps and reports each back to the session.

    Args:
        session: The session the results go to.
        tools: The server's tool means.
        models: Engines by served model name (the planner is chosen per engine).
        executor: Where the planner runs.
        act: Carries out the actions the session answers with.
    """

    def __init__(
        self,
        session: Session,
        tools: ToolRuntime,
        models: ModelTable,
        executor: Executor | None,
        act: Callable[[list[Action]], None],
    ) -> None:
        self._session = session
        self._tools = tools
        self._models = models
        self._executor = executor
        self._act = act

    async def plan(self, action: PlanTools, cancel: threading.Event) -> None:
        """Ask the engine's planner which tools the newest user turn needs."""
        planner = self._planner(action.model)
        loop = asyncio.get_running_loop()
        started = loop.time()
        steps = await loop.run_in_executor(
            self._executor, lambda: planner.plan(action.messages, action.tools, cancel)
        )
        names = tuple(type(s).__name__ for s in steps)
        METRICS.emit(ToolsPlanned(self._session.id, names, 1000 * (loop.time() - started)))
        self._act(self._session.tools_planned(action.turn_id, steps))

    def _planner(self, model: str) -> Planner:
        engine = self._models.engine(model)
        return self._tools.planner(engine, self._models.coder_for(engine))

    async def run_code(self, action: RunCode) -> None:
        """Run the model's code in the sandbox; a program that fails is written again, once."""
        try:
            async with self._tools.code_slots:
                result = await run_python(action.code, self._tools.sandbox)
            outcome, output = result.outcome, result.output
        except SandboxError as error:
            # The operator's machine cannot confine code: the model hears it failed,
            # and the session goes on.
            log.error("code execution is unavailable: %s", error)
            self._act(
                self._session.code_ran(action.turn_id, action.step, "OUTCOME_FAILED", SANDBOX_UNAVAILABLE)
            )
            return
        log.info("code execution: %s, %d characters of output", outcome, len(output))
        if outcome == "OUTCOME_FAILED" and action.attempt < CODE_ATTEMPTS and action.task:
            fixed = await self._fix(action, output)
            if fixed is not None:
                self._act(self._session.code_rewritten(action, outcome, output, fixed))
                return
        self._act(self._session.code_ran(action.turn_id, action.step, outcome, output))

    async def _fix(self, action: RunCode, error: str) -> str | None:
        """The failed program written again by the planner's coder, if the planner can; ``None``: not."""
        model = self._session.model
        planner = self._planner(model) if model is not None else None
        if not isinstance(planner, CodeFixer):
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, planner.fix_code, action.task, action.code, error, threading.Event()
            )
        except OpenliveError as failure:  # the model failed: the failed run stands
            log.warning("could not write the failed program again: %s", failure)
            return None

    async def run_program(self, code: str, wall_s: float) -> tuple[bool, str]:
        """Run a thinking pass's program in the sandbox: (whether it ran to its end, its output)."""
        limits = replace(self._tools.sandbox, wall_s=min(self._tools.sandbox.wall_s, wall_s))
        try:
            async with self._tools.code_slots:
                result = await run_python(code, limits)
        except SandboxError as error:
            log.warning("thinking writes prose: code execution is unavailable: %s", error)
            return False, ""
        log.info("thinking's program: %s, %d characters of output", result.outcome, len(result.output))
        return result.outcome == "OUTCOME_OK", result.output

    async def search(self, action: RunSearch) -> None:
        """Search for the model's query."""
        provider = await asyncio.to_thread(self._tools.search_provider)
        results = []
        if provider is None:
            log.warning("googleSearch: no search provider is configured")
        else:
            try:
                results = await provider.search(action.query)
            except SearchError as error:
                # The model answers without sources; the failure is the operator's to fix.
                log.warning("search failed: %s", error)
        self._act(self._session.search_done(action.turn_id, action.step, action.query, results))

    async def fetch(self, action: FetchUrls) -> None:
        """Fetch the pages the user named."""
        pages = await fetch_all(action.urls, self._tools.fetch)
        for page in pages:
            log.info("urlContext: %s", page.status)  # the URL is the user's: DEBUG only
            log.debug("urlContext %s: %s %s", page.url, page.status, page.error)
        self._act(self._session.pages_fetched(action.turn_id, action.step, pages))

    async def expire_calls(self, action: AwaitToolResponses) -> None:
        """Give up on the client's function results once they are overdue."""
        await asyncio.sleep(self._tools.response_timeout_s)
        self._act(self._session.tool_calls_expired(action.turn_id, action.ids))
