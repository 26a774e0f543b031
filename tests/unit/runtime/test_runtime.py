"""The session runtime over a fake SessionIO: one executor per action, turns cancelled together."""

from __future__ import annotations

import asyncio
import threading
import typing
from collections.abc import Callable, Sequence

from openlive.engines.base import LLM, ChatMessage, LLMCapabilities
from openlive.engines.registry import ModelTable
from openlive.errors import CLOSE_INTERNAL, CLOSE_POLICY, PolicyViolation
from openlive.metrics import METRICS, Record, ReplyTimings
from openlive.runtime import ConnectionLimits, SessionRuntime, TokenAccounts
from openlive.runtime.tools import ToolRuntime
from openlive.session import Action, CancelGeneration, Send, Session
from openlive.testing import FakeLLM, FakePlanner, FakeSessionIO
from openlive.tools.planner import Planner
from openlive.wire import parse_client_message
from openlive.wire import server as msg

TIMEOUT_S = 10.0
SETUP = '{"setup": {"model": "models/m", "generationConfig": {"responseModalities": ["TEXT"]}}}'
TURN = '{"clientContent": {"turns": [{"role": "user", "parts": [{"text": "hi"}]}], "turnComplete": true}}'


def runtime(llm: LLM, tools: ToolRuntime | None = None) -> tuple[SessionRuntime, FakeSessionIO]:
    models = ModelTable({"m": llm})
    session = Session(models.resolve)
    io = FakeSessionIO()
    return SessionRuntime(session, io, models, ConnectionLimits(), tools=tools), io


def start(rt: SessionRuntime) -> list[Action]:
    rt.act(rt.session.receive(parse_client_message(SETUP)))
    return rt.session.receive(parse_client_message(TURN))


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT_S):
        while not predicate():
            await asyncio.sleep(0.01)


def turn_complete(io: FakeSessionIO) -> bool:
    return any(m.get("serverContent", {}).get("turnComplete") for m in io.sent)


async def test_every_action_type_has_exactly_one_executor() -> None:
    rt, _ = runtime(FakeLLM())
    assert set(rt.executors) == set(typing.get_args(Action))


async def test_a_reply_is_sent_and_its_timings_are_a_record() -> None:
    records: list[Record] = []
    stop = METRICS.subscribe(records.append)
    try:
        rt, io = runtime(FakeLLM())
        rt.act(start(rt))
        await until(lambda: turn_complete(io))
    finally:
        stop()
    text = "".join(
        p.get("text", "")
        for m in io.sent
        for p in m.get("serverContent", {}).get("modelTurn", {}).get("parts", [])
    )
    assert text == "echo: hi"
    timings = [r for r in records if isinstance(r, ReplyTimings) and r.session_id == rt.session.id]
    assert len(timings) == 1
    assert timings[0].response_tokens == 2 and timings[0].prompt_tokens > 0


async def test_cancelling_a_turn_stops_its_engine_call_and_tasks() -> None:
    gate = threading.Event()
    llm = FakeLLM(gate=gate)
    rt, io = runtime(llm)
    actions = start(rt)
    rt.act(actions)
    await until(llm.entered.is_set)
    turn_id = next(a.turn_id for a in actions if hasattr(a, "turn_id"))
    rt.act([CancelGeneration(turn_id)])
    assert llm.cancels[0].is_set()
    gate.set()
    await asyncio.sleep(0.1)
    assert not turn_complete(io)
    assert io.closed is None


async def test_a_failing_task_closes_with_1011_and_an_openlive_error_with_its_code() -> None:
    rt, io = runtime(FakeLLM(fail_after=0))
    rt.act(start(rt))
    await until(lambda: io.closing)
    assert io.closed is not None and io.closed[0] == CLOSE_INTERNAL

    rt, io = runtime(FakeLLM(fail_after=0, error=PolicyViolation("not allowed")))
    rt.act(start(rt))
    await until(lambda: io.closing)
    assert io.closed == (CLOSE_POLICY, "not allowed")


async def test_sends_go_out_in_order() -> None:
    rt, io = runtime(FakeLLM())
    rt.act([Send(msg.turn_complete()), Send(msg.interrupted())])
    assert [list(m["serverContent"]) for m in io.sent] == [["turnComplete"], ["interrupted"]]


def test_the_planner_is_built_once_per_engine_and_coder() -> None:
    built: list[tuple[int, int]] = []

    def build(llm: LLM, coder: LLM | None) -> Planner:
        built.append((id(llm), id(coder)))
        return FakePlanner({})

    tools = ToolRuntime(planner_for=build)
    # Every engine kept alive: planners are remembered by the engines' ids.
    engines = [FakeLLM(), FakeLLM()]
    coder = FakeLLM()
    first = tools.planner(engines[0])
    assert tools.planner(engines[0]) is first
    tools.planner(engines[1])
    # A stand-in coder loaded later gets a planner of its own, not the one built without it.
    assert tools.planner(engines[0], coder) is not first
    assert tools.planner(engines[0], coder) is tools.planner(engines[0], coder)
    assert built == [(id(engines[0]), id(None)), (id(engines[1]), id(None)), (id(engines[0]), id(coder))]


def words(messages: Sequence[ChatMessage]) -> int:
    return sum(len(m.content) for m in messages)


def test_token_accounts_use_only_local_counts_and_learn_the_others() -> None:
    accounts = TokenAccounts()
    local = FakeLLM()
    assert accounts.counter(local) == local.count_prompt_tokens

    remote = FakeLLM(capabilities=LLMCapabilities(local_tokenizer=False))
    count = accounts.counter(remote)
    prompt = [ChatMessage("user", "word " * 200)]
    before = count(prompt)
    # The engine counted 2 characters a token where the estimate assumed 4.
    for _ in range(20):
        accounts.observe(remote, prompt, 500 + 4 + 3)
    after = accounts.counter(remote)(prompt)
    assert before < after <= 500 + 4 + 3 + 5
