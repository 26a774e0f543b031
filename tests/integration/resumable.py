"""Helpers for the resumption, time-limit and token tests: resumable setups and reading handles."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from websockets.exceptions import ConnectionClosed

from openlive.engines.base import ChatMessage
from openlive.testing import FakeLLM, RunningServer

from .helpers import TIMEOUT_S, Closed, LiveClient, is_turn_complete, live, setup_message, user

SYSTEM = "you are a terse assistant"


def resumable_setup(
    handle: str | None = None,
    *,
    system: str | None = SYSTEM,
    transparent: bool | None = None,
    compression: dict[str, Any] | None = None,
    **generation_config: Any,
) -> dict[str, Any]:
    """A text setup with ``sessionResumption`` (resuming ``handle`` if given)."""
    message = setup_message(system=system, **generation_config)
    resumption: dict[str, Any] = {}
    if handle is not None:
        resumption["handle"] = handle
    if transparent is not None:
        resumption["transparent"] = transparent
    message["setup"]["sessionResumption"] = resumption
    if compression is not None:
        message["setup"]["contextWindowCompression"] = compression
    return message


def update_of(message: dict[str, Any]) -> dict[str, Any] | None:
    """The ``sessionResumptionUpdate`` body of ``message``, if it is one."""
    return message.get("sessionResumptionUpdate")


def updates(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [u for m in messages if (u := update_of(m)) is not None]


def last_handle(messages: list[dict[str, Any]]) -> str:
    """The newest resumable handle in ``messages``."""
    handles = [u["newHandle"] for u in updates(messages) if u.get("resumable") and u.get("newHandle")]
    assert handles, f"no resumable handle in {messages}"
    return str(handles[-1])


class Resumable:
    """A connection with a resumable session, and the newest handle it was given."""

    def __init__(self, client: LiveClient, first_update: dict[str, Any]) -> None:
        self.client = client
        self.first_update = first_update
        self.handle: str = first_update["newHandle"]

    async def turn(self, text: str) -> list[dict[str, Any]]:
        """One user turn; the handle is updated from the turn's messages."""
        messages = await self.client.turn(text)
        self.handle = last_handle(messages)
        return messages


@contextlib.asynccontextmanager
async def resumable(
    srv: RunningServer, handle: str | None = None, *, setup: dict[str, Any] | None = None, **kwargs: Any
) -> AsyncIterator[Resumable]:
    """Connect, send a resumable setup, and read setupComplete and the first handle."""
    async with live(srv, **kwargs) as client:
        await client.setup(setup or resumable_setup(handle))
        first = update_of(await client.recv())
        assert first is not None and first.get("resumable") is True and first.get("newHandle"), first
        yield Resumable(client, first)


async def refused_resume(srv: RunningServer, handle: str, **kwargs: Any) -> Closed:
    """Try to resume ``handle``; return the close the server answers with."""
    async with live(srv, **kwargs) as client:
        return await client.refused(resumable_setup(handle))


async def turn_or_close(client: LiveClient, text: str) -> tuple[list[dict[str, Any]], Closed | None]:
    """Send a turn; return its messages, and the close if the server closed instead of finishing it."""
    with contextlib.suppress(ConnectionClosed):
        await client.send(user(text))
    messages: list[dict[str, Any]] = []
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            try:
                message = await client.recv()
            except ConnectionClosed as closed:
                frame = closed.rcvd
                return messages, Closed(
                    frame.code if frame else None, frame.reason if frame else "", messages
                )
            messages.append(message)
            if is_turn_complete(message):
                return messages, None


def last_prompt(fake: FakeLLM) -> list[ChatMessage]:
    assert fake.calls, "the model was never called"
    return fake.calls[-1][0]


def contents(messages: list[ChatMessage]) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in messages]


async def until_closed(srv: RunningServer) -> None:
    """Wait until every connection on ``srv`` has ended, its last save included."""
    async with asyncio.timeout(TIMEOUT_S):
        while srv.state.connections:
            await asyncio.sleep(0.01)
