"""The examples shipped in examples/ run against the real server and print a reply."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, live_server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SSL_CERT_FILE": str(live_server.cert),
        "OPENLIVE_BASE_URL": live_server.base_url,
        "OPENLIVE_URL": live_server.base_url.replace("https://", "wss://"),
    }
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_plain_websocket_client(live_server: LiveServer) -> None:
    result = run_example("plain_websocket.py", live_server, "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert "setupComplete" in result.stderr
    assert "promptTokenCount" in result.stderr
    assert result.stdout.strip(), "no reply text streamed"


def test_python_sdk_example(live_server: LiveServer) -> None:
    result = run_example("python_text.py", live_server)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
