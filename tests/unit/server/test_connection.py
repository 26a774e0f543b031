"""The connection over a fake transport: read, parse, size check, outbox, close."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from openlive.engines.registry import ModelTable
from openlive.errors import CLOSE_INTERNAL, CLOSE_INVALID_ARGUMENT, CLOSE_TOO_BIG
from openlive.runtime import ConnectionLimits
from openlive.server.connection import Connection
from openlive.session import Session
from openlive.testing import FakeLLM, FakeTransport
from openlive.wire import server as msg

TIMEOUT_S = 10.0
MODEL = "models/m"
SETUP = {"setup": {"model": MODEL, "generationConfig": {"responseModalities": ["TEXT"]}}}


def user(text: str) -> dict[str, object]:
    return {"clientContent": {"turns": [{"role": "user", "parts": [{"text": text}]}], "turnComplete": True}}


@contextlib.asynccontextmanager
async def connection(
    llm: FakeLLM | None = None, **limits: object
) -> AsyncIterator[tuple[Connection, FakeTransport]]:
    models = ModelTable({"m": llm or FakeLLM()})
    transport = FakeTransport()
    conn = Connection(transport, Session(models.resolve), models, ConnectionLimits(**limits))  # type: ignore[arg-type]
    task = asyncio.create_task(conn.run())
    try:
        yield conn, transport
    finally:
        transport.disconnect()
        async with asyncio.timeout(TIMEOUT_S):
            await task


def texts(transport: FakeTransport) -> str:
    return "".join(
        part.get("text", "")
        for m in transport.messages()
        for part in m.get("serverContent", {}).get("modelTurn", {}).get("parts", [])
    )


async def test_a_turn_is_read_answered_and_written_in_order() -> None:
    async with connection() as (_, transport):
        transport.put(SETUP)
        transport.put(user("hello"))
        await transport.wait_for("serverContent", count=3, timeout=TIMEOUT_S)
        async with asyncio.timeout(TIMEOUT_S):
            while not any(m.get("serverContent", {}).get("turnComplete") for m in transport.messages()):
                await asyncio.sleep(0.01)
    messages = transport.messages()
    assert "setupComplete" in messages[0]
    assert texts(transport) == "echo: hello"
    assert messages[-1]["serverContent"]["turnComplete"] is True
    assert transport.closed is None


async def test_an_oversized_frame_closes_with_1009_and_a_reason() -> None:
    async with connection(max_message_bytes=100) as (_, transport):
        transport.put("x" * 101)
        await transport.wait_for("never", timeout=TIMEOUT_S)
    assert transport.closed is not None
    code, reason = transport.closed
    assert code == CLOSE_TOO_BIG and "101 bytes" in reason


@pytest.mark.parametrize("frame", ["{not json", "[]", '{"setup": 5}', b"\xff\xfe"])
async def test_a_malformed_frame_closes_with_1007(frame: str | bytes) -> None:
    async with connection() as (_, transport):
        transport.put(frame)
        await transport.wait_for("never", timeout=TIMEOUT_S)
    assert transport.closed is not None and transport.closed[0] == CLOSE_INVALID_ARGUMENT


async def test_messages_queued_before_a_close_leave_before_it_and_none_after() -> None:
    async with connection() as (conn, transport):
        transport.put(SETUP)
        await transport.wait_for("setupComplete", timeout=TIMEOUT_S)
        conn.close(CLOSE_INTERNAL, "bye")
        conn.send_when_ready(asyncio.create_task(asyncio.sleep(0, result=None)))
        await transport.wait_for("never", timeout=TIMEOUT_S)
    assert transport.closed == (CLOSE_INTERNAL, "bye")
    assert [list(m) for m in transport.messages()] == [["setupComplete"]]


async def test_a_failing_model_closes_only_with_1011_naming_the_session() -> None:
    llm = FakeLLM(fail_after=1)
    async with connection(llm) as (conn, transport):
        transport.put(SETUP)
        transport.put(user("hello"))
        await transport.wait_for("never", timeout=TIMEOUT_S)
    assert transport.closed is not None
    code, reason = transport.closed
    assert code == CLOSE_INTERNAL and conn.session.id in reason


async def test_a_client_that_stops_reading_is_closed_not_buffered_without_end() -> None:
    async with connection(outbox_limit=3) as (conn, transport):
        transport.put(SETUP)
        await transport.wait_for("setupComplete", timeout=TIMEOUT_S)
        for _ in range(10):
            conn.send(msg.turn_complete())  # queued faster than the writer takes them
        await transport.wait_for("never", timeout=TIMEOUT_S)
    assert transport.closed is not None and transport.closed[0] == 1008
