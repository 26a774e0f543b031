"""Turning a speaking rate into a length setting through a voice's measured response."""

from __future__ import annotations

import numpy as np
import pytest

from openlive.engines.speaking_rate import RESPONSE_SETTINGS, length_for_rate

LINEAR = [float(s) for s in RESPONSE_SETTINGS]
# Flat around 1.0, as the neural voices are: a little more length changes little.
KINKED = [s if s < 0.9 or s > 1.1 else 1.0 + (s - 1.0) / 4 for s in LINEAR]


def test_a_linear_response_scales_the_setting_by_the_inverse_rate() -> None:
    assert length_for_rate(LINEAR, LINEAR, 1.0, 0.8) == pytest.approx(1.25)
    assert length_for_rate(LINEAR, LINEAR, 0.7, 2.0) == pytest.approx(0.35)
    assert length_for_rate(LINEAR, LINEAR, 1.2, 1.0) == pytest.approx(1.2)


def test_a_flat_response_asks_for_a_larger_change() -> None:
    setting = length_for_rate(RESPONSE_SETTINGS, KINKED, 1.0, 1 / 1.05)
    # 5 % longer speech needs a setting past the flat part.
    assert setting > 1.1
    assert float(np.interp(setting, RESPONSE_SETTINGS, KINKED)) == pytest.approx(1.05)


def test_past_the_measured_range_the_last_slope_goes_on() -> None:
    assert length_for_rate(LINEAR, LINEAR, 1.8, 0.5) == pytest.approx(3.6)
    assert length_for_rate(LINEAR, LINEAR, 0.6, 2.0) == pytest.approx(0.3)
