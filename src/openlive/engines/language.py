"""Which language a session is heard in, answered in and spoken in.

A session's ``speechConfig.languageCode`` names its language: the recogniser
hears in it (when it knows it), the language model is told to answer in it, and
the synthesiser speaks it. Without one, a native-audio model name (the Live API
says those models choose the language themselves) follows the language the user
speaks: a multilingual recogniser detects it in each utterance, among the
languages the server can speak, and the reply follows. Other model names are
English unless told otherwise.

What the loaded models cannot do (an English-only recogniser asked for German)
is told once per session as a :attr:`LanguagePlan.notes` line for the log.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGE_ALIASES = {"cmn": "zh"}
"""BCP-47 primary subtags the Live API uses that Whisper spells otherwise (``cmn-CN``)."""

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bn": "Bengali",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "gu": "Gujarati",
    "hi": "Hindi",
    "id": "Indonesian",
    "it": "Italian",
    "ja": "Japanese",
    "kn": "Kannada",
    "ko": "Korean",
    "ml": "Malayalam",
    "mr": "Marathi",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "ta": "Tamil",
    "te": "Telugu",
    "th": "Thai",
    "tr": "Turkish",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
"""English names of the Live API's languages, by Whisper's code."""


def primary(language: str) -> str:
    """Whisper's code for a BCP-47 tag or ISO 639-1 code: ``de-DE`` -> ``de``, ``cmn-CN`` -> ``zh``."""
    code = language.strip().split("-")[0].split("_")[0].lower()
    return LANGUAGE_ALIASES.get(code, code)


def follows_speaker(model: str) -> bool:
    """Whether a model name promises to answer in the language the user speaks (native audio)."""
    return "native-audio" in model


@dataclass(frozen=True)
class LanguagePlan:
    """How one session hears.

    Attributes:
        hear: The language to recognise in (Whisper's code), or ``None`` to detect
            it in each utterance.
        among: When detecting, the languages to choose from (those the server speaks).
        follows_speaker: Replies follow the language each utterance was heard in.
        notes: What the loaded models cannot do for this session, one line each, for
            the log (no user content).
    """

    hear: str | None
    among: tuple[str, ...] = ()
    follows_speaker: bool = False
    notes: tuple[str, ...] = ()


def plan_languages(
    language_code: str | None, model: str, heard: tuple[str, ...], spoken: tuple[str, ...]
) -> LanguagePlan:
    """How a session hears, from its setup and what the loaded models can do.

    Args:
        language_code: The session's ``speechConfig.languageCode``, if any.
        model: The model name the session asked for.
        heard: The languages the recogniser knows (Whisper's codes; one for ``.en`` models).
        spoken: The BCP-47 codes the synthesiser speaks.
    """
    english_only = len(heard) <= 1
    if language_code:
        code = primary(language_code)
        if code in heard:
            return LanguagePlan(hear=code)
        fallback = heard[0] if english_only and heard else None
        return LanguagePlan(
            hear=fallback,
            notes=(
                f"languageCode {language_code}: the speech recogniser hears only "
                f"{', '.join(heard) or 'nothing'}, so speech in {_name(code)} is heard as "
                f"{_name(fallback or '') or 'the language detected'}; a multilingual model "
                "(asr_model = base) hears it",
            ),
        )
    if not follows_speaker(model):
        return LanguagePlan(hear="en" if "en" in heard or not heard else None)
    if english_only:
        return LanguagePlan(
            hear=heard[0] if heard else "en",
            notes=(
                f"model {model} answers in the language the user speaks, but the speech recogniser "
                f"hears only {', '.join(heard) or 'English'}; a multilingual model (asr_model = base) "
                "hears the others",
            ),
        )
    among = tuple(dict.fromkeys(code for code in map(primary, spoken) if code in heard))
    return LanguagePlan(hear=None, among=among, follows_speaker=True)


def spoken_language(code: str, spoken: tuple[str, ...], current: str | None = None) -> str | None:
    """The BCP-47 code to speak a language heard as ``code`` (``de`` -> ``de-DE``).

    Args:
        code: Whisper's code of the language heard.
        spoken: The BCP-47 codes the synthesiser speaks.
        current: The session's language so far; kept when it is the same language.

    Returns:
        ``current`` if it is ``code``'s language; else the country form of the
        language (``de-DE``, ``fr-FR``), ``en-US`` for English, or the first that
        is spoken; ``None`` when the synthesiser speaks no form of it.
    """
    if current and primary(current) == code:
        return current
    forms = [tag for tag in spoken if primary(tag) == code]
    if not forms:
        return None
    preferred = "en-US" if code == "en" else f"{code}-{code.upper()}"
    return preferred if preferred in forms else forms[0]


def language_instruction(language: str | None) -> str:
    """The line that tells the language model which language to answer in.

    Empty for English (the models' own language, and the prompts' language) and
    when no language is set, so English prompts stay as their authors wrote them.

    Args:
        language: A BCP-47 code or ISO 639-1 code, or ``None``.
    """
    if not language:
        return ""
    code = primary(language)
    if code == "en":
        return ""
    name = _name(code) or language
    return (
        f"Always answer in {name} ({language}), the language the user speaks, whatever language came before."
    )


def _name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
