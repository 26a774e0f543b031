"""Drive a blocking iterator in a worker thread and consume it from asyncio.

Engines are synchronous; this bridge keeps their work off the event loop so one
session's model call never delays another session's messages.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


async def iterate_in_thread(
    make_iterator: Callable[[], Iterator[T]],
    cancel: threading.Event,
    executor: Executor | None = None,
    max_ahead: int = 16,
) -> AsyncIterator[T]:
    """Yield the items of ``make_iterator()``, which runs in a worker thread.

    Args:
        make_iterator: Builds the blocking iterator; called in the worker thread.
        cancel: Set when the consumer stops before the end (or is cancelled), so
            the producer can stop at its next item.
        executor: Where the worker runs; the loop's default executor if ``None``.
        max_ahead: Items the producer may be ahead of the consumer.

    Raises:
        Exception: Whatever the iterator raised, re-raised here.
    """
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[object] = asyncio.Queue()
    # Bounds the items in flight: a consumer that stops taking them (a client that
    # stops reading) stops the producer too, instead of growing the queue.
    room = threading.Semaphore(max_ahead)

    def produce() -> None:
        iterator = None
        try:
            iterator = make_iterator()
            for item in iterator:
                while not room.acquire(timeout=0.05):
                    if cancel.is_set():
                        return
                loop.call_soon_threadsafe(items.put_nowait, item)
                if cancel.is_set():
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            loop.call_soon_threadsafe(items.put_nowait, _Failure(exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            loop.call_soon_threadsafe(items.put_nowait, _DONE)

    worker = loop.run_in_executor(executor, produce)
    exhausted = False
    try:
        while True:
            item = await items.get()
            if item is _DONE:
                exhausted = True
                break
            if isinstance(item, _Failure):
                raise item.exc
            room.release()
            yield item  # type: ignore[misc]
    finally:
        if not exhausted:
            # Stopped early: the worker ends at its next item; don't wait for it.
            cancel.set()
        worker.add_done_callback(lambda f: f.exception())


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
