r"""Share your screen with openlive while you type questions about it.

Frames go out once a second as `send_realtime_input(video=...)`, the way the Live
API's screen-sharing examples send them; each question you type is answered
from the newest frame. The screen is captured with Pillow's ImageGrab (X11,
macOS, Windows); give an image file (a window screenshot) to share that instead,
and without a display a frame is drawn with Pillow from --text.

    export SSL_CERT_FILE=$(.venv/bin/openlive cert)
    .venv/bin/python examples/python_screen.py              # your screen; type questions
    .venv/bin/python examples/python_screen.py window.png   # a window image
    .venv/bin/python examples/python_screen.py --text "Invoice total: 42.50 EUR" \
        --ask "What does my screen say?"              # one question, then exit

The server is at OPENLIVE_BASE_URL (default https://localhost:8443); the key is
GEMINI_API_KEY (any key is accepted by a server with no keys configured).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
from typing import Any

from google import genai
from google.genai import types
from PIL import Image, ImageDraw, ImageFont

FRAME_INTERVAL_S = 1.0

client = genai.Client(
    api_key=os.environ.get("GEMINI_API_KEY", "any-key-on-loopback"),
    http_options={"base_url": os.environ.get("OPENLIVE_BASE_URL", "https://localhost:8443")},
)
model = "gemini-2.0-flash-live-001"


def drawn_screen(text: str) -> Image.Image:
    """A 1280x720 'screen' with a window title and ``text`` in it."""
    image = Image.new("RGB", (1280, 720), (236, 239, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 60), fill=(45, 55, 72))
    draw.text((24, 14), "Notes", fill=(255, 255, 255), font=ImageFont.load_default(size=30))
    draw.text((60, 160), text, fill=(20, 20, 20), font=ImageFont.load_default(size=44))
    return image


def grab(source: str | None, text: str) -> Image.Image:
    """The frame to share now: the image file, the screen, or a drawn screen."""
    if source:
        return Image.open(source).convert("RGB")
    if not text:
        try:
            from PIL import ImageGrab

            return ImageGrab.grab().convert("RGB")
        except OSError as error:  # no display to capture
            print(f"(cannot capture the screen: {error}; sharing a drawn one)", file=sys.stderr)
    return drawn_screen(text or "Hello from openlive")


def jpeg(image: Image.Image) -> bytes:
    """The frame as JPEG, no bigger than 1920x1080."""
    image.thumbnail((1920, 1080))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


async def share(session: Any, source: str | None, text: str) -> None:
    """Send a frame of the screen every second."""
    while True:
        frame = await asyncio.to_thread(lambda: jpeg(grab(source, text)))
        await session.send_realtime_input(video=types.Blob(data=frame, mime_type="image/jpeg"))
        await asyncio.sleep(FRAME_INTERVAL_S)


async def ask(session: Any, question: str) -> None:
    """Send one typed question and print the answer as it streams."""
    await session.send_realtime_input(text=question)
    async for response in session.receive():
        if response.text is not None:
            print(response.text, end="", flush=True)
    print()


async def main(source: str | None, text: str, question: str | None, resolution: str) -> None:
    """Share the screen and answer questions about it (one, with ``question``; else typed ones)."""
    config: dict[str, Any] = {
        "response_modalities": ["TEXT"],
        "media_resolution": getattr(types.MediaResolution, f"MEDIA_RESOLUTION_{resolution}"),
        # Without compression a session with video ends after 2 minutes.
        "context_window_compression": {"sliding_window": {}},
    }
    async with client.aio.live.connect(model=model, config=config) as session:
        sharing = asyncio.create_task(share(session, source, text))
        try:
            await asyncio.sleep(FRAME_INTERVAL_S)  # the first frame is on its way
            if question:
                await ask(session, question)
                return
            print("Sharing your screen. Type a question about it (Ctrl-D to stop).", file=sys.stderr)
            while line := await asyncio.to_thread(sys.stdin.readline):
                if line.strip():
                    await ask(session, line.strip())
        finally:
            sharing.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("image", nargs="?", help="an image file to share instead of the screen")
    parser.add_argument("--text", default="", help="share a drawn screen showing this text")
    parser.add_argument("--ask", help="ask this one question, print the answer and exit")
    parser.add_argument("--resolution", default="MEDIUM", choices=["LOW", "MEDIUM", "HIGH"])
    args = parser.parse_args()
    asyncio.run(main(args.image, args.text, args.ask, args.resolution))
