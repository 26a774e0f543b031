"""A better model that stands in for tiny engines at one job, loaded once and shared.

A tiny model (SmolLM2-135M) is fast enough for every reply but fails at some jobs
outright: judging whether speech was meant for it (it leans to "no" whatever it
hears), or reading a function's result (it repeats the result's JSON instead of
answering). A small better model (Qwen2.5-Coder-0.5B, the ``qwen`` extra) does
those jobs for it. Engines that are not tiny do them themselves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from openlive.engines.base import LLM
from openlive.errors import ConfigError

log = logging.getLogger(__name__)

Model = TypeVar("Model")


def is_tiny(llm: object) -> bool:
    """Whether ``llm``'s profile is the tiny tier."""
    return bool(getattr(getattr(llm, "profile", None), "tiny", False))


class StandIn(Generic[Model]):
    """The model that does ``job`` for tiny engines; built on first use, shared by every session.

    Args:
        build: Loads the model (may raise :class:`ConfigError`: it is not installed).
        name: What the log calls it.
        job: What it does, for the log ("judges proactive audio").
        fallback: Who does the job when the model cannot be loaded, for the log.
    """

    def __init__(
        self, build: Callable[[], Model], name: str, job: str, fallback: str = "the tiny model itself"
    ) -> None:
        self._build = build
        self.name = name
        self._job = job
        self._fallback = fallback
        self._lock = threading.Lock()
        self._model: Model | None = None
        self._failed = False

    def for_engine(self, llm: LLM) -> Model | LLM:
        """The model that does the job for ``llm``: loads on first need (blocking: call it off the loop)."""
        if not is_tiny(llm):
            return llm
        with self._lock:
            if self._model is None and not self._failed:
                try:
                    self._model = self._build()
                    log.info("%s %s for the tiny model", self.name, self._job)
                except ConfigError as error:
                    self._failed = True
                    log.warning("%s %s: %s", self._fallback, self._job, error)
            return self._model if self._model is not None else llm

    def loaded_for(self, llm: LLM) -> Model | LLM:
        """As :meth:`for_engine`, but never loads: ``llm`` itself until the model is in."""
        if not is_tiny(llm):
            return llm
        with self._lock:
            return self._model if self._model is not None else llm
