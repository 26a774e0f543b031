"""Server-initiated closes are logged as such, with their code; internal failures at ERROR."""

from __future__ import annotations

import logging

import pytest

from openlive.metrics import SessionClosed
from openlive.metrics.log import log_record


@pytest.mark.parametrize(
    ("code", "level"), [(1011, logging.ERROR), (1007, logging.INFO), (1008, logging.INFO)]
)
def test_a_server_close_names_itself_and_its_code(
    code: int, level: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="openlive.metrics"):
        log_record(SessionClosed("s1", code, "why"))
    (entry,) = caplog.records
    assert entry.levelno == level
    assert entry.getMessage() == f"server closing the session with {code}: why"
