"""The conversation history a session owns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Turn:
    """One turn of the conversation, as the Live API names roles.

    ``tool`` turns hold what a tool did for the model (a function's result, code
    and its output, search results), so later replies can use it.
    """

    role: Literal["user", "model", "tool"]
    text: str


class History:
    """An ordered list of turns that keeps a running count of its size."""

    def __init__(self) -> None:
        self._turns: list[Turn] = []
        self.chars = 0

    def append(self, turn: Turn) -> None:
        """Add one turn at the end."""
        self._turns.append(turn)
        self.chars += len(turn.text)

    def extend(self, turns: Iterable[Turn]) -> None:
        """Add turns at the end, in order."""
        for turn in turns:
            self.append(turn)

    def replace(self, turns: Iterable[Turn]) -> None:
        """Replace the whole history (after older turns were dropped)."""
        self._turns = []
        self.chars = 0
        self.extend(turns)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self._turns)

    def __len__(self) -> int:
        return len(self._turns)

    def __getitem__(self, index: int) -> Turn:
        return self._turns[index]
