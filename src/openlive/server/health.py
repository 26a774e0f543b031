"""Each engine's readiness for ``GET /health``: checked off the event loop, briefly, and cached.

Engines in this process (llama.cpp, Whisper, Piper...) are ready once loaded; an
engine that serves from elsewhere (the OpenAI-compatible one) has a ``probe``
that asks its endpoint. A probe runs in a worker thread with a short timeout, and
its answer is kept for a few seconds, so a load balancer polling ``/health`` often
costs the endpoint one request per period, and a slow endpoint never holds up
the event loop or the health answer for long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from openlive.engines.base import LLM
from openlive.engines.registry import ModelTable

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 2.0
CACHE_S = 5.0


@dataclass(frozen=True)
class EngineStatus:
    """One engine's readiness.

    Attributes:
        engine: The engine's kind (its class name).
        models: The model names (and patterns) it serves.
        ready: It can serve now.
        reason: Why not, when not.
    """

    engine: str
    models: tuple[str, ...]
    ready: bool
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        """The entry in ``/health``'s ``engines`` list."""
        entry: dict[str, Any] = {"engine": self.engine, "models": list(self.models), "ready": self.ready}
        if self.reason:
            entry["reason"] = self.reason
        return entry


class EngineHealth:
    """Probes the LLM engines behind a model table, at most once per ``cache_s``.

    Args:
        models: The served models and their engines.
        executor: Where blocking probes run; the loop's default executor if ``None``.
        timeout_s: How long one probe may take before the engine counts as down.
        cache_s: How long an answer is reused.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(
        self,
        models: ModelTable,
        executor: Executor | None = None,
        timeout_s: float = PROBE_TIMEOUT_S,
        cache_s: float = CACHE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._models = models
        self._executor = executor
        self._timeout_s = timeout_s
        self._cache_s = cache_s
        self._clock = clock
        self._cached: list[EngineStatus] | None = None
        self._cached_at = 0.0
        self._lock = asyncio.Lock()

    async def statuses(self) -> list[EngineStatus]:
        """Every engine's readiness, from the cache when it is fresh."""
        async with self._lock:  # concurrent requests share one round of probes
            if self._cached is not None and self._clock() - self._cached_at < self._cache_s:
                return self._cached
            served: dict[int, list[str]] = {}
            for name, engine in self._models.entries():
                served.setdefault(id(engine), []).append(name)
            engines = list(self._models.engines())
            results = await asyncio.gather(*(self._probe(engine) for engine in engines))
            statuses = [
                EngineStatus(
                    type(engine).__name__, tuple(served.get(id(engine), ())), reason is None, reason or ""
                )
                for engine, reason in zip(engines, results, strict=True)
            ]
            for status in statuses:
                if not status.ready:
                    log.warning("engine %s (%s) is down: %s", status.engine, status.models[0], status.reason)
            self._cached, self._cached_at = statuses, self._clock()
            return statuses

    async def _probe(self, engine: LLM) -> str | None:
        probe = getattr(engine, "probe", None)
        if probe is None:
            return None  # loaded in this process: ready
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout_s + 0.5):
                result: str | None = await loop.run_in_executor(self._executor, probe, self._timeout_s)
                return result
        except TimeoutError:
            return f"no answer within {self._timeout_s:g} s"
        except Exception as exc:  # a probe must never break /health
            return f"probe failed: {type(exc).__name__}"


def overall_status(statuses: list[EngineStatus], draining: bool) -> tuple[str, int]:
    """``/health``'s status and HTTP code: draining, down (no engine ready), degraded, or ok."""
    if draining:
        return "draining", 503
    if statuses and not any(s.ready for s in statuses):
        return "down", 503
    if any(not s.ready for s in statuses):
        return "degraded", 200
    return "ok", 200
