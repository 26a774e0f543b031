"""Speaking a streamed reply clause by clause with FakeTts: chunking, clause texts, cancel."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import numpy as np
import pytest

from openlive.engines.audio_base import LIVE_API_VOICES, OUTPUT_RATE, Samples
from openlive.pipeline.clauses import ClauseSplitter
from openlive.pipeline.speech_out import MAX_CHUNK_BYTES, SpokenChunk, speak
from openlive.testing import FakeTts

TIMEOUT_S = 5.0


async def stream_words(text: str) -> AsyncIterator[str]:
    """The reply as FakeLLM streams it: one word a piece, spaces in front."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word if i == 0 else " " + word


async def collect(chunks: AsyncIterator[SpokenChunk]) -> list[SpokenChunk]:
    async with asyncio.timeout(TIMEOUT_S):
        return [chunk async for chunk in chunks]


def fake_tts_bytes(clause: str, seconds_per_char: float = 0.05) -> int:
    """PCM bytes FakeTts makes for ``clause``: one tone per word, 50 ms per character plus one."""
    return sum(
        int(OUTPUT_RATE * seconds_per_char * (len(word) + 1)) * 2
        for word in clause.strip().split(" ")
        if word
    )


def clauses_of(text: str) -> list[str]:
    splitter = ClauseSplitter()
    return splitter.push(text) + splitter.flush()


def group_by_clause(chunks: list[SpokenChunk]) -> list[tuple[str, int]]:
    """(clause text, PCM bytes) for each clause, in order."""
    groups: list[tuple[str, int]] = []
    for chunk in chunks:
        if chunk.text is not None:
            groups.append((chunk.text, 0))
        assert groups, "the first chunk carries its clause's text"
        text, size = groups[-1]
        groups[-1] = (text, size + len(chunk.pcm))
    return groups


REPLY = (
    "Hello there. This is a test of speech output, which keeps going for a little while. "
    "Supercalifragilisticexpialidocious words make long tones! Bye"
)


async def test_speak_yields_bounded_chunks_with_each_clause_text_first() -> None:
    chunks = await collect(speak(stream_words(REPLY), FakeTts(), "Puck", "en-US", threading.Event()))

    assert chunks
    for chunk in chunks:
        assert 0 < len(chunk.pcm) <= MAX_CHUNK_BYTES
        assert len(chunk.pcm) % 2 == 0
    texts = [chunk.text for chunk in chunks if chunk.text is not None]
    assert texts == clauses_of(REPLY)
    assert "".join(texts) == REPLY
    # Each clause's audio follows its text, and is all of what FakeTts made for it.
    assert group_by_clause(chunks) == [(clause, fake_tts_bytes(clause)) for clause in clauses_of(REPLY)]
    # A long word's tone is more than one chunk.
    assert sum(1 for chunk in chunks if chunk.text is None) > 0


async def test_the_audio_is_the_synthesiser_audio_as_pcm16() -> None:
    voice = "Kore"
    chunks = await collect(speak(stream_words("Hi."), FakeTts(), voice, "en-US", threading.Event()))
    pcm = b"".join(chunk.pcm for chunk in chunks)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768
    assert samples.size == fake_tts_bytes("Hi.") // 2
    # FakeTts speaks Kore as a 280 Hz tone of amplitude 0.3.
    spectrum = np.abs(np.fft.rfft(samples))
    peak_hz = np.argmax(spectrum) * OUTPUT_RATE / samples.size
    assert abs(peak_hz - (200 + 40 * LIVE_API_VOICES.index(voice))) < 10
    assert abs(np.max(np.abs(samples)) - 0.3) < 0.01


async def test_an_empty_reply_says_nothing() -> None:
    assert await collect(speak(stream_words(""), FakeTts(), "Puck", "en-US", threading.Event())) == []


class RecordingTts(FakeTts):
    """FakeTts that remembers what it was asked, and makes no sound for punctuation."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[tuple[str, str, str]] = []

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        self.requests.append((text, voice, language))
        if not any(ch.isalnum() for ch in text):
            return iter(())
        return super().synthesize(text, voice, language, cancel, rate)


async def test_voice_language_and_stripped_clauses_reach_the_synthesiser() -> None:
    tts = RecordingTts()
    await collect(speak(stream_words("One. Two three."), tts, "Charon", "de-DE", threading.Event()))
    assert tts.requests == [("One.", "Charon", "de-DE"), ("Two three.", "Charon", "de-DE")]


async def test_a_clause_without_sound_still_yields_its_text() -> None:
    tts = RecordingTts()
    reply = "Well. ... Done."
    chunks = await collect(speak(stream_words(reply), tts, "Puck", "en-US", threading.Event()))
    assert group_by_clause(chunks) == [
        ("Well. ", fake_tts_bytes("Well.")),
        ("... ", 0),
        ("Done.", fake_tts_bytes("Done.")),
    ]
    assert "".join(c.text for c in chunks if c.text is not None) == reply


async def test_the_first_clause_is_spoken_before_the_reply_ends() -> None:
    more = asyncio.Event()

    async def pieces() -> AsyncIterator[str]:
        yield "First sentence."
        yield " Second"
        await more.wait()
        yield " sentence."

    spoken = speak(pieces(), FakeTts(), "Puck", "en-US", threading.Event())
    first = await asyncio.wait_for(anext(spoken), TIMEOUT_S)
    assert first.text == "First sentence. "
    more.set()
    rest = await collect(spoken)
    assert [c.text for c in rest if c.text is not None] == ["Second sentence."]


async def test_an_error_in_the_reply_stream_is_raised() -> None:
    async def pieces() -> AsyncIterator[str]:
        yield "Fine so far. "
        raise RuntimeError("the model fell over")

    with pytest.raises(RuntimeError, match="the model fell over"):
        await collect(speak(pieces(), FakeTts(), "Puck", "en-US", threading.Event()))


async def test_an_error_in_the_synthesiser_is_raised() -> None:
    with pytest.raises(ValueError, match="unknown voice"):
        await collect(speak(stream_words("Hello."), FakeTts(), "Nobody", "en-US", threading.Event()))


LONG_REPLY = " ".join(f"Sentence number {i} is here." for i in range(12))


async def test_cancel_stops_synthesis() -> None:
    synthesised: list[str] = []
    tts = FakeTts(piece_delay_s=0.005, on_piece=synthesised.append)
    cancel = threading.Event()
    chunks = []
    at_cancel = 0
    async with asyncio.timeout(TIMEOUT_S):
        async for chunk in speak(stream_words(LONG_REPLY), tts, "Puck", "en-US", cancel):
            chunks.append(chunk)
            if len(chunks) == 1:
                cancel.set()
                at_cancel = len(synthesised)
    # The generator ended; at most the piece in progress was finished after the cancel.
    assert len(synthesised) <= at_cancel + 1
    assert len(synthesised) < len(LONG_REPLY.split(" "))
    spoken = sum(len(c.pcm) for c in chunks)
    assert spoken < fake_tts_bytes(LONG_REPLY)


# Once a bug: after cancel, speak() still yielded every remaining clause's text (with no
# audio), as if it had been spoken.
async def test_cancel_yields_no_text_of_clauses_not_spoken() -> None:
    cancel = threading.Event()
    chunks = []
    async with asyncio.timeout(TIMEOUT_S):
        async for chunk in speak(stream_words(LONG_REPLY), FakeTts(), "Puck", "en-US", cancel):
            chunks.append(chunk)
            if len(chunks) == 1:
                cancel.set()
    texts = [c.text for c in chunks if c.text is not None]
    assert texts == ["Sentence number zero is "]  # the first clause's first words, as spoken


async def test_the_model_waits_while_the_first_clause_is_synthesised() -> None:
    pulled = 0

    async def counted(text: str) -> AsyncIterator[str]:
        nonlocal pulled
        async for piece in stream_words(text):
            pulled += 1
            yield piece
            await asyncio.sleep(0)  # a model's pieces come one at a time

    seen: list[int] = []
    tts = FakeTts(on_piece=lambda word: seen.append(pulled))
    text = "One two three four five six seven eight nine ten."
    chunks = await collect(speak(counted(text), tts, "Puck", "en-US", threading.Event()))
    # The first clause ("One two three four ") is complete once " five" is in; while
    # its first word is synthesised, not one piece more is taken.
    assert seen[0] == 5
    assert "".join(c.text for c in chunks if c.text) == text


async def test_markup_and_numbers_are_spoken_as_words_and_the_clause_text_is_what_was_said() -> None:
    said: list[str] = []
    tts = FakeTts(on_piece=said.append)
    reply = "Here are **three** fruits:\n- **Apple**: $2\n- `Banana`\n```\ncode()\n```\nEnjoy 😀!"
    chunks = await collect(speak(stream_words(reply), tts, "Puck", "en-US", threading.Event()))
    text = "".join(c.text for c in chunks if c.text)
    assert text.split() == "Here are three fruits: Apple: two dollars. Banana. Enjoy!".split()
    assert not set("*`[]|#😀").intersection(text + " ".join(said))
    assert "code" not in text
