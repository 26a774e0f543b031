"""Video and screen sharing through the official Python SDK against the real server.

- The Live API documentation's ``mediaResolution`` example: frames sent with
  ``send_realtime_input(video=...)`` at ``MEDIA_RESOLUTION_LOW``, answered, and
  counted as 66 video tokens each in ``usageMetadata``.
- Text on a shared screen (frames drawn with Pillow), read back when the user
  types or says "what does my screen say?". These need the embedded screen
  reader (``openlive.engines.screen_reader``, OCR; built on the ``vision``
  branch): without it the server describes frames by size and colour only, and
  these tests are skipped, saying so.
- A camera-style frame through the OpenAI-compatible engine: a vision endpoint on
  loopback (the engine's ``images = true``) gets the frame as an ``image_url``
  data URI at the session's resolution.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from PIL import Image, ImageDraw, ImageFont

from tests.e2e import speech
from tests.e2e.conftest import LiveServer, start_server, stop_server

pytestmark = pytest.mark.e2e

MODEL = "gemini-2.0-flash-live-001"
TIMEOUT_S = 120.0
needs_screen_reader = pytest.mark.skipif(
    importlib.util.find_spec("openlive.engines.screen_reader") is None,
    reason="needs the embedded screen reader (openlive.engines.screen_reader, OCR) to read screen text",
)

# What the shared screens say: each test frame shows one of these, and the answer
# must name its key word.
SCREENS = [
    ("The launch code is PINEAPPLE", "pineapple"),
    ("Meeting moved to Thursday", "thursday"),
    ("Invoice total: 4250 dollars", "4250"),
]


def screen(text: str, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A 1280x720 screen frame: a title bar and one line of large UI text."""
    image = Image.new("RGB", size, (240, 242, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 60), fill=(40, 52, 70))
    draw.text((24, 14), "Notes", fill=(255, 255, 255), font=ImageFont.load_default(size=30))
    draw.text((80, 220), text, fill=(15, 15, 15), font=ImageFont.load_default(size=56))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def camera(size: tuple[int, int] = (1920, 1080)) -> bytes:
    """A camera-style frame: gradients and a bright round object."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    ImageDraw.Draw(image).ellipse((700, 300, 1100, 700), fill=(230, 160, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def frame_blob(data: bytes) -> types.Blob:
    return types.Blob(data=data, mime_type="image/jpeg")


async def reply_to(session: Any) -> tuple[str, list[types.LiveServerMessage]]:
    messages = []
    async for message in session.receive():
        messages.append(message)
    return "".join(m.text or "" for m in messages), messages


async def test_the_documented_media_resolution_example(genai_client: Any) -> None:
    # As the documentation writes it.
    config = types.LiveConnectConfig(
        response_modalities=[types.Modality.TEXT],
        media_resolution=types.MediaResolution.MEDIA_RESOLUTION_LOW,
    )
    async with asyncio.timeout(TIMEOUT_S):
        async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_realtime_input(video=frame_blob(camera()))
            await session.send_realtime_input(text="Describe what you see in one sentence.")
            text, messages = await reply_to(session)
    assert text.strip()
    (usage,) = [m.usage_metadata for m in messages if m.usage_metadata is not None]
    details = {d.modality: d.token_count for d in usage.prompt_tokens_details or []}
    assert details[types.MediaModality.VIDEO] == 66


@needs_screen_reader
@pytest.mark.parametrize(("shown", "key"), SCREENS)
async def test_typed_what_does_my_screen_say_is_answered_with_its_text(
    genai_client: Any, shown: str, key: str
) -> None:
    # Greedy: the tiny default model sampled at its default temperature sometimes
    # answers beside the question (once in a CI run; 12 runs here passed); what is tested is that the
    # screen's text reaches the model, not the model's luck.
    config = {
        "response_modalities": ["TEXT"],
        "temperature": 0.0,
        "context_window_compression": {"sliding_window": {}},
    }
    async with asyncio.timeout(TIMEOUT_S):
        async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
            for _ in range(2):  # a second of screen sharing
                await session.send_realtime_input(video=frame_blob(screen(shown)))
            await session.send_realtime_input(text="What does my screen say?")
            text, _ = await reply_to(session)
    assert key in text.lower(), text


@needs_screen_reader
@pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the spoken question; install it")
async def test_spoken_what_does_my_screen_say_is_answered_with_its_text(genai_client: Any) -> None:
    shown, key = SCREENS[0]
    config = {
        "response_modalities": ["AUDIO"],
        "temperature": 0.0,  # greedy, as in the typed test
        "output_audio_transcription": {},
        "input_audio_transcription": {},
        "context_window_compression": {"sliding_window": {}},
    }
    pcm = speech.speak("What does my screen say?", 16_000)
    async with asyncio.timeout(TIMEOUT_S):
        async with genai_client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_realtime_input(video=frame_blob(screen(shown)))
            for chunk in speech.chunks(pcm, 16_000, 20):
                await session.send_realtime_input(
                    audio=types.Blob(data=chunk, mime_type="audio/pcm;rate=16000")
                )
                await asyncio.sleep(0.02)
            said = ""
            async for message in session.receive():
                content = message.server_content
                if content and content.output_transcription and content.output_transcription.text:
                    said += content.output_transcription.text
    assert key in said.lower(), said


class _VisionEndpoint(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that reports the image sizes it was sent."""

    sizes: list[tuple[int, int]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        sizes = []
        for message in body.get("messages", []):
            if isinstance(message["content"], list):
                for item in message["content"]:
                    if item["type"] == "image_url":
                        data = base64.b64decode(item["image_url"]["url"].split(",", 1)[1])
                        sizes.append(Image.open(io.BytesIO(data)).size)
        type(self).sizes.extend(sizes)
        if not self.path.endswith("/chat/completions"):
            self.send_response(404)
            self.end_headers()
            return
        chunk = {"choices": [{"index": 0, "delta": {"content": f"I see an image of {sizes}."}}]}
        payload = f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def vision_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`openlive serve` whose model is an OpenAI-compatible vision endpoint on loopback."""
    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), _VisionEndpoint)
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    tmp = tmp_path_factory.mktemp("vision")
    config = Path(tmp / "openlive.toml")
    config.write_text(
        f"""
[engines.vision]
type = "openai"
base_url = "http://127.0.0.1:{endpoint.server_address[1]}/v1"
model = "a-vision-model"
context_size = 8192
images = true

[models]
"{MODEL}" = "vision"
"""
    )
    server = start_server(tmp, "--config", str(config), "--no-voice")
    yield server
    stop_server(server)
    endpoint.shutdown()


@pytest.mark.parametrize(
    ("resolution", "size"),
    [
        (types.MediaResolution.MEDIA_RESOLUTION_LOW, (512, 288)),
        (types.MediaResolution.MEDIA_RESOLUTION_MEDIUM, (1024, 576)),
    ],
)
async def test_a_camera_frame_reaches_a_vision_engine_at_the_sessions_resolution(
    vision_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    resolution: types.MediaResolution,
    size: tuple[int, int],
) -> None:
    from google import genai

    assert vision_server.cert is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(vision_server.cert))
    client = genai.Client(api_key="GEMINI_API_KEY", http_options={"base_url": vision_server.base_url})
    _VisionEndpoint.sizes.clear()
    config = {"response_modalities": ["TEXT"], "media_resolution": resolution}
    async with asyncio.timeout(TIMEOUT_S):
        async with client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_realtime_input(video=frame_blob(camera()))
            await session.send_realtime_input(text="What is in front of the camera?")
            text, _ = await reply_to(session)
    assert _VisionEndpoint.sizes == [size]
    assert str(size) in text
