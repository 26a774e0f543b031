"""Property: the native-audio paths take any setup and any heard audio without failing.

A client's audio reaches the voice measure (affective dialog) as samples of any
shape and level, and its setup's native-audio settings reach every request the
session makes; neither may raise anything but openlive's own refusal.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openlive.engines.base import GenerationStats
from openlive.errors import OpenliveError
from openlive.pipeline.affect import measure_voice
from openlive.session import StartGeneration
from openlive.wire import parse_client_message

from . import budget
from .strategies import setups
from .test_fuzz_session import check_refusal, new_session

samples = st.lists(st.floats(-1.0, 1.0, width=32), max_size=4000).map(lambda v: np.asarray(v, np.float32))
bursts = st.tuples(st.floats(50.0, 600.0), st.floats(0.0, 1.0), st.floats(0.0, 1.5)).map(
    lambda p: (p[1] * np.sin(2 * np.pi * p[0] * np.arange(int(p[2] * 16_000)) / 16_000)).astype(np.float32)
)


@settings(max_examples=budget.examples("session"))
@given(st.one_of(samples, bursts))
def test_the_voice_measure_is_finite_for_any_audio(
    count_example: Callable[[], None], audio: np.ndarray
) -> None:
    count_example()
    voice = measure_voice(audio)
    assert all(math.isfinite(v) for v in (voice.pitch_hz, voice.pitch_spread, voice.energy_db, voice.span_s))
    assert voice.span_s <= audio.size / 16_000 + 0.05


@settings(max_examples=budget.examples("session"))
@given(setups(), st.lists(st.tuples(st.text(max_size=60), st.one_of(st.none(), bursts)), max_size=3))
def test_speech_in_any_setup_makes_requests_or_is_refused(
    count_example: Callable[[], None], setup: str | bytes, heard: list[tuple[str, np.ndarray | None]]
) -> None:
    count_example()
    session = new_session()
    try:
        session.receive(parse_client_message(setup))
    except OpenliveError as error:
        check_refusal(error)
        return
    for text, audio in heard:
        sound = measure_voice(audio) if audio is not None else None
        session.preview_reply(text, 1.0, None, sound)
        for action in session.speech_transcribed(text, 1.0, None, sound):
            if isinstance(action, StartGeneration):
                thinking = action.thinking
                assert thinking is None or 0 < thinking.max_tokens <= 2048
                session.generation_done(action.turn_id, GenerationStats(), 0.5, 3)
