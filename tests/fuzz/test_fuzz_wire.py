"""Property: any frame either parses into a message that follows the schema, or is refused
with openlive's own error; never another exception, never a hostile value let through."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings

from openlive.errors import MAX_REASON_BYTES, OpenliveError
from openlive.wire import parse_client_message, spec
from openlive.wire.client import Setup, setup_from_json, setup_to_json
from openlive.wire.decode import decode_frame
from openlive.wire.schema import normalize

from . import budget
from .oracle import conforms
from .strategies import frames


def check_refusal(error: OpenliveError) -> None:
    """A refusal must be a client error whose reason fits, and can be sent in, a close frame."""
    assert error.close_code == 1007, (error.close_code, error.reason)
    reason = error.close_reason()
    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert "\n" not in reason and "\r" not in reason, reason


@settings(max_examples=budget.examples("wire"))
@given(frames)
def test_every_frame_is_parsed_or_refused_with_an_openlive_error(
    count_example: Callable[[], None], frame: str | bytes
) -> None:
    count_example()
    try:
        message = parse_client_message(frame)
    except OpenliveError as error:
        check_refusal(error)
        return
    # Accepted: the canonical form follows the schema, and holds nothing that
    # cannot be saved (resumption) or encoded (models, close frames).
    canonical = normalize(decode_frame(frame), spec.CLIENT_MESSAGE, "")
    assert conforms(canonical, spec.CLIENT_MESSAGE) == []
    if isinstance(message, Setup):
        saved = setup_to_json(message)
        assert setup_from_json(saved).raw == message.raw
