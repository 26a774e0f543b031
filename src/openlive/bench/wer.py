"""Word error rate, on text normalised the way Whisper's own evaluations normalise it.

English goes through Whisper's English normaliser (the ``whisper-normalizer``
package, a copy of the one OpenAI evaluates Whisper with): case, punctuation,
British and American spellings, contractions, fillers ("mhm", "um") dropped, and
numbers written in words or digits ("two hundred and fifty dollars", "$250")
both become ``250 dollars``. Other languages go through its basic normaliser
(case, punctuation and symbols). One more rule, the same for every transcript
and reference, before and after Whisper's: digits in a row, apart or joined by
hyphens or commas, are one number, so a phone number written ``555-0192``,
``5 5 5, 0 1 9 2`` or ``five five five zero one nine two`` is the same word (and
one wrong digit is one error, not seven; Whisper's normaliser alone would drop the
zero of ``0192``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

_DIGIT_RUN = re.compile(r"\b\d+(?:(?:[ \t]*[,-][ \t]*|[ \t]+)\d+)+\b")


@functools.cache
def _normalizer(language: str) -> Callable[[str], str]:
    try:
        if language == "en":
            from whisper_normalizer.english import EnglishTextNormalizer  # type: ignore[import-untyped]

            english: Any = EnglishTextNormalizer()
            return lambda text: str(english(text))
        from whisper_normalizer.basic import BasicTextNormalizer  # type: ignore[import-untyped]

        basic: Any = BasicTextNormalizer()
        return lambda text: str(basic(text))
    except ImportError as error:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "word error rates need the whisper-normalizer package: pip install 'openlive[dev]'"
        ) from error


def normalise(text: str, language: str = "en") -> list[str]:
    """The words of ``text`` as the scorer compares them.

    Args:
        text: A reference or a transcript.
        language: ISO 639-1 code; ``en`` gets the English normaliser, others the basic one.
    """
    joined = _join_digits(text)
    return _join_digits(_normalizer(language)(joined)).split()


def _join_digits(text: str) -> str:
    return _DIGIT_RUN.sub(lambda match: re.sub(r"\D", "", match.group(0)), text)


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Substitutions, deletions and insertions that turn ``reference`` into ``hypothesis``."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i]
        for j, hyp_word in enumerate(hypothesis, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (ref_word != hyp_word),  # substitution or match
                )
            )
        previous = current
    return previous[-1]


def word_error_rate(pairs: Sequence[tuple[Sequence[str], Sequence[str]]]) -> float:
    """Errors over reference words, summed over ``(reference, hypothesis)`` pairs.

    Summing before dividing weighs each word the same, so short utterances do not
    count more than long ones. A reference with no words (a filler such as "mhm")
    adds only the transcript's words, as insertions.
    """
    words = sum(len(reference) for reference, _ in pairs)
    errors = sum(word_errors(reference, hypothesis) for reference, hypothesis in pairs)
    if words == 0:
        return 0.0 if errors == 0 else float("inf")
    return errors / words
