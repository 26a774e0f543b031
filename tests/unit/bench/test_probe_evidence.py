"""The training's store of the judge model's evidence: computed once, kept in its file, lean aside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openlive.bench.probe_evidence import EvidenceCache


def test_evidence_is_computed_once_and_read_back_from_its_file(tmp_path: Path) -> None:
    computed: list[str] = []

    def compute(key: str) -> tuple[float, list[float]]:
        computed.append(key)
        return 1.5, [0.25, -1.0]

    path = tmp_path / "evidence.npz"
    cache = EvidenceCache(lean=-0.5, path=path)
    odds, state = cache.get("a", lambda: compute("a"))
    assert odds == pytest.approx(1.5) and list(state) == [0.25, -1.0]
    cache.get("a", lambda: compute("a"))
    assert computed == ["a"]
    cache.save()
    # Read back by a scorer with another lean: the odds come back less that lean.
    again = EvidenceCache(lean=0.5, path=path)
    odds, state = again.get("a", lambda: compute("again"))
    assert computed == ["a"] and odds == pytest.approx(0.5) and np.allclose(state, [0.25, -1.0])


def test_without_a_file_nothing_is_kept_between_runs(tmp_path: Path) -> None:
    cache = EvidenceCache(lean=0.0, path=None)
    cache.get("a", lambda: (0.0, [1.0]))
    cache.save()
    assert list(tmp_path.iterdir()) == []
