"""``build_speech``: the recogniser is built with the settings' window and beam."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openlive.config import Settings
from openlive.engines.whisper import DEFAULT_BEAM_SIZE, DEFAULT_MIN_WINDOW_S
from openlive.server.run import build_speech


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Replaces the engines with recorders, so that no model is loaded."""
    calls: list[dict[str, Any]] = []

    def whisper(model_dir: Path, **kwargs: Any) -> str:
        calls.append(kwargs)
        return "asr"

    monkeypatch.setattr("openlive.engines.whisper.WhisperAsr", whisper)
    monkeypatch.setattr("openlive.engines.whisper_models.whisper_model_dir", lambda name, data: tmp_path)
    monkeypatch.setattr("openlive.engines.silero.SileroVad", lambda: "vad")
    monkeypatch.setattr("openlive.engines.voice_cast.packaged_cast", lambda: "tts")
    monkeypatch.setattr("openlive.engines.speech.RoutingTts", lambda engines: "routing")
    return calls


def test_the_default_recogniser_uses_the_engines_defaults(
    built: list[dict[str, Any]], tmp_path: Path
) -> None:
    build_speech(Settings(data_dir=str(tmp_path), espeak=False, turn_model=False))
    assert built == [{"num_workers": 2, "min_window_s": DEFAULT_MIN_WINDOW_S, "beam_size": DEFAULT_BEAM_SIZE}]


def test_the_settings_choose_the_window_and_beam(built: list[dict[str, Any]], tmp_path: Path) -> None:
    build_speech(
        Settings(data_dir=str(tmp_path), espeak=False, turn_model=False, asr_window_s=12, asr_beam=4)
    )
    assert built == [{"num_workers": 2, "min_window_s": 12, "beam_size": 4}]
