"""A second reading of each function call a small model proposes: does the request ask for it?

A small model that calls tools (Qwen2.5-Coder-1.5B) must name one of the offered
functions or "call nothing", and it often names a declared function for a request
that only touches its topic or none: "write a haiku about autumn" became
``create_calendar_event``, "is 7919 a prime number?" ``check_balance``. Asked
afterwards whether the request asks for what that one function does, the same
model tells these apart: choosing among many names and judging one are different
tasks. The answer is read from the model's own odds for "yes" against "no"
(:meth:`~openlive.engines.llama.LlamaCppEngine.answer_logprobs`), so no words are
matched to functions. A call taken back is asked for again without its function
(:class:`~openlive.tools.native_planner.NativePlanner`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from openlive.engines.base import ChatMessage, Judge
from openlive.engines.native_tools import ToolSpec

log = logging.getLogger(__name__)

ANSWERS = ("yes", "no")
# Earlier turns shown with the request: a follow-up ("make it 400") names no function.
EARLIER_MESSAGES = 2
MAX_MESSAGE_CHARS = 300
# Qwen2.5-Coder-1.5B's log-odds of "yes" are below 0 for most calls a request asks for:
# on request sets 1-4 of ``openlive bench tools`` (128 calls) the calls to take back
# scored -3.2 to -2.1 and those to keep -2.0 (one) and -1.0 to +3.1. The decision
# lies in the middle of that gap.
OFFSET = 1.5

INSTRUCTION = "You read what a user says to a voice assistant and tell what they want."


def check_prompt(messages: Sequence[ChatMessage], task: str, spec: ToolSpec) -> list[ChatMessage]:
    """The question whether ``task`` asks for what ``spec`` does, with the turns before the newest request.

    The call's arguments are not shown: with them, the model said yes to nearly every
    call (a Fibonacci number as ``get_stock_price``'s symbol included).
    """
    user_turns = [i for i, m in enumerate(messages) if m.role == "user"]
    before = messages[: user_turns[-1]] if user_turns else messages
    earlier = [m for m in before if m.role in ("user", "assistant") and m.content.strip()][-EARLIER_MESSAGES:]
    lines = []
    if earlier:
        lines.append("Earlier in the conversation:")
        lines += [f"{m.role.capitalize()}: {_clip(m.content, MAX_MESSAGE_CHARS)}" for m in earlier]
        lines.append("")
    lines += [
        f'The user said: "{_clip(task, MAX_MESSAGE_CHARS)}"',
        "",
        f'Is the user asking the assistant to do this: "{_clip(what_it_does(spec), MAX_MESSAGE_CHARS)}"? '
        "Answer yes or no.",
    ]
    return [ChatMessage("system", INSTRUCTION), ChatMessage("user", "\n".join(lines))]


def what_it_does(spec: ToolSpec) -> str:
    """The function's description, or its name spelled as words when it has none (``turn_on_the_lights``)."""
    if spec.description.strip():
        return spec.description
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", spec.name).replace("_", " ").lower()


class CallCheck:
    """Keeps a proposed call when the model, asked about it alone, says the request asks for it.

    Args:
        judge: The model asked (the one that proposed the call).
        offset: Added to the log-odds of "yes" over "no" before the decision; a
            positive offset keeps calls the model only half believes in.
    """

    def __init__(self, judge: Judge, offset: float = OFFSET) -> None:
        self._judge = judge
        self.offset = offset

    def log_odds(self, messages: Sequence[ChatMessage], task: str, spec: ToolSpec) -> float:
        """The model's log-odds that ``task`` asks for what ``spec`` does.

        Raises:
            EngineError: The model failed.
            ContextWindowExceeded: The question does not fit the model's context.
        """
        # The engine's cache keeps the prompt the call came from: the next request
        # of the message is asked from the same functions.
        yes, no = self._judge.answer_logprobs(check_prompt(messages, task, spec), ANSWERS, keep_cache=True)
        return yes - no

    def fits(self, messages: Sequence[ChatMessage], task: str, spec: ToolSpec) -> bool:
        """Whether ``task`` asks for what ``spec`` does (see :meth:`log_odds`)."""
        odds = self.log_odds(messages, task, spec)
        log.debug("call check: %s scored %.2f", spec.name, odds)
        return odds + self.offset >= 0.0


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
