"""Stock voice-agent frameworks against the real server: pipecat and LiveKit Agents.

Each framework runs unchanged, in its own virtualenv (``make frameworks-venv``; its
pins in ``frameworks/requirements.txt`` conflict with openlive's dev tools), with
only its base URL pointed at openlive: pipecat's ``GeminiLiveLLMService`` and
LiveKit's google ``RealtimeModel``, each with its own default model name.
Text, speech in and out with transcriptions, a function call, and an interruption.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import speech
from .conftest import FOREIGN_ENV, LiveServer

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the speech input; install it"),
]

HERE = Path(__file__).parent / "frameworks"
REPO = Path(__file__).parents[2]
FRAMEWORKS = ("pipecat", "livekit")


@pytest.fixture(scope="module")
def frameworks_python() -> str:
    """The frameworks' virtualenv's python (``OPENLIVE_FRAMEWORKS_PYTHON`` names another)."""
    path = Path(os.environ.get("OPENLIVE_FRAMEWORKS_PYTHON", REPO / ".venv-frameworks" / "bin" / "python"))
    if not path.exists():
        pytest.skip(f"{path} is missing; run `make frameworks-venv` (or `make test`)")
    return str(path)


@pytest.fixture(scope="module")
def utterances(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Speech files (16-bit PCM, 16 kHz) the scripts stream in real time."""
    folder = tmp_path_factory.mktemp("speech")
    said = {
        "question": speech.speak("Hello, what is the capital of France?"),
        "lights": speech.speak("Please turn on the lights."),
        "story": speech.speak("Tell me a long story about a dragon.", tail_s=0.6),
        "stop": speech.speak("Stop. What time is it?"),
    }
    for name, pcm in said.items():
        (folder / f"{name}.pcm").write_bytes(pcm)
    return {name: folder / f"{name}.pcm" for name in said}


@dataclass(repr=False)
class Run:
    """One script run; its repr is what is needed to see why it failed."""

    returncode: int
    summary: dict[str, Any]
    stderr: str
    server: LiveServer

    def __repr__(self) -> str:
        return (
            f"exit {self.returncode}\nsummary: {json.dumps(self.summary, indent=1)}\n"
            f"stderr (tail):\n{self.stderr[-3000:]}\nserver log (tail):\n{self.server.log()[-3000:]}"
        )


def run(python: str, framework: str, server: LiveServer, scenario: str, *speech_files: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_ENV}
    env["OPENLIVE_TIMEOUT_S"] = "150"
    if server.cert is not None:
        env["SSL_CERT_FILE"] = str(server.cert)
    result = subprocess.run(
        [python, str(HERE / f"{framework}_client.py"), server.base_url, scenario, *map(str, speech_files)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = result.stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        summary = {"unparsed stdout": result.stdout[-3000:]}
    return Run(result.returncode, summary, result.stderr, server)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_text_reply(frameworks_python: str, live_server: LiveServer, framework: str) -> None:
    result = run(frameworks_python, framework, live_server, "text")
    assert result.returncode == 0, result
    assert result.summary["text"].strip(), result
    assert result.summary["audio_bytes"] == 0, result


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_speech_in_speech_out_with_transcriptions(
    frameworks_python: str, live_server: LiveServer, utterances: dict[str, Path], framework: str
) -> None:
    result = run(frameworks_python, framework, live_server, "audio", utterances["question"])
    assert result.returncode == 0, result
    summary = result.summary
    assert "capital" in summary["heard"].lower(), result
    # At least half a second of 24 kHz speech, and what it says as text.
    assert summary["audio_bytes"] >= 24_000, result
    assert summary["audio_rates"] == [24_000], result
    assert (summary.get("spoken") or summary["text"]).strip(), result


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_spoken_request_calls_the_function_and_the_reply_uses_its_result(
    frameworks_python: str, live_server: LiveServer, utterances: dict[str, Path], framework: str
) -> None:
    result = run(frameworks_python, framework, live_server, "function", utterances["lights"])
    assert result.returncode == 0, result
    summary = result.summary
    assert summary["calls"] == ["turn_on_the_lights"], result
    assert "light" in summary["text"].lower(), result
    assert summary["audio_bytes"] > 0, result


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_talking_over_the_reply_interrupts_it(
    frameworks_python: str, live_server: LiveServer, utterances: dict[str, Path], framework: str
) -> None:
    result = run(
        frameworks_python, framework, live_server, "interrupt", utterances["story"], utterances["stop"]
    )
    assert result.returncode == 0, result
    summary = result.summary
    if framework == "pipecat":
        # The service broadcasts an InterruptionFrame on the server's `interrupted`.
        assert summary["interruptions"] >= 1, result
    else:
        # The plugin reports `interrupted` as speech started, beyond the one each
        # reply it did not ask for starts with.
        assert summary["speech_started"] > summary["generations"], result
    assert "time" in summary["heard"].lower(), result
