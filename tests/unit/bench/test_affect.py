"""The affect bench's delivery measure: a reply against the same text at the voice's own delivery."""

from __future__ import annotations

import pytest

from openlive.bench.affect import measure_reply
from openlive.engines.audio_base import OUTPUT_RATE
from openlive.engines.voices import typical_f0
from openlive.session.native import Delivery
from openlive.testing import FakeTts

REPLY = "I am sorry to hear that, let me help you with it"


def test_a_slower_delivery_is_longer_at_the_same_pitch_and_a_tape_is_lower() -> None:
    styled, own, tape = measure_reply(FakeTts(), REPLY, Delivery(speed=0.9, gain=0.8), "Puck")
    assert styled.size / own.size == pytest.approx(1 / 0.9, rel=0.01)
    assert tape.size / own.size == pytest.approx(1 / 0.9, rel=0.01)
    pitch = typical_f0(own, OUTPUT_RATE)
    assert typical_f0(styled, OUTPUT_RATE) == pytest.approx(pitch, rel=0.02)
    assert typical_f0(tape, OUTPUT_RATE) == pytest.approx(0.9 * pitch, rel=0.02)


def test_no_delivery_is_the_voice_as_it_is() -> None:
    styled, own, tape = measure_reply(FakeTts(), REPLY, None, "Puck")
    assert styled.tobytes() == own.tobytes() == tape.tobytes()


def test_the_speaking_rate_checks_are_not_the_calibration_sentences() -> None:
    import json
    from importlib import resources

    data = json.loads(resources.files("openlive.bench").joinpath("data/speaking_rate.json").read_text())
    assert data["check"] and data["calibration"]
    assert not set(data["check"]) & set(data["calibration"])
