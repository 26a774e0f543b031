"""The console page in headless Chromium against the real server, as a new user opens it.

The microphone is fake (a WAV made by espeak-ng, so the test knows what was said),
the camera too (a picture with text); the server is `openlive serve` on the embedded
models. The page's state (``window.openliveConsole.state``) and its DOM are checked,
and screenshots are saved (see conftest).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import API_KEY, ConsolePage
from tests.browser.media import text_picture, write_speech_wav, write_y4m
from tests.e2e.conftest import LiveServer
from tests.e2e.speech import available as espeak_available

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

needs_espeak = pytest.mark.skipif(not espeak_available(), reason="espeak-ng makes the spoken input")


def turns_with_reply(console: ConsolePage) -> list[dict[str, Any]]:
    return [t for t in console.state()["turns"] if t["complete"] and t["model"].strip()]


@needs_espeak
def test_spoken_question_gets_a_spoken_answer_with_both_transcripts(
    voice_server: LiveServer, open_console: Any, tmp_path: Path
) -> None:
    wav = write_speech_wav(tmp_path / "question.wav", ("What is the capital of France?", 8.0))
    console = open_console(voice_server, microphone=f"{wav}%noloop")
    console.connect()
    console.wait_for("state.turns.some((t) => t.complete && t.model.trim() && t.user.trim())", 120)
    console.wait_for("state.audioSamplesQueued === 0 && state.audioSamplesPlayed > 0", 30)
    state = console.state()
    turn = next(t for t in state["turns"] if t["complete"] and t["model"].strip())
    # What the server heard, shown as the user's transcript.
    assert re.search(r"capital", turn["user"], re.I) and re.search(r"france", turn["user"], re.I), (
        console.describe()
    )
    # A spoken answer: its transcript, and audio the page played (at least half a second at 24 kHz).
    assert turn["model"].strip(), console.describe()
    assert state["audioChunksIn"] > 0 and state["audioSamplesPlayed"] >= 12_000, console.describe()
    # The microphone's audio went out as 16 kHz PCM through realtimeInput.
    audio = [
        m["realtimeInput"]["audio"] for m in console.sent_messages() if "audio" in m.get("realtimeInput", {})
    ]
    assert audio and all(a["mimeType"] == "audio/pcm;rate=16000" for a in audio), console.describe()
    # The latency of the turn, measured and shown.
    assert turn["latencyMs"] is not None and 0 < turn["latencyMs"] < 60_000, console.describe()
    assert console.page.locator("#latency").inner_text().endswith(" ms")
    log = console.page.locator("#log").inner_text()
    assert turn["user"].strip() in log and turn["model"].strip() in log
    console.screenshot("spoken-answer")


@needs_espeak
def test_barge_in_flushes_the_reply_being_played(
    voice_server: LiveServer, open_console: Any, tmp_path: Path
) -> None:
    # The file loops: the request comes again while the (long) answer to it plays.
    wav = write_speech_wav(
        tmp_path / "story.wav", ("Tell me a long story about a brave knight and a dragon.", 7.0)
    )
    console = open_console(voice_server, microphone=wav)
    console.connect()
    # An interruption of a reply under way (an earlier one may come before any of the
    # reply, while it is being prepared).
    console.wait_for("state.turns.some((t) => t.interrupted && t.model.trim())", 150)
    console.wait_for("state.flushes.length > 0 && state.flushes.every((f) => f.report)", 10)
    state = console.state()
    # The player was flushed: its report right after has nothing queued. (How much it
    # dropped depends on how far ahead the server ran; test_player_flush_drops_what_is_queued
    # checks the dropping itself.)
    assert all(f["report"]["flushed"] and f["report"]["queued"] == 0 for f in state["flushes"]), state
    assert "Interrupted" in console.page.locator("#log").inner_text()
    console.screenshot("barge-in")


def test_refused_microphone_says_so(voice_server: LiveServer, open_console: Any) -> None:
    console = open_console(voice_server, grant=False)
    console.connect()
    console.wait_for("state.micError !== ''", 30)
    alert = console.page.get_by_role("alert")
    assert alert.is_visible()
    assert "microphone was refused" in alert.inner_text(), console.describe()
    # The session stays usable by text.
    assert console.page.get_by_role("button", name="Send").is_enabled()
    assert console.state()["status"] == "open"
    console.screenshot("microphone-refused")


def test_no_credential_reaches_the_page(voice_server: LiveServer, open_console: Any) -> None:
    console = open_console(voice_server)
    console.connect()
    console.page.get_by_role("textbox", name="Message").fill("Say hello.")
    console.page.get_by_role("button", name="Send").click()
    console.wait_for("state.turns.some((t) => t.complete)", 120)
    # The page's sources as served, every request it made, every frame either way.
    sources = [console.page.content()]
    for name in ("console.js", "audio.js", "genai.js", "index.html"):
        sources.append(console.page.evaluate(f"fetch('/console/{name}').then((r) => r.text())"))
    seen = "\n".join(
        sources
        + [json.dumps(r) for r in console.requests]
        + console.sockets
        + console.sent_frames
        + console.received_frames
        + console.console
    )
    assert API_KEY not in seen
    # The session was opened with a one-use ephemeral token, not a key.
    assert console.sockets and all("access_token=auth_tokens" in url for url in console.sockets), (
        console.sockets
    )
    assert all("key=" not in url.split("?", 1)[1].replace("access_token=", "") for url in console.sockets)


def _video_frames(console: ConsolePage) -> list[dict[str, Any]]:
    return [
        m["realtimeInput"]["video"] for m in console.sent_messages() if "video" in m.get("realtimeInput", {})
    ]


def _check_video_outcome(console: ConsolePage) -> None:
    """The session either goes on with video, or its close code and reason are shown plainly."""
    state = console.state()
    if state["status"] == "closed":
        close = state["close"]
        shown = console.page.get_by_role("alert").inner_text()
        assert str(close["code"]) in shown and close["reason"] in shown, console.describe()
    else:
        assert state["status"] == "open", console.describe()


def test_camera_frames_go_out_as_jpeg_about_once_a_second(
    voice_server: LiveServer, open_console: Any, tmp_path: Path
) -> None:
    picture = text_picture("OPENLIVE 42")
    camera = write_y4m(tmp_path / "camera.y4m", picture)
    console = open_console(voice_server, camera=camera)
    console.connect()
    console.page.get_by_role("button", name="Camera off").click()
    console.wait_for("state.framesSent >= 1 || state.videoError !== ''", 30)
    console.page.wait_for_timeout(2500)
    frames = _video_frames(console)
    assert frames, console.describe()
    assert all(f["mimeType"] == "image/jpeg" for f in frames)
    # The newest frame: Chromium's fake capture may send a black frame or two as it starts.
    image = Image.open(io.BytesIO(base64.b64decode(frames[-1]["data"])))
    assert image.format == "JPEG" and image.size == picture.size
    # The picture arrives intact enough to read: dark text in the middle of a white frame.
    gray = image.convert("L")
    assert gray.getpixel((5, 5)) > 200 and gray.crop((100, 140, 540, 220)).getextrema()[0] < 60
    _check_video_outcome(console)
    console.screenshot("camera")


def test_screen_share_sends_frames(voice_server: LiveServer, open_console: Any) -> None:
    console = open_console(voice_server)
    console.connect()
    console.page.get_by_role("button", name="Share screen").click()
    console.wait_for("state.framesSent >= 1 || state.videoError !== ''", 30)
    frames = _video_frames(console)
    assert frames and frames[0]["mimeType"] == "image/jpeg", console.describe()
    assert Image.open(io.BytesIO(base64.b64decode(frames[0]["data"]))).format == "JPEG"
    _check_video_outcome(console)


@pytest.mark.skipif(
    importlib.util.find_spec("openlive.engines.screen_reader") is None,
    reason="needs the embedded screen reader (openlive.engines.screen_reader, OCR; branch vision): "
    "without it the server describes frames by size and colour only",
)
def test_camera_text_is_read_back(voice_server: LiveServer, open_console: Any, tmp_path: Path) -> None:
    camera = write_y4m(tmp_path / "camera.y4m", text_picture("PINEAPPLE 42"))
    console = open_console(voice_server, camera=camera)
    console.page.get_by_label("Model", exact=True).select_option("gemini-2.0-flash-live-001")
    console.page.get_by_role("radio", name="Text").check()
    console.connect()
    console.page.get_by_role("button", name="Camera off").click()
    console.wait_for("state.framesSent >= 2", 30)
    console.page.get_by_role("textbox", name="Message").fill("What does my screen say?")
    console.page.get_by_role("button", name="Send").click()
    console.wait_for("state.turns.some((t) => t.complete && t.model.trim())", 120)
    reply = turns_with_reply(console)[-1]["model"]
    assert "pineapple" in reply.lower(), console.describe()
    console.screenshot("camera-read-back")


def test_tool_call_is_answered_by_the_page(text_server: LiveServer, open_console: Any) -> None:
    console = open_console(text_server)
    console.page.get_by_role("checkbox", name=re.compile("get_current_time")).check()
    console.connect()
    console.page.get_by_role("textbox", name="Message").fill(
        "What time is it now? Use the get_current_time tool."
    )
    console.page.get_by_role("button", name="Send").click()
    console.wait_for("state.toolCalls.length > 0", 120)
    console.wait_for("state.turns.some((t) => t.complete && t.model.trim())", 120)
    call = console.state()["toolCalls"][0]
    assert call["name"] == "get_current_time" and call["result"]["time"]
    answers = [m["toolResponse"] for m in console.sent_messages() if "toolResponse" in m]
    assert answers and answers[0]["functionResponses"][0]["response"] == call["result"]
    log = console.page.locator("#log").inner_text()
    assert "get_current_time" in log and call["result"]["time"] in log
