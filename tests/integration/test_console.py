"""The console's routes on a loopback server: its files, and who gets a token to open a session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from openlive.console import MEDIA_TYPES
from openlive.store import SqliteStore
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import TIMEOUT_S, session, text_of

KEY = "console-test-api-key"
PASSWORD = "correct horse battery"
PASSWORD_HEADER = "X-Openlive-Console-Password"
# A proxy on this machine: the request comes from 127.0.0.1 but for someone else.
FORWARDED = {"X-Forwarded-For": "198.51.100.7", "Host": "openlive.example"}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "sessions.db")
    yield store
    await store.close()


@pytest.fixture
async def srv(fake: FakeLLM, store: SqliteStore) -> AsyncIterator[RunningServer]:
    async with running_server(fake, store=store, api_keys=[KEY], console_password=PASSWORD) as server:
        yield server


async def call(srv: RunningServer, path: str, method: str = "GET", **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        return await http.request(method, path, headers=headers)


async def test_the_page_and_its_files_are_served_with_a_strict_policy(srv: RunningServer) -> None:
    page = await call(srv, "/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/console/console.js" in page.text
    policy = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in policy
        and "connect-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert page.headers["x-content-type-options"] == "nosniff"
    for name, media_type in MEDIA_TYPES.items():
        response = await call(srv, f"/console/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == media_type
    # The bundled SDK is the real one.
    sdk = await call(srv, "/console/genai.js")
    assert "GoogleGenAI" in sdk.text and len(sdk.content) > 100_000


@pytest.mark.parametrize(
    "name", ["../__init__.py", "..%2F__init__.py", "nothing.js", "%00", "index.html.bak"]
)
async def test_no_other_file_is_served(srv: RunningServer, name: str) -> None:
    response = await call(srv, f"/console/{name}")
    assert response.status_code == 404
    assert "import" not in response.text


async def test_a_local_browser_gets_a_token_that_opens_one_session(srv: RunningServer) -> None:
    info = await call(srv, "/console/info")
    assert info.status_code == 200
    assert "gemini-2.0-flash-live-001" in info.json()["models"]
    response = await call(srv, "/console/token", "POST", Origin=srv.http_base)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()
    assert token["name"].startswith("auth_tokens/") and token["uses"] == 1
    query = f"access_token={quote(token['name'], safe='')}"
    async with session(
        srv, method="BidiGenerateContentConstrained", version="v1alpha", query=query
    ) as client:
        assert text_of(await client.turn("hi")) == "echo: hi"


async def test_a_token_needs_a_post(srv: RunningServer) -> None:
    # A GET (a link, an <img>) mints nothing.
    response = await call(srv, "/console/token")
    assert response.status_code in (404, 405) and "auth_tokens" not in response.text


async def test_a_forwarded_request_needs_the_password(srv: RunningServer) -> None:
    refused = await call(srv, "/console/token", "POST", **FORWARDED)
    assert refused.status_code == 401
    assert refused.json()["error"]["status"] == "UNAUTHENTICATED"
    wrong = await call(srv, "/console/token", "POST", **FORWARDED, **{PASSWORD_HEADER: "nope"})
    assert wrong.status_code == 401
    right = await call(srv, "/console/token", "POST", **FORWARDED, **{PASSWORD_HEADER: quote(PASSWORD)})
    assert right.status_code == 200, right.text
    assert right.json()["name"].startswith("auth_tokens/")


async def test_the_password_is_percent_encoded_utf8(fake: FakeLLM, store: SqliteStore) -> None:
    async with running_server(fake, store=store, console_password="pässwörd-€uro") as srv:
        plain = await call(srv, "/console/info", **FORWARDED, **{PASSWORD_HEADER: quote("pässwörd-€uro")})
        assert plain.status_code == 200


async def test_a_rebound_name_is_not_local(srv: RunningServer) -> None:
    # DNS rebinding: a page at attacker.example resolved to 127.0.0.1 asks for its own host.
    response = await call(srv, "/console/token", "POST", Host="attacker.example")
    assert response.status_code == 401


async def test_a_page_from_another_origin_is_refused(srv: RunningServer) -> None:
    response = await call(srv, "/console/token", "POST", Origin="https://evil.example")
    assert response.status_code == 403
    assert "own page" in response.json()["error"]["message"]


async def test_guessing_the_password_is_cut_off(srv: RunningServer) -> None:
    for _ in range(10):
        response = await call(srv, "/console/info", **FORWARDED, **{PASSWORD_HEADER: "guess"})
        assert response.status_code == 401
    blocked = await call(srv, "/console/info", **FORWARDED, **{PASSWORD_HEADER: quote(PASSWORD)})
    assert blocked.status_code == 429
    # This machine's own browser is not affected.
    assert (await call(srv, "/console/info")).status_code == 200


async def test_without_a_password_only_this_machine_gets_in(fake: FakeLLM, store: SqliteStore) -> None:
    async with running_server(fake, store=store) as srv:
        response = await call(srv, "/console/token", "POST", **FORWARDED, **{PASSWORD_HEADER: "anything"})
        assert response.status_code == 403
        assert "console_password" in response.json()["error"]["message"]


async def test_the_console_can_be_turned_off(fake: FakeLLM, store: SqliteStore) -> None:
    async with running_server(fake, store=store, console=False) as srv:
        for path, method in [("/", "GET"), ("/console/console.js", "GET"), ("/console/token", "POST")]:
            assert (await call(srv, path, method)).status_code == 404, path


async def test_without_a_store_there_is_no_token(fake: FakeLLM) -> None:
    async with running_server(fake) as srv:
        response = await call(srv, "/console/token", "POST")
        assert response.status_code == 501
        assert "store" in response.json()["error"]["message"]


async def test_the_password_never_reaches_the_log(
    srv: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await call(srv, "/console/token", "POST", **FORWARDED, **{PASSWORD_HEADER: quote(PASSWORD)})
    await call(srv, "/console/token", "POST", **FORWARDED, **{PASSWORD_HEADER: "wrong-guess-123"})
    assert PASSWORD not in caplog.text and quote(PASSWORD) not in caplog.text
    assert "wrong-guess-123" not in caplog.text
