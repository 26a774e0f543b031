"""``openlive bench asr``: its configurations, its set, and a run with a scripted recogniser."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from openlive.bench.asr import (
    DEFAULT_CONFIGS,
    KINDS,
    AsrConfig,
    Synthesizer,
    format_table,
    main,
    parse_config,
    run_configs,
    to_json,
)
from openlive.bench.asr_set import (
    EN_VOICES,
    HELDOUT_GAINS_DB,
    HELDOUT_VOICES,
    PIPER_VOICES,
    SETS,
    SPEEDS,
    speech_set,
)
from openlive.engines.audio_base import Heard, Samples


def test_a_configuration_reads_its_model_and_settings() -> None:
    assert parse_config("tiny.en") == AsrConfig("tiny.en", "tiny.en")
    config = parse_config("base:window=4.5:beam=3:detect=1:workers=1:prompt=Hello, Sam.")
    assert (config.model, config.window_s, config.beam, config.detect, config.workers, config.prompt) == (
        "base",
        4.5,
        3,
        True,
        1,
        "Hello, Sam.",
    )
    for spec in DEFAULT_CONFIGS:
        parse_config(spec)
    assert parse_config("tiny.en").level == -6.0
    assert parse_config("tiny.en:level=off").level is None
    assert parse_config("tiny.en:level=-12").level == -12.0


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("", "names no model"),
        ("base:window", "is not key=value"),
        ("base:speed=2", "unknown key 'speed'"),
        ("base:beam=two", "bad value for beam"),
        ("base:level=loud", "bad value for level"),
    ],
)
def test_a_bad_configuration_is_refused_saying_why(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_config(spec)


@pytest.mark.parametrize(
    "argv", [["--sets", "xx"], ["--limit", "0"], ["--config", "base:beam=x"], ["--sets", ","]]
)
def test_bad_arguments_exit_with_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "openlive bench asr:" in capsys.readouterr().err


def test_the_set_is_broad() -> None:
    english = speech_set("en")
    assert len(english) >= 60
    assert {item.kind for item in english} == {"short", "number", "name", "question", "statement"}
    # Every voice, Piper's included, is heard at every speed.
    assert {(item.voice, item.speed) for item in english} == {(v, s) for v in EN_VOICES for s in SPEEDS}
    assert all(voice in EN_VOICES for voice in PIPER_VOICES)
    for name in SETS:
        assert {item.language for item in speech_set(name)} == {name.split("-")[0]}
    with pytest.raises(ValueError, match="no speech set"):
        speech_set("xx")


def test_the_held_out_set_shares_no_sentence_or_voice_with_the_first() -> None:
    first, held_out = speech_set("en"), speech_set("en-heldout")
    assert len(held_out) >= 60
    assert {item.kind for item in held_out} == set(KINDS)
    assert not {item.text for item in first} & {item.text for item in held_out}
    # Piper is the one voice both use; hibari's styles and the espeak-ng voices are new.
    assert {item.voice for item in first} & {item.voice for item in held_out} == {"piper:joe"}
    assert {item.engine for item in held_out} == {"espeak-ng", "hibari", "piper"}
    # Every voice at every speed, and at more than one level.
    assert {(item.voice, item.speed) for item in held_out} == {(v, s) for v in HELDOUT_VOICES for s in SPEEDS}
    for voice in HELDOUT_VOICES:
        assert len({item.gain_db for item in held_out if item.voice == voice}) >= 3
    assert {item.gain_db for item in held_out} == set(HELDOUT_GAINS_DB)
    assert {item.gain_db for item in first} == {0.0}


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng makes the speech set")
def test_an_utterance_is_synthesized_at_its_level() -> None:
    item = next(item for item in speech_set("en-heldout") if item.engine == "espeak-ng")
    loud, quiet = (Synthesizer().audio(dataclasses.replace(item, gain_db=gain)) for gain in (0.0, -20.0))
    assert loud.size == quiet.size
    assert float(np.max(np.abs(quiet))) == pytest.approx(0.1 * float(np.max(np.abs(loud))), rel=1e-3)


def test_hibari_speaks_the_held_out_sets_sentences() -> None:
    pytest.importorskip("hibari")
    item = next(item for item in speech_set("en-heldout") if item.engine == "hibari")
    synthesizer = Synthesizer()
    slow, fast = (synthesizer.audio(dataclasses.replace(item, speed=speed)) for speed in ("slow", "fast"))
    # Speech at the set's rate (16 kHz), the slow one longer.
    assert 0.5 < fast.size / 16_000 < slow.size / 16_000 < 10


class ScriptedAsr:
    """Hears the first word of every reference wrong, in English only."""

    languages = ("en",)

    def __init__(self, expected: list[str]) -> None:
        self.calls: list[tuple[float, str | None]] = []
        self.expected = expected

    def hear(self, audio: Samples, language: str | None = None, among: tuple[str, ...] = ()) -> Heard:
        self.calls.append((audio.size / 16_000, language))
        return Heard(" ".join(["wrong", *self.expected.pop(0).split()[1:]]), "en")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng makes the speech set")
def test_a_run_scores_each_utterance_and_skips_languages_a_model_cannot_hear(tmp_path: Path) -> None:
    items = speech_set("en")[:3]
    asr = ScriptedAsr(["warm up"] + [item.text for item in items])
    results = run_configs(
        [parse_config("scripted")],
        ["en", "de"],
        tmp_path,
        limit=3,
        progress=lambda _: None,
        build=lambda c, d: asr,
    )
    english, german = results
    assert german.skipped == "scripted does not hear de" and not german.utterances
    assert [u.item for u in english.utterances] == items
    # Each utterance is real speech with silence around it, heard in its language.
    assert all(seconds > 0.5 and language == "en" for seconds, language in asr.calls[1:])
    # "Yes." / "No." / "Mhm." each with its first word wrong: 2 errors over 2 words (mhm is a filler).
    assert [u.errors for u in english.utterances] == [1, 1, 1]
    assert english.wer() == pytest.approx(3 / 2)
    table = format_table(results)
    assert "scripted" in table and "150.0 %" in table and "does not hear de" in table
    data = to_json(results, {})
    assert data["results"][0]["utterances"][0]["transcript"] == "wrong"
