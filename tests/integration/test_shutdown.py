"""Graceful shutdown: open sessions get goAway with timeLeft, then a 1001 close."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake

from openlive.testing import FakeLLM, running_server

from .helpers import TIMEOUT_S, kinds, session, text_of, user, words


async def test_an_idle_session_gets_go_away_then_1001() -> None:
    async with running_server(FakeLLM(), shutdown_grace_s=1.5) as srv:
        async with session(srv) as client:
            await srv.shutdown()
            message = await client.recv()
            closed = await client.closed()
    assert message == {"goAway": {"timeLeft": "1.5s"}}
    assert closed.code == 1001
    assert "shutting down" in closed.reason


async def test_every_open_session_is_told() -> None:
    async with running_server(FakeLLM()) as srv, contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(session(srv)) for _ in range(4)]
        await srv.shutdown()
        for client in clients:
            assert "goAway" in await client.recv()
            assert (await client.closed()).code == 1001


async def test_a_reply_in_flight_finishes_before_the_close() -> None:
    prompt = words(20)
    async with running_server(FakeLLM(token_delay_s=0.02), shutdown_grace_s=3.0) as srv:
        async with session(srv) as client:
            await client.send(user(prompt))
            first = await client.recv()
            await srv.shutdown()
            rest = await client.until_turn_complete()
            closed = await client.closed()
    messages = [first, *rest]
    assert "goAway" in kinds(messages)
    assert kinds(messages)[-2:] == ["generationComplete", "turnComplete"]
    assert text_of(messages) == f"echo: {prompt}"
    assert closed.code == 1001


async def test_a_reply_longer_than_the_grace_is_cut_by_the_close() -> None:
    async with running_server(FakeLLM(token_delay_s=0.02), shutdown_grace_s=0.3) as srv:
        async with session(srv) as client:
            await client.send(user(words(200)))
            await client.recv()
            loop = asyncio.get_running_loop()
            started = loop.time()
            await srv.shutdown()
            seen = []
            with pytest.raises(Exception):  # noqa: B017 - the close ends the loop
                while True:
                    seen.append(await client.recv())
            took = loop.time() - started
            closed = await client.closed()
    assert "goAway" in kinds(seen)
    assert "turnComplete" not in kinds(seen)
    assert closed.code == 1001
    # 200 tokens would take 4 s; the close came about when the grace ran out.
    assert took < 2.0


async def test_new_connections_are_refused_once_shutdown_starts() -> None:
    async with running_server(FakeLLM()) as srv:
        async with session(srv) as client:
            await srv.shutdown()
            assert "goAway" in await client.recv()
            assert (await client.closed()).code == 1001
            with pytest.raises((OSError, InvalidHandshake)):
                async with asyncio.timeout(TIMEOUT_S):
                    await connect(srv.url(), open_timeout=TIMEOUT_S)


async def test_a_stuck_engine_does_not_hold_shutdown_past_the_grace() -> None:
    stuck = FakeLLM(gate=threading.Event())
    loop = asyncio.get_running_loop()
    try:
        async with running_server(stuck, shutdown_grace_s=0.3) as srv:
            async with session(srv) as client:
                await client.send(user("hello?"))
                await asyncio.wait_for(asyncio.to_thread(stuck.entered.wait, TIMEOUT_S), TIMEOUT_S)
                started = loop.time()
                await srv.shutdown()
                closed = await client.closed()
                assert closed.code == 1001
                assert [kinds([m]) for m in closed.messages] == [["goAway"]]
        # The server has exited (running_server waited for it) without waiting on the engine.
        assert loop.time() - started < 2.0
        assert not stuck.gate.is_set()
    finally:
        stuck.gate.set()
