"""Typed records of what the server did and how long it took, and who hears of them.

Every timing is a record (:mod:`openlive.metrics.records`) emitted on a bus
(:data:`METRICS`); the log renders them (:mod:`openlive.metrics.log`),
``openlive bench`` subscribes to them, and so can any other consumer. A new
metric is a new record type here, emitted where it is measured.
"""

from openlive.metrics.bus import METRICS, BusListener, MetricsBus, Subscriber
from openlive.metrics.records import (
    Recognition,
    Record,
    ReplyTimings,
    SessionClosed,
    SpeechEnded,
    SpeechPaused,
    SpeechStarted,
    ToolsPlanned,
)

__all__ = [
    "METRICS",
    "BusListener",
    "MetricsBus",
    "Recognition",
    "Record",
    "ReplyTimings",
    "SessionClosed",
    "SpeechEnded",
    "SpeechPaused",
    "SpeechStarted",
    "Subscriber",
    "ToolsPlanned",
]

from openlive.metrics.log import log_metrics  # noqa: E402 - after the bus it subscribes to

# Records are logged as they always were, whoever else listens.
log_metrics()
