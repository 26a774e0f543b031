"""``openlive bench turns``: does the server hear when the user has finished, and when they interrupt?

On the speech of :mod:`openlive.bench.turn_speech` (its own sentences; espeak-ng
voices and rates, and the server's Piper voices), streamed in real time:

- **mid-sentence pauses**: a sentence with 300-700 ms of silence inside it; a
  *split* is a turn the server started before the sentence's last voiced sample
  was sent (it took the pause for the end), or more than one turn for it;
- **end of speech to first reply audio**: complete questions;
- **backchannels** ("mhm", "yeah"...), **coughs** (100-300 ms noise bursts) and
  **steady pink noise** (-30 and -20 dBFS) during a long spoken reply: whether the
  reply was interrupted, and whether its audio went on afterwards;
- **real barge-in**: interjections during a reply: first voiced sample to
  ``interrupted``, and reply audio received after it.

With the embedded server every case runs twice, side by side: *before* (silence
alone ends a turn, 300 ms; any speech interrupts at once: the server as it was)
and *after* (the turn model, and backchannels heard before interrupting).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from openlive.bench import turn_speech
from openlive.bench.client import OUTPUT_RATE, BenchError, Microphone, now
from openlive.bench.report import ScenarioResult
from openlive.bench.scenarios import CHUNK_MS, BenchOptions, converse, open_voice
from openlive.bench.speech import Utterance
from openlive.bench.target import Target

LISTEN_S = 1.0  # the user listens this long to the reply before the backchannel or noise
WATCH_S = 6.0  # how long after it the reply is watched for `interrupted` and more audio
QUESTION_TOKENS = 24


@contextmanager
def _mode(target: Target, after: bool) -> Iterator[None]:
    """Serve new sessions as *before* (silence alone, no backchannels) or *after* (the defaults)."""
    state = target.app_state
    if state is None or after:
        yield
        return
    speech, limits = state.speech, state.connection_limits
    state.speech = dataclasses.replace(speech, turn=None) if speech is not None else None
    state.connection_limits = dataclasses.replace(limits, backchannels=False)
    try:
        yield
    finally:
        state.speech, state.connection_limits = speech, limits


class _Speakers:
    """Voices in turn: the espeak-ng ones, then the server's Piper voices."""

    def __init__(self, target: Target) -> None:
        self._piper: turn_speech.Speak | None = None
        try:
            tts = target.speech_engines().tts
            self._piper = turn_speech.piper_speaker(turn_speech.tts_synthesize(tts), OUTPUT_RATE)
        except Exception:  # noqa: BLE001 - no engines here: espeak-ng voices only
            self._piper = None
        voices: list[tuple[str, int, turn_speech.Speak | None]] = [
            (voice, wpm, None) for voice, wpm in turn_speech.ESPEAK_VOICES
        ]
        if self._piper is not None:
            voices += [(name, 0, self._piper) for name in turn_speech.PIPER_VOICES]
        self.voices = voices

    def at(self, index: int) -> tuple[str, int, turn_speech.Speak | None]:
        return self.voices[index % len(self.voices)]


async def turns(target: Target, options: BenchOptions) -> ScenarioResult:
    """Run the turn-taking cases; with the embedded server, before and after side by side."""
    result = ScenarioResult("turns")
    modes = [("before", False), ("after", True)] if target.app_state is not None else [("server", True)]
    if target.app_state is None:
        result.notes.append("remote server: its own settings only (no before/after)")
    speakers = await asyncio.to_thread(_Speakers, target)
    count = options.utterances
    rates: dict[str, dict[str, list[int]]] = {name: {} for name, _ in modes}

    def tally(mode: str, what: str, hit: bool) -> None:
        rates[mode].setdefault(what, []).append(int(hit))

    # Mid-sentence pauses.
    for index in range(count):
        voice, wpm, speak = speakers.at(index)
        sentence = turn_speech.PAUSED_SENTENCES[index % len(turn_speech.PAUSED_SENTENCES)]
        pause_ms = turn_speech.PAUSES_MS[index % len(turn_speech.PAUSES_MS)]
        case = await asyncio.to_thread(turn_speech.paused, sentence, voice, wpm, pause_ms, speak)
        for mode, after in modes:
            with _mode(target, after):
                split, sample = await _paused_exchange(target, options, case.utterance, index)
            sample.update(mode=mode, pause_ms=pause_ms, voice=voice, case="pause")
            result.samples.append(sample)
            if split is not None:
                tally(mode, f"split, pause {'<=' if pause_ms <= 600 else '>'} 600 ms", split)
                if sample.get("first_audio_ms") is not None:
                    result.figure(f"{mode}: end of speech -> first audio (paused sentences)").values.append(
                        sample["first_audio_ms"]
                    )
            options.progress(
                f"[turns pause {index + 1}/{count}] {mode} {voice} {pause_ms} ms: {_line(sample)}"
            )

    # End of speech to first reply audio.
    for index in range(count):
        voice, wpm, speak = speakers.at(index + 3)
        text = turn_speech.QUESTIONS[index % len(turn_speech.QUESTIONS)]
        utterance = await asyncio.to_thread(turn_speech.said, text, voice, wpm, speak, 0.3)
        for mode, after in modes:
            with _mode(target, after):
                split, sample = await _paused_exchange(target, options, utterance, index)
            sample.update(mode=mode, voice=voice, case="question")
            result.samples.append(sample)
            if sample.get("first_audio_ms") is not None:
                result.figure(f"{mode}: end of speech -> first audio (questions)").values.append(
                    sample["first_audio_ms"]
                )
            if split is not None:
                tally(mode, "split, complete question", split)
            options.progress(f"[turns question {index + 1}/{count}] {mode} {voice}: {_line(sample)}")

    # Speech and noise during a reply.
    cases: list[tuple[str, Utterance]] = []
    for index in range(count):
        voice, wpm, speak = speakers.at(index + 1)
        text = turn_speech.BACKCHANNELS[index % len(turn_speech.BACKCHANNELS)]
        cases.append(("backchannel", await asyncio.to_thread(turn_speech.said, text, voice, wpm, speak)))
    for index in range(count):
        ms = turn_speech.COUGH_MS[index % len(turn_speech.COUGH_MS)]
        cases.append(("cough", turn_speech.cough(ms, seed=index, level_dbfs=-20.0 + 2.0 * (index % 4))))
    for index in range(max(2, count // 5)):
        level = turn_speech.NOISE_DBFS[index % len(turn_speech.NOISE_DBFS)]
        cases.append(("steady noise", turn_speech.pink_noise(3.0, level, seed=index)))
    for index in range(count):
        voice, wpm, speak = speakers.at(index + 2)
        text = turn_speech.INTERJECTIONS[index % len(turn_speech.INTERJECTIONS)]
        cases.append(("barge-in", await asyncio.to_thread(turn_speech.said, text, voice, wpm, speak)))
    for index, (kind, utterance) in enumerate(cases):
        for mode, after in modes:
            with _mode(target, after):
                sample = await _during_reply(target, options, utterance, index)
            sample.update(mode=mode, case=kind, said=utterance.text, voice=utterance.voice)
            result.samples.append(sample)
            if "error" in sample:
                options.progress(f"[turns {kind}] {mode}: {sample['error']}")
                continue
            interrupted = sample["interrupted"]
            tally(mode, f"interrupted by {kind}", interrupted)
            if kind == "barge-in" and interrupted:
                result.figure(f"{mode}: first voiced sample -> interrupted").values.append(
                    sample["to_interrupted_ms"]
                )
                result.figure(f"{mode}: reply audio after interrupted", unit="ms audio").values.append(
                    sample["audio_after_interrupted_ms"]
                )
            options.progress(
                f"[turns {kind} {index + 1}/{len(cases)}] {mode} {utterance.text!r}: {_line(sample)}"
            )

    for mode, table in rates.items():
        for what, hits in table.items():
            result.notes.append(f"{mode}: {what}: {sum(hits)}/{len(hits)}")
    return result


def _line(sample: dict[str, Any]) -> str:
    keys = ("split", "first_audio_ms", "interrupted", "to_interrupted_ms", "reply_went_on", "error")
    return ", ".join(f"{key} {sample[key]}" for key in keys if key in sample)


async def _paused_exchange(
    target: Target, options: BenchOptions, utterance: Utterance, index: int
) -> tuple[bool | None, dict[str, Any]]:
    """Say ``utterance`` in a new session; whether the server split it, and the first audio time."""
    client = await open_voice(target, options, QUESTION_TOKENS)
    mic = Microphone(client)
    mic.start()
    sample: dict[str, Any] = {"text": utterance.text}
    try:
        exchange = await converse(client, mic, utterance, CHUNK_MS[index % len(CHUNK_MS)], options.timeout_s)
    finally:
        await mic.stop()
        await client.close()
    if exchange.error or exchange.turn is None:
        sample["error"] = exchange.error or "no reply"
        return None, sample
    split = exchange.skipped > 0 or (
        exchange.speaking.voiced_end_at is not None
        and exchange.turn.started_at < exchange.speaking.voiced_end_at
    )
    sample["split"] = split
    sample["heard"] = exchange.turn.heard
    if exchange.first_audio_ms is not None:
        sample["first_audio_ms"] = round(exchange.first_audio_ms, 1)
    return split, sample


async def _during_reply(
    target: Target, options: BenchOptions, utterance: Utterance, index: int
) -> dict[str, Any]:
    """Ask for a long reply, let it play, say (or make) ``utterance``; watch what the reply does."""
    client = await open_voice(target, options, options.story_tokens)
    mic = Microphone(client, CHUNK_MS[index % len(CHUNK_MS)])
    mic.start()
    sample: dict[str, Any] = {}
    try:
        prompt = turn_speech.STORY_PROMPTS[index % len(turn_speech.STORY_PROMPTS)]
        request = mic.say(await asyncio.to_thread(turn_speech.said, prompt, "en-us", 170, None, 0.3))
        await client.wait(request.voiced_ended, options.timeout_s, "the request")
        assert request.voiced_end_at is not None
        deadline = now() + options.timeout_s
        while True:
            turn = await client.next_turn(deadline - now())
            await client.wait(turn.first_audio, deadline - now(), "reply audio")
            assert turn.first_audio_at is not None
            if turn.first_audio_at > request.voiced_end_at and turn.interrupted_at is None:
                break
        await asyncio.sleep(LISTEN_S)
        if turn.done.is_set():
            sample["error"] = "the reply ended before the user spoke (not counted)"
            return sample
        speaking = mic.say(utterance)
        await client.wait(speaking.finished, utterance.duration_s + options.timeout_s, "the input to go out")
        assert speaking.voiced_start_at is not None and speaking.voiced_end_at is not None
        # Until the reply ends (interrupted or not) or has been watched long enough.
        remaining = speaking.voiced_end_at + WATCH_S - now()
        if remaining > 0:
            with contextlib.suppress(BenchError):
                await client.wait(turn.done, remaining, "the reply to end")
        interrupted = turn.interrupted_at is not None
        sample["interrupted"] = interrupted
        if interrupted:
            assert turn.interrupted_at is not None
            sample["to_interrupted_ms"] = round(1000 * (turn.interrupted_at - speaking.voiced_start_at), 1)
            late, _ = client.audio_between(turn.interrupted_at, speaking.voiced_end_at)
            sample["audio_after_interrupted_ms"] = round(1000 * late / 2 / OUTPUT_RATE, 1)
        else:
            # Reply audio after the input: the reply went on (held meanwhile, if it was heard).
            went_on, _ = client.audio_between(speaking.voiced_end_at, speaking.voiced_end_at + WATCH_S)
            sample["reply_went_on"] = went_on > 0 or turn.generation_complete_at is not None
    except BenchError as error:
        sample["error"] = str(error)
    finally:
        await mic.stop()
        await client.close()
    return sample


__all__ = ["turns"]
