"""Ephemeral tokens: POST /{version}/auth_tokens, then BidiGenerateContentConstrained with the token."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openlive.server.tokens import format_timestamp, parse_timestamp
from openlive.store import SqliteStore
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import MODEL, TIMEOUT_S, live, setup_message, text_of
from .resumable import contents, last_prompt, refused_resume, resumable, resumable_setup, until_closed

KEY = "the-api-key"
CONSTRAINED = "BidiGenerateContentConstrained"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "sessions.db")
    yield store
    await store.close()


@pytest.fixture
async def srv(fake: FakeLLM, store: SqliteStore) -> AsyncIterator[RunningServer]:
    async with running_server(fake, store=store, api_keys=[KEY]) as server:
        yield server


async def post_token(
    srv: RunningServer,
    body: Any = None,
    key: str | None = KEY,
    version: str = "v1alpha",
    raw: bytes | None = None,
) -> httpx.Response:
    headers = {"x-goog-api-key": key} if key is not None else {}
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        if raw is not None:
            return await http.post(f"/{version}/auth_tokens", content=raw, headers=headers)
        return await http.post(f"/{version}/auth_tokens", json={} if body is None else body, headers=headers)


async def mint(srv: RunningServer, **body: Any) -> str:
    response = await post_token(srv, body)
    assert response.status_code == 200, response.text
    return str(response.json()["name"])


def by_header(name: str) -> dict[str, Any]:
    """How the Python SDK presents a token."""
    return {"method": CONSTRAINED, "version": "v1alpha", "headers": {"Authorization": f"Token {name}"}}


def by_query(name: str) -> dict[str, Any]:
    """How the JS SDK and browsers present a token."""
    return {"method": CONSTRAINED, "version": "v1alpha", "query": f"access_token={name}"}


async def refused(
    srv: RunningServer, setup: dict[str, Any] | None = None, **how: Any
) -> tuple[int | None, str]:
    async with live(srv, **how) as client:
        closed = await client.refused(setup or setup_message())
    return closed.code, closed.reason


# -- minting ---------------------------------------------------------------------------


async def test_minting_returns_a_named_token_with_its_limits(srv: RunningServer) -> None:
    before = time.time()
    response = await post_token(srv, {})
    assert response.status_code == 200
    body = response.json()
    assert body["name"].startswith("auth_tokens/")
    assert body["uses"] == 1
    expire = parse_timestamp(body["expireTime"], "expireTime")
    new_session = parse_timestamp(body["newSessionExpireTime"], "newSessionExpireTime")
    assert before + 29 * 60 < expire < time.time() + 31 * 60
    assert before + 50 < new_session < time.time() + 70


@pytest.mark.parametrize("version", ["v1alpha", "v1beta", "v1"])
async def test_every_api_version_mints(srv: RunningServer, version: str) -> None:
    response = await post_token(srv, {"uses": 2}, version=version)
    assert response.status_code == 200
    assert response.json()["uses"] == 2


@pytest.mark.parametrize("key", ["wrong-key", None])
async def test_minting_without_the_api_key_is_forbidden(srv: RunningServer, key: str | None) -> None:
    response = await post_token(srv, {}, key=key)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == 403 and error["status"] == "PERMISSION_DENIED"
    assert "key" in error["message"]


@pytest.mark.parametrize(
    ("body", "raw", "words"),
    [
        ({"uses": -1}, None, "uses"),
        ({"expireTime": "2001-01-01T00:00:00Z"}, None, "expireTime must be in the future"),
        ({"expireTime": "soon"}, None, "expireTime"),
        ({"surprise": True}, None, "unknown field 'surprise'"),
        ({"bidiGenerateContentSetup": {"model": MODEL, "bogus": 1}}, None, "bogus"),
        (None, b"{not json", "not valid JSON"),
        (None, b"[1, 2]", "JSON object"),
    ],
    ids=["bad-uses", "past-expire", "bad-time", "unknown-field", "bad-setup", "not-json", "not-an-object"],
)
async def test_a_bad_request_is_400_with_a_message(
    srv: RunningServer, body: Any, raw: bytes | None, words: str
) -> None:
    response = await post_token(srv, body, raw=raw)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert words in error["message"]


async def test_a_server_without_a_store_mints_no_tokens(fake: FakeLLM) -> None:
    async with running_server(fake, api_keys=[KEY]) as srv:
        response = await post_token(srv, {})
        assert response.status_code == 501
        assert "store" in response.json()["error"]["message"]


# -- using a token ---------------------------------------------------------------------


@pytest.mark.parametrize("present", [by_header, by_query], ids=["authorization-header", "access-token-query"])
async def test_a_token_opens_a_constrained_session(srv: RunningServer, present: Any) -> None:
    name = await mint(srv)
    async with live(srv, **present(name)) as client:
        await client.setup(setup_message())
        reply = await client.turn("hello with a token")
    assert text_of(reply) == "echo: hello with a token"


async def test_a_one_use_token_starts_one_session(srv: RunningServer) -> None:
    name = await mint(srv, uses=1)
    async with live(srv, **by_header(name)) as client:
        await client.setup(setup_message())
    code, reason = await refused(srv, **by_query(name))
    assert code == 1008
    assert "no uses left" in reason


async def test_resuming_with_the_token_spends_no_use(srv: RunningServer, fake: FakeLLM) -> None:
    name = await mint(srv, uses=2)
    async with resumable(srv, **by_header(name)) as conn:  # use 1
        await conn.turn("started with a token")
        handle = conn.handle
    await until_closed(srv)
    for _ in range(2):  # resumptions: free
        async with resumable(srv, handle, **by_header(name)) as conn:
            await conn.turn("resumed")
            handle = conn.handle
        await until_closed(srv)
    assert ("user", "started with a token") in contents(last_prompt(fake))
    async with live(srv, **by_header(name)) as client:  # use 2
        await client.setup(setup_message())
    code, reason = await refused(srv, **by_header(name))
    assert (code, "no uses left" in reason) == (1008, True)
    # A used-up token still resumes its sessions.
    async with resumable(srv, handle, **by_header(name)) as conn:
        await conn.turn("still resumable")


async def test_past_new_session_expire_time_only_resumption_is_allowed(srv: RunningServer) -> None:
    new_session_until = time.time() + 2.0
    name = await mint(srv, uses=5, newSessionExpireTime=format_timestamp(new_session_until))
    async with resumable(srv, **by_header(name)) as conn:
        await conn.turn("before the deadline")
        handle = conn.handle
    await until_closed(srv)
    await asyncio.sleep(max(0.0, new_session_until - time.time()) + 0.3)
    code, reason = await refused(srv, **by_header(name))
    assert code == 1008
    assert "newSessionExpireTime" in reason
    async with resumable(srv, handle, **by_header(name)) as conn:
        messages = await conn.turn("after the deadline")
    assert text_of(messages) == "echo: after the deadline"


async def test_a_session_of_a_token_ends_when_the_token_expires(srv: RunningServer) -> None:
    name = await mint(srv, expireTime=format_timestamp(time.time() + 2.0))
    async with live(srv, **by_header(name)) as client:
        await client.setup(setup_message())
        closed = await client.closed()
    assert any("goAway" in m for m in closed.messages)
    assert closed.code == 1001
    assert "token expired" in closed.reason


async def test_an_unknown_token_is_refused(srv: RunningServer) -> None:
    code, reason = await refused(srv, **by_header("auth_tokens/never-minted"))
    assert code == 1008
    assert "unknown ephemeral token" in reason


async def test_changing_a_locked_field_is_refused_naming_it(srv: RunningServer) -> None:
    name = await mint(
        srv,
        bidiGenerateContentSetup={"model": MODEL, "generationConfig": {"temperature": 0.2}},
    )
    code, reason = await refused(srv, setup_message(temperature=0.9), **by_header(name))
    assert code == 1008
    assert "generationConfig.temperature" in reason
    assert "locked" in reason


async def test_a_locked_model_refuses_another_model(srv: RunningServer) -> None:
    name = await mint(srv, bidiGenerateContentSetup={"model": MODEL})
    code, reason = await refused(
        srv, setup_message(model="models/gemini-live-2.5-flash-preview"), **by_header(name)
    )
    assert code == 1008
    assert "setup.model is locked" in reason


async def test_the_locked_setup_reaches_the_model(srv: RunningServer, fake: FakeLLM) -> None:
    name = await mint(
        srv,
        bidiGenerateContentSetup={
            "model": MODEL,
            "systemInstruction": {"parts": [{"text": "speak like a pirate"}]},
            "generationConfig": {"temperature": 0.25, "responseModalities": ["TEXT"]},
        },
    )
    async with live(srv, **by_query(name)) as client:
        # The client sends no system instruction and no temperature: the token's apply.
        await client.setup(setup_message())
        await client.turn("ahoy")
    prompt, params = fake.calls[-1]
    assert contents(prompt)[0] == ("system", "speak like a pirate")
    assert params.temperature == 0.25


async def test_a_field_mask_locks_only_what_it_names(srv: RunningServer, fake: FakeLLM) -> None:
    name = await mint(
        srv,
        uses=2,
        bidiGenerateContentSetup={
            "model": MODEL,
            "systemInstruction": {"parts": [{"text": "a default instruction"}]},
            "generationConfig": {"temperature": 0.25},
        },
        fieldMask="generation_config.temperature",
    )
    # The system instruction is only a default: the client may replace it...
    async with live(srv, **by_header(name)) as client:
        await client.setup(setup_message(system="the client's own"))
        await client.turn("hi")
    assert contents(last_prompt(fake))[0] == ("system", "the client's own")
    # ...but not the temperature.
    code, reason = await refused(srv, setup_message(temperature=1.0), **by_header(name))
    assert code == 1008 and "generationConfig.temperature" in reason


async def test_an_api_key_on_the_constrained_endpoint_is_refused(srv: RunningServer) -> None:
    code, reason = await refused(srv, method=CONSTRAINED, version="v1alpha", headers={"x-goog-api-key": KEY})
    assert code == 1008
    assert "ephemeral token" in reason


@pytest.mark.parametrize(
    "how",
    [
        lambda name: {"headers": {"Authorization": f"Token {name}"}},
        lambda name: {"query": f"access_token={name}"},
        lambda name: {"headers": {"x-goog-api-key": name}},
    ],
    ids=["authorization-header", "access-token-query", "as-the-key"],
)
async def test_a_token_on_the_plain_endpoint_is_no_api_key(srv: RunningServer, how: Any) -> None:
    name = await mint(srv)
    code, reason = await refused(srv, **how(name))
    assert code == 1008
    assert "API key" in reason


async def test_a_session_made_with_a_token_resumes_only_with_that_token(srv: RunningServer) -> None:
    first, second = await mint(srv), await mint(srv)
    async with resumable(srv, **by_header(first)) as conn:
        handle = conn.handle
    await until_closed(srv)
    closed = await refused_resume(srv, handle, **by_header(second))
    assert closed.code == 1008
    assert "another API key" in closed.reason
    closed = await refused_resume(srv, handle, headers={"x-goog-api-key": KEY})
    assert closed.code == 1008


async def test_resumption_with_a_token_needs_a_valid_handle(srv: RunningServer) -> None:
    name = await mint(srv)
    code, reason = await refused(srv, resumable_setup("not-a-handle"), **by_header(name))
    assert code == 1008
    assert "malformed" in reason


async def test_the_documented_locked_token_with_session_resumption_can_resume(
    srv: RunningServer, fake: FakeLLM
) -> None:
    # What google-genai sends for the documentation's example (no fieldMask: lock every set field).
    name = await mint(
        srv,
        uses=1,
        bidiGenerateContentSetup={
            "model": MODEL,
            "generationConfig": {"temperature": 0.7, "responseModalities": ["TEXT"]},
            "sessionResumption": {},
        },
    )
    async with resumable(srv, setup=resumable_setup(temperature=0.7), **by_header(name)) as conn:
        await conn.turn("before the reconnect")
        handle = conn.handle
    await until_closed(srv)
    async with resumable(srv, setup=resumable_setup(handle, temperature=0.7), **by_header(name)) as conn:
        await conn.turn("after the reconnect")
    assert ("user", "before the reconnect") in contents(last_prompt(fake))


async def test_the_constrained_endpoint_needs_a_store(fake: FakeLLM) -> None:
    async with running_server(fake) as srv:
        code, reason = await refused(srv, **by_header("auth_tokens/anything"))
    assert code == 1008
    assert "store" in reason
