"""A reply made in the background and held until read, with the fake engines."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from openlive.engines.base import ChatMessage, SamplingParams
from openlive.pipeline.reply import Reply, Speech
from openlive.pipeline.speech_out import SpokenChunk
from openlive.testing import FakeLLM, FakeTts

TIMEOUT_S = 10.0
PROMPT = [ChatMessage("user", "hello there")]


async def wait_until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        while not predicate():
            await asyncio.sleep(0.005)


async def test_a_text_reply_is_made_before_it_is_read_and_read_whole() -> None:
    llm = FakeLLM(reply=lambda _: "one two three")
    reply = Reply(llm, PROMPT, SamplingParams())
    assert not reply.spoken
    await wait_until(lambda: sum(llm.yielded) == 3)
    async with asyncio.timeout(TIMEOUT_S):
        pieces = [piece async for piece in reply.text()]
    assert pieces == ["one", " two", " three"]
    assert reply.finished
    assert reply.stats.response_tokens == 3
    reply.stop()  # after the end: nothing to stop
    assert not reply.cancel.is_set()


async def test_a_spoken_reply_yields_its_audio_chunks() -> None:
    spoken: list[str] = []
    tts = FakeTts(on_piece=spoken.append)
    reply = Reply(
        FakeLLM(reply=lambda _: "echo: hello there"), PROMPT, SamplingParams(), Speech(tts, "Puck", "en-US")
    )
    assert reply.spoken
    # The first clause is synthesised with nobody reading yet.
    await wait_until(lambda: len(spoken) == 3)
    async with asyncio.timeout(TIMEOUT_S):
        chunks = [chunk async for chunk in reply.speech()]
    assert all(isinstance(chunk, SpokenChunk) for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks if chunk.text) == "echo: hello there"


async def test_an_unread_reply_waits_for_its_reader_once_its_buffer_is_full() -> None:
    llm = FakeLLM(reply=lambda _: " ".join(["word"] * 100))
    reply = Reply(llm, PROMPT, SamplingParams(), buffer_items=4)
    await wait_until(lambda: sum(llm.yielded) > 4)
    await asyncio.sleep(0.05)
    # The buffer, the thread bridge's own bound and the piece in hand: far from all of it.
    assert sum(llm.yielded) < 40
    reply.stop()
    await wait_until(lambda: llm.cancels[0].is_set())


async def test_stop_before_the_end_cancels_the_work() -> None:
    llm = FakeLLM(reply=lambda _: " ".join(["word"] * 100))
    reply = Reply(llm, PROMPT, SamplingParams(), buffer_items=2)
    await wait_until(lambda: sum(llm.yielded) > 0)
    reply.stop()
    assert reply.cancel.is_set()
    assert not reply.finished


async def test_the_given_cancel_event_is_the_replys() -> None:
    cancel = threading.Event()
    llm = FakeLLM(reply=lambda _: "one two")
    reply = Reply(llm, PROMPT, SamplingParams(), cancel=cancel)
    assert reply.cancel is cancel
    await wait_until(lambda: bool(llm.cancels))
    assert llm.cancels[0] is cancel
    reply.stop()


async def test_a_failing_model_fails_the_reader() -> None:
    broken = FakeLLM(reply=lambda _: "half", fail_after=1)
    reply = Reply(broken, PROMPT, SamplingParams())
    pieces = []
    with pytest.raises(RuntimeError, match="fell over"):
        async with asyncio.timeout(TIMEOUT_S):
            async for piece in reply.text():
                pieces.append(piece)
    assert pieces == ["half"]
