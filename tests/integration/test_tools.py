"""Tools over a real socket: function calls, code execution, search and URL context, with fake engines.

The planner is scripted (``FakePlanner``) so each test chooses the steps; the
sandbox and the URL fetcher are the real ones.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import ChatMessage
from openlive.engines.llama import NO_TOOL
from openlive.engines.profile import TINY
from openlive.engines.stand_in import StandIn
from openlive.errors import CLOSE_INVALID_ARGUMENT
from openlive.runtime.tools import ToolRuntime
from openlive.testing import FakeLLM, FakePlanner, FakeSearch, FakeToolCallingLLM, FakeTts, running_server
from openlive.testing.fake_speech import FakeAsr, FakeVad
from openlive.tools.planner import CodeStep, FunctionStep, SearchStep, Step
from openlive.tools.sandbox import SandboxLimits
from openlive.tools.search import SearchResult
from openlive.tools.urlfetch import FetchLimits

from .helpers import MODEL, check_serving, live, server_content, session, text_of, user

LIGHTS = [{"name": "turn_on_the_lights"}, {"name": "turn_off_the_lights"}]


def tools_setup(tools: list[dict[str, Any]], modality: str = "TEXT") -> dict[str, Any]:
    """The setup the Python SDK sends for ``config={"response_modalities": [...], "tools": tools}``."""
    return {"setup": {"model": MODEL, "generationConfig": {"responseModalities": [modality]}, "tools": tools}}


def lights_planner(delay_s: float = 0.0) -> FakePlanner:
    def script(request: str) -> Sequence[Step]:
        if "lights" in request:
            return [FunctionStep(request, "turn_on_the_lights")]
        return []

    return FakePlanner(script, delay_s=delay_s)


def runtime(planner: FakePlanner, **kwargs: Any) -> ToolRuntime:
    return ToolRuntime(planner_for=lambda _llm, _coder: planner, **kwargs)


async def read_until(client: Any, key: str) -> list[dict[str, Any]]:
    """Messages up to and including the first top-level ``key`` (e.g. ``toolCall``)."""
    messages = []
    async with asyncio.timeout(10):
        while True:
            message = await client.recv(10)
            messages.append(message)
            if key in message:
                return messages


def parts(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for m in messages for p in server_content(m).get("modelTurn", {}).get("parts", [])]


async def test_the_lights_example_calls_the_function_and_answers_with_its_result() -> None:
    planner = lights_planner()
    async with (
        running_server(FakeLLM(), tools=runtime(planner)) as srv,
        session(srv, tools_setup([{"function_declarations": LIGHTS}])) as client,
    ):
        await client.send(user("Turn on the lights please"))
        before = await read_until(client, "toolCall")
        assert not any(server_content(m).get("turnComplete") for m in before)
        (call,) = before[-1]["toolCall"]["functionCalls"]
        assert call["name"] == "turn_on_the_lights" and call["args"] == {} and call["id"]
        await client.send(
            {
                "tool_response": {
                    "function_responses": [
                        {"id": call["id"], "name": call["name"], "response": {"result": "ok"}}
                    ]
                }
            }
        )
        reply = await client.until_turn_complete()
    text = text_of(reply)
    assert "turn_on_the_lights returned" in text and '"result": "ok"' in text
    assert planner.requests == ["Turn on the lights please"]


async def test_while_a_blocking_call_is_pending_the_model_does_not_go_on() -> None:
    fake = FakeLLM()
    async with (
        running_server(fake, tools=runtime(lights_planner())) as srv,
        session(srv, tools_setup([{"functionDeclarations": LIGHTS}])) as client,
    ):
        await client.send(user("lights"))
        await read_until(client, "toolCall")
        with pytest.raises(TimeoutError):
            await client.recv(0.5)
    assert fake.calls == []


async def test_barge_in_cancels_the_pending_calls_and_a_late_response_is_ignored() -> None:
    async with (
        running_server(FakeLLM(), tools=runtime(lights_planner())) as srv,
        session(srv, tools_setup([{"functionDeclarations": LIGHTS}])) as client,
    ):
        await client.send(user("lights"))
        (call,) = (await read_until(client, "toolCall"))[-1]["toolCall"]["functionCalls"]
        await client.send({"realtimeInput": {"text": "actually, never mind"}})
        interrupted = await client.until_turn_complete()
        assert {"toolCallCancellation": {"ids": [call["id"]]}} in interrupted
        assert any(server_content(m).get("interrupted") for m in interrupted)
        reply = await client.until_turn_complete()
        assert text_of(reply) == "echo: actually, never mind"
        # The late response changes nothing and closes nothing.
        await client.send(
            {"toolResponse": {"functionResponses": [{"id": call["id"], "response": {"result": "ok"}}]}}
        )
        again = await client.turn("still there?")
    assert text_of(again) == "echo: still there?"


async def test_a_response_with_an_unknown_id_closes_with_a_reason() -> None:
    async with running_server(FakeLLM(), tools=runtime(lights_planner())) as srv:
        async with session(srv, tools_setup([{"functionDeclarations": LIGHTS}])) as client:
            await client.send(user("lights"))
            await read_until(client, "toolCall")
            await client.send({"toolResponse": {"functionResponses": [{"id": "made-up", "response": {}}]}})
            closed = await client.closed()
        assert closed.code == CLOSE_INVALID_ARGUMENT
        assert "'made-up' is not a pending function call" in closed.reason
        await check_serving(srv)


async def test_an_unanswered_call_is_cancelled_after_the_timeout_and_the_model_answers() -> None:
    async with (
        running_server(FakeLLM(), tools=runtime(lights_planner(), response_timeout_s=0.3)) as srv,
        session(srv, tools_setup([{"functionDeclarations": LIGHTS}])) as client,
    ):
        await client.send(user("lights"))
        (call,) = (await read_until(client, "toolCall"))[-1]["toolCall"]["functionCalls"]
        reply = await client.until_turn_complete()
    assert reply[0] == {"toolCallCancellation": {"ids": [call["id"]]}}
    assert "did not answer in time" in text_of(reply)


@pytest.mark.parametrize("scheduling", ["INTERRUPT", "WHEN_IDLE", "SILENT"])
async def test_non_blocking_function_and_each_scheduling(scheduling: str) -> None:
    fake = FakeLLM(token_delay_s=0.05)
    declarations = [
        {"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"},
        {"name": "turn_off_the_lights"},
    ]
    async with (
        running_server(fake, tools=runtime(lights_planner())) as srv,
        session(srv, tools_setup([{"functionDeclarations": declarations}])) as client,
    ):
        await client.send(user("lights please"))
        messages = await read_until(client, "toolCall")
        (call,) = messages[-1]["toolCall"]["functionCalls"]
        # The conversation goes on while the function runs: the model is already answering.
        messages += await read_until(client, "serverContent")
        await client.send(
            {
                "toolResponse": {
                    "functionResponses": [
                        {
                            "id": call["id"],
                            "name": call["name"],
                            "response": {"result": "ok", "scheduling": scheduling},
                        }
                    ]
                }
            }
        )
        first = await client.until_turn_complete()
        if scheduling == "INTERRUPT":
            assert any(server_content(m).get("interrupted") for m in first)
            report = await client.until_turn_complete()
            assert '"result": "ok"' in text_of(report)
        elif scheduling == "WHEN_IDLE":
            assert not any(server_content(m).get("interrupted") for m in first)
            assert "was started" in text_of(first)
            report = await client.until_turn_complete()
            assert '"result": "ok"' in text_of(report)
        else:
            assert not any(server_content(m).get("interrupted") for m in first)
            with pytest.raises(TimeoutError):
                await client.recv(0.5)
            # Silent results are context for what comes next.
            await client.turn("what happened?")
            assert '"result": "ok"' in " ".join(m.content for m in fake.calls[-1][0])


async def test_code_execution_runs_the_code_in_the_sandbox() -> None:
    planner = FakePlanner({"what is 2**20": [CodeStep("what is 2**20", "print(2**20)")]})
    async with (
        running_server(FakeLLM(), tools=runtime(planner)) as srv,
        session(srv, tools_setup([{"code_execution": {}}])) as client,
    ):
        reply = await client.turn("what is 2**20")
    found = parts(reply)
    assert found[0] == {"executableCode": {"language": "PYTHON", "code": "print(2**20)"}}
    assert found[1] == {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "1048576\n"}}
    assert "1048576" in text_of(reply)


async def code_turn_with_a_reader(
    coder: Callable[[Sequence[ChatMessage]], str], request: str
) -> tuple[list[dict[str, Any]], FakeLLM, FakeLLM]:
    """One code-execution turn on a tiny engine whose tool reader is ``coder``.

    Returns:
        The turn's messages, the tiny engine and the reader (fakes that record their calls).
    """
    tiny = FakeLLM(reply=lambda _: "I cannot code.")
    tiny.profile = TINY
    reader = FakeLLM(reply=coder)
    stand_in = StandIn(lambda: reader, "reader", "answers from tool results")
    async with (
        running_server(tiny, tools=ToolRuntime(), tool_reader=stand_in) as srv,
        session(srv, tools_setup([{"codeExecution": {}}])) as client,
    ):
        return await client.turn(request), tiny, reader


async def test_a_tiny_models_code_is_written_by_its_tool_reader_and_run() -> None:
    def coder(messages: Sequence[ChatMessage]) -> str:
        if "Python" in messages[0].content:
            return "```python\nfrom math import factorial\n\nprint(factorial(10))\n```"
        return "It is 3628800."

    reply, tiny, _ = await code_turn_with_a_reader(coder, "Calculate the factorial of 10.")
    found = parts(reply)
    assert found[0] == {
        "executableCode": {"language": "PYTHON", "code": "from math import factorial\n\nprint(factorial(10))"}
    }
    assert found[1] == {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "3628800\n"}}
    assert not any("Python" in call[0][0].content for call in tiny.calls)


async def test_with_a_code_writer_it_writes_the_program_and_the_reader_answers() -> None:
    def reader_reply(messages: Sequence[ChatMessage]) -> str:
        assert "Python" not in messages[0].content, "the reader was asked for the program"
        return "It is 3628800."

    tiny = FakeLLM(reply=lambda _: "I cannot code.")
    tiny.profile = TINY
    reader = FakeLLM(reply=reader_reply)
    writer = FakeLLM(reply=lambda _: "```python\nimport math\nprint(math.factorial(10))\n```")
    async with (
        running_server(
            tiny,
            tools=ToolRuntime(),
            tool_reader=StandIn(lambda: reader, "reader", "answers from tool results"),
            code_writer=StandIn(lambda: writer, "writer", "writes the code"),
        ) as srv,
        session(srv, tools_setup([{"codeExecution": {}}])) as client,
    ):
        reply = await client.turn("Calculate the factorial of 10.")
    found = parts(reply)
    program = "import math\nprint(math.factorial(10))"
    assert found[0] == {"executableCode": {"language": "PYTHON", "code": program}}
    assert found[1] == {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "3628800\n"}}
    assert "3628800" in text_of(reply)
    assert writer.calls and reader.calls and not tiny.calls


@pytest.mark.parametrize("fix_works", [True, False])
async def test_a_program_that_fails_is_written_again_with_its_error_once(fix_works: bool) -> None:
    def coder(messages: Sequence[ChatMessage]) -> str:
        if "That program failed" in messages[-1].content:
            assert "ValueError" in messages[-1].content  # the coder sees the error
            return "```python\nprint(10 * 9 * 8)\n```" if fix_works else "```python\nprint(1 / 0)\n```"
        if "Python" in messages[0].content:
            return "```python\nprint(int('ten') * 72)\n```"
        return "It is 720."

    reply, _, reader = await code_turn_with_a_reader(coder, "Calculate 10 times 9 times 8 the long way.")
    kinds = [next(iter(p)) for p in parts(reply) if "executableCode" in p or "codeExecutionResult" in p]
    assert kinds == ["executableCode", "codeExecutionResult", "executableCode", "codeExecutionResult"]
    outcomes = [p["codeExecutionResult"]["outcome"] for p in parts(reply) if "codeExecutionResult" in p]
    assert outcomes == ["OUTCOME_FAILED", "OUTCOME_OK" if fix_works else "OUTCOME_FAILED"]
    # Written again once, whether or not the second program ran.
    assert sum("That program failed" in call[0][-1].content for call in reader.calls) == 1
    assert text_of(reply).strip()


async def test_code_that_runs_too_long_is_stopped_and_the_server_goes_on() -> None:
    planner = FakePlanner({"loop": [CodeStep("loop", "while True:\n    pass")]})
    limits = SandboxLimits(wall_s=1.0, cpu_s=1.0)
    async with running_server(FakeLLM(), tools=runtime(planner, sandbox=limits)) as srv:
        async with session(srv, tools_setup([{"codeExecution": {}}])) as client:
            reply = await client.turn("loop")
        (result,) = [p["codeExecutionResult"] for p in parts(reply) if "codeExecutionResult" in p]
        assert result["outcome"] == "OUTCOME_DEADLINE_EXCEEDED"
        await check_serving(srv)


async def test_search_results_reach_the_model_and_ground_the_answer() -> None:
    planner = FakePlanner({"Brazil match?": [SearchStep("Brazil match?", "Brazil Argentina match")]})
    search = FakeSearch(
        [SearchResult("https://example.org/m", "Brazil v Argentina", "Argentina won 1-0 in Rio.")]
    )
    async with (
        running_server(FakeLLM(), tools=runtime(planner, search=lambda: search)) as srv,
        session(srv, tools_setup([{"google_search": {}}])) as client,
    ):
        reply = await client.turn("Brazil match?")
    assert search.queries == ["Brazil Argentina match"]
    assert "Argentina won 1-0 in Rio." in text_of(reply)
    (grounding,) = [
        server_content(m)["groundingMetadata"] for m in reply if "groundingMetadata" in server_content(m)
    ]
    assert grounding["webSearchQueries"] == ["Brazil Argentina match"]
    assert grounding["groundingChunks"] == [
        {"web": {"uri": "https://example.org/m", "title": "Brazil v Argentina"}}
    ]
    assert grounding["groundingSupports"][0]["groundingChunkIndices"] == [0]


async def test_a_failing_search_provider_leaves_the_model_to_answer_without_sources() -> None:
    planner = FakePlanner({"q": [SearchStep("q", "q")]})
    search = FakeSearch(error="SearXNG at http://x unreachable")
    async with (
        running_server(FakeLLM(), tools=runtime(planner, search=lambda: search)) as srv,
        session(srv, tools_setup([{"googleSearch": {}}])) as client,
    ):
        reply = await client.turn("q")
    assert "found nothing" in text_of(reply)
    assert reply[-1]["serverContent"]["turnComplete"]


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = (
            b"<html><head><title>Moon facts</title><script>evil()</script></head>"
            b"<body><p>The Moon is 384,400 km away.</p></body></html>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def page_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/moon"
    server.shutdown()
    server.server_close()


async def test_url_context_fetches_an_allowed_local_page(page_server: str) -> None:
    fetch = FetchLimits(allowed_hosts=frozenset({httpx.URL(page_server).netloc.decode()}))
    async with (
        running_server(FakeLLM(), tools=runtime(FakePlanner({}), fetch=fetch)) as srv,
        session(srv, tools_setup([{"url_context": {}}])) as client,
    ):
        reply = await client.turn(f"How far is the Moon? See {page_server}")
    (metadata,) = [
        server_content(m)["urlContextMetadata"] for m in reply if "urlContextMetadata" in server_content(m)
    ]
    assert metadata == {
        "urlMetadata": [{"retrievedUrl": page_server, "urlRetrievalStatus": "URL_RETRIEVAL_STATUS_SUCCESS"}]
    }
    text = text_of(reply)
    assert "384,400 km" in text and "evil()" not in text


async def test_url_context_refuses_a_private_address_by_default(page_server: str) -> None:
    async with (
        running_server(FakeLLM(), tools=runtime(FakePlanner({}))) as srv,
        session(srv, tools_setup([{"urlContext": {}}])) as client,
    ):
        reply = await client.turn(f"Read {page_server}")
    (metadata,) = [
        server_content(m)["urlContextMetadata"] for m in reply if "urlContextMetadata" in server_content(m)
    ]
    assert metadata["urlMetadata"][0]["urlRetrievalStatus"] == "URL_RETRIEVAL_STATUS_UNSAFE"
    assert "384,400" not in text_of(reply)


async def test_combined_tools_in_one_turn() -> None:
    steps: list[Step] = [
        CodeStep("compute", "print(7 * 6)"),
        SearchStep("quake", "California earthquake"),
        FunctionStep("lights", "turn_on_the_lights"),
    ]
    planner = FakePlanner(lambda _request: steps)
    search = FakeSearch(
        [SearchResult("file:///docs/quake.md", "Quake", "A 7.0 earthquake struck off Cape Mendocino.")]
    )
    tools = [{"google_search": {}}, {"code_execution": {}}, {"function_declarations": LIGHTS}]
    async with (
        running_server(FakeLLM(), tools=runtime(planner, search=lambda: search)) as srv,
        session(srv, tools_setup(tools)) as client,
    ):
        await client.send(user("three things"))
        messages = await read_until(client, "toolCall")
        (call,) = messages[-1]["toolCall"]["functionCalls"]
        await client.send(
            {"toolResponse": {"functionResponses": [{"id": call["id"], "response": {"result": "ok"}}]}}
        )
        messages += await client.until_turn_complete()
    found = parts(messages)
    assert {"executableCode": {"language": "PYTHON", "code": "print(7 * 6)"}} in found
    assert {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "42\n"}} in found
    text = text_of(messages)
    assert "42" in text and "Cape Mendocino" in text and "turn_on_the_lights returned" in text


async def test_tools_in_an_audio_session() -> None:
    speech = SpeechEngines(vad=FakeVad(), asr=FakeAsr(), tts=FakeTts())
    async with (
        running_server(FakeLLM(), speech=speech, tools=runtime(lights_planner()), audio_lead_s=0) as srv,
        session(srv, tools_setup([{"functionDeclarations": LIGHTS}], modality="AUDIO")) as client,
    ):
        await client.send(user("lights on"))
        (call,) = (await read_until(client, "toolCall"))[-1]["toolCall"]["functionCalls"]
        await client.send(
            {"toolResponse": {"functionResponses": [{"id": call["id"], "response": {"result": "ok"}}]}}
        )
        reply = await client.until_turn_complete()
    audio = [p for p in parts(reply) if "inlineData" in p]
    assert audio and audio[0]["inlineData"]["mimeType"] == "audio/pcm;rate=24000"


@pytest.mark.parametrize(
    ("tools", "reason"),
    [
        ([{"functionDeclarations": [{"name": "bad name"}]}], "not a valid function name"),
        (
            [
                {
                    "functionDeclarations": [
                        {
                            "name": "f",
                            "parameters": {"type": "OBJECT", "properties": {"a": {"type": "WHATEVER"}}},
                        }
                    ]
                }
            ],
            "setup.tools[0].functionDeclarations[0].parameters.properties.a.type",
        ),
        (
            [{"functionDeclarations": [{"name": "f"}]}, {"functionDeclarations": [{"name": "f"}]}],
            "declares the function 'f' twice",
        ),
    ],
)
async def test_bad_declarations_are_refused_at_setup(tools: list[dict[str, Any]], reason: str) -> None:
    async with running_server(FakeLLM(), tools=runtime(lights_planner())) as srv:
        async with live(srv) as client:
            closed = await client.refused(tools_setup(tools))
        assert closed.code == CLOSE_INVALID_ARGUMENT
        assert reason in closed.reason
        await check_serving(srv)


@pytest.mark.parametrize(
    "barge_in",
    [{"realtimeInput": {"activityStart": {}}}, {"realtimeInput": {"text": "stop, never mind"}}],
    ids=["activity_start", "new_text"],
)
async def test_barge_in_cancels_a_pending_non_blocking_call(barge_in: dict[str, Any]) -> None:
    declarations = [{"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"}]
    setup = tools_setup([{"functionDeclarations": declarations}])
    setup["setup"]["realtimeInputConfig"] = {"automaticActivityDetection": {"disabled": True}}
    async with (
        running_server(FakeLLM(token_delay_s=0.05), tools=runtime(lights_planner())) as srv,
        session(srv, setup) as client,
    ):
        await client.send(user("lights please"))
        (call,) = (await read_until(client, "toolCall"))[-1]["toolCall"]["functionCalls"]
        # The model answers while the function runs; the user talks over it.
        await read_until(client, "serverContent")
        await client.send(barge_in)
        interrupted = await client.until_turn_complete()
        assert {"toolCallCancellation": {"ids": [call["id"]]}} in interrupted
        cancellation = interrupted.index({"toolCallCancellation": {"ids": [call["id"]]}})
        assert any(server_content(m).get("interrupted") for m in interrupted[cancellation:])
        if "text" in barge_in["realtimeInput"]:
            await client.until_turn_complete()
        else:
            await client.send({"realtimeInput": {"activityEnd": {}}})
        # The late result is ignored: no reply to it, no close.
        await client.send(
            {
                "toolResponse": {
                    "functionResponses": [
                        {"id": call["id"], "response": {"result": "ok"}, "scheduling": "INTERRUPT"}
                    ]
                }
            }
        )
        with pytest.raises(TimeoutError):
            await client.recv(0.5)
        again = await client.turn("still there?")
    assert text_of(again).startswith("echo: ")


DOOR_AND_ALARM = [
    {
        "name": "lock_door",
        "parameters": {
            "type": "OBJECT",
            "properties": {"door": {"type": "STRING", "enum": ["front", "back"]}},
            "required": ["door"],
        },
    },
    {
        "name": "set_alarm",
        "parameters": {"type": "OBJECT", "properties": {"time": {"type": "STRING"}}, "required": ["time"]},
    },
]


def written(name: str, **arguments: Any) -> str:
    """A call as the model writes it after the opening tag."""
    return json.dumps({"name": name, "arguments": arguments}) + "\n</tool_call>"


async def test_a_request_for_two_things_gets_both_calls_in_one_tool_call() -> None:
    # The model (under its grammar) calls one function, is asked for another, calls it, then stops.
    model = FakeToolCallingLLM(
        [[written("lock_door", door="back"), written("set_alarm", time="06:30"), written(NO_TOOL.name)]]
    )
    async with (
        running_server(model, tools=ToolRuntime()) as srv,
        session(srv, tools_setup([{"functionDeclarations": DOOR_AND_ALARM}])) as client,
    ):
        await client.send(user("Lock the back door and set an alarm for 6:30."))
        messages = await read_until(client, "toolCall")
        calls = messages[-1]["toolCall"]["functionCalls"]
        assert [(c["name"], c["args"]) for c in calls] == [
            ("lock_door", {"door": "back"}),
            ("set_alarm", {"time": "06:30"}),
        ]
        assert len({c["id"] for c in calls}) == 2
        responses = [{"id": c["id"], "name": c["name"], "response": {"result": "done"}} for c in calls]
        await client.send({"toolResponse": {"functionResponses": responses}})
        reply = await client.until_turn_complete()
    text = text_of(reply)
    assert "lock_door returned" in text and "set_alarm returned" in text
    assert model.offered == [["lock_door", "set_alarm"]]


async def test_a_second_call_with_arguments_outside_the_schema_is_dropped_and_the_first_goes_out() -> None:
    model = FakeToolCallingLLM(
        [[written("lock_door", door="front"), written("lock_door", door="window"), written(NO_TOOL.name)]]
    )
    async with running_server(model, tools=ToolRuntime()) as srv:
        async with session(srv, tools_setup([{"functionDeclarations": DOOR_AND_ALARM}])) as client:
            await client.send(user("Lock the front door and the window."))
            (call,) = (await read_until(client, "toolCall"))[-1]["toolCall"]["functionCalls"]
            assert (call["name"], call["args"]) == ("lock_door", {"door": "front"})
            await client.send({"toolResponse": {"functionResponses": [{"id": call["id"], "response": {}}]}})
            await client.until_turn_complete()
        await check_serving(srv)
