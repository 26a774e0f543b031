"""Proactive audio: is what the user just said addressed to the assistant?

With ``proactivity.proactiveAudio`` the Live API's native-audio model may stay
silent when speech is not for it: a side conversation, a TV or radio, someone
thinking aloud. Here the session's own language model judges it, with the
conversation as context, before the reply is made: one short prompt, answered
under a grammar with ``yes`` or ``no`` (a few tokens; the prompt is evaluated on
the same model that then answers). The judgment runs in the reply's worker, so a
reply started ahead of its turn (during the user's trailing silence) is judged
ahead too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams

# Earlier messages of the conversation the judge reads, and how much of each.
CONTEXT_MESSAGES = 4
MAX_MESSAGE_CHARS = 300
# The assistant's own instructions, as far as the judge reads them (its name, its role).
MAX_INSTRUCTION_CHARS = 400
ANSWER_SCHEMA: dict[str, object] = {"type": "string", "enum": ["yes", "no"]}
JUDGE_PARAMS = SamplingParams(temperature=0.0, top_k=1, max_tokens=4, json_schema=ANSWER_SCHEMA)
# How much likelier (natural log) "no" must be than "yes" for the assistant to stay
# silent. Above 0: a doubtful case is answered, since ignoring the user costs more
# than answering speech that was not for the assistant.
SILENCE_MARGIN = 0.0

JUDGE_SYSTEM = (
    "You are the attention of a voice assistant that hears everything said in a room. "
    "Decide whether the last thing heard was said to the assistant."
)
JUDGE_QUESTION = (
    "Was the last thing heard said to the assistant, as a question or request for it or a reply to "
    "it? Say no if it was said to another person, came from a TV, radio or advert, or was someone "
    "thinking aloud. Answer yes or no."
)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# Worked examples the judge sees before its case: what each kind of speech looks
# like (written for the prompt, apart from the evaluation set in bench/data).
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("", "What's the capital of France?", "yes"),
    ("", "Dad, have you seen my blue jacket?", "no"),
    ("", "Coming up after the news: the weekend forecast.", "no"),
    ("Assistant: It is 20 degrees and sunny.", "Will I need an umbrella later?", "yes"),
    ("", "Now where on earth did I leave my phone.", "no"),
    ("", "Set a reminder to call the bank at five.", "yes"),
    ("Assistant: Here is a recipe for lentil soup.", "Lisa, can you grab the onions from the fridge?", "no"),
    ("", "Fresh deals every day, visit us online.", "no"),
    ("", "Tell me something interesting about octopuses.", "yes"),
)


def _case(context: str, heard: str) -> str:
    lines = [context] if context else []
    lines.append(f"Last thing heard: {json.dumps(_clip(heard, MAX_MESSAGE_CHARS))}")
    lines.append(JUDGE_QUESTION)
    return "\n".join(lines)


def relevance_prompt(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The judge's prompt for a reply's prompt ``messages`` (the last is the user's utterance).

    A fixed start (the task and worked examples, which llama.cpp's cache keeps
    between judgments), then the case: the conversation so far and the words heard.
    """
    instruction = next((m.content for m in messages if m.role == "system"), "")
    talk = [m for m in messages if m.role in ("user", "assistant")]
    last = talk[-1].content if talk and talk[-1].role == "user" else ""
    prompt = [ChatMessage("system", JUDGE_SYSTEM)]
    for context, heard, answer in EXAMPLES:
        prompt += [ChatMessage("user", _case(context, heard)), ChatMessage("assistant", answer)]
    lines = []
    if instruction.strip():
        lines.append(f"The assistant's instructions: {_clip(instruction, MAX_INSTRUCTION_CHARS)}")
    earlier = talk[:-1][-CONTEXT_MESSAGES:]
    for message in earlier:
        who = "Assistant" if message.role == "assistant" else "Heard before"
        lines.append(f"{who}: {_clip(message.content, MAX_MESSAGE_CHARS)}")
    prompt.append(ChatMessage("user", _case("\n".join(lines), last)))
    return prompt


@runtime_checkable
class Judge(Protocol):
    """An engine that reads a short judgment from its odds (:meth:`LlamaCppEngine.answer_logprobs`)."""

    def answer_logprobs(self, messages: Sequence[ChatMessage], answers: Sequence[str]) -> list[float]:
        """The log-probability of each answer as the reply's first token."""
        ...


def parse_judgment(text: str) -> bool:
    """Whether a generated answer says "addressed"; anything but a clear no counts as yes."""
    return not text.strip().strip('"').strip().lower().startswith("no")


def addressed_margin(llm: LLM, messages: Sequence[ChatMessage], cancel: threading.Event) -> float:
    """How much likelier "yes" is than "no" (natural log) for the last user message of ``messages``.

    An engine that gives its odds (:class:`Judge`) is read once, without sampling;
    another answers under a grammar, and its answer counts as +1 or -1. Runs the
    model: call it in a worker thread.
    """
    prompt = relevance_prompt(messages)
    if isinstance(llm, Judge):
        yes, no = llm.answer_logprobs(prompt, ("yes", "no"))
        return yes - no
    answer = "".join(llm.generate(prompt, JUDGE_PARAMS, GenerationStats(), cancel))
    return 1.0 if parse_judgment(answer) else -1.0


def is_addressed(
    llm: LLM, messages: Sequence[ChatMessage], cancel: threading.Event, margin: float = SILENCE_MARGIN
) -> bool:
    """Whether the last user message of ``messages`` is for the assistant, judged by ``llm``."""
    if not messages or messages[-1].role != "user":
        return True  # not a reply to something heard: nothing to judge
    return addressed_margin(llm, messages, cancel) > -margin
