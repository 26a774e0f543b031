"""Speech output for openlive: Piper for English, espeak-ng for the other Live API languages.

The engines live beside this module (:mod:`openlive.engines.piper_tts`,
:mod:`openlive.engines.espeak_tts`, the names and codes in
:mod:`openlive.engines.voices`); :class:`RoutingTts` puts them behind one ``TTS``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from openlive.engines.audio_base import TTS, Samples
from openlive.engines.espeak_tts import EspeakTts
from openlive.engines.piper_tts import PiperTts
from openlive.engines.voices import (
    ENGLISH_LANGUAGES,
    LIVE_API_LANGUAGES,
    LIVE_API_VOICES,
    SpeechConfigError,
    canonical_language,
    canonical_voice,
    typical_f0,
)
from openlive.errors import ConfigError

__all__ = [
    "ENGLISH_LANGUAGES",
    "LIVE_API_LANGUAGES",
    "LIVE_API_VOICES",
    "EspeakTts",
    "PiperTts",
    "RoutingTts",
    "SpeechConfigError",
    "canonical_language",
    "canonical_voice",
    "embedded_tts",
    "live_api_languages",
    "live_api_voices",
    "typical_f0",
]


def live_api_languages() -> tuple[str, ...]:
    """The BCP-47 codes the Live API documents for speech (``de-DE``, ``en-US``, ...)."""
    return LIVE_API_LANGUAGES


def live_api_voices() -> tuple[str, ...]:
    """The Live API's prebuilt voice names (Puck, Charon, Kore, ...)."""
    return LIVE_API_VOICES


class RoutingTts:
    """Several TTS engines behind one: each language goes to the first engine that speaks it.

    ``languages`` is the union of the engines' languages (in the documented order first);
    ``voices`` are the names every engine accepts, so any voice works in any language.

    Args:
        engines: The engines, best first (Piper before espeak-ng).

    Raises:
        ConfigError: No engine given, or no voice name common to all of them.
    """

    def __init__(self, engines: Sequence[TTS]) -> None:
        if not engines:
            raise ConfigError("RoutingTts needs at least one TTS engine")
        self._engines = tuple(engines)
        self._routes: dict[str, TTS] = {}
        for engine in self._engines:
            for code in engine.languages:
                self._routes.setdefault(code, engine)
        self._languages = tuple(code for code in LIVE_API_LANGUAGES if code in self._routes) + tuple(
            code for code in self._routes if code not in LIVE_API_LANGUAGES
        )
        common = set(self._engines[0].voices).intersection(*(e.voices for e in self._engines[1:]))
        self._voices = tuple(name for name in self._engines[0].voices if name in common)
        if not self._voices:
            raise ConfigError("the TTS engines share no voice name")

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names every engine accepts."""
        return self._voices

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes some engine speaks."""
        return self._languages

    def engine_for(self, language: str) -> TTS:
        """The engine that speaks ``language``.

        Raises:
            SpeechConfigError: No engine speaks it.
        """
        return self._routes[canonical_language(language, self._languages)]

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text`` with the engine for ``language``, at ``rate``; yield 24 kHz audio pieces.

        Raises:
            SpeechConfigError: Unknown voice or language (raised before any synthesis).
        """
        name = canonical_voice(voice, self._voices)
        code = canonical_language(language, self._languages)
        return self._routes[code].synthesize(text, name, code, cancel, rate)


def embedded_tts(espeak: bool = True) -> RoutingTts:
    """The default speech output: the embedded English voices, plus espeak-ng when installed.

    Args:
        espeak: Add espeak-ng for the non-English languages if it is installed.

    Raises:
        ConfigError: An embedded voice cannot be loaded.
    """
    from openlive.engines.voice_cast import packaged_cast

    engines: list[TTS] = [packaged_cast()]
    if espeak and EspeakTts.available():
        engines.append(EspeakTts())
    return RoutingTts(engines)
