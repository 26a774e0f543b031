"""Thinking: a reasoning pass before the answer, within a budget of tokens.

The thinking model of the Live API (and any model given ``thinkingConfig`` with a
budget) reasons before it answers. Here the session's language model first writes
its working for the user's last message (at most the budget's tokens), then
answers with that working in its system message. The thoughts are never spoken;
with ``includeThoughts`` they are sent to the client as parts with ``thought: true``
before the answer, and ``usageMetadata.thoughtsTokenCount`` counts them either way.
A budget of 0 makes no thinking call at all.

Where the server can run code (``run_code``), the working is asked for as a program
that prints each step: small models carry a computation through a short program far
better than through prose (``openlive bench thinking``), and the sandbox computes
what they would get wrong. A program is run in the code-execution sandbox and the
answer is written with it and its output. What is not a program (small models often
answer such a request with terse working such as ``4 * 3 = 12``), or a program that
fails, stays the working as it was written. A message that is plain arithmetic
("what is 6 times 8 plus 2?") is computed without the model, as code execution does
(its thought tokens are the working's, as the model's tokenizer counts them).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams, last_user_text
from openlive.session.native import ThinkingPlan
from openlive.tools.llm_planner import arithmetic

log = logging.getLogger(__name__)

# Runs a program in the code-execution sandbox: (whether it ran to its end, its output).
RunCode = Callable[[str], tuple[bool, str]]

THINK_INSTRUCTION = (
    "Before you answer, think it through. Work out the user's last message step by step: what is "
    "asked, the facts and numbers it gives, and each calculation written out with its result. "
    "Write only your working, briefly; the answer comes later."
)
PROGRAM_INSTRUCTION = (
    "Before you answer, work out the user's last message as a short Python program: put each "
    "number or fact it gives in a variable, compute each step, and print each result with a few "
    "words saying what it is. If nothing needs computing, print the facts that answer it. Write "
    "only the program."
)
PROGRAM_ANSWER_INSTRUCTION = (
    "You have already worked out the user's last message (private notes, never read aloud or "
    "mentioned). A program computed it:\n{program}\nIts output:\n{output}\nNow give your answer, "
    "using that output's results."
)
# Output of a program worked out beyond this is cut: the answer needs its results.
PROGRAM_OUTPUT_CHARS = 1500
_FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)
ANSWER_INSTRUCTION = (
    "You have already worked out the user's last message; your working (private notes, never "
    "read aloud or mentioned):\n{thoughts}\nNow give your answer, using the result of that working."
)


@dataclass(frozen=True)
class Thoughts:
    """What the reasoning pass wrote.

    Attributes:
        text: The working (a program and its output, when it was one that ran).
        tokens: Its length in the model's tokens.
        program: The program the working was, when it ran to its end.
        output: What that program printed.
    """

    text: str
    tokens: int
    program: str | None = None
    output: str = ""


def _with_system(messages: Sequence[ChatMessage], line: str) -> list[ChatMessage]:
    """``messages`` with ``line`` ending the system message (one is added if there is none)."""
    out = list(messages)
    if out and out[0].role == "system":
        first = out[0]
        out[0] = ChatMessage("system", f"{first.content}\n\n{line}" if first.content else line, first.parts)
    else:
        out.insert(0, ChatMessage("system", line))
    return out


def _text_tokens(llm: LLM, text: str) -> int:
    """Tokens of ``text`` by the model's tokenizer: the thought tokens of a working it did not write."""
    empty = llm.count_prompt_tokens([ChatMessage("assistant", "")])
    return max(1, llm.count_prompt_tokens([ChatMessage("assistant", text)]) - empty)


def answer_messages(messages: Sequence[ChatMessage], thoughts: Thoughts) -> list[ChatMessage]:
    """The answer's prompt: ``messages`` with the working in the system message."""
    if thoughts.program is not None:
        line = PROGRAM_ANSWER_INSTRUCTION.format(program=thoughts.program, output=thoughts.output)
        return _with_system(messages, line)
    if not thoughts.text.strip():
        return list(messages)
    return _with_system(messages, ANSWER_INSTRUCTION.format(thoughts=thoughts.text.strip()))


def program_messages(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The prompt of a reasoning pass whose working is a program."""
    return _with_system(messages, PROGRAM_INSTRUCTION)


def program_of(text: str) -> str | None:
    """The Python program in a reasoning pass's text: its fenced block, or the whole if it compiles."""
    match = _FENCE.search(text)
    program = (match.group(1) if match else text).strip()
    if not program:
        return None
    try:
        compile(program, "<thinking>", "exec")
    except (SyntaxError, ValueError):
        return None
    return program


def think(
    llm: LLM,
    messages: Sequence[ChatMessage],
    plan: ThinkingPlan,
    params: SamplingParams,
    cancel: threading.Event,
    run_code: RunCode | None = None,
) -> Thoughts:
    """Run the reasoning pass: at most ``plan.max_tokens`` of working. Call it in a worker thread.

    With ``run_code``, the working is asked for as a program, which is run.
    """
    stats = GenerationStats()
    settings = SamplingParams(
        temperature=0.0 if params.temperature is None else min(params.temperature, 0.3),
        top_k=params.top_k,
        top_p=params.top_p,
        max_tokens=plan.max_tokens,
        seed=params.seed,
    )
    if run_code is not None and (expression := arithmetic(last_user_text(messages))) is not None:
        # Plain arithmetic ("what is 6 times 8 plus 2?") needs no model to write its program.
        computed = f"print({expression})"
        ran, output = run_code(computed)
        if ran and output.strip():
            output = output.strip()[:PROGRAM_OUTPUT_CHARS]
            working = f"{computed}\n\nOutput:\n{output}"
            tokens = _text_tokens(llm, working)
            if tokens <= plan.max_tokens:  # else the budget is too small for it: the model thinks
                return Thoughts(working, tokens, computed, output)
    prompt = _with_system(messages, THINK_INSTRUCTION) if run_code is None else program_messages(messages)
    text = "".join(llm.generate(prompt, settings, stats, cancel)).strip()
    program = program_of(text) if run_code is not None and not cancel.is_set() else None
    if run_code is None or program is None:
        return Thoughts(text, stats.response_tokens)
    ran, output = run_code(program)
    output = output.strip()[:PROGRAM_OUTPUT_CHARS]
    if not ran or not output:
        log.debug("thinking: the program failed or printed nothing: %r", output[-200:])
        return Thoughts(text, stats.response_tokens)
    working = f"{program}\n\nOutput:\n{output}"
    return Thoughts(working, stats.response_tokens, program, output)
