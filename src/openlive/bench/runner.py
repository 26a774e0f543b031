"""Run the chosen scenarios against a target and hand back their results."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from openlive.bench import ON_REQUEST, scenarios, speech
from openlive.bench.client import LiveClient, Microphone, now, text_setup
from openlive.bench.report import ScenarioResult
from openlive.bench.scenarios import BenchOptions
from openlive.bench.target import Target
from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams


def warm_up_engines(target: Target, options: BenchOptions, speech_too: bool) -> float:
    """Run each engine this process calls directly once, so the first measured call is warm.

    Args:
        target: Whose engines (loaded here first for a remote server).
        options: The sampling seed.
        speech_too: Also the speech engines (the pipeline needs them; text does not).

    Returns:
        The seconds it took.
    """
    from openlive.audio import pcm16_to_float

    started = now()
    llm = target.llm(target.endpoint.model)
    params = SamplingParams(max_tokens=8, seed=options.seed)
    "".join(llm.generate([ChatMessage("user", "Hello.")], params, GenerationStats(), threading.Event()))
    if speech_too:
        engines = target.speech_engines()
        hello = speech.utterance("Hello, how are you?", lead_s=0.0, tail_s=0.0)
        engines.asr.transcribe(pcm16_to_float(hello.pcm), "en")
        list(engines.tts.synthesize("Hello there.", scenarios.VOICE, scenarios.LANGUAGE, threading.Event()))
        target.engines_warmed_up = True
    return now() - started


async def warm_up_server(target: Target, options: BenchOptions, spoken: bool) -> float:
    """One exchange through the server, not measured: the first one pays for cold caches.

    Args:
        target: The server.
        options: Timeouts and sampling.
        spoken: A spoken exchange (warms every engine); else a text turn.

    Returns:
        The seconds it took.
    """
    started = now()
    if not spoken:
        client = await LiveClient.open(
            target.endpoint, text_setup(target.endpoint.model, 8), options.timeout_s
        )
        try:
            await client.send_text("Hello.")
            turn = await client.next_turn(options.timeout_s)
            await client.wait(turn.done, options.timeout_s, "turnComplete")
        finally:
            await client.close()
        target.warmed_up = True
        return now() - started
    client = await scenarios.open_voice(target, options, 16)
    mic = Microphone(client)
    mic.start()
    try:
        hello = speech.utterance("Hello, how are you?")
        exchange = await scenarios.converse(client, mic, hello, 20, options.timeout_s)
    finally:
        await mic.stop()
        await client.close()
    if exchange.error:
        options.progress(f"warm-up exchange failed: {exchange.error}")
    target.warmed_up = True
    if target.embedded:
        target.engines_warmed_up = True  # the server's engines are this process's
    return now() - started


LEAK_WAIT_S = 2.0

# Scenarios that speak to the server (and need espeak-ng and its speech engines).
SPOKEN = ("voice", "barge-in", "capacity", "pipeline", "turns", "video")
# Scenarios that time nothing, so they need no warm-up.
UNTIMED = ("quality", "tools")


async def sessions_left_open(target: Target, baseline: int = 0) -> int:
    """Sessions the server still holds once every client has closed (embedded only; else 0).

    Waits up to :data:`LEAK_WAIT_S` for them to fall to ``baseline``.
    """
    if target.open_sessions is None:
        return 0
    deadline = now() + LEAK_WAIT_S
    while target.open_sessions() > baseline and now() < deadline:
        await asyncio.sleep(0.05)
    return target.open_sessions()


async def run_scenarios(target: Target, names: Sequence[str], options: BenchOptions) -> list[ScenarioResult]:
    """Run ``names`` in the order given, one after the other; return their results.

    The server gets one spoken exchange first, and engines loaded here for the
    text and pipeline scenarios run once before them; neither is measured.
    """
    results: list[ScenarioResult] = []
    # Quality and tool choice time nothing, so they need no warm-up.
    if not target.warmed_up and not all(name in UNTIMED for name in names):
        spoken = any(name in SPOKEN for name in names)
        seconds = await warm_up_server(target, options, spoken)
        kind = "spoken exchange" if spoken else "text turn"
        options.progress(f"warmed up the server with one {kind} in {seconds:.1f} s (not measured)")
    voice_result: ScenarioResult | None = None
    for name in names:
        if name in ("text", "pipeline") and not target.engines_warmed_up:
            options.progress("loading and warming up the engines to call directly...")
            seconds = await asyncio.to_thread(warm_up_engines, target, options, name == "pipeline")
            options.progress(f"  done in {seconds:.1f} s (not measured)")
        options.progress(f"== {name}")
        open_before = target.open_sessions() if target.open_sessions is not None else 0
        started = now()
        if name == "voice":
            result = await scenarios.voice(target, options)
            voice_result = result
        elif name == "barge-in":
            result = await scenarios.barge_in(target, options)
        elif name == "text":
            result = await scenarios.text(target, options)
        elif name == "capacity":
            result = await scenarios.capacity(target, options)
        elif name == "pipeline":
            result = await scenarios.pipeline(target, options, voice_result)
        elif name == "turns":
            from openlive.bench.turns import turns

            result = await turns(target, options)
        elif name == "video":
            from openlive.bench.video import video

            result = await video(target, options)
        elif name in ON_REQUEST:
            from openlive.bench import quality

            run = quality.quality if name == "quality" else quality.tool_choice
            result = await run(target, options)
        else:
            raise ValueError(f"unknown scenario {name!r}; known: {', '.join(scenarios.SCENARIOS)}")
        result.elapsed_s = now() - started
        leaked = await sessions_left_open(target, open_before) - open_before
        if leaked > 0:
            result.notes.append(
                f"server: {leaked} session(s) still open {LEAK_WAIT_S:.0f} s after their clients "
                "closed (a leak: their tasks did not end)"
            )
            options.progress(f"warning: {leaked} server session(s) did not end after their clients closed")
        results.append(result)
    return results
