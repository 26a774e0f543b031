"""Native-audio dialog through a loopback server with fake engines: proactive audio, thinking, affect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openlive.engines.base import ChatMessage
from openlive.pipeline.proactivity import JUDGE_SYSTEM
from openlive.pipeline.thinking import PROGRAM_INSTRUCTION, THINK_INSTRUCTION
from openlive.testing import FakeAsr, FakeLLM, FakeTts

from .helpers import server_content, session
from .test_voice import (
    audio_chunks,
    keys,
    output_text,
    stream_audio,
    utterance,
    voice_server,
    voice_setup,
)


def judged(prompt: Sequence[ChatMessage]) -> str:
    """A scripted model: the judge says B (another person) for words said to "Mike"; thinking writes code."""
    if prompt[0].content == JUDGE_SYSTEM:
        return "B" if "Mike" in prompt[-1].content.split("Last thing heard:")[-1] else "A"
    if PROGRAM_INSTRUCTION in prompt[0].content:
        return "```python\nproduct = 6 * 7\nprint('six times seven is', product)\n```"
    return "here is the answer"


def native_setup(**extra: Any) -> dict[str, Any]:
    setup = voice_setup()
    setup["setup"].update(extra.pop("setup", {}))
    setup["setup"]["generationConfig"].update(extra)
    return setup


async def test_proactive_audio_stays_silent_for_words_not_meant_for_it_and_answers_the_rest() -> None:
    asr = FakeAsr(["Mike, pass me the salt", "what is six times seven"])
    llm = FakeLLM(reply=judged)
    setup = native_setup(setup={"proactivity": {"proactiveAudio": True}})
    async with voice_server(llm, asr) as srv, session(srv, setup) as client:
        await stream_audio(client, utterance())
        ignored = await client.until_turn_complete()
        await stream_audio(client, utterance())
        answered = await client.until_turn_complete()
    # The words are transcribed; no model turn, no audio, no generationComplete: turnComplete alone.
    assert keys(ignored) == ["inputTranscription", "turnComplete"]
    assert server_content(ignored[0])["inputTranscription"]["text"] == "Mike, pass me the salt"
    assert keys(answered)[0] == "inputTranscription" and keys(answered)[-2:] == [
        "generationComplete",
        "turnComplete",
    ]
    assert output_text(answered) == "here is the answer" and audio_chunks(answered)
    # The ignored words stay in the conversation: the second reply's prompt holds them.
    answer_prompt = [c[0] for c in llm.calls if c[0][0].content != JUDGE_SYSTEM][-1]
    assert [m.content for m in answer_prompt if m.role == "user"] == [
        "Mike, pass me the salt",
        "what is six times seven",
    ]


async def test_without_proactivity_every_utterance_is_answered_and_no_judgment_is_made() -> None:
    asr = FakeAsr(["Mike, pass me the salt"])
    llm = FakeLLM(reply=judged)
    async with voice_server(llm, asr) as srv, session(srv, voice_setup()) as client:
        await stream_audio(client, utterance())
        reply = await client.until_turn_complete()
    assert "generationComplete" in keys(reply) and audio_chunks(reply)
    assert all(call[0][0].content != JUDGE_SYSTEM for call in llm.calls)


async def test_thinking_runs_its_program_and_sends_thought_parts_before_the_answer() -> None:
    asr = FakeAsr(["what is six times seven"])
    llm = FakeLLM(reply=judged)
    setup = native_setup(thinkingConfig={"thinkingBudget": 64, "includeThoughts": True})
    async with voice_server(llm, asr, tts=FakeTts()) as srv, session(srv, setup) as client:
        await stream_audio(client, utterance())
        reply = await client.until_turn_complete()
    parts = [p for m in reply for p in server_content(m).get("modelTurn", {}).get("parts", [])]
    # The working is the program and what the sandbox printed when it ran it.
    program = "product = 6 * 7\nprint('six times seven is', product)"
    assert parts[0] == {"text": f"{program}\n\nOutput:\nsix times seven is 42", "thought": True}
    assert all("inlineData" in p for p in parts[1:])  # the answer is audio; thoughts are never spoken
    assert "42" not in output_text(reply)
    usage = reply[-1]["usageMetadata"]
    written = judged([ChatMessage("system", PROGRAM_INSTRUCTION)])
    assert usage["thoughtsTokenCount"] == len(written.split(" "))  # the fake: a token a word of what it wrote
    # The answer's prompt carries the program's output.
    assert "six times seven is 42" in llm.calls[-1][0][0].content


async def test_a_zero_budget_makes_no_thinking_call() -> None:
    asr = FakeAsr(["what is six times seven"])
    llm = FakeLLM(reply=judged)
    setup = voice_setup()
    setup["setup"]["model"] = "gemini-2.5-flash-exp-native-audio-thinking-dialog"
    setup["setup"]["generationConfig"]["thinkingConfig"] = {"thinkingBudget": 0, "includeThoughts": True}
    async with voice_server(llm, asr) as srv, session(srv, setup) as client:
        await stream_audio(client, utterance())
        reply = await client.until_turn_complete()
    system = llm.calls[0][0][0].content
    assert len(llm.calls) == 1 and THINK_INSTRUCTION not in system and PROGRAM_INSTRUCTION not in system
    assert "thoughtsTokenCount" not in reply[-1]["usageMetadata"]
