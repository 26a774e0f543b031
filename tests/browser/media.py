"""The fake devices' input: speech as a WAV file (espeak-ng) and a camera picture with text (y4m).

Chromium plays these through ``--use-file-for-fake-audio-capture`` and
``--use-file-for-fake-video-capture`` as if a microphone and a camera produced them.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tests.e2e.speech import silence, speak

WAV_RATE = 48_000


def write_speech_wav(path: Path, *phrases: tuple[str, float], lead_s: float = 1.0) -> Path:
    """Write ``phrases`` (text, silence after it in seconds) as one 16-bit mono WAV at 48 kHz."""
    pcm = silence(lead_s, WAV_RATE)
    for text, pause_s in phrases:
        pcm += speak(text, WAV_RATE, lead_s=0.0, tail_s=pause_s)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(WAV_RATE)
        out.writeframes(pcm)
    return path


def text_picture(text: str, size: tuple[int, int] = (640, 360)) -> Image.Image:
    """Black text, large, on a white picture."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=72)
    box = draw.textbbox((0, 0), text, font=font)
    where = ((size[0] - (box[2] - box[0])) // 2, (size[1] - (box[3] - box[1])) // 2)
    draw.text(where, text, fill="black", font=font)
    return image


def write_y4m(path: Path, image: Image.Image, frames: int = 2) -> Path:
    """``image`` as a YUV 4:2:0 y4m video of a few identical frames (Chromium loops it)."""
    width, height = image.size
    ycbcr = np.asarray(image.convert("YCbCr"))
    y = ycbcr[:, :, 0]
    # 4:2:0: chroma at half the size both ways (an average of each 2x2 block).
    chroma = [
        ycbcr[:, :, c].reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)).round().astype(np.uint8)
        for c in (1, 2)
    ]
    frame = b"FRAME\n" + y.tobytes() + chroma[0].tobytes() + chroma[1].tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F1:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)
    return path
