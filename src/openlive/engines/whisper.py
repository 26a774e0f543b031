"""Speech recognition with faster-whisper (Whisper on CTranslate2), on short windows.

Whisper was trained on 30-second windows, and faster-whisper's ``transcribe()``
pads every input to 30 s of features, so a one-second utterance costs as much
encoder work as thirty seconds of speech. The CTranslate2 encoder accepts any
number of mel frames up to 3000, so this engine computes features for the
utterance plus trailing silence, and encodes only that window:

* the window is the utterance plus at least ``TAIL_SILENCE_S`` of silence, and
  never shorter than ``min_window_s`` (8 s by default);
* the silence is added as *audio* (zeros) before the log-mel is computed, as
  OpenAI's Whisper does, not as zero-valued features as faster-whisper's
  ``pad_or_trim`` does.

Both matter for text quality: with a window cut right after the speech, or with
feature-domain padding, tiny.en often fails to end its transcript and repeats it
("Good morning. Good morning. ..."). Measured on 90 espeak-ng utterances of
about 0.5-5 s: 31 such loops with no minimum window, 12 with a 5 s minimum, none with
8 s. As a safety net, a transcript that runs out of its token budget, or (for
windows up to 15 s) ends in a repeated block, is decoded again on the full 30 s window.

The defaults (an 8 s window, beam search 2 wide) are chosen by ``openlive bench
asr`` on its 68-utterance English set (7 espeak-ng voices and Piper, 3 speeds):
tiny.en's word error rate was 17.3 % with an 8 s window and greedy decoding,
13.4 % with 30 s, 12.1 % with 12 s and beam 4, 12.4 % with 8 s and beam 2. The
time is on the voice path (the reply starts from this transcript): against 8 s
greedy, 8 s beam 2 took 1.17 times as long, 12 s beam 4 1.41 times and 30 s 4.5
times, so beam 2 on 8 s buys nearly all of the accuracy for little of the time.
On a held-out set written later (64 other sentences, ten other voices, levels down to
-30 dB), 8 s beam 2 heard 15.8 % wrong and 12 s beam 4 13.8 %, for about 1.3 times the
time: a setting away (``min_window_s``, ``beam_size``), not the default.

Quiet speech is heard worse: Whisper's log-mel features are not normalised for level,
and tiny.en trained mostly on audio near full scale. On ``openlive bench asr``'s first
English set played 30 dB down, tiny.en's word error rate rose from 12.4 % to 17.3 %;
raising each window's peak to -6 dBFS first (``quiet_peak_dbfs``) brought it to 14.1 %,
and left the set at its own level (peaks -1 to -5 dBFS) as it was. Louder audio is not
touched, and the gain is capped (``MAX_LIFT_DB``) so that a hum just above the silence
level is not made as loud as speech.

Audio longer than ``MAX_CHUNK_S`` is cut into chunks at the quietest moment near
each chunk's end, and the chunks' transcripts are joined with spaces.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from openlive.engines.audio_base import INPUT_RATE, Heard, Samples
from openlive.engines.language import primary
from openlive.errors import ConfigError

log = logging.getLogger(__name__)

HOP = 160
"""Samples per mel frame at 16 kHz (10 ms)."""

MAX_FRAMES = 3000
"""The longest window Whisper's encoder accepts: 30 s of mel frames."""

TAIL_SILENCE_S = 1.0
"""Silence appended after the utterance, so the model hears the speech end."""

DEFAULT_MIN_WINDOW_S = 8.0
"""Shortest encoder window: shorter ones make tiny.en repeat itself, or mishear more."""

DEFAULT_BEAM_SIZE = 2
"""Beam width: 2 hears better than greedy (1) for a little more decoding time."""

GLIMPSE_WINDOW_S = 8.0
"""Window of a glimpse (:meth:`WhisperAsr.glimpse`): quicker than the full one, good enough
to tell words from a backchannel."""

GLIMPSE_MIN_LOGPROB = -2.0
"""A glimpse whose tokens average a log-probability below this hears nothing.

Speech cut off after a quarter or half a second makes tiny.en guess whole phrases
for a hum or a "yeah" ("the end.", "It's not real."), and such guesses are unsure.
Replayed offline on two barge-in sets (``openlive bench turns``' 126 clips, and 180
other backchannels and interjections in ten voices), the glimpses that would have
interrupted (two words that are not backchannel words) averaged -3.7 to -0.3 for
backchannels and -2.3 to -0.1 for interjections. Below -2 a glimpse is a guess:
ignoring it removed 10 of 67 false interruptions, every interjection still
interrupted, at the same median decision time. (Whisper's retry threshold, -1,
removed 20 but delayed the median decision by 230-290 ms.)"""

MAX_CHUNK_S = 28.0
"""Longest piece of audio transcribed in one window (plus its tail silence, under 30 s)."""

REPEAT_CHECK_MAX_S = 15.0
"""Windows up to this long are decoded again on 30 s when their transcript ends in a repeat."""

CUT_SEARCH_S = 8.0
"""How far back from a chunk's end to look for a quiet place to cut long audio."""

CUT_FRAME_S = 0.1
"""Length of the window whose energy decides where long audio is cut."""

DEFAULT_SILENCE_DBFS = -55.0
"""Audio whose loudest 25 ms is quieter than this is silence; the model is not run."""

DEFAULT_QUIET_PEAK_DBFS = -6.0
"""A window whose peak sample is quieter than this is raised to it before its features are made."""

MAX_LIFT_DB = 40.0
"""The most a quiet window is raised: from the silence level (-55 dBFS) to -15 dBFS at most."""

NO_SPEECH_THRESHOLD = 0.6
LOGPROB_THRESHOLD = -1.0
"""Whisper's silence rule: no-speech probability above 0.6 and mean log-probability below -1."""

TOKENS_PER_SECOND = 8
TOKENS_BASE = 16
"""A window's token budget is ``TOKENS_BASE + TOKENS_PER_SECOND * seconds``; using it all means a loop."""

MAX_LENGTH = 448
"""Whisper's decoder context. CTranslate2 4.x decodes at most ``max_length // 2`` new tokens."""


class WhisperAsr:
    """Whisper speech recognition (faster-whisper / CTranslate2) on short windows.

    Safe to call from several threads at once without a lock: the CTranslate2
    model queues concurrent calls onto ``num_workers`` model replicas that share
    one copy of the weights (the GIL is released while they run), and the rest of
    ``transcribe`` only reads shared state. With ``num_workers=1`` concurrent calls
    wait for each other inside CTranslate2; with more they run in parallel.

    Args:
        model_dir: A CTranslate2 Whisper model directory (``model.bin``,
            ``config.json``, ``tokenizer.json``). The caller picks it; the embedded
            default is ``openlive.engines.embedded.whisper_tiny_en_dir()``.
        device: ``cpu`` (or ``cuda``, ``auto``).
        compute_type: CTranslate2 compute type; ``int8`` is fastest on CPU.
        cpu_threads: Threads per worker; defaults to the cores divided among the workers.
        num_workers: Model replicas, i.e. how many transcriptions run in parallel.
        min_window_s: Shortest window the encoder sees, in seconds (up to 30).
        silence_dbfs: Audio whose loudest 25 ms stays below this level is silence.
        beam_size: Beam width; 1 is greedy decoding, the fastest.
        initial_prompt: Text the decoder reads as if it had come before the speech
            (Whisper's ``initial_prompt``): spellings and style to follow.
        quiet_peak_dbfs: A window whose peak is below this level (dBFS) is raised to
            it, by at most ``MAX_LIFT_DB``; ``None`` hears audio at the level it comes.

    Raises:
        ConfigError: faster-whisper is not installed, or the model cannot be loaded.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        num_workers: int = 1,
        min_window_s: float = DEFAULT_MIN_WINDOW_S,
        silence_dbfs: float = DEFAULT_SILENCE_DBFS,
        beam_size: int = DEFAULT_BEAM_SIZE,
        initial_prompt: str = "",
        quiet_peak_dbfs: float | None = DEFAULT_QUIET_PEAK_DBFS,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens
        except ImportError as exc:  # pragma: no cover - depends on the install
            from openlive.engines.embedded import INSTALL_EMBEDDED

            raise ConfigError(f"faster-whisper is not installed; {INSTALL_EMBEDDED}") from exc
        path = Path(model_dir)
        if not (path / "model.bin").is_file():
            raise ConfigError(f"no CTranslate2 Whisper model in {path} (model.bin is missing)")
        if num_workers < 1:
            raise ConfigError(f"num_workers must be at least 1, not {num_workers}")
        if not 0.0 <= min_window_s <= MAX_FRAMES * HOP / INPUT_RATE:
            raise ConfigError(f"min_window_s must be between 0 and 30 seconds, not {min_window_s}")
        if beam_size < 1:
            raise ConfigError(f"beam_size must be at least 1, not {beam_size}")
        if quiet_peak_dbfs is not None and not -60.0 <= quiet_peak_dbfs <= 0.0:
            raise ConfigError(f"quiet_peak_dbfs must be between -60 and 0 dBFS, not {quiet_peak_dbfs}")
        threads = cpu_threads or max(1, (os.cpu_count() or 1) // num_workers)
        try:
            self._whisper: Any = WhisperModel(
                str(path),
                device=device,
                compute_type=compute_type,
                cpu_threads=threads,
                num_workers=num_workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ConfigError(f"cannot load the Whisper model in {path}: {exc}") from exc
        self._model: Any = self._whisper.model  # ctranslate2.models.Whisper
        self._features: Any = self._whisper.feature_extractor
        self._hf_tokenizer: Any = self._whisper.hf_tokenizer
        self._multilingual = bool(self._model.is_multilingual)
        tokenizer = Tokenizer(
            self._hf_tokenizer,
            self._multilingual,
            task="transcribe",
            language="en" if self._multilingual else None,
        )
        self._sot = int(tokenizer.sot)
        self._transcribe = int(tokenizer.transcribe)
        self._no_timestamps = int(tokenizer.no_timestamps)
        self._eot = int(tokenizer.eot)
        # Whisper reads a prompt as the previous window's text, and only its last
        # half context: faster-whisper keeps the same number of tokens.
        prompt_ids = (
            self._hf_tokenizer.encode(" " + initial_prompt.strip(), add_special_tokens=False).ids
            if initial_prompt.strip()
            else []
        )
        self._previous = (
            [int(tokenizer.sot_prev), *prompt_ids[-(MAX_LENGTH // 2 - 1) :]] if prompt_ids else []
        )
        self._suppress = list(get_suppressed_tokens(tokenizer, [-1]) or [])
        self._languages = tuple(self._whisper.supported_languages)
        self._min_frames = min(MAX_FRAMES, _even(round(min_window_s * INPUT_RATE / HOP)))
        self._silence_level = 10.0 ** (silence_dbfs / 20.0)
        self._beam_size = beam_size
        self._quiet_peak = None if quiet_peak_dbfs is None else 10.0 ** (quiet_peak_dbfs / 20.0)
        self._fallbacks = 0
        self._count_lock = threading.Lock()
        self.path = path
        log.info(
            "loaded Whisper %s (%s, %s, %d workers x %d threads)",
            path,
            "multilingual" if self._multilingual else "English-only",
            compute_type,
            num_workers,
            threads,
        )

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages it can hear: ``("en",)`` for ``.en`` models, else Whisper's list."""
        return self._languages

    @property
    def fallbacks(self) -> int:
        """How many windows were decoded again on 30 s because the short window looped."""
        return self._fallbacks

    def transcribe(self, audio: Samples, language: str | None = None) -> str:
        """The text spoken in ``audio``, or an empty string when nobody speaks.

        Args:
            audio: Mono float samples in [-1, 1] at 16 kHz, of any length; audio
                longer than 28 s is transcribed in chunks cut at quiet moments.
            language: ISO 639-1 code or BCP-47 tag (``en``, ``en-US``); ``None``
                means English for ``.en`` models and detection for multilingual ones.

        Returns:
            The transcript, stripped, or ``""`` for silence and non-speech.

        Raises:
            ValueError: ``audio`` is not one-dimensional, or the model does not
                know ``language``.
        """
        return self.hear(audio, language).text

    def hear(self, audio: Samples, language: str | None = None, among: tuple[str, ...] = ()) -> Heard:
        """The text spoken in ``audio`` and the language it was heard in.

        Args:
            audio: As for :meth:`transcribe`.
            language: As for :meth:`transcribe`; ``None`` detects the language
                (multilingual models) from the first 28 s.
            among: When detecting, the languages (ISO 639-1) to choose from, e.g.
                those the server can answer in; empty means any the model knows.

        Returns:
            The transcript, and the language asked for or detected (``en`` for
            ``.en`` models, and for silence when detecting).

        Raises:
            ValueError: As for :meth:`transcribe`.
        """
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"audio must be mono (one-dimensional), not of shape {samples.shape}")
        code = self._language_code(language)
        allowed = frozenset(primary(other) for other in among) & frozenset(self._languages)
        texts: list[str] = []
        for chunk in _chunks(samples):
            text, heard = self._transcribe_window(chunk, code, allowed)
            code = code or heard  # one language for the whole audio
            texts.append(text)
        return Heard(" ".join(text for text in texts if text), code or "en")

    def glimpse(self, audio: Samples, language: str | None = None) -> str:
        """A quick look at the first words of speech that goes on: greedy, on a short window.

        For a partial recognition that only has to tell words from a backchannel
        while a reply plays: about 0.85 of :meth:`transcribe`'s time (``openlive
        bench asr``: 8 s greedy against 8 s beam 2), with no second decoding when the
        window loops. Audio beyond one window is not looked at.

        Args:
            audio: Mono float samples in [-1, 1] at 16 kHz.
            language: As for :meth:`transcribe`; ``None`` is English for ``.en``
                models and detection for multilingual ones.

        Raises:
            ValueError: As for :meth:`transcribe`.
        """
        samples = np.asarray(audio, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"audio must be mono (one-dimensional), not of shape {samples.shape}")
        samples = samples[: int(MAX_CHUNK_S * INPUT_RATE)]
        if self._is_silent(samples):
            return ""
        code = self._language_code(language)
        window = _even(round(GLIMPSE_WINDOW_S * INPUT_RATE / HOP))
        frames = min(MAX_FRAMES, max(window, _even(-(-samples.size // HOP) + round(TAIL_SILENCE_S * 100))))
        max_new = min(MAX_LENGTH // 2 - 4, TOKENS_BASE + int(TOKENS_PER_SECOND * samples.size / INPUT_RATE))
        text, *_, logprob = self._decode(samples, frames, code, max_new, frozenset(), beam_size=1)
        return text if logprob >= GLIMPSE_MIN_LOGPROB else ""

    def _language_code(self, language: str | None) -> str | None:
        """Whisper's code for a language tag; ``None`` (detect) only for multilingual models."""
        if language is None:
            return None if self._multilingual else "en"
        code = primary(language)
        if code not in self._languages:
            raise ValueError(
                f"the Whisper model {self.path.name!r} does not know language {language!r}; "
                f"it knows {', '.join(self._languages[:12])}{', ...' if len(self._languages) > 12 else ''}"
            )
        return code

    def _is_silent(self, samples: Samples) -> bool:
        frame = INPUT_RATE // 40  # 25 ms
        usable = samples.size - samples.size % frame
        if usable == 0:
            return bool(samples.size == 0 or np.sqrt(np.mean(samples**2)) < self._silence_level)
        power = np.mean(samples[:usable].reshape(-1, frame) ** 2, axis=1)
        return bool(np.sqrt(power.max()) < self._silence_level)

    def _transcribe_window(
        self, samples: Samples, language: str | None, among: frozenset[str]
    ) -> tuple[str, str | None]:
        if self._is_silent(samples):
            return "", language
        speech_frames = -(-samples.size // HOP)
        frames = min(MAX_FRAMES, max(self._min_frames, _even(speech_frames + round(TAIL_SILENCE_S * 100))))
        max_new = min(MAX_LENGTH // 2 - 4, TOKENS_BASE + int(TOKENS_PER_SECOND * samples.size / INPUT_RATE))
        text, hit_budget, repeats, language, _ = self._decode(samples, frames, language, max_new, among)
        if frames < MAX_FRAMES and (
            hit_budget or (repeats and frames * HOP <= REPEAT_CHECK_MAX_S * INPUT_RATE)
        ):
            with self._count_lock:
                self._fallbacks += 1
            log.debug("short window (%d frames) repeated itself; decoding on 30 s", frames)
            text = self._decode(samples, MAX_FRAMES, language, max_new, among)[0]
        return text, language

    def _decode(
        self,
        samples: Samples,
        frames: int,
        language: str | None,
        max_new: int,
        among: frozenset[str],
        beam_size: int | None = None,
    ) -> tuple[str, bool, bool, str, float]:
        """Decode one window of ``frames`` mel frames, detecting its language if ``language`` is None.

        Returns:
            The text; whether it used up the ``max_new`` token budget (a runaway
            loop); whether it ends in a repeated block (a short window's loop, or
            speech that really repeats). ``max_length`` is twice the budget plus the
            prompt because CTranslate2 4.x stops Whisper after ``max_length // 2``
            new tokens (measured); were that to change, a runaway would still reach
            the budget. The language decoded in. Last, the tokens' mean log-probability.
        """
        import ctranslate2

        padded = np.zeros(frames * HOP, dtype=np.float32)
        padded[: samples.size] = lift_quiet(samples, self._quiet_peak)
        mel = self._features(padded, padding=0)[:, :frames]
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[np.newaxis], np.float32))
        if language is None:
            features = self._model.encode(features)
            ranked = [str(token)[2:-2] for token, _ in self._model.detect_language(features)[0]]
            language = next((code for code in ranked if not among or code in among), ranked[0])
        prompt = [*self._previous, self._sot]
        if self._multilingual:
            prompt += [int(self._hf_tokenizer.token_to_id(f"<|{language}|>")), self._transcribe]
        prompt.append(self._no_timestamps)
        result = self._model.generate(
            features,
            [prompt],
            beam_size=beam_size or self._beam_size,
            max_length=min(MAX_LENGTH, len(prompt) + 2 * max_new),
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self._suppress,
        )[0]
        tokens = [int(t) for t in result.sequences_ids[0] if t < self._eot]
        avg_logprob = float(result.scores[0]) * len(tokens) / (len(tokens) + 1)
        if float(result.no_speech_prob) > NO_SPEECH_THRESHOLD and avg_logprob < LOGPROB_THRESHOLD:
            return "", False, False, language, avg_logprob
        text = str(self._hf_tokenizer.decode(tokens)).strip()
        return text, len(tokens) >= max_new, _ends_in_repeat(tokens), language, avg_logprob


def lift_quiet(samples: Samples, target_peak: float | None, max_lift_db: float = MAX_LIFT_DB) -> Samples:
    """``samples`` raised so that their peak reaches ``target_peak``, when it is below it.

    Args:
        samples: Mono float samples in [-1, 1].
        target_peak: The peak (linear, 0-1) to raise quieter audio to; ``None`` changes nothing.
        max_lift_db: The largest gain applied, in dB.

    Returns:
        The same array when it is loud enough (or silent, or ``target_peak`` is ``None``),
        else a raised copy.
    """
    if target_peak is None or samples.size == 0:
        return samples
    peak = float(np.max(np.abs(samples)))
    if peak <= 0.0 or peak >= target_peak:
        return samples
    gain = min(target_peak / peak, 10.0 ** (max_lift_db / 20.0))
    return (samples * np.float32(gain)).astype(np.float32, copy=False)


def _even(frames: int) -> int:
    return frames + frames % 2


def _ends_in_repeat(tokens: list[int]) -> bool:
    """Whether the tokens end with a block twice in a row (``A B A B``), or one token thrice.

    A single word said twice ("no no", "bye bye") is ordinary speech; a longer
    block said twice at the very end is how a short window's loop shows itself.
    """
    n = len(tokens)
    if n >= 3 and tokens[-1] == tokens[-2] == tokens[-3]:
        return True
    return any(tokens[n - 2 * p : n - p] == tokens[n - p :] for p in range(2, n // 2 + 1))


def _chunks(samples: Samples) -> list[Samples]:
    """Cut audio longer than ``MAX_CHUNK_S`` at the quietest moment near each chunk's end."""
    limit = int(MAX_CHUNK_S * INPUT_RATE)
    search = int(CUT_SEARCH_S * INPUT_RATE)
    width = int(CUT_FRAME_S * INPUT_RATE)
    chunks: list[Samples] = []
    start = 0
    while samples.size - start > limit:
        region = samples[start + limit - search : start + limit]
        power = np.concatenate(([0.0], np.cumsum(region.astype(np.float64) ** 2)))
        energy = power[width:] - power[:-width]  # of each ``width`` samples
        cut = start + limit - search + int(np.argmin(energy)) + width // 2
        chunks.append(samples[start:cut])
        start = cut
    chunks.append(samples[start:])
    return chunks
