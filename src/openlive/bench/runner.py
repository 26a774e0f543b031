"""Run the chosen scenarios against a target and hand back their results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from openlive.bench import scenarios, speech
from openlive.bench.client import now
from openlive.bench.report import ScenarioResult
from openlive.bench.scenarios import BenchOptions
from openlive.bench.target import Target
from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams


def warm_up(target: Target, options: BenchOptions) -> float:
    """Run each in-process engine once, so the first measured turn is not a cold start.

    Only for the embedded server (its engines are this process's). Returns the
    seconds it took.
    """
    started = now()
    llm, engines = target.engines(target.endpoint.model)
    hello = speech.utterance("Hello, how are you?", lead_s=0.0, tail_s=0.0)
    from openlive.audio import pcm16_to_float

    engines.asr.transcribe(pcm16_to_float(hello.pcm), "en")
    params = SamplingParams(max_tokens=8, seed=options.seed)
    "".join(llm.generate([ChatMessage("user", "Hello.")], params, GenerationStats(), threading.Event()))
    list(engines.tts.synthesize("Hello there.", scenarios.VOICE, scenarios.LANGUAGE, threading.Event()))
    return now() - started


async def run_scenarios(target: Target, names: Sequence[str], options: BenchOptions) -> list[ScenarioResult]:
    """Run ``names`` in the order given, one after the other; return their results."""
    results: list[ScenarioResult] = []
    if target.embedded and not target.warmed_up:
        seconds = await asyncio.to_thread(warm_up, target, options)
        target.warmed_up = True
        options.progress(f"warmed up the engines in {seconds:.1f} s (not measured)")
    streaming: list[float] = []
    for name in names:
        options.progress(f"== {name}")
        started = now()
        if name == "voice":
            result = await scenarios.voice(target, options)
            streaming = result.figures[0].values
        elif name == "barge-in":
            result = await scenarios.barge_in(target, options)
        elif name == "text":
            result = await scenarios.text(target, options)
        elif name == "capacity":
            result = await scenarios.capacity(target, options)
        elif name == "pipeline":
            result = await scenarios.pipeline(target, options, streaming)
        else:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(scenarios.SCENARIOS)}")
        result.elapsed_s = now() - started
        results.append(result)
    return results
