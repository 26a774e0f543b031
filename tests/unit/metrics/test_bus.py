"""The bus and its listeners: subscribers hear each record once, a failing one is only logged."""

from __future__ import annotations

import pytest

from openlive.metrics import BusListener, MetricsBus, Record, SessionClosed, SpeechStarted


class Heard(BusListener):
    def __init__(self) -> None:
        self.records: list[Record] = []

    def hear(self, record: Record) -> None:
        self.records.append(record)


def test_a_listener_hears_only_while_attached_and_once_however_often_attached() -> None:
    bus = MetricsBus()
    listener = Heard()
    bus.emit(SpeechStarted("s", 0.0))
    listener.attach(bus)
    listener.attach(bus)
    bus.emit(SpeechStarted("s", 1.0))
    listener.detach()
    listener.detach()
    bus.emit(SpeechStarted("s", 2.0))
    assert listener.records == [SpeechStarted("s", 1.0)]


def test_a_detached_listener_can_attach_again() -> None:
    bus = MetricsBus()
    listener = Heard()
    listener.attach(bus)
    listener.detach()
    listener.attach(bus)
    bus.emit(SessionClosed("s", 1000, "bye"))
    assert listener.records == [SessionClosed("s", 1000, "bye")]


def test_listeners_are_apart_and_a_failing_subscriber_does_not_stop_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = MetricsBus()
    first, second = Heard(), Heard()
    first.attach(bus)

    def broken(record: Record) -> None:
        raise RuntimeError("a consumer's bug")

    bus.subscribe(broken)
    second.attach(bus)
    first.detach()
    bus.emit(SpeechStarted("s", 1.0))
    assert first.records == []
    assert second.records == [SpeechStarted("s", 1.0)]
    assert "a metrics subscriber failed" in caplog.text
