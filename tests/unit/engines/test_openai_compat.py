"""OpenAICompatEngine against a real OpenAI-compatible server, and against fakes of the others.

The real server is llama-cpp-python's own (``python -m llama_cpp.server``) on the
embedded SmolLM2-135M model, started once for this module. What that server
cannot show (usage chunks, vLLM's and llama-server's tokenizer endpoints, HTTP
errors, broken streams, a server that never answers) is played by
``httpx.MockTransport`` or by a tiny socket server on loopback.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams
from openlive.engines.embedded import smollm2_path
from openlive.engines.openai_compat import (
    OpenAICompatEngine,
    _sse_events,
    estimate_prompt_tokens,
    estimate_text_tokens,
)
from openlive.errors import ConfigError, ContextWindowExceeded, EngineError
from openlive.testing import running_server
from tests.integration.helpers import session, setup_message, text_of, user

MODEL = "smollm2"
N_CTX = 2048
STARTUP_TIMEOUT_S = 120.0
SEA = [ChatMessage("user", "Tell me about the sea.")]
STORY = [ChatMessage("user", "Write a long story about a dragon who learns to bake bread.")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def collect(
    engine: OpenAICompatEngine,
    messages: list[ChatMessage],
    params: SamplingParams | None = None,
    stats: GenerationStats | None = None,
) -> list[str]:
    return list(
        engine.generate(messages, params or SamplingParams(), stats or GenerationStats(), threading.Event())
    )


# -- the real server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server on SmolLM2; yields its base URL (``.../v1``)."""
    try:
        model = smollm2_path()
    except ConfigError as exc:
        pytest.skip(str(exc))
    missing = [
        name
        for name in ("fastapi", "sse_starlette", "starlette_context", "pydantic_settings")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        pytest.fail(f"llama-cpp-python's server needs {', '.join(missing)}: pip install -e '.[dev]'")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(N_CTX),
    ]  # fmt: skip
    started = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_serving(process, base_url, log_path)
        print(f"llama_cpp.server ready in {time.perf_counter() - started:.2f} s")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_serving(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(
        f"llama_cpp.server did not answer in {STARTUP_TIMEOUT_S:.0f} s:\n{log_path.read_text()[-2000:]}"
    )


@pytest.fixture(scope="module")
def engine(llama_server: str) -> Iterator[OpenAICompatEngine]:
    remote = OpenAICompatEngine(llama_server, MODEL, context_size=N_CTX, timeout=30.0)
    yield remote
    remote.close()


def test_is_an_llm(engine: OpenAICompatEngine) -> None:
    assert isinstance(engine, LLM)
    assert engine.context_size == N_CTX


def test_streams_a_reply_in_several_pieces(engine: OpenAICompatEngine) -> None:
    pieces = collect(engine, SEA, SamplingParams(max_tokens=40, temperature=0.0))
    assert len(pieces) >= 3
    assert all(isinstance(piece, str) and piece for piece in pieces)
    assert "".join(pieces).strip()


def test_stats_are_filled(engine: OpenAICompatEngine) -> None:
    stats = GenerationStats()
    pieces = collect(engine, SEA, SamplingParams(max_tokens=20, temperature=0.0), stats)
    # llama-cpp-python sends no usage chunk: the counts come from its /extras/tokenize.
    assert engine.tokenizer == "llama-cpp-python"
    assert stats.prompt_tokens == engine.count_prompt_tokens(SEA) > 0
    assert stats.response_tokens == engine.count_text_tokens("".join(pieces))
    # One piece per token on this server; re-tokenizing the joined text may merge a few.
    assert len(pieces) / 2 <= stats.response_tokens <= len(pieces) + 2
    assert stats.first_token_s is not None and 0 < stats.first_token_s < 10
    assert 0 <= stats.queue_wait_s < 1


def test_max_tokens_is_respected(engine: OpenAICompatEngine) -> None:
    stats = GenerationStats()
    pieces = collect(engine, STORY, SamplingParams(max_tokens=5), stats)
    assert 1 <= len(pieces) <= 5
    assert stats.response_tokens <= 6


def test_temperature_zero_and_a_seed_give_the_same_text_twice(engine: OpenAICompatEngine) -> None:
    params = SamplingParams(temperature=0.0, seed=7, max_tokens=30, top_k=20, top_p=0.9)
    first = "".join(collect(engine, STORY, params))
    second = "".join(collect(engine, STORY, params))
    assert first
    assert first == second


def test_cancel_stops_early(engine: OpenAICompatEngine) -> None:
    cancel = threading.Event()
    stats = GenerationStats()
    before: list[str] = []
    after: list[str] = []
    cancelled_at = 0.0
    stream = engine.generate(STORY, SamplingParams(max_tokens=400, temperature=0.7), stats, cancel)
    for piece in stream:
        (after if cancel.is_set() else before).append(piece)
        if len(before) == 3 and not cancel.is_set():
            cancel.set()
            cancelled_at = time.perf_counter()
    stopped_in = time.perf_counter() - cancelled_at
    assert len(before) == 3
    assert len(after) <= 1
    assert stopped_in < 1.0
    assert stats.response_tokens <= 4
    # The server is still fine for the next request.
    assert "".join(collect(engine, SEA, SamplingParams(max_tokens=5)))


def test_closing_the_generator_ends_the_request(engine: OpenAICompatEngine) -> None:
    """What the worker-thread bridge does when the consumer goes away."""
    stream = engine.generate(STORY, SamplingParams(max_tokens=400), GenerationStats(), threading.Event())
    assert next(stream)
    stream.close()
    assert "".join(collect(engine, SEA, SamplingParams(max_tokens=5)))


def test_count_prompt_tokens_uses_the_server_tokenizer(engine: OpenAICompatEngine) -> None:
    one = engine.count_prompt_tokens(SEA)
    longer = engine.count_prompt_tokens([*SEA, ChatMessage("assistant", "It is big."), *SEA])
    assert 0 < one < longer
    # "Tell me about the sea." is 6 SmolLM2 tokens (the server's count), plus the template allowance.
    assert one == 6 + 4 + 3


def test_a_conversation_over_the_context_window_is_refused(engine: OpenAICompatEngine) -> None:
    huge = [ChatMessage("user", "word " * 3000)]
    with pytest.raises(ContextWindowExceeded) as error:
        collect(engine, huge)
    assert "2048" in error.value.reason


def test_a_closed_port_is_an_engine_error_naming_the_endpoint() -> None:
    port = free_port()
    remote = OpenAICompatEngine(f"http://127.0.0.1:{port}/v1", MODEL, context_size=N_CTX)
    with pytest.raises(EngineError) as error:
        collect(remote, SEA)
    assert f"http://127.0.0.1:{port}/v1/chat/completions" in error.value.reason
    assert "cannot reach" in error.value.reason
    # Counting never fails: it falls back to an estimate.
    assert remote.count_prompt_tokens(SEA) == estimate_prompt_tokens(SEA)


def test_a_wrong_base_url_is_an_engine_error_with_the_status(llama_server: str) -> None:
    root = llama_server.removesuffix("/v1")
    remote = OpenAICompatEngine(root, MODEL, context_size=N_CTX)  # no /v1
    with pytest.raises(EngineError) as error:
        collect(remote, SEA)
    reason = error.value.reason
    assert f"{root}/chat/completions answered HTTP 404" in reason
    assert "/v1" in reason


async def test_serves_a_live_session_through_the_model_table(engine: OpenAICompatEngine) -> None:
    async with running_server({"remote-smollm2": engine}) as srv:
        async with session(srv, setup_message("models/remote-smollm2", maxOutputTokens=12)) as client:
            await client.send(user("Tell me about the sea."))
            reply = await client.until_turn_complete(timeout=30)
    assert text_of(reply).strip()
    usage = reply[-1]["usageMetadata"]
    assert usage["promptTokenCount"] > 0
    assert 0 < usage["responseTokenCount"] <= 13


# -- fakes of other servers (httpx.MockTransport) ----------------------------------------

BASE = "http://llm.test/v1"
CHAT = f"{BASE}/chat/completions"


def sse(*events: str) -> bytes:
    return "".join(f"{event}\n\n" for event in events).encode()


def chunk(content: str | None = None, finish: str | None = None, **extra: Any) -> str:
    delta = {} if content is None else {"content": content}
    body = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return "data: " + json.dumps({**body, **extra})


USAGE = "data: " + json.dumps({"choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 2}})
DONE = "data: [DONE]"


class FakeServer:
    """Answers the chat endpoint with a fixed stream; tokenizer endpoints by a table."""

    def __init__(
        self,
        stream: bytes = b"",
        status: int = 200,
        content_type: str = "text/event-stream",
        routes: dict[str, Callable[[dict[str, Any]], httpx.Response]] | None = None,
    ) -> None:
        self.stream = stream
        self.status = status
        self.content_type = content_type
        self.routes = routes or {}
        self.requests: list[tuple[str, dict[str, Any], httpx.Headers]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else {}
        self.requests.append((request.url.path, body, request.headers))
        if request.url.path == "/v1/chat/completions":
            return httpx.Response(
                self.status, headers={"content-type": self.content_type}, content=self.stream
            )
        route = self.routes.get(request.url.path)
        return route(body) if route else httpx.Response(404, json={"detail": "Not Found"})

    def chat_bodies(self) -> list[dict[str, Any]]:
        return [body for path, body, _ in self.requests if path == "/v1/chat/completions"]

    def engine(self, context_size: int = 1000, **kwargs: Any) -> OpenAICompatEngine:
        return OpenAICompatEngine(
            BASE, "served-model", context_size=context_size, transport=httpx.MockTransport(self), **kwargs
        )


def test_request_maps_sampling_params_and_asks_for_usage() -> None:
    fake = FakeServer(sse(chunk("Hi"), chunk(" there", finish="stop"), USAGE, DONE))
    remote = fake.engine(api_key="secret")
    params = SamplingParams(
        temperature=0.5,
        top_p=0.8,
        top_k=30,
        max_tokens=64,
        seed=3,
        presence_penalty=0.1,
        frequency_penalty=0.2,
    )
    stats = GenerationStats()
    assert collect(remote, [ChatMessage("system", "Be kind."), *SEA], params, stats) == ["Hi", " there"]
    (body,) = fake.chat_bodies()
    assert body == {
        "model": "served-model",
        "messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": "Tell me about the sea."},
        ],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.5,
        "top_p": 0.8,
        "top_k": 30,
        "max_tokens": 64,
        "seed": 3,
        "presence_penalty": 0.1,
        "frequency_penalty": 0.2,
    }
    assert all(headers["authorization"] == "Bearer secret" for _, _, headers in fake.requests)
    # The usage chunk wins over any estimate.
    assert (stats.prompt_tokens, stats.response_tokens) == (11, 2)


def test_unset_params_are_left_to_the_server() -> None:
    fake = FakeServer(sse(chunk("ok", finish="stop"), DONE))
    collect(fake.engine(), SEA)
    (body,) = fake.chat_bodies()
    assert set(body) == {"model", "messages", "stream", "stream_options"}


WEATHER_ARGS = {
    "type": "object",
    "properties": {"location": {"type": "string"}},
    "required": ["location"],
    "additionalProperties": False,
}


def test_json_schema_is_sent_as_openai_response_format() -> None:
    """vLLM, llama-server and Ollama read OpenAI's json_schema form."""
    fake = FakeServer(sse(chunk('{"location": "Paris"}', finish="stop"), DONE))
    collect(fake.engine(), SEA, SamplingParams(json_schema=WEATHER_ARGS))
    (body,) = fake.chat_bodies()
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": WEATHER_ARGS, "strict": True},
    }


def test_json_schema_for_llama_cpp_python_uses_its_json_object_form() -> None:
    """llama-cpp-python's server refuses type json_schema; it reads a schema beside json_object."""
    fake = FakeServer(
        sse(chunk('{"location": "Paris"}', finish="stop"), DONE),
        routes={"/extras/tokenize/count": lambda body: httpx.Response(200, json={"count": 1})},
    )
    remote = fake.engine()
    collect(remote, SEA, SamplingParams(json_schema=WEATHER_ARGS))
    assert remote.tokenizer == "llama-cpp-python"
    (body,) = fake.chat_bodies()
    assert body["response_format"] == {"type": "json_object", "schema": WEATHER_ARGS}


def test_json_schema_constrains_the_real_servers_reply(engine: OpenAICompatEngine) -> None:
    import jsonschema

    weather = [ChatMessage("user", "What's the weather in Paris? Answer as JSON.")]
    reply = "".join(
        collect(engine, weather, SamplingParams(json_schema=WEATHER_ARGS, max_tokens=40, temperature=0))
    )
    jsonschema.validate(json.loads(reply), WEATHER_ARGS)
    choice = "".join(collect(engine, SEA, SamplingParams(json_schema={"enum": ["yes", "no"]}, max_tokens=5)))
    assert json.loads(choice) in ("yes", "no")


def test_without_usage_or_tokenizer_counts_are_estimated() -> None:
    fake = FakeServer(sse(chunk("Hello"), chunk(" world, again", finish="stop"), DONE))
    remote = fake.engine()
    stats = GenerationStats()
    assert "".join(collect(remote, SEA, stats=stats)) == "Hello world, again"
    assert remote.tokenizer == "none"
    assert stats.prompt_tokens == estimate_prompt_tokens(SEA) == 6 + 4 + 3
    assert stats.response_tokens == estimate_text_tokens("Hello world, again") == 5
    # The tokenizer probes ran once, not per request.
    collect(remote, SEA)
    probes = [path for path, _, _ in fake.requests if path != "/v1/chat/completions"]
    assert probes == ["/tokenize", "/extras/tokenize/count"]


def vllm_tokenize(prompt_count: int, max_model_len: int = 1000) -> Callable[[dict[str, Any]], httpx.Response]:
    def answer(body: dict[str, Any]) -> httpx.Response:
        count = prompt_count if "messages" in body else len(body["prompt"].split())
        return httpx.Response(
            200, json={"count": count, "max_model_len": max_model_len, "tokens": [1] * count}
        )

    return answer


def test_vllm_tokenizer_counts_and_caps_max_tokens_to_the_room_left() -> None:
    fake = FakeServer(sse(chunk("a b c", finish="length"), DONE), routes={"/tokenize": vllm_tokenize(90)})
    remote = fake.engine(context_size=100)
    stats = GenerationStats()
    collect(remote, SEA, SamplingParams(max_tokens=50), stats)
    assert remote.tokenizer == "vllm"
    assert fake.chat_bodies()[0]["max_tokens"] == 10
    assert stats.prompt_tokens == 90
    assert stats.response_tokens == 3  # /tokenize of the reply text
    chat_count = [body for path, body, _ in fake.requests if path == "/tokenize" and "messages" in body]
    assert chat_count[0]["messages"] == [{"role": "user", "content": "Tell me about the sea."}]
    assert chat_count[0]["add_generation_prompt"] is True


def test_a_prompt_that_fills_the_window_is_refused_before_any_request() -> None:
    fake = FakeServer(sse(DONE), routes={"/tokenize": vllm_tokenize(100)})
    with pytest.raises(ContextWindowExceeded) as error:
        collect(fake.engine(context_size=100), SEA)
    assert error.value.reason.startswith(
        "the conversation takes 100 tokens, over the model's context window of 100"
    )
    assert fake.chat_bodies() == []


def test_vllm_reporting_a_smaller_window_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeServer(routes={"/tokenize": vllm_tokenize(5, max_model_len=512)})
    fake.engine(context_size=4096).count_prompt_tokens(SEA)
    assert "context_size 4096 is over the 512 tokens" in caplog.text


def test_llama_server_tokenizer_applies_the_template() -> None:
    def tokenize(body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"tokens": list(range(len(body.get("content", "").split())))})

    def apply_template(body: dict[str, Any]) -> httpx.Response:
        prompt = "".join(f"<|im_start|>{m['role']} {m['content']} <|im_end|> " for m in body["messages"])
        return httpx.Response(200, json={"prompt": prompt})

    fake = FakeServer(routes={"/tokenize": tokenize, "/apply-template": apply_template})
    remote = fake.engine()
    # "<|im_start|>user Tell me about the sea. <|im_end|> " is 7 words.
    assert remote.count_prompt_tokens(SEA) == 7
    assert remote.tokenizer == "llama.cpp"
    assert remote.count_text_tokens("three little words") == 3


def test_http_500_is_an_engine_error_with_endpoint_status_and_message() -> None:
    fake = FakeServer(json.dumps({"error": {"message": "CUDA out of memory"}}).encode(), status=500,
                      content_type="application/json")  # fmt: skip
    with pytest.raises(EngineError) as error:
        collect(fake.engine(), SEA)
    assert error.value.reason == f"{CHAT} answered HTTP 500: CUDA out of memory"


def test_unknown_model_404_names_the_fix() -> None:
    body = {"object": "error", "message": "The model `served-model` does not exist.", "code": 404}
    fake = FakeServer(json.dumps(body).encode(), status=404, content_type="application/json")
    with pytest.raises(EngineError) as error:
        collect(fake.engine(), SEA)
    assert error.value.reason.startswith(
        f"{CHAT} answered HTTP 404: The model `served-model` does not exist."
    )
    assert "model name" in error.value.reason


def test_a_context_length_400_is_context_window_exceeded() -> None:
    message = "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."
    fake = FakeServer(json.dumps({"error": {"message": message}}).encode(), status=400,
                      content_type="application/json")  # fmt: skip
    with pytest.raises(ContextWindowExceeded):
        collect(fake.engine(), SEA)


def test_an_html_error_page_is_reported_as_text() -> None:
    fake = FakeServer(b"<html>Bad Gateway</html>", status=502, content_type="text/html")
    with pytest.raises(EngineError) as error:
        collect(fake.engine(), SEA)
    assert error.value.reason == f"{CHAT} answered HTTP 502: <html>Bad Gateway</html>"


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (sse(chunk("ok"), "data: {not json"), "malformed stream from " + CHAT),
        (sse(chunk("ok"), 'data: ["a list"]'), "is not a JSON object"),
        (sse('data: {"choices": {"0": 1}}'), "'choices' is not a list"),
        (sse('data: {"choices": [{"delta": {"content": 5}}]}'), "delta.content is not text"),
        (sse(chunk("cut"), chunk(" off")), "ended before [DONE]"),
        (b"", "ended before [DONE]"),
        (sse(chunk("ok"), 'data: {"error": {"message": "engine died"}}'), "failed mid-stream: engine died"),
        (sse(chunk("ok"), 'error: {"code": 500, "message": "slot lost"}'), "failed mid-stream: slot lost"),
    ],
)
def test_a_malformed_stream_is_an_engine_error(stream: bytes, expected: str) -> None:
    fake = FakeServer(stream)
    pieces: list[str] = []
    with pytest.raises(EngineError) as error:
        for piece in fake.engine().generate(SEA, SamplingParams(), GenerationStats(), threading.Event()):
            pieces.append(piece)
    assert expected in error.value.reason
    assert CHAT in error.value.reason


def test_a_reply_that_is_not_an_event_stream_is_an_engine_error() -> None:
    fake = FakeServer(b'{"choices": []}', content_type="application/json")
    with pytest.raises(EngineError) as error:
        collect(fake.engine(), SEA)
    assert "expected text/event-stream, got application/json" in error.value.reason


def test_a_finished_stream_without_done_is_accepted() -> None:
    fake = FakeServer(sse(chunk("all"), chunk(" here", finish="stop")))
    assert collect(fake.engine(), SEA) == ["all", " here"]


def test_sse_parsing() -> None:
    lines = [
        ": ping",
        "event: message",
        "data: one",
        "data: two",
        "",
        "data:[DONE]",
        "",
        "id: 3",
        "data: tail",
    ]
    assert list(_sse_events(lines)) == [("data", "one\ntwo"), ("data", "[DONE]"), ("data", "tail")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "localhost:8000/v1"}, "must be an http:// or https:// URL"),
        ({"base_url": "ftp://host/v1"}, "must be an http:// or https:// URL"),
        ({"model": ""}, "needs a model name"),
        ({"context_size": 0}, "context_size must be positive"),
        ({"max_connections": 0}, "max_connections must be positive"),
        ({"timeout": 0}, "timeout must be positive"),
    ],
)
def test_bad_configuration_is_a_config_error(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"base_url": BASE, "model": "m", "context_size": 100, **kwargs}
    with pytest.raises(ConfigError, match=message):
        OpenAICompatEngine(**args)


# -- a server that stalls: a real socket, to see cancel and timeouts cut it -----------


class StallingServer:
    """Accepts connections and reads the request, then sends ``head`` (maybe nothing) and waits.

    Records when each client's connection was closed.
    """

    def __init__(self, head: bytes = b"") -> None:
        self.head = head
        self.closed = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self._sock.accept()
            with conn:
                conn.recv(65536)
                if self.head:
                    conn.sendall(self.head)
                conn.settimeout(30)
                while conn.recv(65536):
                    pass
                self.closed.set()

    def engine(self, timeout: float = 30.0) -> OpenAICompatEngine:
        return OpenAICompatEngine(
            f"http://127.0.0.1:{self.port}/v1", MODEL, context_size=N_CTX, timeout=timeout
        )

    def close(self) -> None:
        self._sock.close()


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    + b"%x\r\n%s\r\n" % (len(chunk("first").encode() + b"\n\n"), chunk("first").encode() + b"\n\n")
)


def generate_in_thread(
    remote: OpenAICompatEngine, cancel: threading.Event
) -> tuple[threading.Thread, list[Any]]:
    """Drive a generation in a worker thread, as openlive does; the list gets pieces, then the outcome."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.extend(remote.generate(SEA, SamplingParams(), GenerationStats(), cancel))
            out.append("returned")
        except Exception as exc:  # noqa: BLE001 - inspected by the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


@pytest.mark.parametrize("head", [b"", STREAM_HEAD], ids=["before-headers", "mid-stream"])
def test_cancel_hangs_up_a_request_blocked_on_the_server(head: bytes) -> None:
    # The tokenizer probes would hit this one-connection server first; skip them.
    server = StallingServer(head)
    remote = server.engine()
    remote._tokenizer = "none"
    cancel = threading.Event()
    thread, out = generate_in_thread(remote, cancel)
    time.sleep(0.3)
    assert thread.is_alive(), out
    cancel.set()
    thread.join(timeout=2)
    assert not thread.is_alive(), "cancel did not end the blocked request"
    assert out[-1] == "returned"
    assert out[:-1] == ([] if not head else ["first"])
    assert server.closed.wait(2), "the server never saw the client go"
    server.close()


def test_a_server_that_stops_sending_times_out_as_an_engine_error() -> None:
    server = StallingServer(STREAM_HEAD)
    remote = server.engine(timeout=0.5)
    remote._tokenizer = "none"
    started = time.perf_counter()
    with pytest.raises(EngineError) as error:
        collect(remote, SEA)
    assert time.perf_counter() - started < 3
    assert error.value.reason == f"http://127.0.0.1:{server.port}/v1/chat/completions sent nothing for 0.5 s"
    server.close()


def test_generations_beyond_max_connections_wait_their_turn() -> None:
    server = StallingServer()
    remote = OpenAICompatEngine(
        f"http://127.0.0.1:{server.port}/v1", MODEL, context_size=N_CTX, timeout=30.0, max_connections=1
    )
    remote._tokenizer = "none"
    stalled_cancel, waiting_cancel = threading.Event(), threading.Event()
    stalled, _ = generate_in_thread(remote, stalled_cancel)
    time.sleep(0.2)
    waiting, out = generate_in_thread(remote, waiting_cancel)
    time.sleep(0.2)
    assert waiting.is_alive(), out
    # Cancelled while it waits for a connection: it ends, having sent nothing.
    waiting_cancel.set()
    waiting.join(timeout=1)
    assert out == ["returned"]
    stalled_cancel.set()
    stalled.join(timeout=2)
    assert not stalled.is_alive()
    server.close()


def test_waiting_longer_than_the_timeout_for_a_connection_is_an_engine_error() -> None:
    remote = OpenAICompatEngine(BASE, MODEL, context_size=N_CTX, timeout=0.2, max_connections=1)
    remote._tokenizer = "none"
    remote._slots.acquire()  # the one connection is busy
    with pytest.raises(EngineError) as error:
        collect(remote, SEA)
    assert error.value.reason.startswith(f"all 1 connections to {CHAT} stayed busy for 0.2 s")


def test_a_vision_engine_sends_image_parts_as_data_uris_in_order() -> None:
    import base64

    from openlive.engines.base import capabilities
    from openlive.parts import ImagePart, TextPart

    fake = FakeServer(sse(chunk("A cat.", finish="stop"), DONE))
    remote = fake.engine(images=True)
    assert capabilities(remote).images
    image = ImagePart(b"\xff\xd8\xff\xe0fake-jpeg", "image/jpeg")
    message = ChatMessage("user", "[image]what is this?", (image, TextPart("what is "), TextPart("this?")))
    collect(remote, [ChatMessage("system", "Be brief."), message])
    (body,) = fake.chat_bodies()
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(image.data).decode()},
                },
                {"type": "text", "text": "what is this?"},
            ],
        },
    ]


def test_an_engine_not_declared_to_read_images_sends_text_only() -> None:
    from openlive.engines.base import capabilities
    from openlive.parts import ImagePart, TextPart

    fake = FakeServer(sse(chunk("ok", finish="stop"), DONE))
    remote = fake.engine()
    assert not capabilities(remote).images
    message = ChatMessage("user", "[image: a red square]hi", (ImagePart(b"x", "image/png"), TextPart("hi")))
    collect(remote, [message])
    (body,) = fake.chat_bodies()
    assert body["messages"] == [{"role": "user", "content": "[image: a red square]hi"}]
