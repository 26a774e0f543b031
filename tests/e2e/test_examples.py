"""The examples shipped in examples/ run against the real server and print a reply."""

from __future__ import annotations

import os
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from tests.e2e import speech
from tests.e2e.conftest import LiveServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run_example(name: str, live_server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SSL_CERT_FILE": str(live_server.cert),
        "OPENLIVE_BASE_URL": live_server.base_url,
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


@pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the question; install it")
def test_voice_example_with_wav_files(live_server: LiveServer, tmp_path: Path) -> None:
    question, reply = tmp_path / "question.wav", tmp_path / "reply.wav"
    # As the README says: espeak-ng -w question.wav "..."
    subprocess.run(["espeak-ng", "-w", str(question), "What is the capital of France?"], check=True)
    result = run_example("python_voice.py", live_server, str(question), str(reply))
    assert result.returncode == 0, result.stderr
    assert "you: " in result.stdout and "capital" in result.stdout.lower()
    assert "openlive: " in result.stdout
    with wave.open(str(reply)) as wav:
        assert wav.getframerate() == 24_000 and wav.getsampwidth() == 2
        assert wav.getnframes() > 24_000 // 2, "less than half a second of reply"


def test_screen_example_shares_a_drawn_screen_and_answers(live_server: LiveServer) -> None:
    import importlib.util

    result = run_example(
        "python_screen.py",
        live_server,
        "--text",
        "The launch code is PINEAPPLE",
        "--ask",
        "What does my screen say?",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "no reply text streamed"
    if importlib.util.find_spec("openlive.engines.screen_reader") is not None:
        # With the embedded screen reader the answer reads the screen.
        assert "pineapple" in result.stdout.lower(), result.stdout
