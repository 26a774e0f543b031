"""Test doubles and helpers that ship with openlive, like httpx's ``MockTransport``.

They implement the engine Protocols for fast, deterministic tests. They are never
used by the product path: ``openlive serve`` always runs real engines.
"""

from openlive.testing.fake_embedder import FakeEmbedder
from openlive.testing.fake_llm import FakeLLM, WarmingFakeLLM, echo_reply
from openlive.testing.fake_scorer import FakeListenerJudge, FakeScorer, FakeStateScorer
from openlive.testing.fake_speech import FakeAsr, FakeGlimpsingAsr, FakeTts, FakeTurn, FakeVad
from openlive.testing.fake_tools import FakePlanner, FakeSearch, FakeToolCallingLLM
from openlive.testing.fake_transport import FakeSessionIO, FakeTransport
from openlive.testing.fake_vision import FakeDescriber
from openlive.testing.server import RunningServer, running_server

__all__ = [
    "FakeAsr",
    "FakeDescriber",
    "FakeEmbedder",
    "FakeGlimpsingAsr",
    "FakeLLM",
    "FakeListenerJudge",
    "FakePlanner",
    "FakeScorer",
    "FakeStateScorer",
    "FakeSearch",
    "FakeSessionIO",
    "FakeTransport",
    "FakeToolCallingLLM",
    "FakeTts",
    "FakeTurn",
    "FakeVad",
    "RunningServer",
    "WarmingFakeLLM",
    "echo_reply",
    "running_server",
]
