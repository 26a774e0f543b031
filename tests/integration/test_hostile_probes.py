"""Holes a held-out probe found over a socket (issue 11, second round), each closed for good.

Each test sends what the probe sent, to a server on loopback, and checks the close
code and reason, what the server logged, and that it kept answering others.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from openlive.server import app as server_app
from openlive.store import open_store
from openlive.testing import FakeLLM, running_server

from .helpers import TIMEOUT_S, check_serving, live, session, setup_message
from .test_hostile_clients import server_log


def _with_tools(declarations: list[dict[str, object]]) -> dict[str, object]:
    message = setup_message()
    message["setup"]["tools"] = [{"functionDeclarations": declarations}]  # type: ignore[index]
    return message


async def test_a_setup_of_twenty_thousand_functions_is_refused_while_health_answers() -> None:
    # Each declaration's schema was checked before they were counted: 52 s during
    # which no other client was answered.
    heavy = _with_tools([{"name": f"f{i}"} for i in range(20_000)])
    async with running_server(FakeLLM()) as srv:
        async with live(srv) as client, httpx.AsyncClient(base_url=srv.http_base) as http:
            await client.send(heavy)
            health = await asyncio.wait_for(http.get("/health"), TIMEOUT_S)
            closed = await client.closed()
        assert health.status_code == 200
        assert closed.code == 1007
        assert closed.reason == "setup.tools declares 20000 functions; at most 128"
        await check_serving(srv)


async def test_schemas_over_the_shared_budget_are_refused() -> None:
    schema = {
        "type": "object",
        "properties": {f"p{i}": {"type": "string", "description": "x" * 20} for i in range(900)},
    }
    message = _with_tools([{"name": f"f{i}", "parametersJsonSchema": schema} for i in range(3)])
    async with running_server(FakeLLM()) as srv, live(srv) as client:
        closed = await client.refused(message)
    assert closed.code == 1007
    assert "schemas are over 64000 characters together" in closed.reason


@pytest.mark.parametrize(
    "text", ["1e99999999999999999999", "-1e" + "9" * 40, "0e" + "9" * 30, "7E+" + "1" * 19]
)
async def test_an_exponent_past_what_decimal_holds_is_1007_not_1011(text: str) -> None:
    message = setup_message()
    message["setup"]["generationConfig"]["maxOutputTokens"] = text
    async with running_server(FakeLLM()) as srv:
        async with live(srv) as client:
            closed = await client.refused(message)
        assert (closed.code, closed.reason) == (
            1007,
            "setup.generationConfig.maxOutputTokens is out of range",
        )
        await check_serving(srv)


@contextmanager
def _counting_http_server() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "string"}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("ref", ["http://127.0.0.1:{port}/schema", "#/$defs/missing", "other.json#/a"])
async def test_a_ref_out_of_the_schema_is_refused_and_never_fetched(ref: str) -> None:
    with _counting_http_server() as (port, hits):
        schema = {"type": "object", "properties": {"a": {"$ref": ref.format(port=port)}}}
        message = _with_tools([{"name": "f", "parametersJsonSchema": schema}])
        async with running_server(FakeLLM()) as srv, live(srv) as client:
            closed = await client.refused(message)
    assert closed.code == 1007
    assert "does not point into the schema" in closed.reason
    assert hits == []


async def test_a_client_content_of_too_many_parts_is_1007() -> None:
    turns = [{"role": "user", "parts": [{"text": "a"}]}] * 2049
    async with running_server(FakeLLM()) as srv:
        async with session(srv) as client:
            await client.send({"clientContent": {"turns": turns, "turnComplete": False}})
            closed = await client.closed()
        assert closed.code == 1007
        assert closed.reason.startswith("clientContent holds 2049 parts; at most 2048 in one message")
        await check_serving(srv)


async def test_a_second_setup_is_refused_before_its_tools_are_checked() -> None:
    async with running_server(FakeLLM()) as srv, session(srv) as client:
        await client.send(_with_tools([{"name": f"f{i}"} for i in range(300)]))
        closed = await client.closed()
    assert (closed.code, closed.reason) == (1007, "setup was already received; send it only once per session")


async def test_auth_tokens_does_not_read_a_body_over_the_limit(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    async with running_server(FakeLLM(), store=store) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        # Declares a gigabyte and sends a little: refused on the declaration alone.
        writer.write(
            b"POST /v1alpha/auth_tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Length: 1000000000\r\n\r\n{" + b" " * 1000
        )
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S)
        writer.close()
    assert head.startswith(b"HTTP/1.1 400")


async def test_auth_tokens_answers_408_to_a_body_that_never_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_app, "BODY_TIMEOUT_S", 0.5)
    store = open_store(str(tmp_path / "s.db"))
    async with running_server(FakeLLM(), store=store) as srv:
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"POST /v1alpha/auth_tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT_S)
        writer.close()
    assert head.startswith(b"HTTP/1.1 408")


@pytest.mark.parametrize("name", ["%6Bey", "k%65y", "%4B%45%59", "%61ccess_token", "api%5Fkey"])
async def test_a_credential_under_a_percent_encoded_name_is_masked(name: str) -> None:
    secret = "S3cr3t-7f2a91c04e"
    with server_log() as log:
        async with running_server(FakeLLM()) as srv, live(srv, query=f"{name}={secret}&alt=sse") as client:
            await client.setup()
    text = log.getvalue()
    assert "WebSocket" in text  # uvicorn's line with the URL was captured
    assert secret not in text


async def test_a_refused_client_that_leaves_first_logs_no_traceback() -> None:
    with server_log() as log:
        async with running_server(FakeLLM()) as srv:
            for _ in range(5):
                # Two different keys: refused; the client leaves before the close frame.
                async with live(srv, query="key=a1&key=b2") as client:
                    await client.ws.close()
            await asyncio.sleep(0.2)
            await check_serving(srv)
    text = log.getvalue()
    assert "sent more than once" in text
    assert "Traceback" not in text and "Exception in ASGI application" not in text


async def test_a_history_past_the_turn_limit_is_1007_and_the_server_keeps_answering() -> None:
    # 50 messages of 2,000 one-letter turns, then turnComplete: the reply's prompt
    # (100,000 turns) was rendered and counted on the event loop for minutes.
    turns = [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]}] * 300
    async with running_server(FakeLLM()) as srv:
        async with session(srv) as client:
            for _ in range(2):
                await client.send({"clientContent": {"turns": turns, "turnComplete": False}})
            closed = await client.closed()
        assert closed.code == 1007
        assert closed.reason.startswith("session history would exceed 1024 turns")
        await check_serving(srv)
