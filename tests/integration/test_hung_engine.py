"""A hung language-model server stalls only the sessions that use it.

The OpenAI-compatible engine reaches its server over HTTP. Nothing of that may
run on the event loop: with a server that accepts connections and never answers,
another session on the same openlive server still gets its replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.testing import FakeLLM, running_server

from .helpers import TIMEOUT_S, is_turn_complete, session, setup_message, text_of, user

# Longer than a test may wait: a request to the hung server does not end by itself in time.
ENGINE_TIMEOUT_S = 30.0


@contextlib.contextmanager
def hung_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback HTTP 'server' that accepts connections, reads, and never answers.

    It runs in its own thread, so that it accepts even while the test's event loop
    is blocked (which is what the test looks for).
    """
    accepted: list[socket.socket] = []
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                accepted.append(connection)  # held open, never answered

    thread = threading.Thread(target=serve, name="hung-llm-server", daemon=True)
    thread.start()
    try:
        yield port, accepted
    finally:
        # shutdown wakes the thread blocked in accept (close alone does not, on Linux).
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        for connection in accepted:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
            connection.close()
        thread.join(timeout=5)


async def test_a_hung_openai_compatible_server_does_not_stall_another_session() -> None:
    with hung_server() as (port, accepted):
        hung = OpenAICompatEngine(
            f"http://127.0.0.1:{port}/v1", "hung", context_size=4096, timeout=ENGINE_TIMEOUT_S
        )
        models = {"hung": hung, "fast": FakeLLM()}
        try:
            async with (
                running_server(models) as srv,
                session(srv, setup_message(model="models/hung")) as stuck,
                session(srv, setup_message(model="models/fast")) as other,
            ):
                await stuck.send(user("are you there?"))
                # The hung server has the stuck session's request (a token count or the
                # generation itself) before the other session starts its turn.
                async with asyncio.timeout(TIMEOUT_S):
                    while not accepted:
                        await asyncio.sleep(0.01)
                await other.send(user("hello"))
                reply = await other.until_turn_complete(timeout=TIMEOUT_S)
                assert text_of(reply) == "echo: hello"
                # ...while the stuck session is still waiting for its server.
                with contextlib.suppress(TimeoutError):
                    message = await stuck.recv(timeout=0.2)
                    assert not is_turn_complete(message), message
        finally:
            hung.close()
