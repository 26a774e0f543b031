"""End-to-end fixtures: the real `openlive serve` process on the embedded models."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openlive.engines.assets import assemble
from openlive.engines.packaged import QWEN_05B
from openlive.errors import ConfigError

pytestmark = pytest.mark.e2e

OPENLIVE = [sys.executable, "-m", "openlive"]
JS_DIR = Path(__file__).parent / "js"

# Environment that would send the JS SDK somewhere else (Vertex AI) or leak a real key.
FOREIGN_ENV = (
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
    "GOOGLE_GEMINI_BASE_URL",
    "GOOGLE_VERTEX_BASE_URL",
    "GOOGLE_GENAI_API_VERSION",
)


@dataclass
class LiveServer:
    """A running `openlive serve` process."""

    port: int
    cert: Path | None
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def base_url(self) -> str:
        scheme = "https" if self.cert else "http"
        return f"{scheme}://localhost:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


# The models a server assembles from packages (Qwen, Whisper base: about 0.6 GB), shared
# by every server the tests start: one data directory each would write them anew each
# time, filling the disk over a run and paying the copy and SHA-256 at every start.
SHARED_MODELS = Path(tempfile.gettempdir()) / "openlive-e2e-models"


@pytest.fixture(scope="session", autouse=True)
def shared_models() -> Path:
    """The judge model servers load at start, joined once before the first server starts.

    Otherwise each short-lived server would begin joining it and be stopped part-way.
    """
    SHARED_MODELS.mkdir(exist_ok=True)
    try:
        assemble(QWEN_05B, SHARED_MODELS)
    except ConfigError:
        pass  # the qwen extra is not installed: servers run without the judge
    return SHARED_MODELS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(tmp: Path, *args: str, tls: bool = True, env: dict[str, str] | None = None) -> LiveServer:
    """Start `openlive serve` and wait until /health answers."""
    port = free_port()
    data_dir = tmp / "data"
    SHARED_MODELS.mkdir(exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "models").exists():
        (data_dir / "models").symlink_to(SHARED_MODELS, target_is_directory=True)
    log_path = tmp / f"server-{port}.log"
    command = [*OPENLIVE, "serve", "--port", str(port), "--data-dir", str(data_dir), *args]
    if not tls:
        command.append("--no-tls")
    process = subprocess.Popen(
        command,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    )
    cert = data_dir / "tls" / "localhost-cert.pem" if tls else None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"openlive serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            context = ssl.create_default_context(cafile=str(cert)) if cert else None
            url = f"{'https' if cert else 'http'}://localhost:{port}/health"
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return LiveServer(port, cert, log_path, process)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"openlive serve did not become healthy:\n{log_path.read_text()}")


def stop_server(server: LiveServer) -> int:
    """Stop as Ctrl-C does; return the exit code."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGINT)
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    return server.process.returncode


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real TLS server for the e2e session."""
    server = start_server(tmp_path_factory.mktemp("live"))
    yield server
    stop_server(server)


@pytest.fixture
def genai_client(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A google-genai client pointed at the live server, trusting its certificate."""
    from google import genai

    assert live_server.cert is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(live_server.cert))
    return genai.Client(api_key="GEMINI_API_KEY", http_options={"base_url": live_server.base_url})


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable, with @google/genai installed beside the scripts in js/."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("node is not on PATH; install Node.js 20+ to run the @google/genai end-to-end tests")
    if not (JS_DIR / "node_modules" / "@google" / "genai").is_dir():
        pytest.skip(f"{JS_DIR / 'node_modules'} is missing; run `make test`, or `npm ci` in {JS_DIR}")
    return path


def node_env(server: LiveServer, api_key: str, prompt: str) -> dict[str, str]:
    """The environment for a js/ script: this machine's, less anything that points elsewhere."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env.update(GEMINI_API_KEY=api_key, OPENLIVE_PROMPT=prompt, OPENLIVE_TIMEOUT_MS="120000")
    if server.cert is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(server.cert)
    return env


@dataclass
class NodeRun:
    """One run of a js/ script; as a string, everything needed to see why it failed."""

    returncode: int
    summary: dict[str, Any]
    stderr: str
    server: LiveServer

    def __str__(self) -> str:
        return (
            f"node exited {self.returncode}\nsummary: {json.dumps(self.summary, indent=1)}\n"
            f"stderr:\n{self.stderr[-4000:]}\nserver log (tail):\n{self.server.log()[-4000:]}"
        )


def run_node_script(node: str, script: Path, server: LiveServer, model: str, env: dict[str, str]) -> NodeRun:
    """Run a js/ script against ``server``; its last stdout line is a JSON summary.

    Returns:
        The exit code, the summary (or the unparsed output), and stderr.
    """
    result = subprocess.run(
        [node, str(script), server.base_url, model],
        cwd=JS_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    lines = result.stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        summary = {"unparsed stdout": result.stdout[-4000:]}
    return NodeRun(result.returncode, summary, result.stderr, server)
