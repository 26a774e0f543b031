"""A planner that works on a tiny model: words decide what they can, the model fills in the rest.

SmolLM2-135M cannot be trusted to write a right tool call by itself, so the plan
is built in stages, each as reliable as it can be made:

1. The newest user turn is split into tasks (list items, sentences, "and then").
2. Each task is routed by lexical evidence: its words against each function's
   name, description, parameter names and enum values, weighted by how well a
   word tells the functions apart, with opposites (on/off, open/close, ...) ruling
   a function out; cue words and arithmetic for code execution; question and
   "look up" phrases for search. Where the evidence is weak or tied, the model
   picks from the candidates under a JSON schema whose enum holds only their
   names and "none", so its answer is always one of them. Where no word leads
   anywhere ("ring Dr. Patel's office", "the music is way too loud"), the task's
   meaning may: its sentence embedding against each function's (all-MiniLM-L6-v2,
   :mod:`openlive.engines.sentence_embedder`), taken only when one function is
   clearly closest.
3. Arguments are generated under the function's own parameters schema, narrowed
   where words allow (an enum value the task names; a name or place chosen among
   the task's own phrases rather than spelled), and validated again afterwards;
   a step whose arguments do not validate is dropped.
4. Code is written by the model from a short few-shot prompt (or by a better
   coder given for it: a tiny model writes poor programs), mended where that is
   mechanical (missing imports, unfinished lines), checked to compile and to use
   no undefined names, with one retry; plain arithmetic needs no model.
5. A search query is the task with its request phrasing stripped.
"""

from __future__ import annotations

import ast
import builtins
import json
import logging
import math
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openlive.engines.base import (
    LLM,
    ChatMessage,
    GenerationStats,
    SamplingParams,
    TextEmbedder,
    last_user_text,
)
from openlive.errors import EngineError
from openlive.tools.planner import CodeStep, FunctionStep, SearchStep, Step
from openlive.wire.tools import FunctionDeclaration, Tools, argument_error

log = logging.getLogger(__name__)

# -- words -----------------------------------------------------------------------------

# Words that say nothing about which tool a task needs. The particles of opposite
# pairs (on, off, up, down, ...) are deliberately absent: they decide between
# turn_on_x and turn_off_x.
_STOPWORDS = frozenset(
    """a an the this that these those it its i me my we our you your he she they them
    is are was were be been being am do does did doing have has had will would shall should
    can could may might must please kindly just now right some any all of to for from with
    by at in as about into onto than then so and or but if also too very really thanks thank
    hey hi hello okay ok there here what whats which who whom whose how when where why
    want wanna need like let lets go going get gets got make made use using"""
    .split()
)  # fmt: skip

# Opposite pairs: a function named with one word of a pair is ruled out for a task
# that says the other.
_OPPOSITES = (
    ("on", "off"),
    ("open", "close"),
    ("start", "stop"),
    ("up", "down"),
    ("enable", "disable"),
    ("lock", "unlock"),
    ("increase", "decrease"),
    ("raise", "lower"),
    ("show", "hide"),
    ("add", "remove"),
    ("mute", "unmute"),
    ("play", "pause"),
    ("connect", "disconnect"),
    ("arm", "disarm"),
)
_OPPOSITE_OF = {a: b for a, b in _OPPOSITES} | {b: a for a, b in _OPPOSITES}

# Near-synonyms folded to one word, for the vocabulary of assistants and smart
# homes. Only words that mean the same thing in nearly every context.
_SYNONYMS = {
    "lamp": "light",
    "bulb": "light",
    "lighting": "light",
    "switch": "turn",
    "activate": "enable",
    "deactivate": "disable",
    "song": "music",
    "tune": "music",
    "track": "music",
    "playlist": "music",
    "mail": "email",
    "forecast": "weather",
    "rain": "weather",
    "snow": "weather",
    "sunny": "weather",
    "cloudy": "weather",
    "windy": "weather",
    "umbrella": "weather",
    "countdown": "timer",
    "min": "minute",
    "mins": "minute",
    "hr": "hour",
    "hrs": "hour",
    "shut": "close",
    # Idioms for switching off: "kill the lights", "cut the power".
    "kill": "off",
    "cut": "off",
    "douse": "off",
    "extinguish": "off",
}

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:\.\d+)?")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _stem_core(word: str) -> str:
    stem = word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            stem = word[: len(word) - len(suffix)] + keep
            if suffix == "es" and not stem.endswith(("s", "x", "ch", "sh", "z")):
                stem = word[:-1]  # "minutes" -> "minute", but "switches" -> "switch"
            if suffix in ("ing", "ed") and len(stem) >= 4 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]  # "stopped" -> "stop"
            break
    # A final e goes too, so that "close", "closed" and "closing" all give "clos".
    return stem[:-1] if len(stem) > 4 and stem.endswith("e") else stem


# Opposite words keep their own spelling, whatever form the task uses them in.
_OPPOSITE_STEMS = {_stem_core(w): w for pair in _OPPOSITES for w in pair if len(w) > 3}


def _stem(word: str) -> str:
    """A crude English stem: plural and verb endings off, enough to match light/lights."""
    if len(word) <= 3 or word.isdigit():
        return word
    stem = _stem_core(word)
    return _OPPOSITE_STEMS.get(stem, stem)


def words(text: str) -> list[str]:
    """The meaningful words of ``text``, lowercased, stemmed and with synonyms folded.

    Identifiers are split too: ``turn_on_the_lights``, ``getWeather`` and
    ``media.play-music`` give their words.
    """
    text = re.sub(r"[_.:-]", " ", _CAMEL.sub(" ", text))
    result = []
    for raw in _WORD.findall(text):
        word = raw.lower().strip("'-").removesuffix("'s")
        if not word or word in _STOPWORDS:
            continue
        # Synonyms before and after stemming: "songs" -> "song" -> "music".
        word = _stem(_SYNONYMS.get(word, word))
        result.append(_stem(_SYNONYMS.get(word, word)))
    return result


# -- tasks -----------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}[.)]|[-*•]|\(?[a-z]\))\s+(.*\S)")
_SENTENCE_END = re.compile(r"[.!?;]+\s+(?=[A-Za-z0-9\"'(])")
# Words whose full stop does not end a sentence ("Brazil vs. Argentina", "Dec. 5").
_ABBREVIATIONS = frozenset(
    """vs v etc eg e.g ie i.e mr mrs ms dr st jr sr no approx dept est inc ltd co
    jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun""".split()
)
# Verbs that start a new request after "and"/"then": splitting on every "and"
# would cut "rock and roll" in two.
_ACTION_VERBS = frozenset(
    """turn switch set play send search look find compute calculate count open close start
    stop check email call book add remove delete create remind write put dim lock unlock
    enable disable pause resume read schedule cancel order buy what who when where whats""".split()
)
# Verbs of requests that are as often nouns ("salt and water", "tea and a text"): after
# "and"/"then" they start a task of their own only when an object follows them at once
# ("water the plants", "text Ben", "tell me"). So do the declared functions' own verbs
# (``water`` of ``water_plants``).
_REQUEST_VERBS = frozenset(
    """tell show give get make let text message ask bring brew pay water share note save
    translate convert spell explain list reserve rent sell forward reply print download
    upload install update restart reboot mute unmute raise lower increase decrease reduce
    boost adjust change move copy clear fill heat cool warm feed wash clean vacuum mow
    charge record snooze wake ring dial phone track notify alert arm disarm activate
    deactivate launch run remember mark rate follow join invite accept decline confirm
    transfer withdraw deposit refund return ship deliver pick drop drive navigate take
    fetch grab prepare cook bake boil brief draft plan find tidy sort arrange""".split()
)
_OBJECT_START = frozenset(
    """the a an my your his her our their me him them us it this that these those some all
    every each another up down on off out in over back""".split()
)
# The ways into a request that come before its verb ("can you note that down").
_ASKING = re.compile(r"^(?:(?:can|could|would|will) you|please|just|now)\b[\s,]*(?:please\b[\s,]*)?", re.I)
_JOINER = re.compile(
    r"\s*(?:,\s*)?\b(?:and then|and also|and after that|then|and|also|plus)\s+", re.IGNORECASE
)
_COURTESY = re.compile(
    r"^(?:hey|hi|hello|thanks?|thank you|thx|please|cheers|ok|okay)\b[\s,!.]*"
    r"|^(?:hey|hi|hello)?[\s,]*i (?:need|want|would like) you to do \w+ things?(?: for me)?[.!:]*$",
    re.IGNORECASE,
)


def split_tasks(text: str, verbs: Iterable[str] = (), *, statements_join: bool = False) -> list[str]:
    """The separate requests in one user message, in order.

    A numbered or bulleted list gives one task per item (the lines around it are
    framing: "I need three things", "Thanks!"). Otherwise the message splits into
    sentences, and a sentence splits again at "and"/"then" when what follows starts
    with a verb of its own ("play jazz and turn off the lights"), or with a verb that
    may be a noun and is followed by its object ("and water the plants").

    Args:
        text: The user's message.
        verbs: More verbs of the second kind: the declared functions' (see
            :func:`function_verbs`).
        statements_join: A sentence that asks for nothing by itself ("Took my pills,
            10 milligrams.", "Just one copy is fine.") stays with the request it
            explains: the one before it, or else the one after. For a model that
            reads each task alone, to which such a sentence alone would be a request
            of its own.
    """
    # The planner takes MAX_TASKS tasks at most: reading only as much text keeps the
    # cost of a hostile message (thousands of "and ...") bounded.
    lines = [line for line in text[: MAX_TASKS * MAX_TASK_CHARS].splitlines() if line.strip()]
    items: list[str] = []
    for line in lines:
        match = _LIST_ITEM.match(line)
        if match:
            items.append(match.group(1))
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()  # an item's continuation line
    if len(items) >= 2:
        return [t for t in (_clean_task(i) for i in items) if t]
    tasks: list[str] = []
    object_verbs = _REQUEST_VERBS | {v.lower() for v in verbs}
    sentences = _sentences(" ".join(line.strip() for line in lines))
    if statements_join:
        sentences = _joined_statements(sentences, object_verbs)
    for sentence in sentences:
        tasks.extend(_split_on_joiners(sentence, object_verbs))
    return [t for t in (_clean_task(t) for t in tasks) if t]


def _sentences(text: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if match.group().startswith(".") and (last in _ABBREVIATIONS or len(last) == 1):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [s for s in sentences if s]


def function_verbs(tools: Tools) -> set[str]:
    """The verbs that start the declared functions' names (``water`` of ``water_plants``)."""
    firsts = (re.split(r"[_\W]|(?<=[a-z])(?=[A-Z])", f.name, maxsplit=1)[0] for f in tools.functions)
    return {first.lower() for first in firsts if len(first) > 2}


def _starts_task(text: str, object_verbs: frozenset[str] | set[str]) -> bool:
    """Whether ``text`` starts with a request's verb (or question word)."""
    following = text.split(maxsplit=2)
    verb = following[0].lower().strip(",.'") if following else ""
    after = following[1] if len(following) > 1 else ""
    takes_object = after.lower() in _OBJECT_START or after[:1].isupper() or after[:1].isdigit()
    return verb in _ACTION_VERBS or (verb in object_verbs and takes_object)


def _joined_statements(sentences: list[str], object_verbs: frozenset[str] | set[str]) -> list[str]:
    """``sentences`` with each one that is no request joined to the request before it, or else after it."""
    groups: list[list[str]] = []
    waiting: list[str] = []  # statements before the first request
    for sentence in sentences:
        if _starts_task(_ASKING.sub("", _clean_task(sentence)), object_verbs):
            groups.append([*waiting, sentence])
            waiting = []
        elif groups:
            groups[-1].append(sentence)
        else:
            waiting.append(sentence)
    return [" ".join(group) for group in groups or [waiting]]


def _split_on_joiners(sentence: str, object_verbs: frozenset[str] | set[str] = _REQUEST_VERBS) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _JOINER.finditer(sentence):
        following = sentence[match.end() : match.end() + 100]  # enough for two words
        if _starts_task(following, object_verbs) and match.start() > start:
            parts.append(sentence[start : match.start()])
            start = match.end()
    parts.append(sentence[start:])
    return parts


def _clean_task(task: str) -> str:
    """The task without leading courtesy and connective words; empty if nothing is left."""
    task = task.strip(" \t,;")
    previous = None
    while previous != task:
        previous = task
        task = _COURTESY.sub("", task).strip(" \t,;")
        task = re.sub(
            r"^(?:and|then|also|next|finally|lastly|first|second|third)\b[\s,]*", "", task, flags=re.I
        )
    return task if re.search(r"[A-Za-z0-9]", task) else ""


# -- routes ----------------------------------------------------------------------------

# A statement ("I love the weather today", "the music is too loud") asks for no tool,
# even when it names a function's subject. It starts like a statement and has no
# mark of a request or a question.
_STATEMENT_START = re.compile(
    r"^(?:i|i'm|im|i've|i'd|i'll|it|it's|its|the|my|our|this|that|these|those|we|we're|there|"
    r"there's|you|you're|he|she|they|they're|his|her|their)\b",
    re.I,
)
_REQUEST_MARK = re.compile(
    r"\?|\b(?:please|pls|can|could|would|will|want|wanna|need|like to|let's|lets|mind|"
    r"what|what's|whats|who|when|where|which|how|why|is it|are there|do|does)\b",
    re.I,
)


def is_request(task: str) -> bool:
    """Whether a task asks for something, rather than only stating something."""
    return not _STATEMENT_START.match(task) or bool(_REQUEST_MARK.search(task))


CODE: Literal["code"] = "code"
SEARCH: Literal["search"] = "search"
NONE: Literal["none"] = "none"

# A lexical score at or over STRONG, ahead of the runner-up by MARGIN times,
# decides without the model.
STRONG = 3.0
MARGIN = 1.5
# How many candidates the model chooses among, at most (a short enum is easier).
MAX_CHOICES = 4
# A task no word routes goes to the function whose meaning is closest to it, when
# that one is this close (cosine similarity of all-MiniLM-L6-v2 embeddings) and this
# much closer than the next. Set after looking at the similarities on the first three
# request sets, whose small talk ("great, thanks", "write a limerick") stays at or under
# 0.25 (the first set alone would have taken 0.25); the fourth only scored it (README: Tools).
MEANING_MIN = 0.30
MEANING_MARGIN = 0.10

_CODE_VERBS = re.compile(r"\b(?:comput\w*|calculat\w*|evaluat\w*|solve|run (?:some )?code|python)\b", re.I)
_MATH_WORDS = re.compile(
    r"\b(?:primes?|palindrom\w*|factorials?|fibonacci|sum|product|average|mean|median|square roots?|"
    r"divisible|digits?|multiples?|integers?|powers? of|squared|cubed|modulo|remainder|gcd|lcm|"
    r"equation|sequence|permutations?|combinations?|logarithm|sqrt)\b",
    re.I,
)
_HOW_MANY = re.compile(r"\bhow many\b.*\d", re.I)
_DATE_MATH = re.compile(r"\b(?:days?|weeks?|months?|years?|hours?) (?:between|until|since|from)\b", re.I)

_SEARCH_EXPLICIT = re.compile(r"\b(?:search|google|look(?:ing)? up|lookup|browse|the web|online)\b", re.I)
_SEARCH_QUESTION = re.compile(
    r"^\W*(?:who|when|where)\b|\b(?:who (?:is|was|won|are|were)|when (?:did|was|is|will)|"
    r"where (?:is|was)|what happened|information (?:about|on)|find out)\b",
    re.I,
)
_SEARCH_FRESH = re.compile(
    r"\b(?:news|latest|current(?:ly)?|recent(?:ly)?|today'?s|this (?:week|month|year)|"
    r"score|results?|price of|stock|election|winner|weather|forecast|temperature|right now)\b",
    re.I,
)

_ARITHMETIC_WORDS = (
    (r"\bto the power of\b", "**"),
    (r"\bmultiplied by\b", "*"),
    (r"\bdivided by\b", "/"),
    (r"\btimes\b", "*"),
    (r"\bplus\b", "+"),
    (r"\bminus\b", "-"),
    (r"\bmod(?:ulo)?\b", "%"),
    (r"\^", "**"),
    (r"×", "*"),
    (r"÷", "/"),
)
_EXPRESSION = re.compile(r"[\d(][\d\s.+\-*/%()]*[\d)]")
# Dates and phone numbers look like subtraction and division: 2024-1-15, 555-1234, 12/25/2024.
_NOT_ARITHMETIC = re.compile(r"\d+(?:-\d+)+|\d+(?:/\d+){2}")


# What may surround an expression in a task that asks for nothing but its value.
_ARITHMETIC_FRAME = frozenset(
    """what what's whats is calculate compute evaluate solve work out how much please the result
    value of tell me can you could give equals equal to answer and""".split()
)


def arithmetic(task: str) -> str | None:
    """The arithmetic expression in ``task`` as Python (``2**20``), if it asks only for its value.

    "What is 2**20?" gives ``2**20``; "the sum of the digits of 2**100" asks for
    more than the expression's value, and gives ``None``.
    """
    text = task
    for pattern, operator in _ARITHMETIC_WORDS:
        text = re.sub(pattern, f" {operator} ", text, flags=re.I)
    for candidate in _EXPRESSION.findall(text):
        rest = text.replace(candidate, " ", 1).lower()
        if any(w not in _ARITHMETIC_FRAME for w in re.findall(r"[a-z][a-z']*", rest)):
            continue
        if re.search(r"\d", rest):  # "7 plus 8, times 2": a number outside the expression
            continue
        expression = " ".join(candidate.split())
        if _NOT_ARITHMETIC.fullmatch(expression):
            continue
        if not re.search(r"\d\s*(?:\*\*|[+\-*/%])\s*[\d(]", expression):
            continue
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError:
            continue
        allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator, ast.unaryop)
        if all(isinstance(node, allowed) for node in ast.walk(tree)):
            return expression
    return None


# Patterns that each add their weight to a route's score when the task matches them.
_CODE_CUES = ((_CODE_VERBS, 3.0), (_HOW_MANY, 2.0), (_DATE_MATH, 3.0))
_SEARCH_CUES = ((_SEARCH_EXPLICIT, 4.0), (_SEARCH_QUESTION, 3.0), (_SEARCH_FRESH, 1.5))


def _cue_score(task: str, cues: tuple[tuple[re.Pattern[str], float], ...]) -> float:
    return sum((weight for pattern, weight in cues if pattern.search(task)), 0.0)


def code_score(task: str) -> float:
    """How strongly the task asks for a computation."""
    score = _cue_score(task, _CODE_CUES)
    math_words = len(_MATH_WORDS.findall(task))
    score += 1.5 * min(2, math_words)
    if math_words and re.search(r"\d", task):
        score += 1.5  # a numeric question: "the square root of 1764"
    if arithmetic(task) or re.search(r"\d\s*(?:\*\*|[+*/^])\s*\d", task):
        score += 3.0
    return score


def search_score(task: str) -> float:
    """How strongly the task asks for facts from the web."""
    return _cue_score(task, _SEARCH_CUES)


@dataclass
class _Profile:
    """A function's words, each with how much a match on it counts."""

    declaration: FunctionDeclaration
    weights: dict[str, float] = field(default_factory=dict)
    name_words: frozenset[str] = frozenset()

    def add(self, text: str, weight: float) -> None:
        for word in words(text):
            self.weights[word] = max(self.weights.get(word, 0.0), weight)


# Where a word appears in a declaration, and how much that says about the function.
NAME_WEIGHT = 3.0
ENUM_WEIGHT = 2.0
PARAMETER_WEIGHT = 1.5
DESCRIPTION_WEIGHT = 1.0


def _meaning_text(declaration: FunctionDeclaration) -> str:
    """What a function does, in words, for its sentence embedding: its name, then its description."""
    name = " ".join(declaration.name.replace("_", " ").split())
    return f"{name}: {declaration.description}" if declaration.description else name


def _profile(declaration: FunctionDeclaration) -> _Profile:
    profile = _Profile(declaration)
    profile.add(declaration.description, DESCRIPTION_WEIGHT)
    for name, schema in _properties(declaration.parameters).items():
        profile.add(name, PARAMETER_WEIGHT)
        profile.add(str(schema.get("description", "")), DESCRIPTION_WEIGHT / 2)
        for value in _enum_values(schema):
            profile.add(value, ENUM_WEIGHT)
    profile.add(declaration.name, NAME_WEIGHT)
    profile.name_words = frozenset(words(declaration.name))
    return profile


def _properties(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return {}
    return {k: v for k, v in properties.items() if isinstance(v, dict)}


def _enum_values(schema: dict[str, Any]) -> list[str]:
    values = schema.get("enum")
    if values is None and isinstance(schema.get("items"), dict):
        values = schema["items"].get("enum")
    return [str(v) for v in values] if isinstance(values, list) else []


def _polarity(task_words: Sequence[str]) -> dict[str, str]:
    """For each opposite pair the task mentions, the word it says first."""
    said: dict[str, str] = {}
    for word in task_words:
        other = _OPPOSITE_OF.get(word)
        if other is not None and word not in said and other not in said:
            said[word] = word
            said[other] = word
    return said


def function_scores(task: str, profiles: Sequence[_Profile]) -> dict[str, float]:
    """Each function's lexical score for ``task``; ``-inf`` where an opposite rules it out.

    A task word counts by where it appears in the declaration (name over enum
    values over parameter names over description), divided by how many of the
    declared functions have it: "lights" says little between turn_on_the_lights
    and turn_off_the_lights, "off" says everything.
    """
    task_words = words(task)
    polarity = _polarity(task_words)
    document_frequency: dict[str, int] = {}
    for profile in profiles:
        for word in profile.weights:
            document_frequency[word] = document_frequency.get(word, 0) + 1
    scores: dict[str, float] = {}
    for profile in profiles:
        said_opposite = any(
            w in polarity and polarity[w] != w and polarity[w] not in profile.name_words
            for w in profile.name_words
        )
        if said_opposite:
            scores[profile.declaration.name] = -math.inf
            continue
        scores[profile.declaration.name] = sum(
            profile.weights[w] / document_frequency[w] for w in set(task_words) if w in profile.weights
        )
    return scores


# -- the model's parts -------------------------------------------------------------------

_CHOICE_SYSTEM = (
    "You pick the tool that does what the user asks. Tools:\n{tools}\n"
    "- none: no tool fits; just answer.\nReply with the tool's name."
)
_ARGS_SYSTEM = (
    "You fill in the arguments of a function call from the user's request.\n"
    "Function: {name}\n{description}Parameters:\n{parameters}\n"
    "Copy values from the request. Reply with the arguments as a JSON object."
)
_CODE_SYSTEM = (
    "You write short Python 3 programs. Reply with one complete program in a ```python block "
    "that prints the answer. Define every function you use."
)
# Two tiny examples: a helper function defined before use, and a standard-library
# import. Chosen by measurement: on 12 compute tasks this pair gave 3 right answers,
# a loop-with-counter example instead of the import one gave 1 (SmolLM2-135M).
_CODE_SHOTS = (
    ChatMessage("user", "Is 97 a prime number?"),
    ChatMessage(
        "assistant",
        "```python\ndef is_prime(n):\n    if n < 2:\n        return False\n"
        "    for d in range(2, int(n ** 0.5) + 1):\n        if n % d == 0:\n            return False\n"
        "    return True\n\nprint(is_prime(97))\n```",
    ),
    ChatMessage("user", "In how many ways can 3 books be chosen from 10?"),
    ChatMessage("assistant", "```python\nfrom math import comb\n\nprint(comb(10, 3))\n```"),
)  # fmt: skip
_FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)(?:```|$)", re.S | re.I)

# A turn is planned for its first MAX_TASKS requests, each read up to MAX_TASK_CHARS
# characters: a pasted document must not turn into a hundred model calls.
MAX_TASKS = 10
MAX_TASK_CHARS = 1000
CHOICE_TOKENS = 24
ARGS_TOKENS = 120
CODE_TOKENS = 200
# A failed program is written again with the end of its error: its last lines, at most this much.
FIX_ERROR_LINES = 4
FIX_ERROR_CHARS = 400


def extract_code(reply: str) -> str:
    """The program in a model's reply: the first fenced block, else the whole reply."""
    match = _FENCE.search(reply)
    code = match.group(1) if match else reply
    return code.strip("\n").rstrip()


def check_code(code: str) -> str | None:
    """Why ``code`` cannot run as it is (a syntax error, an undefined name), or ``None``.

    The name check is a rough one, like a linter's: it sees every name the program
    binds anywhere, so it misses names used before they are bound, but it catches
    the small model's habit of calling functions it never wrote.
    """
    if not code.strip():
        return "no code"
    tree = _compiled(code)
    if isinstance(tree, str):
        return f"does not compile: {tree}"
    undefined = _undefined_names(tree)
    if undefined:
        return f"uses undefined names: {', '.join(sorted(undefined))}"
    if not _prints(tree):
        return "prints nothing"
    return None


def _compiled(code: str) -> ast.Module | str:
    """The program's syntax tree if it compiles, else why not."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about the model's odd code
            tree = ast.parse(code)
            compile(tree, "<plan>", "exec")
    except (SyntaxError, ValueError) as exc:
        return str(exc)
    return tree


def _undefined_names(tree: ast.AST) -> set[str]:
    bound = set(dir(builtins))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return used - bound


# Standard-library names the model uses without importing them, and where they live.
_MODULES = frozenset(
    "math datetime itertools functools collections statistics random re string fractions decimal calendar "
    "operator time json".split()
)
_NAMES_FROM = {
    **dict.fromkeys(
        "sqrt isqrt factorial gcd lcm comb perm prod pi e floor ceil log log10 log2 exp".split(), "math"
    ),
    **dict.fromkeys("date timedelta".split(), "datetime"),
    **dict.fromkeys("permutations combinations product accumulate count".split(), "itertools"),
    **dict.fromkeys("Counter defaultdict deque".split(), "collections"),
    **dict.fromkeys("mean median mode stdev".split(), "statistics"),
    "reduce": "functools",
    "Fraction": "fractions",
    "Decimal": "decimal",
}


def add_imports(code: str) -> str:
    """``code`` with imports added for the standard-library names it uses but never imports.

    An editor's auto-import: the small model writes ``factorial(10)`` or
    ``math.sqrt(2)`` and forgets where they come from.
    """
    tree = _compiled(code)
    if isinstance(tree, str):
        return code
    undefined = _undefined_names(tree)
    lines = [f"import {name}" for name in sorted(undefined & _MODULES)]
    by_module: dict[str, list[str]] = {}
    for name in sorted(undefined - _MODULES):
        if name in _NAMES_FROM:
            by_module.setdefault(_NAMES_FROM[name], []).append(name)
    lines += [f"from {module} import {', '.join(names)}" for module, names in sorted(by_module.items())]
    return "\n".join([*lines, code]) if lines else code


def add_example_helpers(code: str) -> str:
    """``code`` with the examples' helper functions it calls but never defines.

    The worked examples before the task read as an earlier part of the same
    session, so the model calls their helpers (``is_prime``) as if still defined,
    as in a notebook: measured on ``openlive bench code``, Qwen2.5-Coder-0.5B's
    programs for 3 of 32 tasks called ``is_prime`` without defining it.
    """
    tree = _compiled(code)
    if isinstance(tree, str):
        return code
    undefined = _undefined_names(tree)
    needed = [source for name, source in _EXAMPLE_HELPERS.items() if name in undefined]
    return "\n\n".join([*needed, code]) if needed else code


def _helpers(programs: Sequence[str]) -> dict[str, str]:
    """The top-level functions defined by ``programs``, by name, with their source."""
    helpers: dict[str, str] = {}
    for program in programs:
        tree = ast.parse(program)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                helpers[node.name] = ast.get_source_segment(program, node) or ""
    return helpers


_EXAMPLE_HELPERS = _helpers([extract_code(shot.content) for shot in _CODE_SHOTS if shot.role == "assistant"])


def _trim_to_compile(code: str, max_lines: int = 8) -> str:
    """A reply cut off at the token limit, without its unfinished last lines, if that compiles."""
    lines = code.splitlines()
    for cut in range(1, min(max_lines, len(lines) - 1) + 1):
        shorter = "\n".join(lines[:-cut])
        if not isinstance(_compiled(shorter), str):
            return shorter
    return code


def _print_last_expression(code: str) -> str:
    """Like a REPL: a program that ends in a bare expression prints it."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    if _prints(tree) or not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return code
    last = tree.body[-1]
    tree.body[-1] = ast.Expr(ast.Call(ast.Name("print", ast.Load()), [last.value], []))
    return ast.unparse(ast.fix_missing_locations(tree))


def _prints(tree: ast.AST) -> bool:
    return any(isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print" for n in ast.walk(tree))


_SEARCH_PREFIX = re.compile(
    r"^(?:(?:can|could|would|will) you\s+|please\s+|i (?:want|need|would like) (?:you )?to\s+|"
    r"use (?:google(?: search)?|the web|search)(?: to)?\s+|go\s+|"
    r"(?:search|google|look up|lookup|find|check|browse)(?: (?:the web|online|google))?(?: for)?\s+|"
    r"(?:some |any )?(?:information|info|details|facts|news)(?: about| on| regarding)?\s+|"
    r"(?:about|on|regarding)\s+|find out\s+|tell me\s+)",
    re.I,
)


def search_query(task: str) -> str:
    """The search query for a task: its words without the request around them.

    "Then use Google Search to look up information about the largest earthquake
    in California" gives "the largest earthquake in California".
    """
    query = task.strip()
    previous = None
    while previous != query:
        previous = query
        query = _SEARCH_PREFIX.sub("", query).strip(" ,")
    query = query.rstrip(" ?.!")
    return query or task.strip(" ?.!")


# -- the planner -----------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """Where one task goes.

    Attributes:
        kind: ``"function"``, ``"code"``, ``"search"`` or ``"none"`` (answer directly).
        name: The function's name, for a function.
    """

    kind: Literal["function", "code", "search", "none"]
    name: str = ""


class _Cancelled(Exception):
    """The plan was cancelled between two model calls."""


class LlmPlanner:
    """Plans tool steps with any :class:`~openlive.engines.base.LLM`, built for a tiny one.

    See the module's description for the stages. The model is called only where
    words cannot decide: to break a tie between functions, to fill in arguments,
    and to write code. Every model answer is constrained by a JSON schema where
    one applies, and checked afterwards.

    Args:
        llm: The language model.
        coder: The model that writes code; ``None``: ``llm``. SmolLM2-135M's
            programs rarely print the right answer; Qwen2.5-Coder-0.5B's mostly do
            (README: Tools).
        use_model_choice: Ask the model when the lexical evidence is tied or too
            thin; without it, such a task gets no tool.
        seed: The sampling seed of the first attempt at each model call.
        embedder: Returns the sentence embedder (called when first needed, in the
            planner's thread: loading it takes a second), for a task that no word
            routes; ``None``, or it returns ``None``: words alone.
    """

    def __init__(
        self,
        llm: LLM,
        *,
        coder: LLM | None = None,
        use_model_choice: bool = True,
        seed: int = 7,
        embedder: Callable[[], TextEmbedder | None] | None = None,
    ) -> None:
        self._llm = llm
        self._coder = coder or llm
        self._use_model_choice = use_model_choice
        self._seed = seed
        self._embedder = embedder

    def plan(self, messages: Sequence[ChatMessage], tools: Tools, cancel: threading.Event) -> list[Step]:
        """The steps the newest user turn needs; see :class:`openlive.tools.planner.Planner`."""
        if not (tools.functions or tools.code_execution or tools.google_search):
            return []
        request = last_user_text(messages)
        steps: list[Step] = []
        try:
            for task in split_tasks(request, function_verbs(tools))[:MAX_TASKS]:
                task = task[:MAX_TASK_CHARS]
                route = self.route(task, tools, cancel)
                step = self._step(task, route, tools, cancel)
                if step is not None:
                    steps.append(step)
        except _Cancelled:
            return []
        return [] if cancel.is_set() else steps

    # -- routing ---------------------------------------------------------------------

    def route(self, task: str, tools: Tools, cancel: threading.Event | None = None) -> Route:
        """Which tool one task needs: a function, code, search, or none.

        The lexical best decides when it is clearly ahead of the others; the model
        picks among the candidates, or none, when they tie or the evidence is too
        thin. A task routed nowhere (a statement, or words that name no tool) goes
        to the function closest to it in meaning, if one is clearly closest.
        """
        route = self._by_words(task, tools, cancel or threading.Event())
        if route.kind == NONE:
            return self._by_meaning(task, tools) or route
        return route

    def _by_meaning(self, task: str, tools: Tools) -> Route | None:
        """The declared function closest in meaning to ``task``, when clearly closest; else ``None``."""
        embedder = self._embedder() if self._embedder is not None and tools.functions else None
        if embedder is None:
            return None
        texts = [_meaning_text(f) for f in tools.functions]
        similarity = embedder.similarities(task, texts)
        ranked = sorted(zip(similarity, (f.name for f in tools.functions), strict=True), reverse=True)
        best, name = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if best >= MEANING_MIN and best - runner_up >= MEANING_MARGIN:
            log.debug("routed by meaning to %s (%.2f, next %.2f)", name, best, runner_up)
            return Route("function", name)
        return None

    def _by_words(self, task: str, tools: Tools, cancel: threading.Event) -> Route:
        if not is_request(task):
            return Route(NONE)
        scores = self._candidates(task, tools)
        ranked = sorted(((s, r) for r, s in scores.items() if s > 0), key=lambda item: -item[0])
        if not ranked:
            return Route(NONE)
        best_score, best = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if best_score >= STRONG and best_score >= MARGIN * runner_up:
            return best
        # A weaker best that is clearly ahead stands too: measured, the model's second
        # opinion there did worse than the words (it answered "none" to "tell me about
        # the latest iPhone" with search declared).
        if best_score >= STRONG / 2 and best_score >= MARGIN * runner_up:
            return best
        # A tie, or evidence too thin to act on: the model decides, "none" included.
        if not self._use_model_choice:
            return Route(NONE)
        choice = self._model_choice(task, [r for _, r in ranked[:MAX_CHOICES]], tools, cancel)
        return choice if choice is not None else Route(NONE)

    def _candidates(self, task: str, tools: Tools) -> dict[Route, float]:
        scores: dict[Route, float] = {}
        # Profiles are rebuilt per task: it takes microseconds, and tools may change.
        for name, score in function_scores(task, [_profile(f) for f in tools.functions]).items():
            scores[Route("function", name)] = score
        if tools.code_execution:
            scores[Route(CODE)] = code_score(task)
        if tools.google_search:
            scores[Route(SEARCH)] = search_score(task)
        return scores

    def _model_choice(
        self, task: str, candidates: Sequence[Route], tools: Tools, cancel: threading.Event
    ) -> Route | None:
        """The model's pick among ``candidates`` or none; ``None`` if it gave no usable answer."""
        labels: dict[str, Route] = {}
        lines = []
        for route in candidates:
            label, about = self._label(route, tools, labels)
            labels[label] = route
            lines.append(f"- {label}: {about}")
        labels[NONE] = Route(NONE)
        system = _CHOICE_SYSTEM.format(tools="\n".join(lines))
        reply = self._generate(
            [ChatMessage("system", system), ChatMessage("user", task)],
            SamplingParams(
                temperature=0.0, max_tokens=CHOICE_TOKENS, seed=self._seed, json_schema={"enum": list(labels)}
            ),
            cancel,
        )
        try:
            picked = json.loads(reply)
        except ValueError:
            picked = reply.strip().strip('"')
        return labels.get(picked) if isinstance(picked, str) else None

    @staticmethod
    def _label(route: Route, tools: Tools, taken: dict[str, Route]) -> tuple[str, str]:
        if route.kind == "function":
            declaration = tools.function(route.name)
            about = (declaration.description if declaration else "") or " ".join(
                route.name.replace("_", " ").split()
            )
            return route.name, about
        label, about = (
            ("run_python", "compute or calculate something by running Python code")
            if route.kind == CODE
            else ("web_search", "look up facts, news or current events on the web")
        )
        while label in taken or tools.function(label) is not None:
            label += "_"
        return label, about

    # -- steps -----------------------------------------------------------------------

    def _step(self, task: str, route: Route, tools: Tools, cancel: threading.Event) -> Step | None:
        if route.kind == SEARCH:
            return SearchStep(task=task, query=search_query(task))
        if route.kind == CODE:
            code = self.write_code(task, cancel)
            return CodeStep(task=task, code=code) if code is not None else None
        if route.kind == "function":
            declaration = tools.function(route.name)
            if declaration is None:
                return None
            args = self.arguments(task, declaration, cancel)
            return FunctionStep(task=task, name=declaration.name, args=args) if args is not None else None
        return None

    def arguments(
        self, task: str, declaration: FunctionDeclaration, cancel: threading.Event | None = None
    ) -> dict[str, Any] | None:
        """Arguments for calling ``declaration`` for ``task`` that validate, or ``None``.

        A function without parameters gets ``{}`` without asking the model. Otherwise
        the model writes them under the parameters schema, narrowed to what the task
        can mean (see ``_narrowed``), and they are validated again.
        """
        schema = declaration.parameters
        if not _properties(schema) and not schema.get("required"):
            return {}
        cancel = cancel or threading.Event()
        messages = [ChatMessage("system", _args_prompt(declaration)), ChatMessage("user", task)]
        params = SamplingParams(
            temperature=0.0, max_tokens=ARGS_TOKENS, seed=self._seed, json_schema=_narrowed(schema, task)
        )
        try:
            reply = self._generate(messages, params, cancel)
        except EngineError as exc:
            # The engine could not turn this schema into a grammar: ask for free JSON.
            log.info("arguments for %s without a schema: %s", declaration.name, exc)
            reply = self._generate(messages, SamplingParams(temperature=0.0, max_tokens=ARGS_TOKENS), cancel)
        args = _json_object(reply)
        if args is None:
            log.info("dropped %s: the arguments are not a JSON object", declaration.name)
            log.debug("the arguments written for %s: %.80r", declaration.name, reply)
            return None
        problem = argument_error(schema, args)
        if problem is not None:
            log.info("dropped %s: invalid arguments", declaration.name)
            log.debug("invalid arguments for %s: %s: %s", declaration.name, args, problem)
            return None
        return args

    def write_code(self, task: str, cancel: threading.Event | None = None) -> str | None:
        """A Python program that prints the task's answer; ``None`` if none compiles or ``cancel`` is set.

        Plain arithmetic is written directly. Otherwise the model writes it, twice at
        most (the second time sampled at another seed and temperature). Each reply
        is mended where that is mechanical: unfinished last lines cut, a bare last
        expression printed, missing standard-library imports added. The first
        attempt that compiles, prints and uses no undefined names wins, else the
        first that compiles.
        """
        expression = arithmetic(task)
        if expression is not None:
            return f"print({expression})"
        messages = [ChatMessage("system", _CODE_SYSTEM), *_CODE_SHOTS, ChatMessage("user", task)]
        try:
            return self._program(messages, task, cancel or threading.Event())
        except _Cancelled:
            return None

    def fix_code(self, task: str, code: str, error: str, cancel: threading.Event | None = None) -> str | None:
        """``code``, written for ``task``, written again after it failed with ``error``; ``None``: no better.

        The model sees its program and the end of the error, as a programmer would,
        and writes the whole program again (checked as :meth:`write_code` checks it).
        A program the same as the one that failed is no fix.
        """
        error_end = "\n".join(error.strip().splitlines()[-FIX_ERROR_LINES:])[-FIX_ERROR_CHARS:]
        messages = [
            ChatMessage("system", _CODE_SYSTEM),
            *_CODE_SHOTS,
            ChatMessage("user", task),
            ChatMessage("assistant", f"```python\n{code.strip()}\n```"),
            ChatMessage("user", f"That program failed:\n{error_end}\nWrite the whole program again, fixed."),
        ]
        try:
            fixed = self._program(messages, task, cancel or threading.Event())
        except _Cancelled:
            return None
        return fixed if fixed is not None and fixed.strip() != code.strip() else None

    def _program(self, messages: list[ChatMessage], task: str, cancel: threading.Event) -> str | None:
        """The coder's program after ``messages``, or ``None`` if none compiles.

        Written twice at most (the second time sampled at another seed and
        temperature), each mended where that is mechanical: the first that
        compiles, prints and uses no undefined names wins, else the first that
        compiles.
        """
        fallback: str | None = None
        attempts = ((0.0, self._seed), (0.6, self._seed + 1))
        for temperature, seed in attempts:
            params = SamplingParams(temperature=temperature, max_tokens=CODE_TOKENS, seed=seed)
            code = extract_code(self._generate(messages, params, cancel, self._coder))
            if isinstance(_compiled(code), str):
                code = _trim_to_compile(code)
            code = add_example_helpers(add_imports(_print_last_expression(code)))
            problem = check_code(code)
            if problem is None:
                return code
            log.info("code written for a task was refused: %s", problem.split(":")[0][:80])
            log.debug("code for %r %s", task[:60], problem)
            if fallback is None and not problem.startswith(("does not compile", "no code")):
                fallback = code
        return fallback

    def _generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        cancel: threading.Event,
        llm: LLM | None = None,
    ) -> str:
        if cancel.is_set():
            raise _Cancelled
        reply = "".join((llm or self._llm).generate(messages, params, GenerationStats(), cancel))
        if cancel.is_set():
            raise _Cancelled
        return reply


def _args_prompt(declaration: FunctionDeclaration) -> str:
    required = set(declaration.parameters.get("required", []))
    lines = []
    for name, schema in _properties(declaration.parameters).items():
        kind = schema.get("type", "any")
        detail = [str(kind) if isinstance(kind, str) else "/".join(map(str, kind))]
        if name in required:
            detail.append("required")
        values = _enum_values(schema)
        if values:
            detail.append("one of " + ", ".join(values))
        description = schema.get("description")
        lines.append(f"- {name} ({', '.join(detail)})" + (f": {description}" if description else ""))
    description = f"{declaration.description}\n" if declaration.description else ""
    return _ARGS_SYSTEM.format(name=declaration.name, description=description, parameters="\n".join(lines))


# String parameters whose value the model writes rather than copies from the request.
_COMPOSED = frozenset(
    """body message text content subject description summary note notes comment comments
    prompt query reply answer question instructions reason title caption""".split()
)
MAX_SPANS = 200
MAX_SPAN_WORDS = 5
# Words a copied phrase does not start or end with.
_SPAN_EDGES = _STOPWORDS | frozenset(
    """in on off up down out over under him her his hers their i i'm it's what's that's there's
    let's to say saying said tell asking ask not no yes""".split()
)


def _narrowed(schema: dict[str, Any], task: str) -> dict[str, Any]:
    """``schema`` narrowed to the values the task can mean; a subset of what it accepts.

    - An enum the task names exactly one value of: that value. The model cannot
      pick a genre the user did not say.
    - A plain string that names a thing (a city, a person, an address; not a
      message body or subject): one of the task's own phrases. The small model
      copies badly ("Madrid" came out "Mád", "bob@example.com" as "example.com"),
      so it chooses a phrase instead of spelling one.

    The narrowed schema accepts a subset of what the original does, so the
    arguments still validate against the original.
    """
    properties = _properties(schema)
    task_words = set(words(task))
    spans = _spans(task)
    narrowed: dict[str, Any] = {}
    for name, sub in properties.items():
        values = sub.get("enum")
        if isinstance(values, list):
            named = [v for v in values if isinstance(v, str) and words(v) and set(words(v)) <= task_words]
            if len(named) == 1:
                sub = {**sub, "enum": named}
        elif spans and _copied(name, sub):
            sub = {**sub, "enum": spans}
        narrowed[name] = sub
    return {**schema, "properties": narrowed} if properties else schema


def _copied(name: str, schema: dict[str, Any]) -> bool:
    """Whether a string parameter's value is a phrase of the request rather than new text."""
    if schema.get("type") != "string" or any(
        k in schema for k in ("format", "pattern", "const", "minLength", "maxLength")
    ):
        return False
    return not (set(words(name)) & _COMPOSED)


def _spans(task: str) -> list[str]:
    """The task's phrases of up to MAX_SPAN_WORDS words that do not start or end with a stopword."""
    spans: list[str] = []
    for clause in re.split(r"[,;:!?]+|\.(?:\s|$)", task):
        tokens = [t.strip("\"'()[]") for t in clause.split()]
        tokens = [t.removesuffix("'s") for t in tokens if t]
        for start in range(len(tokens)):
            if tokens[start].lower() in _SPAN_EDGES:
                continue
            for end in range(start + 1, min(start + MAX_SPAN_WORDS, len(tokens)) + 1):
                if tokens[end - 1].lower() in _SPAN_EDGES:
                    continue
                span = " ".join(tokens[start:end])
                if span not in spans:
                    spans.append(span)
    return spans[:MAX_SPANS]


def _json_object(reply: str) -> dict[str, Any] | None:
    """The JSON object in a reply: all of it, or the first ``{...}`` in it."""
    candidates: Iterable[str] = (reply, *re.findall(r"\{.*\}", reply, re.S))
    for text in candidates:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None
