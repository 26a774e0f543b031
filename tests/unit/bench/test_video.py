"""The video bench's frames and its in-process frame costs (the numbers are not checked: only their shape)."""

from __future__ import annotations

from typing import Any

from openlive.bench.report import ScenarioResult
from openlive.bench.video import REPEATS, RESOLUTIONS, camera_frame, frame_costs, screen_frame
from openlive.images import check_image
from openlive.testing import FakeDescriber


class _Target:
    def __init__(self, describer: Any) -> None:
        self._describer = describer

    def describer(self) -> Any:
        return self._describer


def test_frames_are_jpegs_of_a_screen_and_a_camera() -> None:
    assert (
        check_image(screen_frame(3), "image/jpeg", "f").width,
        check_image(screen_frame(3), "image/jpeg", "f").height,
    ) == (1280, 720)
    assert check_image(camera_frame(3), "image/jpeg", "f").width == 1920
    assert screen_frame(1) != screen_frame(2)


def test_frame_costs_measure_every_resolution_and_describe_at_its_size() -> None:
    describer = FakeDescriber()
    result = ScenarioResult("video")
    frame_costs(_Target(describer), result, lambda line: None)  # type: ignore[arg-type]
    assert len(result.figures) == 3 * 2 * len(RESOLUTIONS)
    assert all(len(figure.values) == REPEATS for figure in result.figures)
    # LOW describes the screen at 512 px across, the unset resolution at full size.
    assert (512, 288) in describer.calls and (1280, 720) in describer.calls


def test_turn_costs_time_a_prompt_with_a_frame_ahead_streamed_and_cold() -> None:
    from openlive.bench.video import turn_costs

    describer = FakeDescriber()
    result = ScenarioResult("video")
    turn_costs(_Target(describer), result)  # type: ignore[arg-type]
    assert [f.name for f in result.figures] == [
        "turn with a frame described ahead: prompt ready",
        "turn with a streamed frame not read yet, an earlier one read: prompt ready",
        "turn with an image no one read yet: prompt ready",
    ]
    assert all(len(f.values) == REPEATS for f in result.figures)
    # Each case describes one image (ahead, the earlier frame of the stream, or in the
    # turn): the streamed frame's turn does not read its own.
    assert len(describer.calls) == 3 * (REPEATS + 1)
