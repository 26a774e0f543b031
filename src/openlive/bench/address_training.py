"""Train proactive audio's classifier (:mod:`openlive.pipeline.address_model`) and set its offset.

Training data: ``data/proactive_train_*.json`` (written words) and the tuning
splits of ``data/proactive.json`` (dev, held_out). The regularisation is chosen
by cross-validation on the training data alone (an utterance's cases never on
both sides of a fold). The decision offset is set on the calibration splits
(:data:`CALIBRATION_SPLITS`, never trained on) as Whisper heard them
(:func:`choose_offset`); the held-out split is scored only, by
``openlive bench proactive``. What Whisper heard is kept in ``--heard``.

The written sets are spoken too (:data:`TRAIN_VOICES`), and what Whisper heard
is a training case as well: the probe learns from the words as the server will
see them, misheard words included.

Run: ``python -m openlive.bench.address_training --heard heard.json [--write]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.bench.proactive import hearing
from openlive.bench.probe_evidence import EvidenceCache
from openlive.engines.base import ChatMessage
from openlive.pipeline.address_model import WEIGHTS_FILE, AddressModel, probe_inputs
from openlive.pipeline.linear_probe import cross_validated, fit
from openlive.pipeline.proactivity import (
    SCORER_LEANS,
    Judgment,
    StateScorer,
    address_cues,
    assistant_names,
    question_evidence,
)

TRAIN_SPLITS = ("dev", "held_out")
# Splits never trained on: the offset is set on the first eight (calibration), as
# Whisper heard them; the last is scored only (``openlive bench proactive --split test9``).
CALIBRATION_SPLITS = ("test", "test2", "test3", "test4", "test5", "test6", "test7", "test8")
HELD_OUT_SPLITS = ("test9",)
TEST_SPLITS = (*CALIBRATION_SPLITS, *HELD_OUT_SPLITS)
L2_CHOICES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5
# The decision offset: searched from 0 to MAX_OFFSET (towards answering) by OFFSET_STEP,
# set on the calibration splits: the smallest that ignores at most IGNORED_AT_MOST of
# their addressed utterances, so as to stay silent as often as that allows. Issue 15's
# target is at most 1 in 20 on speech never seen; the splits written last ignored more
# than the calibration splits as a whole (test5-test8: 12 of 160 questions at the 1 in 20
# offset of the 0.5B model's probe), so the offset is set for 3 in 100.
MAX_OFFSET = 3.0
OFFSET_STEP = 0.05
IGNORED_AT_MOST = 0.03
JUDGE = "qwen-1.5b"
# The voices the written training sets are spoken in, in turn.
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
    """Each case's probe inputs (:func:`probe_inputs`); the judge model's odds and state kept in a file."""

    def __init__(self, scorer: StateScorer, cache: Path | None) -> None:
        self._scorer = scorer
        self._kept = EvidenceCache(scorer.lean, cache)

    def __call__(self, messages: Sequence[ChatMessage]) -> np.ndarray[Any, Any]:
        """The probe's inputs for the last user message of ``messages``."""
        odds, state = self._model_evidence(messages)
        cues = address_cues(messages[-1].content, assistant_names(""))
        return probe_inputs(odds, bool(cues.vocative), cues.named, cues.request, state)

    def _model_evidence(self, messages: Sequence[ChatMessage]) -> tuple[float, np.ndarray[Any, Any]]:
        key = hashlib.sha256(json.dumps([(m.role, m.content) for m in messages]).encode()).hexdigest()
        return self._kept.get(key, lambda: question_evidence(self._scorer, messages))

    def old_margin(self, messages: Sequence[ChatMessage]) -> float:
        """The hand-weighed judgment's margin (the odds and the cues), for comparison."""
        odds, _ = self._model_evidence(messages)
        return Judgment(model=odds, cues=address_cues(messages[-1].content, assistant_names(""))).margin

    def save(self) -> None:
        """Keep the inputs computed so far."""
        self._kept.save()


def choose_offset(log_odds: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> float:
    """The smallest offset (from 0, by :data:`OFFSET_STEP`) ignoring at most :data:`IGNORED_AT_MOST`.

    A share of the addressed utterances, ignored when their log-odds plus the offset are not above 0.
    """
    addressed = log_odds[y == 1]
    for offset in np.arange(0.0, MAX_OFFSET + 1e-9, OFFSET_STEP):
        if np.mean(addressed + offset <= 0) <= IGNORED_AT_MOST:
            return float(offset)
    return MAX_OFFSET


def report(name: str, log_odds: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> str:
    """How many were right, and how many addressed were ignored, deciding at log-odds 0."""
    right = int(np.sum((log_odds > 0) == (y == 1)))
    ignored = int(np.sum((log_odds <= 0) & (y == 1)))
    return (
        f"{name}: {right}/{len(y)} right ({100 * right / len(y):.0f} %), "
        f"addressed ignored {ignored}/{int(y.sum())}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Train the probe (L2 by cross-validation), set its offset on the calibration splits, write it."""
    parser = argparse.ArgumentParser(prog="python -m openlive.bench.address_training", description=__doc__)
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument("--heard", required=True, metavar="FILE.json", help="keep what Whisper heard here")
    parser.add_argument("--cache", default="", metavar="FILE.npz", help="keep the probe's inputs here")
    parser.add_argument("--write", action="store_true", help=f"write pipeline/{WEIGHTS_FILE}")
    parser.add_argument(
        "--judge", default=JUDGE, choices=tuple(SCORER_LEANS), help="the model whose state is probed"
    )
    args = parser.parse_args(argv)
    judge_name: str = args.judge
    from openlive.engines.llama_scorer import LlamaScorer
    from openlive.engines.packaged import packaged_llm_path

    scorer = LlamaScorer(
        packaged_llm_path(judge_name, Path(args.data_dir)), lean=SCORER_LEANS[judge_name], states=True
    )
    featurize = Featurizer(scorer, Path(args.cache) if args.cache else None)
    hear = hearing(Path(args.data_dir), Path(args.heard))
    rows, labels, utterances = [], [], []
    for index, item in enumerate(training_items()):
        texts = [item["utterance"]]
        voice = item.get("voice", TRAIN_VOICES[index % len(TRAIN_VOICES)])
        spoken = hear(item["utterance"], voice)
        if spoken != item["utterance"]:
            texts.append(spoken)  # a case counts as written and as heard
        for words in texts:
            rows.append(featurize(messages_of(item, words)))
            labels.append(item["addressed"])
            utterances.append(index)
        if index % 100 == 99:
            featurize.save()  # a long run can be stopped and resumed
    featurize.save()
    x, y, groups = np.asarray(rows), np.asarray(labels, dtype=np.float64), np.asarray(utterances)
    print(f"training cases: {len(y)} ({int(y.sum())} addressed)")
    best: tuple[float, float] | None = None
    for l2 in L2_CHOICES:
        cv = cross_validated(x, y, groups, l2, FOLDS)
        loss = float(np.mean(np.logaddexp(0, -cv * (2 * y - 1))))
        print(f"l2 {l2:>6}: cross-validated log-loss {loss:.3f}; " + report("at 0", cv, y))
        if best is None or loss < best[0]:
            best = (loss, l2)
    assert best is not None
    l2 = best[1]
    mean, scale, w, b = fit(x, y, l2)
    trained = AddressModel(judge=judge_name, mean=mean, scale=scale, weights=w, bias=b, offset=0.0)

    def scored(split: str) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """The trained log-odds (no offset), the hand-weighed margins, and the truth, as heard."""
        cases = [i for i in _data("proactive.json")["items"] if i["split"] == split]
        said = [messages_of(i, hear(i["utterance"], i["voice"])) for i in cases]
        return (
            np.asarray([trained.log_odds(featurize(m)) for m in said]),
            np.asarray([featurize.old_margin(m) for m in said]),
            np.asarray([i["addressed"] for i in cases], dtype=np.float64),
        )

    calibration = {split: scored(split) for split in CALIBRATION_SPLITS}
    offset = choose_offset(
        np.concatenate([c[0] for c in calibration.values()]),
        np.concatenate([c[2] for c in calibration.values()]),
    )
    print(f"chosen l2 {l2}, offset {offset:+.2f} (set on {', '.join(CALIBRATION_SPLITS)})")
    for split, (new, old, truth) in calibration.items():
        print(report(f"{split} hand-weighed", old, truth))
        print(report(f"{split} trained", new + offset, truth))
    featurize.save()
    model = dataclasses.replace(
        trained,
        offset=offset,
        about=(
            f"A linear probe of {judge_name}'s state, trained by openlive.bench.address_training on {len(y)} "
            f"cases ({int(y.sum())} addressed): data/proactive_train_*.json and the dev and held_out splits "
            f"of data/proactive.json, written and as Whisper heard them; L2 {l2} chosen by {FOLDS}-fold "
            f"cross-validation on those cases; offset {offset:+.2f} set on the splits "
            f"{', '.join(CALIBRATION_SPLITS)} as heard (at most {IGNORED_AT_MOST:.0%} of their addressed "
            f"utterances ignored); {', '.join(HELD_OUT_SPLITS)} not used."
        ),
    )
    if args.write:
        print(f"wrote {model.ship()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
