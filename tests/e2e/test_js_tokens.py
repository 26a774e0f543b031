"""Ephemeral tokens from the official JavaScript SDK (`@google/genai`, under Node).

`js/live_token.mjs` does what the Live API's ephemeral-token guide does: mints a
one-use token with the API key (``ai.authTokens.create``), then, holding only the
token as a browser would, connects on v1alpha (``BidiGenerateContentConstrained``
with the token in ``?access_token=``) and gets a reply; a second new session with
the spent token must be refused. Run against a plain ``ws://`` server and a TLS one,
both requiring an API key, with the real embedded model.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.e2e.conftest import (
    JS_DIR,
    LiveServer,
    NodeRun,
    node_env,
    run_node_script,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.e2e

SCRIPT = JS_DIR / "live_token.mjs"
MODEL = "gemini-2.0-flash-live-001"
PROMPT = "Hello, how are you?"
API_KEY = "openlive-e2e-js-token-key"


@pytest.fixture(scope="module", params=["ws", "wss"])
def key_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A text-only server that requires an API key: plain (``ws://``) or TLS (``wss://``)."""
    tls = request.param == "wss"
    server = start_server(
        tmp_path_factory.mktemp(f"js-token-{request.param}"), "--no-voice", "--api-key", API_KEY, tls=tls
    )
    yield server
    stop_server(server)


def run_live_token(node: str, server: LiveServer, api_key: str = API_KEY) -> NodeRun:
    return run_node_script(node, SCRIPT, server, MODEL, node_env(server, api_key, PROMPT))


def test_token_minted_by_node_opens_one_session(node: str, key_server: LiveServer) -> None:
    run = run_live_token(node, key_server)
    assert run.returncode == 0, run
    s = run.summary

    # The mint: POST /v1alpha/auth_tokens with the constraints as a locked setup.
    mint = s["mint"]
    assert mint["method"] == "POST", run
    assert mint["url"] == f"{key_server.base_url}/v1alpha/auth_tokens", run
    assert mint["body"]["uses"] == 1, run
    setup = mint["body"]["bidiGenerateContentSetup"]
    assert setup["model"] == f"models/{MODEL}", run
    assert setup["generationConfig"]["responseModalities"] == ["TEXT"], run

    token = s["token"]
    name = token["name"]
    assert name.startswith("auth_tokens/"), run
    assert token["expireTime"] and token["newSessionExpireTime"], run

    # The browser path: Constrained method on v1alpha, the token as ?access_token=.
    scheme = "wss" if key_server.cert else "ws"
    expected_url = (
        f"{scheme}://localhost:{key_server.port}//ws/google.ai.generativelanguage.v1alpha"
        f".GenerativeService.BidiGenerateContentConstrained?access_token={name}"
    )
    first = s["first"]
    assert first["url"] in (expected_url, expected_url.replace(name, quote(name, safe=""))), run
    assert API_KEY not in first["url"], "the browser side must not hold the API key"
    assert first["sent"][0]["setup"]["model"] == f"models/{MODEL}", run
    assert isinstance(first["setupComplete"], dict), run
    assert first["text"].strip(), run
    events = first["events"]
    assert events[0] == "setupComplete" and events[-1] == "turnComplete", run
    assert "generationComplete" in events and "modelTurn" in events, run
    # The token's locked maxOutputTokens (40) applies, though the client did not set it.
    assert 0 < first["usageMetadata"]["responseTokenCount"] <= 40, run
    assert first["close"]["wasClean"], run

    # The token had one use: a second new session is refused before setupComplete.
    second = s["second"]
    assert second["setupComplete"] is None, run
    assert second["close"]["code"] == 1008, run
    assert "no uses left" in second["close"]["reason"], run


def test_minting_needs_the_api_key(node: str, key_server: LiveServer) -> None:
    """authTokens.create with a key the server does not accept fails; no token, no session."""
    run = run_live_token(node, key_server, api_key="not-the-key")
    assert run.returncode == 1, run
    s = run.summary
    assert s["token"] is None and s["first"] is None, run
    assert "403" in s["error"] or "PERMISSION_DENIED" in s["error"], run
