"""Stock pipecat (``GeminiLiveLLMService``) against openlive: only the base URL changes.

Run with the frameworks' virtualenv (``make frameworks-venv``):

    .venv-frameworks/bin/python tests/e2e/frameworks/pipecat_client.py BASE_URL SCENARIO [SPEECH.pcm ...]

Scenarios: ``text`` (a greeting from the initial context), ``audio`` (speech in,
speech out, both transcribed), ``function`` (a spoken request that calls a
registered function), ``interrupt`` (speech over the reply). SPEECH files are
16-bit mono PCM at 16 kHz. The last stdout line is a JSON summary of what the
pipeline saw; the test decides what passes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from google.genai.types import HttpOptions
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import (
    Frame,
    FunctionCallInProgressFrame,
    InputAudioRawFrame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMRunFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSTextFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.runner import PipelineRunner
from pipecat.pipeline.task import PipelineParams, PipelineTask
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.services.google.gemini_live.llm import GeminiLiveLLMService, GeminiModalities
from pipecat.services.llm_service import FunctionCallParams

RATE = 16_000
CHUNK_S = 0.02
TIMEOUT_S = float(os.environ.get("OPENLIVE_TIMEOUT_S", "120"))


class Recorder(BaseObserver):
    """Writes down the frames the pipeline passes (a pipecat observer: it changes nothing)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[int] = set()
        self.text = ""
        self.heard = ""
        self.spoken = ""
        self.audio_bytes = 0
        self.audio_rates: set[int] = set()
        self.interruptions = 0
        self.calls: list[str] = []
        self.call_ids: set[str] = set()
        self.replies = 0
        self.first_audio_at: float | None = None
        self.changed = asyncio.Event()

    async def on_push_frame(self, data: FramePushed) -> None:
        """Record each frame once, whichever processor pushed it."""
        frame: Frame = data.frame
        if frame.id in self.seen:
            return
        self.seen.add(frame.id)
        if isinstance(frame, TTSAudioRawFrame):
            self.audio_bytes += len(frame.audio)
            self.audio_rates.add(frame.sample_rate)
            self.first_audio_at = self.first_audio_at or time.monotonic()
        elif isinstance(frame, TTSTextFrame):
            self.spoken += frame.text + " "
        elif isinstance(frame, LLMTextFrame):
            self.text += frame.text
        elif isinstance(frame, TranscriptionFrame):
            self.heard += frame.text + " "
        elif isinstance(frame, InterruptionFrame):
            self.interruptions += 1
        elif isinstance(frame, FunctionCallInProgressFrame) and frame.tool_call_id not in self.call_ids:
            # It goes both ways through the pipeline, as two frames.
            self.call_ids.add(frame.tool_call_id)
            self.calls.append(frame.function_name)
        elif isinstance(frame, LLMFullResponseEndFrame):
            self.replies += 1
        self.changed.set()

    def summary(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "heard": self.heard.strip(),
            "spoken": self.spoken.strip(),
            "audio_bytes": self.audio_bytes,
            "audio_rates": sorted(self.audio_rates),
            "interruptions": self.interruptions,
            "calls": self.calls,
            "replies": self.replies,
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


async def speak(task: PipelineTask, pcm: bytes) -> None:
    """Stream speech into the pipeline in real time, as a microphone would."""
    step = int(RATE * CHUNK_S) * 2
    for start in range(0, len(pcm), step):
        await task.queue_frame(
            InputAudioRawFrame(audio=pcm[start : start + step], sample_rate=RATE, num_channels=1)
        )
        await asyncio.sleep(CHUNK_S)


async def turn_on_the_lights(params: FunctionCallParams) -> None:
    await params.result_callback({"result": "the lights are on"})


async def run(base_url: str, scenario: str, speech: list[bytes]) -> dict[str, Any]:
    text_only = scenario == "text"
    tools = None
    if scenario == "function":
        tools = ToolsSchema(
            standard_tools=[
                FunctionSchema(
                    name="turn_on_the_lights",
                    description="Turn on the lights in the room.",
                    properties={},
                    required=[],
                )
            ]
        )
    llm = GeminiLiveLLMService(
        api_key="any-key",
        http_options=HttpOptions(base_url=base_url),
        settings=GeminiLiveLLMService.Settings(
            voice="Kore", modalities=GeminiModalities.TEXT if text_only else GeminiModalities.AUDIO
        ),
        system_instruction="You are a helpful assistant. Answer in one short sentence.",
        tools=tools,
    )
    if tools is not None:
        llm.register_function("turn_on_the_lights", turn_on_the_lights)
    messages = [{"role": "user", "content": "Say hello to me."}] if text_only else []
    context = LLMContext(messages)  # type: ignore[arg-type]
    aggregators = LLMContextAggregatorPair(context)
    recorder = Recorder()
    task = PipelineTask(
        Pipeline([aggregators.user(), llm, aggregators.assistant()]),
        params=PipelineParams(audio_in_sample_rate=RATE, audio_out_sample_rate=24_000),
        observers=[recorder],
    )
    runner = PipelineRunner(handle_sigint=False)
    running = asyncio.create_task(runner.run(task))
    await task.queue_frame(LLMRunFrame())
    if text_only:
        await wait_until(recorder, lambda: recorder.replies > 0)
    elif scenario == "interrupt":
        await speak(task, speech[0])
        # Talk over the reply as soon as it is heard.
        await wait_until(recorder, lambda: recorder.audio_bytes > 0, quiet_s=0.05)
        before = recorder.audio_bytes
        await speak(task, speech[1])
        await wait_until(recorder, lambda: recorder.interruptions > 0 and recorder.audio_bytes > before)
    else:
        await speak(task, speech[0])
        await wait_until(recorder, lambda: recorder.replies > 0 and recorder.audio_bytes > 0)
    await task.cancel()
    await running
    return recorder.summary()


def main() -> int:
    base_url, scenario, *files = sys.argv[1:]
    speech = [Path(f).read_bytes() for f in files]
    summary = asyncio.run(asyncio.wait_for(run(base_url, scenario, speech), TIMEOUT_S + 30))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
