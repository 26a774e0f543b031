"""Helpers for the integration tests: a small Live API client and test engines.

The client here is a plain WebSocket (``websockets``) that sends the JSON the
official SDKs send, so every test sees exactly what goes over the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from openlive.testing import RunningServer

MODEL = "models/gemini-2.0-flash-live-001"
# Every wait in these tests is bounded, so no test can hang.
TIMEOUT_S = 5.0


def setup_message(
    model: str = MODEL,
    system: str | None = None,
    **generation_config: Any,
) -> dict[str, Any]:
    """The setup the Python SDK sends for a text session."""
    config: dict[str, Any] = {"responseModalities": ["TEXT"], **generation_config}
    body: dict[str, Any] = {"model": model, "generationConfig": config}
    if system is not None:
        body["systemInstruction"] = {"parts": [{"text": system}]}
    return {"setup": body}


def content(*turns: tuple[str, str], turn_complete: bool = True) -> dict[str, Any]:
    """A ``client_content`` message of ``(role, text)`` turns, as the Python SDK writes it."""
    return {
        "client_content": {
            "turns": [{"role": role, "parts": [{"text": text}]} for role, text in turns],
            "turnComplete": turn_complete,
        }
    }


def user(text: str, turn_complete: bool = True) -> dict[str, Any]:
    """One user turn."""
    return content(("user", text), turn_complete=turn_complete)


def server_content(message: dict[str, Any]) -> dict[str, Any]:
    return message.get("serverContent", {})


def is_turn_complete(message: dict[str, Any]) -> bool:
    return bool(server_content(message).get("turnComplete"))


def text_of(messages: Sequence[dict[str, Any]]) -> str:
    """The model text streamed in ``messages``."""
    return "".join(
        part.get("text", "")
        for m in messages
        for part in server_content(m).get("modelTurn", {}).get("parts", [])
    )


def kinds(messages: Sequence[dict[str, Any]]) -> list[str]:
    """A compact name for each message: ``setupComplete``, ``modelTurn``, ``turnComplete``..."""
    names = []
    for m in messages:
        body = server_content(m)
        if body:
            names.extend(
                key
                for key in ("modelTurn", "interrupted", "generationComplete", "turnComplete")
                if key in body
            )
        else:
            names.extend(m)
    return names


@dataclass
class Closed:
    """How the server closed a connection."""

    code: int | None
    reason: str
    # Messages that arrived before the close.
    messages: list[dict[str, Any]] = field(default_factory=list)


class LiveClient:
    """A thin Live API client over a raw WebSocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(json.dumps(message) if isinstance(message, dict) else message)

    async def recv(self, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        frame = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(frame, str), "server messages are text frames"
        return json.loads(frame)

    async def setup(self, message: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send setup and return the server's first message, which must be setupComplete."""
        await self.send(message or setup_message())
        first = await self.recv()
        assert "setupComplete" in first, first
        return first

    async def until_turn_complete(self, timeout: float = TIMEOUT_S) -> list[dict[str, Any]]:
        """Messages up to and including the next turnComplete."""
        messages: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv(timeout)
                messages.append(message)
                if is_turn_complete(message):
                    return messages

    async def turn(self, text: str) -> list[dict[str, Any]]:
        """Send one complete user turn and collect the reply."""
        await self.send(user(text))
        return await self.until_turn_complete()

    async def refused(self, message: dict[str, Any] | None = None) -> Closed:
        """Send setup as a client would, and return the close the server refuses it with.

        The close may arrive before the setup is sent (then sending fails) or in answer to it.
        """
        with contextlib.suppress(ConnectionClosed):
            await self.send(message or setup_message())
        return await self.closed()

    async def closed(self, timeout: float = TIMEOUT_S) -> Closed:
        """Read until the server closes; return its close code and reason."""
        messages = []
        async with asyncio.timeout(timeout):
            try:
                while True:
                    messages.append(json.loads(await self.ws.recv()))
            except ConnectionClosed as closed:
                frame = closed.rcvd
                return Closed(frame.code if frame else None, frame.reason if frame else "", messages)


@contextlib.asynccontextmanager
async def live(
    srv: RunningServer,
    *,
    version: str = "v1beta",
    method: str = "BidiGenerateContent",
    query: str = "",
    headers: dict[str, str] | None = None,
    url: str | None = None,
    **kwargs: Any,
) -> AsyncIterator[LiveClient]:
    """Open a WebSocket to the Live endpoint of ``srv``."""
    target = url or srv.url(version=version, method=method, query=query)
    async with asyncio.timeout(TIMEOUT_S):
        ws = await connect(target, additional_headers=headers, open_timeout=TIMEOUT_S, **kwargs)
    try:
        yield LiveClient(ws)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), TIMEOUT_S)


@contextlib.asynccontextmanager
async def session(
    srv: RunningServer, setup: dict[str, Any] | None = None, **kwargs: Any
) -> AsyncIterator[LiveClient]:
    """A connection that has completed setup."""
    async with live(srv, **kwargs) as client:
        await client.setup(setup)
        yield client


async def check_serving(srv: RunningServer, text: str = "still here") -> None:
    """A fresh session on ``srv`` gets a full, correct reply."""
    async with session(srv) as client:
        reply = await client.turn(text)
    assert text_of(reply) == f"echo: {text}"
    assert kinds(reply)[-2:] == ["generationComplete", "turnComplete"]


async def wait_for_condition(predicate: Any, timeout: float = TIMEOUT_S) -> None:
    """Poll ``predicate`` until true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def words(n: int, stem: str = "w") -> str:
    """``n`` distinct words: ``w0 w1 w2 ...``."""
    return " ".join(f"{stem}{i}" for i in range(n))
