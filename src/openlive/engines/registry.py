"""The table from model names clients ask for to the engines that serve them.

Names are served exactly as configured, or through a pattern (a shell-style
glob such as ``gemini-*``, or ``*`` for any name): the first pattern, in the
order of the config, that matches a name serves it.
"""

from __future__ import annotations

import difflib
import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from openlive.engines.base import LLM, ImageDescriber
from openlive.errors import MAX_REASON_BYTES, PolicyViolation

if TYPE_CHECKING:
    from openlive.engines.stand_in import StandIn
    from openlive.pipeline.proactivity import JudgeModel

# The model names the Live API documentation uses.
DOCUMENTED_MODELS = (
    "gemini-2.0-flash-live-001",
    "gemini-live-2.5-flash-preview",
    "gemini-2.5-flash-preview-native-audio-dialog",
    "gemini-2.5-flash-exp-native-audio-thinking-dialog",
)

# Live model names in current use: the official SDKs' docs and tests, the defaults of
# LiveKit's google plugin (gemini-2.5-flash-native-audio-preview-12-2025; Vertex AI:
# gemini-live-2.5-flash-native-audio) and of pipecat's GeminiLiveLLMService
# (gemini-3.8-live), and the names those frameworks list as known.
CURRENT_MODELS = (
    "gemini-2.5-flash-native-audio-preview-12-2025",
    "gemini-2.5-flash-native-audio-preview-09-2025",
    "gemini-live-2.5-flash",
    "gemini-live-2.5-flash-native-audio",
    "gemini-2.0-flash-live-preview-04-09",
    "gemini-2.0-flash-exp",
    "gemini-3.1-flash-live-preview",
    "gemini-3.8-live",
    "gemini-3.8-live-extended-thinking",
)

# Every name the embedded default serves.
DEFAULT_MODELS = DOCUMENTED_MODELS + CURRENT_MODELS

# The Live API's documented context windows.
NATIVE_AUDIO_CONTEXT_TOKENS = 128_000
DEFAULT_CONTEXT_TOKENS = 32_000

# What a name served through a pattern may look like: it ends up in logs and metrics.
_SERVABLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_GLOB_CHARS = frozenset("*?[")
_GEMINI_VERSION = re.compile(r"gemini(?:-[a-z]+)*-(\d+)(?:\.(\d+))?")


def documented_context_tokens(name: str) -> int:
    """The context window the Live API documents for a model name."""
    return NATIVE_AUDIO_CONTEXT_TOKENS if "native-audio" in name else DEFAULT_CONTEXT_TOKENS


def honours_history_config(name: str) -> bool:
    """Whether a model seeds its history from ``historyConfig`` (``initialHistoryInClientContent``).

    The Gemini 2.x Live models answer an initial history sent with ``turnComplete``
    even with ``historyConfig`` set, and clients count on it: pipecat always sends
    ``historyConfig`` and, for those models only, sends its opening context with
    ``turnComplete: true`` to get the first reply (for Gemini 3 it sends a realtime
    input after the seed instead). Other names follow the setting's documented meaning.
    """
    match = _GEMINI_VERSION.search(name)
    return match is None or int(match.group(1)) >= 3


def canonical_model_name(name: str) -> str:
    """Drop the ``models/`` prefix the SDKs add."""
    return name.removeprefix("models/")


def is_pattern(name: str) -> bool:
    """Whether a configured model name is a glob pattern rather than one name."""
    return not _GLOB_CHARS.isdisjoint(name)


class ModelTable:
    """Maps served model names (and glob patterns) to LLM engines.

    Args:
        models: Served name or pattern to engine; patterns are tried in this order.
        describer: Describes images for engines that read text only; ``None``: the
            embedded default (:func:`openlive.engines.describers.default_describer`),
            built on first use.
        judge: Judges proactive audio for tiny engines; ``None``: each engine judges.
        tool_reader: Answers from tool results for tiny engines; ``None``: each
            engine answers itself.
        code_writer: Writes the programs a tiny engine's code execution runs, once
            loaded; ``None`` or not loaded: the tool reader writes them.
    """

    def __init__(
        self,
        models: Mapping[str, LLM],
        describer: ImageDescriber | None = None,
        judge: JudgeModel | None = None,
        tool_reader: StandIn[LLM] | None = None,
        code_writer: StandIn[LLM] | None = None,
    ) -> None:
        self._describer = describer
        self.judge = judge
        self.tool_reader = tool_reader
        self.code_writer = code_writer
        canonical = {canonical_model_name(name): engine for name, engine in models.items()}
        self._models = {name: engine for name, engine in canonical.items() if not is_pattern(name)}
        self._patterns = [(name, engine) for name, engine in canonical.items() if is_pattern(name)]

    @property
    def names(self) -> list[str]:
        """The served model names, sorted (patterns not included)."""
        return sorted(self._models)

    @property
    def patterns(self) -> list[str]:
        """The patterns names are also served through, in the order they are tried."""
        return [pattern for pattern, _ in self._patterns]

    def resolve(self, name: str) -> str:
        """Return the served name for ``name``.

        Raises:
            PolicyViolation: The model is not served; the reason lists served names.
        """
        canonical = canonical_model_name(name)
        if canonical in self._models or self._match(canonical) is not None:
            return canonical
        raise PolicyViolation(unknown_model_reason(name, self.names, self.patterns))

    def served(self, name: str) -> bool:
        """Whether ``name`` (with or without ``models/``) is served."""
        canonical = canonical_model_name(name)
        return canonical in self._models or self._match(canonical) is not None

    def entry(self, served_name: str) -> str:
        """The configured name or pattern that serves ``served_name``: a bounded label for metrics."""
        if served_name in self._models:
            return served_name
        matched = self._match(served_name)
        assert matched is not None, f"{served_name!r} is not served"
        return matched[0]

    def engine(self, served_name: str) -> LLM:
        """The engine behind a served name (from :meth:`resolve`)."""
        engine = self._models.get(served_name)
        if engine is not None:
            return engine
        matched = self._match(served_name)
        assert matched is not None, f"{served_name!r} is not served"
        return matched[1]

    def coder_for(self, engine: LLM) -> LLM | None:
        """The model that writes ``engine``'s programs; ``None``: ``engine`` writes its own.

        The code writer if it is loaded, else the tool reader if it is, else the engine
        itself (an engine that is not tiny always writes its own). Never loads a model.
        """
        for stand_in in (self.code_writer, self.tool_reader):
            model = stand_in.loaded_for(engine) if stand_in is not None else engine
            if model is not engine:
                return model
        return None

    def stand_ins(self) -> list[StandIn[LLM]]:
        """The models that stand in for tiny engines at a job (the judge aside)."""
        return [stand_in for stand_in in (self.tool_reader, self.code_writer) if stand_in is not None]

    def describer(self) -> ImageDescriber:
        """The image describer for engines that read text only (the default loads on first call)."""
        if self._describer is None:
            from openlive.engines.describers import default_describer

            self._describer = default_describer()
        return self._describer

    def context_tokens(self, served_name: str) -> int:
        """The context window sessions get: the documented one, or the engine's if smaller."""
        return min(documented_context_tokens(served_name), self.engine(served_name).context_size)

    def entries(self) -> list[tuple[str, LLM]]:
        """Each configured name, then each pattern, with its engine."""
        return [*sorted(self._models.items()), *self._patterns]

    def engines(self) -> Iterable[LLM]:
        """Each distinct engine once."""
        seen: dict[int, LLM] = {}
        for engine in [*self._models.values(), *(engine for _, engine in self._patterns)]:
            seen.setdefault(id(engine), engine)
        return seen.values()

    def _match(self, name: str) -> tuple[str, LLM] | None:
        if not self._patterns or not _SERVABLE_NAME.fullmatch(name):
            return None
        return next(
            ((pattern, engine) for pattern, engine in self._patterns if fnmatch.fnmatchcase(name, pattern)),
            None,
        )


def unknown_model_reason(name: str, served: list[str], patterns: list[str] | None = None) -> str:
    """A close reason naming served models, whole names only, as many as fit in a close frame.

    The names most like the one asked for come first, then the documented ones;
    the reason says how many more there are and where they are all listed. The
    name asked for is echoed when it leaves room for at least one served name.
    """
    canonical = canonical_model_name(name)[:100]  # bounds the likeness work
    offered = [*(patterns or []), *_by_likeness(canonical, served)]
    if not offered:
        return _fit(f"model {_short(name)!r} is not served; this server serves no models")
    for head in (f"model {_short(name)!r} is not served; ", "model not served; "):
        listed: list[str] = []
        for model in offered:
            if len(_listing(head, [*listed, model], len(offered)).encode("utf-8")) > MAX_REASON_BYTES:
                break
            listed.append(model)
        if listed:
            return _listing(head, listed, len(offered))
    return _fit(f"model {_short(name)!r} is not served; see GET /v1beta/models")


def _short(name: str) -> str:
    encoded = name.encode("utf-8")
    return name if len(encoded) <= 40 else encoded[:37].decode("utf-8", "ignore") + "..."


def _by_likeness(name: str, served: list[str]) -> list[str]:
    """The names most like ``name`` first (a typo's fix), then the documented ones, then the rest."""
    if not served:
        return []
    close = difflib.get_close_matches(name, served, n=2, cutoff=0.75)
    documented = [model for model in DOCUMENTED_MODELS if model in served]
    ordered = [*close, *documented, *served]
    return list(dict.fromkeys(ordered))


def _listing(head: str, listed: list[str], total: int) -> str:
    rest = total - len(listed)
    more = f" (+{rest} more: GET /v1beta/models)" if rest else ""
    return head + "try " + ", ".join(listed) + more


def _fit(reason: str) -> str:
    # Only the client's own name can make these too long, and it was shortened.
    encoded = reason.encode("utf-8")
    if len(encoded) <= MAX_REASON_BYTES:
        return reason
    return encoded[: MAX_REASON_BYTES - 3].decode("utf-8", errors="ignore") + "..."
