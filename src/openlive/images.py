"""Images from clients: checked cheaply on arrival, decoded off the event loop, sized per mediaResolution.

Checking (:func:`check_image`) reads only the header: the MIME type must be one
served (JPEG or PNG), the bytes must start with that format's signature, and the
width and height the header declares must be within :data:`MAX_SIDE` and
:data:`MAX_PIXELS`, so a small file that would decode to gigabytes (a
"decompression bomb") is refused before any pixel is decoded. It costs
microseconds and runs where the message is read.

Decoding (:func:`decode`) is blocking: it runs in a worker thread. It checks the
size Pillow itself reads against the same bounds before loading the pixels, and
asks the JPEG decoder for a reduced scale when the image is far bigger than what
is wanted (``draft``), so a 4K frame costs what a 1080p one does.

Token accounting follows the Gemini API's published rules for Gemini 2.x models
(the Live API's): an image up to 384 pixels on both sides is 258 tokens; a bigger
one is cut into 768x768 tiles of 258 tokens each; a video frame is 258 tokens, or
66 at ``MEDIA_RESOLUTION_LOW``. openlive applies the same counts, and the
resolution also sets the longest side of the image an engine is given.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openlive.errors import InvalidArgument

if TYPE_CHECKING:
    from PIL import Image

# The most bytes one image may have (a frame is usually 30-300 KB).
MAX_IMAGE_BYTES = 4 * 1024 * 1024
# The most pixels an image may declare (4096 x 4096; a 5K screen fits).
MAX_PIXELS = 4096 * 4096
# The longest side an image may declare.
MAX_SIDE = 8192
# Segments a JPEG header may have before its frame header: bounds the scan.
_MAX_JPEG_SEGMENTS = 512

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# The JPEG markers that start a frame header (SOF0-SOF15 but DHT, JPG and DAC).
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers with no length field: TEM, RST0-7, SOI, EOI.
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xDA)})

# MIME types served, and the format each names.
FORMATS = {"image/jpeg": "JPEG", "image/jpg": "JPEG", "image/png": "PNG"}
# A MIME type with its parameters (RFC 6838 allows 127 characters for type and subtype each);
# the type is kept with the image in the history, so a longer one is refused, not stored.
MAX_MIME_CHARS = 255


@dataclass(frozen=True)
class ImageInfo:
    """What an image's header says.

    Attributes:
        format: ``JPEG`` or ``PNG``.
        width: Pixels across.
        height: Pixels down.
    """

    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Resolution:
    """What one ``mediaResolution`` setting means here.

    Attributes:
        name: The enum name (``MEDIA_RESOLUTION_LOW``...).
        max_side: The longest side of the image an engine (or describer) is given.
        frame_tokens: Tokens of one video frame.
        low: Images are counted at the low rate (one frame's tokens each).
    """

    name: str
    max_side: int
    frame_tokens: int
    low: bool = False

    def image_tokens(self, width: int, height: int) -> int:
        """Tokens of an image of ``width`` x ``height`` sent in a turn."""
        if self.low:
            return self.frame_tokens
        if width <= 384 and height <= 384:
            return 258
        return math.ceil(width / 768) * math.ceil(height / 768) * 258


RESOLUTIONS = {
    "MEDIA_RESOLUTION_LOW": Resolution("MEDIA_RESOLUTION_LOW", 512, 66, low=True),
    "MEDIA_RESOLUTION_MEDIUM": Resolution("MEDIA_RESOLUTION_MEDIUM", 1024, 258),
    "MEDIA_RESOLUTION_HIGH": Resolution("MEDIA_RESOLUTION_HIGH", 2048, 258),
}
# Unset: as HIGH for what the engine sees (screen text needs the pixels), and the
# Live API's default counts (258 a frame, 258 a tile).
DEFAULT_RESOLUTION = Resolution("MEDIA_RESOLUTION_UNSPECIFIED", 2048, 258)


def resolution(name: str | None) -> Resolution:
    """The :class:`Resolution` a ``mediaResolution`` value names (unset or unspecified: the default)."""
    return RESOLUTIONS.get(name or "", DEFAULT_RESOLUTION)


def is_image_type(mime_type: str) -> bool:
    """Whether ``mime_type`` names an image or video (whether served or not)."""
    return mime_type.lower().startswith(("image/", "video/"))


def check_image(data: bytes, mime_type: str, path: str) -> ImageInfo:
    """Check an image from its header alone: type, signature, size, declared pixels.

    Args:
        data: The encoded image.
        mime_type: The MIME type the client gave.
        path: The field it came in (``realtimeInput.video``), for error reasons.

    Returns:
        Its format and declared size.

    Raises:
        InvalidArgument: The image is of a type not served, is not what its type
            says, is too big, or declares too many pixels.
    """
    if len(mime_type) > MAX_MIME_CHARS:
        raise InvalidArgument(
            f"{path}.mimeType is {len(mime_type)} characters, over {MAX_MIME_CHARS}; "
            "send image/jpeg or image/png"
        )
    kind = FORMATS.get(mime_type.split(";")[0].strip().lower())
    if kind is None:
        raise InvalidArgument(
            f"{path}.mimeType {mime_type[:40]!r} is not a supported image type; send image/jpeg or image/png"
        )
    if not data:
        raise InvalidArgument(f"{path}.data is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidArgument(
            f"{path}.data is {len(data)} bytes, over the limit of {MAX_IMAGE_BYTES}; send a smaller image"
        )
    width, height = _png_size(data, path) if kind == "PNG" else _jpeg_size(data, path)
    if width <= 0 or height <= 0:
        raise InvalidArgument(f"{path}.data declares an empty image ({width}x{height})")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidArgument(
            f"{path}.data declares {width}x{height} pixels, over the limit of {MAX_PIXELS} "
            f"(and {MAX_SIDE} a side); scale the image down"
        )
    return ImageInfo(kind, width, height)


def _png_size(data: bytes, path: str) -> tuple[int, int]:
    if not data.startswith(_PNG_SIGNATURE):
        raise InvalidArgument(f"{path}.data is not a PNG image (no PNG signature)")
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise InvalidArgument(f"{path}.data is not a PNG image (no IHDR header)")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes, path: str) -> tuple[int, int]:
    if not data.startswith(_JPEG_SIGNATURE):
        raise InvalidArgument(f"{path}.data is not a JPEG image (no JPEG signature)")
    at = 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        # A marker: 0xFF, any fill bytes 0xFF, then the marker code.
        while at < len(data) and data[at] == 0xFF:
            at += 1
        if at >= len(data) or data[at - 1] != 0xFF:
            break
        marker = data[at]
        at += 1
        if marker in _STANDALONE_MARKERS:
            continue
        if at + 2 > len(data):
            break
        (length,) = struct.unpack(">H", data[at : at + 2])
        if marker in _SOF_MARKERS:
            if length < 7 or at + 7 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 3 : at + 7])
            return int(width), int(height)
        if length < 2:
            break
        at += length
    raise InvalidArgument(f"{path}.data is not a readable JPEG image (no frame header found)")


def decode(data: bytes, max_side: int, path: str = "image") -> Image.Image:
    """Decode an image to RGB, no bigger than ``max_side`` on its longer side. Blocking.

    Args:
        data: An image that passed :func:`check_image`.
        max_side: The longest side wanted; bigger images are scaled down.
        path: The field it came in, for error reasons.

    Returns:
        The decoded RGB image.

    Raises:
        InvalidArgument: The image cannot be decoded (truncated, corrupt) or
            declares too many pixels.
    """
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG"))
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise InvalidArgument(f"{path}.data is {width}x{height} pixels, over the limit of {MAX_PIXELS}")
        scale = min(1.0, max_side / max(width, height))
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        if image.format == "JPEG" and scale < 1:
            # The decoder scales by 1/2, 1/4 or 1/8 as it decodes (never below the
            # target): far less work than decoding every pixel and scaling after.
            image.draft("RGB", target)
        image.load()
        rgb = image.convert("RGB")
    except InvalidArgument:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidArgument(f"{path}.data could not be decoded as an image: {str(exc)[:80]}") from None
    if rgb.size != target and scale < 1:
        # reducing_gap: whole-pixel reduction first, then a bilinear pass over what is left.
        rgb = rgb.resize(target, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return rgb


def encode(image: Image.Image, mime_type: str) -> bytes:
    """``image`` encoded as ``mime_type`` (PNG stays lossless; JPEG at quality 85). Blocking."""
    out = io.BytesIO()
    if FORMATS.get(mime_type.lower()) == "PNG":
        image.save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format="JPEG", quality=85)
    return out.getvalue()
