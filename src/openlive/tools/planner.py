"""Deciding, for one user turn, which tools to use: the planner Protocol and its steps.

A planner reads the conversation and the declared tools and returns the steps
the turn needs: functions to call (with arguments that validate against their
schema), code to run, searches to make. No steps means the model answers
directly. The session carries the steps out; the planner only decides.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from openlive.engines.base import ChatMessage
from openlive.wire.tools import Tools


@dataclass(frozen=True)
class FunctionStep:
    """Call the client's function ``name`` with ``args``.

    Attributes:
        task: The part of the user's request this call serves.
        name: A declared function's name.
        args: Arguments that validate against the function's parameters schema.
    """

    task: str
    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CodeStep:
    """Run ``code`` (Python) in the sandbox; ``task`` is what it computes."""

    task: str
    code: str


@dataclass(frozen=True)
class SearchStep:
    """Search for ``query``; ``task`` is what the answer needs from it."""

    task: str
    query: str


Step = FunctionStep | CodeStep | SearchStep


@runtime_checkable
class Planner(Protocol):
    """Chooses the tool steps for a user turn. Synchronous: run it in a worker thread."""

    def plan(self, messages: Sequence[ChatMessage], tools: Tools, cancel: threading.Event) -> list[Step]:
        """The steps the newest user turn in ``messages`` needs, in order.

        Args:
            messages: The prompt so far: system instruction, history, newest user turn last.
            tools: The session's declared tools; only these may be used.
            cancel: When set, stop early (the result is discarded).

        Returns:
            The steps; empty when the model should answer without tools.
        """
        ...


@runtime_checkable
class CodeFixer(Protocol):
    """A planner that can write a program again after it failed."""

    def fix_code(self, task: str, code: str, error: str, cancel: threading.Event | None = None) -> str | None:
        """``code``, written for ``task``, written again after it failed with ``error``; ``None``: no fix."""
        ...
