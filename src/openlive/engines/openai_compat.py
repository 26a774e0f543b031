"""A language model served over an OpenAI-compatible chat API (vLLM, llama.cpp's server, Ollama).

The engine streams ``POST {base_url}/chat/completions`` with ``stream: true`` and
reads the server-sent events: each ``data:`` line is a JSON chunk whose
``choices[0].delta.content`` is the next piece of the reply, and ``data: [DONE]``
ends the stream.

Token counts. The request asks for ``stream_options: {"include_usage": true}``;
a server that honours it (vLLM, llama.cpp's server, recent Ollama) sends a last
chunk with ``usage``, and its counts are the ones reported. Otherwise the counts
come from the server's own tokenizer endpoint when it has one, found once by
probing:

- vLLM: ``POST /tokenize`` with the chat messages (its chat template applied),
  or with a ``prompt`` for plain text; exact.
- llama.cpp's ``llama-server``: ``POST /apply-template`` then ``POST /tokenize``;
  exact.
- llama-cpp-python's server: ``POST /extras/tokenize/count``. It has no template
  endpoint, so a prompt counts as its message texts plus
  ``TEMPLATE_TOKENS_PER_MESSAGE`` per message and ``GENERATION_PROMPT_TOKENS``;
  approximate (low by any default system prompt the template adds).

With none of these (Ollama, hosted APIs) a count is estimated at one token per
``CHARS_PER_TOKEN`` characters, plus the same template allowance per message.

When the prompt can be counted by the server before a generation, the engine
refuses a prompt that fills the context window (``ContextWindowExceeded``, as the
llama.cpp engine does) and caps ``max_tokens`` to the room left, so a long
conversation is not rejected by a server (vLLM) that checks prompt plus
``max_tokens`` against its window. That count costs one short request per turn
(two on llama-server) before the generation starts.

The context window cannot be asked of every server reliably (vLLM reports
``max_model_len`` from ``/tokenize``, Ollama and llama.cpp report it elsewhere or
per slot), so it is configuration: ``context_size`` should equal the window the
server was started with (vLLM ``--max-model-len``, llama.cpp ``--ctx-size``,
Ollama ``num_ctx``). A vLLM server that reports a smaller one is logged.

Images. An engine built with ``images=True`` (a vision model: llama.cpp's server
with ``--mmproj``, vLLM, Ollama) declares ``LLMCapabilities(images=True)`` and
sends a message with image parts as OpenAI's content list: ``{"type": "text"}``
and ``{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}``
items in order. The session sizes images to its ``mediaResolution`` before they
get here. Token counts through a tokenizer endpoint count the text only.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import httpx

from openlive.engines.base import ChatMessage, GenerationStats, LLMCapabilities, SamplingParams
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.engines.profile import ModelProfile, make_profile
from openlive.errors import ConfigError, ContextWindowExceeded, EngineError, OpenliveError
from openlive.parts import ImagePart, Part, text_of

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_CONNECTIONS = 4
# Estimates, when the server has no tokenizer endpoint and sends no usage.
CHARS_PER_TOKEN = 4
TEMPLATE_TOKENS_PER_MESSAGE = 4
GENERATION_PROMPT_TOKENS = 3
# An error body is read up to this many bytes for its message.
MAX_ERROR_BODY = 4096
# The most a tool-calling request may write (code to run is the longest argument).
TOOL_CALL_MAX_TOKENS = 1024
# How often a waiting thread looks at the cancel event.
_POLL_S = 0.05

_CONTEXT_ERROR = re.compile(
    r"context (length|window|size)|maximum context|exceeds? the (available )?context|prompt is too long",
    re.IGNORECASE,
)

Tokenizer = Literal["vllm", "llama.cpp", "llama-cpp-python", "none"]


class OpenAICompatEngine:
    """A chat model behind an OpenAI-compatible ``/v1/chat/completions`` endpoint.

    Every call is its own HTTP request, so the engine is safe to use from many
    threads; at most ``max_connections`` generations run at once, the others wait
    their turn (reported in ``GenerationStats.queue_wait_s``). Each request opens
    its own connection (no keep-alive), so that a cancelled generation's socket
    can be shut down at once, even while the server is still reading the prompt;
    the server sees the disconnect and stops generating.

    Args:
        base_url: The API root as the OpenAI SDK takes it, usually ending in
            ``/v1``: ``http://localhost:8000/v1`` (vLLM),
            ``http://localhost:8080/v1`` (llama.cpp), ``http://localhost:11434/v1``
            (Ollama).
        model: The model name the server serves (``model`` in each request).
        api_key: Sent as ``Authorization: Bearer ...`` when given.
        context_size: The model's context window in tokens, as the server was
            configured; the server cannot be asked for it reliably.
        timeout: Seconds allowed to connect, between two pieces of a streamed reply,
            and to wait for a free connection.
        max_connections: Generations that may run at once.
        transport: An ``httpx`` transport to use instead of the network (tests).
        tier: ``auto`` (capable: the model's size is unknown), ``tiny`` or ``capable``.
        tools: ``auto`` or ``native``: the endpoint gets the declared functions as
            ``tools`` and answers with ``tool_calls``; ``planner`` for endpoints or
            models that cannot call tools.
        images: The model reads images (a vision model): image parts are sent as
            ``image_url`` data URIs; otherwise the engine gets text only.

    Raises:
        ConfigError: The URL or a limit is not usable.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        context_size: int,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        transport: httpx.BaseTransport | None = None,
        tier: str = "auto",
        tools: str = "auto",
        images: bool = False,
    ) -> None:
        try:
            url = httpx.URL(base_url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ConfigError(f"the LLM base_url {base_url!r} is not a URL: {exc}") from exc
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigError(f"the LLM base_url {base_url!r} must be an http:// or https:// URL")
        if not model:
            raise ConfigError("the OpenAI-compatible engine needs a model name")
        if context_size <= 0:
            raise ConfigError(f"context_size must be positive, not {context_size}")
        if max_connections <= 0:
            raise ConfigError(f"max_connections must be positive, not {max_connections}")
        if timeout <= 0:
            raise ConfigError(f"timeout must be positive, not {timeout}")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.chat_url = f"{self.base_url}/chat/completions"
        # Tokenizer endpoints live beside /v1, at the server's root.
        self._root = self.base_url.removesuffix("/v1")
        self._context_size = context_size
        self._timeout = timeout
        self._max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout),
            # One more than the generations, so a token count is not stuck behind them.
            limits=httpx.Limits(max_connections=max_connections + 1, max_keepalive_connections=0),
            transport=transport,
        )
        self._tokenizer: Tokenizer | None = None
        self._tokenizer_lock = threading.Lock()
        # Tokens llama-cpp-python's count adds to any text (a BOS), measured once.
        self._count_offset = 0
        self.profile: ModelProfile = make_profile(tier, tools, None, template_has_tools=True)
        self.capabilities = LLMCapabilities(images=images)

    @property
    def context_size(self) -> int:
        """The context window given in the configuration."""
        return self._context_size

    def close(self) -> None:
        """Close the HTTP client; the engine is unusable afterwards."""
        self._client.close()

    def probe(self, timeout_s: float) -> str | None:
        """Whether the endpoint answers now: ``None`` if it does, else why not (blocking; run off-loop).

        Asks ``GET {base_url}/models``, which every OpenAI-compatible server has.
        """
        try:
            response = self._client.get(f"{self.base_url}/models", timeout=timeout_s)
        except httpx.HTTPError as exc:
            return f"{self.base_url} is unreachable: {type(exc).__name__}"
        if response.status_code >= 400:
            return f"{self.base_url}/models answered HTTP {response.status_code}"
        return None

    # -- token counts ----------------------------------------------------------------

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the prompt takes: the server's count if it can tell, else an estimate.

        Never raises: when the server cannot be reached the estimate is returned.
        """
        counted = self._server_prompt_tokens(messages)
        return estimate_prompt_tokens(messages) if counted is None else counted

    def count_text_tokens(self, text: str) -> int:
        """Tokens of plain text: the server's count if it can tell, else an estimate."""
        if not text:
            return 0
        counted = self._server_text_tokens(text)
        return estimate_text_tokens(text) if counted is None else counted

    @property
    def tokenizer(self) -> Tokenizer | None:
        """Which tokenizer endpoint the server has; ``None`` until first needed."""
        return self._tokenizer

    def _find_tokenizer(self) -> Tokenizer | None:
        """Probe the server's tokenizer endpoints once; ``None`` if it could not be reached."""
        if self._tokenizer is not None:
            return self._tokenizer
        with self._tokenizer_lock:
            if self._tokenizer is None:
                try:
                    self._tokenizer = self._probe_tokenizer()
                except httpx.HTTPError as exc:
                    log.debug("could not probe %s for a tokenizer: %s", self._root, exc)
                    return None
                log.info("LLM server %s: token counts from %s", self.base_url, self._tokenizer)
            return self._tokenizer

    def _probe_tokenizer(self) -> Tokenizer:
        # vLLM answers {"count", "max_model_len", "tokens"}; llama-server reads only
        # "content", so it answers {"tokens": []}.
        answer = self._post_json("/tokenize", {"model": self.model, "prompt": "hello"})
        if answer is not None and isinstance(answer.get("count"), int):
            window = answer.get("max_model_len")
            if isinstance(window, int) and window < self._context_size:
                log.warning(
                    "context_size %d is over the %d tokens %s serves; set context_size = %d",
                    self._context_size,
                    window,
                    self.base_url,
                    window,
                )
            return "vllm"
        if answer is not None and isinstance(answer.get("tokens"), list):
            return "llama.cpp"
        answer = self._post_json("/extras/tokenize/count", {"model": self.model, "input": ""})
        if answer is not None and isinstance(answer.get("count"), int):
            self._count_offset = answer["count"]
            return "llama-cpp-python"
        return "none"

    def _post_json(self, path: str, body: Mapping[str, Any]) -> dict[str, Any] | None:
        """POST to the server's root; the JSON object it answers, or ``None`` if it refuses.

        Raises:
            httpx.HTTPError: The server could not be reached.
        """
        response = self._client.post(self._root + path, json=body)
        if response.status_code != 200:
            return None
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    def _server_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int | None:
        tokenizer = self._find_tokenizer()
        chat = _chat(messages)
        try:
            if tokenizer == "vllm":
                body = {"model": self.model, "messages": chat, "add_generation_prompt": True}
                answer = self._post_json("/tokenize", body)
                return _int(answer, "count")
            if tokenizer == "llama.cpp":
                applied = self._post_json("/apply-template", {"messages": chat})
                prompt = applied.get("prompt") if applied else None
                if isinstance(prompt, str):
                    answer = self._post_json(
                        "/tokenize", {"content": prompt, "add_special": True, "parse_special": True}
                    )
                    tokens = answer.get("tokens") if answer else None
                    return len(tokens) if isinstance(tokens, list) else None
            if tokenizer in ("llama.cpp", "llama-cpp-python"):
                # No template to apply: count the texts, and allow for the template.
                text = self._server_text_tokens("\n".join(m.content for m in messages))
                if text is None:
                    return None
                return text + TEMPLATE_TOKENS_PER_MESSAGE * len(messages) + GENERATION_PROMPT_TOKENS
        except httpx.HTTPError as exc:
            log.debug("token count from %s failed: %s", self._root, exc)
        return None

    def _server_text_tokens(self, text: str) -> int | None:
        tokenizer = self._find_tokenizer()
        try:
            if tokenizer == "vllm":
                body = {"model": self.model, "prompt": text, "add_special_tokens": False}
                return _int(self._post_json("/tokenize", body), "count")
            if tokenizer == "llama.cpp":
                answer = self._post_json("/tokenize", {"content": text, "add_special": False})
                tokens = answer.get("tokens") if answer else None
                return len(tokens) if isinstance(tokens, list) else None
            if tokenizer == "llama-cpp-python":
                answer = self._post_json("/extras/tokenize/count", {"model": self.model, "input": text})
                count = _int(answer, "count")
                return None if count is None else max(0, count - self._count_offset)
        except httpx.HTTPError as exc:
            log.debug("token count from %s failed: %s", self._root, exc)
        return None

    # -- generation ------------------------------------------------------------------

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
    ) -> Iterator[str]:
        """Stream the reply; see :class:`openlive.engines.base.LLM`.

        Raises:
            EngineError: The server could not be reached, answered an HTTP error,
                or sent a stream that is not a chat completion stream.
            ContextWindowExceeded: The conversation no longer fits the context window.
        """
        started = time.perf_counter()
        if not self._take_slot(started, cancel):
            return
        stats.queue_wait_s = time.perf_counter() - started
        try:
            yield from self._generate(messages, params, stats, cancel, started)
        finally:
            self._slots.release()

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        """The calls the model makes: the functions go as ``tools`` (parallel calls allowed).

        A call cannot be forbidden to an endpoint, so the ``barred`` functions are not sent.

        Raises:
            EngineError: The server could not be reached, answered an HTTP error, or
                sent something that is not a chat completion.
        """
        tools = [t for t in tools if t.name not in barred]
        if not tools:
            return []
        started = time.perf_counter()
        if not self._take_slot(started, cancel):
            return []
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _chat(messages, self.capabilities.images),
            "tools": [t.openai() for t in tools],
            "tool_choice": "auto",
            "parallel_tool_calls": True,
            "temperature": 0.0,
            "max_tokens": TOOL_CALL_MAX_TOKENS,
        }
        try:
            response = self._client.post(self.chat_url, json=body)
            if response.status_code != 200:
                raise _http_error(self.chat_url, response)
            answer = _loads(response.text)
        except httpx.HTTPError as exc:
            raise _transport_error(self.chat_url, exc, self._timeout) from exc
        finally:
            self._slots.release()
        return _tool_calls(self.chat_url, answer)

    def _take_slot(self, started: float, cancel: threading.Event) -> bool:
        """Wait for a free connection; ``False`` if cancelled first."""
        while not self._slots.acquire(timeout=_POLL_S):
            if cancel.is_set():
                return False
            if time.perf_counter() - started > self._timeout:
                raise EngineError(
                    f"all {self._max_connections} connections to {self.chat_url} "
                    f"stayed busy for {self._timeout:g} s; raise max_connections or add servers"
                )
        return True

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
        started: float,
    ) -> Iterator[str]:
        max_tokens = params.max_tokens
        counted = self._server_prompt_tokens(messages)
        if counted is not None:
            stats.prompt_tokens = counted
            room = self._context_size - counted
            if room <= 0:
                raise ContextWindowExceeded(
                    f"the conversation takes {counted} tokens, over the model's context window "
                    f"of {self._context_size}; start a new session"
                )
            max_tokens = min(max_tokens or room, room)
        elif max_tokens is not None:
            max_tokens = min(max_tokens, self._context_size)
        body = self._request_body(messages, params, max_tokens)

        pieces: list[str] = []
        usage: dict[str, int] = {}
        complete = False
        try:
            for piece in self._stream(body, usage, cancel):
                if stats.first_token_s is None:
                    stats.first_token_s = time.perf_counter() - started
                pieces.append(piece)
                yield piece
            complete = not cancel.is_set()
        finally:
            reply = "".join(pieces)
            if "prompt_tokens" in usage:
                stats.prompt_tokens = usage["prompt_tokens"]
            elif counted is None:
                stats.prompt_tokens = estimate_prompt_tokens(messages)
            if "completion_tokens" in usage:
                stats.response_tokens = usage["completion_tokens"]
            elif complete:
                stats.response_tokens = self.count_text_tokens(reply)
            else:
                # Cancelled or failed: no more requests for a reply nobody waits for.
                stats.response_tokens = estimate_text_tokens(reply)

    def _request_body(
        self, messages: Sequence[ChatMessage], params: SamplingParams, max_tokens: int | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _chat(messages, self.capabilities.images),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        optional: dict[str, float | int | None] = {
            "temperature": params.temperature,
            "top_p": params.top_p,
            # Not in OpenAI's API; vLLM, llama.cpp and llama-cpp-python read it, others ignore it.
            "top_k": params.top_k,
            "max_tokens": max_tokens,
            "seed": params.seed,
            "presence_penalty": params.presence_penalty,
            "frequency_penalty": params.frequency_penalty,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if params.json_schema is not None:
            body["response_format"] = self._response_format(params.json_schema)
        return body

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The ``response_format`` that constrains the reply to ``schema``.

        OpenAI's form (``json_schema``) is what vLLM, llama-server and Ollama read;
        llama-cpp-python's server refuses it (a validation error) and reads a ``schema`` beside
        ``type: json_object`` instead, as llama-server also does.
        """
        if self._tokenizer == "llama-cpp-python":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}

    def _stream(self, body: dict[str, Any], usage: dict[str, int], cancel: threading.Event) -> Iterator[str]:
        """The text pieces of one streamed completion; fills ``usage`` if the server sends it."""
        url = self.chat_url
        hangup = _Hangup(cancel)
        request = self._client.build_request("POST", url, json=body, extensions={"trace": hangup.trace})
        hangup.start()
        response: httpx.Response | None = None
        try:
            try:
                response = self._client.send(request, stream=True)
            except httpx.HTTPError as exc:
                if cancel.is_set():
                    return
                raise _transport_error(url, exc, self._timeout) from exc
            hangup.adopt(response)
            if response.status_code >= 400:
                raise _http_error(url, response)
            content_type = response.headers.get("content-type", "")
            if not content_type.startswith("text/event-stream"):
                got = content_type or "no content type"
                raise EngineError(f"malformed stream from {url}: expected text/event-stream, got {got}")
            done = finished = False
            try:
                for field, data in _sse_events(response.iter_lines()):
                    if cancel.is_set():
                        return
                    if field == "error":
                        raise EngineError(f"{url} failed mid-stream: {_message_of(_loads(data))}")
                    if data == "[DONE]":
                        done = True
                        break
                    piece, finish = _read_chunk(url, data, usage)
                    finished = finished or finish
                    if piece:
                        yield piece
            except httpx.HTTPError as exc:
                if cancel.is_set():
                    return
                raise _transport_error(url, exc, self._timeout) from exc
            if not (done or finished or cancel.is_set()):
                raise EngineError(
                    f"malformed stream from {url}: it ended before [DONE] "
                    "(the server may have failed, e.g. on a prompt over its context window; see its log)"
                )
        finally:
            hangup.finish()
            if response is not None:
                response.close()


class _Hangup:
    """Shuts a request's socket down when its generation is cancelled.

    A read blocked on the socket (the server still reading a long prompt, or
    between two tokens) then returns at once, and the server sees the client go.
    The socket comes from the request's ``trace`` extension when the connection
    is made, or from the response's ``network_stream``.
    """

    def __init__(self, cancel: threading.Event) -> None:
        self._cancel = cancel
        self._lock = threading.Lock()
        self._stream: Any = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="llm-hangup", daemon=True)

    def start(self) -> None:
        """Start watching the cancel event."""
        self._thread.start()

    def trace(self, event: str, info: Mapping[str, Any]) -> None:
        """The ``trace`` extension's callback: keep the stream of a new connection."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._keep(info.get("return_value"))

    def adopt(self, response: httpx.Response) -> None:
        """Take the response's stream if no connection was seen being made."""
        if self._stream is None:
            self._keep(response.extensions.get("network_stream"))

    def finish(self) -> None:
        """The request is over: never touch its socket again."""
        with self._lock:
            self._done.set()
            self._stream = None

    def _keep(self, stream: Any) -> None:
        with self._lock:
            if stream is None or self._done.is_set():
                return
            self._stream = stream
            if self._cancel.is_set():
                self._shut()

    def _watch(self) -> None:
        while not self._done.is_set():
            if self._cancel.wait(_POLL_S):
                with self._lock:
                    self._shut()
                return

    def _shut(self) -> None:
        """Shut the socket down; the caller holds the lock."""
        if self._done.is_set() or self._stream is None:
            return
        get_extra_info = getattr(self._stream, "get_extra_info", None)
        sock = get_extra_info("socket") if get_extra_info is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                # socket.socket's own shutdown, also for an SSLSocket: the TLS
                # object stays for the reading thread, which just sees the end.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _sse_events(lines: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Server-sent events as ``(field, data)``: ``data``, or ``error`` (llama-server's).

    Follows the SSE rules that matter here: the ``data`` lines of one event are
    joined with newlines, an event ends at a blank line, comments (``:``) and
    other fields are skipped. llama-server reports a failure as an ``error:`` line.
    """
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "data", "\n".join(data)
            data = []
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "error":
            yield "error", value
    if data:
        yield "data", "\n".join(data)


def _read_chunk(url: str, data: str, usage: dict[str, int]) -> tuple[str, bool]:
    """The text piece of one chunk and whether it finishes the reply; records ``usage``."""
    chunk = _loads(data)
    if chunk is None:
        raise EngineError(f"malformed stream from {url}: {data[:60]!r} is not a JSON object")
    if "error" in chunk:
        raise EngineError(f"{url} failed mid-stream: {_message_of(chunk)}")
    counts = chunk.get("usage")
    if isinstance(counts, dict):
        for key in ("prompt_tokens", "completion_tokens"):
            if isinstance(counts.get(key), int):
                usage[key] = counts[key]
    choices = chunk.get("choices") or []
    if not isinstance(choices, list):
        raise EngineError(f"malformed stream from {url}: 'choices' is not a list")
    if not choices:
        return "", False
    choice = choices[0]
    if not isinstance(choice, dict):
        raise EngineError(f"malformed stream from {url}: a choice is not an object")
    delta = choice.get("delta") or {}
    if not isinstance(delta, dict):
        raise EngineError(f"malformed stream from {url}: delta is not an object")
    content = delta.get("content")
    if content is not None and not isinstance(content, str):
        raise EngineError(f"malformed stream from {url}: delta.content is not text")
    return content or "", choice.get("finish_reason") is not None


def _loads(data: str) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _message_of(body: Mapping[str, Any] | None) -> str:
    """The error message in an OpenAI (``error.message``), Ollama or FastAPI error body."""
    if not body:
        return "no message"
    for key in ("error", "detail", "message"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message") or value.get("msg")
        if isinstance(value, str) and value:
            return value.strip().splitlines()[0][:200]
    return json.dumps(body)[:200]


def _http_error(url: str, response: httpx.Response) -> OpenliveError:
    raw = b""
    with contextlib.suppress(httpx.HTTPError):
        for part in response.iter_bytes():
            raw += part
            if len(raw) >= MAX_ERROR_BODY:
                break
    text = raw[:MAX_ERROR_BODY].decode("utf-8", "replace")
    body = _loads(text)
    message = _message_of(body) if body is not None else (text.strip()[:200] or response.reason_phrase)
    status = response.status_code
    if status == 400 and _CONTEXT_ERROR.search(message):
        return ContextWindowExceeded(f"the conversation is over the model's context window ({message})")
    hints = {
        401: " (check api_key)",
        403: " (check api_key)",
        404: " (check base_url, usually ending in /v1, and the model name)",
    }
    return EngineError(f"{url} answered HTTP {status}: {message}{hints.get(status, '')}")


def _transport_error(url: str, exc: httpx.HTTPError, timeout: float) -> EngineError:
    if isinstance(exc, httpx.ConnectTimeout):
        return EngineError(f"cannot reach {url}: no connection in {timeout:g} s")
    if isinstance(exc, httpx.ConnectError):
        return EngineError(f"cannot reach {url}: {exc or 'connection failed'}")
    if isinstance(exc, httpx.TimeoutException):
        return EngineError(f"{url} sent nothing for {timeout:g} s")
    return EngineError(f"the connection to {url} failed: {exc or type(exc).__name__}")


def _tool_calls(url: str, answer: Mapping[str, Any] | None) -> list[ToolCall]:
    """The ``tool_calls`` of a chat completion; calls whose arguments are not a JSON object are skipped."""
    try:
        message = answer["choices"][0]["message"] if answer is not None else None
    except (KeyError, IndexError, TypeError):
        message = None
    if not isinstance(message, dict):
        raise EngineError(f"{url} did not answer with a chat completion")
    calls = []
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            continue
        arguments = function.get("arguments") or {}
        if isinstance(arguments, str):
            arguments = _loads(arguments) if arguments.strip() else {}
        if isinstance(arguments, dict):
            calls.append(ToolCall(function["name"], arguments))
    return calls


def _chat(messages: Sequence[ChatMessage], images: bool = False) -> list[dict[str, Any]]:
    """The messages in OpenAI's form; with ``images``, a message with image parts is a content list."""
    return [
        {"role": m.role, "content": _content(m.parts) if images and m.parts else m.content} for m in messages
    ]


def _content(parts: Sequence[Part]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, ImagePart):
            url = f"data:{part.mime_type};base64,{base64.b64encode(part.data).decode('ascii')}"
            items.append({"type": "image_url", "image_url": {"url": url}})
        elif text := text_of(part):
            if items and items[-1]["type"] == "text":
                items[-1]["text"] += text
            else:
                items.append({"type": "text", "text": text})
    return items


def _int(body: Mapping[str, Any] | None, key: str) -> int | None:
    value = body.get(key) if body else None
    return value if isinstance(value, int) else None


def estimate_text_tokens(text: str) -> int:
    """Tokens of ``text`` at ``CHARS_PER_TOKEN`` characters each, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_prompt_tokens(messages: Sequence[ChatMessage]) -> int:
    """A chat prompt's tokens: its texts estimated, plus the chat template's allowance."""
    return (
        sum(estimate_text_tokens(m.content) + TEMPLATE_TOKENS_PER_MESSAGE for m in messages)
        + GENERATION_PROMPT_TOKENS
    )
