"""The documentation's tool examples through google-genai, on the real server and embedded models.

Each test makes the calls the Live API page's example makes (function calling,
code execution, search grounding, combined tools), with the base URL pointed at
openlive. The search index holds a few documents the tests add with
``openlive index add``, as an operator would.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import types

from tests.e2e import speech
from tests.e2e.conftest import OPENLIVE, LiveServer, start_server, stop_server

MODEL = "gemini-2.0-flash-live-001"
TURN_ON = {"name": "turn_on_the_lights"}
TURN_OFF = {"name": "turn_off_the_lights"}
# The documentation's prompt, word for word.
COMBINED_PROMPT = (
    "\nHey, I need you to do three things for me.\n\n"
    "1. Compute the largest prime palindrome under 100000.\n"
    "2. Then use Google Search to look up information about the largest earthquake in California "
    "the week of Dec 5 2024?\n"
    "3. Turn on the lights\n\n"
    "Thanks!\n"
)

DOCUMENTS = {
    "football.md": "# Brazil vs. Argentina\n\nThe last Brazil vs. Argentina soccer match happened on "
    "25 March 2025 in Buenos Aires, in World Cup qualifying. Argentina won 4-1.\n",
    "earthquake.md": "# California earthquake, December 2024\n\nThe largest earthquake in California the "
    "week of Dec 5 2024 was a magnitude 7.0 earthquake off Cape Mendocino, near Ferndale, on "
    "December 5, 2024. A tsunami warning was issued and later cancelled.\n",
    "baking.md": "# Sourdough\n\nFeed the starter twice a day and bake at 250 degrees.\n",
}


@pytest.fixture(scope="module")
def tools_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server whose search index holds ``DOCUMENTS``."""
    tmp = tmp_path_factory.mktemp("tools")
    docs = tmp / "docs"
    docs.mkdir()
    for name, text in DOCUMENTS.items():
        (docs / name).write_text(text)
    index = tmp / "index.sqlite3"
    subprocess.run([*OPENLIVE, "index", "add", str(docs), "--index", str(index)], check=True, timeout=60)
    server = start_server(tmp, env={"OPENLIVE_SEARCH_INDEX": str(index)})
    yield server
    stop_server(server)


@pytest.fixture
def client(tools_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> genai.Client:
    assert tools_server.cert is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tools_server.cert))
    return genai.Client(api_key="GEMINI_API_KEY", http_options={"base_url": tools_server.base_url})


@dataclass
class Conversation:
    """What one turn of the session sent back."""

    text: str = ""
    calls: list[types.FunctionCall] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    results: list[types.CodeExecutionResult] = field(default_factory=list)
    grounding: list[types.GroundingMetadata] = field(default_factory=list)
    audio_bytes: int = 0


async def converse(
    client: genai.Client, config: dict[str, Any], prompt: str, response: dict[str, Any] | None = None
) -> Conversation:
    """Send ``prompt`` and read to turnComplete, answering tool calls as the documentation does."""
    seen = Conversation()
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        await session.send_client_content(turns={"parts": [{"text": prompt}]})
        async for chunk in session.receive():
            if chunk.server_content:
                if chunk.text is not None:
                    seen.text += chunk.text
                model_turn = chunk.server_content.model_turn
                if model_turn:
                    for part in model_turn.parts or []:
                        if part.executable_code is not None:
                            seen.code.append(part.executable_code.code or "")
                        if part.code_execution_result is not None:
                            seen.results.append(part.code_execution_result)
                        if part.inline_data is not None and part.inline_data.data:
                            seen.audio_bytes += len(part.inline_data.data)
                if chunk.server_content.grounding_metadata is not None:
                    seen.grounding.append(chunk.server_content.grounding_metadata)
            elif chunk.tool_call:
                responses = []
                for call in chunk.tool_call.function_calls or []:
                    seen.calls.append(call)
                    responses.append(
                        types.FunctionResponse(
                            id=call.id, name=call.name, response=response or {"result": "ok"}
                        )
                    )
                await session.send_tool_response(function_responses=responses)
    return seen


def run(coro: Any) -> Conversation:
    result: Conversation = asyncio.run(asyncio.wait_for(coro, timeout=180))
    return result


def test_function_calling_example_turns_on_the_lights(client: genai.Client) -> None:
    config = {"response_modalities": ["TEXT"], "tools": [{"function_declarations": [TURN_ON, TURN_OFF]}]}
    seen = run(converse(client, config, "Turn on the lights please"))
    assert [c.name for c in seen.calls] == ["turn_on_the_lights"]
    assert seen.calls[0].id and seen.calls[0].args == {}
    assert seen.text.strip(), "the model answered after the function's result"


def test_function_calling_turns_off_the_lights_when_asked(client: genai.Client) -> None:
    config = {"response_modalities": ["TEXT"], "tools": [{"function_declarations": [TURN_ON, TURN_OFF]}]}
    seen = run(converse(client, config, "Please switch the lights off"))
    assert [c.name for c in seen.calls] == ["turn_off_the_lights"]


SET_THERMOSTAT = {
    "name": "set_thermostat",
    "description": "Set the thermostat to a temperature in degrees Celsius",
    "parameters": {
        "type": "OBJECT",
        "properties": {"degrees": {"type": "INTEGER", "description": "Target temperature"}},
        "required": ["degrees"],
    },
}


def test_function_with_parameters_gets_arguments_that_match_its_schema(client: genai.Client) -> None:
    config = {
        "response_modalities": ["TEXT"],
        "tools": [{"function_declarations": [SET_THERMOSTAT, TURN_ON]}],
    }
    seen = run(converse(client, config, "Set the thermostat to 21 degrees"))
    assert [c.name for c in seen.calls] == ["set_thermostat"]
    assert isinstance(seen.calls[0].args, dict) and isinstance(seen.calls[0].args.get("degrees"), int)


def test_a_question_that_asks_for_no_declared_function_calls_none(client: genai.Client) -> None:
    # Qwen2.5-Coder-1.5B, choosing the default server's tools, called set_thermostat
    # for this in-process without the check (the number fits its one parameter);
    # asked about that call alone, it takes it back (tools/call_check.py).
    config = {
        "response_modalities": ["TEXT"],
        "tools": [{"function_declarations": [SET_THERMOSTAT, TURN_ON]}],
    }
    seen = run(converse(client, config, "Is 7919 a prime number?"))
    assert seen.calls == []
    assert seen.text.strip()


def test_a_request_no_word_of_which_names_the_function_is_routed_by_meaning(client: genai.Client) -> None:
    # No word of the request is in either declaration: the word planner's sentence
    # embeddings (all-MiniLM-L6-v2) find set_volume closest.
    declarations = [
        {
            "name": "set_volume",
            "description": "Set the speaker volume.",
            "parameters": {
                "type": "OBJECT",
                "properties": {"level": {"type": "INTEGER"}},
                "required": ["level"],
            },
        },
        {
            "name": "call_contact",
            "description": "Call a contact by phone.",
            "parameters": {
                "type": "OBJECT",
                "properties": {"name": {"type": "STRING"}},
                "required": ["name"],
            },
        },
    ]
    config = {"response_modalities": ["TEXT"], "tools": [{"function_declarations": declarations}]}
    seen = run(converse(client, config, "The music is way too loud."))
    assert [c.name for c in seen.calls] == ["set_volume"]


def test_the_reply_reads_a_functions_result_rather_than_repeating_it(client: genai.Client) -> None:
    # The default model is tiny: the tool reader (Qwen2.5-Coder-0.5B) writes this reply.
    get_weather = {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]},
    }
    config = {
        "response_modalities": ["TEXT"],
        "temperature": 0,
        "tools": [{"function_declarations": [get_weather]}],
    }
    response = {"temperature_c": 18, "sky": "cloudy"}
    seen = run(converse(client, config, "What's the weather like in Paris?", response))
    assert [c.name for c in seen.calls] == ["get_weather"]
    assert "18" in seen.text and "cloudy" in seen.text.lower(), seen.text
    assert "{" not in seen.text and "returned" not in seen.text, seen.text  # said, not repeated


def test_code_execution_example_runs_code_in_the_sandbox(client: genai.Client) -> None:
    config = {"response_modalities": ["TEXT"], "tools": [{"code_execution": {}}]}
    seen = run(converse(client, config, "Compute the largest prime palindrome under 100000."))
    assert seen.code and all(code.strip() for code in seen.code)
    assert len(seen.results) == len(seen.code)
    assert {r.outcome for r in seen.results} <= {
        types.Outcome.OUTCOME_OK,
        types.Outcome.OUTCOME_FAILED,
        types.Outcome.OUTCOME_DEADLINE_EXCEEDED,
    }
    # The default server's code is written by Qwen2.5-Coder-1.5B (installed by `make
    # install`): the documentation's answer comes from the program that ran.
    assert any("98689" in (r.output or "") for r in seen.results), seen.results
    assert "98689" in seen.text.replace(",", ""), seen.text


def test_search_example_is_grounded_in_the_local_index(client: genai.Client) -> None:
    config = {"response_modalities": ["TEXT"], "tools": [{"google_search": {}}]}
    seen = run(converse(client, config, "When did the last Brazil vs. Argentina soccer match happen?"))
    (grounding,) = seen.grounding
    assert grounding.web_search_queries
    uris = [chunk.web.uri for chunk in grounding.grounding_chunks or [] if chunk.web]
    assert uris and uris[0].endswith("football.md")
    assert seen.text.strip()


def test_combined_tools_example_uses_every_tool(client: genai.Client) -> None:
    config = {
        "response_modalities": ["TEXT"],
        "tools": [
            {"google_search": {}},
            {"code_execution": {}},
            {"function_declarations": [TURN_ON, TURN_OFF]},
        ],
    }
    seen = run(converse(client, config, COMBINED_PROMPT))
    assert seen.code and seen.results
    (grounding,) = seen.grounding
    uris = [chunk.web.uri for chunk in grounding.grounding_chunks or [] if chunk.web]
    assert any(uri.endswith("earthquake.md") for uri in uris)
    assert [c.name for c in seen.calls] == ["turn_on_the_lights"]
    assert seen.text.strip()


def test_function_calling_in_an_audio_session(client: genai.Client) -> None:
    config = {"response_modalities": ["AUDIO"], "tools": [{"function_declarations": [TURN_ON, TURN_OFF]}]}
    seen = run(converse(client, config, "Turn on the lights please"))
    assert [c.name for c in seen.calls] == ["turn_on_the_lights"]
    assert seen.audio_bytes > 24_000, "the spoken answer after the function's result"


def test_non_blocking_function_with_interrupt_scheduling(client: genai.Client) -> None:
    async def scenario() -> tuple[list[str], int]:
        config = {
            "response_modalities": ["TEXT"],
            "tools": [
                {
                    "function_declarations": [
                        {"name": "turn_on_the_lights", "behavior": "NON_BLOCKING"},
                        TURN_OFF,
                    ]
                }
            ],
        }
        turns: list[str] = []
        calls = 0
        async with client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_client_content(turns={"parts": [{"text": "Turn on the lights please"}]})
            text = ""
            async for chunk in session.receive():
                if chunk.tool_call:
                    for call in chunk.tool_call.function_calls or []:
                        calls += 1
                        response = types.FunctionResponse(
                            id=call.id, name=call.name, response={"result": "ok", "scheduling": "INTERRUPT"}
                        )
                        await session.send_tool_response(function_responses=[response])
                elif chunk.server_content and chunk.text:
                    text += chunk.text
            turns.append(text)
            # The result is reported in a turn of its own.
            text = ""
            async for chunk in session.receive():
                if chunk.server_content and chunk.text:
                    text += chunk.text
            turns.append(text)
        return turns, calls

    turns, calls = asyncio.run(asyncio.wait_for(scenario(), timeout=180))
    assert calls == 1
    assert turns[-1].strip(), "the model reported the function's result"


def test_index_command_reports_what_it_added(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nalpha\n")
    result = subprocess.run(
        [*OPENLIVE, "index", "add", str(tmp_path), "--index", str(tmp_path / "i.sqlite3")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "1" in result.stdout


@pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the speech input; install it")
def test_a_spoken_request_calls_the_function_and_the_answer_is_spoken(client: genai.Client) -> None:
    async def scenario() -> tuple[list[str], str, int]:
        config = {
            "response_modalities": ["AUDIO"],
            "tools": [{"function_declarations": [TURN_ON, TURN_OFF]}],
            "input_audio_transcription": {},
        }
        names: list[str] = []
        heard = ""
        audio = 0
        async with client.aio.live.connect(model=MODEL, config=config) as session:
            pcm = speech.speak("Please turn on the lights.", 16_000)
            await session.send_realtime_input(audio=types.Blob(data=pcm, mime_type="audio/pcm;rate=16000"))
            async for chunk in session.receive():
                if chunk.tool_call:
                    calls = chunk.tool_call.function_calls or []
                    names += [c.name or "" for c in calls]
                    await session.send_tool_response(
                        function_responses=[
                            types.FunctionResponse(id=c.id, name=c.name, response={"result": "ok"})
                            for c in calls
                        ]
                    )
                elif chunk.server_content:
                    if (
                        chunk.server_content.input_transcription
                        and chunk.server_content.input_transcription.text
                    ):
                        heard += chunk.server_content.input_transcription.text
                    if chunk.data:
                        audio += len(chunk.data)
        return names, heard, audio

    names, heard, audio = asyncio.run(asyncio.wait_for(scenario(), timeout=180))
    assert "light" in heard.lower()
    assert names == ["turn_on_the_lights"]
    assert audio > 24_000


def test_a_new_request_while_a_call_is_pending_cancels_it(client: genai.Client) -> None:
    async def scenario() -> tuple[str, list[str], str]:
        config = {"response_modalities": ["TEXT"], "tools": [{"function_declarations": [TURN_ON, TURN_OFF]}]}
        async with client.aio.live.connect(model=MODEL, config=config) as session:
            await session.send_client_content(turns={"parts": [{"text": "Turn on the lights please"}]})
            call_id = ""
            cancelled: list[str] = []
            async for chunk in session.receive():
                if chunk.tool_call:
                    call_id = (chunk.tool_call.function_calls or [])[0].id or ""
                    # The user moves on instead of waiting for the function.
                    await session.send_realtime_input(text="Never mind. What is the capital of France?")
                if chunk.tool_call_cancellation:
                    cancelled += chunk.tool_call_cancellation.ids or []
            # A late response is ignored; the new question gets its answer.
            await session.send_tool_response(
                function_responses=[
                    types.FunctionResponse(id=call_id, name="turn_on_the_lights", response={})
                ]
            )
            answer = ""
            async for chunk in session.receive():
                if chunk.text:
                    answer += chunk.text
        return call_id, cancelled, answer

    call_id, cancelled, answer = asyncio.run(asyncio.wait_for(scenario(), timeout=180))
    assert call_id and cancelled == [call_id]
    assert answer.strip()
