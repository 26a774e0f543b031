"""How long a pause must last before the turn ends, from what the turn model heard. No I/O.

Silence alone cannot tell a finished sentence from a speaker gathering their
thoughts: "I would like to book a table for" and "I would like to book a table."
end in the same silence. At each pause the turn model
(:class:`~openlive.engines.smart_turn.SmartTurn`) scores the speech so far; this
policy turns its probability into the silence that must follow before the end of
speech is committed:

- the voice and the words both sound finished: ``complete_ms``, short, so the
  answer starts at once;
- the words cannot end a sentence (:func:`text_sounds_finished`: they end on a
  word like "the", "to", "and", or in a trailing comma or ellipsis):
  ``incomplete_ms``, long enough for a thinking pause, and bounded so that a
  speaker who did finish is still answered;
- the words could end a sentence but the voice does not sound finished (or the
  model failed): ``unsure_ms``, between the two: longer than the pauses people
  make inside a sentence (up to about 600 ms), shorter than a full wait;
- while the model has not answered yet: the endpointer waits, up to
  ``incomplete_ms`` (it never ends a turn the model might call unfinished).

Neither signal is enough alone. The model is trained on human voices; on flat
synthetic speech it called 6 in 10 mid-sentence cuts finished, and 1 in 4
finished questions unfinished ("What is two plus two?" at 0.01, measured on
espeak-ng voices). The words cannot hear a cut after a noun ("I want to book a
table | for four"). So the short silence needs both, and a disagreement costs a
medium wait rather than the longest one.

A language model's reading of the words (:mod:`openlive.pipeline.text_turn`: the
log-probability of its end-of-message token right after them) refines this: below
``text_open_below`` the words do not sound finished to it, and the short silence is
not used whatever the voice says; above ``text_finished_above`` they do, and the
short silence is used whatever the voice says. Both bounds were set on the cut and
whole utterances of the proactive-audio set (583 whole, 339 cut where the word list
lets them end; SmolLM2-135M): 5 % of whole utterances fall below the first (and 55 %
of those cuts), 5 % of those cuts rise above the second (and 45 % of whole ones).

A client that sets ``silenceDurationMs`` or ``END_SENSITIVITY_LOW`` gets silence
alone, with the documented meaning: the turn ends after that much silence
(800 ms for LOW), whatever the model would say.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_COMPLETE_MS = 200
DEFAULT_UNSURE_MS = 640
DEFAULT_INCOMPLETE_MS = 1000
DEFAULT_COMPLETE_THRESHOLD = 0.5
DEFAULT_TEXT_OPEN_BELOW = -17.5
DEFAULT_TEXT_FINISHED_ABOVE = -10.5


@dataclass(frozen=True)
class TurnPolicy:
    """The silence a pause needs to end the turn, by the turn model's verdict.

    Attributes:
        complete_threshold: Probability of a finished turn at or above which the
            short silence applies (the model's own decision boundary is 0.5).
        complete_ms: Silence that ends a turn whose voice and words sound finished.
        unsure_ms: Silence that ends a turn whose words could be finished but
            whose voice does not sound it.
        incomplete_ms: Silence that ends a turn whose words cannot be finished;
            also the longest wait for the model's answer.
        text_open_below: A language model's log-probability that the words end the
            turn below which the short silence is not used.
        text_finished_above: The log-probability above which the short silence is
            used even when the voice does not sound finished.
    """

    complete_threshold: float = DEFAULT_COMPLETE_THRESHOLD
    complete_ms: int = DEFAULT_COMPLETE_MS
    unsure_ms: int = DEFAULT_UNSURE_MS
    incomplete_ms: int = DEFAULT_INCOMPLETE_MS
    text_open_below: float = DEFAULT_TEXT_OPEN_BELOW
    text_finished_above: float = DEFAULT_TEXT_FINISHED_ABOVE

    def __post_init__(self) -> None:
        if not 0.0 <= self.complete_threshold <= 1.0:
            raise ValueError(f"complete_threshold must be within [0, 1], got {self.complete_threshold}")
        if not self.text_open_below <= self.text_finished_above:
            raise ValueError("need text_open_below <= text_finished_above")
        if not 0 < self.complete_ms <= self.unsure_ms <= self.incomplete_ms:
            raise ValueError(
                "need 0 < complete_ms <= unsure_ms <= incomplete_ms, got "
                f"{self.complete_ms}, {self.unsure_ms} and {self.incomplete_ms}"
            )

    def silence_ms(
        self,
        probability: float | None,
        text: str | None = None,
        language: str | None = None,
        text_end: float | None = None,
    ) -> int:
        """The silence that ends the turn.

        Args:
            probability: The turn model's probability of a finished turn
                (``None``: it failed, treated as "not finished").
            text: The early transcript of the speech so far (``None``: none
                was made, as for speech too short to recognise).
            language: The session's language (BCP-47), for the word rules.
            text_end: A language model's log-probability that ``text`` ends the
                turn (``None``: not read).
        """
        if text is not None and not text_sounds_finished(text, language):
            return self.incomplete_ms
        if text_end is not None and text_end < self.text_open_below:
            return self.unsure_ms
        if text_end is not None and text_end > self.text_finished_above:
            return self.complete_ms
        if probability is not None and probability >= self.complete_threshold:
            return self.complete_ms
        return self.unsure_ms


# Words a sentence does not end on: articles, prepositions, conjunctions, auxiliaries,
# possessives. By language (the first part of the BCP-47 code).
_OPEN_ENDINGS: dict[str, frozenset[str]] = {
    "en": frozenset(
        """a an the to of in on at for from with by about into onto over under than as and or but nor so
        because if when while whether that which who whose where is are was were be been am do does did
        have has had will would can could should shall may might must my your his her its our their
        this these those some any no every each very more most less such like i we you he she they it's
        i'm i'd we're you're they're there's let's um uh er""".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einem und oder aber weil dass wenn mit zu von "
        "in im auf für ist sind war ich mein meine".split()
    ),
    "fr": frozenset(
        "le la les un une des de du et ou mais parce que qui à au aux pour avec dans sur est "
        "je mon ma mes".split()
    ),
    "es": frozenset(
        "el la los las un una unos de del y o pero porque que a al para con en por es mi mis yo".split()
    ),
}
_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)


def text_sounds_finished(text: str, language: str | None = None) -> bool:
    """Whether a transcript reads as a finished turn (empty text: no evidence against it)."""
    stripped = text.strip()
    if not stripped:
        return True
    if stripped.endswith((",", "...", "…", "-", "—", ":", ";")):
        return False
    words = _WORDS.findall(stripped.lower().replace("’", "'"))
    if not words:
        return True
    base = (language or "en").split("-")[0].lower()
    return words[-1] not in _OPEN_ENDINGS.get(base, frozenset())


def uses_turn_model(end_sensitivity: str | None, silence_duration_ms: int | None) -> bool:
    """Whether a session's end of speech is decided with the turn model.

    Only when the client leaves the end of speech to the server: an explicit
    ``silenceDurationMs``, or ``END_SENSITIVITY_LOW`` (which asks for longer
    silences), keeps its documented meaning of silence alone.
    """
    return silence_duration_ms is None and end_sensitivity != "END_SENSITIVITY_LOW"
