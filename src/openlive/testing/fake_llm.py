"""A deterministic fake LLM for tests, configured rather than subclassed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from openlive.engines.base import (
    ChatMessage,
    GenerationStats,
    LLMCapabilities,
    SamplingParams,
    last_user_text,
)
from openlive.engines.profile import ModelProfile

# How long a gated generation waits for its gate at most, so no thread outlives a test.
GATE_TIMEOUT_S = 10.0


# The odds of each answer as the reply's first token (``answer_logprobs``, as llama.cpp gives them).
Odds = Callable[[Sequence[ChatMessage], Sequence[str]], list[float]]
# ``answer_logprobs`` as engines have it: the odds, and whether to keep the cached prompt.
Judging = Callable[[Sequence[ChatMessage], Sequence[str], bool], list[float]]
# Asks a remote engine's server whether it is up: ``None``, or why not (``probe``, for /health).
Probe = Callable[[float], str | None]


def echo_reply(messages: Sequence[ChatMessage]) -> str:
    """The default script: answer ``echo: <last user message>``."""
    last_user = last_user_text(messages)
    return f"echo: {last_user}"


class FakeLLM:
    """An LLM that answers from a script, one word per token.

    Tokens are whitespace-separated words, so tests can predict counts exactly:
    a prompt costs one token per word of every message plus one per message.

    Args:
        reply: Maps the prompt to the reply text; defaults to :func:`echo_reply`.
        token_delay_s: Sleep between tokens, to make generations slow enough to
            interrupt or to overlap.
        context_size: The context window to report.
        fail_after: Raise ``error`` after yielding this many tokens (``None``: never).
        error: What a failing generation raises.
        gate: When given, each generation blocks its worker thread until it is set
            (a stuck model), at most ``GATE_TIMEOUT_S``.
        capabilities: What the engine declares (a local tokenizer by default).
        house_rules: Let the server add its own system rules to the prompts (off by
            default, so that tests can predict prompts and token counts exactly).
        odds: When given, the engine reads judgments from its odds, as the llama.cpp
            engine does: it has ``answer_logprobs``, which answers with ``odds``.
        probe: When given, the engine has a ``probe`` (as a remote engine has for
            ``/health``), which answers with ``probe``.

    Attributes:
        calls: Every prompt and the params that came with it, in order.
        cancels: Every generation's cancel event, in order.
        yielded: How many tokens each generation yielded, in order.
        entered: Set once a generation has started.
        judged: Every prompt ``answer_logprobs`` was asked about, in order.
        probed_in: The thread each ``probe`` ran in, in order.
    """

    # Present only when configured: the runtime tells engines apart by what they have.
    answer_logprobs: Judging
    probe: Probe

    def __init__(
        self,
        reply: Callable[[Sequence[ChatMessage]], str] = echo_reply,
        token_delay_s: float = 0.0,
        context_size: int = 4096,
        *,
        fail_after: int | None = None,
        error: Exception | None = None,
        gate: threading.Event | None = None,
        capabilities: LLMCapabilities | None = None,
        house_rules: bool = False,
        odds: Odds | None = None,
        probe: Probe | None = None,
    ) -> None:
        self.profile = ModelProfile(house_rules=house_rules)
        self._reply = reply
        self._token_delay_s = token_delay_s
        self._context_size = context_size
        self.fail_after = fail_after
        self.error = error or RuntimeError("the model fell over")
        self.gate = gate
        self.capabilities = capabilities or LLMCapabilities(local_tokenizer=True)
        self.calls: list[tuple[list[ChatMessage], SamplingParams]] = []
        self.cancels: list[threading.Event] = []
        self.yielded: list[int] = []
        self.entered = threading.Event()
        self.judged: list[list[ChatMessage]] = []
        self.probed_in: list[str] = []
        self._lock = threading.Lock()
        if odds is not None:
            self.answer_logprobs = self._judging(odds)
        if probe is not None:
            self.probe = self._probing(probe)

    def _judging(self, odds: Odds) -> Judging:
        def answer_logprobs(
            messages: Sequence[ChatMessage], answers: Sequence[str], keep_cache: bool = False
        ) -> list[float]:
            with self._lock:
                self.judged.append(list(messages))
            return odds(messages, answers)

        return answer_logprobs

    def _probing(self, probe: Probe) -> Probe:
        def probing(timeout_s: float) -> str | None:
            with self._lock:
                self.probed_in.append(threading.current_thread().name)
            return probe(timeout_s)

        return probing

    @property
    def params(self) -> list[SamplingParams]:
        """The sampling params of every call so far, in order."""
        with self._lock:
            return [params for _, params in self.calls]

    @property
    def context_size(self) -> int:
        """The configured context window."""
        return self._context_size

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """One token per word plus one per message."""
        return sum(len(m.content.split()) + 1 for m in messages)

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
    ) -> Iterator[str]:
        """Yield the scripted reply word by word, stopping when ``cancel`` is set."""
        with self._lock:
            self.calls.append((list(messages), params))
            self.cancels.append(cancel)
            index = len(self.yielded)
            self.yielded.append(0)
        self.entered.set()
        if self.gate is not None:
            # Blocking, as a real engine's forward pass is.
            self.gate.wait(GATE_TIMEOUT_S)
        stats.prompt_tokens = self.count_prompt_tokens(messages)
        words = self._reply(messages).split(" ")
        if params.max_tokens is not None:
            words = words[: params.max_tokens]
        for i, word in enumerate(words):
            if self.fail_after is not None and i >= self.fail_after:
                raise self.error
            if cancel.is_set():
                return
            if self._token_delay_s:
                time.sleep(self._token_delay_s)
            if cancel.is_set():
                return
            stats.response_tokens += 1
            with self._lock:
                self.yielded[index] += 1
            yield word if i == 0 else " " + word
        if self.fail_after is not None:
            raise self.error


class WarmingFakeLLM(FakeLLM):
    """A :class:`FakeLLM` that can read prompts ahead (:class:`~openlive.engines.base.PromptWarming`).

    Attributes:
        warmed: Every prompt read ahead, in order.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.warmed: list[list[ChatMessage]] = []
        self.warmed_event = threading.Event()

    def warm(self, messages: Sequence[ChatMessage]) -> int:
        """Record the prompt; report its tokens as read."""
        with self._lock:
            self.warmed.append(list(messages))
        self.warmed_event.set()
        return self.count_prompt_tokens(messages)
