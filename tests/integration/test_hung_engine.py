"""A hung language-model server stalls only the sessions that use it.

The OpenAI-compatible engine reaches its server over HTTP. Nothing of that may
run on the event loop: with a server that accepts connections and never answers,
another session on the same openlive server still gets its replies, written or spoken.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.testing import FakeAsr, FakeLLM, FakeTts, FakeVad, running_server

from .helpers import TIMEOUT_S, is_turn_complete, session, setup_message, text_of, user
from .test_voice import audio_chunks, fake_tts_bytes, output_text, stream_audio, utterance, voice_setup

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


async def test_a_hung_openai_compatible_server_does_not_delay_another_sessions_speech() -> None:
    with hung_server() as (port, accepted):
        hung = OpenAICompatEngine(
            f"http://127.0.0.1:{port}/v1", "hung", context_size=4096, timeout=ENGINE_TIMEOUT_S
        )
        speech = SpeechEngines(vad=FakeVad(), asr=FakeAsr(["hello there"]), tts=FakeTts())
        spoken = voice_setup()
        spoken["setup"]["model"] = "models/fast"
        try:
            async with (
                running_server({"hung": hung, "fast": FakeLLM()}, speech=speech, audio_lead_s=0.0) as srv,
                session(srv, setup_message(model="models/hung")) as stuck,
                session(srv, spoken) as other,
            ):
                await stuck.send(user("are you there?"))
                async with asyncio.timeout(TIMEOUT_S):
                    while not accepted:
                        await asyncio.sleep(0.01)
                # The other session speaks while the stuck one waits: its voice is heard,
                # answered and spoken back in full, within the test's timeout.
                await stream_audio(other, utterance(1.0))
                reply = await other.until_turn_complete(timeout=TIMEOUT_S)
                assert output_text(reply) == "echo: hello there"
                assert sum(map(len, audio_chunks(reply))) == fake_tts_bytes("echo: hello there")
                with contextlib.suppress(TimeoutError):
                    message = await stuck.recv(timeout=0.2)
                    assert not is_turn_complete(message), message
        finally:
            hung.close()
