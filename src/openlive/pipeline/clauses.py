"""Split a streamed reply into clauses that can be spoken one by one. No I/O.

Speech starts sooner when the first clause goes to synthesis as soon as it is
complete, rather than waiting for the whole reply. The first clause is what the
user waits for, so it is the shortest: its first few words, unless punctuation
ends it sooner. Its audio plays while the model writes and the synthesiser speaks
the second, which is cut early too, so that it is ready before the first ends;
the clauses after it are whole sentences or long stretches.
"""

from __future__ import annotations

import re

# A clause ends at sentence punctuation, or at a comma, colon or semicolon once it
# is long enough to be worth speaking on its own, always before whitespace.
_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*\s|\n+")
_SOFT_END = re.compile(r"[,;:]\s")
MIN_SOFT_CLAUSE_CHARS = 40
MAX_CLAUSE_CHARS = 240
# The first clause ends after this many words (at the space after the last),
# or sooner at punctuation: about a second of speech, which Piper synthesizes in
# under 100 ms and the model writes in about five tokens.
FIRST_CLAUSE_WORDS = 4
# The first two clauses are cut sooner: at a comma from this many characters, or
# at a space past the maximum.
MIN_FIRST_SOFT_CLAUSE_CHARS = 12
MAX_FIRST_CLAUSE_CHARS = 60
_WORD_END = re.compile(r"\S\s")


class ClauseSplitter:
    """Accumulates text pieces and hands out complete clauses."""

    def __init__(self) -> None:
        self._buffer = ""
        # Whitespace between clauses (a paragraph break) joins the next clause, so
        # the spoken reply's text keeps it.
        self._prefix = ""
        self._clauses = 0  # handed out so far

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
                self._clauses += 1
            else:
                self._prefix += clause
        return clauses

    def _cut_point(self) -> int | None:
        # The earliest of: a sentence end, a long-enough soft end, the length limit.
        cuts = []
        match = _SENTENCE_END.search(self._buffer)
        if match:
            cuts.append(match.end())
        early = self._clauses < 2
        min_soft = MIN_FIRST_SOFT_CLAUSE_CHARS if early else MIN_SOFT_CLAUSE_CHARS
        soft = next((m.end() for m in _SOFT_END.finditer(self._buffer) if m.end() >= min_soft), None)
        if soft is not None:
            cuts.append(soft)
        if self._clauses == 0:
            ends = [m.end() for m in _WORD_END.finditer(self._buffer.lstrip())]
            if len(ends) >= FIRST_CLAUSE_WORDS:
                cuts.append(len(self._buffer) - len(self._buffer.lstrip()) + ends[FIRST_CLAUSE_WORDS - 1])
        longest = MAX_FIRST_CLAUSE_CHARS if early else MAX_CLAUSE_CHARS
        if len(self._buffer) > longest:
            space = self._buffer.rfind(" ", 0, longest)
            cuts.append(space + 1 if space > 0 else longest)
        return min(cuts) if cuts else None

    def flush(self) -> list[str]:
        """The rest of the reply, once it has ended."""
        rest, self._buffer = self._prefix + self._buffer, ""
        self._prefix = ""
        return [rest] if rest.strip() else []
