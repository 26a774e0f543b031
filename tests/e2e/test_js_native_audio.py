"""The native-audio settings through the official JavaScript SDK (`@google/genai`, under Node).

`js/live_native.mjs` connects with one of its named configs (the documentation's
affective dialog, proactive audio and thinking examples in the SDK's spelling, and
a few more), sends speech made with espeak-ng as ``sendRealtimeInput({audio})`` and
prints the turn's parts in order. Real server, real models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import speech
from tests.e2e.conftest import JS_DIR, LiveServer, node_env, run_node_script
from tests.e2e.test_voice_python_sdk import heard_most_of

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not speech.available(), reason="espeak-ng makes the speech input; install it"),
]

SCRIPT = JS_DIR / "live_native.mjs"
NATIVE = "gemini-2.5-flash-preview-native-audio-dialog"
THINKING = "gemini-2.5-flash-exp-native-audio-thinking-dialog"
QUESTION = "What is twelve times seven?"
# Said to someone else in the room, by name: proactive audio lets it pass.
ASIDE = "Kids, dinner is ready, come downstairs and wash your hands."


def run_native(
    node: str, server: LiveServer, tmp_path: Path, model: str, config: str, said: str, **voice: Any
) -> dict[str, Any]:
    """Say ``said`` in one session with the script's ``config``; the script's summary."""
    path = tmp_path / "speech.pcm"
    path.write_bytes(speech.speak(said, 16_000, **voice))
    env = node_env(server, "openlive-e2e-js-key", "")
    env.update(OPENLIVE_CONFIG=config, OPENLIVE_AUDIO=str(path))
    run = run_node_script(node, SCRIPT, server, model, env)
    assert run.returncode == 0, run
    summary: dict[str, Any] = run.summary
    assert summary["events"][0] == "setupComplete" and summary["events"][-1] == "turnComplete", run
    return summary


def setup_sent(summary: dict[str, Any]) -> dict[str, Any]:
    setup: dict[str, Any] = summary["sent"][0]["setup"]
    return setup


def audio_bytes(summary: dict[str, Any]) -> int:
    return sum(part["audioBytes"] for part in summary["parts"] if not part["thought"])


def test_affective_dialog_example_answers_upset_speech(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(
        node,
        live_server,
        tmp_path,
        NATIVE,
        "affective",
        "This is ridiculous, my order failed again!",
        speed=200,
    )
    assert setup_sent(summary)["generationConfig"]["enableAffectiveDialog"] is True
    assert audio_bytes(summary) > 24_000  # over half a second of reply speech at 24 kHz
    assert "generationComplete" in summary["events"]


def test_proactive_audio_example_answers_a_question_to_the_assistant(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(
        node, live_server, tmp_path, NATIVE, "proactive", "Can you tell me a joke about cats?"
    )
    assert setup_sent(summary)["proactivity"] == {"proactiveAudio": True}
    assert audio_bytes(summary) > 24_000
    assert "generationComplete" in summary["events"]


def test_proactive_audio_lets_speech_for_someone_else_pass_with_its_transcription(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(node, live_server, tmp_path, NATIVE, "proactive-heard", ASIDE, voice="en-us+f3")
    assert heard_most_of(ASIDE, summary["inputTranscription"], share=0.5), summary
    # No model turn at all: the words were heard, the turn ends without a reply.
    assert summary["parts"] == [], summary
    assert "generationComplete" not in summary["events"], summary
    assert summary["events"].count("turnComplete") == 1


def test_thinking_model_example_thinks_without_sending_thoughts(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(node, live_server, tmp_path, THINKING, "plain", QUESTION)
    assert audio_bytes(summary) > 0
    assert not any(part["thought"] for part in summary["parts"])
    assert summary["usageMetadata"]["thoughtsTokenCount"] > 0


def test_included_thoughts_arrive_first_marked_thought_and_are_counted(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(node, live_server, tmp_path, THINKING, "thoughts", QUESTION)
    assert setup_sent(summary)["generationConfig"]["thinkingConfig"] == {
        "thinkingBudget": 128,
        "includeThoughts": True,
    }
    parts = summary["parts"]
    thoughts = [part for part in parts if part["thought"]]
    assert thoughts and parts[: len(thoughts)] == thoughts, parts  # every thought before the answer
    assert all(part["text"] and not part["audioBytes"] for part in thoughts)
    assert all(part["audioBytes"] > 0 for part in parts[len(thoughts) :]) and len(parts) > len(thoughts)
    # The thoughts are never spoken: the reply's transcription is not the thoughts' text.
    thought_text = "".join(part["text"] for part in thoughts)
    assert summary["outputTranscription"].strip() and thought_text not in summary["outputTranscription"]
    assert 0 < summary["usageMetadata"]["thoughtsTokenCount"] <= 128


def test_a_zero_budget_sends_no_thoughts_and_counts_none(
    node: str, live_server: LiveServer, tmp_path: Path
) -> None:
    summary = run_native(node, live_server, tmp_path, THINKING, "no-thinking", QUESTION)
    assert audio_bytes(summary) > 0
    assert not any(part["thought"] for part in summary["parts"])
    assert not summary["usageMetadata"].get("thoughtsTokenCount")
