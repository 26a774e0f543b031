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
# The first clause is what the user waits for: it is cut sooner, at a comma from
# this many characters, or at a space past the maximum.
MIN_FIRST_SOFT_CLAUSE_CHARS = 12
MAX_FIRST_CLAUSE_CHARS = 60


class ClauseSplitter:
    """Accumulates text pieces and hands out complete clauses."""

    def __init__(self) -> None:
        self._buffer = ""
        # Whitespace between clauses (a paragraph break) joins the next clause, so
        # the spoken reply's text keeps it.
        self._prefix = ""
        self._first = True

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
                self._first = False
            else:
                self._prefix += clause
        return clauses

    def _cut_point(self) -> int | None:
        # The earliest of: a sentence end, a long-enough soft end, the length limit.
        cuts = []
        match = _SENTENCE_END.search(self._buffer)
        if match:
            cuts.append(match.end())
        min_soft = MIN_FIRST_SOFT_CLAUSE_CHARS if self._first else MIN_SOFT_CLAUSE_CHARS
        soft = next((m.end() for m in _SOFT_END.finditer(self._buffer) if m.end() >= min_soft), None)
        if soft is not None:
            cuts.append(soft)
        longest = MAX_FIRST_CLAUSE_CHARS if self._first else MAX_CLAUSE_CHARS
        if len(self._buffer) > longest:
            space = self._buffer.rfind(" ", 0, longest)
            cuts.append(space + 1 if space > 0 else longest)
        return min(cuts) if cuts else None

    def flush(self) -> list[str]:
        """The rest of the reply, once it has ended."""
        rest, self._buffer = self._prefix + self._buffer, ""
        self._prefix = ""
        return [rest] if rest.strip() else []
