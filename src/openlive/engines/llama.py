"""The llama.cpp engine (llama-cpp-python), with the model's own chat template."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openlive.engines.base import ChatMessage, GenerationStats, LLMCapabilities, SamplingParams
from openlive.engines.native_tools import ToolCall, ToolSpec
from openlive.engines.profile import ModelProfile, make_profile
from openlive.errors import ConfigError, ContextWindowExceeded, EngineError
from openlive.priority import PRIORITY

log = logging.getLogger(__name__)

# Sampling defaults when the client names none: a small model stays coherent at a
# low temperature, and a light repeat penalty keeps it out of loops.
DEFAULT_TEMPERATURE = 0.3
DEFAULT_TOP_P = 0.95
DEFAULT_TOP_K = 40
REPEAT_PENALTY = 1.1
# JSON-schema grammars kept for reuse (sessions declare a few functions each).
MAX_GRAMMARS = 256
# llama.cpp's schema converter writes a bounded repetition out in full: a client's
# ``maxLength: 1000000000`` would make a grammar of gigabytes. Bounds above this are
# left out of the grammar (the arguments are still checked against the whole schema).
GRAMMAR_MAX_REPEAT = 256
_REPEAT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems")
_PATTERN_COUNT = re.compile(r"\{\s*(\d+)")


def grammar_schema(schema: Any) -> Any:
    """``schema`` with the bounds a grammar cannot afford left out (see ``GRAMMAR_MAX_REPEAT``)."""
    if isinstance(schema, list):
        return [grammar_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _REPEAT_KEYWORDS and isinstance(value, (int, float)) and value > GRAMMAR_MAX_REPEAT:
            continue
        if key == "pattern" and isinstance(value, str):
            if any(int(count) > GRAMMAR_MAX_REPEAT for count in _PATTERN_COUNT.findall(value)):
                continue
        result[key] = grammar_schema(value)
    return result


_FALLBACK_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

# Threads per generated token. Prompts are evaluated on every core (a batch keeps
# them busy), but one token at a time gains little from a second thread while it
# takes the core that speech synthesis and recognition need meanwhile: llama.cpp's
# threads spin while they wait for each other, so two of them beside Piper slow
# both down. Measured on 2 cores: 60 tokens/s on one thread, 100 on two alone,
# and the first clause's synthesis 170 ms instead of 210 ms beside the generation.
DECODE_THREADS = 1
# Except for the first few, which start the reply and its speech: those run on
# every core, when nothing else is being synthesized yet.
START_TOKENS = 6
# Reading a prompt ahead goes this many tokens at a time, so a generation that
# wants its context waits for one step at most (about 15-30 ms for SmolLM2 on a thread).
WARM_STEP_TOKENS = 16
# A generation waits for a context in use that holds more than this many tokens more
# of its prompt than any free one: as long as reading them would take (a stopped reply
# gives its context back within a token, but not before its prompt is read), at most
# POOL_WAIT_S. SmolLM2 reads 100 prompt tokens in 100-200 ms on this machine, and
# several times slower under load; bigger models far slower.
WORTH_WAITING_TOKENS = 64
WAIT_PER_TOKEN_S = 0.005
POOL_WAIT_S = 3.0

# Native tool calls (Qwen2.5's chat template): the tags around a call, the most one
# call may take (code to run is the longest argument), and the most calls in a turn.
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
TOOL_CALL_TOKENS = 768
# Tokens the model writes freely after a call, to show whether it opens another.
TOOL_OPENING_TOKENS = 5
MAX_TOOL_CALLS = 8
# What starts a program written as a code block instead of inside a call's JSON.
# Said before the fence: given only the bare fence beside a lone run_python function, the
# model wrote a ``def run_python(code):`` that printed nothing.
CODE_FENCE = "Here is a complete Python program that prints the answer:\n```python\n"
# The choice of calling nothing, offered beside the functions so that deciding
# whether to call is one choice among their names.
NO_TOOL = ToolSpec(
    name="reply_without_tools",
    description=(
        "Call no function and answer the user in words: for greetings, thanks, small talk, what the "
        "user tells about their day or thinks, opinions, advice, jokes and creative writing."
    ),
    parameters={"type": "object", "properties": {}, "additionalProperties": False},
)


class LlamaCppEngine:
    """A GGUF model served by llama.cpp.

    A llama.cpp context must not be used from two threads at once, so the engine
    keeps a small pool of contexts over one memory-mapped weights file (the
    weights' pages are shared between them). A generation waits for a free
    context; the wait is reported in ``GenerationStats.queue_wait_s``.

    Each context keeps the tokens it last evaluated in its KV cache, and llama.cpp
    evaluates only the part of a new prompt after the longest prefix the cache
    shares with it. A conversation's next prompt extends its previous one, so a
    generation takes the free context whose cache shares the longest prefix with
    its prompt: the next turn then costs only its new tokens, not the whole history.

    Args:
        model_path: The GGUF file.
        n_ctx: Context window per context; 0 takes the model's own.
        contexts: How many generations may run at once.
        n_threads: CPU threads per generated token; defaults to ``DECODE_THREADS``
            (at most the number of cores).
        n_threads_batch: CPU threads for the prompt; defaults to the number of cores.
        n_threads_start: CPU threads for the first ``START_TOKENS`` generated tokens
            (the first words, which a spoken reply waits for); defaults to the
            number of cores.
        tier: ``auto`` (by the model's parameter count), ``tiny`` or ``capable``.
        tools: ``auto`` (native where the chat template takes tools and the model is
            not tiny), ``native`` or ``planner``.
    """

    def __init__(
        self,
        model_path: str | Path,
        n_ctx: int = 0,
        contexts: int = 2,
        n_threads: int | None = None,
        n_threads_batch: int | None = None,
        n_threads_start: int | None = None,
        tier: str = "auto",
        tools: str = "auto",
    ) -> None:
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:  # pragma: no cover - depends on the install
            from openlive.engines.embedded import INSTALL_EMBEDDED

            raise ConfigError(f"llama-cpp-python is not installed; {INSTALL_EMBEDDED}") from exc
        path = Path(model_path)
        if not path.is_file():
            raise ConfigError(f"GGUF model file not found: {path}")
        cores = os.cpu_count() or 1
        threads = n_threads or min(DECODE_THREADS, cores)
        batch_threads = n_threads_batch or cores
        self._threads = (threads, batch_threads)
        self._start_threads = (n_threads_start or cores, batch_threads)
        llamas = [
            Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=batch_threads,
                use_mmap=True,
                verbose=False,
            )
            for _ in range(max(1, contexts))
        ]
        self._pool = ContextPool(llamas)
        first = llamas[0]
        self._tokenizer = first
        self._context_size = first.n_ctx()
        metadata = first.metadata
        eos = first.detokenize([first.token_eos()], special=True).decode("utf-8", "ignore")
        bos = first.detokenize([first.token_bos()], special=True).decode("utf-8", "ignore")
        template = metadata.get("tokenizer.chat_template") or _FALLBACK_TEMPLATE
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._add_bos = metadata.get("tokenizer.ggml.add_bos_token", "false") == "true"
        self._template_has_tools = "tools" in template
        self.profile: ModelProfile = make_profile(tier, tools, _parameters(first), self._template_has_tools)
        self.contexts = max(1, contexts)
        self.path = path
        # Grammars by schema text: converting a schema takes time, and a grammar object
        # is only its text (each generation builds its own sampler), so every context
        # of the pool may share it.
        self._grammars: dict[str, Any] = {}
        self._grammars_lock = threading.Lock()
        log.info(
            "loaded %s (context %d tokens, %d contexts; %s tier, %s tool calls)",
            path.name,
            self._context_size,
            contexts,
            self.profile.tier,
            "native" if self.profile.native_tools else "planned by words",
        )

    @property
    def context_size(self) -> int:
        """The context window of each llama.cpp context."""
        return self._context_size

    # The tokenizer runs in this process: a prompt is counted without I/O.
    capabilities = LLMCapabilities(local_tokenizer=True)

    def _prompt(
        self, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = ()
    ) -> tuple[list[int], list[str]]:
        chat: list[Any] = [{"role": m.role, "content": m.content} for m in messages]
        specs: list[Any] = [t.openai() for t in tools]
        formatted = self._formatter(messages=chat, tools=specs or None)
        stop = (
            formatted.stop if isinstance(formatted.stop, list) else [formatted.stop] if formatted.stop else []
        )
        tokens = self._tokenizer.tokenize(
            formatted.prompt.encode("utf-8"), add_bos=self._add_bos, special=True
        )
        return tokens, stop

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of the prompt formatted with the model's chat template."""
        return len(self._prompt(messages)[0])

    def count_text_tokens(self, text: str) -> int:
        """Tokens of plain text, as the model's tokenizer splits it."""
        if not text:
            return 0
        return len(self._tokenizer.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _grammar(self, schema: dict[str, Any] | None) -> Any:
        """The llama.cpp grammar for replies that validate against ``schema``; ``None`` for none.

        Raises:
            EngineError: llama.cpp cannot turn the schema into a grammar.
        """
        if schema is None:
            return None
        # Not sorted: the grammar writes the properties in the schema's order.
        key = json.dumps(schema)
        with self._grammars_lock:
            grammar = self._grammars.get(key)
        if grammar is None:
            from llama_cpp.llama_grammar import LlamaGrammar

            try:
                grammar = LlamaGrammar.from_json_schema(json.dumps(grammar_schema(schema)), verbose=False)
            except Exception as exc:  # the converter raises bare Exceptions and others
                raise EngineError(f"cannot constrain the reply to the JSON schema: {exc}") from exc
            with self._grammars_lock:
                if len(self._grammars) >= MAX_GRAMMARS:  # bounded: drop the oldest
                    self._grammars.pop(next(iter(self._grammars)))
                self._grammars[key] = grammar
        return grammar

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
    ) -> Iterator[str]:
        """Stream the reply; see :class:`openlive.engines.base.LLM`."""
        tokens, stop = self._prompt(messages)
        stats.prompt_tokens = len(tokens)
        room = self._context_size - len(tokens)
        if room <= 0:
            raise ContextWindowExceeded(
                f"the conversation takes {len(tokens)} tokens, over the model's context window "
                f"of {self._context_size}; start a new session"
            )
        max_tokens = min(params.max_tokens or room, room)
        grammar = self._grammar(params.json_schema)
        started = time.perf_counter()
        llama = self._pool.get(tokens)
        stats.queue_wait_s = time.perf_counter() - started
        cached = cached_prefix(llama, tokens)
        # Every core for the prompt and the first tokens, unless other work that a
        # user waits for runs too: threads that outnumber the cores spin while they
        # wait for each other, and both go many times slower.
        alone = self._pool.busy == 1 and PRIORITY.urgent_now == 0
        set_threads(llama, self._start_threads if alone else (1, 1))
        pieces: list[str] = []
        stream = None
        # The first tokens are urgent (someone waits for the reply to start); the
        # rest is ahead of its reader or listener, and steps aside for urgent work.
        urgent = PRIORITY.hold()
        try:
            stream = llama.create_completion(
                prompt=tokens,
                max_tokens=max_tokens,
                temperature=DEFAULT_TEMPERATURE if params.temperature is None else params.temperature,
                top_p=DEFAULT_TOP_P if params.top_p is None else params.top_p,
                top_k=DEFAULT_TOP_K if params.top_k is None else params.top_k,
                presence_penalty=params.presence_penalty or 0.0,
                frequency_penalty=params.frequency_penalty or 0.0,
                repeat_penalty=REPEAT_PENALTY,
                seed=params.seed,
                stop=stop,
                stream=True,
                grammar=grammar,
            )
            for chunk in stream:
                if cancel.is_set():
                    break
                text = chunk["choices"][0]["text"]
                if text:
                    if stats.first_token_s is None:
                        stats.first_token_s = time.perf_counter() - started
                        log.debug(
                            "prompt of %d tokens (%d cached): first token in %.0f ms",
                            len(tokens),
                            cached,
                            1000 * stats.first_token_s,
                        )
                    pieces.append(text)
                    if len(pieces) == START_TOKENS:
                        set_threads(llama, self._threads if alone else (1, 1))
                        urgent.release()
                    yield text
                    if len(pieces) >= START_TOKENS:
                        PRIORITY.step_aside()
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"the language model failed: {exc}") from exc
        finally:
            urgent.release()
            if stream is not None:
                stream.close()
            self._pool.put(llama)
            stats.response_tokens = self.count_text_tokens("".join(pieces))

    def warm(self, messages: Sequence[ChatMessage]) -> int:
        """Read the prompt of ``messages`` into the context that holds most of it, ahead of the request.

        A tiny model's window of recent turns moves every few turns (see
        :func:`openlive.session.prompts.recent`), and the prompt after the move
        shares only its system message with any cache: that turn's first token
        waited for the whole history to be read again (300-600 ms against 100-200
        on this 2-core machine). Read while the previous reply plays, the next
        prompt's start is cached when the user speaks. The work uses one thread
        and yields to urgent work: it is ahead of the user. It never waits for a
        context, and gives its context back to a generation that waits for one.

        Returns:
            How many tokens were read (0: some context already held them).
        """
        # Only what the next prompt will share: the prompt of ``messages`` ends with the
        # assistant's header, where the next one has the user's words.
        ours, _ = self._prompt(messages)
        following, _ = self._prompt([*messages, ChatMessage("user", "...")])
        tokens = ours[: common_prefix(ours, following)]
        if len(tokens) > self._context_size or self._pool.best_cached(tokens) >= len(tokens):
            return 0
        PRIORITY.step_aside()
        llama = self._pool.get_ahead(tokens)
        if llama is None:
            return 0  # every context is busy, or a generation waits: it comes first
        try:
            cached = cached_prefix(llama, tokens)
            set_threads(llama, (1, 1))
            llama.n_tokens = cached
            # In small steps: a generation that starts meanwhile takes the context over
            # after one step, and carries on from what is read.
            for start in range(cached, len(tokens), WARM_STEP_TOKENS):
                if self._pool.wanted:
                    break
                llama.eval(tokens[start : start + WARM_STEP_TOKENS])
            return int(llama.n_tokens) - cached
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"the language model failed reading ahead: {exc}") from exc
        finally:
            self._pool.put(llama)

    def answer_logprobs(
        self, messages: Sequence[ChatMessage], answers: Sequence[str], keep_cache: bool = False
    ) -> list[float]:
        """The log-probability of each of ``answers`` as the first token of the reply to ``messages``.

        One evaluation of the prompt (its cached prefix reused) and no sampling: a
        short judgment, such as yes against no, read from the model's own odds.
        Each answer counts in its spellings (``yes``, ``Yes``, `` yes``...), summed.

        Args:
            messages: The conversation the judgment ends.
            answers: The answers whose odds are read.
            keep_cache: Put the context's KV cache back as it was afterwards: a
                judgment that shares little with the prompt the context holds (a
                tool call's check, between two calls from one long prompt) would
                otherwise cost the next call its whole prompt read again (8.9 s for
                800 tokens of Qwen2.5-Coder-1.5B on 2 cores; saving and restoring: 20 ms).

        Raises:
            ContextWindowExceeded: The prompt does not fit the context window.
            EngineError: The model failed.
        """
        tokens, _ = self._prompt(messages)
        if len(tokens) >= self._context_size:
            raise ContextWindowExceeded(
                f"the judgment's prompt takes {len(tokens)} tokens, over the context window"
            )
        llama = self._pool.get(tokens)
        saved = None
        try:
            saved = SavedCache.of(llama) if keep_cache else None
            set_threads(llama, self._start_threads)
            # Evaluate what the cache does not hold, at least the last token (its logits).
            prefix = min(cached_prefix(llama, tokens), len(tokens) - 1)
            llama.n_tokens = prefix
            llama.eval(tokens[prefix:])
            logits = np.array(np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),)))
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"the language model failed: {exc}") from exc
        finally:
            try:
                if saved is not None:
                    saved.restore(llama)
            finally:
                self._pool.put(llama)
        logits -= logits.max()
        logprobs = logits - np.log(np.exp(logits).sum())
        scores = []
        for answer in answers:
            ids = set()
            for spelling in {answer, answer.capitalize(), " " + answer, " " + answer.capitalize()}:
                pieces = self._tokenizer.tokenize(spelling.encode("utf-8"), add_bos=False, special=False)
                if pieces:
                    ids.add(pieces[0])
            scores.append(float(np.log(np.exp(logprobs[sorted(ids)]).sum())) if ids else -math.inf)
        return scores

    def call_tools(
        self,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec],
        cancel: threading.Event,
        barred: frozenset[str] = frozenset(),
    ) -> list[ToolCall]:
        """The calls the model makes, through its chat template's tool format (Qwen2.5's ``<tool_call>``).

        The functions are offered with one more, :data:`NO_TOOL` (call nothing), and
        the first call is always written in the template's form under a grammar made
        from their schemas, so it names one of them with arguments of the declared
        shape: whether to call is the model's choice among names. After a call, the
        model writes freely a few tokens: if they open another call (the template's
        tag, or the bare JSON call small Qwen models often write instead), that call is
        written under the grammar too, and so on (see :func:`successive_calls`).

        The ``barred`` functions stay in the prompt (read again from the cache) and
        are left out of the grammar.

        Raises:
            EngineError: The model failed, or the schemas cannot become a grammar.
        """
        if not tools or not self._template_has_tools:
            return []
        offered = all(t.name != NO_TOOL.name for t in tools)
        choices = [*tools, NO_TOOL] if offered else list(tools)
        tokens, _ = self._prompt(messages, choices)
        prompt = tokens
        if len(tokens) + TOOL_CALL_TOKENS > self._context_size:
            raise ContextWindowExceeded(
                f"the conversation and its tools take {len(tokens)} tokens, over the context window"
            )
        grammar = self._tool_call_grammar([t for t in choices if t.name not in barred])
        # Once the model names "call nothing", the grammar fixes the rest of the call:
        # stopping there spares those tokens (a tenth of a second each on 2 cores).
        # The call then reads as none, which ends the calls as the name would.
        stop = [json.dumps(NO_TOOL.name)]

        def write(head: str) -> str:
            nonlocal tokens
            tokens = tokens + self._tokenizer.tokenize(head.encode(), add_bos=False, special=True)
            call = self._complete(tokens, TOOL_CALL_TOKENS, grammar, cancel, stop=stop)
            tokens = tokens + self._tokenizer.tokenize(call.encode(), add_bos=False, special=True)
            return call

        def another() -> bool:
            # Said freely: asked for another call under the grammar every time, the model
            # (Qwen2.5-Coder-1.5B) made calls that nobody asked for.
            return opens_tool_call(self._complete(tokens, TOOL_OPENING_TOKENS, None, cancel))

        calls = successive_calls(write, NO_TOOL.name if offered else "", cancel, another)
        return [self._with_code_lines(c, tools, prompt, cancel) for c in calls]

    def _with_code_lines(
        self, call: ToolCall, tools: Sequence[ToolSpec], prompt: list[int], cancel: threading.Event
    ) -> ToolCall:
        """``call``, its program written again as a code block if it does not compile.

        Inside a JSON string Qwen2.5-Coder-1.5B writes a program on one line, its
        statements joined by spaces (a SyntaxError), with the grammar or without; in a
        fenced code block after the same prompt it writes lines.
        """
        spec = next((t for t in tools if t.name == call.name), None)
        code = call.arguments.get(spec.code_argument) if spec is not None and spec.code_argument else None
        if spec is None or not isinstance(code, str) or compiles(code) or cancel.is_set():
            return call
        fence = self._tokenizer.tokenize(CODE_FENCE.encode(), add_bos=False, special=True)
        again = self._complete(prompt + fence, TOOL_CALL_TOKENS, None, cancel, stop=["```"])
        if not compiles(again) or "print" not in again:
            return call
        log.debug("the model's program did not compile; written again as a code block")
        return ToolCall(call.name, {**call.arguments, spec.code_argument: again.strip() + "\n"})

    def _tool_call_grammar(self, tools: Sequence[ToolSpec]) -> Any:
        from llama_cpp.llama_grammar import LlamaGrammar, json_schema_to_gbnf

        key = "tools:" + json.dumps([t.openai() for t in tools])
        with self._grammars_lock:
            grammar = self._grammars.get(key)
        if grammar is not None:
            return grammar
        schema = {
            "anyOf": [
                {
                    "type": "object",
                    "properties": {"name": {"const": t.name}, "arguments": grammar_schema(t.parameters)},
                    "required": ["name", "arguments"],
                }
                for t in tools
            ]
        }
        try:
            rules = json_schema_to_gbnf(json.dumps(schema))
        except Exception as exc:  # the converter raises bare Exceptions and others
            raise EngineError(f"cannot constrain tool calls to the functions' schemas: {exc}") from exc
        # The schema's root becomes one call, closed by the template's tag.
        rules = re.sub(r"^root ::=", "call ::=", rules, flags=re.MULTILINE)
        text = f"root ::= call {json.dumps(chr(10) + TOOL_CALL_CLOSE)}\n{rules}"
        grammar = LlamaGrammar.from_string(text, verbose=False)
        with self._grammars_lock:
            if len(self._grammars) >= MAX_GRAMMARS:
                self._grammars.pop(next(iter(self._grammars)))
            self._grammars[key] = grammar
        return grammar

    def _complete(
        self,
        tokens: list[int],
        max_tokens: int,
        grammar: Any,
        cancel: threading.Event,
        stop: list[str] | None = None,
    ) -> str:
        """Greedy text after ``tokens``, at most ``max_tokens`` of it."""
        llama = self._pool.get(tokens)
        set_threads(llama, self._start_threads)
        pieces: list[str] = []
        stream = None
        try:
            stream = llama.create_completion(
                prompt=tokens,
                max_tokens=max_tokens,
                temperature=0.0,
                top_k=1,
                repeat_penalty=1.0,
                stream=True,
                grammar=grammar,
                stop=stop or [],
            )
            for chunk in stream:
                if cancel.is_set():
                    break
                pieces.append(chunk["choices"][0]["text"])
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"the language model failed: {exc}") from exc
        finally:
            if stream is not None:
                stream.close()
            self._pool.put(llama)
        return "".join(pieces)


class ContextPool:
    """Free llama.cpp contexts; a generation takes the one with the most of its prompt cached.

    A context in use that holds (or is reading) much more of a generation's prompt
    than any free one is worth a short wait: the session's own reply started ahead
    and being stopped, or its prompt being read ahead. Reading a prompt ahead
    (:meth:`get_ahead`) never waits for a context, and stops when a generation
    waits (:attr:`wanted`).

    Args:
        contexts: The contexts (anything with ``input_ids`` and ``n_tokens``, as
            ``llama_cpp.Llama`` has: the tokens its KV cache holds).
        max_wait_s: The longest a generation waits for a context in use that holds
            more of its prompt, while another is free (less when it holds little more).
    """

    def __init__(self, contexts: Sequence[Any], max_wait_s: float = POOL_WAIT_S) -> None:
        self._free = list(contexts)
        self._ready = threading.Condition()
        self._max_wait_s = max_wait_s
        self.busy = 0  # contexts in use
        self._waiting = 0  # generations waiting for a context
        # The contexts in use, by id: the tokens each will hold when given back.
        self._lent: dict[int, Sequence[int]] = {}

    @property
    def wanted(self) -> bool:
        """Whether a generation waits for a context (reading ahead should give its context back)."""
        return self._waiting > 0

    def get(self, tokens: Sequence[int]) -> Any:
        """Wait for a free context: of several, the one that has the most of ``tokens`` cached."""
        started = time.monotonic()
        with self._ready:
            self._waiting += 1
            try:
                while True:
                    cached = [cached_prefix(context, tokens) for context in self._free]
                    best = max(range(len(cached)), key=cached.__getitem__, default=None)
                    if best is None:
                        self._ready.wait()
                        continue
                    # Worth waiting for as long as reading the tokens it would save takes.
                    gain = self._gain(tokens, cached[best])
                    left = min(self._max_wait_s, gain * WAIT_PER_TOKEN_S) - (time.monotonic() - started)
                    if gain <= WORTH_WAITING_TOKENS or left <= 0:
                        break
                    self._ready.wait(left)
            finally:
                self._waiting -= 1
            return self._lend(self._free.pop(best), tokens)

    def get_ahead(self, tokens: Sequence[int]) -> Any | None:
        """The free context with most of ``tokens`` cached, to read them ahead; ``None``: none is free."""
        with self._ready:
            if not self._free or self._waiting:
                return None
            context = max(self._free, key=lambda c: cached_prefix(c, tokens))
            self._free.remove(context)
            return self._lend(context, tokens)

    def _lend(self, context: Any, tokens: Sequence[int]) -> Any:
        self.busy += 1
        self._lent[id(context)] = tokens
        return context

    def _gain(self, tokens: Sequence[int], cached: int) -> int:
        """How many more of ``tokens`` than ``cached`` a context in use will hold."""
        return max((common_prefix(held, tokens) - cached for held in self._lent.values()), default=0)

    def best_cached(self, tokens: Sequence[int]) -> int:
        """The most of ``tokens`` any free context holds cached."""
        with self._ready:
            return max((cached_prefix(context, tokens) for context in self._free), default=0)

    def put(self, context: Any) -> None:
        """Give a context back."""
        with self._ready:
            self._free.append(context)
            self.busy -= 1
            self._lent.pop(id(context), None)
            self._ready.notify_all()


def common_prefix(first: Sequence[int], second: Sequence[int]) -> int:
    """How many leading tokens two token sequences share."""
    size = min(len(first), len(second))
    differ = np.flatnonzero(np.asarray(first[:size]) != np.asarray(second[:size]))
    return int(differ[0]) if differ.size else size


class SavedCache:
    """A copy of what a llama.cpp context's KV cache holds (its one sequence), to put back later.

    Args:
        data: The sequence's state as llama.cpp wrote it.
        size: The bytes of ``data`` written.
        tokens: The tokens the cache held.
    """

    def __init__(self, data: Any, size: int, tokens: Any) -> None:
        self._data = data
        self._size = size
        self._tokens = tokens

    @classmethod
    def of(cls, llama: Any) -> SavedCache | None:
        """The cache of ``llama`` (a ``llama_cpp.Llama``) copied; ``None`` when it holds nothing."""
        import ctypes

        import llama_cpp

        if llama.n_tokens == 0:
            return None
        context = llama._ctx.ctx
        size = llama_cpp.llama_state_seq_get_size(context, 0)
        data = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(context, data, size, 0)
        return cls(data, written, llama.input_ids[: llama.n_tokens].copy()) if written else None

    def restore(self, llama: Any) -> None:
        """Put the cache back in ``llama``; if llama.cpp refuses, the cache is left empty (and correct)."""
        import llama_cpp

        context = llama._ctx.ctx
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(context), 0, -1, -1)
        if llama_cpp.llama_state_seq_set_data(context, self._data, self._size, 0) == 0:
            llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(context), 0, -1, -1)
            llama.n_tokens = 0
            return
        llama.input_ids[: len(self._tokens)] = self._tokens
        llama.n_tokens = len(self._tokens)


def cached_prefix(context: Any, tokens: Sequence[int]) -> int:
    """How many leading ``tokens`` the context's KV cache already holds."""
    return common_prefix(context.input_ids[: context.n_tokens], tokens)


def compiles(code: str) -> bool:
    """Whether ``code`` is valid Python (compiled only, never run)."""
    try:
        compile(code, "<tool call>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # a nesting too deep is no program either
        return False
    return True


def successive_calls(
    write: Callable[[str], str],
    stop_name: str,
    cancel: threading.Event,
    another: Callable[[], bool] = lambda: True,
) -> list[ToolCall]:
    """The calls a model writes one after another, until it stops.

    ``write(head)`` appends ``head`` (the template's opening tag) to what was
    written so far and returns the call the model writes after it. Before each
    call after the first, ``another()`` says whether the model opens one more (a
    request may ask for several things: "lock the door and set an alarm"). The
    calls also end when the model names ``stop_name`` (call nothing), when the text
    is no call (cut short, or cancelled), when a call repeats one already made (it
    adds nothing, and a greedy model that repeats itself would repeat it again), or
    after :data:`MAX_TOOL_CALLS`.
    """
    calls: list[ToolCall] = []
    while len(calls) < MAX_TOOL_CALLS and not cancel.is_set():
        if calls and not another():
            break
        head = ("\n" if calls else "") + TOOL_CALL_OPEN + "\n"
        written = parse_tool_calls(head + write(head))
        if not written or written[0].name == stop_name or written[0] in calls:
            break
        calls.append(written[0])
    return calls


def opens_tool_call(text: str) -> bool:
    """Whether the first words of a reply start a tool call rather than an answer."""
    start = text.lstrip()
    if start.startswith(TOOL_CALL_OPEN):
        return True
    # A JSON object, bare or in a code fence: Qwen2.5-Coder-0.5B writes its calls so.
    start = re.sub(r"^```(?:json)?\s*", "", start)
    return start.startswith("{")


def parse_tool_calls(text: str) -> list[ToolCall]:
    """The calls in a reply written in the ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` form.

    A block that does not start with a JSON object with a string ``name`` and object
    ``arguments`` is skipped.
    """
    calls = []
    decoder = json.JSONDecoder()
    for block in text.split(TOOL_CALL_OPEN)[1:]:
        try:
            call, _ = decoder.raw_decode(block.strip())
        except ValueError:
            continue
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            continue
        arguments = call.get("arguments", {})
        if isinstance(arguments, str):  # some templates write the arguments as a JSON string
            try:
                arguments = json.loads(arguments)
            except ValueError:
                continue
        if isinstance(arguments, dict):
            calls.append(ToolCall(call["name"], arguments))
    return calls


def _parameters(llama: Any) -> int | None:
    """The model's parameter count, or ``None`` if llama.cpp does not say."""
    model = getattr(llama, "_model", None)
    try:
        return int(model.n_params()) if model is not None else None
    except (AttributeError, TypeError, ValueError):
        return None


def set_threads(llama: Any, threads: tuple[int, int]) -> None:
    """Set the threads per generated token and per prompt batch of a context, between two tokens."""
    context = getattr(llama, "_ctx", None)
    if context is not None and hasattr(context, "set_n_threads"):
        context.set_n_threads(*threads)
