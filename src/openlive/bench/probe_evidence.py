"""The judge model's evidence for a probe's training, kept in a file between runs.

Computing the judge model's odds and state takes 0.1-0.3 s a case; a training
run reads thousands. Both probe trainings (:mod:`openlive.bench.address_training`,
:mod:`openlive.bench.listener_training`) keep them here, by a key of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


class EvidenceCache:
    """Each case's odds (kept without the scorer's lean) and state, in an ``.npz`` file.

    Args:
        lean: The scorer's lean: computed odds come with it subtracted, and are
            given back that way.
        path: The file; ``None``: kept in memory only.
    """

    def __init__(self, lean: float, path: Path | None) -> None:
        self._lean = lean
        self._path = path
        self._kept: dict[str, np.ndarray[Any, Any]] = {}
        if path and path.exists():
            with np.load(path) as kept:
                self._kept = dict(zip(kept["keys"].tolist(), kept["inputs"], strict=True))

    def get(self, key: str, compute: Callable[[], tuple[float, Any]]) -> tuple[float, np.ndarray[Any, Any]]:
        """The odds (less the lean) and the state for ``key``, computed by ``compute`` the first time."""
        if key not in self._kept:
            odds, state = compute()
            self._kept[key] = np.concatenate([[odds + self._lean], np.asarray(state, dtype=np.float64)])
        kept = self._kept[key]
        return float(kept[0]) - self._lean, kept[1:]

    def save(self) -> None:
        """Keep what was computed so far in the file."""
        if self._path:
            keys = sorted(self._kept)
            with self._path.open("wb") as out:
                np.savez(out, keys=np.asarray(keys), inputs=np.stack([self._kept[k] for k in keys]))
