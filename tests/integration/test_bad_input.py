"""Bad input closes only its own session, with the Live API's code and a useful reason."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from openlive.testing import FakeLLM, RunningServer, running_server

from .helpers import (
    MODEL,
    check_serving,
    kinds,
    live,
    session,
    setup_message,
    text_of,
    user,
    wait_for_condition,
    words,
)

MAX_BYTES = 1000


@dataclass
class Case:
    """Frames to send (after setup if ``after_setup``), and the close they must cause."""

    frames: list[Any]
    code: int
    reason: str
    after_setup: bool = True


def _frame(value: Any) -> str | bytes:
    return value if isinstance(value, (str, bytes)) else json.dumps(value)


CASES = {
    "bad-json-first": Case(["{not json"], 1007, "not valid JSON", after_setup=False),
    "bad-json-later": Case(['{"client_content": {'], 1007, "not valid JSON"),
    "json-array": Case(["[1, 2]"], 1007, "JSON object"),
    "binary-not-utf8": Case([b"\xff\xfe\x00{"], 1007, "UTF-8", after_setup=False),
    "empty-binary": Case([b""], 1007, "JSON"),
    "first-not-setup": Case([user("hi")], 1007, "first message must be setup", after_setup=False),
    "second-setup": Case([setup_message()], 1007, "setup was already received"),
    "two-modalities": Case(
        [setup_message(responseModalities=["TEXT", "AUDIO"])],
        1007,
        "setup.generationConfig.responseModalities",
        after_setup=False,
    ),
    "unknown-setup-field": Case(
        [setup_message(foo=1)], 1007, "unknown field setup.generationConfig.foo", after_setup=False
    ),
    "unknown-top-level-field": Case([{"bogus": {}}], 1007, "unknown field bogus"),
    "unknown-nested-field": Case(
        [{"client_content": {"turns": [{"role": "user", "parts": [{"txet": "hi"}]}]}}],
        1007,
        "clientContent.turns[0].parts[0].txet",
    ),
    "two-messages-in-one": Case(
        [{"client_content": {"turnComplete": True}, "realtime_input": {"text": "x"}}],
        1007,
        "exactly one",
    ),
    "wrong-type": Case(
        [setup_message(temperature="hot")], 1007, "setup.generationConfig.temperature", after_setup=False
    ),
    "affective-not-a-bool": Case(
        [setup_message(enableAffectiveDialog="yes")],
        1007,
        "setup.generationConfig.enableAffectiveDialog must be true or false",
        after_setup=False,
    ),
    "proactive-audio-not-a-bool": Case(
        [{"setup": {"model": MODEL, "proactivity": {"proactiveAudio": 1}}}],
        1007,
        "setup.proactivity.proactiveAudio must be true or false",
        after_setup=False,
    ),
    "proactivity-not-an-object": Case(
        [{"setup": {"model": MODEL, "proactivity": True}}],
        1007,
        "setup.proactivity must be an object",
        after_setup=False,
    ),
    "thinking-budget-below-minus-one": Case(
        [setup_message(thinkingConfig={"thinkingBudget": -2})],
        1007,
        "setup.generationConfig.thinkingConfig.thinkingBudget must be from -1",
        after_setup=False,
    ),
    "thinking-budget-not-a-number": Case(
        [setup_message(thinking_config={"thinking_budget": "lots"})],
        1007,
        "setup.generationConfig.thinkingConfig.thinkingBudget must be an integer",
        after_setup=False,
    ),
    "include-thoughts-not-a-bool": Case(
        [setup_message(thinkingConfig={"includeThoughts": "true"})],
        1007,
        "setup.generationConfig.thinkingConfig.includeThoughts must be true or false",
        after_setup=False,
    ),
    "missing-model": Case([{"setup": {"generationConfig": {}}}], 1007, "setup.model", after_setup=False),
    "bad-role": Case(
        [{"client_content": {"turns": [{"role": "system", "parts": [{"text": "x"}]}], "turnComplete": True}}],
        1007,
        "role must be user or model",
    ),
    "duplicate-key": Case(
        ['{"client_content": {"turnComplete": true, "turnComplete": false}}'], 1007, "twice"
    ),
    "too-big": Case([user("x" * (MAX_BYTES + 1))], 1009, f"over the limit of {MAX_BYTES}"),
    "too-big-for-the-websocket-layer": Case([user("x" * 100_000)], 1009, "exceeds limit"),
    "too-big-before-setup": Case(
        [setup_message(system="y" * MAX_BYTES)], 1009, f"limit of {MAX_BYTES}", after_setup=False
    ),
}


@pytest.fixture
async def small() -> AsyncIterator[RunningServer]:
    async with running_server(FakeLLM(), max_message_bytes=MAX_BYTES) as srv:
        yield srv


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_bad_input_closes_with_its_code_and_the_server_carries_on(
    small: RunningServer, case: Case
) -> None:
    async with live(small) as client:
        if case.after_setup:
            await client.setup()
        for frame in case.frames:
            await client.send(_frame(frame))
        closed = await client.closed()
    assert closed.code == case.code, closed
    assert case.reason in closed.reason
    assert len(closed.reason.encode()) <= 123
    await wait_for_condition(lambda: not small.state.connections)
    await check_serving(small)


async def test_binary_frames_holding_utf8_json_are_accepted(srv: RunningServer) -> None:
    async with live(srv) as client:
        await client.send(json.dumps(setup_message()).encode())
        assert "setupComplete" in await client.recv()
        await client.send(json.dumps(user("héllo wörld")).encode("utf-8"))
        reply = await client.until_turn_complete()
    assert text_of(reply) == "echo: héllo wörld"


async def test_a_message_just_under_the_limit_is_accepted(small: RunningServer) -> None:
    message = user("z")
    padding = MAX_BYTES - len(json.dumps(message).encode())
    message = user("z" * (1 + padding))
    assert len(json.dumps(message).encode()) == MAX_BYTES
    async with session(small) as client:
        await client.send(message)
        reply = await client.until_turn_complete()
    assert kinds(reply)[-1] == "turnComplete"


async def test_a_long_unknown_field_gives_a_reason_that_fits_a_close_frame(srv: RunningServer) -> None:
    async with session(srv) as client:
        await client.send({"client_content": {"ü" * 300: 1}})
        closed = await client.closed()
    assert closed.code == 1007
    assert closed.reason.startswith("unknown field clientContent.ü")
    assert len(closed.reason.encode()) <= 123


async def test_bad_input_mid_reply_closes_and_stops_the_generation() -> None:
    fake = FakeLLM(token_delay_s=0.02)
    async with running_server(fake) as srv:
        async with session(srv) as client:
            await client.send(user(words(40)))
            assert kinds([await client.recv()]) == ["modelTurn"]
            await client.send("not json")
            closed = await client.closed()
        assert closed.code == 1007
        await wait_for_condition(lambda: fake.cancels[0].is_set())
        assert fake.yielded[0] < 41
        await check_serving(srv)


async def test_bad_input_in_one_session_leaves_another_open_session_alone(srv: RunningServer) -> None:
    async with session(srv) as good, session(srv) as bad:
        await bad.send("{oops")
        closed = await bad.closed()
        assert closed.code == 1007
        reply = await good.turn("unbothered")
    assert text_of(reply) == "echo: unbothered"
