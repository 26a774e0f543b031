"""``openlive bench video``: what a video frame costs, and what streaming frames does to voice.

Two parts, in one run:

- **a frame's cost at each mediaResolution**, in this process: a 1280x720 screen
  frame with text and a 1920x1080 camera-style frame, each checked from its header,
  decoded and scaled to the resolution's size, then described by the server's
  describer (the embedded screen reader, or what the server's model table names)
  and, for a vision engine, re-encoded to what the engine is sent;
- **voice latency with frames streaming at 1 fps beside the same without**: two
  spoken sessions (with ``contextWindowCompression``, so the 2-minute limit of a
  session with video does not end one), utterances alternating between the one
  that never sees video and the one shown frames once a second throughout its
  exchanges, so both share the same machine load over time;
- **a flood**: one client sends camera frames as fast as it can while another
  talks: the talker's latency, the server's memory before, at its peak and after,
  and what became of the flooding session (the server closes a client far past
  ``max_video_fps``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from websockets.exceptions import ConnectionClosed

from openlive.bench import speech
from openlive.bench.client import LiveClient, Microphone
from openlive.bench.report import Figure, ScenarioResult
from openlive.bench.target import Target

# The resolutions measured, and what each is called in the table.
RESOLUTIONS = (
    ("MEDIA_RESOLUTION_LOW", "LOW"),
    ("MEDIA_RESOLUTION_MEDIUM", "MEDIUM"),
    ("MEDIA_RESOLUTION_HIGH", "HIGH"),
    (None, "unset"),
)
FRAME_INTERVAL_S = 1.0
# Frames flow this long before the watched session's user starts to speak.
LEAD_S = 3.0
# How long the flood lasts at most, and the utterances spoken during it.
FLOOD_S = 30.0
FLOOD_UTTERANCES = 4
MIB = 1024 * 1024
# Times each frame is measured at each resolution (after one unmeasured pass).
REPEATS = 5
# Questions about the shared screen (the others are the voice scenario's, about anything):
# a tiny model's reply to one is written by its reader, which is slower.
SCREEN_QUESTIONS = (
    "What does my screen say?",
    "Can you read me what's on my screen?",
    "How many tests failed on this build?",
    "What's the title of this window?",
    "When is the next deployment, according to the dashboard?",
)


def screen_frame(number: int, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A screen-like JPEG: a window with a title bar and lines of ordinary UI text."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", size, (245, 245, 245))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    draw.rectangle((0, 0, size[0], 56), fill=(40, 60, 110))
    draw.text((24, 12), f"Build dashboard - run {number}", fill=(255, 255, 255), font=font)
    lines = [
        f"Pipeline {number} finished in {40 + number % 17} minutes",
        f"{120 + number} tests passed, {number % 3} failed",
        "Next deployment: Thursday at 10:30",
        "Owner: release team",
    ]
    for row, line in enumerate(lines):
        draw.text((48, 110 + 70 * row), line, fill=(20, 20, 20), font=font)
    return _jpeg(image)


def camera_frame(number: int, size: tuple[int, int] = (1920, 1080)) -> bytes:
    """A camera-like JPEG: smooth gradients, a bright object, sensor noise."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(number)
    y, x = np.mgrid[0 : size[1], 0 : size[0]]
    base = np.stack([x * 200 / size[0], y * 180 / size[1], (x + y) * 120 / sum(size)], axis=-1)
    centre = (size[0] * (0.3 + 0.05 * (number % 5)), size[1] * 0.5)
    blob = ((x - centre[0]) ** 2 + (y - centre[1]) ** 2) < (size[1] / 6) ** 2
    base[blob] = (230, 160, 40)
    noisy = np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8)
    return _jpeg(Image.fromarray(noisy, "RGB"))


def _jpeg(image: Any) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def frame_costs(target: Target, result: ScenarioResult, progress: Callable[[str], None]) -> None:
    """Measure, in this process, what one frame costs at each resolution."""
    from openlive.images import check_image, decode, encode, resolution

    describer = target.describer()
    # A different frame at each repeat: describers cache what they have read, and a
    # frame seen before would cost nothing.
    frames = {
        "screen 1280x720": [screen_frame(1 + n) for n in range(REPEATS + 1)],
        "camera 1920x1080": [camera_frame(1 + n) for n in range(REPEATS + 1)],
    }
    for kind, variants in frames.items():
        result.notes.append(f"{kind} frame: {len(variants[0])} bytes of JPEG")
    for name, label in RESOLUTIONS:
        res = resolution(name)
        for kind, variants in frames.items():
            decoding = result.figure(
                f"{label} ({res.max_side} px): check + decode, {kind}", source="in-process"
            )
            describing = result.figure(f"{label}: describe, {kind}", source="in-process")
            sizing = result.figure(f"{label}: re-encode for a vision engine, {kind}", source="in-process")
            for repeat, data in enumerate(variants):
                started = time.perf_counter()
                check_image(data, "image/jpeg", "bench")
                image = decode(data, res.max_side)
                decoded = time.perf_counter()
                text = describer.describe(image, None)
                described = time.perf_counter()
                encode(image, "image/jpeg")
                encoded = time.perf_counter()
                if repeat == 0:
                    if label == "unset":
                        result.notes.append(f"{kind}, described at {res.max_side} px: {text[:160]!r}")
                    continue  # the first pass loads models and warms caches
                decoding.values.append(1000 * (decoded - started))
                describing.values.append(1000 * (described - decoded))
                sizing.values.append(1000 * (encoded - described))
            progress(
                f"  {label:>6} {kind}: decode {decoding.values[-1]:.0f} ms, "
                f"describe {describing.values[-1]:.0f} ms"
            )


def turn_costs(target: Target, result: ScenarioResult) -> None:
    """What a frame adds to the turn that uses it, for a text-only model.

    The turn's prompt is made ready (:class:`~openlive.pipeline.vision.FrameVision`)
    in its generation's worker thread, before the first token: with the frame
    described ahead (as frames are, when they arrive) that is a cache hit; with a
    streamed frame not read yet but an earlier one of the stream read, the turn takes
    that reading and does not wait; an image no one read yet (the first frame of a
    stream, an image in a turn) is read then, on the critical path.
    """
    from openlive.engines.base import ChatMessage
    from openlive.images import resolution
    from openlive.parts import ImagePart, TextPart
    from openlive.pipeline.vision import FrameVision
    from openlive.testing import FakeLLM

    describer = target.describer()
    cases = (
        ("ahead", result.figure("turn with a frame described ahead: prompt ready", source="in-process")),
        (
            "streamed",
            result.figure(
                "turn with a streamed frame not read yet, an earlier one read: prompt ready",
                source="in-process",
            ),
        ),
        ("cold", result.figure("turn with an image no one read yet: prompt ready", source="in-process")),
    )
    text_only = FakeLLM()  # only its capabilities are read: a model that reads text
    for number in range(REPEATS + 1):
        for index, (case, figure) in enumerate(cases):
            vision = FrameVision(lambda: describer, lambda: resolution(None))
            frame = ImagePart(screen_frame(100 + 3 * number + index), "image/jpeg")
            prompt = [
                ChatMessage("user", "What does my screen say?", (frame, TextPart("What does my screen say?")))
            ]
            if case == "ahead":
                vision.describe(frame, None)
            elif case == "streamed":
                earlier = ImagePart(screen_frame(1000 + 3 * number + index), "image/jpeg")
                vision.see(earlier, None)  # no executor: nothing is read ahead
                vision.describe(earlier, None)
                vision.see(frame, earlier)
            started = time.perf_counter()
            vision.prepare(text_only, prompt)
            if number:
                figure.values.append(1000 * (time.perf_counter() - started))


async def _stream_frames(client: LiveClient, frames: list[bytes], sent: list[int]) -> None:
    number = 0
    while True:
        await client.send_video(frames[number % len(frames)])
        sent[0] += 1
        number += 1
        await asyncio.sleep(FRAME_INTERVAL_S)


async def voice_with_frames(target: Target, options: Any, result: ScenarioResult) -> None:
    """Three spoken sessions, two shown frames at 1 fps, one none; end of speech to first audio.

    Utterances take turns between the sessions, so all share the machine's load over
    time. Frames flow to a watched session from ``LEAD_S`` before each of its
    utterances to the end of its reply (a screen shared while the user talks), so its
    turns carry everything frames cost: the frame's description in the prompt,
    reading frames beside the voice's work, and any wait for a reading. One watched
    session is asked the voice scenario's questions (about anything), the other
    ``SCREEN_QUESTIONS`` (about the screen: for a tiny model, its reader answers). The
    plain session never sees an image (an earlier version alternated within one
    session, whose "no video" turns still carried the frames' descriptions).
    """
    from openlive.bench.client import voice_setup
    from openlive.bench.scenarios import CHUNK_MS, VOICE, _exchange_sample, _server_parts, converse

    without = result.figure("voice: end of speech -> first audio, no video")
    with_video = result.figure(
        "voice: end of speech -> first audio, frames at 1 fps", target="target: median <= no video + 50"
    )
    # Where frames could cost (the embedded server's own timings): the reply, from the
    # server's end-of-speech decision to the first audio, apart from the endpointing.
    reply_without = result.figure("voice: server's end of speech -> first audio, no video", source="server")
    reply_with = result.figure(
        "voice: server's end of speech -> first audio, frames at 1 fps", source="server"
    )
    asking = result.figure("voice: end of speech -> first audio, frames at 1 fps, asked about the screen")
    reply_asking = result.figure(
        "voice: server's end of speech -> first audio, frames at 1 fps, asked about the screen",
        source="server",
    )
    frames = [screen_frame(n) for n in range(8)]
    setup = voice_setup(target.endpoint.model, options.reply_tokens, options.seed, VOICE)
    setup["setup"]["contextWindowCompression"] = {"slidingWindow": {}}
    plain = await LiveClient.open(target.endpoint, setup, options.timeout_s)
    watched = await LiveClient.open(target.endpoint, setup, options.timeout_s)
    asker = await LiveClient.open(target.endpoint, setup, options.timeout_s)
    mics = {id(c): Microphone(c) for c in (plain, watched, asker)}
    for mic in mics.values():
        mic.start()
    sent = [0]
    each = max(1, options.utterances // 2)
    general = iter(speech.questions(2 * each))
    about = iter(speech.series(SCREEN_QUESTIONS, each))
    # No video, frames, no video, frames, ... with a question about the screen after each pair.
    kinds = [kind for _ in range(each) for kind in ("plain", "watched", "asked")]
    try:
        for index, kind in enumerate(kinds):
            utterance = next(about) if kind == "asked" else next(general)
            streaming = kind != "plain"
            client = {"plain": plain, "watched": watched, "asked": asker}[kind]
            stream = asyncio.create_task(_stream_frames(client, frames, sent)) if streaming else None
            try:
                if stream is not None:
                    await asyncio.sleep(LEAD_S)  # frames already flowing when the user speaks
                exchange = await converse(
                    client, mics[id(client)], utterance, CHUNK_MS[index % len(CHUNK_MS)], options.timeout_s
                )
            finally:
                if stream is not None:
                    stream.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await stream
            figure = {"plain": without, "watched": with_video, "asked": asking}[kind]
            if exchange.first_audio_ms is not None:
                figure.values.append(exchange.first_audio_ms)
            parts = _server_parts(target, client, exchange)
            if "after_eos_ms" in parts:
                server_figure = {"plain": reply_without, "watched": reply_with, "asked": reply_asking}[kind]
                server_figure.values.append(parts["after_eos_ms"])
            result.samples.append(_exchange_sample(exchange, parts, video=streaming))
            shown = (
                f"{exchange.first_audio_ms:.0f} ms" if exchange.first_audio_ms is not None else exchange.error
            )
            label = {"plain": "no video", "watched": "1 fps", "asked": "1 fps, about the screen"}[kind]
            options.progress(f"  voice {index + 1}/{len(kinds)} ({label}): {shown}")
            if client.closed.is_set():
                result.notes.append(f"a session closed early: {client.close_reason}")
                break
    finally:
        for mic in mics.values():
            await mic.stop()
        await plain.close()
        await watched.close()
        await asker.close()
    result.notes.append(f"{sent[0]} frames streamed during the 1 fps exchanges")
    # A microphone that fell behind real time would make every latency here meaningless.
    late = sum(mic.late_chunks for mic in mics.values())
    result.notes.append(f"microphone chunks sent late (over a chunk behind real time): {late}")
    _difference(result, without, with_video)
    a, c = without.summary(), asking.summary()
    if a is not None and c is not None:
        result.notes.append(
            f"a question about the screen (frames at 1 fps) adds {c.median - a.median:+.0f} ms to the "
            f"voice median ({a.median:.0f} -> {c.median:.0f} ms; no target)"
        )


def _difference(result: ScenarioResult, without: Figure, with_video: Figure) -> None:
    a, b = without.summary(), with_video.summary()
    if a is None or b is None:
        return
    added = b.median - a.median
    verdict = "meets" if added <= 50 else "misses"
    result.notes.append(
        f"frames at 1 fps add {added:+.0f} ms to the voice median ({a.median:.0f} -> {b.median:.0f} ms); "
        f"{verdict} the target of at most +50 ms"
    )


async def flood_while_talking(target: Target, options: Any, result: ScenarioResult) -> None:
    """One client floods frames while another talks: latency, memory, and the flooder still answered."""
    from openlive.bench.client import text_setup, voice_setup
    from openlive.bench.scenarios import CHUNK_MS, VOICE, converse

    talking = result.figure("flood: end of speech -> first audio, while another client floods frames")
    memory = result.figure("flood: server memory growth, peak over before", unit="MiB", source="server")
    frames = [camera_frame(n) for n in range(8)]
    compressed: dict[str, Any] = {"contextWindowCompression": {"slidingWindow": {}}}
    flood_setup = text_setup(target.endpoint.model, 32, options.seed)
    flood_setup["setup"].update(compressed)
    talk_setup = voice_setup(target.endpoint.model, options.reply_tokens, options.seed, VOICE)
    talk_setup["setup"].update(compressed)
    flooder = await LiveClient.open(target.endpoint, flood_setup, options.timeout_s)
    talker = await LiveClient.open(target.endpoint, talk_setup, options.timeout_s)
    mic = Microphone(talker)
    mic.start()
    before = target.rss()
    peak = [before or 0]
    sent = [0]
    stop = asyncio.Event()

    async def flood() -> None:
        # The server closes a client this far past its frame rate: the flood ends then.
        with contextlib.suppress(ConnectionClosed):
            while not stop.is_set() and not flooder.closed.is_set():
                await flooder.send_video(frames[sent[0] % len(frames)])
                sent[0] += 1
                # A send to a fast local socket never suspends: without this the
                # client's loop never reads, and the server's close frame (1008 and
                # its reason) goes unseen until the server drops the connection (1006).
                await asyncio.sleep(0)

    async def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], target.rss() or 0)
            await asyncio.sleep(0.25)

    started = time.perf_counter()
    tasks = [asyncio.create_task(flood()), asyncio.create_task(watch())]
    try:
        for index, utterance in enumerate(speech.questions(FLOOD_UTTERANCES, offset=7)):
            exchange = await converse(
                talker, mic, utterance, CHUNK_MS[index % len(CHUNK_MS)], options.timeout_s
            )
            if exchange.first_audio_ms is not None:
                talking.values.append(exchange.first_audio_ms)
            shown = (
                f"{exchange.first_audio_ms:.0f} ms" if exchange.first_audio_ms is not None else exchange.error
            )
            options.progress(f"  talking during the flood {index + 1}/{FLOOD_UTTERANCES}: {shown}")
            if time.perf_counter() - started > FLOOD_S:
                break
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await mic.stop()
        await talker.close()
    seconds = time.perf_counter() - started
    answered = "no"
    if flooder.closed.is_set():
        answered = f"no: the server closed it ({flooder.close_reason})"
    else:
        with contextlib.suppress(Exception):
            await flooder.send_text("What is in front of the camera?")
            turn = await flooder.next_turn(options.timeout_s)
            await flooder.wait(turn.done, options.timeout_s, "turnComplete")
            answered = "yes"
    await flooder.close()
    after = target.rss()
    if before is not None and after is not None:
        memory.values.append((peak[0] - before) / MIB)
        result.notes.append(
            f"flood: {sent[0]} frames of ~{len(frames[0]) // 1024} KiB in {seconds:.0f} s "
            f"({sent[0] / seconds:.0f}/s); server memory {before / MIB:.0f} MiB before, "
            f"{peak[0] / MIB:.0f} at the peak, {after / MIB:.0f} after; the flooding session "
            f"answered afterwards: {answered}"
        )
    else:
        memory.note = "n/a: the server's memory cannot be read (remote without --server-pid)"
        result.notes.append(f"flood: {sent[0]} frames in {seconds:.0f} s; answered afterwards: {answered}")


async def video(target: Target, options: Any) -> ScenarioResult:
    """The video scenario: a frame's cost at each resolution, voice with and without frames, a flood."""
    result = ScenarioResult("video")
    options.progress("  a frame's cost at each resolution (in this process)")
    await asyncio.to_thread(frame_costs, target, result, options.progress)
    await asyncio.to_thread(turn_costs, target, result)
    await voice_with_frames(target, options, result)
    await flood_while_talking(target, options, result)
    return result
