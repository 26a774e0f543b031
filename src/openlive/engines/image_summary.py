"""The plainest honest image describer: size, brightness, dominant colours, what changed.

It reads no text and recognises no objects; it says only what can be computed
reliably from the pixels. It is the describer when the embedded screen reader
(:mod:`openlive.engines.screen_reader`, OCR) is not installed, and a baseline to
compare describers against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

# Named colours, in RGB: a pixel takes the nearest name.
_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "dark grey": (64, 64, 64),
    "grey": (128, 128, 128),
    "light grey": (192, 192, 192),
    "white": (255, 255, 255),
    "red": (200, 30, 30),
    "orange": (240, 140, 20),
    "yellow": (240, 220, 40),
    "green": (40, 160, 60),
    "teal": (20, 140, 140),
    "blue": (40, 80, 200),
    "light blue": (120, 180, 240),
    "purple": (130, 50, 170),
    "pink": (240, 140, 190),
    "brown": (120, 75, 40),
}
_NAMES = list(_COLOURS)
_PALETTE = np.array([_COLOURS[n] for n in _NAMES], dtype=np.float32)
# The image is looked at this small: colours and changes need no more.
_SAMPLE_SIDE = 64
# A colour is named when it covers at least this share of the image.
_MIN_SHARE = 0.08
# A sampled pixel counts as changed when it moved this much (0-255 per channel, mean).
_CHANGE_LEVEL = 24.0


class ImageSummary:
    """Describes an image by its size, brightness and dominant colours, and what changed.

    Safe to use from several threads (it keeps no state).
    """

    def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
        """A one-sentence description of ``image``; see the module doc for what it can say."""
        width, height = image.size
        pixels = _sample(image)
        flat = pixels.reshape(-1, 3)
        nearest = np.argmin(((flat[:, None, :] - _PALETTE[None, :, :]) ** 2).sum(axis=2), axis=1)
        shares = np.bincount(nearest, minlength=len(_NAMES)) / len(nearest)
        order = [i for i in np.argsort(-shares) if shares[i] >= _MIN_SHARE][:3]
        colours = ", ".join(f"{_NAMES[i]} ({round(100 * shares[i])}%)" for i in order)
        brightness = float(flat.mean()) / 255
        tone = "dark" if brightness < 0.3 else "bright" if brightness > 0.7 else "medium-bright"
        text = f"A {width}x{height} {tone} image; mostly {colours or 'mixed colours'}."
        if previous is not None:
            text += " " + _change(pixels, _sample(previous))
        return text + " (Only colours and size are known: no text or objects were recognised.)"


def _sample(image: Image.Image) -> np.ndarray:
    from PIL import Image as PILImage

    small = image.convert("RGB").resize((_SAMPLE_SIDE, _SAMPLE_SIDE), PILImage.Resampling.BILINEAR)
    return np.asarray(small, dtype=np.float32)


def _change(now: np.ndarray, before: np.ndarray) -> str:
    moved = np.abs(now - before).mean(axis=2) > _CHANGE_LEVEL
    share = float(moved.mean())
    if share == 0:
        return "Nothing changed since the previous image."
    rows = np.nonzero(moved.any(axis=1))[0]
    cols = np.nonzero(moved.any(axis=0))[0]
    where = located(region(float(cols.mean()) / _SAMPLE_SIDE, float(rows.mean()) / _SAMPLE_SIDE))
    return f"About {max(1, round(100 * share))}% of it changed since the previous image, mostly {where}."


def region(x: float, y: float) -> str:
    """Where a point is on a picture, in words: "the top left", "the centre", "the right"...

    The one way describers name a place: the picture in thirds each way.

    Args:
        x: Across, 0 (left edge) to 1 (right edge).
        y: Down, 0 (top edge) to 1 (bottom edge).
    """
    row = "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else "middle"
    column = "left" if x < 1 / 3 else "right" if x > 2 / 3 else "centre"
    if row == "middle":
        return "the centre" if column == "centre" else f"the {column}"
    return f"the {row}" if column == "centre" else f"the {row} {column}"


def located(where: str) -> str:
    """A :func:`region` with its preposition: "at the top left", "in the centre", "on the left"."""
    if where == "the centre":
        return "in the centre"
    if where in ("the left", "the right"):
        return f"on {where}"
    return f"at {where}"
