"""Is the user interrupting the reply, or only saying "mhm"? No I/O.

When speech starts while a reply plays, the reply stops going out (the client
keeps playing what it has) and a :class:`BargeIn` decides, from what it is fed:

- **how long the speech runs**: speech past ``max_backchannel_ms`` is an
  interruption (backchannels are short), unless a listener judge is at hand and
  its words so far are a listener's response; then past ``max_judged_ms``;
- **the words**: a partial recognition of the first part of the speech, and the
  recognition of the whole of it once the user pauses. Words that are all
  backchannel words of the session's language ("mhm", "yeah", "okay", "right",
  "I see"...) are a backchannel; no words at all (a cough, a knock, a breath:
  the recogniser hears nothing, or one of its known hallucinations on noise) is
  noise; anything else ("stop", "wait", "what about...") is an interruption.

A partial transcript interrupts only with two words that are not backchannel
words, or one heard by two partials in a row (:meth:`BargeIn.partial`); otherwise
the decision stays pending, and the whole utterance decides. A backchannel or noise lets the reply go on.

The list is closed, and people say backchannels it does not hold ("no way",
"sounds good", "fair point"). With a listener judge
(:mod:`openlive.pipeline.listener_judge`), English words the list would
interrupt on are put to it first: :attr:`BargeIn.question` names them, and the
caller feeds its answer back (:meth:`BargeIn.judged`: log-odds that they are a
listener's response, or ``None`` when it failed or was too slow, which leaves
the list's decision). No I/O here: the caller runs the judge.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

# Two-word backchannels ("okay, yeah", "I see, I see", "got it, thanks") last 0.6-1.0 s
# when spoken (measured on 20 of them in six voices: 9 were over 600 ms), and up to
# 1.4 s in slow voices with a pause at the comma ("Okay, okay.", "Right, okay."; 19 of
# 120 on a third set). Interruptions are mostly told by their words before this:
# replayed offline on three barge-in sets (2026-12-07), 1200 ms instead of 1000 let
# 8 + 2 of 170 backchannels of the first two sets go on, and 12 of 120 of the third
# (written before it was scored), every interjection still interrupting; the 90th
# percentile of the interjections' decision moved from 1000 to about 1200 ms of speech.
DEFAULT_MAX_BACKCHANNEL_MS = 1200
# With a listener judge, speech past DEFAULT_MAX_BACKCHANNEL_MS whose words so far
# are a listener's response is heard on, up to this long: people comment as they
# listen ("Oh man, I remember doing that as a kid"), and on a held-out split
# (bench/data/backchannels.json, test2) 26 of its 60 backchannels that interrupted
# did so by length alone. Speech this long is a turn, whatever it says.
DEFAULT_MAX_JUDGED_MS = 2400
# Partial recognitions at these lengths of speech: each looks again with more of it,
# until two words that are not backchannel words are heard.
DEFAULT_PROBES_MS = (250, 420, 650)
# The listener judge's log-odds above which words are a listener's response. The
# judge centres its own answer at 0 (the few-shot odds less their lean, or its
# probe's log-odds with their offset: openlive.pipeline.listener_judge says how
# each was set), so a margin here is a shift from the judge's own balance.
DEFAULT_LISTENER_MARGIN = 0.0
# Languages whose words the judge reads (its worked examples are English).
JUDGED_LANGUAGES = frozenset({"en"})

# Backchannels by language (the first part of the BCP-47 code), as recognisers
# write them (Whisper writes a hummed "mm-hmm" as "Mmhm.", "Mm-mm." or "Uh-uh.").
# Multi-word entries are matched as whole phrases.
BACKCHANNELS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """mhm mmhm mm mmm mm-hmm mmhmm mhmm mm-mm uh-uh hmm hm uh-huh uh huh uhhuh aha ah oh ooh wow
        yeah yea yes yep yup ya okay ok k right alright sure true cool nice great exactly indeed
        totally definitely gotcha interesting really uh um""".split()
    )
    | frozenset(
        {
            "i see",
            "got it",
            "of course",
            "makes sense",
            "fair enough",
            "that's right",
            "go on",
            "all right",
            "oh really",
            "oh okay",
            "oh i see",
            "uh huh",
            "mm hmm",
            "thank you",
            "thanks",
        }
    ),
    "de": frozenset("mhm hm ja jaja genau okay ok richtig stimmt aha ach so klar echt gut sicher".split())
    | frozenset({"ach so", "ja genau", "na klar"}),
    "fr": frozenset("mhm hm oui ouais ok okay d'accord voilà exactement ah bon bien sûr vraiment".split())
    | frozenset({"ah bon", "bien sûr", "je vois"}),
    "es": frozenset("mhm hm sí si vale claro ok okay ajá exacto bueno ya cierto".split())
    | frozenset({"ya veo", "claro que sí"}),
    "it": frozenset("mhm hm sì si certo ok okay esatto già vero bene ah".split()) | frozenset({"ho capito"}),
    "pt": frozenset("mhm hm sim é ok okay certo claro exato tá ah".split())
    | frozenset({"tá bom", "entendi"}),
    "nl": frozenset("mhm hm ja ok okay klopt precies oh echt goed".split()) | frozenset({"o ja"}),
}

# What Whisper writes for audio with no words in it (noise, breath, a cough).
NO_WORDS = frozenset(
    {"", "you", "thank you", "thanks for watching", "bye", "so", "the", "oh", "uh", "um", "hmm"}
)
_BRACKETED = re.compile(r"[\[\(\*♪][^\]\)\*♪]*[\]\)\*♪]?")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


class Heard(enum.Enum):
    """What a transcript is, for a reply that is playing."""

    NOTHING = "nothing"  # noise: no words
    BACKCHANNEL = "backchannel"
    WORDS = "words"  # anything else: an interruption


def words(text: str) -> list[str]:
    """The lower-cased words of a transcript, without bracketed sound tags like ``[coughs]``."""
    return [w.replace("’", "'") for w in _WORD.findall(_BRACKETED.sub(" ", text).lower())]


def _lexicon(language: str | None) -> frozenset[str]:
    base = (language or "en").split("-")[0].lower()
    # English backchannels are understood everywhere ("okay", "mhm").
    return BACKCHANNELS.get(base, frozenset()) | BACKCHANNELS["en"]


def _all_backchannel(tokens: list[str], lexicon: frozenset[str]) -> bool:
    i = 0
    while i < len(tokens):
        if i + 2 < len(tokens) and " ".join(tokens[i : i + 3]) in lexicon:
            i += 3
        elif i + 1 < len(tokens) and " ".join(tokens[i : i + 2]) in lexicon:
            i += 2
        elif tokens[i] in lexicon:
            i += 1
        else:
            return False
    return True


def other_words(text: str, language: str | None = None) -> list[str]:
    """The words of ``text`` that are not backchannel words (phrases like "i see" count as theirs)."""
    lexicon = _lexicon(language)
    tokens = words(text)
    others: list[str] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2, 1):
            if i + size <= len(tokens) and " ".join(tokens[i : i + size]) in lexicon:
                i += size
                break
        else:
            others.append(tokens[i])
            i += 1
    return others


def classify(text: str, language: str | None = None) -> Heard:
    """Whether ``text``, heard during a reply, is noise, a backchannel, or words that interrupt."""
    tokens = words(text)
    if " ".join(tokens) in NO_WORDS:
        return Heard.NOTHING
    return Heard.BACKCHANNEL if _all_backchannel(tokens, _lexicon(language)) else Heard.WORDS


class Verdict(enum.Enum):
    """The decision about speech heard during a reply."""

    PENDING = "pending"
    INTERRUPT = "interrupt"
    CONTINUE = "continue"  # a backchannel or noise: the reply goes on


@dataclass(frozen=True)
class BargeInConfig:
    """When speech during a reply is an interruption.

    Attributes:
        max_backchannel_ms: Speech at least this long (from its first voiced
            frame) interrupts without waiting for its words, unless a listener
            judge is at hand and the words so far are a listener's response.
        max_judged_ms: With a judge, speech at least this long interrupts
            whatever its words.
        probes_ms: Speech this long is recognised at once (a partial transcript),
            at each of these lengths, so that words that are not a backchannel
            interrupt without waiting for the user to pause.
        listener_margin: The listener judge's log-odds above which words
            outside the list are a backchannel.
    """

    max_backchannel_ms: int = DEFAULT_MAX_BACKCHANNEL_MS
    max_judged_ms: int = DEFAULT_MAX_JUDGED_MS
    probes_ms: tuple[int, ...] = DEFAULT_PROBES_MS
    listener_margin: float = DEFAULT_LISTENER_MARGIN

    @property
    def marks_ms(self) -> tuple[int, ...]:
        """The speech lengths a decision is fed at: the probes, then the two caps."""
        return (*self.probes_ms, self.max_backchannel_ms, self.max_judged_ms)


class BargeIn:
    """The decision about one stretch of speech heard during a reply, fed as it comes.

    Args:
        config: Thresholds.
        language: The session's language (BCP-47), for its backchannel words.
        judging: A listener judge is at hand: English words the list would
            interrupt on are left pending as :attr:`question` for it.

    Attributes:
        verdict: The decision so far.
        heard: What the last transcript was.
        question: Words the judge should be asked about before the decision goes
            on (answer with :meth:`judged`); ``None``: nothing to ask.
    """

    def __init__(self, config: BargeInConfig, language: str | None = None, judging: bool = False) -> None:
        self.config = config
        self.language = language
        self.verdict = Verdict.PENDING
        self.heard: Heard | None = None
        self.question: str | None = None
        self._judging = judging and (language or "en").split("-")[0].lower() in JUDGED_LANGUAGES
        self._asked_at_end = False  # the question is the whole utterance's words, not a partial's
        self._others: set[str] = set()  # the last partial's words that are not backchannels
        self._answers: dict[str, bool] = {}  # words judged: whether a listener's response

    def speech(self, speech_ms: float) -> Verdict:
        """The speech has run ``speech_ms`` since its first voiced frame, and goes on.

        Past ``max_backchannel_ms`` it interrupts; with a judge, it stays pending
        until ``max_judged_ms`` while the words heard so far decide
        (:meth:`overtime`: the caller recognises them).
        """
        if self.verdict is Verdict.PENDING and speech_ms >= self.config.max_backchannel_ms:
            if not self._judging or speech_ms >= self.config.max_judged_ms:
                self.verdict = Verdict.INTERRUPT
                self.question = None
        return self.verdict

    def overtime(self, text: str) -> Verdict:
        """The recognition of the speech so far, once it ran past ``max_backchannel_ms`` (with a judge).

        It is heard on only while its words are a listener's response: backchannel
        words, or words the judge calls one (they are its :attr:`question` first).
        No words, or words the judge calls an interruption, interrupt.
        """
        if self.verdict is Verdict.PENDING:
            heard = classify(text, self.language)
            answer = self._answers.get(_key(text)) if heard is Heard.WORDS else None
            if heard is Heard.WORDS and answer is None:
                self.question, self._asked_at_end = text, False
            elif heard is not Heard.BACKCHANNEL and not answer:
                self.verdict = Verdict.INTERRUPT
                self.heard = heard
                self.question = None
        return self.verdict

    def partial(self, text: str) -> Verdict:
        """A recognition of the speech so far, while it goes on.

        It interrupts with two words that are not backchannel words, or with one
        such word heard again by the next partial: the speech is cut off mid-word,
        and a cut-off hum or "true" is often heard as one stray word ("Amen",
        "Trill") that the next, longer look hears differently, while an interruption
        soon has two words ("hang on", "how much") or says its one word again
        ("stop"). With a judge, those words are its :attr:`question` first, unless
        it has already said they are a listener's response.
        """
        others = other_words(text, self.language)
        if self.verdict is Verdict.PENDING and (len(others) >= 2 or self._others & set(others)):
            if not self._judging:
                self.verdict = Verdict.INTERRUPT
                self.heard = Heard.WORDS
            elif not self._answers.get(_key(text), False):
                self.question, self._asked_at_end = text, False
        self._others = set(others)
        return self.verdict

    def ended(self, text: str, final: bool = True) -> Verdict:
        """The recognition of the whole utterance (or of it up to the user's pause).

        Words the list does not hold are a backchannel if the judge said so; if it
        has not been asked, they are its :attr:`question` unless ``final`` (the
        utterance's own transcript, which decides now: the list alone, then).
        """
        if self.verdict is Verdict.PENDING:
            heard = classify(text, self.language)
            answer = self._answers.get(_key(text)) if heard is Heard.WORDS and self._judging else None
            if answer is None and heard is Heard.WORDS and self._judging and not final:
                self.question, self._asked_at_end = text, True
                return self.verdict
            if answer:
                heard = Heard.BACKCHANNEL
            self.heard = heard
            self.verdict = Verdict.INTERRUPT if heard is Heard.WORDS else Verdict.CONTINUE
            self.question = None
        return self.verdict

    def judged(self, text: str, odds: float | None) -> Verdict:
        """The judge's answer about ``text`` (the :attr:`question` it was asked).

        Args:
            text: The words it judged.
            odds: Its log-odds that they are a listener's response; ``None``: it
                failed or answered too late, and the list decides (they interrupt).
        """
        if self.question == text:
            self.question = None
        if self.verdict is not Verdict.PENDING:
            return self.verdict
        listening = odds is not None and odds > self.config.listener_margin
        self._answers[_key(text)] = listening
        if not listening:
            self.verdict = Verdict.INTERRUPT
            self.heard = Heard.WORDS
        elif self._asked_at_end:
            self.verdict = Verdict.CONTINUE
            self.heard = Heard.BACKCHANNEL
        return self.verdict


def _key(text: str) -> str:
    """The words of ``text`` as the judge's answers are kept (punctuation and case aside)."""
    return " ".join(words(text))
