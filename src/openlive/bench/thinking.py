"""Thinking, measured: reasoning questions answered with and without a reasoning pass.

The quality set's arithmetic items and ``data/reasoning.json``'s multi-step items,
each asked in a spoken-reply prompt (as an audio session builds it) of the model
given: once straight, once after :func:`openlive.pipeline.thinking.think` with the
budget given. Scored by the quality bench's answer keys; the time to the answer's
first token is the voice latency the thinking costs. Run:
``python -m openlive.bench.thinking --llm qwen-0.5b --budget 256``.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.bench.quality import score_answer
from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams
from openlive.pipeline.thinking import answer_messages, think
from openlive.session.native import ThinkingPlan
from openlive.session.prompts import shape_prompt

ANSWER_PARAMS = SamplingParams(temperature=0.0, top_k=1, max_tokens=96)


def load_items() -> list[dict[str, Any]]:
    """The quality set's arithmetic items, then the multi-step set."""
    data = resources.files("openlive.bench").joinpath("data")
    quality = json.loads(data.joinpath("quality.json").read_text())["items"]
    steps = json.loads(data.joinpath("reasoning.json").read_text())["items"]
    items: list[dict[str, Any]] = [i for i in quality if i["kind"] == "arithmetic"] + steps
    return items


def _first_token_and_text(llm: LLM, messages: list[ChatMessage]) -> tuple[float, str]:
    started = time.perf_counter()
    first = None
    pieces = []
    for piece in llm.generate(messages, ANSWER_PARAMS, GenerationStats(), threading.Event()):
        if first is None:
            first = time.perf_counter() - started
        pieces.append(piece)
    return first or 0.0, "".join(pieces)


def main(argv: Sequence[str] | None = None) -> int:
    """Score both ways, side by side in one run."""
    parser = argparse.ArgumentParser(prog="openlive bench thinking", description=__doc__)
    parser.add_argument("--llm", default="qwen-0.5b")
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    parser.add_argument("--budget", type=int, default=256)
    args = parser.parse_args(argv)
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    llm = LlamaCppEngine(packaged_llm_path(args.llm, Path(args.data_dir)), n_ctx=4096, contexts=1)
    plan = ThinkingPlan(max_tokens=args.budget)
    scores: dict[str, dict[str, int]] = {}
    latency: dict[str, list[float]] = {"off": [], "on": []}
    thought_tokens: list[int] = []
    for item in load_items():
        prompt = shape_prompt(None, [ChatMessage("user", item["turns"][0])], llm.profile, True)
        first_off, plain = _first_token_and_text(llm, prompt)
        started = time.perf_counter()
        thoughts = think(llm, prompt, plan, ANSWER_PARAMS, threading.Event())
        thinking_s = time.perf_counter() - started
        first_on, thought_out = _first_token_and_text(llm, answer_messages(prompt, thoughts))
        latency["off"].append(first_off)
        latency["on"].append(thinking_s + first_on)
        thought_tokens.append(thoughts.tokens)
        tally = scores.setdefault(item["kind"], {"off": 0, "on": 0, "n": 0})
        tally["n"] += 1
        tally["off"] += score_answer(item, plain)
        tally["on"] += score_answer(item, thought_out)
        print(
            f"{item['kind']:10} off={'ok ' if score_answer(item, plain) else 'BAD'} "
            f"on={'ok ' if score_answer(item, thought_out) else 'BAD'} {item['turns'][0][:50]!r} "
            f"-> {plain[:60]!r} | {thought_out[:60]!r} ({thoughts.tokens} thought tokens, "
            f"first token {1000 * first_off:.0f} / {1000 * (thinking_s + first_on):.0f} ms)",
            flush=True,
        )
    for kind, s in scores.items():
        print(f"{args.llm} {kind}: without thinking {s['off']}/{s['n']}, with thinking {s['on']}/{s['n']}")
    print(
        f"first answer token: median {1000 * float(np.median(latency['off'])):.0f} ms without, "
        f"{1000 * float(np.median(latency['on'])):.0f} ms with thinking (budget {args.budget}, "
        f"median {int(np.median(thought_tokens))} thought tokens); machine shared with other work"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
