"""The exception tree and close reasons."""

from __future__ import annotations

import pytest

from openlive.errors import (
    MAX_REASON_BYTES,
    ConfigError,
    ContextWindowExceeded,
    EngineError,
    InvalidArgument,
    MessageTooBig,
    NotSupportedYet,
    OpenliveError,
    PolicyViolation,
    ServerBusy,
    truncate_reason,
)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InvalidArgument, 1007),
        (NotSupportedYet, 1007),
        (ContextWindowExceeded, 1007),
        (PolicyViolation, 1008),
        (MessageTooBig, 1009),
        (EngineError, 1011),
        (ConfigError, 1011),
        (ServerBusy, 1013),
    ],
)
def test_close_codes(error: type[OpenliveError], code: int) -> None:
    assert error("r").close_code == code
    assert issubclass(error, OpenliveError)


def test_not_supported_yet_is_an_invalid_argument() -> None:
    assert issubclass(NotSupportedYet, InvalidArgument)


@pytest.mark.parametrize("reason", ["", "short", "a" * MAX_REASON_BYTES, "é" * 61 + "a"])
def test_reasons_that_fit_are_unchanged(reason: str) -> None:
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert truncate_reason(reason) == reason


@pytest.mark.parametrize(
    "reason",
    [
        "a" * (MAX_REASON_BYTES + 1),
        "a" * 1000,
        "é" * 62,  # 124 bytes
        "a" + "€" * 50,  # a 3-byte character straddles the cut
        "ab" + "😀" * 40,  # a 4-byte character straddles the cut
        "😀" * 31,
    ],
)
def test_long_reasons_are_cut_on_a_character_boundary(reason: str) -> None:
    cut = truncate_reason(reason)
    size = len(cut.encode("utf-8"))
    assert MAX_REASON_BYTES - 6 <= size <= MAX_REASON_BYTES
    assert cut.endswith("...")
    assert reason.startswith(cut[:-3])
    assert "\ufffd" not in cut


def test_close_reason_is_truncated_but_reason_is_kept_whole() -> None:
    error = InvalidArgument("x" * 300)
    assert error.reason == "x" * 300
    assert str(error) == "x" * 300
    assert error.close_reason() == "x" * (MAX_REASON_BYTES - 3) + "..."


@pytest.mark.parametrize("reason", ["bad \udfff field", "\ud800" * 200, "x" * 120 + "\udfff"])
def test_a_reason_holding_lone_surrogates_can_still_be_sent(reason: str) -> None:
    cut = truncate_reason(reason)
    assert len(cut.encode("utf-8")) <= MAX_REASON_BYTES
    assert "\\udfff" in cut or "\\ud800" in cut or cut.endswith("...")
    assert InvalidArgument(reason).close_reason().encode("utf-8")
