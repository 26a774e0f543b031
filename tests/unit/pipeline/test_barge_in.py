"""The barge-in guard: the reply is held while speech heard during it is judged."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import numpy as np

from openlive.pipeline.backchannel import BargeInConfig
from openlive.pipeline.barge_in import BargeInGuard
from openlive.testing import FakeListenerJudge

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


# -- with a listener judge --------------------------------------------------------------


def judged_guard(recorder: Recorder, judge: FakeListenerJudge, timeout_s: float = 5.0) -> BargeInGuard:
    return BargeInGuard(
        CONFIG, "en-US", recorder.recognise, recorder.interrupt, judge=judge, judge_timeout_s=timeout_s
    )


async def settled(decided: list[bool]) -> list[bool]:
    await wait_until(lambda: bool(decided))
    return decided


async def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_backchannel_outside_the_list_is_judged_at_the_pause_and_the_reply_goes_on() -> None:
    recorder = Recorder()
    judge = FakeListenerJudge({"Sounds good.": 2.0})
    barge = judged_guard(recorder, judge)
    barge.started()
    barge.paused("Sounds good.")
    await wait_until(lambda: not barge.holding)
    assert recorder.interrupts == 0
    assert await settled(transcribe(barge, "Sounds good.")) == [True]
    assert judge.asked == ["Sounds good."]  # the final transcript used the pause's answer


async def test_a_final_transcript_waits_for_the_judge() -> None:
    hold = threading.Event()
    recorder = Recorder()
    judge = FakeListenerJudge({"No way.": 2.0}, hold=hold)
    barge = judged_guard(recorder, judge)
    barge.started()
    barge.paused("No way.")
    decided = transcribe(barge, "No way.")
    await wait_until(lambda: bool(judge.asked))
    assert decided == [] and barge.holding
    hold.set()
    assert await settled(decided) == [True]
    assert recorder.interrupts == 0 and not barge.holding


async def test_the_judges_no_interrupts_and_the_words_are_a_turn() -> None:
    recorder = Recorder()
    judge = FakeListenerJudge({"That's wrong.": -4.0})
    barge = judged_guard(recorder, judge)
    barge.started()
    assert await settled(transcribe(barge, "That's wrong.")) == [False]
    assert recorder.interrupts == 1 and not barge.holding


async def test_a_failing_judge_leaves_the_lists_decision() -> None:
    recorder = Recorder()
    barge = judged_guard(recorder, FakeListenerJudge(fails=True))
    barge.started()
    barge.paused("Sounds good.")
    assert await settled(transcribe(barge, "Sounds good.")) == [False]
    assert recorder.interrupts == 1


async def test_a_judge_too_slow_leaves_the_lists_decision() -> None:
    hold = threading.Event()
    recorder = Recorder()
    barge = judged_guard(recorder, FakeListenerJudge(default=5.0, hold=hold), timeout_s=0.05)
    barge.started()
    try:
        assert await settled(transcribe(barge, "Sounds good.")) == [False]
        assert recorder.interrupts == 1
    finally:
        hold.set()


async def test_a_judge_not_loaded_yet_is_not_asked() -> None:
    recorder = Recorder()
    judge = FakeListenerJudge(default=5.0)
    judge.ready = False
    barge = judged_guard(recorder, judge)
    barge.started()
    assert transcribe(barge, "Sounds good.") == [False]
    assert judge.asked == [] and recorder.interrupts == 1


async def test_a_partial_the_judge_calls_a_backchannel_does_not_interrupt() -> None:
    recorder = Recorder(partial="Fair point")
    judge = FakeListenerJudge({"Fair point": 2.0, "Fair point, I guess": 1.0})
    barge = judged_guard(recorder, judge)
    barge.started()
    barge.lasted(260, AUDIO)
    await wait_until(lambda: bool(judge.asked))
    await asyncio.sleep(0.02)
    assert barge.holding and recorder.interrupts == 0
    recorder.partial = "Fair point, I guess"
    barge.lasted(620, AUDIO)  # past the backchannel length: all of it is heard and judged
    await wait_until(lambda: len(judge.asked) == 2)
    await asyncio.sleep(0.02)
    assert barge.holding and recorder.interrupts == 0
    barge.lasted(CONFIG.max_judged_ms, AUDIO)  # past the cap: interrupts whatever the judge said
    assert recorder.interrupts == 1


async def test_long_speech_the_judge_calls_an_interruption_interrupts() -> None:
    recorder = Recorder(partial="Oh")
    judge = FakeListenerJudge()  # anything else: an interruption
    barge = judged_guard(recorder, judge)
    barge.started()
    barge.lasted(260, AUDIO)
    await asyncio.sleep(0.05)
    assert barge.holding and judge.asked == []  # "Oh": a backchannel so far
    recorder.partial = "Oh, and how long does it"
    barge.lasted(620, AUDIO)
    await wait_until(lambda: recorder.interrupts == 1)
    assert judge.asked == ["Oh, and how long does it"] and not barge.holding


async def test_long_speech_that_is_not_recognised_interrupts() -> None:
    recorder = Recorder(partial="")
    barge = judged_guard(recorder, FakeListenerJudge(default=5.0))
    barge.started()
    barge.lasted(620, AUDIO)
    await wait_until(lambda: recorder.interrupts == 1)


async def test_a_partial_interruption_is_judged_and_interrupts() -> None:
    recorder = Recorder(partial="Hold it")
    judge = FakeListenerJudge()
    barge = judged_guard(recorder, judge)
    barge.started()
    barge.lasted(260, AUDIO)
    await wait_until(lambda: recorder.interrupts == 1)
    assert judge.asked == ["Hold it"] and not barge.holding


async def test_speech_starting_again_decides_a_waiting_transcript_first() -> None:
    hold = threading.Event()
    recorder = Recorder()
    barge = judged_guard(recorder, FakeListenerJudge(default=5.0, hold=hold))
    barge.started()
    decided = transcribe(barge, "Love that.")
    try:
        barge.settle()  # new speech: the list decides the waiting one now
        assert decided == [False] and recorder.interrupts == 1
    finally:
        hold.set()
