"""Sessions beyond one connection, through google-genai, with the real embedded model.

The Live API documentation's session-resumption example, a goAway acted on,
ephemeral tokens, the context window with and without compression, sessions that
survive a killed server (SQLite) or move between replicas (Redis), and the
language model served by an OpenAI-compatible engine (llama.cpp's server).

A 135M model does not reliably repeat what it was told, so "the history is back"
is checked through ``usageMetadata.promptTokenCount``: after resuming, the prompt
for the next question holds the earlier exchange, so it is longer than that
exchange, and longer than the same question asked in a fresh session.
"""

from __future__ import annotations

import asyncio
import datetime
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from google import genai
from google.genai import errors, types

from tests.e2e.conftest import LiveServer, free_port, start_server, stop_server

pytestmark = pytest.mark.e2e

MODEL = "gemini-2.0-flash-live-001"
API_KEY = "openlive-e2e-sessions-key"
TURN_TIMEOUT_S = 120
# Short replies keep the file fast; temperature 0 keeps them repeatable.
BASE_CONFIG: dict[str, Any] = {"response_modalities": ["TEXT"], "temperature": 0.0, "max_output_tokens": 24}
TELL = "My name is Zorblax and my favourite colour is teal. Please remember that."
ASK = "What is my name?"


# -- helpers ---------------------------------------------------------------------------


@dataclass
class TurnResult:
    """What one turn (`receive()` up to turnComplete) brought."""

    messages: list[types.LiveServerMessage]
    text: str = ""
    handles: list[str] = field(default_factory=list)
    updates: list[types.LiveServerSessionResumptionUpdate] = field(default_factory=list)
    go_away: types.LiveServerGoAway | None = None

    @property
    def usage(self) -> types.UsageMetadata:
        with_usage = [m.usage_metadata for m in self.messages if m.usage_metadata]
        assert with_usage, f"no usageMetadata in the turn: {self.messages}"
        return with_usage[-1]

    @property
    def prompt_tokens(self) -> int:
        assert self.usage.prompt_token_count is not None
        return self.usage.prompt_token_count

    @property
    def response_tokens(self) -> int:
        assert self.usage.response_token_count is not None
        return self.usage.response_token_count

    @property
    def handle(self) -> str:
        assert self.handles, f"no resumable sessionResumptionUpdate in the turn: {self.updates}"
        return self.handles[-1]


def summarize(messages: list[types.LiveServerMessage]) -> TurnResult:
    result = TurnResult(messages)
    for message in messages:
        if message.text:
            result.text += message.text
        update = message.session_resumption_update
        if update is not None:
            result.updates.append(update)
            # As the documentation's example keeps it.
            if update.resumable and update.new_handle:
                result.handles.append(update.new_handle)
        if message.go_away is not None:
            result.go_away = message.go_away
    return result


async def collect(session: Any) -> list[types.LiveServerMessage]:
    return [message async for message in session.receive()]


async def turn(session: Any, text: str) -> TurnResult:
    await session.send_client_content(
        turns=types.Content(role="user", parts=[types.Part(text=text)]), turn_complete=True
    )
    result = summarize(await asyncio.wait_for(collect(session), timeout=TURN_TIMEOUT_S))
    last = result.messages[-1].server_content
    assert last is not None and last.turn_complete, result.messages
    return result


async def until_closed(session: Any, timeout: float) -> tuple[list[types.LiveServerMessage], errors.APIError]:
    """Read until the server closes the connection; the SDK raises the close as APIError."""
    seen: list[types.LiveServerMessage] = []

    async def read() -> errors.APIError:
        try:
            while True:
                async for message in session.receive():
                    seen.append(message)
        except errors.APIError as error:
            return error

    return seen, await asyncio.wait_for(read(), timeout=timeout)


def client_for(server: LiveServer, monkeypatch: pytest.MonkeyPatch, **http_options: Any) -> genai.Client:
    """A google-genai client pointed at ``server``, trusting its certificate."""
    assert server.cert is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    return genai.Client(api_key=API_KEY, http_options={"base_url": server.base_url, **http_options})


def resumable(handle: str | None = None, **extra: Any) -> types.LiveConnectConfig:
    return types.LiveConnectConfig(
        **{**BASE_CONFIG, **extra}, session_resumption=types.SessionResumptionConfig(handle=handle)
    )


async def fresh_prompt_tokens(client: genai.Client, text: str) -> int:
    """The prompt size of ``text`` asked in a new session with no history."""
    async with client.aio.live.connect(model=MODEL, config=BASE_CONFIG) as session:
        return (await turn(session, text)).prompt_tokens


def assert_follows(earlier: TurnResult, later: TurnResult) -> None:
    """The later turn's prompt carries the earlier exchange: its prompt and its reply."""
    assert later.prompt_tokens > earlier.prompt_tokens + earlier.response_tokens, (earlier.usage, later.usage)


def assert_history_back(first: TurnResult, resumed: TurnResult, fresh_prompt: int) -> None:
    """The resumed prompt carries the first exchange, which a fresh session's lacks."""
    assert_follows(first, resumed)
    assert resumed.prompt_tokens > fresh_prompt + first.response_tokens, (fresh_prompt, resumed.usage)


async def start(tmp: Path, *args: str, env: dict[str, str] | None = None) -> LiveServer:
    return await asyncio.to_thread(start_server, tmp, "--no-voice", *args, env=env)


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One text-only TLS server (SQLite store in its data directory)."""
    live = start_server(tmp_path_factory.mktemp("sessions"), "--no-voice")
    yield live
    stop_server(live)


@pytest.fixture
def client(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> genai.Client:
    return client_for(server, monkeypatch)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway `redis-server` on a free loopback port, nothing persisted."""
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    import redis

    port = free_port()
    log = tmp_path_factory.mktemp("redis") / "redis.log"
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        probe = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if probe.ping():
                    break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        probe.close()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two openlive processes sharing one Redis store (and one data directory, so one certificate)."""
    tmp = tmp_path_factory.mktemp("replicas")
    env = {"OPENLIVE_STORE": redis_url}
    first = start_server(tmp, "--no-voice", env=env)
    try:
        second = start_server(tmp, "--no-voice", env=env)
    except Exception:
        stop_server(first)
        raise
    yield first, second
    stop_server(second)
    stop_server(first)


# -- session resumption ----------------------------------------------------------------


async def test_session_resumption_example_flow(client: genai.Client) -> None:
    """The documentation's example: connect with handle=None, keep the handle, reconnect with it."""
    async with client.aio.live.connect(model=MODEL, config=resumable(None)) as session:
        first = await turn(session, TELL)
    assert first.text.strip(), "the model said nothing"
    # While the reply is generated the session is not resumable; the handle that
    # includes the whole turn comes after the reply, before turnComplete.
    kinds = [kind(m) for m in first.messages]
    assert "not-resumable" in kinds and kinds.index("not-resumable") < kinds.index("text"), kinds
    assert kinds[-2:] == ["resumable", "turnComplete"], kinds

    async with client.aio.live.connect(model=MODEL, config=resumable(first.handle)) as session:
        resumed = await turn(session, ASK)
    assert resumed.text.strip()
    assert resumed.handle != first.handle, "a resumed session hands out new handles"

    assert_history_back(first, resumed, await fresh_prompt_tokens(client, ASK))

    # The newest handle goes on: a third connection sees both earlier exchanges.
    async with client.aio.live.connect(model=MODEL, config=resumable(resumed.handle)) as session:
        third = await turn(session, "Thank you.")
    assert_follows(resumed, third)


def kind(message: types.LiveServerMessage) -> str:
    update = message.session_resumption_update
    if update is not None:
        return "resumable" if update.resumable else "not-resumable"
    if message.text:
        return "text"
    if message.server_content and message.server_content.turn_complete:
        return "turnComplete"
    return "other"


async def test_resuming_with_a_forged_handle_is_refused(client: genai.Client) -> None:
    async with client.aio.live.connect(model=MODEL, config=resumable(None)) as session:
        handle = (await turn(session, "Hi.")).handle
    forged = handle[:-4] + ("AAAA" if not handle.endswith("AAAA") else "BBBB")
    with pytest.raises(errors.APIError) as caught:
        async with client.aio.live.connect(model=MODEL, config=resumable(forged)):
            pass
    assert caught.value.code == 1008, caught.value


async def test_go_away_then_resume_with_the_last_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session time limit: goAway with timeLeft, the close, then the client resumes.

    Each connection without context window compression lasts 20 s: a goAway 1 s
    before the end, then a close. A session with compression has no such limit
    (the documentation's "Session duration"). Replies are kept short, and the limit
    generous, so that a turn fits in a connection even on a busy machine (llama.cpp
    slows down badly when other processes compete for the cores).
    """
    limited = await start(tmp_path, env={"OPENLIVE_SESSION_LIMIT_S": "20", "OPENLIVE_GO_AWAY_NOTICE_S": "1"})
    short = {**BASE_CONFIG, "max_output_tokens": 12}
    compressed = types.LiveConnectConfig(
        **short,
        context_window_compression=types.ContextWindowCompressionConfig(sliding_window=types.SlidingWindow()),
    )
    try:
        client = client_for(limited, monkeypatch)
        async with client.aio.live.connect(model=MODEL, config=compressed) as unlimited:
            async with client.aio.live.connect(model=MODEL, config=resumable(None, **short)) as session:
                first = await turn(session, TELL)
                # As the documentation's example does: read on, and act on the goAway.
                seen, closed = await until_closed(session, timeout=30)
            after = summarize(seen)
            go_away = first.go_away or after.go_away
            assert go_away is not None and go_away.time_left, seen
            assert 0 < float(go_away.time_left.removesuffix("s")) <= 1.0, go_away
            assert closed.code == 1001, closed
            assert "handle" in str(closed), closed  # the reason says how to go on
            handle = (after.handles or first.handles)[-1]

            async with client.aio.live.connect(model=MODEL, config=resumable(handle)) as session:
                resumed = await turn(session, ASK)
            assert resumed.text.strip()
            assert_follows(first, resumed)

            # Past the limit, the session with compression is still open.
            assert (await turn(unlimited, "Hello!")).text.strip()
    finally:
        await asyncio.to_thread(stop_server, limited)


async def test_resuming_on_go_away_before_the_old_connection_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Act on the goAway at once: go on in a new connection, close the old one after.

    A goAway comes 2 s into each connection, with a long notice, so the client can
    act on it at its own pace: it resumes with its last handle in a new connection,
    has one exchange there, closes it, then closes the old connection. The old
    connection must not overwrite what the new one saved: the newest handle must
    still resume, with both exchanges.
    """
    limited = await start(tmp_path, env={"OPENLIVE_SESSION_LIMIT_S": "30", "OPENLIVE_GO_AWAY_NOTICE_S": "28"})
    try:
        client = client_for(limited, monkeypatch)
        async with client.aio.live.connect(model=MODEL, config=resumable(None)) as old:
            first = await turn(old, TELL)
            if first.go_away is None:
                seen = await asyncio.wait_for(collect_until_go_away(old), timeout=15)
                assert seen[-1].go_away is not None and seen[-1].go_away.time_left, seen
            # At once, with the last handle, while the old connection is still open.
            async with client.aio.live.connect(model=MODEL, config=resumable(first.handle)) as new:
                second = await turn(new, ASK)
        # Both connections are closed now, the new one first. The client comes back a
        # moment later, when the server has saved what each connection left.
        await asyncio.sleep(1)

        async with client.aio.live.connect(model=MODEL, config=resumable(second.handle)) as session:
            third = await turn(session, "Thank you.")
        assert_follows(second, third)
    finally:
        await asyncio.to_thread(stop_server, limited)


async def collect_until_go_away(session: Any) -> list[types.LiveServerMessage]:
    seen = []
    async for message in session.receive():
        seen.append(message)
        if message.go_away is not None:
            break
    return seen


# -- ephemeral tokens ------------------------------------------------------------------


def token_config(uses: int, **live_config: Any) -> dict[str, Any]:
    now = datetime.datetime.now(tz=datetime.UTC)
    return {
        "uses": uses,
        "expire_time": now + datetime.timedelta(minutes=30),
        "new_session_expire_time": now + datetime.timedelta(minutes=1),
        "live_connect_constraints": {
            "model": MODEL,
            "config": {"response_modalities": ["TEXT"], "temperature": 0.0, **live_config},
        },
        "http_options": {"api_version": "v1alpha"},
    }


def token_client(server: LiveServer, token: types.AuthToken) -> genai.Client:
    assert token.name and token.name.startswith("auth_tokens/"), token
    return genai.Client(
        api_key=token.name, http_options={"api_version": "v1alpha", "base_url": server.base_url}
    )


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_ephemeral_token_starts_one_session(server: LiveServer, client: genai.Client) -> None:
    token = await client.aio.auth_tokens.create(
        config=token_config(uses=1, max_output_tokens=BASE_CONFIG["max_output_tokens"])
    )
    assert token.name and token.name.startswith("auth_tokens/")
    browser = token_client(server, token)

    async with browser.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}) as session:
        result = await turn(session, "Hello, how are you?")
    assert result.text.strip()

    with pytest.raises(errors.APIError) as caught:
        async with browser.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}):
            pass
    assert caught.value.code == 1008, caught.value
    assert "no uses left" in str(caught.value), caught.value


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_ephemeral_token_refuses_a_changed_locked_field(
    server: LiveServer, client: genai.Client
) -> None:
    token = await client.aio.auth_tokens.create(config=token_config(uses=2))
    browser = token_client(server, token)
    with pytest.raises(errors.APIError) as caught:
        async with browser.aio.live.connect(
            model=MODEL, config={"response_modalities": ["TEXT"], "temperature": 0.9}
        ):
            pass
    assert caught.value.code == 1008, caught.value
    assert "locked" in str(caught.value) and "temperature" in str(caught.value), caught.value


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_a_refused_setup_does_not_spend_the_token(server: LiveServer, client: genai.Client) -> None:
    """A one-use token whose first setup broke a lock still starts the session it was minted for."""
    token = await client.aio.auth_tokens.create(config=token_config(uses=1))
    browser = token_client(server, token)
    with pytest.raises(errors.APIError) as caught:
        async with browser.aio.live.connect(
            model=MODEL, config={"response_modalities": ["TEXT"], "temperature": 0.9}
        ):
            pass
    assert caught.value.code == 1008, caught.value
    async with browser.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}) as session:
        assert session.session_id


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_ephemeral_token_session_resumes_without_spending_a_use(
    server: LiveServer, client: genai.Client
) -> None:
    """A one-use token: its session can be resumed with it, but no second session started."""
    token = await client.aio.auth_tokens.create(
        config=token_config(uses=1, max_output_tokens=BASE_CONFIG["max_output_tokens"])
    )
    browser = token_client(server, token)
    async with browser.aio.live.connect(model=MODEL, config=resumable(None)) as session:
        first = await turn(session, TELL)
    async with browser.aio.live.connect(model=MODEL, config=resumable(first.handle)) as session:
        resumed = await turn(session, ASK)
    assert_follows(first, resumed)
    with pytest.raises(errors.APIError) as caught:
        async with browser.aio.live.connect(model=MODEL, config=resumable(None)):
            pass
    assert caught.value.code == 1008 and "no uses left" in str(caught.value), caught.value
    # The handle belongs to the token's session: the API key that minted the token cannot take it over.
    with pytest.raises(errors.APIError) as caught:
        async with client.aio.live.connect(model=MODEL, config=resumable(resumed.handle)):
            pass
    assert caught.value.code == 1008, caught.value


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_unknown_ephemeral_token_is_refused(server: LiveServer, client: genai.Client) -> None:
    browser = token_client(server, types.AuthToken(name="auth_tokens/never-issued"))
    with pytest.raises(errors.APIError) as caught:
        async with browser.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}):
            pass
    assert caught.value.code == 1008, caught.value
    assert "unknown ephemeral token" in str(caught.value), caught.value


# -- the context window ----------------------------------------------------------------

SMALL_CONTEXT_CONFIG = '[engines.embedded]\ntype = "llama"\nn_ctx = 512\n'


@pytest.fixture(scope="module")
def small_context_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp("small-context")
    config = tmp / "openlive.toml"
    config.write_text(SMALL_CONTEXT_CONFIG)
    live = start_server(tmp, "--no-voice", "--config", str(config))
    yield live
    stop_server(live)


def long_context(part: int) -> list[types.Content]:
    """About 900 tokens of earlier conversation, as several user/model exchanges."""
    turns = []
    for i in range(6):
        notes = " ".join(f"note-{part}-{i}-{j} is filed under shelf {j * 7 % 13}." for j in range(12))
        turns.append(types.Content(role="user", parts=[types.Part(text=notes)]))
        turns.append(types.Content(role="model", parts=[types.Part(text="Noted.")]))
    return turns


async def ask_after_context(session: Any, part: int) -> TurnResult:
    await session.send_client_content(turns=long_context(part), turn_complete=False)
    return await turn(session, "Which shelf holds the first note?")


async def test_context_window_exceeded_without_compression(
    small_context_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(small_context_server, monkeypatch)
    with pytest.raises(errors.APIError) as caught:
        async with client.aio.live.connect(model=MODEL, config=BASE_CONFIG) as session:
            await ask_after_context(session, 0)
    assert caught.value.code == 1007, caught.value
    assert "context window" in str(caught.value), caught.value
    assert "512" in str(caught.value), caught.value
    # One session's input does not take the server down.
    assert small_context_server.process.poll() is None
    async with client.aio.live.connect(model=MODEL, config=BASE_CONFIG) as session:
        assert (await turn(session, "Hello!")).text.strip()


async def test_context_window_compression_keeps_the_conversation_going(
    small_context_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(small_context_server, monkeypatch)
    config = types.LiveConnectConfig(
        **BASE_CONFIG,
        context_window_compression=types.ContextWindowCompressionConfig(sliding_window=types.SlidingWindow()),
    )
    async with client.aio.live.connect(model=MODEL, config=config) as session:
        first = await ask_after_context(session, 0)
        second = await ask_after_context(session, 1)
        third = await turn(session, "Thanks, that is all.")
    for result in (first, second, third):
        assert result.text.strip(), result.messages
        # The oldest turns were dropped: the prompt fits the 512-token window with room
        # for a reply of max_output_tokens.
        assert 0 < result.prompt_tokens <= 512 - BASE_CONFIG["max_output_tokens"], result.usage


# -- durability and scale-out ----------------------------------------------------------


async def test_session_survives_kill_9_with_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A handle the client holds names committed state: a new process on the same data dir resumes it."""
    first_server = await start(tmp_path)
    try:
        client = client_for(first_server, monkeypatch)
        async with client.aio.live.connect(model=MODEL, config=resumable(None)) as session:
            first = await turn(session, TELL)
            first_server.process.kill()  # SIGKILL: no shutdown, no save on close
            await asyncio.to_thread(first_server.process.wait)
            with pytest.raises(errors.APIError) as dropped:
                await asyncio.wait_for(collect(session), timeout=15)
            assert dropped.value.code == 1006, dropped.value  # no close frame: the process died
    finally:
        await asyncio.to_thread(stop_server, first_server)

    second_server = await start(tmp_path)  # same data directory: same sessions.db, same certificate
    try:
        client = client_for(second_server, monkeypatch)
        async with client.aio.live.connect(model=MODEL, config=resumable(first.handle)) as session:
            resumed = await turn(session, ASK)
        assert resumed.text.strip()
        assert_history_back(first, resumed, await fresh_prompt_tokens(client, ASK))
    finally:
        await asyncio.to_thread(stop_server, second_server)


async def test_session_moves_between_replicas_through_redis(
    replicas: tuple[LiveServer, LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = replicas
    client_one = client_for(one, monkeypatch)
    client_two = client_for(two, monkeypatch)
    async with client_one.aio.live.connect(model=MODEL, config=resumable(None)) as session:
        first = await turn(session, TELL)
    async with client_two.aio.live.connect(model=MODEL, config=resumable(first.handle)) as session:
        resumed = await turn(session, ASK)
    assert resumed.text.strip()
    assert_history_back(first, resumed, await fresh_prompt_tokens(client_two, ASK))
    # And back again, with the handle the second replica gave.
    async with client_one.aio.live.connect(model=MODEL, config=resumable(resumed.handle)) as session:
        third = await turn(session, "Thank you.")
    assert_follows(resumed, third)


@pytest.mark.filterwarnings("ignore::google.genai.errors.ExperimentalWarning")
async def test_token_minted_on_one_replica_is_used_once_across_both(
    replicas: tuple[LiveServer, LiveServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = replicas
    token = await client_for(one, monkeypatch).aio.auth_tokens.create(config=token_config(uses=1))
    on_two = token_client(two, token)
    async with on_two.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}) as session:
        assert (await turn(session, "Hello!")).text.strip()
    for replica in (one, two):
        with pytest.raises(errors.APIError) as caught:
            async with token_client(replica, token).aio.live.connect(
                model=MODEL, config={"response_modalities": ["TEXT"]}
            ):
                pass
        assert caught.value.code == 1008, (replica.port, caught.value)
        assert "no uses left" in str(caught.value), caught.value


# -- an OpenAI-compatible engine -------------------------------------------------------


@pytest.fixture(scope="module")
def llama_cpp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) on SmolLM2."""
    pytest.importorskip("llama_cpp.server.app", reason="needs llama-cpp-python[server]")
    from openlive.engines.embedded import smollm2_path

    port = free_port()
    log = tmp_path_factory.mktemp("llama-cpp-server") / "llama-server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_path())]
        + ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base_url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_text_example_through_an_openai_compatible_engine(
    llama_cpp_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, llama_log = llama_cpp_server
    config = tmp_path / "openlive.toml"
    config.write_text(
        f'[engines.remote]\ntype = "openai"\nbase_url = "{base_url}"\nmodel = "smollm2"\n'
        f'context_size = 2048\n[models]\n"{MODEL}" = "remote"\n'
    )
    remote = await start(tmp_path, "--config", str(config))
    try:
        client = client_for(remote, monkeypatch)
        # The documentation's text example, with only the base URL changed.
        async with client.aio.live.connect(model=MODEL, config={"response_modalities": ["TEXT"]}) as session:
            await session.send_client_content(
                turns={"role": "user", "parts": [{"text": "Hello, how are you?"}]}, turn_complete=True
            )
            result = summarize(await asyncio.wait_for(collect(session), timeout=TURN_TIMEOUT_S))
        assert result.text.strip(), result.messages
        assert result.prompt_tokens > 0 and result.response_tokens > 0, result.usage
        # The reply came from the remote server, not an embedded engine.
        assert "/v1/chat/completions" in llama_log.read_text(errors="replace")
    finally:
        await asyncio.to_thread(stop_server, remote)
