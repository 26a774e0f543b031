"""The official JavaScript SDK (`@google/genai`, under Node) against the real server.

`js/live_text.mjs` does what the Live API documentation's JavaScript text example
does (``ai.live.connect`` with ``responseModalities: [Modality.TEXT]``, then
``session.sendClientContent``) and prints a JSON summary of what it saw and sent.
These tests run it against a TLS server (``wss://``, trusted through
``NODE_EXTRA_CA_CERTS``) and a plain one (``ws://``), with the real embedded model.
"""

from __future__ import annotations

import json
import ssl
import urllib.request
from collections.abc import Iterator

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

SCRIPT = JS_DIR / "live_text.mjs"
MODEL = "gemini-2.0-flash-live-001"
PROMPT = "Hello, how are you?"
API_KEY = "openlive-e2e-js-key"


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A `--no-tls` server that requires an API key (the JS SDK sends it as `?key=`)."""
    server = start_server(tmp_path_factory.mktemp("js-plain"), "--api-key", API_KEY, tls=False)
    yield server
    stop_server(server)


def run_live_text(
    node: str,
    server: LiveServer,
    model: str = MODEL,
    api_key: str = API_KEY,
    extra_env: dict[str, str] | None = None,
) -> NodeRun:
    env = node_env(server, api_key, PROMPT)
    env.update(extra_env or {})
    return run_node_script(node, SCRIPT, server, model, env)


def served_models(server: LiveServer) -> list[str]:
    context = ssl.create_default_context(cafile=str(server.cert)) if server.cert else None
    with urllib.request.urlopen(f"{server.base_url}/health", timeout=10, context=context) as response:
        return list(json.load(response)["models"])


def check_text_turn(run: NodeRun, server: LiveServer, scheme: str, api_version: str = "v1beta") -> None:
    """What a successful documented text turn looks like from the JS SDK's side."""
    assert run.returncode == 0, run
    s = run.summary

    # The SDK maps http->ws and https->wss, and its URL has a double slash.
    assert s["url"] == (
        f"{scheme}://localhost:{server.port}//ws/google.ai.generativelanguage.{api_version}"
        f".GenerativeService.BidiGenerateContent?key={API_KEY}"
    ), run

    # What the SDK sent: setup first, then the turn.
    setup = s["sent"][0]["setup"]
    assert setup["model"] == f"models/{MODEL}", run
    assert setup["generationConfig"]["responseModalities"] == ["TEXT"], run
    assert s["sent"][1] == {
        "clientContent": {"turns": [{"role": "user", "parts": [{"text": PROMPT}]}], "turnComplete": True}
    }, run

    assert isinstance(s["setupComplete"], dict), run
    assert s["text"].strip(), run

    events = s["events"]
    assert events[0] == "setupComplete", run
    assert s["generationComplete"] and s["turnComplete"], run
    assert events.count("turnComplete") == 1 and events[-1] == "turnComplete", run
    assert events.count("generationComplete") == 1, run
    assert "modelTurn" in events[: events.index("generationComplete")], run
    assert events.index("generationComplete") < events.index("turnComplete"), run
    assert "interrupted" not in events, run

    usage = s["usageMetadata"]
    assert usage is not None, run
    assert usage["promptTokenCount"] > 0, run
    assert usage["responseTokenCount"] > 0, run
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["responseTokenCount"]

    # session.close() sends a close frame without a status code: a clean 1005.
    assert s["closeRequested"] and s["close"]["wasClean"], run


def test_text_turn_over_tls(node: str, live_server: LiveServer) -> None:
    """https:// base URL -> wss://, certificate trusted via NODE_EXTRA_CA_CERTS."""
    run = run_live_text(node, live_server)
    check_text_turn(run, live_server, "wss")


def test_text_turn_over_plain_ws(node: str, plain_server: LiveServer) -> None:
    """http:// base URL -> ws://, with the API key checked from the `key` query parameter."""
    run = run_live_text(node, plain_server)
    check_text_turn(run, plain_server, "ws")


def test_turns_as_content_list_on_v1alpha(node: str, plain_server: LiveServer) -> None:
    """The explicit Content-list form of `turns`, on the v1alpha endpoint."""
    run = run_live_text(
        node, plain_server, extra_env={"OPENLIVE_TURNS_FORM": "object", "OPENLIVE_API_VERSION": "v1alpha"}
    )
    check_text_turn(run, plain_server, "ws", api_version="v1alpha")


def test_unknown_model_closes_1008_listing_served_models(node: str, live_server: LiveServer) -> None:
    """The SDK's onclose gets code 1008 and a reason naming the models this server serves."""
    run = run_live_text(node, live_server, model="gemini-9-not-a-model")
    s = run.summary
    # connect() never resolves (no setupComplete); the script reports the close instead.
    assert run.returncode == 2, run
    assert s["opened"] and s["setupComplete"] is None, run
    assert s["sent"] == [
        {
            "setup": {
                "model": "models/gemini-9-not-a-model",
                "generationConfig": {"responseModalities": ["TEXT"]},
            }
        }
    ], run
    assert s["close"]["code"] == 1008, run
    reason = s["close"]["reason"]
    assert "gemini-9-not-a-model" in reason, reason
    served = served_models(live_server)
    named = [model for model in served if model in reason]
    assert named, f"reason {reason!r} names none of the served models {served}"
    assert MODEL in named, reason
    assert len(reason.encode("utf-8")) <= 123, reason


def test_wrong_api_key_closes_1008(node: str, plain_server: LiveServer) -> None:
    """A key the server does not accept, sent as the SDK sends it (`?key=`), is refused."""
    run = run_live_text(node, plain_server, api_key="not-the-key")
    s = run.summary
    assert run.returncode == 2, run
    assert s["close"]["code"] == 1008, run
    assert "API key not valid" in s["close"]["reason"], run
    assert s["setupComplete"] is None, run
