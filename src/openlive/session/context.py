"""Context accounting: the prompt a history makes, and what must go to fit the window.

Pure functions of explicit state. Token counts come from a :data:`TokenCount`
that does no I/O: the model's own in-process tokenizer, or a local estimate
(:class:`TokenEstimate`) that learns its ratio from the exact counts an engine
reports after each generation (those are counted off the event loop, in the
worker thread that runs the generation). A server's tokenizer endpoint is never
reached from here: a session's turn must not wait on the network on the event
loop, where one hung endpoint would stall every session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openlive.engines.base import ChatMessage, Role
from openlive.engines.profile import CAPABLE, ModelProfile
from openlive.errors import ContextWindowExceeded
from openlive.session.history import Turn
from openlive.session.prompts import shape_prompt, tool_results_request
from openlive.wire.client import Compression

# Tokens kept free for the reply when checking that a prompt fits the context window.
REPLY_RESERVE_TOKENS = 64
# Estimates before any exact count was seen (as the OpenAI-compatible engine estimates).
CHARS_PER_TOKEN = 4.0
TEMPLATE_TOKENS_PER_MESSAGE = 4
GENERATION_PROMPT_TOKENS = 3

# Counts a prompt's tokens. Must not do I/O: it is called on the event loop.
TokenCount = Callable[[Sequence[ChatMessage]], int]


@dataclass(frozen=True)
class ModelLimits:
    """What the session must know of its model to keep the prompt inside its window.

    Attributes:
        context_tokens: The context window, prompt and reply together.
        count: Counts a prompt's tokens, locally (no I/O; see the module doc).
        profile: How to prompt the model (tier, history it keeps).
    """

    context_tokens: int
    count: TokenCount
    profile: ModelProfile = CAPABLE


@dataclass(frozen=True)
class ContextFit:
    """How a history fits the window.

    Attributes:
        dropped: Oldest turns to drop (compression); 0 when all fit.
        tokens: The prompt's tokens once they are dropped.
    """

    dropped: int
    tokens: int


class TokenEstimate:
    """A local token count for an engine whose tokenizer is only reachable over the network.

    It counts characters, at a ratio learned from exact counts: after each
    generation the runtime reports the prompt and the tokens the engine counted
    for it (:meth:`observe`). Safe to use from several threads.
    """

    def __init__(self, chars_per_token: float = CHARS_PER_TOKEN) -> None:
        self._chars_per_token = chars_per_token
        self._lock = threading.Lock()

    @property
    def chars_per_token(self) -> float:
        """The ratio in use."""
        return self._chars_per_token

    def __call__(self, messages: Sequence[ChatMessage]) -> int:
        """The estimated tokens of ``messages`` as a prompt."""
        chars = sum(len(m.content) for m in messages)
        overhead = TEMPLATE_TOKENS_PER_MESSAGE * len(messages) + GENERATION_PROMPT_TOKENS
        return round(chars / self._chars_per_token) + overhead

    def observe(self, messages: Sequence[ChatMessage], tokens: int) -> None:
        """Learn from an exact count: ``messages`` made a prompt of ``tokens`` tokens."""
        chars = sum(len(m.content) for m in messages)
        text_tokens = tokens - TEMPLATE_TOKENS_PER_MESSAGE * len(messages) - GENERATION_PROMPT_TOKENS
        if chars < 200 or text_tokens <= 0:
            return  # too short to say much about the tokenizer
        ratio = min(8.0, max(1.0, chars / text_tokens))
        with self._lock:
            # A moving average: one odd prompt does not swing the estimate.
            self._chars_per_token = 0.8 * self._chars_per_token + 0.2 * ratio


def chat_message(turn: Turn) -> ChatMessage:
    """A history turn as a chat message (tool turns read as the user's)."""
    role: Role = "assistant" if turn.role == "model" else "user"
    return ChatMessage(role=role, content=turn.text, parts=() if turn.only_text else turn.parts)


def tool_message(results: list[str], profile: ModelProfile = CAPABLE) -> ChatMessage:
    """Tool results in a row, as one user message."""
    # Said as the user would say it: a small model follows a plain request best.
    return ChatMessage(
        role="user",
        content="Results of the tools you used:\n\n"
        + "\n\n".join(results)
        + "\n\n"
        + tool_results_request(profile),
    )


def render_prompt(
    instruction: str | None, turns: Sequence[Turn], profile: ModelProfile = CAPABLE, spoken: bool = False
) -> list[ChatMessage]:
    """The chat prompt for a reply: system message, then the history the model's tier keeps.

    Tool results in a row read as one user message, as chat templates have no
    role for them that every model knows. See :mod:`openlive.session.prompts` for
    the system message and what a tiny model is spared.
    """
    messages: list[ChatMessage] = []
    results: list[str] = []
    for turn in turns:
        if turn.role == "tool":
            results.append(turn.text)
            continue
        if results:
            messages.append(tool_message(results, profile))
            results = []
        messages.append(chat_message(turn))
    if results:
        messages.append(tool_message(results, profile))
    return shape_prompt(instruction, messages, profile, spoken)


def fit_context(
    instruction: str | None,
    turns: Sequence[Turn],
    limits: ModelLimits,
    compression: Compression | None,
) -> ContextFit:
    """What keeps the prompt of ``turns`` inside the model's context window.

    With ``contextWindowCompression``, once the prompt passes the trigger, the
    oldest turns are dropped at turn boundaries (a user turn and the model turns
    after it), never the system instruction or the newest turn, until the prompt
    is within the target.

    Raises:
        ContextWindowExceeded: The prompt cannot fit (without compression, or with
            only the newest exchange left).
    """
    window = limits.context_tokens
    tokens = limits.count(render_prompt(instruction, turns))
    dropped = 0
    if compression is not None:
        # A client tuned for a bigger window than this model's still gets
        # compression rather than a closed session: the trigger never sits
        # above what fits.
        trigger = min(compression.trigger_tokens or int(window * 0.8), window - REPLY_RESERVE_TOKENS)
        target = min(compression.target_tokens or trigger // 2, trigger)
        if tokens > trigger:
            dropped = _oldest_to_drop(instruction, turns, limits, target)
            if dropped:
                tokens = limits.count(render_prompt(instruction, turns[dropped:]))
    if tokens + REPLY_RESERVE_TOKENS > window:
        raise ContextWindowExceeded(
            f"the conversation is {tokens} tokens, over the context window of {window}; "
            "enable contextWindowCompression or start a new session"
        )
    return ContextFit(dropped, tokens)


def _oldest_to_drop(instruction: str | None, turns: Sequence[Turn], limits: ModelLimits, target: int) -> int:
    system = render_prompt(instruction, [])
    cost = [limits.count([chat_message(t)]) for t in turns]
    total = (limits.count(system) if system else 0) + sum(cost)
    start = 0
    # Drop whole exchanges, oldest first, keeping at least the newest user turn.
    while total > target:
        end = start + 1
        while end < len(turns) and turns[end].role != "user":
            end += 1
        if end >= len(turns):
            break
        total -= sum(cost[start:end])
        start = end
    return start
