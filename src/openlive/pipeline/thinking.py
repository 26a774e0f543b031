"""Thinking: a reasoning pass before the answer, within a budget of tokens.

The thinking model of the Live API (and any model given ``thinkingConfig`` with a
budget) reasons before it answers. Here the session's language model first writes
its working for the user's last message (at most the budget's tokens), then
answers with that working in its system message. The thoughts are never spoken;
with ``includeThoughts`` they are sent to the client as parts with ``thought: true``
before the answer, and ``usageMetadata.thoughtsTokenCount`` counts them either way.
A budget of 0 makes no thinking call at all.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams
from openlive.session.native import ThinkingPlan

THINK_INSTRUCTION = (
    "Before you answer, think it through. Work out the user's last message step by step: what is "
    "asked, the facts and numbers it gives, and each calculation written out with its result. "
    "Write only your working, briefly; the answer comes later."
)
ANSWER_INSTRUCTION = (
    "You have already worked out the user's last message; your working (private notes, never "
    "read aloud or mentioned):\n{thoughts}\nNow give your answer, using the result of that working."
)


@dataclass(frozen=True)
class Thoughts:
    """What the reasoning pass wrote.

    Attributes:
        text: The working.
        tokens: Its length in the model's tokens.
    """

    text: str
    tokens: int


def _with_system(messages: Sequence[ChatMessage], line: str) -> list[ChatMessage]:
    """``messages`` with ``line`` ending the system message (one is added if there is none)."""
    out = list(messages)
    if out and out[0].role == "system":
        first = out[0]
        out[0] = ChatMessage("system", f"{first.content}\n\n{line}" if first.content else line, first.parts)
    else:
        out.insert(0, ChatMessage("system", line))
    return out


def thinking_messages(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The prompt of the reasoning pass."""
    return _with_system(messages, THINK_INSTRUCTION)


def answer_messages(messages: Sequence[ChatMessage], thoughts: Thoughts) -> list[ChatMessage]:
    """The answer's prompt: ``messages`` with the working in the system message."""
    if not thoughts.text.strip():
        return list(messages)
    return _with_system(messages, ANSWER_INSTRUCTION.format(thoughts=thoughts.text.strip()))


def think(
    llm: LLM,
    messages: Sequence[ChatMessage],
    plan: ThinkingPlan,
    params: SamplingParams,
    cancel: threading.Event,
) -> Thoughts:
    """Run the reasoning pass: at most ``plan.max_tokens`` of working. Call it in a worker thread."""
    stats = GenerationStats()
    settings = SamplingParams(
        temperature=0.0 if params.temperature is None else min(params.temperature, 0.3),
        top_k=params.top_k,
        top_p=params.top_p,
        max_tokens=plan.max_tokens,
        seed=params.seed,
    )
    text = "".join(llm.generate(thinking_messages(messages), settings, stats, cancel))
    return Thoughts(text.strip(), stats.response_tokens)
