"""Split a streamed reply into clauses that can be spoken one by one. No I/O.

Speech starts sooner when the first clause goes to synthesis as soon as it is
complete, rather than waiting for the whole reply.
"""

from __future__ import annotations

import re

# A clause ends at sentence punctuation, or at a comma, colon or semicolon once it
# is long enough to be worth speaking on its own, always before whitespace.
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s|\n+")
_SOFT_END = re.compile(r"[,;:]\s")
MIN_SOFT_CLAUSE_CHARS = 40
MAX_CLAUSE_CHARS = 240


class ClauseSplitter:
    """Accumulates text pieces and hands out complete clauses."""

    def __init__(self) -> None:
        self._buffer = ""
        # Whitespace between clauses (a paragraph break) joins the next clause, so
        # the spoken reply's text keeps it.
        self._prefix = ""

    def push(self, text: str) -> list[str]:
        """Add a piece of the reply; return the clauses it completed."""
        self._buffer += text
        clauses = []
        while True:
            cut = self._cut_point()
            if cut is None:
                break
            clause, self._buffer = self._buffer[:cut], self._buffer[cut:]
            if clause.strip():
                clauses.append(self._prefix + clause)
                self._prefix = ""
            else:
                self._prefix += clause
        return clauses

    def _cut_point(self) -> int | None:
        match = _SENTENCE_END.search(self._buffer)
        if match:
            return match.end()
        for soft in _SOFT_END.finditer(self._buffer):
            if soft.end() >= MIN_SOFT_CLAUSE_CHARS:
                return soft.end()
        if len(self._buffer) > MAX_CLAUSE_CHARS:
            space = self._buffer.rfind(" ", 0, MAX_CLAUSE_CHARS)
            return space + 1 if space > 0 else MAX_CLAUSE_CHARS
        return None

    def flush(self) -> list[str]:
        """The rest of the reply, once it has ended."""
        rest, self._buffer = self._prefix + self._buffer, ""
        self._prefix = ""
        return [rest] if rest.strip() else []
