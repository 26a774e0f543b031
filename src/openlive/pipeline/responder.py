"""The responder stage: a turn's request in, a reply (text pieces or spoken chunks) out.

:class:`Responder` is the seam: today's implementation is the cascade
(:class:`CascadeResponder`: LLM → clauses → TTS); a speech-to-speech model would
be another.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from typing import Protocol

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams, for_engine
from openlive.engines.registry import ModelTable
from openlive.parts import holds_image
from openlive.pipeline.affect import StyledTTS
from openlive.pipeline.looking import refers_to_shown, users_words
from openlive.pipeline.native_dialog import native_prepare
from openlive.pipeline.reply import Reply, Speech
from openlive.pipeline.thinking import RunCode
from openlive.pipeline.vision import FrameVision
from openlive.session import StartGeneration


class Responder(Protocol):
    """Starts the reply a request asks for; the reply works in the background until read or stopped."""

    def start(self, request: StartGeneration, cancel: threading.Event | None = None) -> Reply:
        """Start the reply to ``request``; ``cancel`` stops its engine calls."""
        ...


class CascadeResponder:
    """The language model's text, cut into clauses and spoken when the request has a voice.

    Args:
        models: Engines by served model name.
        speech: The speech engines; ``None`` makes text replies only.
        executor: Where the engines run.
        vision: Makes a prompt's images ready for the engine (sized, or described);
            ``None``: a text-only engine gets the images' placeholders.
        run_code: Runs a thinking pass's program in the sandbox (from the reply's
            worker thread); ``None``: thinking is written as prose.
    """

    def __init__(
        self,
        models: ModelTable,
        speech: SpeechEngines | None,
        executor: Executor | None,
        vision: FrameVision | None = None,
        run_code: RunCode | None = None,
    ) -> None:
        self._models = models
        self._speech = speech
        self._executor = executor
        self._vision = vision
        self._run_code = run_code

    def start(self, request: StartGeneration, cancel: threading.Event | None = None) -> Reply:
        """Start the reply: spoken if it has a voice and there are speech engines."""
        voice = None
        if request.voice is not None and self._speech is not None:
            tts = self._speech.tts
            if request.delivery is not None:  # affective dialog: spoken for the user's tone
                tts = StyledTTS(tts, request.delivery)
            voice = Speech(tts, request.voice.name, request.voice.language)
        served = self._models.engine(request.model)
        llm = reply_engine(
            self._models, served, request.messages, request.after_tools or request.thinking is not None
        )
        # Proactive audio is judged for the session's own engine (by the judge, for a tiny one).
        prepare = native_prepare(llm, request, self._models.judge, self._run_code, judged_for=served)
        if self._vision is not None and any(m.parts for m in request.messages):
            # Images are sized or described in the generation's worker thread.
            seeing = _Seeing(llm, self._vision)
            return Reply(
                seeing, request.messages, request.params, voice, self._executor, cancel, prepare=prepare
            )
        # A text-only engine reads the text rendering of images and other parts.
        messages = for_engine(llm, request.messages)
        return Reply(llm, messages, request.params, voice, self._executor, cancel, prepare=prepare)


def reply_engine(models: ModelTable, llm: LLM, messages: Sequence[ChatMessage], reasoned: bool) -> LLM:
    """The engine that writes the reply to ``messages`` for a session served by ``llm``.

    A tiny ``llm`` hands two kinds of reply to the model table's reader
    (:attr:`ModelTable.tool_reader`, once it is loaded): ``reasoned`` ones (after
    tool results, where it repeats a function's result instead of answering with it;
    a thinking turn, which it cannot reason through), and a question about an image
    (the prompt holds one, and the user's words refer to what they show:
    :func:`refers_to_shown`), where it gets the image as a description and
    SmolLM2-135M quotes the wrong block of it or says it cannot see screens (README,
    "Read back through the real server"). Any other turn, and every turn of a larger
    model, stays with ``llm``: the other turns of a session that streams frames hold
    an image too, and the reader is slower.
    """
    reader = models.tool_reader
    if reader is None:
        return llm
    if reasoned or asks_about_image(messages):
        return reader.loaded_for(llm)
    return llm


def asks_about_image(messages: Sequence[ChatMessage]) -> bool:
    """Whether the prompt holds an image and the user's newest words refer to what they show."""
    return any(holds_image(message.parts) for message in messages) and refers_to_shown(users_words(messages))


class _Seeing:
    """An engine whose prompts' images are made ready (:class:`FrameVision`) before it reads them."""

    def __init__(self, llm: LLM, vision: FrameVision) -> None:
        self._llm = llm
        self._vision = vision

    @property
    def context_size(self) -> int:
        return self._llm.context_size

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        return self._llm.count_prompt_tokens(messages)

    def generate(
        self,
        messages: Sequence[ChatMessage],
        params: SamplingParams,
        stats: GenerationStats,
        cancel: threading.Event,
    ) -> Iterator[str]:
        prepared = for_engine(self._llm, self._vision.prepare(self._llm, messages))
        return self._llm.generate(prepared, params, stats, cancel)
