"""The responder stage: a turn's request in, a reply (text pieces or spoken chunks) out.

:class:`Responder` is the seam: today's implementation is the cascade
(:class:`CascadeResponder`: LLM → clauses → TTS); a speech-to-speech model would
be another.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
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
from openlive.session.prompts import READ_REQUEST, SCREEN_READ, reading_turn, without_seeing

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
        reader: The reader that takes the turn over, reading, if the user's words
            name the newest image's text (:func:`names_shown_text`); ``None``: never.
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
        engine, reading = self._llm, self._reading
        if (
            not reading
            and self._reader is not None
            and said
            and names_shown_text(users_words(messages), said[0])
        ):
            log.info("the question names the screen's text: its reader answers")
            engine, reading = self._reader, True
        shaped = reading_prompt(prepared, said[0]) if reading and said else None
        if shaped is not None:
            return _unechoed(engine, shaped, params, stats, cancel)
        return engine.generate(for_engine(engine, prepared), params, stats, cancel)


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
# A reply whose first this many characters (compared as :func:`_plain`) are all words of
# the prompt's instructions is repeating them: it is asked again.
ECHO_CHARS = 24


def _unechoed(
    engine: LLM,
    messages: Sequence[ChatMessage],
    params: SamplingParams,
    stats: GenerationStats,
    cancel: threading.Event,
) -> Iterator[str]:
    """``engine``'s reply, asked again without the system message if it starts by repeating its instructions.

    0.5B models given a screen's text sometimes answer with the prompt's instructions
    instead ("You are a helpful assistant...", "Answer my question from the
    screen's text..."). Only the reply's first words are held back, while they could
    still be such a repetition: a real answer parts from the instructions within a word
    or two.
    """
    system = next((m.content for m in messages if m.role == "system"), "")
    told = _plain(f"{system} {SCREEN_READ} {READ_REQUEST}")
    pieces = engine.generate(messages, params, stats, cancel)
    held: list[str] = []
    try:
        for piece in pieces:
            held.append(piece)
            start = _plain("".join(held))
            if start and start not in told:
                yield from held
                yield from pieces
                return
            if len(start) >= ECHO_CHARS:
                break
        else:
            yield from held  # a short reply, all of it words of the instructions
            return
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    log.info("the reply repeated its instructions: asked again without the system message")
    yield from engine.generate([m for m in messages if m.role != "system"], params, stats, cancel)


def _plain(text: str) -> str:
    """Lower case, each run of other characters than letters and digits one space."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())
