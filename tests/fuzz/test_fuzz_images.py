"""Property: any image bytes are refused from their header with a 1007, or decode within bounds.

What passes the header check (:func:`openlive.images.check_image`) is decoded as the
describer and a vision engine would get it; hostile bytes (cut short, flipped,
sizes rewritten) must never raise anything but openlive's ``InvalidArgument``, nor
decode to more than the longest side asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from openlive.errors import InvalidArgument
from openlive.images import MAX_PIXELS, check_image, decode

from . import budget
from .strategies import IMAGE_TYPES, image_bytes


@settings(max_examples=budget.examples("images"))
@given(image_bytes(), st.sampled_from(IMAGE_TYPES), st.sampled_from([64, 512, 2048]))
def test_an_image_is_refused_with_1007_or_decodes_within_bounds(
    count_example: Callable[[], None], data: bytes, mime: str, max_side: int
) -> None:
    count_example()
    try:
        info = check_image(data, mime, "realtimeInput.video")
        assert info.width * info.height <= MAX_PIXELS
        image = decode(data, max_side, "realtimeInput.video")
    except InvalidArgument as error:
        assert error.close_code == 1007
        assert error.reason.startswith("realtimeInput.video"), error.reason
        return
    assert image.mode == "RGB" and max(image.size) <= max_side
