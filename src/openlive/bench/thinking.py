"""Thinking, measured: reasoning questions answered with and without a reasoning pass.

The quality set's arithmetic items, ``data/reasoning.json``'s multi-step items and
``data/reasoning_2.json``'s (written before program-aided thinking), each asked in a
spoken-reply prompt (as an audio session builds it) of the model given: straight,
after :func:`openlive.pipeline.thinking.think` writing prose, and after it writing a
program run in the sandbox (as the server does where it can run code), with the
budget given. Scored by the quality bench's answer keys; the time to the answer's
first token is the voice latency the thinking costs. Run:
``python -m openlive.bench.thinking --llm qwen-0.5b --budget 256``.
"""

from __future__ import annotations

import argparse
import asyncio
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


WAYS = ("off", "prose", "program")


def load_items() -> list[dict[str, Any]]:
    """The quality set's arithmetic items, then the two multi-step sets."""
    data = resources.files("openlive.bench").joinpath("data")
    quality = json.loads(data.joinpath("quality.json").read_text())["items"]
    steps = json.loads(data.joinpath("reasoning.json").read_text())["items"]
    more = json.loads(data.joinpath("reasoning_2.json").read_text())["items"]
    items: list[dict[str, Any]] = [i for i in quality if i["kind"] == "arithmetic"] + steps + more
    return items


def run_in_sandbox(program: str) -> tuple[bool, str]:
    """Run a thinking program in the code-execution sandbox (default limits, 5 s)."""
    from openlive.tools.sandbox import SandboxLimits, run_python

    result = asyncio.run(run_python(program, SandboxLimits(wall_s=5.0, cpu_s=3.0)))
    return result.outcome == "OUTCOME_OK", result.output


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
    parser.add_argument("--kinds", default="", help="only these kinds, comma-separated (default: all)")
    args = parser.parse_args(argv)
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    llm = LlamaCppEngine(packaged_llm_path(args.llm, Path(args.data_dir)), n_ctx=4096, contexts=1)
    plan = ThinkingPlan(max_tokens=args.budget)
    scores: dict[str, dict[str, int]] = {}
    latency: dict[str, list[float]] = {way: [] for way in WAYS}
    thought_tokens: dict[str, list[int]] = {"prose": [], "program": []}
    kinds = set(args.kinds.split(",")) if args.kinds else None
    for item in load_items():
        if kinds is not None and item["kind"] not in kinds:
            continue
        prompt = shape_prompt(None, [ChatMessage("user", item["turns"][0])], llm.profile, True)
        replies: dict[str, str] = {}
        first, replies["off"] = _first_token_and_text(llm, prompt)
        latency["off"].append(first)
        for way, runner in (("prose", None), ("program", run_in_sandbox)):
            started = time.perf_counter()
            thoughts = think(llm, prompt, plan, ANSWER_PARAMS, threading.Event(), runner)
            thinking_s = time.perf_counter() - started
            first, replies[way] = _first_token_and_text(llm, answer_messages(prompt, thoughts))
            latency[way].append(thinking_s + first)
            thought_tokens[way].append(thoughts.tokens)
        tally = scores.setdefault(item["kind"], dict.fromkeys((*WAYS, "n"), 0))
        tally["n"] += 1
        marks = []
        for way in WAYS:
            right = score_answer(item, replies[way])
            tally[way] += right
            marks.append(f"{way}={'ok ' if right else 'BAD'}")
        print(
            f"{item['kind']:12} {' '.join(marks)} {item['turns'][0][:50]!r} -> "
            + " | ".join(repr(replies[way][:60]) for way in WAYS),
            flush=True,
        )
    for kind, s in scores.items():
        print(
            f"{args.llm} {kind}: without thinking {s['off']}/{s['n']}, prose thinking {s['prose']}/{s['n']}, "
            f"program thinking {s['program']}/{s['n']}"
        )
    print(
        "first answer token, median: "
        + ", ".join(f"{way} {1000 * float(np.median(latency[way])):.0f} ms" for way in WAYS)
        + f" (budget {args.budget}; median thought tokens: prose {int(np.median(thought_tokens['prose']))}, "
        f"program {int(np.median(thought_tokens['program']))})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
