"""A small Live API client for the benchmark, speaking the JSON the official Python SDK sends.

It connects over the real WebSocket path (``websockets``, as google-genai does),
sends ``setup`` then ``realtime_input`` audio chunks or ``client_content`` turns,
and timestamps every server message the moment it is received. A
:class:`Microphone` streams audio in real time, 20-40 ms at a time, silence when
the user says nothing, and notes when the first and last voiced samples of each
utterance went out.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import json
import os
import ssl
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from openlive.bench.speech import RATE, Utterance

LIVE_PATH = "/ws/google.ai.generativelanguage.{version}.GenerativeService.BidiGenerateContent"
OUTPUT_RATE = 24_000


class BenchError(Exception):
    """The server refused, closed or did not answer as the Live API says."""


def now() -> float:
    """The clock every benchmark timestamp uses (monotonic seconds)."""
    return time.monotonic()


def live_url(server: str, version: str = "v1beta") -> str:
    """The Live WebSocket URL for ``server``.

    ``server`` may be a base URL (``ws://host:port``, ``https://host:port``) or a
    full Live endpoint URL; ``http`` maps to ``ws`` and ``https`` to ``wss``, as the
    JS SDK does.

    Raises:
        ValueError: Not a ws, wss, http or https URL.
    """
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"--server {server!r}: expected a ws://, wss://, http:// or https:// URL")
    path = parts.path if parts.path.strip("/") else LIVE_PATH.format(version=version)
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def ssl_context(url: str) -> ssl.SSLContext | None:
    """For ``wss://``: a context trusting the system CAs, or ``SSL_CERT_FILE`` when it is set."""
    if not url.startswith("wss:"):
        return None
    return ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)


@dataclass(frozen=True)
class Endpoint:
    """Where and how to connect.

    Attributes:
        url: The Live WebSocket URL.
        api_key: Sent as ``x-goog-api-key``, as the Python SDK does.
        model: The model name (``models/`` is added, as the SDK does).
    """

    url: str
    api_key: str
    model: str


def voice_setup(
    model: str,
    max_output_tokens: int,
    seed: int | None = None,
    voice: str = "Puck",
    system_instruction: str | None = None,
) -> dict[str, Any]:
    """A ``setup`` for spoken replies, in the Python SDK's spelling, with both transcriptions on."""
    config: dict[str, Any] = {
        "responseModalities": ["AUDIO"],
        "maxOutputTokens": max_output_tokens,
        "speechConfig": {"voice_config": {"prebuilt_voice_config": {"voice_name": voice}}},
    }
    if seed is not None:
        config["seed"] = seed
    setup: dict[str, Any] = {
        "model": _model_path(model),
        "generationConfig": config,
        "inputAudioTranscription": {},
        "outputAudioTranscription": {},
    }
    if system_instruction:
        setup["systemInstruction"] = {"parts": [{"text": system_instruction}], "role": "user"}
    return {"setup": setup}


def text_setup(
    model: str, max_output_tokens: int, seed: int | None = None, system_instruction: str | None = None
) -> dict[str, Any]:
    """A ``setup`` for text replies, in the Python SDK's spelling."""
    config: dict[str, Any] = {"responseModalities": ["TEXT"], "maxOutputTokens": max_output_tokens}
    if seed is not None:
        config["seed"] = seed
    setup: dict[str, Any] = {"model": _model_path(model), "generationConfig": config}
    if system_instruction:
        setup["systemInstruction"] = {"parts": [{"text": system_instruction}], "role": "user"}
    return {"setup": setup}


def _model_path(model: str) -> str:
    return model if model.startswith("models/") else f"models/{model}"


def _b64_size(data: str) -> int:
    """Bytes encoded by base64 text (standard or URL-safe, padded or not)."""
    return len(data.rstrip("=")) * 3 // 4


@dataclass
class Turn:
    """One model turn as the client saw it; every ``*_at`` is a :func:`now` timestamp.

    Attributes:
        started_at: First message of the turn.
        first_audio_at: First reply audio byte.
        first_text_at: First text part.
        last_text_at: Last text part.
        last_audio_at: Last reply audio.
        interrupted_at: ``interrupted`` arrived.
        generation_complete_at: ``generationComplete`` arrived.
        complete_at: ``turnComplete`` arrived.
        audio_bytes: Reply audio received (24 kHz 16-bit PCM).
        text: Text parts joined.
        transcript: ``outputTranscription`` joined (what the spoken reply says).
        heard: ``inputTranscription`` joined (what the server heard).
        usage: ``usageMetadata``, if sent.
    """

    started_at: float
    first_audio_at: float | None = None
    first_text_at: float | None = None
    last_text_at: float | None = None
    last_audio_at: float | None = None
    interrupted_at: float | None = None
    generation_complete_at: float | None = None
    complete_at: float | None = None
    audio_bytes: int = 0
    text: str = ""
    transcript: str = ""
    heard: str = ""
    usage: dict[str, Any] | None = None
    first_audio: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    done: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def audio_s(self) -> float:
        """Seconds of reply audio received."""
        return self.audio_bytes / 2 / OUTPUT_RATE


class LiveClient:
    """One Live API session over a WebSocket.

    Use :meth:`open`; messages are read by a background task into :class:`Turn` records.
    """

    def __init__(self, ws: ClientConnection, session_id: str) -> None:
        self._ws = ws
        self.session_id = session_id
        self._turn: Turn | None = None
        self._started: asyncio.Queue[Turn] = asyncio.Queue()
        # Every reply audio message: when it arrived and how many bytes it carried.
        self.audio_log: list[tuple[float, int]] = []
        self.close_reason: str | None = None
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read(), name=f"bench-read-{session_id}")

    @classmethod
    async def open(cls, endpoint: Endpoint, setup: dict[str, Any], timeout_s: float = 30.0) -> LiveClient:
        """Connect, send ``setup`` and wait for ``setupComplete``.

        Raises:
            BenchError: The connection failed or the server refused the setup.
        """
        headers = {"x-goog-api-key": endpoint.api_key, "Content-Type": "application/json"}
        try:
            ws = await asyncio.wait_for(
                connect(
                    endpoint.url,
                    additional_headers=headers,
                    ssl=ssl_context(endpoint.url),
                    max_size=None,
                    ping_interval=None,
                    open_timeout=timeout_s,
                ),
                timeout_s,
            )
        except (OSError, TimeoutError, ConnectionClosed) as exc:
            raise BenchError(f"cannot connect to {endpoint.url}: {exc}") from exc
        try:
            await ws.send(json.dumps(setup))
            raw = await asyncio.wait_for(ws.recv(), timeout_s)
        except ConnectionClosed as exc:
            reason = exc.rcvd.reason if exc.rcvd else "no close frame"
            code = exc.rcvd.code if exc.rcvd else 1006
            raise BenchError(f"the server closed the session at setup ({code}): {reason}") from exc
        except TimeoutError as exc:
            await ws.close()
            raise BenchError(f"no setupComplete within {timeout_s:.0f} s") from exc
        message = json.loads(raw)
        complete = message.get("setupComplete", message.get("setup_complete"))
        if complete is None:
            await ws.close()
            raise BenchError(f"expected setupComplete, got {str(message)[:200]}")
        return cls(ws, str(complete.get("sessionId", complete.get("session_id", "")) or ""))

    async def send_audio(self, pcm: bytes, rate: int = RATE) -> None:
        """One ``realtime_input`` audio chunk, as ``send_realtime_input(audio=...)`` sends it."""
        data = base64.b64encode(pcm).decode("ascii")
        await self._ws.send(
            json.dumps({"realtime_input": {"audio": {"data": data, "mime_type": f"audio/pcm;rate={rate}"}}})
        )

    async def send_video(self, frame: bytes, mime: str = "image/jpeg") -> None:
        """One video frame, as ``send_realtime_input(video=...)`` sends it."""
        data = base64.b64encode(frame).decode("ascii")
        await self._ws.send(json.dumps({"realtime_input": {"video": {"data": data, "mime_type": mime}}}))

    async def send_text(self, text: str) -> None:
        """A user turn, as ``send_client_content(turns=..., turn_complete=True)`` sends it."""
        turns = [{"parts": [{"text": text}], "role": "user"}]
        await self._ws.send(json.dumps({"client_content": {"turns": turns, "turn_complete": True}}))

    async def next_turn(self, timeout_s: float) -> Turn:
        """The next turn, as soon as its first message arrives.

        Raises:
            BenchError: The session closed, or no turn started within ``timeout_s``.
        """
        getter = asyncio.ensure_future(self._started.get())
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            done, _ = await asyncio.wait(
                {getter, closed}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            closed.cancel()
        if getter in done:
            return getter.result()
        getter.cancel()
        if self.closed.is_set():
            raise BenchError(f"the server closed the session: {self.close_reason}")
        raise BenchError(f"no reply within {timeout_s:.0f} s")

    async def wait(self, event: asyncio.Event, timeout_s: float, what: str) -> None:
        """Wait for ``event``, failing early if the session closes.

        Raises:
            BenchError: The session closed, or ``event`` was not set within ``timeout_s``.
        """
        if event.is_set():
            return
        waiter = asyncio.ensure_future(event.wait())
        closed = asyncio.ensure_future(self.closed.wait())
        try:
            await asyncio.wait({waiter, closed}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            closed.cancel()
        if event.is_set():
            return
        if self.closed.is_set():
            raise BenchError(f"the server closed the session waiting for {what}: {self.close_reason}")
        raise BenchError(f"no {what} within {timeout_s:.0f} s")

    def audio_between(self, start: float, end: float) -> tuple[int, float | None]:
        """Reply audio bytes received in ``(start, end]``, and when the last of it arrived."""
        total, last = 0, None
        for at, size in self.audio_log:
            if start < at <= end:
                total += size
                last = at
        return total, last

    async def close(self) -> None:
        """Close the WebSocket and stop reading."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), 5)
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                self._handle(now(), json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            code = self._ws.close_code
            self.close_reason = f"{code} {self._ws.close_reason or ''}".strip() if code else "connection lost"
            self.closed.set()

    def _handle(self, at: float, message: dict[str, Any]) -> None:
        content = message.get("serverContent", message.get("server_content"))
        usage = message.get("usageMetadata", message.get("usage_metadata"))
        if content is None:
            return
        turn = self._turn
        if turn is None:
            turn = self._turn = Turn(started_at=at)
            self._started.put_nowait(turn)
        model_turn = content.get("modelTurn", content.get("model_turn")) or {}
        for part in model_turn.get("parts", []):
            inline = part.get("inlineData", part.get("inline_data"))
            if inline is not None:
                size = _b64_size(inline.get("data", ""))
                self.audio_log.append((at, size))
                turn.audio_bytes += size
                turn.last_audio_at = at
                if turn.first_audio_at is None and size:
                    turn.first_audio_at = at
                    turn.first_audio.set()
            text = part.get("text")
            if text:
                turn.text += text
                turn.last_text_at = at
                if turn.first_text_at is None:
                    turn.first_text_at = at
        for key, attr in (("outputTranscription", "transcript"), ("inputTranscription", "heard")):
            transcription = content.get(key, content.get(_snake(key)))
            if transcription and transcription.get("text"):
                setattr(turn, attr, getattr(turn, attr) + transcription["text"])
        if content.get("interrupted"):
            turn.interrupted_at = at
        if content.get("generationComplete", content.get("generation_complete")):
            turn.generation_complete_at = at
        if usage is not None:
            turn.usage = usage
        if content.get("turnComplete", content.get("turn_complete")):
            turn.complete_at = at
            turn.done.set()
            self._turn = None


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@dataclass
class Speaking:
    """An utterance the microphone is sending, and when its voice went out.

    Attributes:
        utterance: The audio.
        chunk_ms: Chunk length it was sent in.
        first_sent_at: Its first chunk was sent.
        voiced_start_at: The chunk holding its first voiced sample was sent.
        voiced_end_at: The chunk holding its last voiced sample was sent.
        finished_at: Its last chunk was sent.
    """

    utterance: Utterance
    chunk_ms: int
    first_sent_at: float | None = None
    voiced_start_at: float | None = None
    voiced_end_at: float | None = None
    finished_at: float | None = None
    voiced_started: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    voiced_ended: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    finished: asyncio.Event = field(default_factory=asyncio.Event, repr=False)


class Microphone:
    """Streams audio to a session in real time, like a microphone: utterances, else silence.

    Chunks leave on a fixed schedule (each one ``chunk_ms`` after the previous, as
    a microphone delivers them once recorded); a late chunk goes at once, so the
    stream catches up instead of drifting.

    Args:
        client: The session to send to.
        chunk_ms: Chunk length, 20-40 ms.
    """

    def __init__(self, client: LiveClient, chunk_ms: int = 20) -> None:
        self._client = client
        self.chunk_ms = chunk_ms
        self._queue: collections.deque[Speaking] = collections.deque()
        self._task: asyncio.Task[None] | None = None
        self.late_chunks = 0

    def say(self, utterance: Utterance, chunk_ms: int | None = None) -> Speaking:
        """Queue ``utterance``, sent in ``chunk_ms`` chunks; it starts after what is being said now."""
        speaking = Speaking(utterance, chunk_ms or self.chunk_ms)
        self._queue.append(speaking)
        return speaking

    def start(self) -> None:
        """Start streaming."""
        self._task = asyncio.create_task(self._run(), name=f"bench-mic-{self._client.session_id}")

    async def stop(self) -> None:
        """Stop streaming."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @property
    def failed(self) -> BaseException | None:
        """Why streaming stopped, if it stopped on an error."""
        if self._task is None or not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        current: Speaking | None = None
        position = 0
        while True:
            if current is None and self._queue:
                current, position = self._queue.popleft(), 0
            step_ms = current.chunk_ms if current is not None else self.chunk_ms
            due += step_ms / 1000
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -step_ms / 1000:
                self.late_chunks += 1
            if current is None:
                await self._client.send_audio(bytes(2 * RATE * step_ms // 1000))
                continue
            utterance = current.utterance
            end = min(position + RATE * step_ms // 1000, utterance.samples)
            await self._client.send_audio(utterance.pcm[2 * position : 2 * end])
            sent = now()
            if current.first_sent_at is None:
                current.first_sent_at = sent
            if position <= utterance.voiced_start < end:
                current.voiced_start_at = sent
                current.voiced_started.set()
            if position < utterance.voiced_end <= end:
                current.voiced_end_at = sent
                current.voiced_ended.set()
            position = end
            if position >= utterance.samples:
                current.finished_at = sent
                current.finished.set()
                current = None
