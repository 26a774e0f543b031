"""Speech synthesis with hibari: a woman's American English voice, one sentence at a time.

hibari (``hibari-tts``, Apache-2.0) is an 8 MB acoustic model distilled from Kokoro-82M's
``af_heart`` voice, with its own English G2P in the package. The network predicts, per
12.5 ms frame, the pitch (F0) and the spectral envelopes of a harmonic and a noise
source; a small numpy vocoder turns them into 24 kHz audio. Because pitch and envelope
are explicit, a voice name's style changes them before the vocoder: the F0 is scaled
(no resampling, so no chipmunk artefacts) and the envelopes are stretched along the
frequency axis, moving the formants as a shorter or longer vocal tract would. A speaking
rate sets the network's own ``speed`` input (through its measured response,
``SPEED_RESPONSE``): the phonemes are predicted shorter or longer, at the voice's pitch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from openlive.engines.assets import verify_package_models
from openlive.engines.audio_base import OUTPUT_RATE, Samples, check_rate
from openlive.engines.embedded import INSTALL_EMBEDDED
from openlive.engines.speaking_rate import RESPONSE_SETTINGS, length_for_rate
from openlive.engines.voices import ENGLISH_LANGUAGES, canonical_language, canonical_voice
from openlive.errors import ConfigError, EngineError

FloatArray = np.ndarray[Any, np.dtype[np.float32]]

HIBARI_PACKAGE = "hibari"
# The files of hibari-tts 0.2.1 that onnxruntime loads, and their SHA-256: the acoustic
# model and the G2P's out-of-vocabulary net. Anything else is refused.
HIBARI_MODELS: Mapping[str, str] = {
    "assets/hibari.onnx": "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8",
    "assets/oov.onnx": "d3cfd8122c5f172a98c8de38268bf1213ee09f2c2ae4df6e055fc6532590fe76",
}
HIBARI_RATE = 24_000


@dataclass(frozen=True)
class HibariVoiceStyle:
    """How one voice name colours the hibari voice.

    Attributes:
        pitch: F0 factor (1.0 keeps the speaker's pitch).
        formant: Spectral envelope stretch (above 1 raises the formants: a smaller voice).
        speed: Speaking rate (above 1 is faster).
    """

    pitch: float
    formant: float
    speed: float


# Kore keeps the speaker as she is (typical F0 about 190 Hz). Aoede is lower and fuller
# (about 170 Hz, formants 10 % down), Zephyr brighter and quicker (about 215 Hz, formants
# 10 % up), Leda the highest (about 240 Hz). Neighbours are at least 12 % apart in pitch,
# twice a semitone, so each is told apart by ear and by its typical F0.
HIBARI_STYLES: Mapping[str, HibariVoiceStyle] = {
    "Kore": HibariVoiceStyle(pitch=1.00, formant=1.00, speed=1.00),
    "Aoede": HibariVoiceStyle(pitch=0.90, formant=0.90, speed=0.95),
    "Leda": HibariVoiceStyle(pitch=1.27, formant=1.04, speed=1.02),
    "Zephyr": HibariVoiceStyle(pitch=1.13, formant=1.10, speed=1.08),
}

PEAK = 0.9

# How long hibari speaks at each ``1 / speed`` of ``RESPONSE_SETTINGS``, against speed 1.0:
# the mean over 12 calibration sentences (written for this, not taken from any evaluation
# set), measured once with hibari-tts 0.2.1. Flat near 1.0 (the phonemes' frames are
# rounded; see :mod:`openlive.engines.speaking_rate`); a speaking rate is turned into a
# speed through it.
SPEED_RESPONSE = (
    0.5483,
    0.5903,
    0.6143,
    0.6386,
    0.6581,
    0.7535,
    0.8605,
    0.9199,
    0.9553,
    0.9771,
    1.0000,
    1.0196,
    1.0448,
    1.0733,
    1.1306,
    1.2255,
    1.3287,
    1.3598,
    1.3866,
    1.4167,
    1.4897,
    1.5804,
    1.6134,
    1.6431,
    1.6637,
    1.7540,
    1.8561,
    1.9093,
    1.9463,
    1.9707,
    1.9937,
)


class HibariTts:
    """hibari's voice speaking the Live API's female voice names in English.

    The model (8 MB) runs on one onnxruntime thread, several times faster than real time;
    its session is shared (``run`` is thread-safe), the G2P is guarded by a lock.

    Args:
        styles: Voice name to style; Kore, Aoede, Leda and Zephyr by default.
        languages: The BCP-47 codes to accept (the American accent is used for all).
        seed: Seed of the vocoder's noise, so that the same text sounds the same.

    Raises:
        ConfigError: hibari-tts is not installed, or its model files are not the pinned ones.
    """

    def __init__(
        self,
        styles: Mapping[str, HibariVoiceStyle] = HIBARI_STYLES,
        languages: tuple[str, ...] = ENGLISH_LANGUAGES,
        seed: int = 0,
    ) -> None:
        root = verify_package_models(HIBARI_PACKAGE, HIBARI_MODELS)
        try:
            from hibari import Hibari, dsp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(f"hibari-tts is not installed; {INSTALL_EMBEDDED}") from exc
        try:
            self._hibari: Any = Hibari(model=str(root / "assets" / "hibari.onnx"), threads=1)
            self._hibari.g2p  # noqa: B018 - loads the lexicons now, not in the first reply
        except Exception as exc:
            raise ConfigError(f"cannot load the hibari voice: {exc}") from exc
        self._synth = dsp.synth
        self._styles = dict(styles)
        self._voices = tuple(self._styles)
        self._languages = tuple(languages)
        self._seed = seed
        self._g2p_lock = threading.Lock()
        self.sample_rate = HIBARI_RATE
        # The first run of a session allocates its buffers: not in a user's reply.
        for _ in self.synthesize("Hello.", self._voices[0], self._languages[0], threading.Event()):
            pass

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names it accepts."""
        return self._voices

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes it speaks."""
        return self._languages

    def style(self, voice: str) -> HibariVoiceStyle:
        """The style behind a voice name.

        Raises:
            SpeechConfigError: Unknown voice.
        """
        return self._styles[canonical_voice(voice, self._voices)]

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text``; yield 24 kHz float32 audio one sentence at a time.

        ``rate`` is the speaking rate against the voice's own (pitch kept).

        Raises:
            SpeechConfigError: Unknown voice or language (raised before any synthesis).
            ValueError: A rate outside ``MIN_RATE``..``MAX_RATE``.
            EngineError: The model failed.
        """
        style = self.style(voice)
        canonical_language(language, self._languages)
        return self._sentences(text, style, cancel, check_rate(rate))

    def _sentences(
        self, text: str, style: HibariVoiceStyle, cancel: threading.Event, rate: float
    ) -> Iterator[Samples]:
        if cancel.is_set() or not text.strip():
            return
        speed = style.speed
        if rate != 1.0:  # at 1.0 the voice's own speed: the same samples
            speed = 1.0 / length_for_rate(RESPONSE_SETTINGS, SPEED_RESPONSE, 1.0 / style.speed, rate)
        speed_input = np.asarray([speed], np.float32)
        rng = np.random.default_rng(self._seed)
        try:
            with self._g2p_lock:
                sentences = self._hibari.phonemize(text)
        except Exception as exc:
            raise EngineError(f"hibari could not read the text: {exc}") from exc
        for phonemes in sentences:
            if cancel.is_set():
                return
            ids = self._hibari.ids(phonemes)
            if len(ids) < 3:
                continue
            try:
                outputs = self._hibari.sess.run(
                    None,
                    {"ids": np.asarray([ids], np.int64), "speed": speed_input},
                )
                harmonic, phase, noise, free, free_phase, f0 = (np.asarray(o[0]) for o in outputs)
                if style.formant != 1.0:
                    harmonic, phase, noise, free = (
                        stretch_envelope(x, style.formant) for x in (harmonic, phase, noise, free)
                    )
                audio = self._synth(harmonic, phase, noise, free, free_phase, f0 * style.pitch, rng)
            except Exception as exc:
                raise EngineError(f"hibari synthesis failed: {exc}") from exc
            if cancel.is_set():
                return
            audio = np.asarray(audio, dtype=np.float32)
            if self.sample_rate != OUTPUT_RATE:  # pragma: no cover - hibari speaks at 24 kHz
                from openlive.audio import resample

                audio = resample(audio, self.sample_rate, OUTPUT_RATE)
            peak = float(np.max(np.abs(audio))) if audio.size else 0.0
            yield audio * np.float32(PEAK / peak) if peak > 1e-6 else audio


def stretch_envelope(envelope: FloatArray, factor: float) -> FloatArray:
    """Stretch a ``[bins, frames]`` envelope along frequency: bin ``k`` takes bin ``k / factor``.

    Above 1 the formants move up (a shorter vocal tract), below 1 down. Bins read past the
    top keep the top bin's value.
    """
    bins = envelope.shape[0]
    source = np.minimum(np.arange(bins, dtype=np.float32) / np.float32(factor), bins - 1)
    low = np.floor(source).astype(np.int64)
    high = np.minimum(low + 1, bins - 1)
    weight = (source - low).astype(envelope.dtype)[:, None]
    stretched: FloatArray = envelope[low] * (1 - weight) + envelope[high] * weight
    return stretched
