"""The benchmark's scenarios: voice, barge-in, text, capacity and pipeline.

Every scenario drives the server over the real WebSocket path with the JSON the
Python SDK sends, times what a user would feel at the client, and (when the
server runs in this process) sets the server's own timing records beside it.

- **voice**: one session; each utterance is streamed in real time; time from the
  last voiced sample sent to the first reply audio byte, and from there to
  ``turnComplete``. Parts from the server's log: end-of-speech detection,
  transcription, first token.
- **barge-in**: a request for a long reply; once its audio flows the user
  interjects; time from the interjection's first voiced sample to
  ``interrupted``, and the reply audio that still arrived after it.
- **text**: time to first token and tokens per second through openlive, against
  the same engine called directly in this process with the same prompt, in turn;
  the prompt is evaluated once before both, so both find it in the engine's cache.
- **capacity**: 1, 2, 4, 8... concurrent voice sessions until the 95th percentile
  passes the limit; the server's memory per idle and per talking session.
- **pipeline**: the voice utterances through a plain sequential cascade of the same
  engines in this process (whole transcript, whole reply, whole synthesis).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openlive.bench import SCENARIOS, speech
from openlive.bench.client import (
    OUTPUT_RATE,
    BenchError,
    LiveClient,
    Microphone,
    Speaking,
    Turn,
    now,
    text_setup,
    voice_setup,
)
from openlive.bench.report import Figure, ScenarioResult, percentile
from openlive.bench.target import Target
from openlive.engines.audio_base import INPUT_RATE, SpeechEngines
from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams
from openlive.pipeline.endpointer import EndpointerConfig

# Chunk lengths the microphones use in turn, as browsers and SDK samples do.
CHUNK_MS = (20, 30, 40)
VOICE = "Puck"
LANGUAGE = "en-US"
MIB = 1024 * 1024

__all__ = ["SCENARIOS", "BenchOptions", "barge_in", "capacity", "pipeline", "text", "voice"]

NOT_LOGGED_SYNTHESIS = "not logged: no 'first audio N ms' in 'reply done'"


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class BenchOptions:
    """How much to measure, and how.

    Attributes:
        utterances: Utterances (or prompts) per scenario: voice, barge-in, text, pipeline.
        sessions: Most concurrent sessions the capacity scenario tries (1, 2, 4 ... up to it).
        capacity_utterances: Utterances each session speaks per capacity level;
            0 means ``max(2, utterances // 10)``.
        reply_tokens: ``maxOutputTokens`` of voice replies (voice, capacity, pipeline).
        story_tokens: ``maxOutputTokens`` of the long replies barge-in interrupts.
        text_tokens: ``maxOutputTokens`` of the text scenario's replies.
        seed: Sampling seed, the same for openlive and the direct engine calls.
        system_instruction: The voice sessions' system instruction.
        latency_limit_ms: Capacity: the 95th percentile a level must stay within.
        listen_s: Barge-in: how long the user listens to the reply before interjecting.
        timeout_s: Longest wait for a reply before the exchange counts as failed.
        progress: Where progress lines go (stderr by default).
    """

    utterances: int = 20
    sessions: int = 8
    capacity_utterances: int = 0
    reply_tokens: int = 40
    story_tokens: int = 300
    text_tokens: int = 64
    seed: int = 1234
    system_instruction: str = "You are a helpful voice assistant. Answer briefly."
    latency_limit_ms: float = 1000.0
    listen_s: float = 0.3
    timeout_s: float = 60.0
    progress: Callable[[str], None] = field(default=_stderr)

    @property
    def per_session(self) -> int:
        """Utterances per session per capacity level."""
        return self.capacity_utterances or max(2, self.utterances // 10)


def _ms(seconds: float) -> float:
    return 1000.0 * seconds


def _short(text: str, size: int = 32) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


# -- one spoken exchange -----------------------------------------------------------------


@dataclass
class Exchange:
    """One utterance and the reply it got.

    Attributes:
        speaking: The utterance as the microphone sent it.
        turn: The reply's turn (``None`` if it failed).
        skipped: Turns before it that did not count (interrupted, or started before
            the user finished: the server cut the utterance in two).
        error: Why there is no reply, if there is none.
    """

    speaking: Speaking
    turn: Turn | None = None
    skipped: int = 0
    error: str = ""

    @property
    def first_audio_ms(self) -> float | None:
        """Last voiced sample sent to first reply audio byte received."""
        if self.turn is None or self.turn.first_audio_at is None or self.speaking.voiced_end_at is None:
            return None
        return _ms(self.turn.first_audio_at - self.speaking.voiced_end_at)

    @property
    def reply_ms(self) -> float | None:
        """First reply audio byte to ``turnComplete``."""
        if self.turn is None or self.turn.first_audio_at is None or self.turn.complete_at is None:
            return None
        return _ms(self.turn.complete_at - self.turn.first_audio_at)


async def converse(
    client: LiveClient, mic: Microphone, utterance: speech.Utterance, chunk_ms: int, timeout_s: float
) -> Exchange:
    """Say ``utterance`` and wait for the reply that ends without interruption.

    A turn counts when its first audio arrives after the last voiced sample was
    sent and it is not interrupted; earlier turns (the server cut the utterance at
    a pause and answered the first part) are skipped and counted.
    """
    speaking = mic.say(utterance, chunk_ms)
    exchange = Exchange(speaking)
    try:
        await client.wait(speaking.voiced_ended, utterance.duration_s + timeout_s, "the utterance to go out")
        assert speaking.voiced_end_at is not None
        deadline = now() + timeout_s
        while True:
            turn = await client.next_turn(deadline - now())
            await client.wait(turn.done, deadline - now(), "turnComplete")
            if turn.interrupted_at is None and turn.first_audio_at is not None:
                if turn.first_audio_at > speaking.voiced_end_at:
                    exchange.turn = turn
                    break
            exchange.skipped += 1
        # The trailing silence goes out before the next utterance starts anyway.
        await client.wait(speaking.finished, timeout_s, "the utterance's tail to go out")
    except BenchError as error:
        exchange.error = str(error)
    return exchange


def _server_parts(target: Target, client: LiveClient, exchange: Exchange) -> dict[str, float]:
    """The server's timings for one exchange, from its timing records (embedded only).

    The times called ``*_at_ms`` are from the last voiced sample; durations are not.
    """
    log, turn, speaking = target.log, exchange.turn, exchange.speaking
    if log is None or turn is None or turn.first_audio_at is None or speaking.voiced_end_at is None:
        return {}
    assert turn.complete_at is not None and speaking.first_sent_at is not None
    parts: dict[str, float] = {}
    session = client.session_id
    heard = log.events(session, "heard", after=speaking.first_sent_at, before=turn.first_audio_at)
    ended = log.events(session, "speech_ended", after=speaking.first_sent_at, before=turn.first_audio_at)
    if heard:
        event = heard[-1]
        parts["asr_ms"] = event.values.get("asr_ms", 0.0)
        parts["heard_speech_s"] = event.values.get("speech_s", 0.0)
        asr_start = event.at - parts["asr_ms"] / 1000
        if ended:
            # The server says when it decided the speech had ended: detection, then
            # the wait before recognition started.
            parts["eos_ms"] = _ms(ended[-1].at - speaking.voiced_end_at)
            parts["asr_wait_ms"] = _ms(asr_start - ended[-1].at)
        else:
            parts["eos_ms"] = _ms(asr_start - speaking.voiced_end_at)
        # The pause whose recognition the turn used: the last one before the end.
        paused = log.events(session, "speech_paused", after=speaking.first_sent_at, before=event.at)
        early = log.events(session, "early_asr", after=speaking.first_sent_at, before=event.at)
        if paused and paused[-1].at >= speaking.voiced_end_at - 0.1:
            parts["pause_at_ms"] = _ms(paused[-1].at - speaking.voiced_end_at)
            if early and early[-1].at >= paused[-1].at:
                parts["early_asr_ms"] = early[-1].values.get("asr_ms", 0.0)
    # The reply's timings are emitted once the last audio is queued, which may be before the
    # client reads the first: the reply's record is the last one before its turnComplete.
    done = log.events(session, "reply_done", after=speaking.voiced_end_at, before=turn.complete_at)
    if done:
        for key, value in done[-1].values.items():
            if key != "audio_s":
                parts[key] = value
    first_audio = exchange.first_audio_ms
    if first_audio is not None and "eos_ms" in parts:
        parts["after_eos_ms"] = first_audio - parts["eos_ms"]
    if heard and "ahead_ms" in parts:
        # The turn's reply is asked for when its transcript is in; it began that long before.
        parts["reply_at_ms"] = _ms(heard[-1].at - speaking.voiced_end_at) - parts["ahead_ms"]
    return parts


def _exchange_sample(exchange: Exchange, parts: dict[str, float], **extra: Any) -> dict[str, Any]:
    turn = exchange.turn
    sample: dict[str, Any] = {**exchange.speaking.utterance.describe(), **extra}
    sample["chunk_ms"] = exchange.speaking.chunk_ms
    sample["first_audio_ms"] = _round(exchange.first_audio_ms)
    sample["reply_ms"] = _round(exchange.reply_ms)
    sample["skipped_turns"] = exchange.skipped
    if turn is not None:
        sample["reply_audio_s"] = round(turn.audio_s, 3)
        sample["heard"] = turn.heard
        sample["reply"] = turn.transcript or turn.text
    if exchange.error:
        sample["error"] = exchange.error
    sample["server"] = {key: round(value, 1) for key, value in parts.items()}
    return sample


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _voice_figures(result: ScenarioResult, embedded: bool) -> dict[str, Figure]:
    """The voice figures, in table order (the server parts only when they can be known).

    The server works on a reply during the user's trailing silence: when the user
    pauses, it recognises the speech so far and starts the reply; the end of speech
    is committed later, and the reply, if the user said nothing more, is already
    under way. The parts are therefore times on one clock (from the last voiced
    sample) and durations, not a sum.
    """
    figures = {
        "first_audio": result.figure(
            "end of speech -> first reply audio", target="target: median <= 500, p95 <= 800"
        ),
        "reply": result.figure("first reply audio -> turnComplete"),
        "reply_audio": result.figure("reply audio length", unit="s"),
    }
    note = "" if embedded else "n/a: server-side timings need --embedded"
    server = "server log" if embedded else "n/a"
    derived = "derived" if embedded else server
    not_logged = "not logged: no 'speech paused' line" if embedded else note
    figures["pause_at_ms"] = result.figure(
        "  pause detected (recognition starts)", source=derived, note=not_logged
    )
    figures["early_asr_ms"] = result.figure(
        "  transcription during the pause", source=server, note=not_logged
    )
    figures["reply_at_ms"] = result.figure(
        "  reply started", source=derived, note="not logged: no 'started N ms ahead'" if embedded else note
    )
    figures["eos_ms"] = result.figure("  end-of-speech detection", source=derived, note=note)
    figures["asr_wait_ms"] = result.figure(
        "  wait before transcription",
        source=server,
        note="not logged: no 'speech ended' line; included in the row above" if embedded else note,
    )
    figures["asr_ms"] = result.figure(
        "  transcription after the end (0: done in the pause)", source=server, note=note
    )
    figures["ahead_ms"] = result.figure("  reply started before the end", source=server, note=note)
    figures["first_token_ms"] = result.figure(
        "  first token (from reply start, incl. queue wait)", source=server, note=note
    )
    figures["queue_wait_ms"] = result.figure("  LLM queue wait", source=server, note=note)
    figures["first_audio_ms"] = result.figure(
        "  first synthesized audio (from generation start)",
        source=server,
        note=NOT_LOGGED_SYNTHESIS if embedded else note,
    )
    figures["after_eos_ms"] = result.figure(
        "  end of speech -> first audio at client", source=derived, note=note
    )
    return figures


def _add_exchange(figures: dict[str, Figure], exchange: Exchange, parts: dict[str, float]) -> None:
    if exchange.first_audio_ms is not None:
        figures["first_audio"].values.append(exchange.first_audio_ms)
    if exchange.reply_ms is not None:
        figures["reply"].values.append(exchange.reply_ms)
    if exchange.turn is not None:
        figures["reply_audio"].values.append(exchange.turn.audio_s)
    for key in (
        "pause_at_ms",
        "early_asr_ms",
        "reply_at_ms",
        "eos_ms",
        "asr_wait_ms",
        "asr_ms",
        "ahead_ms",
        "first_token_ms",
        "queue_wait_ms",
        "first_audio_ms",
        "after_eos_ms",
    ):
        if key in parts:
            figures[key].values.append(parts[key])
            figures[key].note = ""  # the server logs it after all


async def open_voice(target: Target, options: BenchOptions, max_tokens: int) -> LiveClient:
    setup = voice_setup(
        target.endpoint.model, max_tokens, options.seed, VOICE, options.system_instruction or None
    )
    return await LiveClient.open(target.endpoint, setup, options.timeout_s)


# -- voice ---------------------------------------------------------------------------------


async def voice(target: Target, options: BenchOptions) -> ScenarioResult:
    """Spoken utterances in one session: end of speech to first reply audio, and to the end."""
    result = ScenarioResult("voice")
    figures = _voice_figures(result, target.embedded)
    utterances = speech.questions(options.utterances)
    client = await open_voice(target, options, options.reply_tokens)
    mic = Microphone(client)
    mic.start()
    try:
        for index, utterance in enumerate(utterances):
            chunk_ms = CHUNK_MS[index % len(CHUNK_MS)]
            exchange = await converse(client, mic, utterance, chunk_ms, options.timeout_s)
            parts = _server_parts(target, client, exchange)
            _add_exchange(figures, exchange, parts)
            result.samples.append(_exchange_sample(exchange, parts))
            options.progress(_exchange_line("voice", index, len(utterances), exchange, parts))
            if client.closed.is_set():
                result.notes.append(f"the session closed early: {client.close_reason}")
                break
    finally:
        await mic.stop()
        await client.close()
    _exchange_notes(result, mic)
    return result


def _exchange_line(name: str, index: int, count: int, exchange: Exchange, parts: dict[str, float]) -> str:
    utterance = exchange.speaking.utterance
    head = f"[{name} {index + 1}/{count}] {utterance.voice} {utterance.wpm} wpm {_short(utterance.text)!r}: "
    if exchange.error:
        return head + f"FAILED: {exchange.error}"
    line = head + f"first audio {exchange.first_audio_ms:.0f} ms, turnComplete +{exchange.reply_ms:.0f} ms"
    if parts:
        known = [
            f"{label} {parts[key]:.0f}"
            for key, label in (("eos_ms", "eos"), ("asr_ms", "asr"), ("first_token_ms", "ttft"))
            if key in parts
        ]
        line += f" (server: {', '.join(known)} ms)"
    return line


def _exchange_notes(result: ScenarioResult, *mics: Microphone) -> None:
    failed = [s for s in result.samples if s.get("error")]
    split = sum(1 for s in result.samples if s.get("skipped_turns"))
    if failed:
        result.notes.append(f"{len(failed)} utterance(s) got no reply: {failed[0]['error']}")
    if split:
        result.notes.append(f"{split} utterance(s) were answered in more than one turn (cut at a pause)")
    late = sum(mic.late_chunks for mic in mics)
    if late:
        result.notes.append(f"the microphone fell more than a chunk behind real time {late} time(s)")


# -- barge-in ------------------------------------------------------------------------------


async def barge_in(target: Target, options: BenchOptions) -> ScenarioResult:
    """Interject during a long spoken reply: time to ``interrupted``, and audio sent after it."""
    result = ScenarioResult("barge-in")
    to_interrupted = result.figure("first voiced sample -> interrupted", target="target: median <= 150")
    detected = result.figure(
        "  speech start detected (server log)",
        source="server log" if target.embedded else "n/a",
        note="" if target.embedded else "n/a: server-side timings need --embedded",
    )
    after_ms = result.figure(
        "reply audio received after interrupted",
        unit="ms audio",
        target="target: none sent > 100 ms after it",
    )
    last_after = result.figure("last reply audio after interrupted (0: none)")
    overlap = result.figure("reply audio received while user spoke, before interrupted", unit="ms audio")
    stories = speech.stories(options.utterances)
    interjections = speech.interruptions(options.utterances)
    missed = 0
    mics: list[Microphone] = []
    for index, (story, interjection) in enumerate(zip(stories, interjections, strict=True)):
        chunk_ms = CHUNK_MS[index % len(CHUNK_MS)]
        client = await open_voice(target, options, options.story_tokens)
        mic = Microphone(client, chunk_ms)
        mics.append(mic)
        mic.start()
        sample: dict[str, Any] = {"story": story.describe(), "interjection": interjection.describe()}
        sample["chunk_ms"] = chunk_ms
        try:
            request = mic.say(story)
            await client.wait(request.voiced_ended, story.duration_s + options.timeout_s, "the request")
            assert request.voiced_end_at is not None
            deadline = now() + options.timeout_s
            while True:
                turn = await client.next_turn(deadline - now())
                await client.wait(turn.first_audio, deadline - now(), "reply audio")
                assert turn.first_audio_at is not None
                if turn.first_audio_at > request.voiced_end_at and turn.interrupted_at is None:
                    break
            await asyncio.sleep(options.listen_s)
            speaking = mic.say(interjection)
            await client.wait(turn.done, options.timeout_s, "the interrupted turn to end")
            await client.wait(speaking.voiced_ended, options.timeout_s, "the interjection to go out")
            assert speaking.voiced_start_at is not None and speaking.voiced_end_at is not None
            if turn.interrupted_at is None:
                missed += 1
                sample["error"] = "the reply ended before the interjection was heard"
                options.progress(f"[barge-in {index + 1}/{len(stories)}] reply ended before the interjection")
                result.samples.append(sample)
                continue
            sample["to_interrupted_ms"] = round(_ms(turn.interrupted_at - speaking.voiced_start_at), 1)
            to_interrupted.values.append(sample["to_interrupted_ms"])
            # The reply to the interjection cannot start before its end of speech is
            # detected, so audio up to its last voiced sample is the interrupted reply's.
            late_bytes, last_at = client.audio_between(turn.interrupted_at, speaking.voiced_end_at)
            sample["audio_after_interrupted_bytes"] = late_bytes
            sample["audio_after_interrupted_ms"] = round(_ms(late_bytes / 2 / OUTPUT_RATE), 1)
            sample["last_audio_after_interrupted_ms"] = round(
                _ms(last_at - turn.interrupted_at) if last_at is not None else 0.0, 1
            )
            after_ms.values.append(sample["audio_after_interrupted_ms"])
            last_after.values.append(sample["last_audio_after_interrupted_ms"])
            before_bytes, _ = client.audio_between(speaking.voiced_start_at, turn.interrupted_at)
            sample["audio_while_speaking_ms"] = round(_ms(before_bytes / 2 / OUTPUT_RATE), 1)
            overlap.values.append(sample["audio_while_speaking_ms"])
            line = f"interrupted after {sample['to_interrupted_ms']:.0f} ms, "
            line += f"{sample['audio_after_interrupted_ms']:.0f} ms of audio after it"
            if target.log is not None:
                starts = target.log.events(
                    client.session_id, "speech_started", after=speaking.first_sent_at or 0.0
                )
                if starts:
                    sample["server_detected_ms"] = round(_ms(starts[0].at - speaking.voiced_start_at), 1)
                    detected.values.append(sample["server_detected_ms"])
                    line += f" (server detected speech at {sample['server_detected_ms']:.0f} ms)"
            options.progress(f"[barge-in {index + 1}/{len(stories)}] {line}")
        except BenchError as error:
            sample["error"] = str(error)
            options.progress(f"[barge-in {index + 1}/{len(stories)}] FAILED: {error}")
        finally:
            await mic.stop()
            await client.close()
        result.samples.append(sample)
    if missed:
        result.notes.append(f"{missed} reply(ies) ended before the interjection was heard (not counted)")
    errors = [s["error"] for s in result.samples if "error" in s and "ended before" not in s["error"]]
    if errors:
        result.notes.append(f"{len(errors)} round(s) failed: {errors[0]}")
    return result


# -- text ------------------------------------------------------------------------------------


@dataclass
class _TextRun:
    ttft_ms: float
    tokens: int
    tokens_per_s: float | None
    text: str


def _rate(tokens: int, first: float, last: float) -> float | None:
    return (tokens - 1) / (last - first) if tokens > 1 and last > first else None


async def _text_openlive(target: Target, options: BenchOptions, prompt: str) -> _TextRun:
    setup = text_setup(target.endpoint.model, options.text_tokens, options.seed)
    client = await LiveClient.open(target.endpoint, setup, options.timeout_s)
    try:
        sent = now()
        await client.send_text(prompt)
        turn = await client.next_turn(options.timeout_s)
        await client.wait(turn.done, options.timeout_s, "turnComplete")
    finally:
        await client.close()
    if turn.first_text_at is None or turn.last_text_at is None:
        raise BenchError("the text reply was empty")
    tokens = int((turn.usage or {}).get("responseTokenCount", 0))
    return _TextRun(
        _ms(turn.first_text_at - sent),
        tokens,
        _rate(tokens, turn.first_text_at, turn.last_text_at),
        turn.text,
    )


def _prime(llm: LLM, options: BenchOptions, prompt: str) -> None:
    """Evaluate ``prompt`` as the server would, so that it is in the engine's cache."""
    params = SamplingParams(max_tokens=1, seed=options.seed)
    for _ in llm.generate([ChatMessage("user", prompt)], params, GenerationStats(), threading.Event()):
        pass


def _text_direct(llm: LLM, options: BenchOptions, prompt: str) -> _TextRun:
    """The engine alone, as the server calls it (same prompt, same sampling); in a worker thread."""
    params = SamplingParams(max_tokens=options.text_tokens, seed=options.seed)
    stats = GenerationStats()
    pieces: list[str] = []
    first = last = None
    started = now()
    for piece in llm.generate([ChatMessage("user", prompt)], params, stats, threading.Event()):
        if not piece:
            continue
        last = now()
        first = first or last
        pieces.append(piece)
    if first is None or last is None:
        raise BenchError("the engine's reply was empty")
    return _TextRun(
        _ms(first - started),
        stats.response_tokens,
        _rate(stats.response_tokens, first, last),
        "".join(pieces),
    )


async def text(target: Target, options: BenchOptions) -> ScenarioResult:
    """Time to first token and tokens/s through openlive vs. the engine alone, prompt by prompt."""
    result = ScenarioResult("text")
    via = result.figure("time to first token, openlive", target="target: within 5 % or 5 ms of engine")
    alone = result.figure("time to first token, engine alone", source="in-process")
    overhead = result.figure("TTFT overhead (openlive - engine)")
    ratio = result.figure("TTFT ratio (openlive / engine)", unit="x")
    rate_via = result.figure("tokens/s, openlive", unit="tok/s", higher_is_better=True)
    rate_alone = result.figure(
        "tokens/s, engine alone", unit="tok/s", higher_is_better=True, source="in-process"
    )
    rate_ratio = result.figure("tokens/s ratio (openlive / engine)", unit="x", higher_is_better=True)
    llm = await asyncio.to_thread(target.llm, target.endpoint.model)
    if not target.embedded:
        result.notes.append("engine alone: the embedded default model loaded here; compare like with like")
    prompts = [speech.TEXT_PROMPTS[i % len(speech.TEXT_PROMPTS)] for i in range(options.utterances)]
    for index, prompt in enumerate(prompts):
        try:
            # The engine keeps the prompt it last saw in its cache, so the second of two
            # runs of a prompt would skip its evaluation: run it once first, unmeasured,
            # so that both measured runs find it cached.
            await asyncio.to_thread(_prime, llm, options, prompt)
            # Alternate which goes first, so neither always finds the engine warmer.
            if index % 2 == 0:
                served = await _text_openlive(target, options, prompt)
                direct = await asyncio.to_thread(_text_direct, llm, options, prompt)
            else:
                direct = await asyncio.to_thread(_text_direct, llm, options, prompt)
                served = await _text_openlive(target, options, prompt)
        except BenchError as error:
            result.samples.append({"prompt": prompt, "error": str(error)})
            options.progress(f"[text {index + 1}/{len(prompts)}] FAILED: {error}")
            continue
        via.values.append(served.ttft_ms)
        alone.values.append(direct.ttft_ms)
        overhead.values.append(served.ttft_ms - direct.ttft_ms)
        if direct.ttft_ms > 0:
            ratio.values.append(served.ttft_ms / direct.ttft_ms)
        if served.tokens_per_s is not None:
            rate_via.values.append(served.tokens_per_s)
        if direct.tokens_per_s is not None:
            rate_alone.values.append(direct.tokens_per_s)
        if served.tokens_per_s and direct.tokens_per_s:
            rate_ratio.values.append(served.tokens_per_s / direct.tokens_per_s)
        result.samples.append(
            {
                "prompt": prompt,
                "openlive": _text_sample(served),
                "engine": _text_sample(direct),
                "same_reply": served.text == direct.text,
            }
        )
        options.progress(
            f"[text {index + 1}/{len(prompts)}] TTFT openlive {served.ttft_ms:.0f} ms vs engine "
            f"{direct.ttft_ms:.0f} ms; {served.tokens} vs {direct.tokens} tokens"
        )
    if via.values and alone.values:
        served_median, direct_median = percentile(via.values, 50), percentile(alone.values, 50)
        allowed = max(0.05 * direct_median, 5.0)
        verdict = "meets" if served_median - direct_median <= allowed else "misses"
        result.notes.append(
            f"median TTFT {served_median:.0f} ms vs {direct_median:.0f} ms alone: overhead "
            f"{served_median - direct_median:+.0f} ms, ratio {served_median / direct_median:.2f} "
            f"(allowed {allowed:.0f} ms): {verdict} the target"
        )
    differ = sum(1 for s in result.samples if s.get("same_reply") is False)
    if differ:
        result.notes.append(f"{differ} prompt(s) got a different reply through openlive than alone")
    return result


def _text_sample(run: _TextRun) -> dict[str, Any]:
    return {
        "ttft_ms": round(run.ttft_ms, 1),
        "tokens": run.tokens,
        "tokens_per_s": None if run.tokens_per_s is None else round(run.tokens_per_s, 1),
    }


# -- capacity --------------------------------------------------------------------------------


def capacity_levels(most: int) -> list[int]:
    """1, 2, 4, 8 ... up to ``most`` (``most`` itself last if it is not a power of two)."""
    levels, count = [], 1
    while count < most:
        levels.append(count)
        count *= 2
    return [*levels, max(1, most)]


async def _talk(
    target: Target,
    client: LiveClient,
    utterances: Sequence[speech.Utterance],
    chunk_ms: int,
    delay_s: float,
    options: BenchOptions,
) -> tuple[list[Exchange], list[dict[str, float]]]:
    await asyncio.sleep(delay_s)
    mic = Microphone(client, chunk_ms)
    mic.start()
    exchanges, parts = [], []
    try:
        for utterance in utterances:
            exchange = await converse(client, mic, utterance, chunk_ms, options.timeout_s)
            exchanges.append(exchange)
            parts.append(_server_parts(target, client, exchange))
            if exchange.error:
                break
    finally:
        await mic.stop()
    return exchanges, parts


class RssSampler:
    """The largest resident set of the server seen while it runs, sampled every 100 ms."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self.peak = target.rss() or 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling."""
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling (taking one last sample)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.peak = max(self.peak, self._target.rss() or 0)

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self._target.rss() or 0)
            await asyncio.sleep(0.1)


async def idle_cost(target: Target, options: BenchOptions, count: int) -> float | None:
    """The server's memory per idle session (set up, no audio yet), in MiB, or ``None``."""
    gc.collect()
    before = target.rss()
    if before is None:
        return None
    clients = await asyncio.gather(*(open_voice(target, options, options.reply_tokens) for _ in range(count)))
    try:
        await asyncio.sleep(0.5)
        gc.collect()
        after = target.rss()
    finally:
        await asyncio.gather(*(client.close() for client in clients))
    return None if after is None else (after - before) / MIB / count


async def capacity(target: Target, options: BenchOptions) -> ScenarioResult:
    """More and more concurrent voice sessions, until the 95th percentile passes the limit."""
    result = ScenarioResult("capacity")
    limit = options.latency_limit_ms
    holds_up_to = 0
    per_session = options.per_session
    probe = result.figure(
        f"RSS per idle session, {options.sessions} open at once", unit="MiB", target="target < 1 MiB"
    )
    cost = await idle_cost(target, options, options.sessions)
    if cost is not None:
        probe.values.append(cost)
        options.progress(f"[capacity] {options.sessions} idle session(s): {cost:.3f} MiB each")
    else:
        probe.note = "n/a: the server's memory cannot be read (give --server-pid)"
    for level in capacity_levels(options.sessions):
        latency = result.figure(
            f"end of speech -> first audio, {level} session(s)", target=f"p95 <= {limit:.0f}"
        )
        asr = result.figure(
            f"  transcription, {level} session(s)",
            source="server log" if target.embedded else "n/a",
            note="" if target.embedded else "n/a: needs --embedded",
        )
        idle = result.figure(f"RSS per idle session, {level} session(s)", unit="MiB", target="target < 1 MiB")
        talking = result.figure(f"RSS per talking session, {level} session(s)", unit="MiB")
        # Made before the sessions open: espeak-ng must not hold up the microphones.
        scripts = [speech.questions(per_session, offset=index * per_session) for index in range(level)]
        gc.collect()
        before = target.rss()
        clients = await asyncio.gather(
            *(open_voice(target, options, options.reply_tokens) for _ in range(level))
        )
        sample: dict[str, Any] = {"sessions": level, "utterances_per_session": per_session}
        sampler = RssSampler(target)
        try:
            await asyncio.sleep(0.3)
            gc.collect()
            opened = target.rss()
            if before is not None and opened is not None:
                sample["rss_before_mib"] = round(before / MIB, 2)
                sample["rss_idle_mib"] = round(opened / MIB, 2)
                idle.values.append((opened - before) / MIB / level)
            sampler.start()
            options.progress(f"[capacity {level} session(s)] talking, {per_session} utterance(s) each")
            # Users do not all start talking at the same instant: spread the starts over 2 s.
            talks = await asyncio.gather(
                *(
                    _talk(
                        target,
                        client,
                        scripts[index],
                        CHUNK_MS[index % len(CHUNK_MS)],
                        2.0 * index / level,
                        options,
                    )
                    for index, client in enumerate(clients)
                )
            )
        finally:
            await sampler.stop()
            await asyncio.gather(*(client.close() for client in clients))
        if before is not None:
            sample["rss_peak_mib"] = round(sampler.peak / MIB, 2)
            talking.values.append((sampler.peak - before) / MIB / level)
        exchanges = [exchange for exchanges, _ in talks for exchange in exchanges]
        parts = [part for _, parts_ in talks for part in parts_]
        latencies = [e.first_audio_ms for e in exchanges if e.first_audio_ms is not None]
        latency.values.extend(latencies)
        asr.values.extend(p["asr_ms"] for p in parts if "asr_ms" in p)
        failures = [e.error for e in exchanges if e.error]
        expected = level * per_session
        sample["first_audio_ms"] = [round(v, 1) for v in latencies]
        sample["failures"] = failures
        p95 = percentile(latencies, 95) if latencies else float("inf")
        holds = bool(latencies) and p95 <= limit and not failures and len(exchanges) == expected
        sample["p95_ms"] = None if not latencies else round(p95, 1)
        sample["holds"] = holds
        result.samples.append(sample)
        options.progress(
            f"[capacity {level} session(s)] p95 {p95:.0f} ms over {len(latencies)} exchange(s)"
            + (f", {len(failures)} failed" if failures else "")
            + (" - holds" if holds else f" - over {limit:.0f} ms")
        )
        if not holds:
            break
        holds_up_to = level
    result.notes.append(
        f"largest count within p95 <= {limit:.0f} ms: {holds_up_to} session(s) (target: at least 4)"
    )
    if target.embedded:
        result.notes.append("memory: this process's RSS, which also holds the benchmark's own clients")
    elif target.pid is None:
        result.notes.append("memory: n/a (give --server-pid to read the server's RSS)")
    return result


# -- pipeline --------------------------------------------------------------------------------


def _cascade(
    llm: LLM,
    engines: SpeechEngines,
    utterance: speech.Utterance,
    options: BenchOptions,
    chunk_ms: int,
    history: list[ChatMessage],
) -> dict[str, Any]:
    """One utterance through a plain sequential cascade (in a worker thread).

    ``history`` is the conversation so far (user and assistant turns), extended
    with this exchange, so that the prompts are those of the voice scenario's session.
    """
    from openlive.pipeline.audio_in import AudioInput
    from openlive.pipeline.audio_in import Utterance as HeardUtterance

    # End of speech, decided by the same VAD and thresholds as a session's defaults.
    front = AudioInput(vad=engines.vad.stream(), config=EndpointerConfig.from_live_api())
    step = INPUT_RATE * chunk_ms // 1000
    pcm = utterance.pcm + bytes(2 * INPUT_RATE * 2)  # the microphone goes on after the words
    heard: HeardUtterance | None = None
    detect_s = 0.0
    for start in range(0, len(pcm) // 2, step):
        begin = now()
        events = front.feed(pcm[2 * start : 2 * (start + step)], INPUT_RATE)
        detect_s = now() - begin
        heard = next((e for e in events if isinstance(e, HeardUtterance)), None)
        if heard is not None:
            position = min(start + step, len(pcm) // 2)
            break
    if heard is None:
        raise BenchError("the VAD did not find the end of the utterance")
    endpoint_ms = _ms((position - utterance.voiced_end) / INPUT_RATE + detect_s)
    begin = now()
    transcript = engines.asr.transcribe(heard.audio, "en")
    asr_ms = _ms(now() - begin)
    # The conversation so far, as the voice session's history holds it.
    if transcript.strip():
        history.append(ChatMessage("user", transcript.strip()))
    messages = [ChatMessage("system", options.system_instruction)] if options.system_instruction else []
    begin = now()
    params = SamplingParams(max_tokens=options.reply_tokens, seed=options.seed)
    reply = "".join(llm.generate([*messages, *history], params, GenerationStats(), threading.Event()))
    llm_ms = _ms(now() - begin)
    if reply:
        history.append(ChatMessage("assistant", reply))
    begin = now()
    audio = list(engines.tts.synthesize(reply.strip() or "Okay.", VOICE, LANGUAGE, threading.Event()))
    tts_ms = _ms(now() - begin)
    audio_s = sum(a.size for a in audio) / OUTPUT_RATE
    total = endpoint_ms + asr_ms + llm_ms + tts_ms
    return {
        **utterance.describe(),
        "heard": transcript,
        "reply": reply,
        "endpoint_ms": round(endpoint_ms, 1),
        "asr_ms": round(asr_ms, 1),
        "llm_ms": round(llm_ms, 1),
        "tts_ms": round(tts_ms, 1),
        "first_audio_ms": round(total, 1),
        "reply_audio_s": round(audio_s, 3),
        "heard_speech_s": round(heard.duration_s, 3),
    }


def _compare_with_voice(result: ScenarioResult, voice_result: ScenarioResult) -> None:
    served = [s.get("first_audio_ms") for s in voice_result.samples]
    cascade = [s.get("first_audio_ms") for s in result.samples]
    streaming = result.figure("openlive streaming (voice scenario, same utterances)")
    streaming.values.extend(v for v in served if v is not None)
    if not streaming.values:
        return
    served_median = percentile(streaming.values, 50)
    cascade_median = percentile(result.figures[0].values, 50)
    result.notes.append(
        f"median first audio: openlive {served_median:.0f} ms, cascade {cascade_median:.0f} ms "
        f"(streaming {'saves' if served_median < cascade_median else 'costs'} "
        f"{abs(cascade_median - served_median):.0f} ms)"
    )
    pairs = [
        (a, b)
        for a, b, voice_sample, cascade_sample in zip(
            served, cascade, voice_result.samples, result.samples, strict=False
        )
        if a is not None and b is not None and voice_sample.get("reply") == cascade_sample.get("reply")
    ]
    if pairs:
        same_served = percentile([a for a, _ in pairs], 50)
        same_cascade = percentile([b for _, b in pairs], 50)
        result.notes.append(
            f"on the {len(pairs)} utterance(s) whose reply was the same in both: openlive "
            f"{same_served:.0f} ms, cascade {same_cascade:.0f} ms (medians)"
        )
    differ = len(result.samples) - len(pairs)
    if differ:
        result.notes.append(
            f"{differ} reply(ies) differ: the cascade's VAD cut can differ slightly from the "
            "session's (its stream starts afresh), and then the two conversations diverge"
        )


async def pipeline(
    target: Target, options: BenchOptions, voice_result: ScenarioResult | None = None
) -> ScenarioResult:
    """The voice utterances through a sequential cascade of the same engines, as the baseline.

    With the voice scenario's result of the same run, openlive's figures are set beside
    the cascade's, overall and on the utterances that got the very same reply.
    """
    result = ScenarioResult("pipeline")
    first = result.figure("cascade: end of speech -> first audio", source="in-process")
    silence_ms = EndpointerConfig.from_live_api().silence_ms
    endpoint = result.figure(f"  endpointing (same VAD, {silence_ms} ms silence)", source="in-process")
    asr = result.figure("  transcription (whole utterance)", source="in-process")
    llm_figure = result.figure("  reply (whole, LLM)", source="in-process")
    tts = result.figure("  synthesis (whole reply)", source="in-process")
    llm = await asyncio.to_thread(target.llm, target.endpoint.model)
    engines = await asyncio.to_thread(target.speech_engines)
    utterances = speech.questions(options.utterances)
    history: list[ChatMessage] = []
    for index, utterance in enumerate(utterances):
        chunk_ms = CHUNK_MS[index % len(CHUNK_MS)]
        try:
            sample = await asyncio.to_thread(_cascade, llm, engines, utterance, options, chunk_ms, history)
        except BenchError as error:
            result.samples.append({**utterance.describe(), "error": str(error)})
            options.progress(f"[pipeline {index + 1}/{len(utterances)}] FAILED: {error}")
            continue
        result.samples.append(sample)
        first.values.append(sample["first_audio_ms"])
        endpoint.values.append(sample["endpoint_ms"])
        asr.values.append(sample["asr_ms"])
        llm_figure.values.append(sample["llm_ms"])
        tts.values.append(sample["tts_ms"])
        options.progress(
            f"[pipeline {index + 1}/{len(utterances)}] {_short(utterance.text)!r}: first audio "
            f"{sample['first_audio_ms']:.0f} ms (endpoint {sample['endpoint_ms']:.0f}, asr "
            f"{sample['asr_ms']:.0f}, llm {sample['llm_ms']:.0f}, tts {sample['tts_ms']:.0f})"
        )
    if voice_result is not None and first.values:
        _compare_with_voice(result, voice_result)
    return result
