"""Proactive audio, measured: is each utterance of ``data/proactive.json`` judged right?

Each utterance is spoken (espeak-ng voices by their names, the packaged Piper and
hibari voices by their Live API names), recognised by the server's Whisper model,
and judged by the relevance judge (:mod:`openlive.pipeline.proactivity`) on the
language model given, with its conversation as context, in the prompt the session
would build. Run: ``python -m openlive.bench.proactive --llm qwen-1.5b``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.audio import pcm16_to_float, resample
from openlive.bench.speech import espeak_pcm
from openlive.engines.base import ChatMessage
from openlive.pipeline.proactivity import addressed_margin
from openlive.session.prompts import shape_prompt

RATE = 16_000
ESPEAK_WPM = 160


def load_items() -> list[dict[str, Any]]:
    """The evaluation set."""
    text = resources.files("openlive.bench").joinpath("data/proactive.json").read_text()
    items: list[dict[str, Any]] = json.loads(text)["items"]
    return items


def main() -> None:
    """Score the judge on the set: dev and held-out apart, speech or the written words."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--llm", default="qwen-1.5b")
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument("--text", action="store_true", help="judge the written words, no speech")
    parser.add_argument("--margin", type=float, default=0.0)
    parser.add_argument("--split", choices=("dev", "held_out", "all"), default="all")
    args = parser.parse_args()
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    llm = LlamaCppEngine(packaged_llm_path(args.llm, Path(args.data_dir)), n_ctx=2048, contexts=1)
    hear = None
    if not args.text:
        from openlive.engines.voice_cast import packaged_cast
        from openlive.engines.whisper import WhisperAsr
        from openlive.engines.whisper_models import whisper_model_dir

        cast = packaged_cast()
        asr = WhisperAsr(whisper_model_dir("", Path(args.data_dir)))

        def hear(text: str, voice: str) -> str:
            if voice in cast.voices:
                pieces = list(cast.synthesize(text, voice, "en-US", threading.Event()))
                audio = resample(np.concatenate(pieces), 24_000, RATE)
            else:
                pcm, rate = espeak_pcm(text, voice, ESPEAK_WPM)
                audio = resample(pcm16_to_float(pcm), rate, RATE)
            return asr.transcribe(audio)

    rows: dict[str, list[tuple[float, bool]]] = {"dev": [], "held_out": []}
    judge_s: list[float] = []
    for item in load_items():
        if args.split != "all" and item["split"] != args.split:
            continue
        words = item["utterance"] if hear is None else hear(item["utterance"], item["voice"])
        history = [ChatMessage("assistant" if r == "model" else "user", t) for r, t in item["context"]]
        prompt = shape_prompt(None, [*history, ChatMessage("user", words)], llm.profile, True)
        started = time.perf_counter()
        margin = addressed_margin(llm, prompt, threading.Event())
        judge_s.append(time.perf_counter() - started)
        rows[item["split"]].append((margin, item["addressed"]))
        right = (margin > -args.margin) == item["addressed"]
        mark = "A" if item["addressed"] else "-"
        print(f"{'ok ' if right else 'BAD'} {margin:+.2f} {item['voice']:9} {mark} {words!r}", flush=True)
    for split, scored in rows.items():
        if not scored:
            continue
        right = sum((m > -args.margin) == a for m, a in scored)
        ignored = sum(a and m <= -args.margin for m, a in scored)
        print(
            f"{args.llm} {split}: {right}/{len(scored)} right ({100 * right / len(scored):.0f} %), "
            f"addressed ignored {ignored}/{sum(a for _, a in scored)}"
        )
    print(f"judgment: median {1000 * float(np.median(judge_s)):.0f} ms (machine shared with other work)")


if __name__ == "__main__":
    main()
