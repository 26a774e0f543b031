"""Integration fixtures: a real openlive server on a loopback port, with fake engines."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from openlive.testing import FakeLLM, RunningServer, running_server


@pytest.fixture
def fake() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
async def srv(fake: FakeLLM) -> AsyncIterator[RunningServer]:
    """A plain-ws server on the instant fake."""
    async with running_server(fake) as server:
        yield server
