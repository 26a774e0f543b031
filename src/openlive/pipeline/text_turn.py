"""Whether the words heard so far end a turn, as a language model reads them.

The turn model (:mod:`openlive.engines.smart_turn`) hears the voice; it was trained on
human voices, and on flat synthetic speech it calls many finished questions
unfinished and many cut sentences finished. The words say more than the word list of
:func:`~openlive.pipeline.turn_end.text_sounds_finished` sees: "What would happen if
the moon" ends on a noun, yet no one stops there. A chat model knows where a user's
message ends: the probability it gives its end-of-message token right after the
words is the probability that the user has finished (the idea of LiveKit's turn
detector, there with a model trained for it; here SmolLM2-135M, the default reply
model's file, untrained for it, whatever model replies).

:class:`TextTurnEnd` gives that log-probability for a transcript, its final
punctuation removed (a recogniser puts a full stop after a cut sentence too).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from openlive.engines.llama_scorer import LlamaScorer

# The chat template (ChatML, SmolLM2's and Qwen2.5's) up to the user's words; the
# model's next token after them is the end of the message or more words.
PROMPT = "<|im_start|>system\nYou are a helpful voice assistant.<|im_end|>\n<|im_start|>user\n{words}"
END_OF_MESSAGE = "<|im_end|>"
# Longer transcripts are read by their end: what decides is how they stop.
MAX_WORDS_CHARS = 300
# The prompt's context: room for the longest words even at 4 tokens a character (a
# byte-level vocabulary's worst case), so no transcript is too long for it.
CONTEXT = 64 + 4 * MAX_WORDS_CHARS
_FINAL_PUNCTUATION = re.compile(r"[\s.!?。！？]+$")


def words_of(transcript: str) -> str:
    """The transcript as the model reads it: its end, without final punctuation."""
    return _FINAL_PUNCTUATION.sub("", transcript.strip())[-MAX_WORDS_CHARS:]


class TextTurnEnd:
    """The log-probability that a transcript's words end the user's turn.

    Args:
        path: A GGUF chat model with a ChatML template (SmolLM2, Qwen2.5).
        build: Builds the scorer (tests pass a fake); by default a
            :class:`~openlive.engines.llama_scorer.LlamaScorer` on ``path``,
            loaded on first use.
    """

    def __init__(self, path: Path, build: Callable[[Path], LlamaScorer] | None = None) -> None:
        self._path = path
        self._build = build or (lambda p: LlamaScorer(p, n_ctx=CONTEXT, special=True))
        self._scorer: LlamaScorer | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now (blocking)."""
        with self._lock:
            if self._scorer is None:
                self._scorer = self._build(self._path)

    def __call__(self, transcript: str) -> float | None:
        """The log-probability (``None``: no words to read); blocking, may raise ``EngineError``."""
        words = words_of(transcript)
        if not words:
            return None
        self.load()
        assert self._scorer is not None
        (logprob,) = self._scorer.next_token_logprobs(PROMPT.format(words=words), [END_OF_MESSAGE])
        return logprob
