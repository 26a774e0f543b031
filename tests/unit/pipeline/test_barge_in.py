"""The barge-in guard: the reply is held while speech heard during it is judged."""

from __future__ import annotations

import asyncio

import numpy as np

from openlive.pipeline.backchannel import BargeInConfig
from openlive.pipeline.barge_in import BargeInGuard

CONFIG = BargeInConfig(max_backchannel_ms=600, probes_ms=(250, 420))
AUDIO = np.zeros(8000, np.float32)


class Recorder:
    def __init__(self, partial: str = "") -> None:
        self.partial = partial
        self.recognised: list[int] = []
        self.interrupts = 0

    async def recognise(self, audio: np.ndarray) -> str:
        self.recognised.append(audio.size)
        return self.partial

    def interrupt(self) -> None:
        self.interrupts += 1


def guard(recorder: Recorder) -> BargeInGuard:
    return BargeInGuard(CONFIG, "en-US", recorder.recognise, recorder.interrupt)


def transcribe(barge: BargeInGuard, text: str) -> list[bool]:
    """What the guard decided about the utterance's transcript ``text`` (empty: not yet)."""
    decided: list[bool] = []
    barge.transcribed(text, decided.append)
    return decided


async def test_the_reply_is_held_until_a_backchannel_is_heard_then_goes_on() -> None:
    recorder = Recorder()
    barge = guard(recorder)
    assert not barge.holding
    barge.started()
    assert barge.holding
    waiter = asyncio.ensure_future(barge.wait_open())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    barge.paused("Mhm.")
    await asyncio.wait_for(waiter, 1)
    assert not barge.holding and recorder.interrupts == 0
    assert transcribe(barge, "Mhm.") == [True]  # no turn
    # The next transcript, with no speech during a reply, is an ordinary one.
    assert transcribe(barge, "Tell me more.") == [False]


async def test_resuming_after_a_backchannel_pause_is_judged_again() -> None:
    recorder = Recorder()
    barge = guard(recorder)
    barge.started()
    barge.paused("Yeah.")
    assert not barge.holding
    barge.resumed()
    assert barge.holding
    assert transcribe(barge, "Yeah, but why?") == [False]
    assert recorder.interrupts == 1 and not barge.holding


async def test_a_partial_with_other_words_interrupts_once() -> None:
    recorder = Recorder(partial="Stop, wait")
    barge = guard(recorder)
    barge.started()
    barge.lasted(100, AUDIO)
    assert recorder.recognised == []
    barge.lasted(260, AUDIO)
    await asyncio.sleep(0.01)
    assert recorder.recognised == [AUDIO.size]
    assert recorder.interrupts == 1 and not barge.holding
    barge.lasted(700, AUDIO)
    assert transcribe(barge, "Stop, wait.") == [False]
    assert recorder.interrupts == 1


async def test_a_partial_backchannel_keeps_waiting_and_long_speech_interrupts() -> None:
    recorder = Recorder(partial="Yeah")
    barge = guard(recorder)
    barge.started()
    barge.lasted(260, AUDIO)
    await asyncio.sleep(0.01)
    assert barge.holding and recorder.interrupts == 0
    barge.lasted(620, AUDIO)
    assert recorder.interrupts == 1 and not barge.holding


class Partials(Recorder):
    """Each probe hears the next of ``heard``."""

    def __init__(self, *heard: str) -> None:
        super().__init__()
        self.heard = list(heard)

    async def recognise(self, audio: np.ndarray) -> str:
        self.recognised.append(audio.size)
        return self.heard.pop(0)


async def test_a_second_probe_hears_what_the_first_heard_cut_off() -> None:
    recorder = Partials("", "Hang on")
    barge = guard(recorder)
    barge.started()
    barge.lasted(250, AUDIO[:4000])
    await asyncio.sleep(0.01)
    assert barge.holding and recorder.interrupts == 0
    barge.lasted(420, AUDIO)
    await asyncio.sleep(0.01)
    assert recorder.recognised == [4000, AUDIO.size]
    assert recorder.interrupts == 1 and not barge.holding


async def test_a_probe_still_running_is_not_doubled() -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    class Slow(Recorder):
        async def recognise(self, audio: np.ndarray) -> str:
            self.recognised.append(audio.size)
            started.set()
            await release.wait()
            return "Mhm"

    recorder = Slow()
    barge = guard(recorder)
    barge.started()
    barge.lasted(250, AUDIO)
    await started.wait()
    barge.lasted(420, AUDIO)
    await asyncio.sleep(0.01)
    assert recorder.recognised == [AUDIO.size]
    release.set()
    await asyncio.sleep(0.01)
    assert barge.holding and recorder.interrupts == 0


async def test_closing_releases_the_reply() -> None:
    barge = guard(Recorder())
    barge.started()
    barge.close()
    assert not barge.holding
