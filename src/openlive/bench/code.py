"""The word planner's code, measured: does the program a model writes print the right answer?

Each compute task of ``data/code_tasks.json`` is given to
:meth:`openlive.tools.llm_planner.LlmPlanner.write_code` with each model named,
the program is run in the code-execution sandbox (default limits), and its output
is checked against the task's answer; a program that fails is written again once
with its error (:meth:`~openlive.tools.llm_planner.LlmPlanner.fix_code`, as the
server does) and scored again. The models take turns task by task, so the
machine's load weighs on all alike. This is how the tool reader (the model that
writes a tiny model's code) was chosen. Run:
``python -m openlive.bench.code --llm smollm2,qwen-0.5b [--sets first,second,third]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from openlive.engines.base import LLM

# The files of task sets: the first two sets, then a third written later by someone
# who saw neither them nor any model's programs.
TASK_FILES = ("code_tasks.json", "code_tasks_3.json")


def load_sets() -> dict[str, list[dict[str, str]]]:
    """The task sets by name: each task and the answer its program must print."""
    sets: dict[str, list[dict[str, str]]] = {}
    for name in TASK_FILES:
        text = resources.files("openlive.bench").joinpath("data", name).read_text()
        sets.update(json.loads(text)["sets"])
    return sets


def printed_answer(output: str, answer: str) -> bool:
    """Whether ``output`` holds ``answer``: a number standing alone (``9.0`` for 9), or a text anywhere."""
    if answer[:1].isdigit():
        return re.search(rf"(?<![\d.]){re.escape(answer)}(?:\.0+)?(?![\d.])", output) is not None
    return answer.lower() in output.lower()


def run_program(code: str) -> tuple[str, str]:
    """How ``code`` ends in the sandbox (default limits), and what it prints."""
    from openlive.tools.sandbox import SandboxLimits, run_python

    result = asyncio.run(run_python(code, SandboxLimits()))
    return result.outcome, result.output


def load_llm(name: str, data_dir: Path) -> LLM:
    """A packaged model by its ``llm`` name, as the server loads it."""
    from openlive.engines.llama import LlamaCppEngine
    from openlive.engines.packaged import packaged_llm_path

    return LlamaCppEngine(packaged_llm_path(name, data_dir), n_ctx=4096, contexts=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Score every model on every set, side by side in one run."""
    parser = argparse.ArgumentParser(prog="openlive bench code", description=__doc__)
    parser.add_argument("--llm", default="smollm2,qwen-0.5b", help="models, comma-separated")
    parser.add_argument("--sets", default="first,second", help="task sets, comma-separated")
    parser.add_argument("--data-dir", default=str(Path.home() / ".local/share/openlive"))
    args = parser.parse_args(argv)
    from openlive.tools.llm_planner import LlmPlanner

    names = args.llm.split(",")
    planners = {name: LlmPlanner(load_llm(name, Path(args.data_dir))) for name in names}
    sets = load_sets()
    totals: dict[tuple[str, str], list[Any]] = {}
    for set_name in args.sets.split(","):
        for item in sets[set_name]:
            for name, planner in planners.items():
                started = time.perf_counter()
                code = planner.write_code(item["task"])
                seconds = time.perf_counter() - started
                outcome, output = run_program(code) if code is not None else ("no program", "")
                right = outcome == "OUTCOME_OK" and printed_answer(output, item["answer"])
                fixed = right
                if code is not None and outcome == "OUTCOME_FAILED":
                    again = planner.fix_code(item["task"], code, output)
                    if again is not None:
                        outcome, output = run_program(again)
                        fixed = outcome == "OUTCOME_OK" and printed_answer(output, item["answer"])
                tally = totals.setdefault((name, set_name), [0, 0, []])
                tally[0] += right
                tally[1] += fixed
                tally[2].append(seconds)
                print(
                    f"{name:10} {set_name:7} {'RIGHT' if right else 'FIXED' if fixed else 'wrong'} "
                    f"{1000 * seconds:6.0f} ms {item['task'][:50]!r} -> {outcome} {output.strip()[-40:]!r}",
                    flush=True,
                )
    for (name, set_name), (right, fixed, times) in totals.items():
        print(
            f"{name} {set_name}: {right}/{len(times)} printed the answer, "
            f"{fixed}/{len(times)} after one fix; "
            f"writing the program took {1000 * float(np.median(times)):.0f} ms median"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
