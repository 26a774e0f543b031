"""An engine that fails closes its session with 1011; the server keeps serving."""

from __future__ import annotations

import logging

import pytest

from openlive.errors import ContextWindowExceeded
from openlive.testing import FakeLLM, running_server

from .helpers import (
    MODEL,
    check_serving,
    kinds,
    live,
    session,
    setup_message,
    text_of,
    user,
    words,
)

BROKEN = "models/broken-model"


async def test_engine_error_closes_1011_and_other_sessions_carry_on(caplog: pytest.LogCaptureFixture) -> None:
    broken, healthy = FakeLLM(fail_after=0), FakeLLM()
    caplog.set_level(logging.INFO, logger="openlive")
    async with running_server({"broken-model": broken, MODEL: healthy}) as srv:
        async with session(srv) as bystander:
            async with live(srv) as victim:
                setup_complete = await victim.setup(setup_message(model=BROKEN))
                await victim.send(user("hello"))
                closed = await victim.closed()
            assert closed.code == 1011
            assert "model failed" in closed.reason
            # The traceback stays in the server log; the reason names the session to look for.
            assert "RuntimeError" not in closed.reason
            assert setup_complete["setupComplete"]["sessionId"] in closed.reason
            assert any(r.exc_info and "the model fell over" in str(r.exc_info[1]) for r in caplog.records), (
                "the engine's traceback is logged"
            )
            # A session open at the time is unaffected ...
            assert text_of(await bystander.turn("fine")) == "echo: fine"
        # ... and new sessions are served.
        await check_serving(srv)
        assert len(broken.calls) == 1


async def test_engine_error_mid_reply_closes_1011_after_what_was_sent() -> None:
    broken = FakeLLM(fail_after=3)
    async with running_server({"broken-model": broken, MODEL: FakeLLM()}) as srv:
        async with session(srv, setup_message(model=BROKEN)) as client:
            await client.send(user(words(10)))
            received = []
            while len(received) < 3:
                received.append(await client.recv())
            closed = await client.closed()
        assert kinds(received) == ["modelTurn"] * 3
        assert text_of(received) == "echo: w0 w1"
        assert closed.code == 1011
        await check_serving(srv)


async def test_engine_raising_an_openlive_error_closes_with_its_code() -> None:
    broken = FakeLLM(
        fail_after=0, error=ContextWindowExceeded("the conversation no longer fits the context window")
    )
    async with running_server({"broken-model": broken, MODEL: FakeLLM()}) as srv:
        async with session(srv, setup_message(model=BROKEN)) as client:
            await client.send(user("long story"))
            closed = await client.closed()
        assert closed.code == 1007
        assert "context window" in closed.reason
        await check_serving(srv)


async def test_repeated_engine_failures_do_not_exhaust_the_server() -> None:
    broken = FakeLLM(fail_after=1)
    async with running_server({"broken-model": broken, MODEL: FakeLLM()}, max_sessions=2) as srv:
        for _ in range(5):
            async with session(srv, setup_message(model=BROKEN)) as client:
                await client.send(user("again"))
                assert (await client.closed()).code == 1011
        await check_serving(srv)
