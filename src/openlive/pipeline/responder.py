"""The responder stage: a turn's request in, a reply (text pieces or spoken chunks) out.

:class:`Responder` is the seam: today's implementation is the cascade
(:class:`CascadeResponder`: LLM → clauses → TTS); a speech-to-speech model would
be another.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from typing import Protocol

from openlive.engines.audio_base import SpeechEngines
from openlive.engines.base import LLM, ChatMessage, GenerationStats, SamplingParams, for_engine
from openlive.engines.registry import ModelTable
from openlive.parts import holds_image
from openlive.pipeline.affect import StyledTTS
from openlive.pipeline.looking import names_shown_text, refers_to_shown, users_words
from openlive.pipeline.native_dialog import native_prepare
from openlive.pipeline.reply import Reply, Speech
from openlive.pipeline.thinking import RunCode
from openlive.pipeline.vision import FrameVision
from openlive.session import StartGeneration
from openlive.session.prompts import READ_REQUEST, reading_turn, without_seeing

log = logging.getLogger(__name__)


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
            reasoned = request.after_tools or request.thinking is not None
            # The tiny model's turn goes to its reader after all if its words name the
            # screen's text, known only once the frame is read (in the worker).
            reader = _reader_of(self._models, served) if llm is served and not reasoned else None
            seeing = _Seeing(llm, self._vision, reading=llm is not served and not reasoned, reader=reader)
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


def _reader_of(models: ModelTable, served: LLM) -> LLM | None:
    """The reader that would write an image question's reply for ``served`` (``None``: ``served`` itself)."""
    reader = models.tool_reader
    if reader is None:
        return None
    loaded = reader.loaded_for(served)
    return None if loaded is served else loaded


def asks_about_image(messages: Sequence[ChatMessage]) -> bool:
    """Whether the prompt holds an image and the user's newest words refer to what they show."""
    return any(holds_image(message.parts) for message in messages) and refers_to_shown(users_words(messages))


class _Seeing:
    """An engine whose prompts' images are made ready (:class:`FrameVision`) before it reads them.

    Args:
        llm: The engine chosen for the turn.
        vision: Makes the images ready.
        reading: ``llm`` is the reader answering a question about the newest image:
            the prompt is shaped for it (:func:`reading_prompt`), and a reply that
            repeats the prompt's instructions is asked again (:func:`_unechoed`).
        reader: The reader that takes a tiny ``llm``'s turn over, reading, if the
            user's words name the newest image's text (:func:`names_shown_text`) or
            ``llm``'s reply starts by repeating its system message; ``None``: never.
    """

    def __init__(
        self, llm: LLM, vision: FrameVision, reading: bool = False, reader: LLM | None = None
    ) -> None:
        self._llm = llm
        self._vision = vision
        self._reading = reading
        self._reader = reader

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
        said: list[str] = []
        prepared = self._vision.prepare(self._llm, messages, said=said)
        as_given = for_engine(self._llm, prepared)
        shaped = reading_prompt(prepared, said[0]) if said else None
        if shaped is None:
            return self._llm.generate(as_given, params, stats, cancel)
        if self._reading:
            return _read(self._llm, shaped, params, stats, cancel)
        reader = self._reader
        if reader is None:
            return self._llm.generate(as_given, params, stats, cancel)
        if names_shown_text(users_words(messages), said[0]):
            log.info("the question names the screen's text: the reader answers")
            return _read(reader, shaped, params, stats, cancel)
        # The tiny model's turn, as before; if it starts by repeating its system message
        # (SmolLM2 given a screen's text and a question it cannot place), the reader
        # answers from the screen instead.
        return _unechoed(
            self._llm, as_given, params, stats, cancel, lambda: _read(reader, shaped, params, stats, cancel)
        )


def _read(
    engine: LLM,
    shaped: Sequence[ChatMessage],
    params: SamplingParams,
    stats: GenerationStats,
    cancel: threading.Event,
) -> Iterator[str]:
    """``engine``'s answer to a :func:`reading_prompt`; without the system message if it repeats it."""
    bare = [message for message in shaped if message.role != "system"]
    return _unechoed(
        engine, shaped, params, stats, cancel, lambda: engine.generate(bare, params, stats, cancel)
    )


def reading_prompt(messages: Sequence[ChatMessage], said: str) -> list[ChatMessage] | None:
    """A prepared prompt reshaped for a question about its newest image, whose text is ``said``.

    The image's text moves from its place to the newest user message, right before
    the user's words, and what to do with it comes after them
    (:func:`~openlive.session.prompts.reading_turn`); the system message's line about
    images goes (it is said there). ``None`` when the prompt does not end with the
    user's message holding ``said``'s text (nothing to reshape).
    """
    if not messages or messages[-1].role != "user":
        return None
    holder = next((i for i in reversed(range(len(messages))) if said in messages[i].content), None)
    if holder is None:
        return None
    screen = said.strip().removeprefix("[image:").removesuffix("]").strip()
    out: list[ChatMessage] = []
    for index, message in enumerate(messages):
        content = message.content
        if index == holder:
            at = content.rindex(said)
            moved = "" if index == len(messages) - 1 else MOVED_IMAGE
            content = content[:at] + moved + content[at + len(said) :]
        if message.role == "system":
            content = without_seeing(content)
            if not content:
                continue
        if index == len(messages) - 1:
            content = reading_turn(screen, content)
        out.append(ChatMessage(message.role, content))
    return out


# The newest image's place in an earlier message, once its text is moved to the question.
MOVED_IMAGE = "[an image: its text is in my last message]\n"
# A reply whose first this many characters (compared as :func:`_plain`) are the start of
# a sentence of the prompt's instructions is repeating them.
ECHO_CHARS = 24


def _unechoed(
    engine: LLM,
    messages: Sequence[ChatMessage],
    params: SamplingParams,
    stats: GenerationStats,
    cancel: threading.Event,
    again: Callable[[], Iterator[str]],
) -> Iterator[str]:
    """``engine``'s reply to ``messages``; ``again``'s if it starts by repeating its instructions.

    Small models given a screen's text sometimes answer with the prompt's
    instructions instead ("The user shows you their screen or camera...", "You are a
    helpful assistant..."). Only the reply's first words are held back, and only
    while they read as the start of one of the system message's sentences (or of the
    request after the question): a real answer parts from them within a word or two.
    """
    system = next((m.content for m in messages if m.role == "system"), "")
    told = [_plain(sentence) for sentence in re.split(r"(?<=[.!?:])\s+", f"{system} {READ_REQUEST}")]
    told = [sentence for sentence in told if sentence]
    pieces = engine.generate(messages, params, stats, cancel)
    held: list[str] = []
    try:
        for piece in pieces:
            held.append(piece)
            start = _plain("".join(held))
            if start and not any(sentence.startswith(start) for sentence in told):
                yield from held
                yield from pieces
                return
            if len(start) >= ECHO_CHARS:
                break
        else:
            yield from held  # a short reply, all of it the start of a sentence of the instructions
            return
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    log.info("the reply repeated its instructions: asked again")
    yield from again()


def _plain(text: str) -> str:
    """Lower case, each run of other characters than letters and digits one space."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())
