"""Speech during a spoken reply: backchannels and noise let it go on; real interruptions stop it.

FakeVad hears any loud frame as speech; FakeAsr's script says what each recognition
hears, in order: the request, then (for speech during the reply) a partial
recognition if the speech runs past the probe mark, and the recognition at its pause.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import ChatMessage
from openlive.testing import (
    FakeAsr,
    FakeGlimpsingAsr,
    FakeListenerJudge,
    FakeLLM,
    FakeVad,
    RunningServer,
    running_server,
)

from .helpers import session, wait_for_condition
from .test_voice import (
    FIRST_PIECES_BYTES,
    STORY,
    STORY_REPLY,
    GatedTts,
    audio_bytes_at_least,
    audio_chunks,
    fake_tts_bytes,
    input_texts,
    keys,
    messages_until,
    output_text,
    set_limits,
    silence,
    stream_audio,
    tone,
    utterance,
    voice_server,
    voice_setup,
)


async def test_a_backchannel_during_a_reply_neither_interrupts_nor_starts_a_turn() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    # 150 ms of "mhm": shorter than the probe mark, so only its pause is recognised.
    async with voice_server(llm, FakeAsr([STORY, "Mhm."]), tts) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.15) + silence(1.0))
            first += await messages_until(client, lambda m: "Mhm." in input_texts(m))
            tts.gate.set()
            first += await client.until_turn_complete()
            # The conversation goes on: the next turn's history has no "Mhm.".
            await stream_audio(client, utterance(0.5))
            second = await client.until_turn_complete()

    names = keys(first)
    assert "interrupted" not in names
    assert names[-2:] == ["generationComplete", "turnComplete"]
    # The whole reply went out, and the backchannel's transcription with it.
    assert output_text(first) == STORY_REPLY
    assert sum(map(len, audio_chunks(first))) == fake_tts_bytes(STORY_REPLY)
    assert input_texts(first) == [STORY, "Mhm."]
    assert not llm.cancels[0].is_set()
    # No reply to the backchannel, and nothing of it in the history.
    assert len(llm.calls) == 2
    assert llm.calls[1][0][:2] == [ChatMessage("user", STORY), ChatMessage("assistant", STORY_REPLY)]
    assert all("Mhm" not in m.content for m in llm.calls[1][0])
    assert "interrupted" not in keys(second)


async def test_noise_during_a_reply_does_not_interrupt_it() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    asr = FakeAsr([STORY, ""])
    async with voice_server(llm, asr, tts) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.15) + silence(1.0))
            # Let the noise be heard before the reply may finish.
            await wait_for_condition(lambda: len(asr.heard) == 2)
            tts.gate.set()
            first += await client.until_turn_complete()
    assert "interrupted" not in keys(first)
    assert output_text(first) == STORY_REPLY
    assert input_texts(first) == [STORY]
    assert len(llm.calls) == 1


async def test_words_that_are_no_backchannel_interrupt_at_the_partial_recognition() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    asr = FakeAsr([STORY, "Stop, wait", "Stop, wait."])
    async with voice_server(llm, asr, tts) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.45) + silence(1.0))
            first += await client.until_turn_complete()
            tts.gate.set()
            second = await client.until_turn_complete()
        await wait_for_condition(lambda: llm.cancels[0].is_set())
    assert keys(first)[-2:] == ["interrupted", "turnComplete"]
    assert sum(map(len, audio_chunks(first))) == FIRST_PIECES_BYTES
    assert input_texts(second) == ["Stop, wait."]
    assert output_text(second) == "echo: Stop, wait."
    # The partial recognition was of the first part of the speech only.
    assert asr.heard[1] < asr.heard[2]


async def test_long_speech_interrupts_even_if_it_starts_like_a_backchannel() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    # Every partial recognition hears "Yeah"; past 1 s of speech it interrupts.
    asr = FakeGlimpsingAsr([STORY, "Yeah, so what about the other one?"], glimpses=["Yeah"])
    async with voice_server(llm, asr, tts) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(1.2) + silence(1.0))
            first += await client.until_turn_complete()
            tts.gate.set()
            second = await client.until_turn_complete()
    assert keys(first)[-2:] == ["interrupted", "turnComplete"]
    assert input_texts(second) == ["Yeah, so what about the other one?"]
    assert asr.glimpsed and max(asr.glimpsed) < 1.2  # partials looked at the start only


async def test_a_backchannel_word_with_no_reply_playing_is_an_ordinary_turn() -> None:
    llm = FakeLLM()
    async with voice_server(llm, FakeAsr(["Okay."])) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            reply = await client.until_turn_complete()
    assert input_texts(reply) == ["Okay."]
    assert output_text(reply) == "echo: Okay."


async def test_without_backchannels_any_speech_interrupts_at_once() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    async with voice_server(llm, FakeAsr([STORY, "Mhm."]), tts) as srv:
        set_limits(srv, backchannels=False)
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.15) + silence(1.0))
            first += await client.until_turn_complete()
            tts.gate.set()
            second = await client.until_turn_complete()
    assert keys(first)[-2:] == ["interrupted", "turnComplete"]
    assert input_texts(second) == ["Mhm."]


# -- a listener judge for words outside the list -----------------------------------------


@contextlib.asynccontextmanager
async def judged_server(
    llm: FakeLLM, asr: FakeAsr, tts: GatedTts, judge: FakeListenerJudge
) -> AsyncIterator[RunningServer]:
    speech = SpeechEngines(vad=FakeVad(), asr=asr, tts=tts, listener=judge)
    async with running_server(llm, speech=speech, audio_lead_s=0.0) as srv:
        yield srv


async def test_a_backchannel_outside_the_list_that_the_judge_hears_as_one_goes_on() -> None:
    llm = FakeLLM()
    tts = GatedTts(free=3)
    judge = FakeListenerJudge({"Sounds good.": 3.0})
    async with judged_server(llm, FakeAsr([STORY, "Sounds good."]), tts, judge) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.15) + silence(1.0))
            first += await messages_until(client, lambda m: "Sounds good." in input_texts(m))
            tts.gate.set()
            first += await client.until_turn_complete()
    assert "interrupted" not in keys(first)
    assert output_text(first) == STORY_REPLY
    assert judge.asked == ["Sounds good."]
    assert len(llm.calls) == 1  # no reply to it


async def _said_over_the_story(
    judge: FakeListenerJudge, words: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``words`` said during the story's reply: what came until the story's turn ended, and after."""
    tts = GatedTts(free=3)
    async with judged_server(FakeLLM(), FakeAsr([STORY, words]), tts, judge) as srv:
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, utterance(0.5))
            first = await messages_until(client, audio_bytes_at_least(FIRST_PIECES_BYTES))
            await stream_audio(client, tone(0.15) + silence(1.0))
            first += await client.until_turn_complete()
            tts.gate.set()
            second = await client.until_turn_complete()
    return first, second


async def test_words_the_judge_hears_as_an_interruption_interrupt() -> None:
    judge = FakeListenerJudge({"Hold it.": -4.0})
    first, second = await _said_over_the_story(judge, "Hold it.")
    assert keys(first)[-2:] == ["interrupted", "turnComplete"]
    assert input_texts(second) == ["Hold it."]
    assert judge.asked == ["Hold it."]


async def test_a_failing_judge_leaves_the_word_lists_decision() -> None:
    judge = FakeListenerJudge(fails=True)
    first, second = await _said_over_the_story(judge, "Sounds good.")
    assert keys(first)[-2:] == ["interrupted", "turnComplete"]
    assert input_texts(second) == ["Sounds good."]
    assert judge.asked  # it was asked, and failed
