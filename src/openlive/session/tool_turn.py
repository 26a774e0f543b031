"""Bookkeeping for the tool side of a reply, and how tool results read to the model. No I/O.

A reply in a session with tools goes through phases: the planner decides the
steps; built-in tools (code, search, URL fetches) run on the server while the
client runs its blocking functions; once every result is in, the model answers
with the results in its prompt.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from openlive.tools.search import SearchResult

# What one tool result may add to the history, so one huge page or output cannot
# crowd the conversation out of a small model's context window.
MAX_RESULT_CHARS = 3000
# Ids of cancelled calls remembered, so that late responses to them are ignored.
MAX_CANCELLED_IDS = 1024


@dataclass
class ToolTurn:
    """The tool phase of one reply.

    Attributes:
        planned: The planner has answered.
        running: Server-side steps (code, search, URL fetches) still running, by step number.
        waiting: Blocking function calls the client has not answered, id to name.
        queries: Search queries made, for grounding metadata.
        sources: Search results given to the model, for grounding metadata.
        code: The code of each code step, by step number.
        answering: The model has started its answer.
    """

    planned: bool = False
    running: set[int] = field(default_factory=set)
    waiting: dict[str, str] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)
    sources: list[SearchResult] = field(default_factory=list)
    code: dict[int, str] = field(default_factory=dict)
    answering: bool = False

    @property
    def ready(self) -> bool:
        """Whether every result is in, so the model can answer."""
        return self.planned and not self.running and not self.waiting and not self.answering


class CancelledIds:
    """Ids of cancelled calls, the oldest forgotten first."""

    def __init__(self, limit: int = MAX_CANCELLED_IDS) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def add(self, call_id: str) -> None:
        """Remember that ``call_id`` was cancelled."""
        self._ids[call_id] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._ids


def cap(text: str, limit: int = MAX_RESULT_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying so when cut."""
    return text if len(text) <= limit else text[:limit] + " [...]"


def function_result_text(name: str, response: dict[str, Any]) -> str:
    """How a function's result reads in the model's prompt."""
    return cap(f"The function {name} returned: {json.dumps(response, ensure_ascii=False)}")


def function_unanswered_text(name: str) -> str:
    """How a function that never answered reads in the model's prompt."""
    return f"The function {name} did not answer in time; it may not have run."


def function_cancelled_text(name: str) -> str:
    """How a non-blocking function cancelled by an interruption reads in the model's prompt."""
    return f"The function {name} was cancelled when the user interrupted; its result will not come."


def code_result_text(code: str, outcome: str, output: str) -> str:
    """How code and its result read in the model's prompt."""
    verdict = {
        "OUTCOME_OK": "ran and printed",
        "OUTCOME_FAILED": "failed with",
        "OUTCOME_DEADLINE_EXCEEDED": "ran out of time; it printed",
    }.get(outcome, "ended with")
    printed = output.strip() or "(nothing)"
    return cap(f"This Python code:\n{code.strip()}\n{verdict}:\n{printed}")


def search_result_text(query: str, sources: list[SearchResult]) -> str:
    """How search results read in the model's prompt."""
    if not sources:
        return f"A search for {query!r} found nothing: the answer is not in the search results."
    lines = [f"Search results for {query!r}:"]
    lines += [f"[{n}] {s.title}: {s.snippet.strip()}" for n, s in enumerate(sources, 1)]
    return cap("\n".join(lines))


def page_text(url: str, title: str, text: str) -> str:
    """How a fetched page reads in the model's prompt."""
    heading = f"The page {url}" + (f" ({title})" if title else "")
    return cap(f"{heading} says:\n{text.strip()}")


def page_failed_text(url: str, error: str) -> str:
    """How a page that could not be fetched reads in the model's prompt."""
    return f"The page {url} could not be read: {error or 'unknown error'}"


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_WORD = re.compile(r"[a-z0-9]{3,}")
# Share of a sentence's words a source must hold to count as supporting it.
MIN_SUPPORT = 0.3


def grounding_metadata(queries: list[str], sources: list[SearchResult], answer: str) -> dict[str, Any]:
    """``groundingMetadata`` for ``answer``: the queries, the sources, and which sentence each supports.

    A sentence is supported by the sources that share enough of its words;
    segment offsets are in UTF-8 bytes, as the Gemini API counts them.
    """
    chunks = [{"web": {"uri": s.uri, "title": s.title}} for s in sources]
    source_words = [set(_WORD.findall((s.title + " " + s.snippet).lower())) for s in sources]
    supports = []
    for match in _SENTENCE.finditer(answer):
        sentence = match.group().strip()
        words = set(_WORD.findall(sentence.lower()))
        if not words:
            continue
        backing = [
            i for i, known in enumerate(source_words) if len(words & known) / len(words) >= MIN_SUPPORT
        ]
        if not backing:
            continue
        start = len(answer[: match.start()].encode("utf-8")) + _leading_bytes(match.group())
        supports.append(
            {
                "segment": {
                    "startIndex": start,
                    "endIndex": start + len(sentence.encode("utf-8")),
                    "text": sentence,
                },
                "groundingChunkIndices": backing,
            }
        )
    metadata: dict[str, Any] = {"webSearchQueries": list(queries), "groundingChunks": chunks}
    if supports:
        metadata["groundingSupports"] = supports
    return metadata


def _leading_bytes(text: str) -> int:
    return len(text[: len(text) - len(text.lstrip())].encode("utf-8"))
