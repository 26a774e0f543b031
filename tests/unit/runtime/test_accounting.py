"""A session over an OpenAI-compatible engine counts its prompts with no network I/O.

The engine's own ``count_prompt_tokens`` asks its server (an HTTP post). The
session core runs on the event loop, so the count it is given
(:class:`~openlive.runtime.TokenAccounts`) must never reach the network: not for
a turn, not for a reply started ahead, not when compression counts each turn.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from openlive.engines.base import ChatMessage, GenerationStats, capabilities
from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.engines.registry import ModelTable
from openlive.runtime import TokenAccounts
from openlive.session import ModelLimits, Session, StartGeneration
from openlive.wire import parse_client_message

# Nothing listens here: a connection attempt is refused at once (and recorded first).
NOWHERE = "http://127.0.0.1:9/v1"
SETUP = {
    "setup": {
        "model": "models/remote",
        "generationConfig": {"responseModalities": ["TEXT"]},
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "contextWindowCompression": {"triggerTokens": 120, "slidingWindow": {"targetTokens": 60}},
    }
}


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every socket connection attempted in this process while the test runs."""
    attempts: list[object] = []
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts


def turn(text: str) -> dict[str, Any]:
    return {"clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": True}}


def test_a_remote_engines_session_counts_without_the_network(connects: list[object]) -> None:
    engine = OpenAICompatEngine(NOWHERE, "remote", context_size=400, timeout=2.0)
    try:
        assert not capabilities(engine).local_tokenizer
        models = ModelTable({"remote": engine})
        accounts = TokenAccounts()

        def model_limits(name: str) -> ModelLimits:
            return ModelLimits(models.context_tokens(name), accounts.counter(models.engine(name)))

        session = Session(models.resolve, model_limits=model_limits)
        session.receive(parse_client_message(json.dumps(SETUP)))
        words = " ".join(f"w{i}" for i in range(40))
        for n in range(6):
            starts = [
                a
                for a in session.receive(parse_client_message(json.dumps(turn(f"{n}: {words}"))))
                if isinstance(a, StartGeneration)
            ]
            assert len(starts) == 1
            # The exact count the generation reported (in its worker thread) teaches the estimate.
            accounts.observe(engine, starts[0].messages, 60 * (n + 1))
            session.generation_text(starts[0].turn_id, f"answer {n}")
            session.generation_done(starts[0].turn_id, GenerationStats(prompt_tokens=60 * (n + 1)))
            assert session.preview_reply(f"next {words}", 2.0) is not None
        # The window forced compression: every turn was counted, and old ones dropped.
        assert session.dropped_turns > 0
        assert connects == []
        # Whereas the engine's own count does reach for its server (so the check above can fail).
        engine.count_prompt_tokens([ChatMessage("user", "hello")])
        assert connects
    finally:
        engine.close()
