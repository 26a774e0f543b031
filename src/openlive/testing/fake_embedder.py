"""A sentence embedder for tests: similarity by shared words, or by a table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

_WORD = re.compile(r"[a-z]+")


class FakeEmbedder:
    """Implements :class:`~openlive.engines.base.TextEmbedder` without a model.

    Args:
        table: Similarities by ``(text, other)``; a pair not in it scores the share
            of words the two have in common (Jaccard), so tests can state exactly
            what the planner sees or rely on plain word overlap.
    """

    def __init__(self, table: Mapping[tuple[str, str], float] | None = None) -> None:
        self._table = dict(table or {})
        self.asked: list[str] = []

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """The similarity of ``text`` to each of ``others``; each text asked is recorded."""
        self.asked.append(text)
        return [self._table.get((text, other), _overlap(text, other)) for other in others]


def _overlap(a: str, b: str) -> float:
    first, second = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(first & second) / len(first | second) if first | second else 0.0
