"""Train proactive audio's classifier (:mod:`openlive.pipeline.address_model`), and score it.

Training data: ``data/proactive_train_*.json`` (written words) and the tuning
splits of ``data/proactive.json`` (dev, held_out). The regularisation is chosen
by cross-validation on the training data alone, and so is the decision offset
(:func:`choose_offset`). The test splits are then scored, never trained on, from what
Whisper heard (``--heard``, the file ``openlive bench proactive --heard`` writes).

With ``--speak`` the written sets are spoken too (:data:`TRAIN_VOICES`) and
what Whisper heard is a training case as well: the probe then learns from the
words as the server will see them, misheard words included.

Run: ``python -m openlive.bench.address_training --heard heard.json --speak [--write]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.bench.proactive import hearing
from openlive.engines.base import ChatMessage
from openlive.pipeline.address_model import WEIGHTS_FILE, AddressModel, fit, probe_inputs
from openlive.pipeline.proactivity import (
    SCORER_LEANS,
    StateScorer,
    address_cues,
    assistant_names,
    question_evidence,
)

TRAIN_SPLITS = ("dev", "held_out")
TEST_SPLITS = ("test", "test2", "test3", "test4", "test5", "test6")
L2_CHOICES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5
# The decision offset: searched from 0 to MAX_OFFSET (towards answering) by OFFSET_STEP.
MAX_OFFSET = 3.0
OFFSET_STEP = 0.05
ACCURACY_SLACK = 0.005
JUDGE = "qwen-0.5b"
# The voices the written training sets are spoken in (--speak), in turn.
TRAIN_VOICES = (
    "en-us", "Puck", "en-gb", "Kore", "en-us+f3", "Charon", "en-gb-scotland", "Aoede",
    "en-gb+m3", "Fenrir", "en-029", "Leda", "en-us-nyc", "Orus", "en-gb-x-rp", "Zephyr",
)  # fmt: skip


def _data(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        resources.files("openlive.bench").joinpath(f"data/{name}").read_text()
    )
    return loaded


def training_items() -> list[dict[str, Any]]:
    """The written training sets, then the evaluation set's tuning splits."""
    items: list[dict[str, Any]] = []
    for entry in sorted(resources.files("openlive.bench").joinpath("data").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("proactive_train_") and entry.name.endswith(".json"):
            items += _data(entry.name)["items"]
    items += [i for i in _data("proactive.json")["items"] if i["split"] in TRAIN_SPLITS]
    return items


def messages_of(item: dict[str, Any], words: str) -> list[ChatMessage]:
    """The conversation as the judge reads it: earlier turns, then the words heard."""
    history = [ChatMessage("assistant" if r == "model" else "user", t) for r, t in item["context"]]
    return [*history, ChatMessage("user", words)]


class Featurizer:
    """Each case's probe inputs (the judge model's odds and state), kept in a file between runs."""

    def __init__(self, scorer: StateScorer, cache: Path | None) -> None:
        self._scorer = scorer
        self._cache_path = cache
        self._cache: dict[str, np.ndarray[Any, Any]] = {}
        if cache and cache.exists():
            with np.load(cache) as kept:
                self._cache = dict(zip(kept["keys"].tolist(), kept["inputs"], strict=True))

    def __call__(self, messages: Sequence[ChatMessage]) -> np.ndarray[Any, Any]:
        """The probe's inputs for the last user message of ``messages``."""
        key = hashlib.sha256(json.dumps([(m.role, m.content) for m in messages]).encode()).hexdigest()
        if key not in self._cache:
            odds, state = question_evidence(self._scorer, messages)
            self._cache[key] = probe_inputs(odds + self._scorer.lean, state)  # kept without the lean
        inputs = self._cache[key].copy()
        inputs[0] -= self._scorer.lean
        return inputs

    def old_margin(self, messages: Sequence[ChatMessage]) -> float:
        """The hand-weighed judgment's margin (the odds and the cues), for comparison."""
        return float(self(messages)[0]) + address_cues(messages[-1].content, assistant_names("")).margin

    def save(self) -> None:
        """Keep the inputs computed so far."""
        if self._cache_path:
            keys = sorted(self._cache)
            with self._cache_path.open("wb") as out:
                np.savez(out, keys=np.asarray(keys), inputs=np.stack([self._cache[k] for k in keys]))


def _folds(n: int, folds: int, seed: int = 7) -> list[np.ndarray[Any, Any]]:
    order = np.random.default_rng(seed).permutation(n)
    return [order[k::folds] for k in range(folds)]


def cross_validated(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], l2: float) -> np.ndarray[Any, Any]:
    """Each case's log-odds from a model trained on the other folds."""
    out = np.zeros(len(y))
    for held in _folds(len(y), FOLDS):
        train = np.setdiff1d(np.arange(len(y)), held)
        mean, scale, w, b = fit(x[train], y[train], l2)
        out[held] = ((x[held] - mean) / scale) @ w + b
    return out


def choose_offset(log_odds: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> float:
    """The largest offset whose accuracy is within :data:`ACCURACY_SLACK` of the best one.

    Among offsets that decide about as well, the one that answers most: ignoring
    the user costs more than answering speech that was not for the assistant.
    """
    offsets = np.arange(0.0, MAX_OFFSET + 1e-9, OFFSET_STEP)
    accuracy = np.array([np.mean(((log_odds + o) > 0) == (y == 1)) for o in offsets])
    return float(offsets[accuracy >= accuracy.max() - ACCURACY_SLACK].max())


def report(name: str, log_odds: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> str:
    """How many were right, and how many addressed were ignored, deciding at log-odds 0."""
    right = int(np.sum((log_odds > 0) == (y == 1)))
    ignored = int(np.sum((log_odds <= 0) & (y == 1)))
    return (
        f"{name}: {right}/{len(y)} right ({100 * right / len(y):.0f} %), "
        f"addressed ignored {ignored}/{int(y.sum())}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Choose the regularisation and offset by cross-validation, score the test splits, write the model."""
    parser = argparse.ArgumentParser(prog="python -m openlive.bench.address_training", description=__doc__)
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument(
        "--heard", required=True, help="what Whisper heard (openlive bench proactive --heard)"
    )
    parser.add_argument("--cache", default="", metavar="FILE.npz", help="keep the probe's inputs here")
    parser.add_argument(
        "--speak", action="store_true", help="speak the training sets too, and train on what Whisper heard"
    )
    parser.add_argument("--write", action="store_true", help=f"write pipeline/{WEIGHTS_FILE}")
    args = parser.parse_args(argv)
    from openlive.engines.llama_scorer import LlamaScorer
    from openlive.engines.packaged import packaged_llm_path

    scorer = LlamaScorer(packaged_llm_path(JUDGE, Path(args.data_dir)), lean=SCORER_LEANS[JUDGE], states=True)
    featurize = Featurizer(scorer, Path(args.cache) if args.cache else None)
    heard: dict[str, str] = json.loads(Path(args.heard).read_text())

    hear = hearing(Path(args.data_dir), Path(args.heard)) if args.speak else None
    rows, labels = [], []
    for index, item in enumerate(training_items()):
        texts = [item["utterance"]]
        voice = item.get("voice", TRAIN_VOICES[index % len(TRAIN_VOICES)])
        spoken = hear(item["utterance"], voice) if hear else heard.get(f"{voice}|{item['utterance']}")
        if spoken and spoken != item["utterance"]:
            texts.append(spoken)  # a case counts as written and as heard
        for words in texts:
            rows.append(featurize(messages_of(item, words)))
            labels.append(item["addressed"])
    featurize.save()
    heard = json.loads(Path(args.heard).read_text())
    x, y = np.asarray(rows), np.asarray(labels, dtype=np.float64)
    print(f"training cases: {len(y)} ({int(y.sum())} addressed)")
    best: tuple[float, float, np.ndarray[Any, Any]] | None = None
    for l2 in L2_CHOICES:
        cv = cross_validated(x, y, l2)
        loss = float(np.mean(np.logaddexp(0, -cv * (2 * y - 1))))
        print(f"l2 {l2:>6}: cross-validated log-loss {loss:.3f}; " + report("at 0", cv, y))
        if best is None or loss < best[0]:
            best = (loss, l2, cv)
    assert best is not None
    _, l2, cv = best
    offset = choose_offset(cv, y)
    print(f"chosen l2 {l2}, offset {offset:+.2f}; " + report("cross-validated with it", cv + offset, y))
    mean, scale, w, b = fit(x, y, l2)
    model = AddressModel(
        judge=JUDGE,
        mean=mean,
        scale=scale,
        weights=w,
        bias=b,
        offset=offset,
        about=(
            f"A linear probe of {JUDGE}'s state, trained by openlive.bench.address_training on {len(y)} "
            f"cases ({int(y.sum())} addressed): data/proactive_train_*.json and the dev and held_out splits "
            f"of data/proactive.json (written, and as Whisper heard them); L2 {l2} and offset "
            f"{offset:+.2f} chosen by {FOLDS}-fold cross-validation on those cases alone."
        ),
    )

    tests = [i for i in _data("proactive.json")["items"] if i["split"] in TEST_SPLITS]
    for split in TEST_SPLITS:
        cases = [i for i in tests if i["split"] == split]
        missing = [i for i in cases if f"{i['voice']}|{i['utterance']}" not in heard]
        if not cases or missing:
            print(f"{split}: {len(missing)} of {len(cases)} utterances not heard yet; skipped")
            continue
        new, old = [], []
        for item in cases:
            messages = messages_of(item, heard[f"{item['voice']}|{item['utterance']}"])
            new.append(model.log_odds(featurize(messages)))
            old.append(featurize.old_margin(messages))
        truth = np.asarray([i["addressed"] for i in cases], dtype=np.float64)
        print(report(f"{split} hand-weighed", np.asarray(old), truth))
        print(report(f"{split} trained", np.asarray(new), truth))
    featurize.save()
    if args.write:
        path = Path(str(resources.files("openlive.pipeline").joinpath(WEIGHTS_FILE)))
        path.parent.mkdir(exist_ok=True)
        path.write_text(model.to_json() + "\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
