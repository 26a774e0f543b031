"""The official Python SDK (google-genai) against the server over TLS, with the fake LLM.

The SDK always rewrites the base URL to ``wss://``, so this is the TLS path: a
self-signed certificate for localhost, trusted through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from google import genai
from google.genai import errors, types

from openlive.engines.base import ChatMessage
from openlive.server.run import TlsFiles
from openlive.server.tls import ensure_self_signed
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import live, setup_message, text_of, user

MODEL_NAME = "gemini-2.0-flash-live-001"


@dataclass
class TlsServer:
    srv: RunningServer
    cert: Path
    fake: FakeLLM


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[TlsServer]:
    cert, key = ensure_self_signed(tmp_path / "tls")
    fake = FakeLLM()
    async with running_server(fake, tls=TlsFiles(cert, key, self_signed=True), api_keys=["sdk-key"]) as srv:
        yield TlsServer(srv, cert, fake)


@pytest.fixture
def client(tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch) -> genai.Client:
    # The SDK builds its SSL context when the client is made, from SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cert))
    return genai.Client(
        api_key="sdk-key", http_options={"base_url": f"https://localhost:{tls_server.srv.port}"}
    )


def test_the_certificate_names_localhost_and_loopback_addresses(tmp_path: Path) -> None:
    cert_path, _ = ensure_self_signed(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    addresses = names.get_values_for_type(x509.IPAddress)
    assert ipaddress.ip_address("127.0.0.1") in addresses
    assert ipaddress.ip_address("::1") in addresses


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_tls_handshake_verifies_for_each_name(tls_server: TlsServer, host: str) -> None:
    context = ssl.create_default_context(cafile=str(tls_server.cert))
    srv = tls_server.srv
    url = f"wss://{host}:{srv.port}/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
    async with live(srv, url=url, ssl=context, headers={"x-goog-api-key": "sdk-key"}) as client:
        await client.setup(setup_message())
        await client.send(user("secure"))
        assert text_of(await client.until_turn_complete()) == "echo: secure"
    async with httpx.AsyncClient(verify=context, timeout=5) as http:
        health = await http.get(f"https://{host}:{srv.port}/health")
    assert health.json()["status"] == "ok"


async def test_an_untrusting_client_is_refused_by_its_own_tls_check(tls_server: TlsServer) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        async with live(tls_server.srv, ssl=ssl.create_default_context()):
            pass


async def test_sdk_text_turn(client: genai.Client, tls_server: TlsServer) -> None:
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality.TEXT],
        system_instruction="Answer briefly.",
        temperature=0.25,
    )
    async with client.aio.live.connect(model=MODEL_NAME, config=config) as live_session:
        await live_session.send_client_content(
            turns=types.Content(role="user", parts=[types.Part(text="hello from the sdk")]),
            turn_complete=True,
        )
        messages = [m async for m in live_session.receive()]

    text = "".join(m.text or "" for m in messages if m.server_content and m.server_content.model_turn)
    assert text == "echo: hello from the sdk"
    last = messages[-1]
    assert last.server_content is not None and last.server_content.turn_complete
    assert any(m.server_content and m.server_content.generation_complete for m in messages)
    assert last.usage_metadata is not None
    # System (2 words + 1) and user (4 words + 1) prompt tokens; 5 reply tokens.
    assert last.usage_metadata.prompt_token_count == 8
    assert last.usage_metadata.response_token_count == 5
    assert last.usage_metadata.total_token_count == 13

    prompt, params = tls_server.fake.calls[0]
    assert prompt == [ChatMessage("system", "Answer briefly."), ChatMessage("user", "hello from the sdk")]
    assert params.temperature == 0.25


async def test_sdk_two_turns_and_realtime_text(client: genai.Client, tls_server: TlsServer) -> None:
    config = {"response_modalities": ["TEXT"]}
    async with client.aio.live.connect(model=MODEL_NAME, config=config) as live_session:
        await live_session.send_client_content(turns={"role": "user", "parts": [{"text": "first"}]})
        first = "".join([m.text or "" async for m in live_session.receive()])
        await live_session.send_realtime_input(text="second")
        second = "".join([m.text or "" async for m in live_session.receive()])
    assert (first, second) == ("echo: first", "echo: second")
    assert tls_server.fake.calls[1][0] == [
        ChatMessage("user", "first"),
        ChatMessage("assistant", "echo: first"),
        ChatMessage("user", "second"),
    ]


async def test_sdk_asking_for_an_unknown_model_gets_an_api_error(client: genai.Client) -> None:
    with pytest.raises(errors.APIError) as failure:
        async with client.aio.live.connect(model="gemini-9-ultra", config={"response_modalities": ["TEXT"]}):
            pass
    assert failure.value.code == 1008
    assert MODEL_NAME in str(failure.value)


async def test_sdk_with_a_wrong_key_gets_an_api_error(
    tls_server: TlsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cert))
    wrong = genai.Client(
        api_key="nope", http_options={"base_url": f"https://localhost:{tls_server.srv.port}"}
    )
    with pytest.raises(errors.APIError) as failure:
        async with wrong.aio.live.connect(model=MODEL_NAME, config={"response_modalities": ["TEXT"]}):
            pass
    assert failure.value.code == 1008
    assert "API key not valid" in str(failure.value)


async def test_sdk_models_get_and_list_give_token_limits(client: genai.Client) -> None:
    model = await client.aio.models.get(model=MODEL_NAME)
    assert model.name == f"models/{MODEL_NAME}"
    assert model.input_token_limit == FakeLLM().context_size
    assert model.output_token_limit and 0 < model.output_token_limit <= model.input_token_limit
    assert model.supported_actions == ["bidiGenerateContent"]
    listed = [m async for m in await client.aio.models.list()]
    assert f"models/{MODEL_NAME}" in [m.name for m in listed]
    assert all(m.input_token_limit for m in listed)


async def test_sdk_models_get_of_an_unknown_model_is_a_404_naming_served_ones(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as failure:
        await client.aio.models.get(model="gemini-9-ultra")
    assert failure.value.code == 404
    assert MODEL_NAME in str(failure.value)


async def test_a_finished_tls_session_leaves_no_error_when_the_request_deadline_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The deadline for the first request's head outlives an upgraded connection; when
    # it fired after the session had closed, asyncio logged an AttributeError at ERROR.
    cert, key = ensure_self_signed(tmp_path / "tls")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    caplog.set_level(logging.INFO)
    async with running_server(
        FakeLLM(), tls=TlsFiles(cert, key, self_signed=True), handshake_timeout_s=0.5
    ) as srv:
        sdk = genai.Client(api_key="any", http_options={"base_url": f"https://localhost:{srv.port}"})
        config = types.LiveConnectConfig(response_modalities=[types.Modality.TEXT])
        async with sdk.aio.live.connect(model=MODEL_NAME, config=config) as live_session:
            await live_session.send_client_content(
                turns=types.Content(role="user", parts=[types.Part(text="hello")]), turn_complete=True
            )
            assert [m async for m in live_session.receive()]
        await asyncio.sleep(1.0)  # past the deadline
    errors_logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors_logged, [r.getMessage() for r in errors_logged]
