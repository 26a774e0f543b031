"""Screen sharing through the official JavaScript SDK (`@google/genai`, under Node).

`js/live_video.mjs` sends a frame drawn with Pillow as ``sendRealtimeInput({video})``
and then a typed question. The documented ``mediaResolution`` runs with any image
describer; reading the screen's text back needs the embedded screen reader
(``openlive.engines.screen_reader``, built on the ``vision`` branch) and is
skipped without it, saying so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import JS_DIR, LiveServer, node_env, run_node_script
from tests.e2e.test_video_python_sdk import SCREENS, camera, needs_screen_reader, screen

pytestmark = pytest.mark.e2e

SCRIPT = JS_DIR / "live_video.mjs"
MODEL = "gemini-2.0-flash-live-001"


def run_video(
    node: str, server: LiveServer, frame: bytes, tmp_path: Path, prompt: str, resolution: str = ""
) -> dict[str, Any]:
    path = tmp_path / "frame.jpg"
    path.write_bytes(frame)
    env = node_env(server, "openlive-e2e-js-key", prompt)
    env.update(OPENLIVE_FRAME=str(path), OPENLIVE_MEDIA_RESOLUTION=resolution)
    run = run_node_script(node, SCRIPT, server, MODEL, env)
    assert run.returncode == 0, run
    return run.summary


def test_the_sdk_sends_frames_and_media_resolution_as_the_live_api_reads_them(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_video(
        node, live_server, camera(), tmp_path, "Describe it in one sentence.", "MEDIA_RESOLUTION_LOW"
    )
    setup, frame, text = summary["sent"][:3]
    assert setup["setup"]["generationConfig"]["mediaResolution"] == "MEDIA_RESOLUTION_LOW"
    assert frame["realtimeInput"]["video"]["mimeType"] == "image/jpeg"
    assert text == {"realtimeInput": {"text": "Describe it in one sentence."}}
    assert summary["text"].strip()
    details = {d["modality"]: d["tokenCount"] for d in summary["usageMetadata"]["promptTokensDetails"]}
    assert details["VIDEO"] == 66


@needs_screen_reader
@pytest.mark.parametrize(("shown", "key"), SCREENS)
def test_typed_what_does_my_screen_say_is_answered_with_its_text(
    node: str, live_server: LiveServer, tmp_path: Path, shown: str, key: str
) -> None:
    summary = run_video(node, live_server, screen(shown), tmp_path, "What does my screen say?")
    assert key in summary["text"].lower(), summary["text"]
