"""Speak a streamed reply: text pieces in, 24 kHz PCM chunks out, clause by clause.

Two stages run at once: one gathers the language model's pieces into clauses
(the model keeps generating in its own thread meanwhile), the other synthesises
each clause in a worker thread as soon as it is complete. The first audio leaves
when the first clause is spoken, not when the reply is done. While the first
clause is being synthesised the model waits (if its pieces come through a bridge
that holds only a few, see :data:`PIECES_AHEAD`): that clause is what the user
waits for, and the model is far ahead of the speech anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass

from openlive.audio import float_to_pcm16
from openlive.engines.audio_base import OUTPUT_RATE, TTS, Samples
from openlive.pipeline.clauses import ClauseSplitter
from openlive.pipeline.speakable import SpeakableClauses
from openlive.pipeline.threads import iterate_in_thread
from openlive.priority import PRIORITY

log = logging.getLogger(__name__)

# Pieces of the model's text a spoken reply lets the model run ahead of the clause
# splitter: few, so that the model pauses while the first clause is synthesised.
PIECES_AHEAD = 2

# Largest audio message: 200 ms of 16-bit PCM at 24 kHz. Smaller messages let an
# interruption stop the audio sooner; larger ones cost fewer frames.
MAX_CHUNK_BYTES = OUTPUT_RATE * 2 // 5


@dataclass(frozen=True)
class SpokenChunk:
    """A piece of reply audio.

    Attributes:
        pcm: 16-bit little-endian PCM at 24 kHz.
        text: The clause this audio starts, on its first chunk; ``None`` after.
    """

    pcm: bytes
    text: str | None


_END = object()


async def speak(
    pieces: AsyncIterator[str],
    tts: TTS,
    voice: str,
    language: str,
    cancel: threading.Event,
    executor: Executor | None = None,
) -> AsyncIterator[SpokenChunk]:
    """Yield the spoken reply, clause by clause, as PCM chunks.

    Args:
        pieces: The reply's text as the language model streams it.
        tts: The synthesiser.
        voice: A prebuilt voice name the synthesiser accepts.
        language: A BCP-47 code the synthesiser speaks.
        cancel: Set to stop synthesis at its next piece.
        executor: Where synthesis runs.
    """
    clauses: asyncio.Queue[object] = asyncio.Queue()
    started = time.perf_counter()
    first_spoken = asyncio.Event()

    async def gather_clauses() -> None:
        splitter = ClauseSplitter()
        # Each clause is said as plain words (no markup; numbers, units, dates spelled out),
        # and that is also the text the reply's transcription and history get.
        words = SpeakableClauses(language)
        first = True
        try:
            async for piece in pieces:
                for clause in filter(str.strip, map(words.push, splitter.push(piece))):
                    clauses.put_nowait(clause)
                    if first:
                        first = False
                        elapsed = 1000 * (time.perf_counter() - started)
                        log.debug("first clause after %.0f ms: %r", elapsed, clause)
                        # The user waits for the first clause's audio: while it is being
                        # synthesised, the model (which is far ahead of speech) waits,
                        # so that the two do not share the CPU.
                        await first_spoken.wait()
            for clause in filter(str.strip, [*map(words.push, splitter.flush()), words.flush()]):
                clauses.put_nowait(clause)
        except Exception as exc:  # noqa: BLE001 - re-raised by the consumer
            clauses.put_nowait(exc)
        finally:
            clauses.put_nowait(_END)

    gatherer = asyncio.create_task(gather_clauses())
    try:
        while True:
            clause = await clauses.get()
            if clause is _END or cancel.is_set():
                break
            if isinstance(clause, Exception):
                raise clause
            assert isinstance(clause, str)
            text: str | None = clause
            urgent = not first_spoken.is_set()
            audio = iterate_in_thread(
                lambda c=clause, u=urgent: _synthesize(tts, c.strip(), voice, language, cancel, u),  # type: ignore[misc]
                cancel,
                executor,
            )
            async for samples in audio:
                if not first_spoken.is_set():
                    log.debug("first audio after %.0f ms", 1000 * (time.perf_counter() - started))
                    first_spoken.set()
                pcm = float_to_pcm16(samples)
                for start in range(0, len(pcm), MAX_CHUNK_BYTES):
                    yield SpokenChunk(pcm=pcm[start : start + MAX_CHUNK_BYTES], text=text)
                    text = None
            first_spoken.set()
            if text is not None and not cancel.is_set():
                # The synthesiser made no sound for this clause (punctuation only):
                # its text still belongs to the reply.
                yield SpokenChunk(pcm=b"", text=text)
    finally:
        gatherer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gatherer


def _synthesize(
    tts: TTS, text: str, voice: str, language: str, cancel: threading.Event, urgent: bool
) -> Iterator[Samples]:
    """Synthesise one clause (in a worker thread): the first is urgent, the others step aside."""
    if urgent:
        with PRIORITY.urgent():
            yield from tts.synthesize(text, voice, language, cancel)
        return
    PRIORITY.step_aside()
    yield from tts.synthesize(text, voice, language, cancel)
