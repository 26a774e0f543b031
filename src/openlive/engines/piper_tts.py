"""Speech synthesis with a Piper voice (VITS on onnxruntime), one sentence at a time.

The embedded voice has one speaker; each Live API voice name gets its own character
from three knobs: a pitch factor, a speaking rate and the generator noise. Pitch is
changed without changing duration: the sentence is synthesized ``pitch`` times
slower, then the samples are read as if recorded at ``rate * pitch`` Hz while being
resampled to 24 kHz, which raises every frequency by ``pitch`` and shortens the
audio back by the same factor. A speaking rate (:meth:`PiperTts.synthesize`) scales
the length scale too, so the voice itself speaks slower or faster at its own pitch.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from openlive.audio import resample
from openlive.engines.audio_base import OUTPUT_RATE, Samples, check_rate
from openlive.engines.speaking_rate import RESPONSE_SETTINGS, length_for_rate
from openlive.engines.voices import (
    ENGLISH_LANGUAGES,
    LIVE_API_VOICES,
    canonical_language,
    canonical_voice,
)
from openlive.errors import ConfigError, EngineError


@dataclass(frozen=True)
class PiperVoiceStyle:
    """How one voice name colours the Piper voice.

    Attributes:
        pitch: Pitch factor (1.0 keeps the recorded speaker's pitch; duration is kept).
        length: Phoneme length factor (above 1 speaks slower).
        noise: Generator noise (``noise_scale``): more is livelier, less is flatter.
    """

    pitch: float
    length: float
    noise: float


# The embedded speaker (en_US-joe) is a man at about 100 Hz. The voices commonly heard
# as male stay at 0.74-1.1 times his pitch, the ones heard as female at 1.3-1.9 times
# (about 120-180 Hz measured: a VITS voice speaks lower when slowed, which takes back a
# little of each raise). Neighbours on the pitch scale are 12-18 % apart, so each voice
# is told apart by ear and by its typical F0 (``voices.typical_f0``), with room for
# the run-to-run wobble that the generator noise adds. Rates follow each voice's
# character: Charon informative and unhurried, Fenrir excitable, Puck upbeat.
PIPER_STYLES: Mapping[str, PiperVoiceStyle] = {
    "Charon": PiperVoiceStyle(pitch=0.74, length=1.08, noise=0.55),
    "Orus": PiperVoiceStyle(pitch=0.86, length=1.02, noise=0.50),
    "Fenrir": PiperVoiceStyle(pitch=0.96, length=0.92, noise=0.70),
    "Puck": PiperVoiceStyle(pitch=1.10, length=0.94, noise=0.70),
    "Kore": PiperVoiceStyle(pitch=1.30, length=1.00, noise=0.50),
    "Aoede": PiperVoiceStyle(pitch=1.50, length=0.97, noise=0.60),
    "Leda": PiperVoiceStyle(pitch=1.70, length=0.95, noise=0.65),
    "Zephyr": PiperVoiceStyle(pitch=1.92, length=0.95, noise=0.60),
}

# Each sentence is scaled to this peak, after resampling.
PEAK = 0.9

# How long the embedded voice speaks at each length scale of ``RESPONSE_SETTINGS``,
# against length scale 1.0: the mean over 12 calibration sentences (written for this,
# not taken from any evaluation set), measured once with piper-tts 1.8.0. Flat near 1.0
# (see :mod:`openlive.engines.speaking_rate`); a speaking rate is turned into a length
# scale through it.
LENGTH_RESPONSE = (
    0.6165,
    0.6353,
    0.6594,
    0.7079,
    0.7570,
    0.8199,
    0.8782,
    0.9243,
    0.9601,
    0.9869,
    1.0000,
    1.0179,
    1.0448,
    1.0699,
    1.1073,
    1.1457,
    1.1964,
    1.2374,
    1.2818,
    1.3302,
    1.3715,
    1.4165,
    1.4593,
    1.4990,
    1.5364,
    1.5743,
    1.6116,
    1.6505,
    1.6852,
    1.7248,
    1.7597,
)


class PiperTts:
    """A Piper voice speaking the eight Live API voices in English.

    The ONNX session is loaded once and shared: onnxruntime runs concurrent
    ``run`` calls safely, and Piper guards its espeak-ng phonemizer with its own lock,
    so several sessions may synthesize at once without waiting on each other.

    Durations are deterministic (the duration predictor's noise, ``noise_w``, is 0 by
    default): the same voice and text always give the same number of samples.

    Args:
        model_path: The voice's ONNX file; the embedded ``en_US-joe-medium`` by default.
        config_path: Its JSON config; ``<model_path>.json`` by default.
        languages: The BCP-47 codes to accept (the voice's accent is used for all).
        noise_w: Duration noise; above 0 varies the rhythm from run to run.
        length_offset: The part of a sentence's duration that does not scale with the
            length scale, over the part that does; 0.25 keeps the embedded voice's
            replies within about 5 % of their unshifted duration from 0.7x to 1.9x pitch.
        styles: Voice name to style; the eight Live API voices by default.

    Raises:
        ConfigError: piper-tts is not installed, or the voice files are missing.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        languages: tuple[str, ...] = ENGLISH_LANGUAGES,
        noise_w: float = 0.0,
        length_offset: float = 0.25,
        styles: Mapping[str, PiperVoiceStyle] = PIPER_STYLES,
    ) -> None:
        try:
            from piper import PiperVoice
        except ImportError as exc:  # pragma: no cover - depends on the install
            from openlive.engines.embedded import INSTALL_EMBEDDED

            raise ConfigError(f"piper-tts is not installed; {INSTALL_EMBEDDED}") from exc
        if model_path is None:
            from openlive.engines.assets import verify_package_models
            from openlive.engines.embedded import JOE_PACKAGE, JOE_VOICE_FILES, joe_voice_path

            verify_package_models(JOE_PACKAGE, JOE_VOICE_FILES)
            model_path = joe_voice_path()
        path = Path(model_path)
        config = Path(config_path) if config_path is not None else Path(f"{path}.json")
        for needed in (path, config):
            if not needed.is_file():
                raise ConfigError(f"Piper voice file {needed} does not exist")
        try:
            self._voice = PiperVoice.load(path, config_path=config)
            self._voice.session = _quiet_session(path)
        except Exception as exc:
            raise ConfigError(f"cannot load the Piper voice {path}: {exc}") from exc
        self.sample_rate: int = self._voice.config.sample_rate
        self._length_scale = float(self._voice.config.length_scale)
        self._noise_w = noise_w
        self._length_offset = length_offset
        self._styles = dict(styles)
        self._voices = tuple(name for name in LIVE_API_VOICES if name in self._styles) + tuple(
            name for name in self._styles if name not in LIVE_API_VOICES
        )
        self._languages = tuple(languages)

    @property
    def voices(self) -> tuple[str, ...]:
        """Voice names it accepts."""
        return self._voices

    @property
    def languages(self) -> tuple[str, ...]:
        """BCP-47 codes it speaks."""
        return self._languages

    def synthesis_length_scale(self, style: PiperVoiceStyle, rate: float = 1.0) -> float:
        """The length scale that keeps a pitch-shifted sentence as long as an unshifted one.

        A sentence synthesized with length scale ``L`` lasts about ``a + b * L`` seconds:
        the duration of every phoneme is rounded up to whole frames, a near constant
        ``a`` (``a / b`` is ``length_offset``). Played ``pitch`` times faster it must last
        ``a + b * length``, hence ``L = pitch * length + length_offset * (pitch - 1)``.
        At a speaking rate ``r`` it must last ``1 / r`` as long:
        the length scale that makes the voice speak ``1 / r`` as long, read from its
        measured response (``LENGTH_RESPONSE``; the same whatever the pitch).
        """
        length = self._length_scale * style.length
        scale = max(0.1, style.pitch * length + self._length_offset * (style.pitch - 1.0))
        if rate != 1.0:  # at 1.0 the arithmetic stays as it was: the same samples
            scale = max(0.1, length_for_rate(RESPONSE_SETTINGS, LENGTH_RESPONSE, scale, rate))
        return scale

    def style(self, voice: str) -> PiperVoiceStyle:
        """The style behind a voice name.

        Raises:
            SpeechConfigError: Unknown voice.
        """
        return self._styles[canonical_voice(voice, self._voices)]

    def synthesize(
        self, text: str, voice: str, language: str, cancel: threading.Event, rate: float = 1.0
    ) -> Iterator[Samples]:
        """Speak ``text``; yield 24 kHz float32 audio one sentence at a time.

        Args:
            text: What to say.
            voice: A voice name from :attr:`voices`.
            language: A code from :attr:`languages`.
            cancel: When set, no further sentence is synthesized or yielded.
            rate: Speaking rate against the voice's own (the phonemes are made longer
                or shorter; the pitch is kept).

        Raises:
            SpeechConfigError: Unknown voice or language (raised before any synthesis).
            ValueError: A rate outside ``MIN_RATE``..``MAX_RATE``.
            EngineError: The model failed.
        """
        style = self.style(voice)
        canonical_language(language, self._languages)
        return self._sentences(text, style, cancel, check_rate(rate))

    def _sentences(
        self, text: str, style: PiperVoiceStyle, cancel: threading.Event, rate: float
    ) -> Iterator[Samples]:
        from piper import SynthesisConfig

        if cancel.is_set() or not text.strip():
            return
        config = SynthesisConfig(
            length_scale=self.synthesis_length_scale(style, rate),
            noise_scale=style.noise,
            noise_w_scale=self._noise_w,
            normalize_audio=False,
        )
        # Reading the slowed audio as if it were ``pitch`` times faster raises its pitch.
        source_rate = round(self.sample_rate * style.pitch)
        chunks = iter(self._voice.synthesize(text, syn_config=config))
        try:
            while not cancel.is_set():
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                except Exception as exc:
                    raise EngineError(f"Piper synthesis failed: {exc}") from exc
                if cancel.is_set():
                    return
                audio = resample(
                    np.asarray(chunk.audio_float_array, dtype=np.float32), source_rate, OUTPUT_RATE
                )
                peak = float(np.max(np.abs(audio))) if audio.size else 0.0
                yield audio * np.float32(PEAK / peak) if peak > 1e-6 else audio
        finally:
            if isinstance(chunks, Generator):
                chunks.close()


def _quiet_session(path: Path) -> Any:
    """An onnxruntime session for the voice whose threads sleep, not spin, between operations.

    Spinning threads make a lone synthesis a few per cent faster, and one that shares
    the cores with the language model or another session's speech a quarter slower
    (measured on 2 cores): the speech that a user waits for is rarely alone.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
