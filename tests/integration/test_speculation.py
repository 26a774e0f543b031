"""Replies started during the user's trailing silence, on a loopback server with fake engines.

When the user pauses (64 ms of silence by default), the speech so far is recognised and
the reply it would get is started at once; the end of the turn is committed 300 ms into
the silence. The audio here is sent in two steps: the speech and a short silence (a
pause, no end), then the rest of the silence (the end), or more speech. Between the two,
the test waits until the reply ahead is under way, so what is tested does not depend on
how fast the fakes run.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from openlive.engines.base import ChatMessage
from openlive.testing import FakeAsr, FakeLLM, FakeTts

from .helpers import server_content, session, user, wait_for_condition
from .test_voice import (
    audio_chunks,
    fake_tts_bytes,
    input_texts,
    keys,
    output_text,
    set_limits,
    silence,
    stream_audio,
    tone,
    voice_server,
    voice_setup,
)

PAUSE_S = 0.15  # past the pause (64 ms), short of the end (300 ms)
END_S = 0.6  # the rest of the silence: the end of the turn


class SpokenWords:
    """What FakeTts synthesised, word by word (from worker threads)."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, word: str) -> None:
        with self._lock:
            self.words.append(word)


def count_messages(messages: Sequence[ChatMessage]) -> str:
    return f"{len(messages)} messages"


async def test_the_reply_started_during_the_pause_is_the_turns_reply() -> None:
    asr = FakeAsr(["hello there"])
    llm = FakeLLM()
    spoken = SpokenWords()
    async with voice_server(llm, asr, FakeTts(on_piece=spoken)) as srv:
        set_limits(srv, audio_idle_end_s=60.0)  # only the silence ends the turn
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, silence(0.3) + tone(1.0) + silence(PAUSE_S))
            # The reply is made while the end is not committed: the model ran, and the
            # first clause was spoken, all of it, before the turn ended.
            await wait_for_condition(lambda: len(spoken.words) == len("echo: hello there".split()))
            assert [call[0] for call in llm.calls] == [[ChatMessage("user", "hello there")]]
            await stream_audio(client, silence(END_S))
            reply = await client.until_turn_complete()
    # Nothing of it left before the turn was committed: the transcription comes first.
    assert keys(reply)[0] == "inputTranscription"
    assert input_texts(reply) == ["hello there"]
    assert output_text(reply) == "echo: hello there"
    assert sum(map(len, audio_chunks(reply))) == fake_tts_bytes("echo: hello there")
    assert keys(reply)[-2:] == ["generationComplete", "turnComplete"]
    # One recognition, one generation: the turn took the work done during the pause.
    assert len(asr.heard) == 1
    assert len(llm.calls) == 1
    assert not llm.cancels[0].is_set()


async def test_a_reply_ahead_is_dropped_unheard_when_the_user_goes_on() -> None:
    asr = FakeAsr(["what is", "what is the time"])
    llm = FakeLLM()
    spoken = SpokenWords()
    async with voice_server(llm, asr, FakeTts(on_piece=spoken)) as srv:
        set_limits(srv, audio_idle_end_s=60.0)
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, silence(0.3) + tone(0.6) + silence(PAUSE_S))
            await wait_for_condition(lambda: len(spoken.words) > 0)
            assert llm.calls[0][0] == [ChatMessage("user", "what is")]
            # The user goes on: the reply ahead is void.
            await stream_audio(client, tone(0.6) + silence(END_S))
            reply = await client.until_turn_complete()
            await wait_for_condition(lambda: llm.cancels[0].is_set())
            # The next turn's prompt has no trace of the dropped reply.
            later = await client.turn("and now?")
    assert input_texts(reply) == ["what is the time"]
    assert output_text(reply) == "echo: what is the time"
    assert sum(map(len, audio_chunks(reply))) == fake_tts_bytes("echo: what is the time")
    assert "interrupted" not in keys(reply)
    assert not any("what is" == m.get("text") for m in map(server_content, reply))
    assert len(asr.heard) == 2
    assert [call[0][-1].content for call in llm.calls] == ["what is", "what is the time", "and now?"]
    assert llm.calls[2][0] == [
        ChatMessage("user", "what is the time"),
        ChatMessage("assistant", "echo: what is the time"),
        ChatMessage("user", "and now?"),
    ]
    assert keys(later)[-2:] == ["generationComplete", "turnComplete"]


async def test_a_reply_ahead_is_not_used_when_the_turn_asks_for_another() -> None:
    # Context the client adds during the pause changes the prompt: the turn's reply is new.
    asr = FakeAsr(["hello"])
    llm = FakeLLM(reply=count_messages)
    async with voice_server(llm, asr) as srv:
        set_limits(srv, audio_idle_end_s=60.0)
        async with session(srv, voice_setup("TEXT")) as client:
            await stream_audio(client, silence(0.3) + tone(0.6) + silence(PAUSE_S))
            await wait_for_condition(lambda: len(llm.calls) == 1)
            await client.send(user("Answer in French.", turn_complete=False))
            await stream_audio(client, silence(END_S))
            reply = await client.until_turn_complete()
    assert [len(call[0]) for call in llm.calls] == [1, 2]
    assert llm.cancels[0].is_set()
    text = "".join(
        part.get("text", "")
        for m in reply
        for part in server_content(m).get("modelTurn", {}).get("parts", [])
    )
    assert text == "2 messages"


async def test_a_text_reply_can_start_during_the_pause_too() -> None:
    asr = FakeAsr(["hello there"])
    llm = FakeLLM()
    async with voice_server(llm, asr) as srv:
        set_limits(srv, audio_idle_end_s=60.0)
        async with session(srv, voice_setup("TEXT")) as client:
            await stream_audio(client, silence(0.3) + tone(0.6) + silence(PAUSE_S))
            await wait_for_condition(lambda: len(llm.yielded) == 1 and llm.yielded[0] == 3)
            await stream_audio(client, silence(END_S))
            reply = await client.until_turn_complete()
    assert keys(reply)[0] == "inputTranscription"
    assert (
        "".join(
            part.get("text", "")
            for m in reply
            for part in server_content(m).get("modelTurn", {}).get("parts", [])
        )
        == "echo: hello there"
    )
    assert len(llm.calls) == 1


async def test_a_reply_ahead_stops_when_the_client_leaves() -> None:
    asr = FakeAsr(["tell me a story"])
    llm = FakeLLM(reply=lambda _: " ".join(["word"] * 200), token_delay_s=0.01)
    async with voice_server(llm, asr) as srv:
        set_limits(srv, audio_idle_end_s=60.0)
        async with session(srv, voice_setup()) as client:
            await stream_audio(client, silence(0.3) + tone(0.6) + silence(PAUSE_S))
            await wait_for_condition(lambda: len(llm.yielded) == 1 and llm.yielded[0] > 0)
        await wait_for_condition(lambda: llm.cancels[0].is_set())
    assert llm.yielded[0] < 200
