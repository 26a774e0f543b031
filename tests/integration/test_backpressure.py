"""A client that reads slowly slows its own reply down; it never loses or reorders messages."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

from openlive.engines.base import ChatMessage
from openlive.testing import FakeLLM, running_server

from .helpers import kinds, session, setup_message, text_of, user, wait_for_condition

PIECE = "x" * 16_000
PIECES = 2000  # 32 MB of reply, far more than the socket buffers hold


def big_reply(messages: Sequence[ChatMessage]) -> str:
    return " ".join([PIECE] * PIECES)


async def small_buffer_socket(port: int) -> socket.socket:
    """A client socket with a small, fixed receive buffer (no autotuning to tens of MB).

    Clients here also turn compression off, or the repetitive reply would shrink to nothing.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    return sock


async def test_a_late_reader_gets_the_whole_reply_in_order() -> None:
    fake = FakeLLM(reply=lambda _: " ".join(f"p{i}" for i in range(1000)))
    async with running_server(fake) as srv:
        sock = await small_buffer_socket(srv.port)
        async with session(srv, sock=sock, max_queue=4, compression=None) as client:
            await client.send(user("go"))
            await asyncio.sleep(0.3)  # not reading
            reply = await client.until_turn_complete()
    assert kinds(reply) == ["modelTurn"] * 1000 + ["generationComplete", "turnComplete"]
    assert text_of(reply) == " ".join(f"p{i}" for i in range(1000))


async def test_a_client_that_stops_reading_pauses_the_engine() -> None:
    fake = FakeLLM(reply=big_reply)
    async with running_server(fake) as srv:
        sock = await small_buffer_socket(srv.port)
        setup = setup_message(maxOutputTokens=PIECES)
        async with session(srv, setup, sock=sock, max_queue=4, compression=None) as client:
            await client.send(user("go"))
            # Do not read; wait until the engine has stopped producing (or finished).
            last, steady = -1, 0
            async with asyncio.timeout(10):
                while steady < 5 and (not fake.yielded or fake.yielded[0] < PIECES):
                    await asyncio.sleep(0.1)
                    current = fake.yielded[0] if fake.yielded else 0
                    steady = steady + 1 if current == last else 0
                    last = current
            produced = fake.yielded[0]
            # Drop the connection rather than close it politely: a close handshake cannot
            # complete while this client reads nothing.
            client.ws.transport.abort()
        await wait_for_condition(lambda: not srv.state.connections)
    # What is in flight is bounded by the socket buffers (a few MB: some hundreds of
    # 16 kB pieces) plus the outbox; the engine must not run ahead of that.
    assert produced < PIECES // 2, (
        f"the engine produced {produced} of {PIECES} pieces for a client reading none"
    )
