"""The language-model engine Protocol and the values that cross it.

Engines are synchronous: ``generate`` is a plain iterator that a worker thread
drives (see ``openlive.pipeline.threads``), so an engine never needs to know about
asyncio, and nothing it does can block the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from openlive.parts import Part

if TYPE_CHECKING:
    from PIL import Image

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat prompt, in the engine's vocabulary of roles.

    Attributes:
        role: Who speaks.
        content: The message as text: all of it for a text message, the text
            rendering of its parts otherwise (what a text-only engine reads).
        parts: The message's parts when it holds more than text (an image, say);
            empty for a text message. Only an engine that declares it reads them
            is given them (see :func:`for_engine`).
    """

    role: Role
    content: str
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class SamplingParams:
    """Sampling settings; ``None`` means the engine's default.

    Attributes:
        json_schema: Constrain the reply to JSON that validates against this JSON
            Schema (grammar-constrained decoding); ``None`` for free text.
    """

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_tokens: int | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    json_schema: dict[str, Any] | None = None


@dataclass
class GenerationStats:
    """What a finished (or cancelled) generation cost, counted by the engine's tokenizer."""

    prompt_tokens: int = 0
    response_tokens: int = 0
    queue_wait_s: float = 0.0
    first_token_s: float | None = None


@runtime_checkable
class LLM(Protocol):
    """A chat language model.

    Implementations must be safe to call from several threads at once: either
    their state is per call, or they serialise access themselves (and report the
    wait in ``GenerationStats.queue_wait_s``).
    """

    @property
    def context_size(self) -> int:
        """How many tokens the model can attend to, prompt and reply together."""
        ...

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the formatted prompt for ``messages`` takes."""
        ...

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
    ) -> Iterator[str]:
        """Stream the reply to ``messages`` as text pieces.

        Args:
            messages: The prompt, system message first if any.
            params: Sampling settings.
            stats: Filled in while generating: prompt and response token counts.
            cancel: When set, the engine stops at the next token.

        Yields:
            Text pieces in order; joined, they are the whole reply.
        """
        ...


@runtime_checkable
class PromptWarming(Protocol):
    """An engine that can read a prompt ahead of the request that will extend it."""

    def warm(self, messages: Sequence[ChatMessage]) -> int:
        """Read ``messages`` into a cache now, so that a later prompt starting with them costs only the rest.

        Returns:
            How many tokens were read (0: the cache already held them).
        """
        ...


@runtime_checkable
class Judge(Protocol):
    """An engine that reads a short judgment from its odds (:meth:`LlamaCppEngine.answer_logprobs`)."""

    def answer_logprobs(
        self, messages: Sequence[ChatMessage], answers: Sequence[str], keep_cache: bool = False
    ) -> list[float]:
        """The log-probability of each answer as the reply's first token.

        ``keep_cache``: leave the engine's cached prompt as it was (a judgment between
        two uses of one long prompt).
        """
        ...


@runtime_checkable
class ImageDescriber(Protocol):
    """Turns an image into plain English for a language model that reads text only.

    Blocking: it runs in a worker thread. It must be safe to call from several
    threads at once (or serialise itself).
    """

    def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
        """Describe ``image`` (decoded, RGB).

        Args:
            image: The image to describe.
            previous: The image before it in the conversation (the previous video
                frame), so the description can say what changed; ``None`` if none.

        Returns:
            A description a text-only model can answer from (what text is on it,
            what it shows), without markup.
        """
        ...


@runtime_checkable
class TextEmbedder(Protocol):
    """How close in meaning texts are: cosine similarities of their sentence embeddings.

    Blocking: it runs in a worker thread, and must be safe to call from several at once.
    """

    def similarities(self, text: str, others: Sequence[str]) -> list[float]:
        """The similarity of ``text`` to each of ``others``, from -1 (opposite) to 1 (the same)."""
        ...


@dataclass(frozen=True)
class LLMCapabilities:
    """What a language-model engine can do, so the runtime picks how to drive it.

    An engine declares them as a ``capabilities`` attribute; one that does not
    gets the defaults (text in, text out, no local tokenizer). Whether its model
    calls tools itself is the model's profile (:mod:`openlive.engines.profile`).

    Attributes:
        local_tokenizer: ``count_prompt_tokens`` runs in-process with no I/O, so the
            session may call it on the event loop; otherwise a local estimate is used.
        images: The engine reads image parts; a text-only engine gets text renderings.
    """

    local_tokenizer: bool = False
    images: bool = False


def last_user_text(messages: Sequence[ChatMessage]) -> str:
    """The text of the newest user message (its parts' text rendering); ``""`` if there is none."""
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def capabilities(engine: object) -> LLMCapabilities:
    """The capabilities ``engine`` declares, or the defaults."""
    declared = getattr(engine, "capabilities", None)
    return declared if isinstance(declared, LLMCapabilities) else LLMCapabilities()


def for_engine(engine: object, messages: Sequence[ChatMessage]) -> tuple[ChatMessage, ...]:
    """``messages`` as ``engine`` reads them: a text-only engine gets their text renderings."""
    if capabilities(engine).images:
        return tuple(messages)
    return tuple(ChatMessage(m.role, m.content) if m.parts else m for m in messages)
