"""The pacing stage: a reply's chunks go out at real time plus a lead, and are timed.

Audio is paced so that the reply is still going out while the user hears it: a
barge-in then cuts what they have not heard, and the history keeps what they did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from openlive.engines.audio_base import OUTPUT_RATE
from openlive.pipeline.reply import Reply
from openlive.pipeline.speech_out import SpokenChunk


@dataclass(frozen=True)
class Paced:
    """What a paced reply sent.

    Attributes:
        audio_s: Seconds of audio sent.
        first_audio_s: From the reply's start to its first audio sent (0: none).
        sending_started_at: When the turn started reading the reply (loop time).
    """

    audio_s: float
    first_audio_s: float
    sending_started_at: float


async def pace(
    reply: Reply,
    lead_s: float | None,
    room: Callable[[], Awaitable[None]],
    on_text: Callable[[str], None],
    on_audio: Callable[[SpokenChunk], None],
) -> Paced:
    """Read ``reply`` to its end, handing each piece on in time.

    Args:
        reply: The reply to send.
        lead_s: How far audio may run ahead of real time; ``None``: as fast as made.
        room: Waits until the client has read enough (backpressure).
        on_text: Takes each text piece (a text reply).
        on_audio: Takes each spoken chunk (a spoken reply).
    """
    loop = asyncio.get_running_loop()
    sending_started_at = loop.time()
    audio_s = 0.0
    first_audio_s = 0.0
    if not reply.spoken:
        async for piece in reply.text():
            await room()
            on_text(piece)
        return Paced(0.0, 0.0, sending_started_at)
    started_at: float | None = None
    async for chunk in reply.speech():
        await room()
        if lead_s is not None and started_at is not None:
            ahead = audio_s - (loop.time() - started_at)
            if ahead > lead_s:
                await asyncio.sleep(ahead - lead_s)
        if started_at is None:
            started_at = loop.time()
            first_audio_s = started_at - reply.started_at
        audio_s += len(chunk.pcm) / 2 / OUTPUT_RATE
        on_audio(chunk)
    return Paced(audio_s, first_audio_s, sending_started_at)
