"""A fake image describer for tests: says what it was given, and records it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


def size_text(image: Image.Image, previous: Image.Image | None) -> str:
    """The default script: the image's size, and whether there was one before."""
    before = f" after a {previous.width}x{previous.height} image" if previous is not None else ""
    return f"a {image.width}x{image.height} picture{before}"


class FakeDescriber:
    """An :class:`~openlive.engines.base.ImageDescriber` that answers from a script.

    Args:
        script: Maps the image (and the one before) to the description.
        delay_s: Seconds each description takes (a slow OCR model).

    Attributes:
        calls: The size of every image described, in order.
    """

    def __init__(
        self,
        script: Callable[[Image.Image, Image.Image | None], str] = size_text,
        delay_s: float = 0.0,
    ) -> None:
        self._script = script
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self.calls: list[tuple[int, int]] = []

    def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
        """The script's description of ``image``, after ``delay_s``."""
        with self._lock:
            self.calls.append(image.size)
        if self._delay_s:
            threading.Event().wait(self._delay_s)
        return self._script(image, previous)
