"""A llama.cpp model that scores text: how likely some words are after each of a few openings.

A judgment by likelihood (:mod:`openlive.pipeline.proactivity`): the same words
scored under different descriptions of who said them, rather than a small model
asked to answer a question about them. One model, a context per opening, a lock:
calls are short (the new words, a few dozen tokens each) and take turns.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openlive.engines.llama import cached_prefix
from openlive.errors import EngineError

# The most tokens of the words scored: an utterance is a sentence or two.
MAX_TEXT_TOKENS = 96
MAX_PREFIX_TOKENS = 384


class LlamaScorer:
    """Log-probabilities of text after prefixes, on a GGUF model (its logits for every token kept).

    Each position in the list of prefixes gets a context of its own (up to
    ``contexts``; the weights are mapped once and shared), so a prefix asked for
    again at the same position is still in that context's cache and only the new
    words are evaluated.

    Args:
        path: The GGUF file.
        n_ctx: Each context's window: a prefix and the words fit within 512.
        contexts: Contexts kept, one per prefix position; further positions share the last.
    """

    def __init__(self, path: Path, n_ctx: int = 512, contexts: int = 4) -> None:
        from llama_cpp import Llama

        # One thread: the batches are short, and on a busy machine llama.cpp's threads
        # wait on each other (measured under load: 2-4 s a judgment with one thread,
        # 11-14 s with two, 111 s for the first).
        threads = 1
        self._llamas = [
            Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                logits_all=True,
                use_mmap=True,
                verbose=False,
            )
            for _ in range(max(1, contexts))
        ]
        self._lock = threading.Lock()

    def text_logprobs(self, prefixes: Sequence[str], text: str) -> list[float]:
        """The log-probability of ``text`` following each of ``prefixes`` (raw text, no chat template).

        Raises:
            EngineError: The model failed.
        """
        words = self._llamas[0].tokenize(text.encode("utf-8"), add_bos=False, special=False)[:MAX_TEXT_TOKENS]
        if not words:
            return [0.0 for _ in prefixes]
        scores = []
        with self._lock:
            for index, prefix in enumerate(prefixes):
                llama = self._llamas[min(index, len(self._llamas) - 1)]
                opening = llama.tokenize(prefix.encode("utf-8"), add_bos=True, special=False)
                tokens = opening[-MAX_PREFIX_TOKENS:] + words
                try:
                    # Keep what the context already holds of these tokens (the same opening).
                    same = cached_prefix(llama, tokens)
                    # The opening needs no logits but its last token's (it predicts the first
                    # word): over a 150k-word vocabulary they cost more than the rest. From
                    # that token on, everything is evaluated afresh, with its logits.
                    start = len(tokens) - len(words)
                    same = min(same, start - 1)
                    llama.n_tokens = same
                    if same < start - 1:
                        llama._logits_all = False  # llama-cpp-python 0.3.x reads this per eval
                        try:
                            llama.eval(tokens[same : start - 1])
                        finally:
                            llama._logits_all = True
                    llama.eval(tokens[llama.n_tokens :])
                    logits = np.asarray(llama.scores[start - 1 : len(tokens) - 1], dtype=np.float64)
                except (RuntimeError, ValueError) as exc:
                    raise EngineError(f"the scoring model failed: {exc}") from exc
                logits -= logits.max(axis=1, keepdims=True)
                logprobs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
                scores.append(float(logprobs[np.arange(len(words)), words].sum()))
        return scores
