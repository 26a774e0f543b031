"""Hostile frames over a real socket: each closes only its own session with 1007 (1008 for
credentials and handles) and a reason naming the field, and the server keeps answering."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from openlive.engines.audio_base import SpeechEngines
from openlive.store.sqlite import SqliteStore
from openlive.testing import FakeAsr, FakeLLM, FakeTts, FakeVad, RunningServer, running_server

from .helpers import MODEL, TIMEOUT_S, check_serving, live, session, setup_message, wait_for_condition
from .resumable import resumable, resumable_setup


def setup_frame(config: str = '"responseModalities": ["TEXT"]', extra: str = "") -> str:
    """A setup frame written as raw JSON text, for literals json.dumps cannot write."""
    return '{"setup": {"model": "' + MODEL + '", "generationConfig": {' + config + "}" + extra + "}}"


def response_frame(value: str) -> str:
    return '{"toolResponse": {"functionResponses": [{"id": "c1", "name": "f", "response": ' + value + "}]}}"


# name: (frame, sent after setup?, expected start of the close reason)
CASES: dict[str, tuple[str, bool, str]] = {
    # Finding 1: before the fix this one expanded 600,000 digits on the event loop.
    "exponent-as-string": (
        setup_frame('"maxOutputTokens": "1e600000"'),
        False,
        "setup.generationConfig.maxOutputTokens is out of range",
    ),
    "bigger-exponent-as-string": (
        setup_frame('"seed": "-9e999999999"'),
        False,
        "setup.generationConfig.seed is out of range",
    ),
    "exponent-literal": (setup_frame('"temperature": 1e999'), False, "setup.generationConfig.temperature is"),
    "long-integer-literal": (
        setup_frame('"topK": ' + "9" * 5000),
        False,
        "message holds an integer of more than 400 digits",
    ),
    # Finding 3: lone surrogates anywhere.
    "surrogate-in-text": (
        '{"realtimeInput": {"text": "hi \\udfff"}}',
        True,
        "realtimeInput.text holds a lone UTF-16 surrogate",
    ),
    "surrogate-in-url-text": (
        '{"clientContent": {"turns": [{"role": "user", "parts": [{"text": "read https://x.test/\\ud800"}]}]}}',
        True,
        "clientContent.turns[0].parts[0].text holds a lone UTF-16 surrogate",
    ),
    "surrogate-in-field-name": (
        '{"clientContent": {"turn\\udfff": true}}',
        True,
        "a field name in clientContent holds a lone UTF-16 surrogate",
    ),
    "surrogate-in-system-instruction": (
        setup_frame(extra=', "systemInstruction": {"parts": [{"text": "\\udc00"}]}'),
        False,
        "setup.systemInstruction.parts[0].text holds a lone UTF-16 surrogate",
    ),
    "surrogate-in-model-name": (
        '{"setup": {"model": "models/\\udfff"}}',
        False,
        "setup.model holds a lone UTF-16 surrogate",
    ),
    # Finding 4: NaN and Infinity in free-form fields.
    "nan-in-function-response": (
        response_frame('{"x": NaN}'),
        True,
        "toolResponse.functionResponses[0].response.x is NaN",
    ),
    "infinity-in-function-schema": (
        setup_frame(
            extra=', "tools": [{"functionDeclarations": [{"name": "f", "parameters": '
            '{"type": "OBJECT", "properties": {"n": {"type": "NUMBER", "maximum": Infinity}}}}]}]'
        ),
        False,
        "setup.tools[0].functionDeclarations[0].parameters.properties.n.maximum is Infinity",
    ),
    # Finding 5: deep nesting.
    "list-980-deep-in-enum": (
        setup_frame('"responseModalities": ' + "[" * 980 + '"TEXT"' + "]" * 980),
        False,
        "message is nested more than 100 levels deep",
    ),
    "100k-deep": ("[" * 100_000, True, "message is nested more than 100 levels deep"),
    "object-150-deep-in-response": (
        response_frame('{"a": ' * 150 + "1" + "}" * 150),
        True,
        "message is nested more than 100 levels deep",
    ),
    # Finding 11: sampling ranges.
    "negative-max-output-tokens": (
        setup_frame('"maxOutputTokens": -5'),
        False,
        "setup.generationConfig.maxOutputTokens must be from 1 to",
    ),
    "top-p-far-below-zero": (
        setup_frame('"topP": -1e308'),
        False,
        "setup.generationConfig.topP must be from 0 to 1",
    ),
    "huge-temperature": (
        setup_frame('"temperature": 1e308'),
        False,
        "setup.generationConfig.temperature must be from 0 to 2",
    ),
    "seed-below-int32": (
        setup_frame('"seed": -9223372036854775808'),
        False,
        "setup.generationConfig.seed must be from -2147483648 to 2147483647",
    ),
}


async def health_ok(srv: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
        response = await http.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_hostile_frames_close_with_1007_naming_the_field(
    srv: RunningServer, case: tuple[str, bool, str]
) -> None:
    frame, after_setup, reason = case
    async with live(srv) as client:
        if after_setup:
            await client.setup()
        with contextlib.suppress(ConnectionClosed):
            await client.send(frame)
        closed = await client.closed()
    assert closed.code == 1007, closed
    assert closed.reason.startswith(reason), closed.reason
    assert len(closed.reason.encode("utf-8")) <= 123
    await health_ok(srv)
    await wait_for_condition(lambda: not srv.state.connections)
    await check_serving(srv)


async def test_health_answers_while_exponent_frames_arrive(srv: RunningServer) -> None:
    # Many sessions send the frame that used to freeze the loop for 16 s each; the
    # server reads them all and still answers /health and serves a real turn.
    async with contextlib.AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(live(srv)) for _ in range(8)]
        for client in clients:
            await client.send(setup_frame('"maxOutputTokens": "1e999999999"'))
        await health_ok(srv)
        for client in clients:
            closed = await client.closed()
            assert closed.code == 1007, closed
    await health_ok(srv)
    await check_serving(srv)


# -- Finding 6: audio MIME types -------------------------------------------------------------------

PCM = base64.b64encode(b"\x00\x00" * 320).decode()


@pytest.fixture
async def voice_srv() -> AsyncIterator[RunningServer]:
    speech = SpeechEngines(vad=FakeVad(), asr=FakeAsr(), tts=FakeTts())
    async with running_server(FakeLLM(), speech=speech, audio_lead_s=0.0) as server:
        yield server


@pytest.mark.parametrize(
    ("mime", "reason"),
    [
        ("audio/pcm;rate=abc", "rate 'abc' is not a whole number of Hz"),
        ("audio/pcm;rate=-16000", "rate '-16000' is not a whole number of Hz"),
        ("audio/pcm;rate=16000.5", "rate '16000.5' is not a whole number of Hz"),
        ("audio/pcm;rate=8k", "rate '8k' is not a whole number of Hz"),
        ("audio/pcm;rate=", "rate '' is not a whole number of Hz"),
        ("audio/pcm;rate=\u0663\u0663\u0663\u0663\u0663", "rate"),
        ("audio/pcm;channels=2", "'audio/pcm;channels=2': only the rate parameter is supported"),
        ("audio/pcm;rate=16000;encoding=float32", "'audio/pcm;rate=16000;encoding=float32': only the rate"),
        ("audio/pcm;rate=" + "9" * 4400, "is over 100 characters"),
        ("audio/pcm;rate=" + "9" * 40, "rate 999999999999 is out of range 4000-192000 Hz"),
    ],
)
async def test_bad_audio_mime_types_close_with_1007(voice_srv: RunningServer, mime: str, reason: str) -> None:
    setup = {"setup": {"model": MODEL, "generationConfig": {"responseModalities": ["AUDIO"]}}}
    async with session(voice_srv, setup) as client:
        await client.send({"realtimeInput": {"audio": {"data": PCM, "mimeType": mime}}})
        closed = await client.closed()
    assert closed.code == 1007, closed
    assert closed.reason.startswith("realtimeInput.audio.mimeType "), closed.reason
    assert reason in closed.reason
    await health_ok(voice_srv)


async def test_a_plain_audio_mime_type_is_still_played(voice_srv: RunningServer) -> None:
    setup = {"setup": {"model": MODEL, "generationConfig": {"responseModalities": ["AUDIO"]}}}
    async with session(voice_srv, setup) as client:
        for mime in ("audio/pcm;rate=16000", "audio/pcm", "audio/pcm; rate=48000"):
            await client.send({"realtimeInput": {"audio": {"data": PCM, "mimeType": mime}}})
        await client.send({"realtimeInput": {"text": "still here"}})
        assert await client.until_turn_complete()


# -- Finding 11: credentials and handles -----------------------------------------------------------


@pytest.fixture
async def keyed() -> AsyncIterator[RunningServer]:
    async with running_server(FakeLLM(), api_keys=["good-key", "other-key"]) as server:
        yield server


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("key=good-key&key=bad-key", None),
        ("key=bad-key&key=good-key", None),
        ("key=good-key&key=other-key", None),
        ("key=other-key", {"x-goog-api-key": "good-key"}),
    ],
    ids=["repeated-then-bad", "bad-then-repeated", "two-valid-keys", "header-and-query-disagree"],
)
async def test_ambiguous_api_keys_are_refused(
    keyed: RunningServer, query: str, headers: dict[str, str] | None
) -> None:
    async with live(keyed, query=query, headers=headers) as client:
        closed = await client.refused()
    assert closed.code == 1008, closed
    assert "more than once with different values" in closed.reason
    assert "good-key" not in closed.reason and "bad-key" not in closed.reason


async def test_the_same_key_twice_is_one_key(keyed: RunningServer) -> None:
    async with session(keyed, query="key=good-key", headers={"x-goog-api-key": "good-key"}) as client:
        assert await client.turn("hello")


async def test_ambiguous_keys_minting_a_token_are_refused(keyed: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=keyed.http_base, timeout=TIMEOUT_S) as http:
        response = await http.post("/v1alpha/auth_tokens?key=good-key&key=bad-key", json={})
    assert response.status_code == 403
    assert "different values" in response.json()["error"]["message"]


async def test_a_handle_with_a_leading_zero_version_is_refused(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "sessions.db")
    try:
        async with running_server(FakeLLM(), store=store) as srv:
            async with resumable(srv) as conn:
                await conn.turn("remember this")
                handle = conn.handle
            session_id, version, signature = handle.split(".")
            async with live(srv) as client:
                closed = await client.refused(resumable_setup(f"{session_id}.0{version}.{signature}"))
            assert closed.code == 1008, closed
            assert "malformed" in closed.reason
            # The handle as it was sent still resumes.
            async with resumable(srv, handle) as conn:
                assert await conn.turn("still there")
    finally:
        await store.close()


async def test_setup_json_round_trips_through_the_socket(srv: RunningServer) -> None:
    # A setup holding every kind of accepted number still works (no false refusals).
    message = setup_message(temperature=2, topP=0, topK="40", maxOutputTokens="64", seed=-(2**31))
    async with session(srv, message) as client:
        assert await client.turn(json.dumps({"ok": 1}))


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"[" * 200_000, "nested more than 100 levels deep"),
        (b'{"uses": NaN}', "uses is NaN"),
        (b'{"bidiGenerateContentSetup": {"model": "\\udfff"}}', "lone UTF-16 surrogate"),
    ],
    ids=["deep", "nan", "surrogate"],
)
async def test_hostile_token_requests_are_refused_with_400(tmp_path: Path, body: bytes, words: str) -> None:
    store = SqliteStore(tmp_path / "sessions.db")
    try:
        async with running_server(FakeLLM(), store=store) as srv:
            async with httpx.AsyncClient(base_url=srv.http_base, timeout=TIMEOUT_S) as http:
                response = await http.post("/v1alpha/auth_tokens", content=body)
            assert response.status_code == 400, response.text
            assert words in response.json()["error"]["message"]
            await health_ok(srv)
    finally:
        await store.close()
