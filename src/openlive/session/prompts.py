"""The prompt a model gets, shaped for its tier and for how the reply reaches the user.

What a client sends (its system instruction, the history) is kept; around it go
the few rules the reply needs. A tiny model gets its crutches: a short reply, and
only the last few turns of history (SmolLM2-135M falls into repeating itself once
the history grows). A spoken reply must be plain speech: markup read aloud is
noise, so audio sessions ask for none, whatever the tier.
"""

from __future__ import annotations

from collections.abc import Sequence

from openlive.engines.base import ChatMessage
from openlive.engines.profile import ModelProfile
from openlive.parts import holds_image

DEFAULT_PERSONA = (
    "You are a helpful, friendly assistant. Answer accurately. If you do not know something, or the "
    "conversation does not say it, say that you don't know rather than guessing."
)
TINY_BRIEF = "Answer in one or two short sentences."
# A model that reads text only gets each image as what was read from it, in brackets:
# told nothing, a small model takes "[image: ...]" for noise and answers that it
# cannot see the screen.
SEEING = (
    "The user shows you their screen or camera. Each image is in the conversation, or written "
    "out as [image: ...] with the text read from it. When the user asks what it shows or says, "
    "or asks you to read it, answer with its text, quoted exactly."
)
# A question about the screen answered by a small model from the screen's description
# (:func:`reading_turn`): the text read from the screen right before the question, and
# what to do with it after, in the user's own turn. Told in the system message, far
# from the question, 0.5B models answered with the system message itself ("The user
# shows you their screen...") instead of the screen's text: a small model follows the
# last thing it read.
SCREEN_READ = "Text read from my screen:"
READ_REQUEST = (
    "Answer my question with the screen's text above, quoted exactly; if I ask what it says or to "
    "read it, give its main text."
)
SPOKEN = (
    "Your reply is spoken aloud: write plain spoken sentences only, with no markdown, lists, "
    "headings, bold, code blocks, tables, links or emoji."
)


def system_text(instruction: str | None, profile: ModelProfile, spoken: bool, extra: str = "") -> str:
    """The system message: the client's instruction (or a default), the tier's and medium's rules, extra."""
    parts = [instruction.strip() if instruction and instruction.strip() else DEFAULT_PERSONA]
    if profile.tiny:
        parts.append(TINY_BRIEF)
    if spoken:
        parts.append(SPOKEN)
    if extra:
        parts.append(extra)
    return "\n\n".join(parts)


def recent(messages: Sequence[ChatMessage], user_turns: int | None) -> list[ChatMessage]:
    """``messages`` (no system message) from a recent user message on; all if ``None``.

    At least ``user_turns`` user turns are kept, and fewer than twice as many: the
    first kept turn moves ``user_turns`` at a time, not at every turn, so the prompt
    starts the same for ``user_turns`` turns in a row and llama.cpp's prompt cache
    serves it (a window sliding by one turn changed the prompt's start every turn, and
    each reply re-read the whole prompt: 150 ms to the first token became 300-800).
    """
    if user_turns is None:
        return list(messages)
    starts = [i for i, m in enumerate(messages) if m.role == "user"]
    if len(starts) <= user_turns:
        return list(messages)
    first = (len(starts) - user_turns) // user_turns * user_turns
    return list(messages[starts[first] :])


def shape_prompt(
    instruction: str | None,
    history: Sequence[ChatMessage],
    profile: ModelProfile,
    spoken: bool,
    extra: str = "",
) -> list[ChatMessage]:
    """The whole prompt: the system message (``extra`` last in it), then the history the tier keeps."""
    if any(holds_image(message.parts) for message in history):
        extra = "\n\n".join(part for part in (SEEING, extra) if part)
    kept = recent(history, profile.recent_turns)
    if not profile.house_rules:
        system = "\n\n".join(part for part in (instruction, extra) if part)
        return [ChatMessage("system", system), *kept] if system else kept
    return [ChatMessage("system", system_text(instruction, profile, spoken, extra)), *kept]


def tool_results_request(profile: ModelProfile) -> str:
    """What follows the tool results in the prompt: how to use them."""
    brief = " in one or two sentences" if profile.tiny else ""
    return (
        f"Using only these results, answer my request{brief}. If a tool failed or a search found "
        "nothing, say so plainly instead of guessing."
    )


def reading_turn(screen: str, question: str) -> str:
    """The user's turn asking about the screen: its text first, then the question, then what to do."""
    return f"{SCREEN_READ}\n{screen.strip()}\n\n{question.strip()}\n{READ_REQUEST}"


def without_seeing(system: str) -> str:
    """A reading turn's system message (:func:`reading_turn`): without :data:`SEEING` or the default persona.

    :data:`SEEING` is said in the turn itself. The default persona's "say that you
    don't know" made Qwen2.5-0.5B answer "I don't know." to "Can you read me what's on
    my screen?" in 5 of 20 samples (five frames, four each; 0 of 20 without it); a
    client's own instruction stays.
    """
    return "\n\n".join(part for part in system.split("\n\n") if part not in (SEEING, DEFAULT_PERSONA))
