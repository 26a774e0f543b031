"""A llama.cpp model that scores answers: how likely each is as the next token after a prompt.

A judgment by odds (:mod:`openlive.pipeline.proactivity`): a question asked
after worked examples, answered by the odds of each answer's first token (no
sampling, no grammar). One model, one context, a lock: the examples are the
same in every prompt and stay in the context's cache, so a call evaluates only
the new words (a few dozen tokens) and calls take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openlive.engines.llama import cached_prefix
from openlive.errors import EngineError

# The context: worked examples (about 520 tokens) and the case (a few hundred at most).
PROMPT_CTX = 2048


class LlamaScorer:
    """Log-probabilities of answers after a prompt, on a GGUF model.

    Args:
        path: The GGUF file.
        n_ctx: The context's window; a longer prompt is refused.
        lean: The log-odds of the first answer over the second at which the caller's
            question is even for this model (its bias, measured by the caller on a
            tuning set); kept here for the caller, not applied.
    """

    def __init__(self, path: Path, n_ctx: int = PROMPT_CTX, lean: float = 0.0) -> None:
        from llama_cpp import Llama

        # One thread: the batches are short, and on a busy machine llama.cpp's threads
        # wait on each other (measured under load: 2-4 s a judgment with one thread,
        # 11-14 s with two, 111 s for the first).
        threads = 1
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
        )
        self._n_ctx = n_ctx
        self.lean = lean
        self._lock = threading.Lock()
        # The last prompt's tokens and next-token log-probabilities: the same prompt
        # asked again is answered alike (one token evaluated alone rounds differently
        # from the same token in a batch, by a few tenths on a tiny model).
        self._last: tuple[list[int], np.ndarray] | None = None

    def next_token_logprobs(self, prompt: str, answers: Sequence[str]) -> list[float]:
        """The log-probability of each answer's first token right after ``prompt`` (raw text).

        The part of the prompt the last call shared (its worked examples) is
        still in the context's cache: only the rest is evaluated.

        Raises:
            EngineError: The prompt does not fit the context, or the model failed.
        """
        llama = self._llama
        tokens = llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=False)
        if len(tokens) >= self._n_ctx:
            raise EngineError(f"the judging prompt is too long ({len(tokens)} tokens of {self._n_ctx})")
        firsts = [llama.tokenize(a.encode("utf-8"), add_bos=False, special=False)[:1] for a in answers]
        with self._lock:
            if self._last is not None and self._last[0] == tokens:
                logprobs = self._last[1]
            else:
                try:
                    # Evaluate at least the last token: the logits read are the last evaluated.
                    llama.n_tokens = min(cached_prefix(llama, tokens), len(tokens) - 1)
                    llama.eval(tokens[llama.n_tokens :])
                    logits = np.array(
                        np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),)),
                        dtype=np.float64,
                    )
                except (RuntimeError, ValueError) as exc:
                    self._last = None
                    raise EngineError(f"the scoring model failed: {exc}") from exc
                logits -= logits.max()
                logprobs = logits - np.log(np.exp(logits).sum())
                self._last = (tokens, logprobs)
        return [float(logprobs[first[0]]) if first else float("-inf") for first in firsts]
