"""Proactive audio, measured: is each utterance of ``data/proactive.json`` judged right?

Each utterance is spoken (espeak-ng voices by their names, the packaged Piper and
hibari voices by their Live API names), recognised by the server's Whisper model,
and judged (:mod:`openlive.pipeline.proactivity`) with its conversation as
context, in the prompt the session would build: by the ``--llm`` model itself, or
as the server does for its tiny default model, by the probe of the ``--judge``
model's state after a question with worked examples (:mod:`openlive.pipeline.address_model`;
``--no-probe``: its odds of yes and the cues summed, as before the probe;
``--prompt-judge``: the judge answers the judging prompt).
Run: ``openlive bench proactive --judge qwen-1.5b --split test``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.audio import pcm16_to_float, resample
from openlive.bench.speech import espeak_pcm
from openlive.engines.base import ChatMessage
from openlive.pipeline.address_model import AddressModel
from openlive.pipeline.proactivity import SCORER_LEANS, judge
from openlive.session.prompts import shape_prompt

RATE = 16_000
ESPEAK_WPM = 160
# The evaluation set's splits, in the order they were written (data/proactive.json says which were tuned on).
SPLITS = ("dev", "held_out", "test", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9")


def load_items() -> list[dict[str, Any]]:
    """The evaluation set."""
    text = resources.files("openlive.bench").joinpath("data/proactive.json").read_text()
    items: list[dict[str, Any]] = json.loads(text)["items"]
    return items


def hearing(data_dir: Path, kept: Path | None) -> Callable[[str, str], str]:
    """Speak words in a voice and recognise them as the server does; what was heard is kept in ``kept``.

    The voices are espeak-ng's by name, or the packaged Piper and hibari voices by
    their Live API names.
    """
    from openlive.engines.voice_cast import packaged_cast
    from openlive.engines.whisper import WhisperAsr
    from openlive.engines.whisper_models import whisper_model_dir

    heard: dict[str, str] = json.loads(kept.read_text()) if kept and kept.exists() else {}
    cast = packaged_cast()
    asr = WhisperAsr(whisper_model_dir("", data_dir))

    def hear(text: str, voice: str) -> str:
        key = f"{voice}|{text}"
        if key not in heard:
            if voice in cast.voices:
                pieces = list(cast.synthesize(text, voice, "en-US", threading.Event()))
                audio = resample(np.concatenate(pieces), 24_000, RATE)
            else:
                pcm, rate = espeak_pcm(text, voice, ESPEAK_WPM)
                audio = resample(pcm16_to_float(pcm), rate, RATE)
            heard[key] = asr.transcribe(audio)
            if kept:
                kept.write_text(json.dumps(heard, indent=1))
        return heard[key]

    return hear


def main(argv: Sequence[str] | None = None) -> int:
    """Score the judge on the set: each split apart, speech or the written words."""
    parser = argparse.ArgumentParser(prog="openlive bench proactive", description=__doc__)
    parser.add_argument("--llm", default="smollm2", help="the model that answers (its prompt shape)")
    parser.add_argument(
        "--judge", default="", help="the packaged model that judges (default: the --llm model, as the server)"
    )
    parser.add_argument(
        "--prompt-judge", action="store_true", help="the --judge model answers the judging prompt instead"
    )
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument("--text", action="store_true", help="judge the written words, no speech")
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="sum the --judge model's odds and the cues, as before the probe",
    )
    parser.add_argument("--margin", type=float, default=0.0)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument(
        "--heard", default="", metavar="FILE.json", help="keep what Whisper heard here, and reuse it"
    )
    args = parser.parse_args(argv)
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    data_dir = Path(args.data_dir)
    llm = LlamaCppEngine(packaged_llm_path(args.llm, data_dir), n_ctx=2048, contexts=1)
    judge_llm: Any = llm
    probe: AddressModel | None = None
    if args.judge and args.prompt_judge:
        judge_llm = LlamaCppEngine(packaged_llm_path(args.judge, data_dir), n_ctx=2048, contexts=1)
    elif args.judge:  # as the server judges for a tiny model: the probe of its state after the question
        from openlive.engines.llama_scorer import LlamaScorer

        judge_llm = LlamaScorer(
            packaged_llm_path(args.judge, data_dir),
            lean=SCORER_LEANS.get(args.judge, 0.0),
            states=True,
            urgent=True,  # as the server's: the reply waits for it
        )
        probe = AddressModel.packaged()
        if args.no_probe or probe.judge != args.judge:
            probe = None
    hear = None if args.text else hearing(data_dir, Path(args.heard) if args.heard else None)
    rows: dict[str, list[tuple[float, bool]]] = {split: [] for split in SPLITS}
    judge_s: list[float] = []
    for item in load_items():
        if args.split != "all" and item["split"] != args.split:
            continue
        words = item["utterance"] if hear is None else hear(item["utterance"], item["voice"])
        history = [ChatMessage("assistant" if r == "model" else "user", t) for r, t in item["context"]]
        prompt = shape_prompt(None, [*history, ChatMessage("user", words)], llm.profile, True)
        started = time.perf_counter()
        judgment = judge(judge_llm, prompt, threading.Event(), probe)
        judge_s.append(time.perf_counter() - started)
        margin = judgment.margin
        rows[item["split"]].append((margin, item["addressed"]))
        right = (margin > -args.margin) == item["addressed"]
        mark = "A" if item["addressed"] else "-"
        how = (
            f"probe, model {judgment.model:+.2f}"
            if judgment.learned is not None
            else f"model {judgment.model:+.2f}, words {judgment.cues.margin:+.1f}"
        )
        print(
            f"{'ok ' if right else 'BAD'} {margin:+.2f} ({how}) {item['voice']:9} {mark} {words!r}",
            flush=True,
        )
    for split, scored in rows.items():
        if not scored:
            continue
        right = sum((m > -args.margin) == a for m, a in scored)
        ignored = sum(a and m <= -args.margin for m, a in scored)
        print(
            f"{args.llm} judged by {args.judge or args.llm}, {split}: {right}/{len(scored)} right "
            f"({100 * right / len(scored):.0f} %), addressed ignored {ignored}/{sum(a for _, a in scored)}"
        )
    print(
        f"judgment: median {1000 * float(np.median(judge_s)):.0f} ms, 90th percentile "
        f"{1000 * float(np.percentile(judge_s, 90)):.0f} ms (machine shared with other work)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
