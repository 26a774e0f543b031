"""Clients that hold connections without using them, pages from other sites, and what the logs keep.

Deadlines are set small here so that the tests run fast; the defaults are in
``config.Settings`` and the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from openlive.errors import EngineError
from openlive.server.logs import log_handler
from openlive.server.run import TlsFiles
from openlive.server.tls import ensure_self_signed
from openlive.store import open_store
from openlive.testing import FakeAsr, FakeLLM, running_server

from .helpers import (
    TIMEOUT_S,
    check_serving,
    live,
    session,
    setup_message,
    text_of,
    user,
    wait_for_condition,
)
from .test_voice import stream_audio, utterance, voice_server, voice_setup

SHORT = {"handshake_timeout_s": 0.5, "setup_timeout_s": 0.5}


async def _raw_connection(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Read until the server closes the socket; fail if it is still open after ``seconds``."""
    data = b""
    async with asyncio.timeout(seconds):
        with contextlib.suppress(ConnectionResetError):
            while chunk := await reader.read(4096):
                data += chunk
    return data


# --- silent and slow connections ---------------------------------------------------


async def test_a_silent_tcp_connection_is_closed_after_the_handshake_deadline() -> None:
    async with running_server(FakeLLM(), **SHORT) as srv:
        reader, writer = await _raw_connection(srv.port)
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await _closed_within(reader, 5.0) == b""  # closed without an answer
        assert loop.time() - started >= 0.4  # not before the deadline
        writer.close()


async def test_headers_sent_a_byte_at_a_time_are_cut_off() -> None:
    async with running_server(FakeLLM(), **SHORT) as srv:
        reader, writer = await _raw_connection(srv.port)
        request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

        async def dribble() -> None:
            for byte in request:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(0.02)
            with contextlib.suppress(ConnectionError):
                while True:  # never finish the header block
                    writer.write(b"a")
                    await writer.drain()
                    await asyncio.sleep(0.05)

        task = asyncio.create_task(dribble())
        try:
            assert await _closed_within(reader, 5.0) == b""
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            writer.close()


async def test_a_silent_connection_to_the_tls_port_is_closed_too(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path / "tls")
    async with running_server(FakeLLM(), tls=TlsFiles(cert, key, self_signed=True), **SHORT) as srv:
        # No ClientHello at all: the TLS handshake deadline closes it.
        reader, writer = await _raw_connection(srv.port)
        assert await _closed_within(reader, 5.0) == b""
        writer.close()
        # A finished TLS handshake and then no request: the request deadline closes it.
        context = ssl.create_default_context(cafile=str(cert))
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", srv.port, ssl=context, server_hostname="localhost"
        )
        assert await _closed_within(reader, 5.0) == b""
        writer.close()


async def test_a_normal_request_is_not_cut_by_the_deadline() -> None:
    async with running_server(FakeLLM(), **SHORT) as srv:
        async with httpx.AsyncClient(base_url=srv.http_base) as client:
            for _ in range(3):  # keep-alive across the deadline
                assert (await client.get("/health")).status_code == 200
                await asyncio.sleep(0.3)


async def test_no_setup_after_the_upgrade_closes_1008() -> None:
    async with running_server(FakeLLM(), **SHORT) as srv:
        async with live(srv) as client:
            closed = await client.closed()
        assert closed.code == 1008
        assert "no setup message within 0.5 s" in closed.reason
        await wait_for_condition(lambda: not srv.state.address_slots._open)


async def test_a_session_that_sends_setup_in_time_is_served() -> None:
    async with running_server(FakeLLM(), **SHORT) as srv:
        async with live(srv) as client:
            await asyncio.sleep(0.2)
            await client.setup()
            await asyncio.sleep(0.6)  # past the setup deadline: it no longer applies
            assert text_of(await client.turn("hi")) == "echo: hi"


# --- idle sessions ------------------------------------------------------------------------


async def test_an_idle_session_gets_go_away_then_1001() -> None:
    async with running_server(FakeLLM(), idle_timeout_s=0.5, go_away_notice_s=0.3) as srv:
        async with session(srv) as client:
            assert text_of(await client.turn("hi")) == "echo: hi"
            loop = asyncio.get_running_loop()
            started = loop.time()
            go_away = await client.recv(timeout=5.0)
            assert go_away == {"goAway": {"timeLeft": "0.3s"}}
            assert loop.time() - started >= 0.4
            closed = await client.closed()
        assert closed.code == 1001
        assert "idle" in closed.reason
        await wait_for_condition(lambda: not srv.state.connections)


async def test_a_long_reply_the_client_only_listens_to_is_not_idle() -> None:
    # 30 words at 50 ms each: the reply runs three times the idle limit without a
    # word from the client, and must arrive whole.
    slow = FakeLLM(token_delay_s=0.05)
    long_text = " ".join(f"w{i}" for i in range(30))
    async with running_server(slow, idle_timeout_s=0.5, go_away_notice_s=0.3) as srv:
        async with session(srv) as client:
            reply = await client.turn(long_text)
            assert text_of(reply) == f"echo: {long_text}"
            assert not any("goAway" in m for m in reply)


async def test_idle_timeout_zero_never_closes() -> None:
    async with running_server(FakeLLM(), idle_timeout_s=0.0, setup_timeout_s=0.3) as srv:
        async with session(srv) as client:
            with pytest.raises(TimeoutError):
                await client.recv(timeout=1.0)
            assert text_of(await client.turn("still")) == "echo: still"


# --- connections per address --------------------------------------------------------------


async def test_connections_per_address_are_capped_with_1013() -> None:
    async with running_server(FakeLLM(), max_connections_per_address=2) as srv:
        async with session(srv), session(srv):
            async with live(srv) as third:
                closed = await third.refused()
            assert closed.code == 1013
            assert "too many connections from your address (limit 2)" in closed.reason
        # Closed ones free their slots.
        await wait_for_condition(lambda: not srv.state.address_slots._open)
        async with session(srv), session(srv):
            pass


# --- browsers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (None, True),  # not a browser
        ("http://localhost:5173", True),
        ("http://127.0.0.1:3000", True),
        ("http://[::1]", True),
        ("http://app.localhost:8000", True),
        ("https://evil.example", False),
        ("null", False),  # a sandboxed frame or a file: page of unknown origin
        ("http://localhost.evil.example", False),
    ],
)
async def test_without_keys_only_local_pages_may_connect(origin: str | None, allowed: bool) -> None:
    async with running_server(FakeLLM()) as srv:
        headers = {"Origin": origin} if origin else None
        async with live(srv, headers=headers) as client:
            if allowed:
                await client.setup()
            else:
                closed = await client.refused()
                assert closed.code == 1008
                assert "may not use this server" in closed.reason
                assert "allowed_origins" in closed.reason


async def test_a_rebound_dns_name_is_not_the_servers_own_origin() -> None:
    # A page at evil.example whose name now resolves to 127.0.0.1: Origin and Host agree.
    async with running_server(FakeLLM()) as srv:
        name = f"evil.example:{srv.port}"
        async with live(srv, headers={"Origin": f"http://{name}", "Host": name}) as client:
            closed = await client.refused()
        assert closed.code == 1008


async def test_with_keys_any_page_with_the_key_may_connect() -> None:
    async with running_server(FakeLLM(), api_keys=["k"]) as srv:
        async with live(srv, headers={"Origin": "https://app.example", "x-goog-api-key": "k"}) as client:
            await client.setup()


async def test_with_keys_and_allowed_origins_only_those_pages_may_connect() -> None:
    async with running_server(FakeLLM(), api_keys=["k"], allowed_origins=["https://app.example"]) as srv:
        async with live(srv, headers={"Origin": "https://app.example"}, query="key=k") as client:
            await client.setup()
        async with live(srv, headers={"Origin": "https://other.example"}, query="key=k") as client:
            closed = await client.refused()
        assert closed.code == 1008


async def test_auth_tokens_refuses_a_foreign_page(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    async with running_server(FakeLLM(), store=store) as srv:
        async with httpx.AsyncClient(base_url=srv.http_base) as client:
            refused = await client.post(
                "/v1alpha/auth_tokens?key=x", content=b"{}", headers={"Origin": "https://evil.example"}
            )
            local = await client.post("/v1alpha/auth_tokens?key=x", content=b"{}")
    assert refused.status_code == 403
    assert "may not use this server" in refused.json()["error"]["message"]
    assert local.status_code == 200


# --- what reaches the logs and the client -----------------------------------------------------


@contextlib.contextmanager
def server_log() -> Iterator[io.StringIO]:
    """Everything logged, through the handler ``openlive serve`` uses, at DEBUG."""
    stream = io.StringIO()
    handler = log_handler(stream=stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_no_key_or_token_reaches_any_log_line(tmp_path: Path) -> None:
    key = "k-5f1e0c2b9a7d4e3f8a6b"
    store = open_store(str(tmp_path / "s.db"))
    with server_log() as log:
        async with running_server(FakeLLM(), api_keys=[key], store=store) as srv:
            async with session(srv, query=f"key={key}") as client:
                await client.turn("hello")
            async with live(srv, query="key=wrong-key-1234567") as client:
                await client.refused()
            async with httpx.AsyncClient(base_url=srv.http_base) as http:
                minted = (await http.post(f"/v1alpha/auth_tokens?key={key}", json={"uses": 2})).json()
            token = minted["name"]
            async with session(
                srv, method="BidiGenerateContentConstrained", version="v1alpha", query=f"access_token={token}"
            ) as client:
                await client.turn("with a token")
            async with live(
                srv,
                method="BidiGenerateContentConstrained",
                version="v1alpha",
                headers={"Authorization": f"Token {token}"},
            ) as client:
                await client.setup()
    text = log.getvalue()
    assert "WebSocket" in text  # uvicorn's lines with the URL were captured
    assert "<redacted>" in text
    for secret in (key, "wrong-key-1234567", token, token.split("/", 1)[1]):
        assert secret not in text


@pytest.mark.parametrize("level", [logging.INFO, logging.DEBUG])
async def test_what_users_say_and_type_is_logged_only_at_debug(level: int) -> None:
    with server_log() as log:
        logging.getLogger().setLevel(level)
        async with voice_server(asr=FakeAsr(["my secret plan"])) as srv:
            async with session(srv, voice_setup()) as client:
                await stream_audio(client, utterance())
                await client.until_turn_complete()
            async with session(srv) as client:
                await client.turn("the typed plan")
    text = log.getvalue()
    assert ("my secret plan" in text) == (level == logging.DEBUG), text
    assert "the typed plan" not in text or level == logging.DEBUG


async def test_a_newline_in_a_client_value_cannot_forge_a_log_line() -> None:
    forged = "x\n2026-01-01 00:00:00,000 ERROR   openlive forged line"
    with server_log() as log:
        async with running_server(FakeLLM()) as srv:
            async with live(srv) as client:
                bad = setup_message()
                bad["setup"][forged] = 1
                closed = await client.refused(bad)
    assert closed.code == 1007
    lines = log.getvalue().splitlines()
    assert not any(line.startswith("2026-01-01 00:00:00,000 ERROR") for line in lines)


async def test_a_1011_reason_names_what_failed_but_no_internal_address() -> None:
    internal = "cannot reach http://127.0.0.1:9409/v1/chat/completions: connection refused"
    broken = FakeLLM(fail_after=0, error=EngineError(internal))
    with server_log() as log:
        async with running_server({"broken-model": broken}) as srv:
            async with live(srv) as client:
                await client.setup(setup_message(model="models/broken-model"))
                await client.send(user("hello"))
                closed = await client.closed()
    assert closed.code == 1011
    assert closed.reason.startswith("cannot reach the backend")
    assert "127.0.0.1" not in closed.reason and "9409" not in closed.reason and "/v1" not in closed.reason
    assert "http://127.0.0.1:9409/v1/chat/completions" in log.getvalue()  # the operator still sees it


# --- the server stays responsive ------------------------------------------------------------------


async def test_health_answers_while_silent_and_idle_clients_hold_connections() -> None:
    async with running_server(FakeLLM(), max_sessions=8, handshake_timeout_s=30, setup_timeout_s=30) as srv:
        raw = [await _raw_connection(srv.port) for _ in range(100)]
        half_open = []
        for _ in range(20):
            reader, writer = await _raw_connection(srv.port)
            writer.write(b"GET /ws/x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
            half_open.append((reader, writer))
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(8):
                await stack.enter_async_context(live(srv))  # upgraded, no setup
            async with httpx.AsyncClient(base_url=srv.http_base) as client:
                for _ in range(5):
                    response = await asyncio.wait_for(client.get("/health"), TIMEOUT_S)
                    assert response.status_code == 200
                    assert json.loads(response.text)["status"] == "ok"
        for _, writer in raw + half_open:
            writer.close()
        await check_serving(srv)
