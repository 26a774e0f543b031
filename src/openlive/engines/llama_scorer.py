"""A llama.cpp model that scores answers: how likely each is as the next token after a prompt.

A judgment by odds (:mod:`openlive.pipeline.proactivity`): a question asked
after worked examples, answered by the odds of each answer's first token (no
sampling, no grammar). One model, one context, a lock: the examples are the
same in every prompt and stay in the context's cache, so a call evaluates only
the new words (a few dozen tokens) and calls take turns.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from openlive.engines.llama import cached_prefix, set_threads
from openlive.errors import EngineError
from openlive.priority import PRIORITY

# The context: worked examples (about 520 tokens) and the case (a few hundred at most).
PROMPT_CTX = 2048
# Tokens a batch, when states are kept (a case is a few dozen new tokens).
STATE_BATCH = 64


def _evaluate_every_output(llama: Any, tokens: Sequence[int]) -> None:
    """As ``Llama.eval``, with every token marked as an output.

    llama.cpp keeps states for every token of a batch when asked for states, and
    warns on stderr at each batch that marks only its last (what ``Llama.eval``
    does); marking them all costs nothing more than it already does.
    """
    llama._ctx.kv_cache_seq_rm(-1, llama.n_tokens, -1)
    for start in range(0, len(tokens), llama.n_batch):
        batch = list(tokens[start : start + llama.n_batch])
        llama._batch.set_batch(batch=batch, n_past=llama.n_tokens, logits_all=True)
        llama._ctx.decode(llama._batch)
        llama.input_ids[llama.n_tokens : llama.n_tokens + len(batch)] = batch
        llama.n_tokens += len(batch)


class LlamaScorer:
    """Log-probabilities of answers after a prompt, on a GGUF model.

    Args:
        path: The GGUF file.
        n_ctx: The context's window; a longer prompt is refused.
        lean: The log-odds of the first answer over the second at which the caller's
            question is even for this model (its bias, measured by the caller on a
            tuning set); kept here for the caller, not applied.
        states: Keep the model's state after each prompt (:meth:`next_token_state`).
        special: Read the chat template's special tokens (``<|im_end|>``) in prompts
            and answers as the tokens they name, not as text.
        urgent: A user waits for each judgment (proactive audio's: the reply waits
            for it): it runs as urgent work (:data:`~openlive.priority.PRIORITY`), on
            every core when no other urgent work runs. Otherwise it runs on one core.
    """

    def __init__(
        self,
        path: Path,
        n_ctx: int = PROMPT_CTX,
        lean: float = 0.0,
        states: bool = False,
        special: bool = False,
        urgent: bool = False,
    ) -> None:
        import llama_cpp
        from llama_cpp import Llama

        # One thread unless an urgent judgment runs alone (``score``): on a busy machine
        # llama.cpp's threads wait on each other (measured under load: 2-4 s a
        # judgment with one thread, 11-14 s with two, 111 s for the first).
        threads = 1
        self._cores = os.cpu_count() or 1
        self._urgent = urgent
        # Only the last token's logits are read: none kept per token (a window of
        # them over a 150k-word vocabulary would cost 600 kB a token).
        self._llama = Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            logits_all=False,
            use_mmap=True,
            verbose=False,
            # With states, the last layer's output is kept too (llama.cpp then keeps it for
            # every new token and computes their logits too: about 80 ms more a judgment).
            embedding=states,
            # llama.cpp then keeps outputs for every token of a batch: room for a batch's
            # logits (600 kB a token). Short batches keep that small (64: 39 MB, not 311).
            n_batch=STATE_BATCH if states else 512,
            n_ubatch=STATE_BATCH if states else 512,
            # One state per token, not pooled: the last is read.
            pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE
            if states
            else llama_cpp.LLAMA_POOLING_TYPE_UNSPECIFIED,
        )
        self._n_ctx = n_ctx
        self._special = special
        self.states = states
        self.lean = lean
        self._lock = threading.Lock()
        # The last prompt's tokens, next-token log-probabilities and state: the same
        # prompt asked again is answered alike (one token evaluated alone rounds
        # differently from the same token in a batch, by a few tenths on a tiny model).
        self._last: tuple[list[int], np.ndarray, np.ndarray | None] | None = None

    @contextlib.contextmanager
    def _as_urgent_work(self) -> Iterator[None]:
        """An urgent scorer's evaluation: urgent work, on every core when no other urgent work runs.

        As a reply's first tokens (Qwen2.5-Coder-1.5B's judgment, quiet machine:
        about 0.5 s on two threads, 0.9 s on one). A scorer that is not urgent keeps
        the one thread it was built with.
        """
        if not self._urgent:
            yield
            return
        alone = PRIORITY.urgent_now == 0
        set_threads(self._llama, (self._cores, self._cores) if alone else (1, 1))
        with PRIORITY.urgent():
            yield

    def next_token_logprobs(self, prompt: str, answers: Sequence[str]) -> list[float]:
        """The log-probability of each answer's first token right after ``prompt`` (raw text).

        The part of the prompt the last call shared (its worked examples) is
        still in the context's cache: only the rest is evaluated.

        Raises:
            EngineError: The prompt does not fit the context, or the model failed.
        """
        return self.score(prompt, answers)[0]

    def next_token_state(self, prompt: str, answers: Sequence[str]) -> tuple[list[float], np.ndarray]:
        """As :meth:`next_token_logprobs`, with the model's state after ``prompt``.

        The state is the last layer's output at the prompt's last token (after
        the final norm): what the model makes of the whole prompt, the vector a
        linear probe reads (:mod:`openlive.pipeline.address_model`).

        Raises:
            EngineError: The scorer was built without ``states``, or as :meth:`next_token_logprobs`.
        """
        logprobs, state = self.score(prompt, answers)
        if state is None:
            raise EngineError("this scorer keeps no states (built without states=True)")
        return logprobs, state

    def score(self, prompt: str, answers: Sequence[str]) -> tuple[list[float], np.ndarray | None]:
        """Each answer's log-probability after ``prompt``, and the state when ``states`` is on."""
        import llama_cpp

        llama = self._llama
        special = self._special
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=not special, special=special)
        if len(tokens) >= self._n_ctx:
            raise EngineError(f"the judging prompt is too long ({len(tokens)} tokens of {self._n_ctx})")
        firsts = [llama.tokenize(a.encode("utf-8"), add_bos=False, special=special)[:1] for a in answers]
        with self._lock:
            if self._last is not None and self._last[0] == tokens:
                _, logprobs, state = self._last
            else:
                try:
                    # Evaluate at least the last token: the logits read are the last evaluated.
                    llama.n_tokens = min(cached_prefix(llama, tokens), len(tokens) - 1)
                    with self._as_urgent_work():
                        if self.states:
                            _evaluate_every_output(llama, tokens[llama.n_tokens :])
                        else:
                            llama.eval(tokens[llama.n_tokens :])
                    logits = np.array(
                        np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),)),
                        dtype=np.float64,
                    )
                    state = None
                    if self.states:
                        size = llama_cpp.llama_model_n_embd(llama._model.model)
                        output = llama_cpp.llama_get_embeddings_ith(llama._ctx.ctx, -1)
                        if not output:
                            raise RuntimeError("llama.cpp kept no state")
                        state = np.array(np.ctypeslib.as_array(output, shape=(size,)), dtype=np.float64)
                except (RuntimeError, ValueError) as exc:
                    self._last = None
                    raise EngineError(f"the scoring model failed: {exc}") from exc
                logits -= logits.max()
                logprobs = logits - np.log(np.exp(logits).sum())
                self._last = (tokens, logprobs, state)
        return [float(logprobs[first[0]]) if first else float("-inf") for first in firsts], state
