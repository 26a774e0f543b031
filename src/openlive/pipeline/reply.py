"""A reply being made: the language model's text, spoken or not, held until it is read.

A :class:`Reply` starts working as soon as it is made: the model generates in a
worker thread and, for a spoken reply, each clause is synthesised as soon as it
is complete. What it makes waits in a small buffer until someone reads it. So a
reply can be started *ahead* of its turn, while the user's trailing silence is
still being timed, and be read from its first clause on once the turn is
committed, or be stopped unread if the user goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from openlive.engines.audio_base import TTS
from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams
from openlive.pipeline.speech_out import PIECES_AHEAD, SpokenChunk, speak
from openlive.pipeline.threads import iterate_in_thread

# What a reply may hold unread: 16 pieces of text, or 16 audio chunks of up to
# 200 ms. Past that, the reply waits for its reader (and the model for the reply).
BUFFER_ITEMS = 16


@dataclass(frozen=True)
class Speech:
    """How to speak a reply.

    Attributes:
        tts: The synthesiser.
        voice: A voice name it accepts.
        language: A BCP-47 code it speaks.
    """

    tts: TTS
    voice: str
    language: str


@dataclass(frozen=True)
class Prelude:
    """What is decided before a reply's answer is generated (native-audio dialog).

    Attributes:
        declined: The reply is not made: the words were not for the assistant.
        thoughts: The reasoning pass's working (empty for none).
        thought_tokens: Its length in tokens.
        messages: The answer's prompt, if it differs from the request's.
    """

    declined: bool = False
    thoughts: str = ""
    thought_tokens: int = 0
    messages: tuple[ChatMessage, ...] | None = None


# Runs in the reply's worker before the answer: judges, thinks, reshapes the prompt.
Prepare = Callable[[Sequence[ChatMessage], threading.Event], Prelude]


class _End:
    pass


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class Reply:
    """Generate (and speak) one reply in the background, buffered until read.

    Args:
        llm: The language model.
        messages: The prompt.
        params: Sampling settings.
        speech: Speak the reply; ``None`` for a text reply.
        executor: Where the model and the synthesiser run.
        cancel: Set to stop the work; a new event if not given.
        buffer_items: Items held unread before the work waits for the reader.
        prepare: Work before the answer, in the same worker (see :class:`Prelude`).
    """

    def __init__(
        self,
        llm: LLM,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        speech: Speech | None = None,
        executor: Executor | None = None,
        cancel: threading.Event | None = None,
        buffer_items: int = BUFFER_ITEMS,
        prepare: Prepare | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._prelude: asyncio.Future[Prelude] = loop.create_future()
        self.stats = GenerationStats()
        self.cancel = cancel or threading.Event()
        self.spoken = speech is not None
        self.started_at = loop.time()
        self._buffer: asyncio.Queue[str | SpokenChunk | _End | _Failure] = asyncio.Queue(buffer_items)
        self._finished = False
        stats, cancel_event = self.stats, self.cancel
        prelude_done = self._prelude

        def settle(prelude: Prelude) -> None:
            if not prelude_done.done():
                prelude_done.set_result(prelude)

        def produce() -> Iterator[str]:
            prelude = Prelude()
            try:
                if prepare is not None:
                    prelude = prepare(messages, cancel_event)
            finally:
                loop.call_soon_threadsafe(settle, prelude)
            if not prelude.declined:
                yield from llm.generate(prelude.messages or messages, params, stats, cancel_event)

        pieces = iterate_in_thread(
            produce,
            cancel_event,
            executor,
            max_ahead=PIECES_AHEAD if speech is not None else BUFFER_ITEMS,
        )
        source: AsyncIterator[str] | AsyncIterator[SpokenChunk] = (
            pieces
            if speech is None
            else speak(pieces, speech.tts, speech.voice, speech.language, cancel_event, executor)
        )
        self._pump = asyncio.create_task(self._fill(source), name="reply")

    async def prelude(self) -> Prelude:
        """What was decided before the answer; waits for it (the judgment, the thinking)."""
        return await asyncio.shield(self._prelude)

    @property
    def finished(self) -> bool:
        """Whether the reader has read the reply to its end."""
        return self._finished

    async def _fill(self, source: AsyncIterator[str] | AsyncIterator[SpokenChunk]) -> None:
        try:
            async for item in source:
                await self._buffer.put(item)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - re-raised for the reader
            await self._buffer.put(_Failure(exc))
            return
        finally:
            close = getattr(source, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        await self._buffer.put(_End())

    async def text(self) -> AsyncIterator[str]:
        """The reply's text pieces, in order (a text reply)."""
        async for item in self._items():
            assert isinstance(item, str)
            yield item

    async def speech(self) -> AsyncIterator[SpokenChunk]:
        """The reply's audio chunks, in order (a spoken reply)."""
        async for item in self._items():
            assert isinstance(item, SpokenChunk)
            yield item

    async def _items(self) -> AsyncIterator[str | SpokenChunk]:
        while not self._finished:
            item = await self._buffer.get()
            if isinstance(item, _End):
                self._finished = True
                return
            if isinstance(item, _Failure):
                self._finished = True
                raise item.exc
            yield item

    def stop(self) -> None:
        """Stop the work unless the reply was read to its end; what it still holds is dropped."""
        if not self._finished:
            self.cancel.set()
        self._pump.cancel()
