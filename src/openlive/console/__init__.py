"""The browser console's files: a page, its script and style, two audio worklets, and the SDK.

The files live in ``static/`` inside the package. ``genai.js`` is the official
``@google/genai`` SDK bundled by esbuild (``make console-bundle``, sources in the
repository's ``console/`` directory) and committed, so the server needs neither the
network nor Node at run time. The routes that serve these files are in
``openlive.server.console``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

# Every file the console serves, and its media type; nothing else under static/ is served.
MEDIA_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "audio.js": "text/javascript; charset=utf-8",
    "resample.js": "text/javascript; charset=utf-8",
    "capture-worklet.js": "text/javascript; charset=utf-8",
    "playback-worklet.js": "text/javascript; charset=utf-8",
    "genai.js": "text/javascript; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    """One console file, read into memory.

    Attributes:
        body: The file's bytes.
        media_type: Its ``Content-Type``.
    """

    body: bytes
    media_type: str


@functools.cache
def asset(name: str) -> Asset | None:
    """The console file called ``name``, or ``None`` if the console has no such file.

    Files are read once per process (together they are about half a megabyte).
    """
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        return None
    return Asset((resources.files("openlive.console") / "static" / name).read_bytes(), media_type)
