from pathlib import Path

import pytest

from openlive.engines.packaged import PACKAGED_LLMS, QWEN_05B, QWEN_15B, packaged_llm_path
from openlive.errors import ConfigError


def test_an_unknown_name_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="qwen-0.5b"):
        packaged_llm_path("gpt-5", tmp_path)


def test_split_models_are_pinned_to_their_sizes_and_hashes() -> None:
    assert QWEN_05B.size == 491_400_064 and len(QWEN_05B.parts) == 6
    assert QWEN_15B.size == 1_117_320_768 and len(QWEN_15B.parts) == 22
    for asset in (QWEN_05B, QWEN_15B):
        assert len(asset.sha256) == 64 and int(asset.sha256, 16)
        assert [p for _, p in asset.parts] == [
            f"data/part{n:02d}.bin" for n in range(1, len(asset.parts) + 1)
        ]
    assert set(PACKAGED_LLMS) == {"smollm2", "qwen-0.5b", "qwen-1.5b"}


def test_missing_part_packages_name_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openlive.engines.assets as assets

    def missing(package: str, relative: str) -> Path:
        raise ConfigError(f"the embedded model package {package!r} is not installed")

    monkeypatch.setattr(assets, "package_file", missing)
    with pytest.raises(ConfigError, match=r"pip install -e '\.\[qwen15\]'"):
        packaged_llm_path("qwen-1.5b", tmp_path)
