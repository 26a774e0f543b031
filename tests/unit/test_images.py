"""Images from clients: header checks, decoding within bounds, mediaResolution's sizes and tokens."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from openlive.errors import CLOSE_INVALID_ARGUMENT, InvalidArgument
from openlive.images import (
    DEFAULT_RESOLUTION,
    MAX_IMAGE_BYTES,
    check_image,
    decode,
    resolution,
)

PATH = "realtimeInput.video"


def encoded(
    width: int, height: int, fmt: str = "JPEG", colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=fmt)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` (its data is a few bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


@pytest.mark.parametrize(
    ("fmt", "mime"), [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("JPEG", "image/jpg")]
)
def test_a_real_image_passes_with_its_size(fmt: str, mime: str) -> None:
    info = check_image(encoded(640, 360, fmt), mime, PATH)
    assert (info.format, info.width, info.height) == (fmt, 640, 360)


def test_a_progressive_jpeg_with_exif_passes() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "a description" * 20
    Image.new("RGB", (300, 200), (10, 20, 30)).save(out, format="JPEG", progressive=True, exif=exif)
    assert check_image(out.getvalue(), "image/jpeg", PATH).width == 300


@pytest.mark.parametrize(
    ("data", "mime", "reason"),
    [
        (b"garbage bytes, not a picture", "image/jpeg", "realtimeInput.video.data is not a JPEG image"),
        (encoded(8, 8, "PNG"), "image/jpeg", "realtimeInput.video.data is not a JPEG image"),
        (encoded(8, 8, "JPEG"), "image/png", "realtimeInput.video.data is not a PNG image"),
        (
            encoded(8, 8),
            "image/gif",
            "realtimeInput.video.mimeType 'image/gif' is not a supported image type",
        ),
        (encoded(8, 8), "text/plain", "realtimeInput.video.mimeType 'text/plain' is not a supported"),
        (b"", "image/png", "realtimeInput.video.data is empty"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", "is not a readable JPEG image"),
        (png_declaring(100_000, 100_000), "image/png", "declares 100000x100000 pixels, over the limit"),
        (png_declaring(5000, 5000), "image/png", "declares 5000x5000 pixels, over the limit"),
        (png_declaring(0, 10), "image/png", "declares an empty image"),
        (encoded(8, 8), "image/jpeg" + ";x" * 200, "video.mimeType is 410 characters, over 255"),
    ],
)
def test_bad_images_are_refused_naming_the_field(data: bytes, mime: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_image(data, mime, PATH)
    assert reason in error.value.reason
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT


def test_an_oversized_image_is_refused_before_its_header_is_read() -> None:
    data = b"\xff\xd8\xff" + b"\x00" * MAX_IMAGE_BYTES
    with pytest.raises(InvalidArgument, match=f"over the limit of {MAX_IMAGE_BYTES}"):
        check_image(data, "image/jpeg", PATH)


def test_a_real_png_bomb_is_refused_from_its_header() -> None:
    # 6000 x 6000 one-bit pixels compress to a few kilobytes.
    out = io.BytesIO()
    Image.new("1", (6000, 6000), 0).save(out, format="PNG")
    bomb = out.getvalue()
    assert len(bomb) < 100_000
    with pytest.raises(InvalidArgument, match="6000x6000 pixels"):
        check_image(bomb, "image/png", PATH)


def test_a_jpeg_with_endless_tiny_segments_is_refused_quickly() -> None:
    data = b"\xff\xd8" + b"\xff\xfe\x00\x02" * 100_000
    with pytest.raises(InvalidArgument, match="not a readable JPEG"):
        check_image(data, "image/jpeg", PATH)


def test_a_truncated_image_fails_to_decode_with_the_field_named() -> None:
    data = encoded(320, 240)[:300]
    check_image(data, "image/jpeg", PATH)  # the header is whole
    with pytest.raises(InvalidArgument, match="realtimeInput.video.data could not be decoded"):
        decode(data, 1024, PATH)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_decoding_scales_down_to_the_longest_side_wanted(fmt: str) -> None:
    image = decode(encoded(3000, 1500, fmt), 512)
    assert image.mode == "RGB" and max(image.size) <= 512 and image.size[0] == 2 * image.size[1]
    assert decode(encoded(300, 200, fmt), 512).size == (300, 200)


def test_resolutions_set_the_engines_image_size_and_the_tokens() -> None:
    low, medium, high = (resolution(f"MEDIA_RESOLUTION_{n}") for n in ("LOW", "MEDIUM", "HIGH"))
    assert low.max_side < medium.max_side < high.max_side
    assert resolution(None) is DEFAULT_RESOLUTION
    assert resolution("MEDIA_RESOLUTION_UNSPECIFIED") is DEFAULT_RESOLUTION
    assert (low.frame_tokens, medium.frame_tokens, high.frame_tokens) == (66, 258, 258)
    # Up to 384 pixels both ways: one 258-token image; bigger: 258 per 768x768 tile.
    assert medium.image_tokens(384, 384) == 258
    assert medium.image_tokens(1280, 720) == 2 * 258
    assert medium.image_tokens(1920, 1080) == 3 * 2 * 258
    assert low.image_tokens(1920, 1080) == 66
