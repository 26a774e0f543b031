"""Native tool calling: an engine given the declared functions answers with calls to them.

Engines whose model can call tools itself (a chat template that takes ``tools``,
or an OpenAI-compatible endpoint) implement :class:`ToolCallingLLM`; the native
planner (:mod:`openlive.tools.native_planner`) turns its calls into plan steps.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from openlive.engines.base import ChatMessage


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call.

    Attributes:
        name: The function's name.
        description: What it does, for the model.
        parameters: A JSON Schema (object) of its arguments.
        code_argument: The string argument that holds a Python program, if any; an
            engine may have the model write it as a code block rather than inside JSON.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    code_argument: str = ""

    def openai(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry (also what chat templates take)."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for, its arguments parsed (not yet validated)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class ToolCallingLLM(Protocol):
    """An engine whose model chooses and calls tools itself."""

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        """The calls the model makes for the newest turn of ``messages``; empty if it would answer.

        ``barred`` names functions of ``tools`` the model must not call this time (a
        call taken back, asked again): they stay in the prompt where the engine can
        keep them there, so that a prompt it has cached is read again from its cache.

        Raises:
            EngineError: The model or endpoint failed.
        """
        ...
