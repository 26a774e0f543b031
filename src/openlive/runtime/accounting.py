"""Token counts a session may use on the event loop: local ones only.

An engine whose tokenizer runs in-process (it declares ``local_tokenizer``) is
asked directly; any other (a server behind HTTP) is estimated locally, at a
ratio learned from the exact counts its generations report. The exact count of
such an engine happens in the worker thread that runs the generation, never on
the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from openlive.engines.base import LLM, ChatMessage, capabilities
from openlive.session.context import TokenCount, TokenEstimate


class TokenAccounts:
    """The local token count of each engine, shared by every session of the server."""

    def __init__(self) -> None:
        self._estimates: dict[int, TokenEstimate] = {}
        self._lock = threading.Lock()

    def counter(self, engine: LLM) -> TokenCount:
        """How the session counts ``engine``'s prompts, with no I/O."""
        if capabilities(engine).local_tokenizer:
            return engine.count_prompt_tokens
        return self._estimate(engine)

    def observe(self, engine: LLM, messages: Sequence[ChatMessage], prompt_tokens: int) -> None:
        """``engine`` counted ``prompt_tokens`` for ``messages``: the estimate learns from it."""
        if prompt_tokens > 0 and not capabilities(engine).local_tokenizer:
            self._estimate(engine).observe(messages, prompt_tokens)

    def _estimate(self, engine: LLM) -> TokenEstimate:
        with self._lock:
            estimate = self._estimates.get(id(engine))
            if estimate is None:
                estimate = self._estimates[id(engine)] = TokenEstimate()
            return estimate
