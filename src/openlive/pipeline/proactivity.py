"""Proactive audio: is what the user just said addressed to the assistant?

With ``proactivity.proactiveAudio`` the Live API's native-audio model may stay
silent when speech is not for it: a side conversation, a TV or radio, someone
thinking aloud. Here it is judged before the reply is made, from two kinds of
evidence:

- a language model's judgment, with the conversation as context. A scorer
  (:class:`Scorer`, what the server gives a tiny reply model: Qwen2.5-Coder-1.5B)
  is asked whether the words were said to the assistant after worked examples
  of each kind of speech (few-shot), with what the assistant had just said: the
  log-odds of " yes" against " no" as its next token, less its lean (measured
  on the evaluation set's tuning splits only, :data:`SCORER_LEANS`). An engine
  (the reply's own) answers a short prompt instead, naming who the words were for
  (A: the assistant, B, C, D: the three others), read from its odds for the first
  token (no sampling), less the same odds for a content-free utterance (the
  model's own lean towards one answer, which small models have strongly:
  "contextual calibration", Zhao et al. 2021);
- cues in the words (:func:`address_cues`): a name or kin word said to someone
  (``"Tom, ..."``, ``"..., Mark."``), the assistant's own name or a wake word,
  the form of a question or request put to a listener.

For the scorer, a trained classifier weighs them (:mod:`openlive.pipeline.address_model`):
a linear probe of the scorer's state after the question, with its odds and the
cues. Without it (an engine judging itself, or no probe), the odds and the cues'
hand-set weights are added as log-odds.

The judgment runs in the reply's worker, so a reply started ahead of its turn
(during the user's trailing silence) is judged ahead too.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from openlive.engines.base import LLM, ChatMessage, GenerationStats, Judge, SamplingParams
from openlive.engines.stand_in import StandIn, is_tiny
from openlive.errors import ConfigError, EngineError
from openlive.pipeline.address_model import AddressModel, probe_inputs

log = logging.getLogger(__name__)

# Earlier messages of the conversation the judge reads, and how much of each.
CONTEXT_MESSAGES = 4
MAX_MESSAGE_CHARS = 300
# The assistant's own instructions, as far as the judge reads them (its name, its role).
MAX_INSTRUCTION_CHARS = 400
# The judge names who the words were for: the assistant, or which of the three kinds
# of speech not for it (one kind at a time is easier for a small model than "not
# for the assistant", which lumps them together).
ANSWERS = ("A", "B", "C", "D")
FOR_THE_ASSISTANT = "A"
ANSWER_SCHEMA: dict[str, object] = {"type": "string", "enum": list(ANSWERS)}
JUDGE_PARAMS = SamplingParams(temperature=0.0, top_k=1, max_tokens=4, json_schema=ANSWER_SCHEMA)
# How much likelier (natural log) "no" must be than "yes" for the assistant to stay
# silent. Above 0: a doubtful case is answered, since ignoring the user costs more
# than answering speech that was not for the assistant.
SILENCE_MARGIN = 0.0

JUDGE_SYSTEM = (
    "You are the attention of a voice assistant that hears everything said in a room. "
    "Decide who the last thing heard was for: A, the assistant (a question, request or reply to it); "
    "B, another person in the room; C, a TV, radio, advert or announcement; D, the speaker themself "
    "(thinking aloud)."
)
JUDGE_QUESTION = (
    "Who was the last thing heard for? A: the assistant, B: another person, C: TV, radio or "
    "announcement, D: thinking aloud. Answer with one letter."
)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Worked examples the judge sees before its case: what each kind of speech looks
# like (written for the prompt, apart from the evaluation set in bench/data).
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("", "What's the capital of France?", "A"),
    ("", "Dad, have you seen my blue jacket?", "B"),
    ("", "Coming up after the news: the weekend forecast.", "C"),
    ("Assistant: It is 20 degrees and sunny.", "Will I need an umbrella later?", "A"),
    ("", "Now where on earth did I leave my phone.", "D"),
    ("", "Set a reminder to call the bank at five.", "A"),
    ("Assistant: Here is a recipe for lentil soup.", "Lisa, can you grab the onions from the fridge?", "B"),
    ("", "Fresh deals every day, visit us online.", "C"),
    ("", "Tell me something interesting about octopuses.", "A"),
)


def _case(context: str, heard: str) -> str:
    lines = [context] if context else []
    lines.append(f"Last thing heard: {json.dumps(_clip(heard, MAX_MESSAGE_CHARS))}")
    lines.append(JUDGE_QUESTION)
    return "\n".join(lines)


def relevance_prompt(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The judge's prompt for a reply's prompt ``messages`` (the last is the user's utterance).

    A fixed start (the task and worked examples, which llama.cpp's cache keeps
    between judgments), then the case: the conversation so far and the words heard.
    """
    instruction = next((m.content for m in messages if m.role == "system"), "")
    talk = [m for m in messages if m.role in ("user", "assistant")]
    last = talk[-1].content if talk and talk[-1].role == "user" else ""
    prompt = [ChatMessage("system", JUDGE_SYSTEM)]
    for context, heard, answer in EXAMPLES:
        prompt += [ChatMessage("user", _case(context, heard)), ChatMessage("assistant", answer)]
    lines = []
    if instruction.strip():
        lines.append(f"The assistant's instructions: {_clip(instruction, MAX_INSTRUCTION_CHARS)}")
    earlier = talk[:-1][-CONTEXT_MESSAGES:]
    for message in earlier:
        who = "Assistant" if message.role == "assistant" else "Heard before"
        lines.append(f"{who}: {_clip(message.content, MAX_MESSAGE_CHARS)}")
    prompt.append(ChatMessage("user", _case("\n".join(lines), last)))
    return prompt


@runtime_checkable
class Scorer(Protocol):
    """A model that scores answers (:class:`openlive.engines.llama_scorer.LlamaScorer`).

    Attributes:
        lean: Its log-odds of " yes" over " no" at which a case is even (:data:`SCORER_LEANS`).
    """

    lean: float

    def next_token_logprobs(self, prompt: str, answers: Sequence[str]) -> list[float]:
        """The log-probability of each answer's first token right after ``prompt``."""
        ...


@runtime_checkable
class StateScorer(Scorer, Protocol):
    """A scorer that also gives its state after the prompt (:meth:`LlamaScorer.next_token_state`).

    Attributes:
        states: Whether it was built to keep states (without, :meth:`next_token_state` fails).
    """

    states: bool

    def next_token_state(self, prompt: str, answers: Sequence[str]) -> tuple[list[float], Any]:
        """Each answer's first-token log-probability after ``prompt``, and the model's state there."""
        ...


# The scorer's judgment: a question asked after worked examples, answered by the
# odds of " yes" against " no" as the next token (few-shot, no sampling). The
# examples cover each kind of speech not for the assistant (another person, a pet,
# a phone call, reading aloud, a broadcast, thinking aloud) and replies to what the
# assistant just said; they were written for the prompt, apart from the
# evaluation set in bench/data.
QUESTION_TASK = (
    "A voice assistant hears everything said in a room. For each thing heard, say whether it was said "
    "to the assistant (a question or request for it, or a reply to what it said) or not (said to another "
    "person or a pet, on the phone, read aloud, from a TV or radio, or the speaker talking to themself).\n\n"
)
QUESTION_EXAMPLES: tuple[tuple[str, str, bool], ...] = (
    ("", "What's the capital of France?", True),
    ("", "Dad, have you seen my blue jacket?", False),
    ("It is 20 degrees and sunny.", "Will I need an umbrella later?", True),
    ("", "Coming up after the news: the weekend forecast.", False),
    ("", "Set a reminder to call the bank at five.", True),
    ("", "Now where on earth did I leave my phone.", False),
    ("Do you want the short version or the long one?", "The short one.", True),
    ("", "Hey, get off the sofa, you silly dog!", False),
    ("", "Tell me something interesting about octopuses.", True),
    ("", "Hi, it's me, I'm running late, I'll call you when I get there.", False),
    ("", "I'm looking for a word that means very tired.", True),
    ("", "The princess opened the door and gasped at what she saw.", False),
    ("Your timer is set.", "Thanks, and pause the music too.", True),
    ("Here is a recipe for lentil soup.", "Lisa, can you grab the onions from the fridge?", False),
    ("", "How do I get a red wine stain out of a carpet?", True),
    ("", "Could you hold the door for me, my hands are full?", False),
    ("", "Fresh deals every day, visit us online.", False),
)
YES_NO = (" yes", " no")
# Each packaged judge's lean (its odds of " yes" at which a case is even), set on
# the evaluation set's tuning splits (dev and held_out) only, through speech: the
# odds, with the cues in the words, at which at most 1 in 20 questions to the
# assistant is ignored there, rounded (-0.46 and +1.88).
SCORER_LEANS: dict[str, float] = {"qwen-0.5b": -0.5, "qwen-1.5b": 1.9}


# The case's words, in UTF-8 bytes. A byte-level tokenizer (Qwen's) makes at most a
# token a byte, so with the worked examples (about 520 tokens) and the quotes (which
# may double a byte) every prompt fits the scorer's window (2048 tokens): a judgment
# never fails for its length, whatever was said or answered before.
MAX_SAID_BYTES = 240
MAX_HEARD_BYTES = 360


def _quote(text: str, limit: int) -> str:
    """``text`` on one line, printable characters only, at most ``limit`` bytes, quoted."""
    text = "".join(c for c in " ".join(text.split()) if c.isprintable())
    raw = text.encode("utf-8")
    if len(raw) > limit:
        text = raw[: limit - 3].decode("utf-8", errors="ignore") + "..."
    # Not escaped to ASCII: the model reads the words of any language as written.
    return json.dumps(text, ensure_ascii=False)


def _question_case(said: str, heard: str) -> str:
    lines = [f"The assistant had just said: {_quote(said, MAX_SAID_BYTES)}\n"] if said else []
    lines.append(f"Heard: {_quote(heard, MAX_HEARD_BYTES)}\nSaid to the assistant:")
    return "".join(lines)


QUESTION_OPENING = QUESTION_TASK + "".join(
    f"{_question_case(said, heard)}{YES_NO[0] if yes else YES_NO[1]}\n\n"
    for said, heard, yes in QUESTION_EXAMPLES
)


def question_prompt(messages: Sequence[ChatMessage]) -> str:
    """The scorer's prompt for a reply's prompt ``messages`` (the last is the user's utterance).

    The worked examples (the same every time, kept in the scorer's cache), then
    the case: what the assistant had just said, if it spoke last (a reply to it
    is for it), and the words heard.
    """
    talk = [m for m in messages if m.role in ("user", "assistant")]
    heard = talk[-1].content if talk and talk[-1].role == "user" else ""
    said = talk[-2].content if len(talk) > 1 and talk[-2].role == "assistant" else ""
    return QUESTION_OPENING + _question_case(said, heard)


def question_odds(scorer: Scorer, messages: Sequence[ChatMessage]) -> float:
    """Log-odds that the last user message was for the assistant: " yes" against " no", less the lean."""
    yes, no = scorer.next_token_logprobs(question_prompt(messages), YES_NO)
    return yes - no - scorer.lean


def question_evidence(scorer: StateScorer, messages: Sequence[ChatMessage]) -> tuple[float, Any]:
    """As :func:`question_odds`, with the scorer's state after the question (the probe's input)."""
    (yes, no), state = scorer.next_token_state(question_prompt(messages), YES_NO)
    return yes - no - scorer.lean, state


def parse_judgment(text: str) -> bool:
    """Whether a generated answer says "for the assistant"; anything but another answer counts as yes."""
    answer = text.strip().strip('"').strip().upper()
    return not answer or answer[0] not in ANSWERS or answer[0] == FOR_THE_ASSISTANT


# -- cues in the words ----------------------------------------------------------------

# Evidence in log-odds, set from what the cues mean (not fitted): a name said to
# someone is as strong as the model's surest judgments; the form of a request only
# tips a doubtful one.
VOCATIVE_WEIGHT = 4.0
NAMED_WEIGHT = 4.0
REQUEST_WEIGHT = 1.0
# Words that open an utterance followed by a comma without naming anyone: Whisper
# capitalises a sentence's first word, so a capital there says nothing about a name.
# Interjections, and a word of approval or thanks opening a reply ("Perfect, and ...").
_DISCOURSE = frozenset(
    "actually ah aha alright also and anyway awesome basically but bye cheers cool damn er erm excellent "
    "fantastic fine finally first gosh good goodbye great ha haha hah hello hey hi hm hmm honestly however "
    "huh jeez lovely look listen man meanwhile nah nice no now oh ok okay oops perfect please really right "
    "see seriously so sorry still super sure thanks then ugh uh um well wait what whoa wonderful wow yeah "
    "yep yes".split()
)
# Words said to call someone that are not names.
_KIN = frozenset(
    "mom mum mommy mummy mama dad daddy papa grandma grandpa granny nana honey darling sweetie sweetheart "
    "babe baby love dear kids guys folks son buddy mate bro sis auntie uncle boys girls children".split()
)
_WAKE = ("assistant", "computer", "gemini", "google")
_WORD = r"[A-Za-z][A-Za-z'-]*"
# "Hey Tom," and "Okay, Google," (Whisper writes a comma after the call word, or none).
_CALL = r"(?:hey|oh|ok|okay|so|and)(?:\s*,\s*|\s+)"
_OPENING = re.compile(rf"^\W*(?:{_CALL})?({_WORD})\s*,", re.IGNORECASE)
_CLOSING = re.compile(rf",\s*({_WORD})\s*[.?!]*\s*$")
# Verbs that open a request; said first, before a comma, they are not a name ("Start, ...").
_ASKING_VERBS = tuple(
    "tell give show explain set play remind add turn find help translate convert recommend suggest read "
    "list describe define spell calculate make let's start stop call open search".split()
)
_NAME_IN_INSTRUCTION = re.compile(r"\b(?i:you are|you're|your name is|called)\s+([A-Z][a-z]+)\b")
_REQUEST = re.compile(
    r"^\W*(?:(?:hey|ok|okay|so|and|now|please|actually|well|also|oh|um|uh|alright|then|yes|yeah|no)\W+)*(?:"
    r"(?:can|could|would|will|do|did|have)\s+you\b"
    r"|(?:what|what's|whats|who|who's|when|where|where's|why|how|how's|which|is|are|does|is there)\b"
    rf"|(?:{'|'.join(_ASKING_VERBS)}|look up)\b"
    r"|i'd like\b|i want to know\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AddressCues:
    """What the words themselves say about whom they are for.

    Attributes:
        vocative: A name or kin word the words are said to, other than the assistant's.
        named: The assistant's name or a wake word opens or closes the words.
        request: The words have the form of a question or request to a listener.
    """

    vocative: str = ""
    named: bool = False
    request: bool = False

    @property
    def margin(self) -> float:
        """The cues' evidence, in log-odds of "addressed"."""
        if self.named:
            return NAMED_WEIGHT
        return (-VOCATIVE_WEIGHT if self.vocative else 0.0) + (REQUEST_WEIGHT if self.request else 0.0)


def assistant_names(instruction: str) -> tuple[str, ...]:
    """Wake words, and the name the instruction gives the assistant ("You are Pip, ...")."""
    return (*_WAKE, *(m.lower() for m in _NAME_IN_INSTRUCTION.findall(instruction)))


def address_cues(words: str, names: Sequence[str] = _WAKE) -> AddressCues:
    """The cues in ``words`` (as transcribed: Whisper writes the commas of a vocative)."""
    words = " ".join(words.split())[:MAX_MESSAGE_CHARS]
    opening = _OPENING.match(words)
    called = [m.group(1) for m in (opening, _CLOSING.search(words)) if m]
    asked = words[opening.end() :] if opening else words  # the request after "Tom, ..."
    named = any(word.lower() in names for word in called) or any(
        re.match(rf"^\W*(?:hey|ok|okay)(?:\s*,\s*|\s+){re.escape(name)}\b", words, re.IGNORECASE)
        for name in names
    )
    vocative = next(
        (
            word
            for word in called
            if word.lower() not in _DISCOURSE
            and word.lower() not in names
            and word.lower() not in _ASKING_VERBS
            and (word.lower() in _KIN or (word[0].isupper() and word[1:].islower()))
        ),
        "",
    )
    return AddressCues(vocative=vocative, named=named, request=bool(_REQUEST.match(asked)))


# -- the judgment -----------------------------------------------------------------------

# A content-free utterance: the judge's lean with nothing to judge (its calibration).
CONTENT_FREE = "N/A"
# The judge's lean, per engine (weakly: engines outlive sessions) and instruction.
_LEANS: weakref.WeakKeyDictionary[Any, OrderedDict[str, float]] = weakref.WeakKeyDictionary()
_LEANS_KEPT = 64  # instructions per engine
_lean_lock = threading.Lock()


def _odds(llm: LLM, prompt: list[ChatMessage], cancel: threading.Event) -> float:
    """Log-odds of "for the assistant" against the other answers together."""
    if isinstance(llm, Judge):
        first, *others = llm.answer_logprobs(prompt, ANSWERS)
        return first - float(np.logaddexp.reduce(others))
    answer = "".join(llm.generate(prompt, JUDGE_PARAMS, GenerationStats(), cancel))
    return 1.0 if parse_judgment(answer) else -1.0


def _lean(llm: LLM, instruction: str, cancel: threading.Event) -> float:
    """The judge's odds for a content-free utterance after ``instruction`` (kept per engine, instruction)."""
    if not isinstance(llm, Judge):
        return 0.0  # a sampled yes/no has no lean to measure
    key = instruction[:MAX_INSTRUCTION_CHARS]
    with _lean_lock:
        kept = _LEANS.setdefault(llm, OrderedDict())
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    messages = [ChatMessage("system", instruction)] if instruction else []
    lean = _odds(llm, relevance_prompt([*messages, ChatMessage("user", CONTENT_FREE)]), cancel)
    with _lean_lock:
        kept[key] = lean
        while len(kept) > _LEANS_KEPT:
            kept.popitem(last=False)
    return lean


@dataclass(frozen=True)
class Judgment:
    """One judgment's evidence, in log-odds of "addressed".

    Attributes:
        model: The judge model's odds of "yes" over "no", less its lean.
        cues: The words' cues.
        learned: The trained classifier's log-odds from all the evidence
            (:mod:`openlive.pipeline.address_model`); ``None`` when none weighed it.
    """

    model: float
    cues: AddressCues
    learned: float | None = None

    @property
    def margin(self) -> float:
        """All the evidence: above 0, likelier addressed than not.

        The probe's, when it read the judge model's state; else the model's odds
        and the cues' weights summed.
        """
        return self.learned if self.learned is not None else self.model + self.cues.margin


def judge(
    llm: LLM | Scorer,
    messages: Sequence[ChatMessage],
    cancel: threading.Event,
    classifier: AddressModel | None = None,
) -> Judgment:
    """Judge the last user message of ``messages`` with ``llm`` (runs the model: call it off the loop).

    ``classifier``, the probe trained on ``llm``'s states, decides when ``llm`` keeps them.
    """
    instruction = next((m.content for m in messages if m.role == "system"), "")
    heard = messages[-1].content if messages else ""
    cues = address_cues(heard, assistant_names(instruction))
    if not isinstance(llm, Scorer):
        model = _odds(llm, relevance_prompt(messages), cancel) - _lean(llm, instruction, cancel)
        return Judgment(model=model, cues=cues)
    if classifier is None or not (isinstance(llm, StateScorer) and llm.states):
        return Judgment(model=question_odds(llm, messages), cues=cues)
    model, state = question_evidence(llm, messages)
    inputs = probe_inputs(model, bool(cues.vocative), cues.named, cues.request, state)
    return Judgment(model=model, cues=cues, learned=classifier.log_odds(inputs))


def addressed_margin(
    llm: LLM | Scorer,
    messages: Sequence[ChatMessage],
    cancel: threading.Event,
    classifier: AddressModel | None = None,
) -> float:
    """How much likelier "addressed" is than not (natural log) for the last user message of ``messages``."""
    return judge(llm, messages, cancel, classifier).margin


def is_addressed(
    llm: LLM | Scorer,
    messages: Sequence[ChatMessage],
    cancel: threading.Event,
    margin: float = SILENCE_MARGIN,
    classifier: AddressModel | None = None,
) -> bool:
    """Whether the last user message of ``messages`` is for the assistant, judged by ``llm``."""
    if not messages or messages[-1].role != "user":
        return True  # not a reply to something heard: nothing to judge
    return addressed_margin(llm, messages, cancel, classifier) > -margin


class JudgeModel(StandIn["LLM | Scorer"]):
    """The model that judges for tiny reply models; built on first use, shared by every session.

    A tiny model (SmolLM2-135M) leans to "no" whatever it hears; a small better one
    judges for it. Engines that are not tiny judge for themselves.

    Args:
        build: Loads the judge (may raise :class:`ConfigError`: it is not installed).
        name: What the log calls it.
    """

    def __init__(
        self,
        build: Callable[[], LLM | Scorer],
        name: str,
        classifier: Callable[[], AddressModel] | None = None,
    ) -> None:
        super().__init__(build, name, "judges proactive audio")
        self._build_classifier = classifier
        self._classifier: AddressModel | None = None
        self._classifier_lock = threading.Lock()

    def for_reply(self, llm: LLM) -> LLM | Scorer:
        """The engine that judges for ``llm``: loads the judge on first need (call it off the loop)."""
        return self.for_engine(llm)

    def classifier_for(self, judging: LLM | Scorer) -> AddressModel | None:
        """The trained probe, when ``judging`` is this judge's scorer keeping states; read once.

        ``None`` when an engine judges for itself (the probe reads the judge
        model's state), or when the probe is missing or trained for another
        model (said once in the log; the evidence is then summed by hand-set weights).
        """
        if self._build_classifier is None or not (isinstance(judging, StateScorer) and judging.states):
            return None
        with self._classifier_lock:
            if self._classifier is None and self._build_classifier is not None:
                try:
                    model = self._build_classifier()
                    if model.judge != self.name:
                        raise ConfigError(f"it was trained on {model.judge}'s states, not {self.name}'s")
                    self._classifier = model
                except ConfigError as error:
                    self._build_classifier = None
                    log.warning("proactive audio: no trained probe, the evidence is summed: %s", error)
            return self._classifier

    def preload(self, engines: Iterable[LLM]) -> threading.Thread | None:
        """Load the judge and judge once, in the background, if one of ``engines`` is tiny.

        Its first load and first judgment (weights paged in, the openings
        evaluated) take seconds; a user's first proactive turn should not.
        """
        tiny = next((e for e in engines if is_tiny(e)), None)
        if tiny is None:
            return None
        warm = [ChatMessage("user", "Hello, can you hear me?")]

        def load() -> None:
            try:
                judging = self.for_reply(tiny)
                judge(judging, warm, threading.Event(), self.classifier_for(judging))
            except EngineError as error:
                log.warning("proactive audio: the judge failed its first judgment: %s", error)

        thread = threading.Thread(target=load, name="judge-preload", daemon=True)
        thread.start()
        return thread
