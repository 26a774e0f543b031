"""Images in a prompt made ready for the language model: sized for it, or described for it.

One :class:`FrameVision` serves one session. Given a prompt whose messages hold
image parts (:class:`~openlive.parts.ImagePart`), :meth:`FrameVision.prepare`
returns the prompt as the engine reads it:

- an engine that reads images (``LLMCapabilities.images``: an OpenAI-compatible
  vision model) gets each image no bigger than the session's ``mediaResolution``
  allows (an image already small enough is passed as sent, undecoded);
- any other engine gets, in each image's place, what the session's describer
  (:class:`~openlive.engines.base.ImageDescriber`) says of it, with the image
  before it in the prompt as ``previous`` (what changed).

It is blocking (decoding, describing) and runs in the worker thread of the
generation it prepares, never on the event loop. Each image is described once:
descriptions, and resized images, are kept in a small per-session cache keyed by
the image's digest. Only the newest image of a prompt is given in full; earlier ones
by the first line of their description (its summary), so a conversation over a
shared screen does not grow its prompt by a whole screen of text a turn. An earlier
image reads the same at every turn, its first summary kept, and so does one whose
bytes the history has dropped (:class:`~openlive.parts.RetiredImage`): a prompt the
engine has cached stays valid.

:meth:`FrameVision.see` makes a newly arrived frame ready (described, or scaled
for a model that reads images) ahead of the turn that will use it, in the process's
one background thread (:func:`background_executor`): only the newest waiting frame
of a session, so a flood of frames costs at most one piece of work at a time. A turn
whose streamed frame is not ready yet does not wait for it when an earlier frame of
the stream that looks like it was read: it gets that reading, marked with its age
(the voice's latency does not pay for reading a frame on its critical path); the
first frame of a stream, and an image sent in a turn, are read for the turn that
needs them. A frame seen before after the same frame (a screen switching back and
forth) is ready as it arrives. Once a frame is read ahead, ``on_read`` lets the
session's runtime read the next turn's prompt up to that frame into the engine's
cache while the user speaks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from openlive.engines.base import ChatMessage, ImageDescriber, capabilities
from openlive.errors import OpenliveError
from openlive.images import Resolution, check_image, decode, encode
from openlive.parts import EARLIER_IMAGE, ImagePart, Part, RetiredImage, TextPart, image_digest, text_of
from openlive.priority import PRIORITY

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

# Descriptions and resized images a session keeps (the frames a prompt holds are few).
CACHE_ENTRIES = 16


# An earlier image's summary (the first line of its description) is cut at this.
SUMMARY_CHARS = 200
# Streamed frames remembered by digest and arrival (no image bytes: about 100 bytes
# each), so a turn long after still knows a frame of its history was streamed.
STREAMED_FRAMES = 256
# Summaries of the frames described, by digest, for a prompt's earlier images.
SUMMARIES = 64
# Reading ahead waits at most this long for a reply's urgent work to end.
URGENT_WAIT_S = 2.0
# An earlier reading stands in for a frame not read yet only if the two look alike:
# in grey thumbnails of this size, at most this share of the pixels differ by more
# than this many grey levels (text scrolling or a line changing stays under it; a
# camera that starts black, or a switch to another window, does not).
THUMB_SIZE = (32, 18)
THUMB_DECODE_SIDE = 128
LOOKS_DIFFER_LEVELS = 32
LOOKS_ALIKE_SHARE = 0.25

_background_lock = threading.Lock()
_background: ThreadPoolExecutor | None = None


def background_executor() -> Executor:
    """The process's one thread for reading frames ahead of their turns.

    One thread for every session: frames read ahead cost at most half of one core
    (the OCR runs on one thread, which rests as long as each reading took), and each
    reading waits while a reply's urgent work runs (:data:`~openlive.priority.PRIORITY`).
    It keeps the usual OS priority: a thread at a lower one that holds the GIL when
    the scheduler passes it over stalls the event loop and every other thread of the
    process (measured: a session's ``goAway`` sent 76 ms late on the loaded machine).
    """
    global _background
    with _background_lock:
        if _background is None:
            _background = ThreadPoolExecutor(1, thread_name_prefix="openlive-frames")
        return _background


class FrameVision:
    """Prepares one session's prompts' images for its language model.

    Args:
        describer: Returns the describer to use (called on first need: the default
            one loads its models then).
        resolution: Returns the session's media resolution.
        executor: Where :meth:`see` describes frames ahead of their turn
            (:func:`background_executor` in the server); ``None``: never ahead.
        on_read: Called (in the executor's thread) with each frame described ahead,
            once its description is ready for a turn.
    """

    def __init__(
        self,
        describer: Callable[[], ImageDescriber],
        resolution: Callable[[], Resolution],
        executor: Executor | None = None,
        on_read: Callable[[ImagePart], None] | None = None,
    ) -> None:
        self._describer = describer
        self._resolution = resolution
        self._executor = executor
        self._on_read = on_read
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, ...], str | ImagePart] = OrderedDict()
        # Descriptions being made now, each with an event set when it is done.
        self._running: dict[tuple[str, ...], threading.Event] = {}
        # Describing ahead: the frame waiting, and whether one is being described now.
        self._waiting: tuple[ImagePart, ImagePart | None, bool] | None = None
        # Each frame seen ahead, by digest, and the image it was described after: the
        # turn describes it after the same one (its prompt may have dropped that image).
        self._previous: OrderedDict[str, ImagePart | None] = OrderedDict()
        self._busy = False
        # The newest streamed frame described: its digest, description and when it arrived.
        self._latest: tuple[str, str, float] | None = None
        # Grey thumbnails of the frames read, by digest: does a new frame look like one?
        self._looks: OrderedDict[str, bytes] = OrderedDict()
        self._arrived: OrderedDict[str, float] = OrderedDict()
        self._summaries: OrderedDict[str, str] = OrderedDict()
        self.described = 0

    # -- the prompt ------------------------------------------------------------------

    def prepare(
        self,
        engine: object,
        messages: Sequence[ChatMessage],
        newest_in_full: bool = True,
        said: list[str] | None = None,
    ) -> tuple[ChatMessage, ...]:
        """``messages`` as ``engine`` reads them. Blocking: call it in a worker thread.

        ``newest_in_full=False`` gives every image by its summary: the start of the next
        turn's prompt, read ahead while a reply plays, as it will be once that turn
        brings a newer frame. ``said``, when given, gets the text put in the newest
        image's place (an engine that reads images: nothing), so a caller can tell
        what the screen says without reading the prompt apart.

        Raises:
            InvalidArgument: An image cannot be decoded.
        """
        if not any(m.parts for m in messages):
            return tuple(messages)
        reads_images = capabilities(engine).images
        images = [part for m in messages for part in m.parts if isinstance(part, ImagePart)]
        newest = images[-1] if images and newest_in_full else None
        previous: ImagePart | None = None
        out: list[ChatMessage] = []
        for message in messages:
            if not message.parts:
                out.append(message)
                continue
            parts: list[Part] = []
            for part in message.parts:
                if isinstance(part, RetiredImage) and not reads_images:
                    parts.append(TextPart(self._retired(part)))
                elif isinstance(part, ImagePart):
                    if reads_images:
                        parts.append(self._sized(part))
                    else:
                        text = self._said(part, previous, full=part is newest)
                        if said is not None and part is newest:
                            said.append(text)
                        parts.append(TextPart(text))
                    previous = part
                else:
                    parts.append(part)
            content = "".join(text_of(p) for p in parts)
            out.append(ChatMessage(message.role, content, tuple(parts) if reads_images else ()))
        return tuple(out)

    def _sized(self, part: ImagePart) -> ImagePart:
        max_side = self._resolution().max_side
        key = (image_digest(part), "size", str(max_side))
        cached = self._cached(key)
        if isinstance(cached, ImagePart):
            return cached
        info = check_image(part.data, part.mime_type, _source(part))
        if max(info.width, info.height) <= max_side:
            sized = part  # small enough: the bytes as sent, never decoded here
        else:
            image = decode(part.data, max_side, _source(part))
            sized = ImagePart(encode(image, part.mime_type), part.mime_type)
        self._keep(key, sized)
        return sized

    def _said(self, part: ImagePart, previous: ImagePart | None, full: bool = True) -> str:
        """The text in an image's place: its description, or (``full=False``) its summary."""
        key = image_digest(part)
        with self._lock:
            streamed = key in self._arrived
            previous = self._previous.get(key, previous)
            latest = self._latest
            summary = self._summaries.get(key)
        if not full and summary is not None:
            return f"[an earlier image: {summary}]\n"
        text_key = _text_key(key, previous)
        cached = self._cached(text_key)
        if isinstance(cached, str):
            text = cached
        elif streamed and latest is not None and latest[0] != key and self._looks_like(part, latest[0]):
            # A frame of the stream not read yet that looks like the newest one read:
            # that reading, rather than make the turn wait for this one (it is read in
            # the background meanwhile).
            with self._lock:
                arrived = self._arrived.get(key, time.monotonic())
            age = max(1, round(arrived - latest[2]))
            text = f"{latest[1]}\n(Read from the screen {age} s before its newest frame, not read yet.)"
        else:
            text = self.describe(part, previous)
        if not full:
            return f"[an earlier image: {self._summarised(key, text)}]\n"
        return f"[image: {text}]\n"

    def _summarised(self, key: str, text: str) -> str:
        """The summary an earlier image reads as: the first one given, ever after.

        An earlier image's text must not change from turn to turn (a newer reading,
        its own reading coming in later), or the engine's cached prompt is lost
        from that turn on.
        """
        with self._lock:
            summary = self._summaries.setdefault(key, _summary(text))
            self._summaries.move_to_end(key)
            while len(self._summaries) > SUMMARIES:
                self._summaries.popitem(last=False)
            return summary

    def _retired(self, part: RetiredImage) -> str:
        """A retired image as it read while its bytes were kept (by its summary, when known)."""
        with self._lock:
            summary = self._summaries.get(part.digest)
        return f"[an earlier image: {summary}]\n" if summary is not None else EARLIER_IMAGE

    # -- describing ------------------------------------------------------------------

    def describe(self, part: ImagePart, previous: ImagePart | None = None) -> str:
        """What the describer says of ``part`` (after ``previous``); cached. Blocking.

        Raises:
            InvalidArgument: An image cannot be decoded.
        """
        key = _text_key(image_digest(part), previous)
        while True:
            cached = self._cached(key)
            if isinstance(cached, str):
                return cached
            with self._lock:
                # The same image being described ahead: wait for it rather than do it twice.
                running = self._running.get(key)
                if running is None:
                    self._running[key] = threading.Event()
                    break
            running.wait()
            if self._cached(key) is None:
                return self._describe(key, part, previous)  # the other attempt failed: try here
        return self._describe(key, part, previous)

    def _describe(self, key: tuple[str, ...], part: ImagePart, previous: ImagePart | None) -> str:
        try:
            return self._described(key, part, previous)
        finally:
            with self._lock:
                done = self._running.pop(key, None)
            if done is not None:
                done.set()

    def _described(self, key: tuple[str, ...], part: ImagePart, previous: ImagePart | None) -> str:
        max_side = self._resolution().max_side
        image = decode(part.data, max_side, _source(part))
        before = decode(previous.data, max_side, _source(previous)) if previous is not None else None
        try:
            text = self._describer().describe(image, before).strip()
        except OpenliveError:
            raise
        except Exception:  # noqa: BLE001 - a describer's bug costs the description, not the session
            log.exception("the image describer failed")
            text = ""
        text = text or f"a {image.width}x{image.height} image that could not be described"
        self._keep(key, text)
        thumb = _thumbnail(image)
        with self._lock:
            _put_bounded(self._looks, key[0], thumb, CACHE_ENTRIES)
            self.described += 1
            arrived = self._arrived.get(key[0])
            if arrived is not None and (self._latest is None or arrived >= self._latest[2]):
                self._latest = (key[0], text, arrived)  # the newest reading of the stream
        return text

    def _looks_like(self, part: ImagePart, read: str) -> bool:
        """Whether ``part`` looks like the frame read whose digest is ``read`` (unknown: it does)."""
        with self._lock:
            known = self._looks.get(read)
        if known is None:
            return True
        new = _thumbnail(decode(part.data, THUMB_DECODE_SIDE, _source(part)))
        differ = sum(abs(a - b) > LOOKS_DIFFER_LEVELS for a, b in zip(new, known, strict=True))
        return differ <= LOOKS_ALIKE_SHARE * len(known)

    def see(self, frame: ImagePart, previous: ImagePart | None, sized: bool = False) -> None:
        """A frame arrived: make it ready ahead of its turn, after the work running now.

        Only the newest frame waits; a frame that is replaced before its turn is never
        worked on. ``sized``: the engine reads images, so the frame is scaled to the
        resolution rather than described.
        """
        key = image_digest(frame)
        text_key = _text_key(key, previous)
        with self._lock:
            now = time.monotonic()
            self._previous[key] = previous
            _put_bounded(self._arrived, key, now, STREAMED_FRAMES)
            while len(self._previous) > CACHE_ENTRIES:
                self._previous.popitem(last=False)
            known = None if sized else self._cache.get(text_key)
            if isinstance(known, str):
                # The same picture after the same one was read before (a screen going
                # back and forth): ready now, and the newest reading of the stream.
                self._waiting = None
                self._latest = (key, known, now)
            else:
                self._waiting = (frame, previous, sized)
                if self._busy or self._executor is None:
                    return
                self._busy = True
        if isinstance(known, str):
            if self._on_read is not None:
                self._on_read(frame)
        elif self._executor is not None:
            self._executor.submit(self._describe_waiting)

    def _describe_waiting(self) -> None:
        while True:
            with self._lock:
                waiting, self._waiting = self._waiting, None
                if waiting is None:
                    self._busy = False
                    return
            # Work ahead of the user: it waits while a reply's urgent work runs.
            waited = time.monotonic()
            while not PRIORITY.step_aside() and time.monotonic() - waited < URGENT_WAIT_S:
                pass
            started = time.monotonic()
            try:
                frame, previous, sized = waiting
                with PRIORITY.ahead():  # its steps pause while a reply's urgent work runs
                    if sized:
                        self._sized(frame)
                    else:
                        self.describe(frame, previous)
                if not sized and self._on_read is not None:
                    self._on_read(frame)
            except OpenliveError:
                pass  # the turn that uses the frame reports it
            except Exception:  # noqa: BLE001 - a background failure must not stop later frames
                log.exception("reading a frame ahead failed")
            # Then it rests as long as that took: at most half of one core for the
            # whole server, whatever the frames cost.
            time.sleep(time.monotonic() - started)

    # -- cache -----------------------------------------------------------------------

    def _cached(self, key: tuple[str, ...]) -> str | ImagePart | None:
        with self._lock:
            value = self._cache.get(key)
            if value is not None:
                self._cache.move_to_end(key)
            return value

    def _keep(self, key: tuple[str, ...], value: str | ImagePart) -> None:
        with self._lock:
            _put_bounded(self._cache, key, value, CACHE_ENTRIES)


def _text_key(digest: str, previous: ImagePart | None) -> tuple[str, ...]:
    """The cache key of an image's description, read after ``previous``."""
    return (digest, "text", image_digest(previous) if previous is not None else "")


def _put_bounded(store: OrderedDict[K, V], key: K, value: V, limit: int) -> None:
    """Keep ``value`` as the newest entry of ``store``, dropping the oldest past ``limit``."""
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


def _thumbnail(image: Image.Image) -> bytes:
    """A tiny grey picture of ``image``, to tell whether two frames look alike."""
    return image.convert("L").resize(THUMB_SIZE).tobytes()


def _summary(text: str) -> str:
    """A description's first line, cut at ``SUMMARY_CHARS``."""
    line = text.split("\n", 1)[0]
    return line if len(line) <= SUMMARY_CHARS else line[: SUMMARY_CHARS - 3].rstrip() + "..."


def _source(part: ImagePart) -> str:
    return part.source or "an image in the conversation"
