"""The bus records travel on: emit once, every subscriber hears it."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from openlive.metrics.records import Record

log = logging.getLogger(__name__)

# Called with each record, in the emitting thread (usually the event loop): it must
# be quick and must not block.
Subscriber = Callable[[Record], None]


class MetricsBus:
    """Fans records out to subscribers; a failing subscriber is logged, never the emitter's problem."""

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Hear every record from now on; returns the call that stops it."""
        with self._lock:
            self._subscribers = (*self._subscribers, subscriber)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not subscriber)

        return unsubscribe

    def emit(self, record: Record) -> None:
        """Hand ``record`` to every subscriber."""
        for subscriber in self._subscribers:
            try:
                subscriber(record)
            except Exception:  # noqa: BLE001 - a consumer's bug must not break a session
                log.exception("a metrics subscriber failed")


# The process's bus: the server emits on it; logs, bench and exporters subscribe.
METRICS = MetricsBus()


class BusListener(ABC):
    """A consumer that hears a bus's records between ``attach`` and ``detach``.

    Subclasses write ``hear``; attaching twice subscribes once, and detaching
    when not attached does nothing.
    """

    # On the class, so subclasses need not call an __init__ of ours.
    _unsubscribe: Callable[[], None] | None = None

    @abstractmethod
    def hear(self, record: Record) -> None:
        """Take one record (called in the emitting thread: quick, never blocking)."""

    def attach(self, bus: MetricsBus = METRICS) -> None:
        """Start hearing the records."""
        if self._unsubscribe is None:
            self._unsubscribe = bus.subscribe(self.hear)

    def detach(self) -> None:
        """Stop hearing them."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
