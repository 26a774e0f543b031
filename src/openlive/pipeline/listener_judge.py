"""Is what the user said during a reply a listener's response, or an interruption? Judged by odds.

The barge-in rules (:mod:`openlive.pipeline.backchannel`) know backchannels by a
closed word list ("mhm", "okay", "got it"...). People say many more ("no way",
"sounds good", "love that", "fair point"), and a list never holds them all. When
the list would interrupt, a small language model (a :class:`Scorer`: the
packaged Qwen2.5-Coder-0.5B, as proactive audio's judge) is asked instead,
after worked examples of both kinds (few-shot): whether the assistant should go
on talking. Its answer is the log-odds of " yes" against " no" as the next token,
less its lean (:data:`LEANS`); no sampling.

The few-shot odds alone miss reactions their examples do not cover ("Oh no!",
"Yikes!", "No way."), and the words of a half-heard glimpse ("Yeah, I expect"
for "Yikes"). A linear probe (:class:`ListenerModel`,
:mod:`openlive.pipeline.linear_probe`) of the model's state after the same
prompt, with its odds, decides instead: trained on hand-written backchannels and
interjections, as written and as Whisper heard them spoken
(``python -m openlive.bench.listener_training``), and shipped in
``pipeline/data/listener_model.json``. Without it the odds decide.

Only English words are judged (the examples are English); other languages stay
with the list. A judgment blocks for 0.1-0.3 s on a 2-core machine: the caller runs it
off the event loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from openlive.errors import ConfigError, EngineError
from openlive.pipeline.linear_probe import LinearProbe
from openlive.pipeline.proactivity import Scorer, StateScorer

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


def listener_evidence(scorer: StateScorer, heard: str) -> tuple[float, np.ndarray[Any, Any]]:
    """As :func:`listener_odds`, with the scorer's state after the prompt (the probe's input)."""
    (yes, no), state = scorer.next_token_state(prompt(heard), YES_NO)
    return yes - no - scorer.lean, np.asarray(state, dtype=np.float64)


# The inputs before the state, in order.
EVIDENCE = ("odds",)
WEIGHTS_FILE = "data/listener_model.json"


def probe_inputs(odds: float, state: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The probe's input: the judge model's odds (less its lean), then its state."""
    return np.concatenate([[float(odds)], np.asarray(state, dtype=np.float64)])


class ListenerModel(LinearProbe):
    """A trained logistic regression (:class:`LinearProbe`): log-odds that words are a listener's response.

    Its inputs are :func:`probe_inputs`; its offset was set on the evaluation
    set's calibration splits (``bench/listener_training.py`` says how).
    """

    what: ClassVar[str] = "the listener judge's model"
    evidence: ClassVar[tuple[str, ...]] = EVIDENCE
    weights_file: ClassVar[str] = WEIGHTS_FILE


# The packaged scorer's lean, subtracted from its odds: the log-odds at which the
# few-shot judgment (no probe) is even. Set on the tune split of
# bench/data/backchannels.json only (python -m openlive.bench.backchannels
# --no-probe, 2026-12-07): from -2 to +1 in steps of 0.5, the interjections that
# went on were 9, 5, 5, 3, 3, 1, 1 of 78 and the backchannels that interrupted 15,
# 16, 22, 27, 35, 41, 45 of 90; -0.5 is the lowest at which no more interjections
# went on than at 0 (each of them misheard: "Long." for "Wrong."). Interjections
# heard right scored below -1 there.
LEANS: dict[str, float] = {"qwen-0.5b": -0.5}
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
        classifier: Reads the trained probe of the scorer's state, if it keeps
            states; a probe that is missing, unreadable or trained on another
            model is reported once, and the odds decide.
    """

    def __init__(
        self,
        build: Callable[[], Scorer],
        name: str,
        classifier: Callable[[], ListenerModel] | None = None,
    ) -> None:
        self._build = build
        self.name = name
        self._build_classifier = classifier
        self._scorer: Scorer | None = None
        self._probe: ListenerModel | None = None

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
        probe = self._read_probe(scorer)
        self._scorer, self._probe = scorer, probe
        how = "its trained probe" if probe is not None else "its odds"
        log.info("backchannels: %s judges words outside the word list (%s decides)", self.name, how)

    def _read_probe(self, scorer: Scorer) -> ListenerModel | None:
        """The trained probe for ``scorer``, or ``None`` (reported) when there is none that fits.

        It judges once here: a probe that reads another size of state fails now, not in a session.
        """
        if self._build_classifier is None or not (isinstance(scorer, StateScorer) and scorer.states):
            return None
        try:
            probe = self._build_classifier()
            if probe.judge != self.name:
                raise ConfigError(f"it was trained on {probe.judge}, not {self.name}")
            _judge(scorer, probe, "Mhm.")
        except (ConfigError, EngineError) as error:
            log.warning("backchannels: no trained probe for the listener judge, its odds decide: %s", error)
            return None
        return probe

    def __call__(self, heard: str) -> float:
        """Log-odds that ``heard`` is a listener's response (blocking).

        Raises:
            EngineError: Not loaded, or the model failed.
        """
        scorer = self._scorer
        if scorer is None:
            raise EngineError("the listener judge is not loaded")
        return _judge(scorer, self._probe, heard)


def _judge(scorer: Scorer, probe: ListenerModel | None, heard: str) -> float:
    """The probe's log-odds when there is one (it reads the scorer's state), else the odds."""
    if probe is None or not isinstance(scorer, StateScorer):
        return listener_odds(scorer, heard)
    odds, state = listener_evidence(scorer, heard)
    return probe.log_odds(probe_inputs(odds, state))


def packaged_judge(data_dir: Path, name: str, probed: bool = True) -> ListenerJudge:
    """A judge on the packaged model ``name`` (assembled into ``data_dir`` when it loads), not loaded yet.

    Args:
        data_dir: Where packaged models are assembled.
        name: The packaged model's name (the probe must be trained on it).
        probed: Read its state with the shipped probe; ``False``: its odds decide.
    """

    def build() -> Scorer:
        from openlive.engines.llama_scorer import LlamaScorer
        from openlive.engines.packaged import packaged_llm_path

        model = packaged_llm_path(name, data_dir)
        return LlamaScorer(model, n_ctx=CONTEXT, lean=LEANS.get(name, 0.0), states=probed)

    return ListenerJudge(build, name, classifier=ListenerModel.packaged if probed else None)
