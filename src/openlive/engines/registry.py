"""The table from model names clients ask for to the engines that serve them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from openlive.engines.base import LLM
from openlive.errors import PolicyViolation, truncate_reason

# The model names the Live API documentation uses; all are served by the default engine.
DOCUMENTED_MODELS = (
    "gemini-2.0-flash-live-001",
    "gemini-live-2.5-flash-preview",
    "gemini-2.5-flash-preview-native-audio-dialog",
    "gemini-2.5-flash-exp-native-audio-thinking-dialog",
)


# The Live API's documented context windows.
NATIVE_AUDIO_CONTEXT_TOKENS = 128_000
DEFAULT_CONTEXT_TOKENS = 32_000


def documented_context_tokens(name: str) -> int:
    """The context window the Live API documents for a model name."""
    return NATIVE_AUDIO_CONTEXT_TOKENS if "native-audio" in name else DEFAULT_CONTEXT_TOKENS


def canonical_model_name(name: str) -> str:
    """Drop the ``models/`` prefix the SDKs add."""
    return name.removeprefix("models/")


class ModelTable:
    """Maps served model names to LLM engines.

    Args:
        models: Served name to engine.
    """

    def __init__(self, models: Mapping[str, LLM]) -> None:
        self._models = {canonical_model_name(name): engine for name, engine in models.items()}

    @property
    def names(self) -> list[str]:
        """The served model names, sorted."""
        return sorted(self._models)

    def resolve(self, name: str) -> str:
        """Return the served name for ``name``.

        Raises:
            PolicyViolation: The model is not served; the reason lists served names.
        """
        canonical = canonical_model_name(name)
        if canonical in self._models:
            return canonical
        raise PolicyViolation(unknown_model_reason(name, self.names))

    def engine(self, served_name: str) -> LLM:
        """The engine behind a served name (from :meth:`resolve`)."""
        return self._models[served_name]

    def context_tokens(self, served_name: str) -> int:
        """The context window sessions get: the documented one, or the engine's if smaller."""
        return min(documented_context_tokens(served_name), self._models[served_name].context_size)

    def engines(self) -> Iterable[LLM]:
        """Each distinct engine once."""
        seen: dict[int, LLM] = {}
        for engine in self._models.values():
            seen.setdefault(id(engine), engine)
        return seen.values()


def unknown_model_reason(name: str, served: list[str]) -> str:
    """A close reason naming the served models, as many as fit in a close frame."""
    head = f"model {name[:40]!r} is not served here; served: "
    tail = " (all: GET /v1beta/models)"
    listed: list[str] = []
    for model in served:
        candidate = head + ", ".join([*listed, model]) + tail
        if len(candidate.encode("utf-8")) > 123:
            break
        listed.append(model)
    return truncate_reason(head + ", ".join(listed) + ("" if len(listed) == len(served) else tail))
