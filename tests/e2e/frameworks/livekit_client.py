"""Stock LiveKit Agents (``livekit-plugins-google`` ``RealtimeModel``) against openlive, no LiveKit server.

The RealtimeSession is driven directly, as an AgentSession would: audio frames
pushed in, ``generate_reply``, events read. Only ``http_options`` (the base URL)
points it at openlive; the model is the plugin's default.

    .venv-frameworks/bin/python tests/e2e/frameworks/livekit_client.py BASE_URL SCENARIO [SPEECH.pcm ...]

Scenarios: ``text`` (``generate_reply`` with text out), ``audio`` (speech in,
speech out, transcriptions), ``function`` (a spoken request that calls a function
tool, whose result is sent back through the chat context), ``interrupt`` (speech
over the reply). SPEECH files are 16-bit mono PCM at 16 kHz. The last stdout line
is a JSON summary.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from google.genai import types
from livekit import rtc
from livekit.agents import llm
from livekit.plugins import google

RATE = 16_000
CHUNK_S = 0.02
TIMEOUT_S = float(os.environ.get("OPENLIVE_TIMEOUT_S", "120"))


@llm.function_tool
async def turn_on_the_lights() -> str:
    """Turn on the lights in the room."""
    return "the lights are on"


class Recorder:
    """What the session's events carried."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.text = ""
        self.heard = ""
        self.audio_bytes = 0
        self.audio_rates: set[int] = set()
        self.speech_started = 0
        self.generations = 0
        self.done = 0
        self.calls: list[str] = []
        self.errors: list[str] = []
        self.changed = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        session.on("generation_created", self._generation)
        session.on("input_audio_transcription_completed", self._heard)
        session.on("input_speech_started", self._speech_started)
        session.on("error", lambda event: self.errors.append(str(event.error)))

    def _generation(self, event: llm.GenerationCreatedEvent) -> None:
        self.generations += 1
        task = asyncio.create_task(self._read(event))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _read(self, event: llm.GenerationCreatedEvent) -> None:
        async def messages() -> None:
            async for message in event.message_stream:
                await asyncio.gather(text(message.text_stream), audio(message.audio_stream))

        async def text(stream: Any) -> None:
            async for piece in stream:
                self.text += piece
                self.changed.set()

        async def audio(stream: Any) -> None:
            async for frame in stream:
                self.audio_bytes += len(frame.data.tobytes())
                self.audio_rates.add(frame.sample_rate)
                self.changed.set()

        async def functions() -> None:
            async for call in event.function_stream:
                self.calls.append(call.name)
                # As AgentSession does: run the tool, put its output in the chat context.
                output = await turn_on_the_lights()
                context = self.session.chat_ctx.copy()
                context.items.append(call)
                context.items.append(
                    llm.FunctionCallOutput(
                        call_id=call.call_id, name=call.name, output=output, is_error=False
                    )
                )
                await self.session.update_chat_ctx(context)
                self.changed.set()

        await asyncio.gather(messages(), functions())
        self.done += 1
        self.changed.set()

    def _heard(self, event: llm.InputTranscriptionCompleted) -> None:
        self.heard = event.transcript
        self.changed.set()

    def _speech_started(self, _event: llm.InputSpeechStartedEvent) -> None:
        self.speech_started += 1
        self.changed.set()

    def summary(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "heard": self.heard,
            "audio_bytes": self.audio_bytes,
            "audio_rates": sorted(self.audio_rates),
            "speech_started": self.speech_started,
            "generations": self.generations,
            "done": self.done,
            "calls": self.calls,
            "errors": self.errors,
        }


async def wait_until(recorder: Recorder, done: Any, quiet_s: float = 1.5) -> None:
    """Wait until ``done()`` holds and nothing new has come for ``quiet_s``, or the timeout."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        recorder.changed.clear()
        try:
            await asyncio.wait_for(recorder.changed.wait(), quiet_s)
        except TimeoutError:
            if done():
                return


async def speak(session: Any, pcm: bytes) -> None:
    """Push speech in real time, 20 ms frames, as a room's audio track would."""
    samples = int(RATE * CHUNK_S)
    for start in range(0, len(pcm) - 1, samples * 2):
        chunk = pcm[start : start + samples * 2]
        session.push_audio(
            rtc.AudioFrame(data=chunk, sample_rate=RATE, num_channels=1, samples_per_channel=len(chunk) // 2)
        )
        await asyncio.sleep(CHUNK_S)


async def run(base_url: str, scenario: str, speech: list[bytes]) -> dict[str, Any]:
    modalities = [types.Modality.TEXT] if scenario == "text" else [types.Modality.AUDIO]
    model = google.realtime.RealtimeModel(
        api_key="any-key",
        http_options=types.HttpOptions(base_url=base_url),
        instructions="You are a helpful assistant. Answer in one short sentence.",
        modalities=modalities,
        voice="Kore",
    )
    session = model.session()
    recorder = Recorder(session)
    if scenario == "function":
        await session.update_tools([turn_on_the_lights])
    if scenario == "text":
        # The plugin gives the reply 5 s to start; a loaded machine's first reply may
        # take longer, and then it comes as a reply the plugin did not ask for.
        reply = session.generate_reply(instructions="Say hello to the user.")
        reply.add_done_callback(lambda f: f.cancelled() or f.exception())
        await wait_until(recorder, lambda: recorder.done > 0 and recorder.text.strip())
    elif scenario == "interrupt":
        await speak(session, speech[0])
        await wait_until(recorder, lambda: recorder.audio_bytes > 0, quiet_s=0.05)
        before = recorder.speech_started
        await speak(session, speech[1])
        await wait_until(recorder, lambda: recorder.speech_started > before and recorder.done >= 2)
    elif scenario == "function":
        await speak(session, speech[0])
        await wait_until(recorder, lambda: recorder.calls and recorder.done >= 2 and recorder.audio_bytes > 0)
    else:
        await speak(session, speech[0])
        await wait_until(recorder, lambda: recorder.done > 0 and recorder.audio_bytes > 0)
    await session.aclose()
    await model.aclose()
    return recorder.summary()


def main() -> int:
    base_url, scenario, *files = sys.argv[1:]
    speech = [Path(f).read_bytes() for f in files]
    summary = asyncio.run(asyncio.wait_for(run(base_url, scenario, speech), TIMEOUT_S + 30))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
