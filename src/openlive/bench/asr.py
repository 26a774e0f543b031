"""``openlive bench asr``: word error rate and recognition time of speech recognisers.

Each configuration (a packaged Whisper model or a model directory, with its
window and decoding settings) hears the same synthesized speech set
(:mod:`openlive.bench.asr_set`), one utterance at a time, built as the server
builds it (two workers of one thread each on two cores, so one utterance uses
one thread). The table gives the word error rate over the whole set and by kind
of sentence, and the recognition time per utterance. With ``detect=1`` the
language is not given but detected among the languages the Live API lists, as
for a native-audio model name without a ``languageCode``; the table then also
says how often the language was right.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from openlive.audio import pcm16_to_float, resample
from openlive.bench.asr_set import ESPEAK_WPM, PIPER_LENGTH, PIPER_PREFIX, SETS, SpokenItem, speech_set
from openlive.bench.wer import normalise, word_error_rate, word_errors
from openlive.engines.audio_base import INPUT_RATE, LIVE_API_LANGUAGES, Heard, Samples
from openlive.engines.whisper import DEFAULT_BEAM_SIZE, DEFAULT_MIN_WINDOW_S, DEFAULT_QUIET_PEAK_DBFS

DEFAULT_CONFIGS = (
    "tiny.en",
    "tiny.en:window=8:beam=1",
    "tiny.en:window=12:beam=4",
    "tiny.en:window=30",
    "base",
    "base:detect=1",
)
"""What ``openlive bench asr`` compares when given no ``--config``: the server's default
(tiny.en, 8 s window, beam 2), the setting before the bench (8 s, greedy), the more
accurate and slower 12 s with beam 4, Whisper's own
30 s window, and the multilingual base model told and detecting the language."""

LEAD_S = 0.2
TAIL_S = 0.3
"""Silence around each utterance, about what the server's end-of-speech detection hands over."""

KINDS = ("short", "number", "name", "question", "statement")

DESCRIPTION = f"""\
Word error rate and recognition time of speech recognisers, on a synthesized speech
set of {len(speech_set("en"))} English utterances (7 espeak-ng voices and the Piper voice,
3 speeds: short answers, numbers, names, questions, commands) and, for multilingual
models, {len(speech_set("de"))} German and {len(speech_set("fr"))} French ones (espeak-ng). A held-out
English set (en-heldout) of {len(speech_set("en-heldout"))} other utterances adds other voices (espeak-ng,
hibari, Piper) and levels down to 30 dB below full scale; en-quiet is the first set
30 dB down. Transcripts and
references are normalised as Whisper's evaluations do (case, punctuation, numbers
in words or digits).

A configuration is MODEL[:key=value...]. MODEL is a packaged model (tiny.en, base)
or a faster-whisper model directory. Keys:
  window=S   shortest encoder window in seconds (default 8; 30 = Whisper's own)
  beam=N     beam width (default 2; 1: greedy)
  prompt=T   initial prompt (Whisper's initial_prompt), e.g. prompt=Hello, how are you?
  detect=1   detect the language (native-audio sessions without a languageCode)
  workers=N  model replicas, as the server's (default 2; cores / workers threads each)
  level=DB   raise windows whose peak is quieter than DB dBFS to it (default -6; off: as they come)
Default: {" ".join(DEFAULT_CONFIGS)}"""


@dataclass(frozen=True)
class AsrConfig:
    """One recogniser setting to measure.

    Attributes:
        spec: The configuration as written (``base:window=8:beam=2``).
        model: A packaged model name or a model directory.
        window_s: Shortest encoder window.
        beam: Beam width.
        prompt: Initial prompt.
        detect: Detect the language instead of giving it.
        workers: Model replicas.
        level: Peak (dBFS) that quieter windows are raised to; ``None``: as they come.
    """

    spec: str
    model: str
    window_s: float = DEFAULT_MIN_WINDOW_S
    beam: int = DEFAULT_BEAM_SIZE
    prompt: str = ""
    detect: bool = False
    workers: int = 2
    level: float | None = DEFAULT_QUIET_PEAK_DBFS


def parse_config(spec: str) -> AsrConfig:
    """Read ``MODEL[:key=value...]``.

    Raises:
        ValueError: An unknown key or a bad value.
    """
    model, *options = spec.split(":")
    if not model:
        raise ValueError(f"configuration {spec!r} names no model")
    values: dict[str, Any] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise ValueError(f"configuration {spec!r}: {option!r} is not key=value")
        try:
            if key == "window":
                values["window_s"] = float(value)
            elif key == "beam":
                values["beam"] = int(value)
            elif key == "prompt":
                values["prompt"] = value
            elif key == "detect":
                values["detect"] = value not in ("0", "false", "no", "")
            elif key == "workers":
                values["workers"] = int(value)
            elif key == "level":
                values["level"] = None if value == "off" else float(value)
            else:
                raise ValueError(f"configuration {spec!r}: unknown key {key!r}")
        except ValueError as error:
            if "unknown key" in str(error):
                raise
            raise ValueError(f"configuration {spec!r}: bad value for {key}: {value!r}") from error
    return AsrConfig(spec, model, **values)


@dataclass
class UtteranceResult:
    """One utterance heard by one configuration."""

    item: SpokenItem
    audio_s: float
    transcript: str
    language: str
    seconds: float
    reference_words: list[str]
    heard_words: list[str]

    @property
    def errors(self) -> int:
        """Word errors against the reference."""
        return word_errors(self.reference_words, self.heard_words)


@dataclass
class SetResult:
    """One configuration on one language's set."""

    config: str
    language: str
    utterances: list[UtteranceResult] = field(default_factory=list)
    skipped: str = ""

    def wer(self, kind: str | None = None) -> float:
        """Word error rate over the set, or over one kind of sentence."""
        chosen = [u for u in self.utterances if kind is None or u.item.kind == kind]
        return word_error_rate([(u.reference_words, u.heard_words) for u in chosen])

    def language_accuracy(self) -> float:
        """Share of utterances heard in the language spoken."""
        if not self.utterances:
            return 0.0
        return sum(u.language == u.item.language for u in self.utterances) / len(self.utterances)

    def times_ms(self) -> list[float]:
        """Recognition time of each utterance, in milliseconds."""
        return [1000 * u.seconds for u in self.utterances]


# -- speech --------------------------------------------------------------------------


class Synthesizer:
    """Makes the set's audio: espeak-ng voices through the command, Piper voices in process."""

    def __init__(self) -> None:
        self._piper: dict[str, Any] = {}
        self._hibari: Any = None

    def audio(self, item: SpokenItem) -> Samples:
        """The utterance at 16 kHz and its level, with :data:`LEAD_S` and :data:`TAIL_S` of silence."""
        if item.engine == "piper":
            samples, rate = self._piper_audio(item)
        elif item.engine == "hibari":
            samples, rate = self._hibari_audio(item)
        else:
            from openlive.bench.speech import espeak_pcm

            pcm, rate = espeak_pcm(item.text, item.voice, ESPEAK_WPM[item.speed])
            samples = pcm16_to_float(pcm)
        samples = resample(samples, rate, INPUT_RATE)
        loud = np.nonzero(np.abs(samples) > 0.01)[0]
        if loud.size:
            samples = samples[loud[0] : loud[-1] + 1]
        lead, tail = (
            np.zeros(int(LEAD_S * INPUT_RATE), np.float32),
            np.zeros(int(TAIL_S * INPUT_RATE), np.float32),
        )
        samples = samples * np.float32(10.0 ** (item.gain_db / 20.0))
        return np.concatenate([lead, samples, tail]).astype(np.float32)

    def _hibari_audio(self, item: SpokenItem) -> tuple[Samples, int]:
        import threading

        from openlive.bench.asr_set import HIBARI_PREFIX, HIBARI_SPEED
        from openlive.engines.audio_base import OUTPUT_RATE
        from openlive.engines.hibari_tts import HIBARI_STYLES, HibariTts, HibariVoiceStyle

        if self._hibari is None:
            # One voice name per style and speed: the style's own speed times the set's.
            styles = {
                f"{name}/{speed}": HibariVoiceStyle(style.pitch, style.formant, style.speed * factor)
                for name, style in HIBARI_STYLES.items()
                for speed, factor in HIBARI_SPEED.items()
            }
            self._hibari = HibariTts(styles=styles)
        name = f"{item.voice.removeprefix(HIBARI_PREFIX)}/{item.speed}"
        chunks = list(self._hibari.synthesize(item.text, name, "en-US", threading.Event()))
        return np.concatenate(chunks), OUTPUT_RATE

    def _piper_audio(self, item: SpokenItem) -> tuple[Samples, int]:
        from piper import PiperVoice, SynthesisConfig

        name = item.voice.removeprefix(PIPER_PREFIX)
        if name not in self._piper:
            self._piper[name] = PiperVoice.load(_piper_voice_path(name))
        voice = self._piper[name]
        config = SynthesisConfig(length_scale=PIPER_LENGTH[item.speed], noise_w_scale=0.0)
        chunks = [
            np.asarray(chunk.audio_float_array, dtype=np.float32)
            for chunk in voice.synthesize(item.text, syn_config=config)
        ]
        return np.concatenate(chunks), int(voice.config.sample_rate)


def _piper_voice_path(name: str) -> Path:
    if name == "joe":
        from openlive.engines.embedded import joe_voice_path

        return joe_voice_path()
    raise ValueError(f"no Piper voice {name!r} for the speech set")


# -- running ---------------------------------------------------------------------------


def build_recogniser(config: AsrConfig, data_dir: Path) -> Any:
    """The recogniser a configuration names, built as the server builds it."""
    from openlive.engines.whisper import WhisperAsr
    from openlive.engines.whisper_models import whisper_model_dir

    return WhisperAsr(
        whisper_model_dir(config.model, data_dir),
        num_workers=config.workers,
        min_window_s=config.window_s,
        beam_size=config.beam,
        initial_prompt=config.prompt,
        quiet_peak_dbfs=config.level,
    )


DETECTABLE = tuple(dict.fromkeys(code.split("-")[0] for code in LIVE_API_LANGUAGES))
"""The languages detection chooses among: those of the Live API's list."""


def hear(recogniser: Any, config: AsrConfig, item: SpokenItem, audio: Samples) -> UtteranceResult:
    """One utterance through one recogniser, timed."""
    started = time.perf_counter()
    if config.detect:
        heard: Heard = recogniser.hear(audio, None, DETECTABLE)
    else:
        heard = recogniser.hear(audio, item.language)
    seconds = time.perf_counter() - started
    return UtteranceResult(
        item,
        audio.size / INPUT_RATE,
        heard.text,
        heard.language,
        seconds,
        normalise(item.text, item.language),
        normalise(heard.text, item.language),
    )


def run_configs(
    configs: Sequence[AsrConfig],
    languages: Sequence[str],
    data_dir: Path,
    limit: int | None = None,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
    build: Callable[[AsrConfig, Path], Any] = build_recogniser,
) -> list[SetResult]:
    """Measure each configuration on each language's set.

    The configurations take turns utterance by utterance, so that a change in the
    machine's load during the run weighs on all of them alike.
    """
    synthesizer = Synthesizer()
    sets: dict[str, list[tuple[SpokenItem, Samples]]] = {}
    for language in languages:
        items = speech_set(language)[:limit]
        progress(f"synthesizing {len(items)} {language} utterances...")
        sets[language] = [(item, synthesizer.audio(item)) for item in items]
    recognisers = []
    for config in configs:
        progress(f"loading {config.spec}...")
        recogniser = build(config, data_dir)
        # The first call pages the weights in and allocates; no user pays for that.
        first = next(iter(sets.values()))[0][1]
        recogniser.hear(first, None if config.detect or len(recogniser.languages) > 1 else "en")
        recognisers.append(recogniser)
    results: list[SetResult] = []
    for language in languages:
        row = [SetResult(config.spec, language) for config in configs]
        spoken = sets[language][0][0].language if sets[language] else language
        for result, recogniser, config in zip(row, recognisers, configs, strict=True):
            if spoken not in recogniser.languages:
                result.skipped = f"{config.model} does not hear {spoken}"
        progress(f"hearing {len(sets[language])} {language} utterances with {len(configs)} configurations...")
        for item, audio in sets[language]:
            for result, recogniser, config in zip(row, recognisers, configs, strict=True):
                if not result.skipped:
                    result.utterances.append(hear(recogniser, config, item, audio))
        for result in row:
            if not result.skipped:
                progress(f"  {result.config} on {language}: WER {100 * result.wer():.1f} %")
        results += row
    return results


# -- reporting -------------------------------------------------------------------------


def format_table(results: Sequence[SetResult]) -> str:
    """The results as a text table: WER overall and by kind, language accuracy, times."""
    header = ["config", "set", "n", "WER", *KINDS, "lang ok", "median ms", "p90 ms", "max ms"]
    rows = [header]
    for result in results:
        if result.skipped:
            rows.append([result.config, result.language, "-", result.skipped, *[""] * (len(header) - 4)])
            continue
        times = sorted(result.times_ms())
        kinds = []
        for kind in KINDS:
            chosen = [u for u in result.utterances if u.item.kind == kind]
            kinds.append(f"{100 * result.wer(kind):.0f}" if chosen else "-")
        rows.append(
            [
                result.config,
                result.language,
                str(len(result.utterances)),
                f"{100 * result.wer():.1f} %",
                *kinds,
                f"{100 * result.language_accuracy():.0f} %",
                f"{statistics.median(times):.0f}",
                f"{times[min(len(times) - 1, int(0.9 * len(times)))]:.0f}",
                f"{times[-1]:.0f}",
            ]
        )
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def to_json(results: Sequence[SetResult], meta: dict[str, Any]) -> dict[str, Any]:
    """The results with every transcript, for the JSON file."""
    return {
        "meta": meta,
        "results": [
            {
                "config": result.config,
                "set": result.language,
                "skipped": result.skipped,
                "wer": None if result.skipped else result.wer(),
                "median_ms": statistics.median(result.times_ms()) if result.utterances else None,
                "utterances": [
                    {
                        "text": u.item.text,
                        "kind": u.item.kind,
                        "voice": u.item.voice,
                        "speed": u.item.speed,
                        "gain_db": u.item.gain_db,
                        "audio_s": round(u.audio_s, 3),
                        "transcript": u.transcript,
                        "language": u.language,
                        "ms": round(1000 * u.seconds, 1),
                        "errors": u.errors,
                        "reference_words": len(u.reference_words),
                    }
                    for u in result.utterances
                ],
            }
            for result in results
        ],
    }


# -- command ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The options of ``openlive bench asr``."""
    parser = argparse.ArgumentParser(
        prog="openlive bench asr",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config", action="append", dest="configs", metavar="SPEC", help="a configuration (repeatable)"
    )
    parser.add_argument(
        "--sets", default="en,en-heldout,de,fr", help=f"sets to hear, from {', '.join(SETS)} (default all)"
    )
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N utterances of each set")
    parser.add_argument(
        "--data-dir", metavar="DIR", help="where split models are assembled (openlive's data dir)"
    )
    parser.add_argument(
        "--json",
        default="openlive-bench-asr.json",
        metavar="FILE",
        help="write every transcript here ('' for none)",
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """Run ``openlive bench asr``; returns the exit status (2 for bad arguments, 1 on failure)."""
    args = build_parser().parse_args(list(argv))
    try:
        configs = [parse_config(spec) for spec in (args.configs or DEFAULT_CONFIGS)]
        languages = [code.strip() for code in args.sets.split(",") if code.strip()]
        unknown = [code for code in languages if code not in SETS]
        if unknown or not languages:
            raise ValueError(f"--sets: choose from {', '.join(SETS)}")
        if args.limit is not None and args.limit < 1:
            raise ValueError("--limit must be at least 1")
    except ValueError as error:
        print(f"openlive bench asr: {error}", file=sys.stderr)
        return 2
    from openlive.config import Settings
    from openlive.errors import ConfigError

    settings = Settings(data_dir=args.data_dir or "")
    started = time.time()
    load = list(_load())
    try:
        results = run_configs(configs, languages, settings.resolved_data_dir(), args.limit)
    except (ConfigError, RuntimeError, OSError) as error:
        print(f"openlive bench asr: {error}", file=sys.stderr)
        return 1
    print(format_table(results))
    if args.json:
        meta = {
            "command": ["openlive", "bench", "asr", *argv],
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
            "elapsed_s": round(time.time() - started, 1),
            "load_average_at_start": load,
        }
        Path(args.json).write_text(json.dumps(to_json(results, meta), indent=1, ensure_ascii=False))
        print(f"\ntranscripts: {args.json}")
    return 0


def _load() -> tuple[float, ...]:
    import os

    return os.getloadavg() if hasattr(os, "getloadavg") else ()
