"""Train the listener judge's probe and set its offset.

The probe: :class:`~openlive.pipeline.listener_judge.ListenerModel`.

Training data: the hand-written ``data/backchannel_train_*.json`` (backchannels
and interjections), each phrase as written and as Whisper heard it spoken in two
of :data:`TRAIN_VOICES` (:func:`heard_as`). No phrase of the evaluation set
(``data/backchannels.json``) is trained on (a unit test checks). The L2 penalty
is chosen by cross-validation on the training data alone (a phrase's cases never
on both sides of a fold). The decision offset is set on the calibration splits
(:data:`CALIBRATION_SPLITS`, never trained on) by replaying the barge-in over
their recordings (:func:`openlive.bench.backchannels.decide`): the offset with
the fewest wrong decisions, an interjection that goes on counting twice a
backchannel that interrupts. The held-out split is scored only, by
``python -m openlive.bench.backchannels``.

Run: ``python -m openlive.bench.listener_training --heard FILE.json [--cache F.npz] [--write]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.bench.backchannels import KINDS, Clip, clips, decide, load_splits, recognise_all
from openlive.bench.probe_evidence import EvidenceCache
from openlive.pipeline.backchannel import BargeInConfig, Heard, classify
from openlive.pipeline.linear_probe import choose_l2, fit
from openlive.pipeline.listener_judge import (
    CONTEXT,
    LEANS,
    WEIGHTS_FILE,
    ListenerModel,
    listener_evidence,
    probe_inputs,
)
from openlive.pipeline.proactivity import StateScorer

JUDGE = "qwen-0.5b"
# Splits never trained on: the offset is set on these, the held-out ones are scored only.
CALIBRATION_SPLITS = ("tune", "test", "test2")
HELD_OUT_SPLITS = ("test3",)
L2_CHOICES = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)
FOLDS = 5
OFFSETS = np.round(np.arange(-3.0, 3.0 + 1e-9, 0.1), 2)
# The voices training phrases are spoken in (two each, in turn): none of the
# evaluation splits' voices but tune's, whose phrases are never trained on.
TRAIN_VOICES = (
    "espeak:en-us:150", "piper:Puck", "espeak:en-gb+f3:175", "piper:Aoede", "espeak:en-us+m3:135",
    "espeak:en-gb-scotland:160", "piper:Fenrir", "espeak:en-us+f4:190", "espeak:en-gb:140",
)  # fmt: skip
VOICES_PER_PHRASE = 2
# An interjection that goes on (the user said "stop" and was not heard) counts as
# this many backchannels that interrupt when the offset is set.
IGNORED_INTERRUPTION_COST = 2


def normalised(text: str) -> str:
    """A phrase's words, lower case, punctuation aside (for comparing phrases)."""
    kept = "".join(c if c.isalnum() or c in "' " else " " for c in text.lower())
    return " ".join(kept.split())


def training_phrases() -> list[tuple[str, bool]]:
    """Each written training phrase, and whether it is a backchannel."""
    phrases: list[tuple[str, bool]] = []
    data = resources.files("openlive.bench").joinpath("data")
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.startswith("backchannel_train_") and entry.name.endswith(".json"):
            written = json.loads(entry.read_text("utf-8"))
            phrases += [(text, kind == "backchannels") for kind in KINDS for text in written[kind]]
    return phrases


def training_clips(phrases: Sequence[tuple[str, bool]]) -> list[Clip]:
    """Each phrase in :data:`VOICES_PER_PHRASE` of :data:`TRAIN_VOICES`, in turn."""
    out: list[Clip] = []
    for n, (text, backchannel) in enumerate(phrases):
        kind = KINDS[0] if backchannel else KINDS[1]
        for k in range(VOICES_PER_PHRASE):
            out.append(Clip("train", kind, text, TRAIN_VOICES[(n + k) % len(TRAIN_VOICES)]))
    return out


def heard_as(heard: dict[str, Any], language: str = "en") -> list[str]:
    """What Whisper heard of a recording, utterance by utterance, where the word list leaves it open.

    Only whole utterances: a glimpse of the first part ("No" of "No way!") is
    not the phrase's label, and training on it taught the probe that "No." is
    a backchannel. The server's judge reads glimpses too, as if all was said.
    """
    texts = [utterance["final"] for utterance in heard["utterances"]]
    return [text for text in dict.fromkeys(texts) if text.strip() and classify(text, language) is Heard.WORDS]


class Featurizer:
    """Each text's probe inputs (:func:`probe_inputs`); the judge model's odds and state kept in a file."""

    def __init__(self, scorer: StateScorer, cache: Path | None) -> None:
        self._scorer = scorer
        self._kept = EvidenceCache(scorer.lean, cache)

    def __call__(self, text: str) -> np.ndarray[Any, Any]:
        """The probe's inputs for ``text`` heard during a reply."""
        return probe_inputs(*self._kept.get(text, lambda: listener_evidence(self._scorer, text)))

    def save(self) -> None:
        """Keep the inputs computed so far."""
        self._kept.save()


def errors(
    recordings: Sequence[tuple[Clip, dict[str, Any]]], judge: Callable[[str], float]
) -> tuple[int, int]:
    """Backchannels that interrupt and interjections that go on, replaying the barge-in with ``judge``."""
    config = BargeInConfig(listener_margin=0.0)
    interrupting = going_on = 0
    for clip, heard in recordings:
        interrupted = decide(clip, heard, judge, config).interrupted
        interrupting += interrupted and clip.kind == KINDS[0]
        going_on += not interrupted and clip.kind == KINDS[1]
    return interrupting, going_on


def choose_offset(
    recordings: Sequence[tuple[Clip, dict[str, Any]]], log_odds: Callable[[str], float]
) -> float:
    """The offset of :data:`OFFSETS` with the least cost; of equals, the nearest 0.

    The cost: backchannels that interrupt, and interjections that go on counted
    :data:`IGNORED_INTERRUPTION_COST` times.
    """

    def cost(offset: float) -> tuple[int, float]:
        interrupting, going_on = errors(recordings, lambda text: log_odds(text) + offset)
        return interrupting + IGNORED_INTERRUPTION_COST * going_on, abs(offset)

    return float(min(OFFSETS, key=cost))


def main(argv: Sequence[str] | None = None) -> int:
    """Train the probe (L2 by cross-validation), set its offset on the calibration splits, write it."""
    parser = argparse.ArgumentParser(prog="python -m openlive.bench.listener_training", description=__doc__)
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument(
        "--heard", required=True, type=Path, metavar="FILE.json", help="recognitions kept here"
    )
    parser.add_argument("--cache", default="", metavar="FILE.npz", help="keep the probe's inputs here")
    parser.add_argument("--write", action="store_true", help=f"write pipeline/{WEIGHTS_FILE}")
    args = parser.parse_args(argv)
    from openlive.engines.llama_scorer import LlamaScorer
    from openlive.engines.packaged import packaged_llm_path

    phrases = training_phrases()
    splits = load_splits()
    calibration = clips(splits, CALIBRATION_SPLITS)
    train = training_clips(phrases)
    heard: dict[str, Any] = json.loads(args.heard.read_text("utf-8")) if args.heard.exists() else {}
    recognise_all([*train, *calibration], heard, lambda: args.heard.write_text(json.dumps(heard, indent=0)))

    path = packaged_llm_path(JUDGE, Path(args.data_dir))
    scorer = LlamaScorer(path, n_ctx=CONTEXT, lean=LEANS[JUDGE], states=True)
    featurize = Featurizer(scorer, Path(args.cache) if args.cache else None)
    rows, labels, groups = [], [], []
    for n, (text, backchannel) in enumerate(phrases):
        said = [text]
        for clip in train[n * VOICES_PER_PHRASE : (n + 1) * VOICES_PER_PHRASE]:
            said += heard_as(heard[clip.key])
        for words in dict.fromkeys(said):
            rows.append(featurize(words))
            labels.append(backchannel)
            groups.append(n)
    featurize.save()
    x, y, group = np.asarray(rows), np.asarray(labels, dtype=np.float64), np.asarray(groups)
    print(f"training cases: {len(y)} ({int(y.sum())} backchannels) from {len(phrases)} phrases")
    l2, losses = choose_l2(x, y, group, L2_CHOICES, FOLDS)
    for choice, loss in losses.items():
        print(f"l2 {choice:>6}: cross-validated log-loss {loss:.3f}")
    mean, scale, w, b = fit(x, y, l2)
    trained = ListenerModel(judge=JUDGE, mean=mean, scale=scale, weights=w, bias=b, offset=0.0)

    def probe(text: str) -> float:
        return trained.log_odds(featurize(text))

    def odds(text: str) -> float:
        return float(featurize(text)[0])

    recordings = [(clip, heard[clip.key]) for clip in calibration]
    offset = choose_offset(recordings, probe)
    featurize.save()
    print(f"chosen l2 {l2}, offset {offset:+.2f} (set on {', '.join(CALIBRATION_SPLITS)})")
    for split in CALIBRATION_SPLITS:
        mine = [(c, h) for c, h in recordings if c.split == split]
        count = {kind: sum(c.kind == kind for c, _ in mine) for kind in KINDS}
        for name, judge in (("few-shot odds", odds), ("probe", lambda t: probe(t) + offset)):
            interrupting, going_on = errors(mine, judge)
            print(
                f"{split:6} {name:13}: backchannels interrupting {interrupting}/{count[KINDS[0]]}, "
                f"interjections going on {going_on}/{count[KINDS[1]]}"
            )
    model = dataclasses.replace(
        trained,
        offset=offset,
        about=(
            f"A linear probe of {JUDGE}'s state, trained by openlive.bench.listener_training on {len(y)} "
            f"cases ({int(y.sum())} backchannels) from the {len(phrases)} phrases of "
            f"data/backchannel_train_*.json, written and as Whisper heard them; L2 {l2} chosen by "
            f"{FOLDS}-fold cross-validation on those cases; offset {offset:+.2f} set on the splits "
            f"{', '.join(CALIBRATION_SPLITS)} of data/backchannels.json by replaying the barge-in "
            f"(fewest wrong decisions, an ignored interruption counted {IGNORED_INTERRUPTION_COST} times); "
            f"{', '.join(HELD_OUT_SPLITS)} not used."
        ),
    )
    if args.write:
        print(f"wrote {model.ship()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(None))
