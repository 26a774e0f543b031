"""A speaking rate turned into a synthesiser's own length setting, through its measured response.

Neural voices (Piper's VITS, hibari) predict each phoneme's length in whole frames, trained on
whole-frame alignments: their predictions sit near whole numbers, so scaling the lengths a
little (a length scale of 1.05) moves few phonemes past the next frame, and the speech
hardly changes; scaled further, it does. A voice's *response* (how long a sentence
lasts at each setting, against the setting 1.0) is therefore measured once, on
calibration sentences, and inverted here: the setting that makes the speech ``1 / rate``
as long as at the voice's own setting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# The length settings of the measured responses: 0.5 to 2.0 in steps of 0.05.
RESPONSE_SETTINGS = tuple(round(0.5 + 0.05 * step, 2) for step in range(31))


def length_for_rate(settings: Sequence[float], durations: Sequence[float], base: float, rate: float) -> float:
    """The length setting that makes speech at ``base`` last ``1 / rate`` as long.

    Args:
        settings: Length settings, rising (a length scale, or the inverse of a speed).
        durations: The speech's duration at each setting, relative to the setting 1.0; rising.
        base: The voice's own setting.
        rate: Speaking rate against the voice's own (below 1 slower).

    Returns:
        The setting; beyond the measured range, the nearest segment's slope goes on.
    """
    x, y = np.asarray(settings, dtype=np.float64), np.asarray(durations, dtype=np.float64)
    target = _along(x, y, base) / rate
    return _along(y, x, target)


def _along(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """``y`` at ``at`` by straight lines between the points of ``x``, extended past the ends."""
    if at < x[0]:
        return float(y[0] + (at - x[0]) * (y[1] - y[0]) / (x[1] - x[0]))
    if at > x[-1]:
        return float(y[-1] + (at - x[-1]) * (y[-1] - y[-2]) / (x[-1] - x[-2]))
    return float(np.interp(at, x, y))
