"""Is what the user said during a reply a listener's response, or an interruption? Judged by odds.

The barge-in rules (:mod:`openlive.pipeline.backchannel`) know backchannels by a
closed word list ("mhm", "okay", "got it"...). People say many more ("no way",
"sounds good", "love that", "fair point"), and a list never holds them all. When
the list would interrupt, a small language model (a :class:`Scorer`: the
packaged Qwen2.5-Coder-0.5B, as proactive audio's judge) is asked instead,
after worked examples of both kinds (few-shot): whether the assistant should go
on talking. Its answer is the log-odds of " yes" against " no" as the next token,
less its lean (:data:`LEANS`); no sampling.

Only English words are judged (the examples are English); other languages stay
with the list. A judgment blocks for 0.1-0.3 s on a 2-core machine: the caller runs it
off the event loop.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from openlive.errors import ConfigError, EngineError

if TYPE_CHECKING:
    from openlive.pipeline.proactivity import Scorer

log = logging.getLogger(__name__)

TASK = (
    "A voice assistant is talking. While it talks, the user says something, written as a speech recogniser "
    "heard it (a word may be cut off or misheard). Decide whether the "
    "assistant should go on talking: yes if the user only responded as a listener does (agreement, "
    "acknowledgement, surprise, a laugh, an opinion of what was said), no if the user interrupted "
    "(to stop or pause it, to ask a question, to object, to correct it, to ask for something else).\n\n"
)
# Worked examples, written for the prompt: none of them is a phrase of the
# evaluation set (bench/data/backchannels.json). A partial recognition is cut off
# mid-word ("Hang o"); saying so in the task, with such an example, let fewer
# backchannels interrupt on the tune split (39 -> 30 of 90 at the margin chosen).
EXAMPLES: tuple[tuple[str, bool], ...] = (
    ("Mm, yeah.", True),
    ("Wait, which one?", False),
    ("Oh, that's clever.", True),
    ("No, the other one.", False),
    ("Whoa.", True),
    ("Stop there.", False),
    ("Huh, okay, cool.", True),
    ("Could you say it again?", False),
    ("Oh, how lovely.", True),
    ("Hmm, I don't think so.", False),
    ("Definitely, yeah.", True),
    ("Tell me about the weather instead.", False),
    ("Ha, nice one.", True),
    ("Sorry?", False),
    ("Right, that makes sense.", True),
    ("Yes, and how much does it cost?", False),
    ("Oh, that's fun.", True),
    ("Hang o", False),
    ("Uh-huh, nice.", True),
    ("Actually, no.", False),
)
YES_NO = (" yes", " no")
# The most bytes of the words judged: a backchannel is short, and the prompt stays
# well inside the scorer's window.
MAX_HEARD_BYTES = 200


def _case(heard: str) -> str:
    text = "".join(c for c in " ".join(heard.split()) if c.isprintable())
    raw = text.encode("utf-8")
    if len(raw) > MAX_HEARD_BYTES:
        text = raw[:MAX_HEARD_BYTES].decode("utf-8", errors="ignore")
    return f"The user said: {json.dumps(text, ensure_ascii=False)}\nThe assistant goes on:"


OPENING = TASK + "".join(f"{_case(heard)}{YES_NO[0] if yes else YES_NO[1]}\n\n" for heard, yes in EXAMPLES)


def prompt(heard: str) -> str:
    """The scorer's prompt for words ``heard`` during a reply (the opening is the same every time)."""
    return OPENING + _case(heard)


def listener_odds(scorer: Scorer, heard: str) -> float:
    """Log-odds that ``heard`` is a listener's response (go on) rather than an interruption.

    Blocks while the model runs: call it off the event loop.

    Raises:
        EngineError: The model failed.
    """
    yes, no = scorer.next_token_logprobs(prompt(heard), YES_NO)
    return yes - no - scorer.lean


# The packaged scorer's lean, subtracted from its odds. Not measured apart: the
# barge-in margin (backchannel.DEFAULT_LISTENER_MARGIN), set on the tune split of
# bench/data/backchannels.json, holds this model's bias.
LEANS: dict[str, float] = {"qwen-0.5b": 0.0}
# The scorer's window: the opening is about 400 tokens, a case a few dozen.
CONTEXT = 768


class ListenerJudge:
    """The judge of every session, loaded once before serving; if it fails to load, absent.

    Its own context on the model file (the weights are memory-mapped, so shared
    with the other users of the same file): the worked examples stay in its
    cache, so a judgment evaluates only the case's few tokens.

    Args:
        build: Loads the scorer (may raise :class:`ConfigError`: not installed).
        name: What the log calls it.
    """

    def __init__(self, build: Callable[[], Scorer], name: str) -> None:
        self._build = build
        self.name = name
        self._scorer: Scorer | None = None
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        """Whether the scorer is loaded."""
        return self._scorer is not None

    def load(self) -> None:
        """Load the scorer and judge once, so the first real judgment is quick (blocking)."""
        try:
            scorer = self._build()
            listener_odds(scorer, "Mhm.")
        except (ConfigError, EngineError, OSError, ValueError) as error:
            log.warning("backchannels: no listener judge (%s); the word list alone decides", error)
            return
        self._scorer = scorer
        log.info("backchannels: %s judges words outside the word list", self.name)

    def __call__(self, heard: str) -> float:
        """Log-odds that ``heard`` is a listener's response (blocking).

        Raises:
            EngineError: Not loaded, or the model failed.
        """
        scorer = self._scorer
        if scorer is None:
            raise EngineError("the listener judge is not loaded")
        return listener_odds(scorer, heard)


def packaged_judge(model: Path, name: str) -> ListenerJudge:
    """A judge on the GGUF file ``model`` (the packaged ``name``), not loaded yet."""

    def build() -> Scorer:
        from openlive.engines.llama_scorer import LlamaScorer

        return LlamaScorer(model, n_ctx=CONTEXT, lean=LEANS.get(name, 0.0))

    return ListenerJudge(build, name)
