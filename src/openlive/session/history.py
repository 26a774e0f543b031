"""The conversation history a session owns: turns of multimodal parts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from openlive.parts import ImagePart, Part, TextPart, only_text, part_size, render_text

Role = Literal["user", "model", "tool"]


@dataclass(frozen=True, init=False)
class Turn:
    """One turn of the conversation, as the Live API names roles: a list of parts.

    ``tool`` turns hold what a tool did for the model (a function's result, code
    and its output, search results), so later replies can use it.

    Args:
        role: Who spoke.
        text: The turn's text, for a text turn.
        parts: The turn's parts (instead of ``text``).
    """

    role: Role
    parts: tuple[Part, ...]

    def __init__(self, role: Role, text: str = "", parts: Sequence[Part] = ()) -> None:
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "parts", tuple(parts) if parts else ((TextPart(text),) if text else ()))

    @property
    def text(self) -> str:
        """The turn as text (what a text-only engine reads)."""
        return render_text(self.parts)

    @property
    def only_text(self) -> bool:
        """Whether the turn is text alone."""
        return only_text(self.parts)

    @property
    def size(self) -> int:
        """What the turn costs the history's bound (characters, and bytes of media)."""
        return sum(part_size(p) for p in self.parts)

    def __repr__(self) -> str:
        return f"Turn(role={self.role!r}, parts={self.parts!r})"


class History:
    """An ordered list of turns that keeps a running count of its size and its images.

    ``images`` counts the images kept whole (not retired), so that a session can
    tell without walking every turn whether any must be retired.
    """

    def __init__(self) -> None:
        self._turns: list[Turn] = []
        self.chars = 0
        self.images = 0

    def append(self, turn: Turn) -> None:
        """Add one turn at the end."""
        self._turns.append(turn)
        self.chars += turn.size
        self.images += _images(turn)

    def update(self, index: int, turn: Turn) -> None:
        """Put ``turn`` in place of the one at ``index`` (an image retired)."""
        old = self._turns[index]
        self._turns[index] = turn
        self.chars += turn.size - old.size
        self.images += _images(turn) - _images(old)

    def extend(self, turns: Iterable[Turn]) -> None:
        """Add turns at the end, in order."""
        for turn in turns:
            self.append(turn)

    def replace(self, turns: Iterable[Turn]) -> None:
        """Replace the whole history (after older turns were dropped)."""
        self._turns = []
        self.chars = 0
        self.images = 0
        self.extend(turns)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self._turns)

    def __len__(self) -> int:
        return len(self._turns)

    def __getitem__(self, index: int) -> Turn:
        return self._turns[index]


def _images(turn: Turn) -> int:
    return sum(isinstance(part, ImagePart) for part in turn.parts)
