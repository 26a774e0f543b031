"""Session resumption over a real SQLite store: the documented flow, other replicas, refusals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from openlive.session.handles import make_handle
from openlive.store import SessionRecord, SqliteStore, open_store
from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import TIMEOUT_S, kinds, live, setup_message, text_of
from .resumable import (
    SYSTEM,
    contents,
    last_handle,
    last_prompt,
    refused_resume,
    resumable,
    resumable_setup,
    until_closed,
    updates,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "sessions.db")
    yield store
    await store.close()


@pytest.fixture
async def srv(fake: FakeLLM, store: SqliteStore) -> AsyncIterator[RunningServer]:
    async with running_server(fake, store=store) as server:
        yield server


async def test_the_documented_flow_hands_out_handles_inside_each_turn(srv: RunningServer) -> None:
    async with resumable(srv) as conn:
        assert set(conn.first_update) == {"newHandle", "resumable"}
        messages = await conn.turn("hello there")
    assert text_of(messages) == "echo: hello there"
    # Resumable false as the reply starts; a fresh handle after it, before turnComplete.
    assert kinds(messages)[0] == "sessionResumptionUpdate"
    assert updates(messages)[0] == {"resumable": False}
    assert kinds(messages)[-3:] == ["generationComplete", "sessionResumptionUpdate", "turnComplete"]
    final = updates(messages)[-1]
    assert final["resumable"] is True
    assert final["newHandle"] != conn.first_update["newHandle"]
    assert "lastConsumedClientMessageIndex" not in final


async def test_a_resumed_session_remembers_the_earlier_turns_and_setup(
    srv: RunningServer, fake: FakeLLM
) -> None:
    async with resumable(srv) as conn:
        await conn.turn("my name is Ada")
        await conn.turn("I like tea")
        handle = conn.handle
    async with resumable(srv, handle, setup=resumable_setup(handle, system=None)) as conn:
        messages = await conn.turn("what is my name?")
    assert text_of(messages) == "echo: what is my name?"
    assert contents(last_prompt(fake)) == [
        ("system", SYSTEM),
        ("user", "my name is Ada"),
        ("assistant", "echo: my name is Ada"),
        ("user", "I like tea"),
        ("assistant", "echo: I like tea"),
        ("user", "what is my name?"),
    ]


async def test_context_sent_after_the_last_handle_is_kept_when_the_connection_ends(
    srv: RunningServer, fake: FakeLLM
) -> None:
    async with resumable(srv) as conn:
        await conn.turn("first")
        handle = conn.handle
        await conn.client.send(
            {
                "clientContent": {
                    "turns": [{"role": "user", "parts": [{"text": "a note"}]}],
                    "turnComplete": False,
                }
            }
        )
    # The note (no reply, so no checkpoint) is saved when the connection ends.
    await until_closed(srv)
    async with resumable(srv, handle) as conn:
        await conn.turn("next")
    assert ("user", "a note") in contents(last_prompt(fake))


async def test_a_session_resumes_on_a_second_server_sharing_the_store_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    first_store, second_store = open_store(path), open_store(path)
    first_fake, second_fake = FakeLLM(), FakeLLM()
    try:
        async with (
            running_server(first_fake, store=first_store) as first,
            running_server(second_fake, store=second_store) as second,
        ):
            async with resumable(first) as conn:
                await conn.turn("remember the number 42")
                handle = conn.handle
            await until_closed(first)
            async with resumable(second, handle) as conn:
                messages = await conn.turn("which number?")
                # The second replica hands out handles the first accepts.
                handle = conn.handle
            await until_closed(second)
            async with resumable(first, handle) as conn:
                await conn.turn("and again?")
    finally:
        await first_store.close()
        await second_store.close()
    assert text_of(messages) == "echo: which number?"
    assert contents(second_fake.calls[-1][0]) == [
        ("system", SYSTEM),
        ("user", "remember the number 42"),
        ("assistant", "echo: remember the number 42"),
        ("user", "which number?"),
    ]
    assert [m.content for m in last_prompt(first_fake)][-3:] == [
        "which number?",
        "echo: which number?",
        "and again?",
    ]


async def test_transparent_resumption_reports_the_last_consumed_message_index(srv: RunningServer) -> None:
    async with resumable(srv, setup=resumable_setup(transparent=True)) as conn:
        indexes = [int(conn.first_update["lastConsumedClientMessageIndex"])]
        for text in ("one", "two", "three"):
            messages = await conn.turn(text)
            final = updates(messages)[-1]
            assert final["resumable"] is True
            indexes.append(int(final["lastConsumedClientMessageIndex"]))
    assert indexes == [0, 1, 2, 3]


async def test_an_expired_handle_is_refused_1008(fake: FakeLLM, store: SqliteStore) -> None:
    async with running_server(fake, store=store, handle_ttl_s=0.3) as srv:
        async with resumable(srv) as conn:
            await conn.turn("hello")
            handle = conn.handle
        await until_closed(srv)
        await asyncio.sleep(0.6)
        closed = await refused_resume(srv, handle)
    assert closed.code == 1008
    assert "unknown or expired" in closed.reason
    assert "start a new session" in closed.reason


async def test_a_handle_is_refused_under_another_api_key(fake: FakeLLM, store: SqliteStore) -> None:
    async with running_server(fake, store=store, api_keys=["key-one", "key-two"]) as srv:
        async with resumable(srv, headers={"x-goog-api-key": "key-one"}) as conn:
            await conn.turn("secret stuff")
            handle = conn.handle
        await until_closed(srv)
        closed = await refused_resume(srv, handle, headers={"x-goog-api-key": "key-two"})
        assert closed.code == 1008
        assert "another API key" in closed.reason
        # The owner still can.
        async with resumable(srv, handle, query="key=key-one") as conn:
            await conn.turn("still mine")
    assert ("user", "secret stuff") in contents(last_prompt(fake))


async def test_a_tampered_handle_is_refused_1008(srv: RunningServer) -> None:
    async with resumable(srv) as conn:
        handle = conn.handle
    session_id, version, signature = handle.split(".")
    tampered = f"{session_id}.{version}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    closed = await refused_resume(srv, tampered)
    assert closed.code == 1008
    assert "altered" in closed.reason


@pytest.mark.parametrize("handle", ["not-a-handle", "a" * 32 + ".1"])
async def test_a_malformed_handle_is_refused_1008(srv: RunningServer, handle: str) -> None:
    closed = await refused_resume(srv, handle)
    assert closed.code == 1008
    assert "malformed" in closed.reason


async def test_a_handle_from_another_store_is_refused_1008(srv: RunningServer, tmp_path: Path) -> None:
    other = SqliteStore(tmp_path / "other.db")
    try:
        foreign = make_handle(await other.secret(), uuid.uuid4().hex, 1)
    finally:
        await other.close()
    closed = await refused_resume(srv, foreign)
    assert closed.code == 1008
    assert "another server" in closed.reason


async def test_a_well_signed_handle_for_an_unknown_session_is_refused_1008(
    srv: RunningServer, store: SqliteStore
) -> None:
    unknown = make_handle(await store.secret(), uuid.uuid4().hex, 1)
    closed = await refused_resume(srv, unknown)
    assert closed.code == 1008
    assert "unknown or expired" in closed.reason


async def test_a_handle_newer_than_the_saved_session_is_refused_1008(
    srv: RunningServer, store: SqliteStore
) -> None:
    async with resumable(srv) as conn:
        handle = conn.handle
    await until_closed(srv)
    session_id, version, _ = handle.split(".")
    ahead = make_handle(await store.secret(), session_id, int(version) + 100)
    closed = await refused_resume(srv, ahead)
    assert closed.code == 1008
    assert "unknown or expired" in closed.reason


async def test_session_resumption_without_a_store_is_refused_1007() -> None:
    async with running_server(FakeLLM()) as srv:
        async with live(srv) as client:
            closed = await client.refused(resumable_setup())
        assert closed.code == 1007
        assert "sessionResumption" in closed.reason
        # Sessions that do not ask for it are served.
        async with live(srv) as client:
            await client.setup(setup_message())
            assert text_of(await client.turn("fine")) == "echo: fine"


async def test_without_session_resumption_no_updates_are_sent(srv: RunningServer) -> None:
    async with live(srv) as client:
        await client.setup(setup_message())
        messages = await client.turn("plain")
    assert updates(messages) == []


async def test_the_old_connection_closing_late_does_not_undo_the_resumed_session(
    srv: RunningServer, store: SqliteStore, fake: FakeLLM
) -> None:
    async with resumable(srv) as old:
        await old.turn("on the old connection")
        async with resumable(srv, old.handle) as new:
            await new.turn("on the new connection")
            newest = new.handle
            # The old connection ends only now, while the new one carries on.
            await old.client.ws.close()
            async with asyncio.timeout(TIMEOUT_S):
                while len(srv.state.connections) > 1:
                    await asyncio.sleep(0.01)
            async with resumable(srv, newest) as third:
                await third.turn("on the third connection")
    assert ("user", "on the new connection") in contents(last_prompt(fake))


async def test_handles_keep_working_across_several_resumptions(srv: RunningServer, fake: FakeLLM) -> None:
    handle = None
    for n in range(4):
        async with resumable(srv, handle) as conn:
            messages = await conn.turn(f"turn {n}")
            handle = last_handle(messages)
        await until_closed(srv)
    assert [m.content for m in last_prompt(fake) if m.role == "user"] == [f"turn {n}" for n in range(4)]


class BrokenStore(SqliteStore):
    """A store whose session writes fail, as a full disk or a lost Redis would."""

    async def save_session(self, session_id: str, record: SessionRecord) -> None:
        raise OSError("disk full")


async def test_a_store_that_cannot_save_closes_the_session_1011(tmp_path: Path, fake: FakeLLM) -> None:
    broken = BrokenStore(tmp_path / "broken.db")
    try:
        async with running_server(fake, store=broken) as srv:
            async with live(srv) as client:
                await client.setup(resumable_setup())
                closed = await client.closed()
            assert closed.code == 1011
            assert "could not save the session" in closed.reason
            # No handle was handed out for state that was never saved.
            assert updates(closed.messages) == []
            # The server itself carries on.
            async with live(srv) as client:
                await client.setup(setup_message())
                assert text_of(await client.turn("fine")) == "echo: fine"
    finally:
        await broken.close()
