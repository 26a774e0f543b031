"""The image describer the server uses when no one names another: built once, on first use.

The embedded default is the screen reader (:class:`openlive.engines.screen_reader.ScreenReader`:
text on screen by OCR, its layout, what changed). Where it is not installed (its
module or its OCR package missing), the server falls back to
:class:`~openlive.engines.image_summary.ImageSummary`, which says only an image's
size and colours, and logs that it did.
"""

from __future__ import annotations

import importlib
import logging
import threading

from openlive.engines.base import ImageDescriber
from openlive.engines.image_summary import ImageSummary
from openlive.errors import ConfigError

log = logging.getLogger(__name__)

_lock = threading.Lock()
_default: ImageDescriber | None = None


def default_describer() -> ImageDescriber:
    """The process's embedded describer (the screen reader, or the colour summary without it).

    Built on the first call (the OCR models load then) and shared: describers are
    safe to use from several threads.
    """
    global _default
    with _lock:
        if _default is None:
            _default = _build()
        return _default


def _build() -> ImageDescriber:
    try:
        module = importlib.import_module("openlive.engines.screen_reader")
        reader: ImageDescriber = module.ScreenReader()
    except (ImportError, ConfigError, OSError) as error:
        log.warning("images are described by size and colour only: no screen reader (%s)", error)
        return ImageSummary()
    log.info("images are described by the embedded screen reader (OCR)")
    return reader
