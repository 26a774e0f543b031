"""``openlive bench asr``: its configurations, its set, and a run with a scripted recogniser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from openlive.bench.asr import (
    DEFAULT_CONFIGS,
    AsrConfig,
    format_table,
    main,
    parse_config,
    run_configs,
    to_json,
)
from openlive.bench.asr_set import EN_VOICES, PIPER_VOICES, SETS, SPEEDS, speech_set
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


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("", "names no model"),
        ("base:window", "is not key=value"),
        ("base:speed=2", "unknown key 'speed'"),
        ("base:beam=two", "bad value for beam"),
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
    for language in SETS:
        assert {item.language for item in speech_set(language)} == {language}
    with pytest.raises(ValueError, match="no speech set"):
        speech_set("xx")


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
