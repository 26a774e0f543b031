"""API keys: the x-goog-api-key header (Python SDK) or the key query parameter (JS SDK)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import live, session, text_of


@pytest.fixture
async def keyed() -> AsyncIterator[RunningServer]:
    async with running_server(FakeLLM(), api_keys=["k", "second-key"]) as srv:
        yield srv


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"x-goog-api-key": "k"}},
        {"headers": {"X-Goog-Api-Key": "second-key"}},
        {"query": "key=k"},
        {"query": "alt=json&key=second-key"},
    ],
    ids=["header", "header-any-case-second-key", "query", "query-among-others"],
)
async def test_a_valid_key_is_accepted(keyed: RunningServer, how: dict[str, Any]) -> None:
    async with session(keyed, **how) as client:
        reply = await client.turn("authorised")
    assert text_of(reply) == "echo: authorised"


async def test_a_missing_key_closes_1008_naming_where_to_put_it(keyed: RunningServer) -> None:
    async with live(keyed) as client:
        closed = await client.refused()
    assert closed.code == 1008
    assert "x-goog-api-key" in closed.reason
    assert "key query parameter" in closed.reason
    assert not keyed.state.connections


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"x-goog-api-key": "wrong"}},
        {"query": "key=wrong"},
        {"headers": {"x-goog-api-key": "k-and-more"}},
        {"query": "key="},
    ],
    ids=["header", "query", "prefix-of-a-key", "empty-query"],
)
async def test_a_wrong_key_closes_1008(keyed: RunningServer, how: dict[str, Any]) -> None:
    async with live(keyed, **how) as client:
        closed = await client.refused()
    assert closed.code == 1008
    assert "API key" in closed.reason
    assert closed.messages == []  # never a setupComplete
    # A refused connection is not a session, and the server keeps serving.
    assert not keyed.state.connections
    async with session(keyed, headers={"x-goog-api-key": "k"}) as client:
        assert text_of(await client.turn("after refusal")) == "echo: after refusal"


@pytest.mark.parametrize(
    "how",
    [{}, {"headers": {"x-goog-api-key": "anything"}}, {"query": "key=whatever"}],
    ids=["no-key", "any-header", "any-query"],
)
async def test_with_no_keys_configured_any_key_is_accepted(srv: RunningServer, how: dict[str, Any]) -> None:
    async with session(srv, **how) as client:
        assert text_of(await client.turn("open door")) == "echo: open door"


async def test_model_list_needs_a_key_when_keys_are_set(keyed: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=keyed.http_base, timeout=5) as http:
        refused = await http.get("/v1beta/models")
        by_header = await http.get("/v1beta/models", headers={"x-goog-api-key": "k"})
        by_query = await http.get("/v1beta/models", params={"key": "k"})
        wrong = await http.get("/v1beta/models", params={"key": "nope"})
        health = await http.get("/health")
    assert refused.status_code == 403
    assert "x-goog-api-key" in refused.json()["error"]["message"]
    assert wrong.status_code == 403
    assert by_header.status_code == by_query.status_code == 200
    assert by_header.json() == by_query.json()
    # Health stays open for load balancers.
    assert health.status_code == 200
