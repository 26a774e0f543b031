"""What a language model is good for, as the prompt and the tool planner need to know it.

A 135M-parameter model needs crutches that a bigger one does not: short replies,
only the last few turns of history, and tools routed by words rather than chosen
by the model. The profile says which apply; engines carry one as ``profile``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tier = Literal["tiny", "capable"]

# Models below this many parameters get the tiny tier's crutches. SmolLM2-135M is
# well below; Qwen2.5-0.5B (494M) is above and follows instructions and history.
TINY_PARAMETERS = 300_000_000

# User turns a tiny model sees. SmolLM2-135M copies its earlier replies once the
# history grows: from about the sixth turn on, a long session got the same reply
# to every question. Three turns keep a short back-and-forth ("my name is Sam" ...
# "what is my name?") and stop that.
TINY_RECENT_TURNS = 3

# Models below this many parameters route tools by words even when their template
# takes tools: on the 44 requests of `openlive bench tools`, Qwen2.5-Coder-0.5B
# calling tools itself chose right 18 of the first 35 (it called get_stock_price to
# find primes), where the word planner on SmolLM2 chose right 30 of 44.
NATIVE_TOOLS_PARAMETERS = 1_000_000_000

# Models below this many parameters that call tools themselves make one call a turn:
# Qwen2.5-Coder-1.5B answered every two-call request of `openlive bench tools` with
# its first call, and wrote programs on one line inside its call's JSON. Their planner
# asks once for each request in the user's message and has the code prompt write the
# programs (:class:`~openlive.tools.native_planner.NativePlanner`). Models whose size is
# unknown (an OpenAI-compatible endpoint) are taken to make several.
ONE_CALL_PARAMETERS = 3_000_000_000


@dataclass(frozen=True)
class ModelProfile:
    """How to prompt a model and how it chooses tools.

    Attributes:
        tier: ``tiny`` (short replies, short history) or ``capable``.
        native_tools: The model is given the declared functions and calls them
            itself (chat-template or OpenAI ``tools``); otherwise the word-list
            planner routes requests to tools.
        one_call: With ``native_tools``: the model makes one call a turn, so the
            planner asks once for each request the user's message holds, and its
            programs are written by the code prompt rather than inside the call.
        recent_turns: User turns of history the prompt keeps (with the replies after
            them); ``None`` keeps all that fit the context window.
        house_rules: The server adds its own system rules (a default instruction,
            the tier's and the spoken medium's); off, the client's instruction goes
            alone, as scripted test engines expect their prompts.
    """

    tier: Tier = "capable"
    native_tools: bool = False
    one_call: bool = False
    recent_turns: int | None = None
    house_rules: bool = True

    @property
    def tiny(self) -> bool:
        """Whether the tiny tier's crutches apply."""
        return self.tier == "tiny"


TINY = ModelProfile(tier="tiny", native_tools=False, recent_turns=TINY_RECENT_TURNS)
CAPABLE = ModelProfile(tier="capable", native_tools=False, recent_turns=None)


def make_profile(tier: str, tools: str, parameters: int | None, template_has_tools: bool) -> ModelProfile:
    """The profile an engine's settings and its model ask for.

    Args:
        tier: ``auto``, ``tiny`` or ``capable``; ``auto`` decides by ``parameters``.
        tools: ``auto``, ``native`` or ``planner``; ``auto`` is native where the
            model can (``template_has_tools``) and has at least
            :data:`NATIVE_TOOLS_PARAMETERS` parameters (unknown counts as enough).
        parameters: The model's parameter count, if known (unknown counts as capable).
        template_has_tools: The model's chat template takes a list of tools.
    """
    if tier == "auto":
        tier = "tiny" if parameters is not None and parameters < TINY_PARAMETERS else "capable"
    tiny = tier == "tiny"
    big_enough = parameters is None or parameters >= NATIVE_TOOLS_PARAMETERS
    native = tools == "native" or (tools == "auto" and template_has_tools and not tiny and big_enough)
    return ModelProfile(
        tier="tiny" if tiny else "capable",
        native_tools=native,
        one_call=native and parameters is not None and parameters < ONE_CALL_PARAMETERS,
        recent_turns=TINY_RECENT_TURNS if tiny else None,
    )


def profile_of(llm: object) -> ModelProfile:
    """The profile an engine declares; engines that declare none are capable, without native tools."""
    profile = getattr(llm, "profile", None)
    return profile if isinstance(profile, ModelProfile) else CAPABLE
