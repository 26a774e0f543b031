"""Many sessions at once: each gets its own reply; a slow or stuck one stalls no other."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from websockets.asyncio.client import connect

from openlive.engines.base import ChatMessage
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import (
    MODEL,
    TIMEOUT_S,
    LiveClient,
    is_turn_complete,
    kinds,
    live,
    session,
    setup_message,
    text_of,
    user,
    words,
)


def all_user_turns(messages: Sequence[ChatMessage]) -> str:
    """Reply with every user message of the prompt, to show whose history it is."""
    return " | ".join(m.content for m in messages if m.role == "user")


async def test_concurrent_sessions_each_get_their_own_reply_and_history() -> None:
    fake = FakeLLM(reply=all_user_turns, token_delay_s=0.005)

    async def converse(client: LiveClient, n: int) -> tuple[str, str]:
        first = await client.turn(f"session {n} first")
        second = await client.turn(f"session {n} second")
        return text_of(first), text_of(second)

    async with running_server(fake) as srv:
        clients = []
        async with asyncio.TaskGroup() as group:
            for _ in range(6):
                clients.append(group.create_task(_open(srv)))
        opened = [task.result() for task in clients]
        try:
            assert len(srv.state.connections) == 6
            results = await asyncio.gather(*(converse(c, n) for n, c in enumerate(opened)))
        finally:
            for client in opened:
                await client.ws.close()
    for n, (first, second) in enumerate(results):
        assert first == f"session {n} first"
        assert second == f"session {n} first | session {n} second"


async def _open(srv: RunningServer) -> LiveClient:
    ws = await asyncio.wait_for(connect(srv.url()), TIMEOUT_S)
    client = LiveClient(ws)
    await client.setup()
    return client


async def test_fast_session_completes_while_a_slow_one_is_still_streaming() -> None:
    fake = FakeLLM(token_delay_s=0.02)
    log: list[tuple[str, str]] = []

    async def read_turn(name: str, client: LiveClient) -> None:
        while True:
            message = await client.recv()
            log.extend((name, kind) for kind in kinds([message]))
            if is_turn_complete(message):
                return

    async with running_server(fake) as srv, session(srv) as slow, session(srv) as fast:
        await slow.send(user(words(40)))
        slow_reader = asyncio.create_task(read_turn("slow", slow))
        async with asyncio.timeout(TIMEOUT_S):
            while ("slow", "modelTurn") not in log:
                await asyncio.sleep(0.005)
        await fast.send(user("quick"))
        await read_turn("fast", fast)
        await asyncio.wait_for(slow_reader, TIMEOUT_S)

    fast_done = log.index(("fast", "turnComplete"))
    slow_done = log.index(("slow", "turnComplete"))
    assert fast_done < slow_done
    # The slow reply kept streaming after the fast one had finished.
    assert ("slow", "modelTurn") in log[fast_done:]
    assert [kind for name, kind in log if name == "fast"] == ["modelTurn"] * 2 + [
        "generationComplete",
        "turnComplete",
    ]


async def test_a_stuck_engine_does_not_block_other_sessions() -> None:
    stuck, healthy = FakeLLM(gate=threading.Event()), FakeLLM()
    async with running_server({"stuck-model": stuck, MODEL: healthy}) as srv:
        try:
            async with session(srv, setup_message(model="models/stuck-model")) as blocked:
                await blocked.send(user("anyone there"))
                await asyncio.wait_for(asyncio.to_thread(stuck.entered.wait, TIMEOUT_S), TIMEOUT_S)

                # While the stuck engine holds a worker thread, other sessions are served in full,
                # new connections are accepted, and the HTTP routes answer.
                async with session(srv) as other:
                    reply = await other.turn("hello")
                assert text_of(reply) == "echo: hello"
                async with live(srv) as newcomer:
                    await newcomer.setup()

                # The stuck session has received nothing yet.
                try:
                    early = await blocked.recv(timeout=0.05)
                except TimeoutError:
                    early = None
                assert early is None

                stuck.gate.set()
                late = await blocked.until_turn_complete()
                assert text_of(late) == "echo: anyone there"
        finally:
            stuck.gate.set()


async def test_max_sessions_refuses_the_extra_connection_with_1013() -> None:
    async with running_server(FakeLLM(), max_sessions=1) as srv:
        async with session(srv) as first:
            async with live(srv) as second:
                closed = await second.refused()
            assert closed.code == 1013
            assert "limit of 1" in closed.reason
            # The admitted session is unaffected.
            assert text_of(await first.turn("still fine")) == "echo: still fine"
        # Once it has gone, there is room again.
        async with asyncio.timeout(TIMEOUT_S):
            while srv.state.connections:
                await asyncio.sleep(0.01)
        async with session(srv) as third:
            assert text_of(await third.turn("room again")) == "echo: room again"
