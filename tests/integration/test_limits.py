"""Time limits (goAway, then close 1001) and the context window (compression or close 1007)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from openlive.store import SqliteStore
from openlive.testing import FakeLLM, running_server

from .helpers import live, setup_message, text_of, words
from .resumable import (
    SYSTEM,
    contents,
    last_prompt,
    resumable,
    resumable_setup,
    turn_or_close,
    until_closed,
)

COMPRESSION = {"triggerTokens": 100, "slidingWindow": {"targetTokens": 50}}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "sessions.db")
    yield store
    await store.close()


def go_aways(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["goAway"] for m in messages if "goAway" in m]


async def test_the_session_limit_sends_go_away_then_closes_1001(fake: FakeLLM) -> None:
    async with running_server(fake, session_limit_s=1, go_away_notice_s=0.5) as srv:
        async with live(srv) as client:
            await client.setup(setup_message())
            closed = await client.closed()
    assert go_aways(closed.messages) == [{"timeLeft": "0.5s"}]
    assert closed.code == 1001
    assert "session time limit" in closed.reason
    assert "handle" in closed.reason


async def test_with_compression_the_session_limit_does_not_apply(fake: FakeLLM) -> None:
    async with running_server(fake, session_limit_s=0.5, go_away_notice_s=0.2) as srv:
        async with live(srv) as client:
            await client.setup(setup_message())
            # Only the uncompressed session is limited; the compressed one is still open after it.
            async with live(srv) as compressed:
                setup = setup_message()
                setup["setup"]["contextWindowCompression"] = {"slidingWindow": {}}
                await compressed.setup(setup)
                closed = await client.closed()
                assert closed.code == 1001
                # Well past the compressed session's own limit, had it one.
                await asyncio.sleep(0.6)
                messages = await compressed.turn("still here")
    assert text_of(messages) == "echo: still here"
    assert go_aways(messages) == []


async def test_the_connection_limit_applies_even_with_compression(fake: FakeLLM) -> None:
    async with running_server(fake, connection_limit_s=1, go_away_notice_s=0.5) as srv:
        async with live(srv) as client:
            setup = setup_message()
            setup["setup"]["contextWindowCompression"] = {"slidingWindow": {}}
            await client.setup(setup)
            closed = await client.closed()
    assert go_aways(closed.messages) == [{"timeLeft": "0.5s"}]
    assert closed.code == 1001
    assert "planned connection reset" in closed.reason


async def test_after_go_away_the_client_resumes_with_its_last_handle(
    fake: FakeLLM, store: SqliteStore
) -> None:
    async with running_server(fake, store=store, session_limit_s=1, go_away_notice_s=0.5) as srv:
        async with resumable(srv) as conn:
            await conn.turn("my name is Ada")
            closed = await conn.client.closed()
            assert go_aways(closed.messages) and closed.code == 1001
            handle = conn.handle
        await until_closed(srv)
        async with resumable(srv, handle) as conn:
            messages = await conn.turn("what is my name?")
    assert text_of(messages) == "echo: what is my name?"
    assert contents(last_prompt(fake)) == [
        ("system", SYSTEM),
        ("user", "my name is Ada"),
        ("assistant", "echo: my name is Ada"),
        ("user", "what is my name?"),
    ]


async def test_the_session_limit_follows_the_resumed_session_not_the_new_setup(
    fake: FakeLLM, store: SqliteStore
) -> None:
    async with running_server(fake, store=store, session_limit_s=1, go_away_notice_s=0.5) as srv:
        async with resumable(srv) as conn:
            handle = conn.handle
            await conn.client.closed()
        await until_closed(srv)
        setup = resumable_setup(handle, compression={"slidingWindow": {}})
        async with resumable(srv, handle, setup=setup) as conn:
            closed = await conn.client.closed(timeout=2)
    assert closed.code == 1001


# -- the context window ----------------------------------------------------------------


def compressed_setup(compression: dict[str, Any] | None) -> dict[str, Any]:
    setup = setup_message(system=SYSTEM)
    if compression is not None:
        setup["setup"]["contextWindowCompression"] = compression
    return setup


async def test_compression_keeps_a_long_conversation_going_within_the_window() -> None:
    fake = FakeLLM(context_size=200)
    async with running_server(fake) as srv:
        async with live(srv) as client:
            await client.setup(compressed_setup(COMPRESSION))
            for n in range(15):
                messages, closed = await turn_or_close(client, words(10, stem=f"t{n}-"))
                assert closed is None, closed
                assert text_of(messages) == f"echo: {words(10, stem=f't{n}-')}"
    sizes = [fake.count_prompt_tokens(messages) for messages, _ in fake.calls]
    # 15 turns of 23 tokens would be 345: the prompt was cut, and never let past the trigger.
    assert max(sizes) <= 100
    drops = [after for before, after in zip(sizes, sizes[1:], strict=False) if after < before]
    assert drops, sizes
    # Each cut brings the prompt down to the target.
    assert all(size <= 50 for size in drops)
    for messages, _ in fake.calls:
        assert messages[0].role == "system" and messages[0].content == SYSTEM
        assert messages[-1].role == "user"
    assert fake.calls[-1][0][-1].content == words(10, stem="t14-")


async def test_without_compression_the_same_conversation_closes_1007() -> None:
    fake = FakeLLM(context_size=200)
    async with running_server(fake) as srv:
        async with live(srv) as client:
            await client.setup(compressed_setup(None))
            for n in range(15):
                _, closed = await turn_or_close(client, words(10, stem=f"t{n}-"))
                if closed is not None:
                    break
    assert closed is not None, "the conversation outgrew the window without a close"
    assert closed.code == 1007
    assert "context window of 200" in closed.reason
    assert "contextWindowCompression" in closed.reason
    # The model never saw a prompt that did not fit.
    assert all(fake.count_prompt_tokens(messages) + 64 <= 200 for messages, _ in fake.calls)


async def test_compression_survives_resumption(store: SqliteStore) -> None:
    fake = FakeLLM(context_size=200)
    async with running_server(fake, store=store) as srv:
        handle = None
        for n in range(3):
            setup = resumable_setup(handle, compression=COMPRESSION)
            async with resumable(srv, handle, setup=setup) as conn:
                for m in range(4):
                    await conn.turn(words(10, stem=f"c{n}.{m}-"))
                handle = conn.handle
            await until_closed(srv)
    assert max(fake.count_prompt_tokens(messages) for messages, _ in fake.calls) <= 100
    assert contents(last_prompt(fake))[0] == ("system", SYSTEM)
    assert last_prompt(fake)[-1].content == words(10, stem="c2.3-")
