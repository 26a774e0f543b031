"""The conversation as a state machine. No I/O, no await.

Feed it client messages (``receive``) and generation events (``generation_text``,
``generation_done``); it answers with :data:`~openlive.session.actions.Action`
values for the runtime (``openlive.runtime``) to carry out: messages to send,
generations to start or cancel, tool steps, checkpoints. Token counts come in as
data (:mod:`openlive.session.context`): nothing it calls does I/O.
Like the protocol core of ``websockets``, it can be tested by feeding it inputs
and reading what comes out.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from openlive.audio import pcm_rate
from openlive.engines.audio_base import LIVE_API_LANGUAGES
from openlive.engines.base import ChatMessage, GenerationStats, SamplingParams
from openlive.engines.language import follows_speaker, language_instruction, spoken_language
from openlive.engines.profile import CAPABLE, ModelProfile
from openlive.engines.registry import honours_history_config
from openlive.errors import InvalidArgument
from openlive.images import Resolution, check_image, is_image_type, resolution
from openlive.parts import (
    ImagePart,
    Part,
    RetiredImage,
    TextPart,
    image_digest,
    part_from_json,
    part_to_json,
)
from openlive.session.actions import (
    Action,
    AwaitToolResponses,
    CancelGeneration,
    Checkpoint,
    EndAudioStream,
    FeedAudio,
    FetchUrls,
    MarkActivity,
    PlanTools,
    RunCode,
    RunSearch,
    SeeFrame,
    Send,
    StartGeneration,
    Voice,
)
from openlive.session.context import ModelLimits, fit_context, render_prompt
from openlive.session.history import History, Turn
from openlive.session.native import (
    NativeDialog,
    Tone,
    ToneTracker,
    VoiceFeatures,
    delivery_for,
    native_dialog,
    tone_line,
)
from openlive.session.tool_turn import (
    CancelledIds,
    ToolTurn,
    code_result_text,
    function_cancelled_text,
    function_result_text,
    function_unanswered_text,
    grounding_metadata,
    page_failed_text,
    page_text,
    search_result_text,
)
from openlive.tools.planner import CodeStep, FunctionStep, SearchStep, Step
from openlive.tools.search import SearchResult
from openlive.tools.urlfetch import FetchedPage, find_urls
from openlive.wire import server as msg
from openlive.wire.client import (
    Blob,
    ClientContent,
    ClientMessage,
    RealtimeInput,
    Setup,
    ToolResponse,
    setup_from_json,
    setup_to_json,
)
from openlive.wire.tools import FunctionResponse

# The Gemini API counts audio at 32 tokens a second.
AUDIO_TOKENS_PER_SECOND = 32
OUTPUT_AUDIO_MIME = "audio/pcm;rate=24000"
MAX_DETECTION_MS = 10_000
# 2: history turns are lists of parts; 1 (still read): history turns were [role, text].
SNAPSHOT_FORMAT = 2
READABLE_SNAPSHOT_FORMATS = (1, 2)
# Images the history (with the input deferred behind a reply) keeps as images;
# older ones become a placeholder, so a session's memory for images is bounded.
MAX_HISTORY_IMAGES = 3
# Frames after a reply started ahead beyond which its frame is stale (at 1 fps, 3 s).
MAX_FRAMES_AFTER_PREVIEW = 3


class State(enum.Enum):
    """Where a session is in its life."""

    AWAITING_SETUP = "awaiting_setup"
    ACTIVE = "active"
    CLOSED = "closed"


# Resolves the model name a client asked for to the served name, or raises
# PolicyViolation naming the models this server serves.
ModelResolver = Callable[[str], str]


@dataclass(frozen=True)
class SessionLimits:
    """Per-session bounds.

    Attributes:
        max_history_chars: Text the history may hold before the session is refused
            more; bounds memory for clients that only add context.
        max_output_tokens: Cap on a reply's length when the client names none.
        max_history_turns: Turns the history may hold. The prompt of every reply is
            rendered through the chat template and counted on the event loop, at a
            cost that grows faster than the turn count (2,000 one-word turns: 1.5 s
            with SmolLM2); the context window holds far fewer turns than this anyway.
    """

    max_history_chars: int = 1_000_000
    max_output_tokens: int = 1024
    max_history_turns: int = 1024


@dataclass(frozen=True)
class SpeechCapabilities:
    """What the server's speech engines can do, for checking a session's setup.

    Attributes:
        voices: Prebuilt voice names the synthesiser accepts.
        languages: BCP-47 codes it can speak.
        default_voice: The voice when the client names none.
        default_language: The language when the client names none.
    """

    voices: tuple[str, ...]
    languages: tuple[str, ...]
    default_voice: str = "Puck"
    default_language: str = "en-US"


@dataclass
class _Generation:
    turn_id: int
    audio_in_s: float = 0.0
    image_tokens: int = 0
    video_tokens: int = 0
    sent: list[str] = field(default_factory=list)
    # The tool phase before the answer, in a session with tools.
    tools: ToolTurn | None = None


class Session:
    """One Live API session: setup, then turns, then closed.

    Args:
        resolve_model: Maps the client's model name to a served model name.
        limits: Per-session bounds.
        session_id: An id for logs and ``setupComplete``; random if not given.
        speech: The speech engines' capabilities; ``None`` when the server has no
            speech engines, so audio in and out are refused.
        model_limits: The context window and tokenizer of a served model; without
            it, prompts are not counted (the engine still refuses what cannot fit).
    """

    def __init__(
        self,
        resolve_model: ModelResolver,
        limits: SessionLimits | None = None,
        session_id: str | None = None,
        speech: SpeechCapabilities | None = None,
        model_limits: Callable[[str], ModelLimits] | None = None,
    ) -> None:
        self.id = session_id or uuid.uuid4().hex
        self.state = State.AWAITING_SETUP
        self.setup: Setup | None = None
        self.model: str | None = None
        self.history = History()
        self._resolve_model = resolve_model
        self._limits = limits or SessionLimits()
        self._turn_ids = itertools.count(1)
        self._generation: _Generation | None = None
        # Context that arrives while a reply is being generated joins the history
        # after that reply, so the history stays in the order things happened.
        self._deferred: list[Turn] = []
        self._reply_after_deferred = False
        self._speech = speech
        self.voice: Voice | None = None
        # The language replies are in (languageCode, or the one heard last when the
        # model follows the speaker); None: the model's own, English.
        self.reply_language: str | None = None
        self._follows_speaker = False
        # Seconds of user audio heard since the last reply started, for usageMetadata.
        self._audio_in_s = 0.0
        self._model_limits = model_limits
        self._restored: dict[str, object] | None = None
        self._saved_turns: list[Turn] = []
        # Index of the last client message handled (setup is 0).
        self.message_index = -1
        self.dropped_turns = 0
        # Non-blocking calls still running on the client, id to function name; they
        # outlive the reply that made them.
        self._background_calls: dict[str, str] = {}
        self._cancelled_calls = CancelledIds()
        # historyConfig.initialHistoryInClientContent: clientContent seeds the
        # history, without a reply, until one says turnComplete.
        self._seeding = False
        # Native-audio dialog (proactive audio, affective dialog, thinking): the
        # settings, the user's tone in their last utterance, and whether the turn
        # being answered was heard (proactive audio judges only speech).
        self.native = NativeDialog()
        self._tones = ToneTracker()
        self._tone: Tone | None = None
        self._heard_turn = False
        # Video: the newest frame no turn has seen yet (older ones are dropped), the
        # frame a reply started ahead of its turn saw (in a 1-tuple: it may be None),
        # and the image tokens added since the last reply started.
        self.media_resolution: Resolution = resolution(None)
        self.has_video = False
        self._frame: ImagePart | None = None
        self._preview_frame: tuple[ImagePart | None] | None = None
        # Frames received, to tell a stale preview's frame (see _turn_frame).
        self._frames_seen = 0
        self._preview_at = 0
        self._image_tokens = 0
        self._video_tokens = 0
        self._last_image: ImagePart | None = None

    @property
    def generating(self) -> bool:
        """Whether a reply is being generated now."""
        return self._generation is not None

    # -- client messages -------------------------------------------------------------

    def receive(self, message: ClientMessage) -> list[Action]:
        """Take one client message and return what to do.

        Raises:
            InvalidArgument: The message is not allowed now (close 1007).
            PolicyViolation: The model asked for is not served (close 1008).
        """
        if self.state is State.CLOSED:
            return []
        self.message_index += 1
        if self.state is State.AWAITING_SETUP:
            if not isinstance(message, Setup):
                raise InvalidArgument("the first message must be setup")
            return self._on_setup(message)
        if isinstance(message, Setup):
            raise InvalidArgument("setup was already received; send it only once per session")
        if isinstance(message, ClientContent):
            return self._on_client_content(message)
        if isinstance(message, RealtimeInput):
            return self._on_realtime_input(message)
        if isinstance(message, ToolResponse):
            return self._on_tool_response(message)
        raise AssertionError(f"unhandled message {message!r}")

    def _on_setup(self, setup: Setup) -> list[Action]:
        if self._restored is not None:
            # A resumed session keeps its own settings and history; of the new setup
            # only the resumption settings count.
            saved = setup_from_json(self._restored["setup"])  # type: ignore[arg-type]
            setup = dataclasses.replace(saved, resumption=setup.resumption)
        config = setup.generation_config
        modality = config.response_modalities[0]
        if modality not in ("TEXT", "AUDIO"):
            raise InvalidArgument(
                f"setup.generationConfig.responseModalities {modality} is not supported; use TEXT or AUDIO"
            )
        if config.candidate_count not in (None, 1):
            raise InvalidArgument("setup.generationConfig.candidateCount must be 1 in the Live API")
        self.model = self._resolve_model(setup.model)
        voice = self._check_speech(setup)
        if modality == "AUDIO":
            self.voice = voice
        self.reply_language = setup.speech.language_code or None
        self._follows_speaker = not setup.speech.language_code and follows_speaker(self.model)
        for name in ("prefix_padding_ms", "silence_duration_ms"):
            value = getattr(setup.activity, name)
            if value is not None and not 0 <= value <= MAX_DETECTION_MS:
                field_name = "prefixPaddingMs" if name == "prefix_padding_ms" else "silenceDurationMs"
                raise InvalidArgument(
                    "setup.realtimeInputConfig.automaticActivityDetection."
                    f"{field_name} must be 0-{MAX_DETECTION_MS}, not {value}"
                )
        self.setup = setup
        self.native = native_dialog(setup.raw, self.model)
        self.media_resolution = resolution(setup.raw.get("generationConfig", {}).get("mediaResolution"))
        self.state = State.ACTIVE
        actions: list[Action] = [Send(msg.setup_complete(self.id))]
        if self._restored is not None:
            self._load_history(self._restored)
            self._restored = None
        else:
            # A resumed session has its history already; only a new one is seeded.
            self._seeding = setup.initial_history and honours_history_config(self.model)
        return actions + self._checkpoint()

    def _check_speech(self, setup: Setup) -> Voice:
        speech = self._speech
        wants_audio = setup.generation_config.response_modalities[0] == "AUDIO"
        if speech is None:
            if wants_audio:
                raise InvalidArgument(
                    "setup.generationConfig.responseModalities AUDIO: this server has no speech "
                    "engines configured; use TEXT"
                )
            return Voice("", "")
        asked = setup.speech.voice_name or speech.default_voice
        # Voice names are matched without regard to case, as the Live API does.
        name = next((v for v in speech.voices if v.lower() == asked.lower()), None)
        if name is None:
            voices = speech.voices
            choices = voices[0] if len(voices) == 1 else f"{', '.join(voices[:-1])} or {voices[-1]}"
            raise InvalidArgument(f"voiceName {asked[:20]!r} is unknown; use {choices}")
        language = setup.speech.language_code or speech.default_language
        if language not in LIVE_API_LANGUAGES:
            raise InvalidArgument(
                f"languageCode {language[:20]!r} is not a supported language code (e.g. en-US, de-DE)"
            )
        if wants_audio and language not in speech.languages:
            raise InvalidArgument(
                f"languageCode {language}: this server cannot speak it; install espeak-ng for it"
            )
        return Voice(name, language)

    def _on_client_content(self, content: ClientContent) -> list[Action]:
        self._heard_turn, self._tone = False, None  # typed: not judged, no tone of voice
        turns = []
        image_tokens = 0
        for index, turn in enumerate(content.turns):
            path = f"clientContent.turns[{index}]"
            if turn.role not in ("user", "model"):
                raise InvalidArgument(f"{path}.role must be user or model, not {turn.role!r}")
            parts: list[Part] = []
            for number, part in enumerate(turn.parts):
                if part.text and not part.thought:
                    parts.append(TextPart(part.text))
                inline = part.raw.get("inlineData")
                if inline is not None:
                    level = part.raw.get("mediaResolution", {}).get("level")
                    image, tokens = self._image(
                        f"{path}.parts[{number}].inlineData",
                        Blob(mime_type=inline.get("mimeType", ""), data=inline.get("data", b"")),
                        resolution(_level(level)) if level else None,
                    )
                    parts.append(image)
                    image_tokens += tokens
                    self._last_image = image
            if parts:
                turns.append(Turn(role="user" if turn.role == "user" else "model", parts=_merge_text(parts)))
        self._image_tokens += image_tokens
        if self._seeding:
            # The initial history: kept, never answered; it may end with the model's turn.
            self._check_room(turns)
            self.history.extend(turns)
            self._retire_images()
            self._seeding = not content.turn_complete
            return []
        if content.turn_complete and turns and turns[-1].role == "user":
            turns[-1] = self._with_frame(turns[-1])
        return self._add_turns(turns, reply=content.turn_complete)

    # -- images and video ------------------------------------------------------------

    def _image(self, path: str, blob: Blob, own: Resolution | None = None) -> tuple[ImagePart, int]:
        """An image from the client, checked (header only), and its tokens (at ``own`` resolution if set).

        Raises:
            InvalidArgument: Not an image this server takes (type, signature, size).
        """
        info = check_image(blob.data, blob.mime_type, path)
        tokens = (own or self.media_resolution).image_tokens(info.width, info.height)
        return ImagePart(blob.data, blob.mime_type.split(";")[0].strip().lower(), path), tokens

    def _take_frame(self, path: str, blob: Blob) -> SeeFrame:
        """A video frame: it replaces any frame no turn has seen yet."""
        frame, _ = self._image(path, blob)
        self._frame = frame
        self._frames_seen += 1
        self.has_video = True
        return SeeFrame(frame, self._newest_image())

    def _newest_image(self) -> ImagePart | None:
        """The newest image a turn took (kept as it goes: a flood of frames must not scan the history)."""
        return self._last_image

    @property
    def frame_waiting(self) -> bool:
        """Whether a video frame waits for the next user turn."""
        return self._turn_frame() is not None

    def _turn_frame(self, spoken: bool = True) -> ImagePart | None:
        """The frame the next user turn sees: for speech, the one its reply started ahead with.

        A reply started ahead counts only while few frames have come since (its turn
        is committed within a second or so; a preview left behind by speech that
        made no turn must not hold an old frame for the next one).
        """
        preview = self._preview_frame
        if (
            spoken
            and preview is not None
            and self._frames_seen - self._preview_at <= MAX_FRAMES_AFTER_PREVIEW
        ):
            return preview[0]
        return self._frame

    def _with_frame(self, turn: Turn, spoken: bool = False) -> Turn:
        """``turn`` with the frame it sees in front of its words; that frame is seen then.

        The policy: a turn sees the newest frame received before its reply was first
        started (the end of the user's speech, or the text's arrival), if no earlier
        turn saw it. A frame that arrives later waits for the next turn.
        """
        frame = self._turn_frame(spoken)
        self._preview_frame = None
        if frame is None:
            return turn
        if frame is self._frame:
            self._frame = None
        self._video_tokens += self.media_resolution.frame_tokens
        self._last_image = frame
        return Turn(turn.role, parts=(frame, *turn.parts))

    def _retire_images(self) -> None:
        """Keep the newest ``MAX_HISTORY_IMAGES`` images; older ones are retired (their bytes dropped)."""
        deferred, kept = _retiring_images(self._deferred, 0)
        self._deferred[:] = deferred
        if kept + self.history.images <= MAX_HISTORY_IMAGES:
            return  # nothing to retire: no walk over a long history of text
        # Newest first, up to the oldest turn that still keeps an image: older
        # ones were retired before, so the walk covers the recent turns only.
        live = self.history.images
        for index in range(len(self.history) - 1, -1, -1):
            if live == 0:
                break
            turn = self.history[index]
            images = sum(isinstance(p, ImagePart) for p in turn.parts)
            live -= images
            (retired,), kept = _retiring_images([turn], kept)
            if retired is not turn:
                self.history.update(index, retired)

    def _on_realtime_input(self, realtime: RealtimeInput) -> list[Action]:
        assert self.setup is not None
        # The realtime conversation has begun: the initial history is over, even if
        # the client had none to send and so never said turnComplete.
        self._seeding = False
        activity = self.setup.activity
        actions: list[Action] = []
        if (realtime.activity_start or realtime.activity_end) and not activity.disabled:
            marker = "activityStart" if realtime.activity_start else "activityEnd"
            raise InvalidArgument(
                f"realtimeInput.{marker} is only allowed when "
                "realtimeInputConfig.automaticActivityDetection.disabled is true"
            )
        if realtime.activity_start:
            actions.append(MarkActivity(start=True))
            actions += self.speech_started()
        blobs = [("realtimeInput.audio", realtime.audio)] if realtime.audio else []
        blobs += [(f"realtimeInput.mediaChunks[{i}]", b) for i, b in enumerate(realtime.media_chunks)]
        frames = [("realtimeInput.video", realtime.video)] if realtime.video else []
        frames += [(path, blob) for path, blob in blobs if blob.mime_type.lower().startswith("image/")]
        for path, blob in blobs:
            if not blob.mime_type.lower().startswith("image/"):
                actions.append(self._audio_chunk(path, blob))
        # Only the newest frame of a message counts; each is checked all the same.
        seen = [self._take_frame(path, blob) for path, blob in frames]
        if seen:
            actions.append(seen[-1])
        if realtime.activity_end:
            actions.append(MarkActivity(start=False))
        if realtime.audio_stream_end:
            actions.append(EndAudioStream())
        if realtime.text:
            # Realtime text is a whole user turn that asks for a reply at once.
            self._heard_turn, self._tone = False, None  # typed: not judged, no tone of voice
            turn = self._with_frame(Turn(role="user", text=realtime.text))
            actions += self._add_turns([turn], reply=True, interrupt=activity.interrupts)
        return actions

    def _audio_chunk(self, path: str, blob: Blob) -> FeedAudio:
        if not blob.mime_type.lower().startswith(("audio/pcm", "audio/l16")):
            if is_image_type(blob.mime_type):
                raise InvalidArgument(
                    f"{path}.mimeType {blob.mime_type[:30]!r} is not supported; "
                    "send video as image/jpeg or image/png frames"
                )
            raise InvalidArgument(
                f"{path}.mimeType {blob.mime_type[:40]!r} is not supported; "
                "send 16-bit PCM as audio/pcm;rate=16000"
            )
        if self._speech is None:
            raise InvalidArgument(f"{path}: this server has no speech engines configured; send text")
        rate = pcm_rate(blob.mime_type, f"{path}.mimeType")
        if len(blob.data) % 2:
            raise InvalidArgument(f"{path}.data has {len(blob.data)} bytes, not whole 16-bit samples")
        return FeedAudio(data=blob.data, rate=rate)

    # -- events from the audio input -------------------------------------------------

    def speech_started(self) -> list[Action]:
        """The user started speaking: interrupt the reply unless the setup says not to."""
        assert self.setup is not None
        if self._generation is not None and self.setup.activity.interrupts:
            return self._interrupt()
        return []

    def speech_transcribed(
        self, text: str, audio_s: float, language: str | None = None, sound: VoiceFeatures | None = None
    ) -> list[Action]:
        """The user's utterance of ``audio_s`` seconds was recognised as ``text``, in ``language``.

        ``language`` (Whisper's code, ``de``) sets the reply's language when the
        session follows the speaker: a native-audio model without a ``languageCode``.
        ``sound`` (what the utterance's voice measured) gives its tone, with affective dialog.
        """
        assert self.setup is not None
        if self.state is not State.ACTIVE:
            return []
        if language and self._follows_speaker:
            self._answer_in(language)
        self._audio_in_s += audio_s
        actions: list[Action] = []
        text = text.strip()
        if self.setup.input_transcription and text:
            actions.append(Send(msg.input_transcription(text, finished=True)))
        if text:
            if self.native.affective:
                self._tone = self._tones.estimate(text, sound)
                self._tones.observe(text, sound)
            self._heard_turn = True
            turn = self._with_frame(Turn(role="user", text=text), spoken=True)
            actions += self._add_turns([turn], reply=True, interrupt=self.setup.activity.interrupts)
        return actions

    def backchannel_heard(self, text: str, audio_s: float) -> list[Action]:
        """The user said only ``text`` (a backchannel, or noise) while the reply played.

        It is no turn: nothing joins the history and no reply starts. Its words are
        still sent as a finished input transcription, when the setup asks for them.
        """
        assert self.setup is not None
        if self.state is not State.ACTIVE:
            return []
        self._audio_in_s += audio_s
        text = text.strip()
        if self.setup.input_transcription and text:
            return [Send(msg.input_transcription(text, finished=True))]
        return []

    def preview_reply(
        self, text: str, audio_s: float, language: str | None = None, sound: VoiceFeatures | None = None
    ) -> StartGeneration | None:
        """The reply ``speech_transcribed(text, audio_s, language)`` would start now; the session stays.

        The connection starts that reply ahead of the turn, while the end of the
        user's speech is not yet committed, and keeps it only if the turn, once
        committed, starts the same reply (all but the ``turn_id``). ``None`` when
        the transcript would start no reply now (nothing heard, a reply playing).
        The one thing it records: the video frame this reply sees, so that the
        turn sees it too (a frame arriving meanwhile waits for the next turn).
        """
        if self.state is not State.ACTIVE or self._generation is not None or self.setup is None:
            return None
        text = text.strip()
        if not text or self.setup.tools.any:
            return None  # nothing heard, or a reply that plans tools first: nothing to start ahead
        reply_language, voice = self.reply_language, self.voice
        if language and self._follows_speaker:
            reply_language, voice = self._language_change(language) or (reply_language, voice)
        # The turn will see the frame this reply sees, whatever arrives before it is
        # committed: the one state a preview keeps.
        frame = self._turn_frame()
        self._preview_frame = (frame,)
        self._preview_at = self._frames_seen
        turn = Turn(role="user", parts=(frame, TextPart(text)) if frame is not None else (TextPart(text),))
        # With the history's images as the turn will leave them (the oldest retired).
        turns = [*self.history, turn]
        if self.history.images + (frame is not None) > MAX_HISTORY_IMAGES:
            turns, _ = _retiring_images(turns, 0)
        tone = self._tones.estimate(text, sound) if self.native.affective else None
        instruction = self._instruction(reply_language, tone)
        # The same checks the turn will make, on a list: nothing of the session changes.
        try:
            self._check_room([turn])
            if self._model_limits is not None and self.model is not None:
                limits = self._model_limits(self.model)
                fit = fit_context(instruction, turns, limits, self.setup.compression)
                turns = turns[fit.dropped :]
        except InvalidArgument:  # too long for the history or the window: the turn will say so
            return None
        return self._request(
            0,
            render_prompt(instruction, turns, self._profile(), voice is not None),
            voice,
            tone=tone,
            heard=True,
        )

    def _answer_in(self, language: str) -> None:
        """Reply in the language the user was heard in, spoken in a form the synthesiser speaks."""
        reply_language, voice = self._language_change(language) or (self.reply_language, self.voice)
        self.reply_language, self.voice = reply_language, voice

    def _language_change(self, language: str) -> tuple[str, Voice | None] | None:
        """The reply language and voice after hearing ``language``; ``None`` if they stay."""
        spoken = self._speech.languages if self._speech is not None else ()
        current = self.voice.language if self.voice is not None else self.reply_language
        tag = spoken_language(language, spoken, current)
        reply_language = tag or language
        voice = self.voice
        if voice is not None and tag is not None:
            voice = Voice(voice.name, tag)
        if reply_language == self.reply_language and voice == self.voice:
            return None
        return reply_language, voice

    # -- turns -----------------------------------------------------------------------

    def _add_turns(
        self, turns: list[Turn], reply: bool, interrupt: bool = True, by_user: bool = True
    ) -> list[Action]:
        self._check_room(turns)
        actions: list[Action] = []
        if self._generation is not None:
            if not reply or not interrupt:
                # Context only, or the reply must play out: this input joins the
                # history after the reply (and, if it asks, gets its own reply then).
                self._deferred.extend(turns)
                self._reply_after_deferred |= reply
                return []
            # New input that asks for a reply supersedes the one being generated.
            actions += self._interrupt(by_user)
        self.history.extend(turns)
        self._retire_images()
        if reply and len(self.history):
            actions.append(self._start_generation())
        elif reply:
            actions.append(Send(msg.turn_complete()))
        return actions

    def _check_room(self, turns: list[Turn]) -> None:
        count = len(self.history) + len(turns) + len(self._deferred)
        if count > self._limits.max_history_turns:
            raise InvalidArgument(
                f"session history would exceed {self._limits.max_history_turns} turns; "
                "start a new session or send a summary instead of the full context"
            )
        added = sum(t.size for t in turns) + sum(t.size for t in self._deferred)
        if self.history.chars + added > self._limits.max_history_chars:
            raise InvalidArgument(
                f"session history would exceed {self._limits.max_history_chars} characters; "
                "start a new session or send a summary instead of the full context"
            )

    # -- generation ------------------------------------------------------------------

    def _start_generation(self) -> StartGeneration | PlanTools:
        assert self.setup is not None and self.model is not None
        self._fit_context()
        generation = _Generation(
            turn_id=next(self._turn_ids),
            audio_in_s=self._audio_in_s,
            image_tokens=self._image_tokens,
            video_tokens=self._video_tokens,
        )
        self._audio_in_s = 0.0
        self._image_tokens = self._video_tokens = 0
        self._generation = generation
        tools = self.setup.tools
        # A reply to the user's own words may need tools; a reply that reports a
        # tool's result (a non-blocking function finishing) does not.
        if tools.any and len(self.history) and self.history[-1].role == "user":
            generation.tools = ToolTurn()
            return PlanTools(generation.turn_id, self.model, tuple(self.prompt()), tools)
        return self._answer(generation)

    def _answer(self, generation: _Generation) -> StartGeneration:
        assert self.setup is not None and self.model is not None
        if generation.tools is not None:
            generation.tools.answering = True
            self._fit_context()
            request = self._request(generation.turn_id, self.prompt())
            # Results of the tools in the prompt (a plan may have called none).
            read_results = len(self.history) > 0 and self.history[-1].role == "tool"
            return dataclasses.replace(request, after_tools=read_results)
        return self._request(generation.turn_id, self.prompt())

    def _request(
        self,
        turn_id: int,
        messages: list[ChatMessage],
        voice: Voice | None = None,
        tone: Tone | None = None,
        heard: bool | None = None,
    ) -> StartGeneration:
        assert self.setup is not None and self.model is not None
        config = self.setup.generation_config
        native = self.native
        voice = voice or self.voice
        tone = tone or self._tone
        heard = self._heard_turn if heard is None else heard
        return StartGeneration(
            turn_id=turn_id,
            model=self.model,
            voice=voice,
            gate=native.proactive and heard,
            thinking=native.thinking,
            delivery=delivery_for(tone) if native.affective and tone is not None and voice else None,
            messages=tuple(messages),
            params=SamplingParams(
                temperature=config.temperature,
                top_p=config.top_p,
                top_k=config.top_k,
                max_tokens=config.max_output_tokens or self._limits.max_output_tokens,
                seed=config.seed,
                presence_penalty=config.presence_penalty,
                frequency_penalty=config.frequency_penalty,
            ),
        )

    def prompt(self) -> list[ChatMessage]:
        """The chat prompt for the next reply: system instruction, then the history."""
        return render_prompt(self._instruction(), list(self.history), self._profile(), self.voice is not None)

    def next_prompt(self) -> list[ChatMessage]:
        """The start of the prompt for the reply to the user's next turn: all of it but that turn.

        What an engine can read ahead (:class:`~openlive.engines.base.PromptWarming`)
        while this reply plays: the history the model's tier keeps may start
        elsewhere once one more turn is added.
        """
        turns = [*self.history, Turn("user", "...")]
        return render_prompt(self._instruction(), turns, self._profile(), self.voice is not None)[:-1]

    def next_prompt_seeing(self) -> list[ChatMessage] | None:
        """:meth:`next_prompt` and the start of the user's next turn: the frame it will see.

        A turn sees the newest frame in front of its words, so a frame read while the
        user speaks can be read into the engine's cache before they finish: the turn's
        first token then waits only for their words. ``None``: no frame is waiting.
        """
        frame = self._turn_frame()
        if frame is None:
            return None
        turns = [*self.history, Turn("user", parts=(frame,))]
        return render_prompt(self._instruction(), turns, self._profile(), self.voice is not None)

    def _profile(self) -> ModelProfile:
        if self._model_limits is None or self.model is None:
            return CAPABLE
        return self._model_limits(self.model).profile

    def generation_text(self, turn_id: int, text: str) -> list[Action]:
        """The generation of ``turn_id`` produced ``text``; stale turns are ignored."""
        generation = self._generation
        if generation is None or generation.turn_id != turn_id or not text:
            return []
        generation.sent.append(text)
        return [Send(msg.model_turn([msg.text_part(text)]))]

    def generation_audio(self, turn_id: int, pcm: bytes, text: str | None) -> list[Action]:
        """The spoken reply of ``turn_id`` produced ``pcm``, starting the clause ``text`` if given."""
        generation = self._generation
        if generation is None or generation.turn_id != turn_id:
            return []
        assert self.setup is not None
        actions: list[Action] = []
        if text is not None:
            generation.sent.append(text)
            if self.setup.output_transcription and text.strip():
                actions.append(Send(msg.output_transcription(text)))
        if pcm:
            actions.append(Send(msg.model_turn([msg.inline_data_part(pcm, OUTPUT_AUDIO_MIME)])))
        return actions

    def generation_thought(self, turn_id: int, text: str) -> list[Action]:
        """The reasoning pass of ``turn_id`` wrote ``text``: sent as a thought part (``includeThoughts``)."""
        generation = self._generation
        if generation is None or generation.turn_id != turn_id or not text:
            return []
        return [Send(msg.model_turn([{"text": text, "thought": True}]))]

    def generation_declined(self, turn_id: int) -> list[Action]:
        """Proactive audio: the words ``turn_id`` answers were not for the assistant; no reply.

        The user's words stay in the history (they are context); no model turn is
        sent, and the turn ends with ``turnComplete`` alone, so a client that reads
        one turn at a time moves on.
        """
        generation = self._generation
        if generation is None or generation.turn_id != turn_id:
            return []
        self._finish_generation(generation)
        usage = msg.UsageMetadata(prompt={"AUDIO": _audio_tokens(generation.audio_in_s)})
        actions: list[Action] = [*self._checkpoint(), Send(msg.turn_complete(usage))]
        if self._reply_after_deferred:
            self._reply_after_deferred = False
            actions.append(self._start_generation())
        return actions

    def generation_done(
        self, turn_id: int, stats: GenerationStats, audio_out_s: float = 0.0, thought_tokens: int = 0
    ) -> list[Action]:
        """The generation of ``turn_id`` ended by itself; finish the turn.

        Args:
            turn_id: The reply that ended.
            stats: Token counts from the language model.
            audio_out_s: Seconds of reply audio, for a spoken reply.
            thought_tokens: Tokens of the reasoning pass before the answer.
        """
        generation = self._generation
        if generation is None or generation.turn_id != turn_id:
            return []
        self._finish_generation(generation)
        prompt = {
            "TEXT": stats.prompt_tokens,
            "AUDIO": _audio_tokens(generation.audio_in_s),
            "IMAGE": generation.image_tokens,
            "VIDEO": generation.video_tokens,
        }
        if self.voice is not None:
            response = {"AUDIO": _audio_tokens(audio_out_s)}
        else:
            response = {"TEXT": stats.response_tokens}
        usage = msg.UsageMetadata(prompt=prompt, response=response, thoughts=thought_tokens)
        actions: list[Action] = []
        tools = generation.tools
        if tools is not None and (tools.queries or tools.sources):
            answer = "".join(generation.sent)
            actions.append(
                Send(msg.grounding_metadata(grounding_metadata(tools.queries, tools.sources, answer)))
            )
        # The resumption handle goes out inside the turn, before turnComplete, so that
        # a client reading one turn at a time gets the handle that includes it.
        actions += [
            Send(msg.generation_complete()),
            *self._checkpoint(),
            Send(msg.turn_complete(usage)),
        ]
        if self._reply_after_deferred:
            self._reply_after_deferred = False
            actions.append(self._start_generation())
        return actions

    def _interrupt(self, by_user: bool = True) -> list[Action]:
        """Cut the current reply short.

        Args:
            by_user: The user interrupted (speech, or new input asking for a reply).
                The Live API then discards every pending function call, non-blocking
                ones included; a non-blocking call's own ``INTERRUPT`` result does
                not cancel the other calls still running.
        """
        generation = self._generation
        assert generation is not None
        self._finish_generation(generation)
        # Whatever input was waiting for this reply to end is in the history now,
        # and the caller starts the next reply if one is wanted.
        self._reply_after_deferred = False
        actions: list[Action] = [CancelGeneration(generation.turn_id)]
        # The reply the blocking calls were for is gone: so are the calls.
        ids = list(generation.tools.waiting) if generation.tools is not None else []
        if by_user and self._background_calls:
            for call_id, name in self._background_calls.items():
                ids.append(call_id)
                self.history.append(Turn(role="tool", text=function_cancelled_text(name)))
            self._background_calls.clear()
        if ids:
            for call_id in ids:
                self._cancelled_calls.add(call_id)
            actions.append(Send(msg.tool_call_cancellation(ids)))
        return actions + [Send(msg.interrupted()), Send(msg.turn_complete())]

    def _finish_generation(self, generation: _Generation) -> None:
        # Only what the client was sent stays in the history.
        reply = "".join(generation.sent)
        if reply:
            self.history.append(Turn(role="model", text=reply))
        self.history.extend(self._deferred)
        self._deferred.clear()
        self._retire_images()
        self._generation = None

    # -- tools -----------------------------------------------------------------------

    def _tool_turn(self, turn_id: int) -> tuple[_Generation, ToolTurn] | None:
        generation = self._generation
        if generation is None or generation.turn_id != turn_id or generation.tools is None:
            return None
        return generation, generation.tools

    def tools_planned(self, turn_id: int, steps: list[Step]) -> list[Action]:
        """The planner chose ``steps`` for reply ``turn_id``: start them, or answer at once."""
        current = self._tool_turn(turn_id)
        if current is None or current[1].planned:
            return []
        generation, turn = current
        assert self.setup is not None
        tools = self.setup.tools
        turn.planned = True
        actions: list[Action] = []
        calls: list[dict[str, object]] = []
        for number, step in enumerate(steps):
            if isinstance(step, FunctionStep):
                declaration = tools.function(step.name)
                if declaration is None:
                    continue
                call_id = f"function-call-{uuid.uuid4().hex[:20]}"
                calls.append({"id": call_id, "name": step.name, "args": dict(step.args)})
                if declaration.non_blocking:
                    self._background_calls[call_id] = step.name
                    self.history.append(
                        Turn(
                            role="tool", text=f"The function {step.name} was started; its result comes later."
                        )
                    )
                else:
                    turn.waiting[call_id] = step.name
            elif isinstance(step, CodeStep) and tools.code_execution:
                turn.running.add(number)
                turn.code[number] = step.code
                actions.append(Send(msg.model_turn([msg.executable_code_part(step.code)])))
                actions.append(RunCode(turn_id, number, step.code, step.task))
            elif isinstance(step, SearchStep) and tools.google_search:
                turn.running.add(number)
                turn.queries.append(step.query)
                actions.append(RunSearch(turn_id, number, step.query))
        if tools.url_context:
            urls = find_urls(self._newest_user_text())
            if urls:
                turn.running.add(len(steps))
                actions.append(FetchUrls(turn_id, len(steps), tuple(urls)))
        if calls:
            actions.append(Send(msg.tool_call(calls)))
        if turn.waiting:
            actions.append(AwaitToolResponses(turn_id, tuple(turn.waiting)))
        return actions + self._answer_when_ready(generation)

    def code_ran(self, turn_id: int, step: int, outcome: str, output: str) -> list[Action]:
        """The code of ``step`` ran with ``outcome`` (``OUTCOME_OK``...) and printed ``output``."""
        current = self._tool_turn(turn_id)
        if current is None or step not in current[1].running:
            return []
        generation, turn = current
        turn.running.discard(step)
        self.history.append(
            Turn(role="tool", text=code_result_text(turn.code.get(step, ""), outcome, output))
        )
        actions: list[Action] = [Send(msg.model_turn([msg.code_execution_result_part(outcome, output)]))]
        return actions + self._answer_when_ready(generation)

    def code_rewritten(self, failed: RunCode, outcome: str, output: str, code: str) -> list[Action]:
        """The code ``failed`` ran failed with ``outcome`` and ``output``; ``code`` is written to run next.

        The client sees both tries in order: the failed one's ``codeExecutionResult``,
        then the new ``executableCode`` and, later, its result. The model reads both.
        """
        current = self._tool_turn(failed.turn_id)
        if current is None or failed.step not in current[1].running:
            return []
        _, turn = current
        self.history.append(Turn(role="tool", text=code_result_text(failed.code, outcome, output)))
        turn.code[failed.step] = code
        return [
            Send(msg.model_turn([msg.code_execution_result_part(outcome, output)])),
            Send(msg.model_turn([msg.executable_code_part(code)])),
            RunCode(failed.turn_id, failed.step, code, failed.task, failed.attempt + 1),
        ]

    def search_done(self, turn_id: int, step: int, query: str, results: list[SearchResult]) -> list[Action]:
        """The search of ``step`` for ``query`` found ``results`` (empty if it failed)."""
        current = self._tool_turn(turn_id)
        if current is None or step not in current[1].running:
            return []
        generation, turn = current
        turn.running.discard(step)
        turn.sources.extend(results)
        self.history.append(Turn(role="tool", text=search_result_text(query, results)))
        return self._answer_when_ready(generation)

    def pages_fetched(self, turn_id: int, step: int, pages: list[FetchedPage]) -> list[Action]:
        """The pages the user named were fetched (or failed, each with its status)."""
        current = self._tool_turn(turn_id)
        if current is None or step not in current[1].running:
            return []
        generation, turn = current
        turn.running.discard(step)
        for page in pages:
            ok = page.status == "URL_RETRIEVAL_STATUS_SUCCESS"
            text = (
                page_text(page.url, page.title, page.text) if ok else page_failed_text(page.url, page.error)
            )
            self.history.append(Turn(role="tool", text=text))
        actions: list[Action] = [
            Send(msg.url_context_metadata((p.final_url or p.url, p.status) for p in pages))
        ]
        return actions + self._answer_when_ready(generation)

    def tool_calls_expired(self, turn_id: int, ids: tuple[str, ...]) -> list[Action]:
        """The client left blocking calls unanswered too long: cancel them and answer without them."""
        current = self._tool_turn(turn_id)
        if current is None:
            return []
        generation, turn = current
        expired = [call_id for call_id in ids if call_id in turn.waiting]
        if not expired:
            return []
        for call_id in expired:
            self.history.append(Turn(role="tool", text=function_unanswered_text(turn.waiting.pop(call_id))))
            self._cancelled_calls.add(call_id)
        actions: list[Action] = [Send(msg.tool_call_cancellation(expired))]
        return actions + self._answer_when_ready(generation)

    def _answer_when_ready(self, generation: _Generation) -> list[Action]:
        if generation.tools is not None and generation.tools.ready:
            return [self._answer(generation)]
        return []

    def _newest_user_text(self) -> str:
        return next((t.text for t in reversed(list(self.history)) if t.role == "user"), "")

    def _on_tool_response(self, message: ToolResponse) -> list[Action]:
        generation = self._generation
        waiting = generation.tools.waiting if generation is not None and generation.tools is not None else {}
        # Check every response before acting on any, so a bad one changes nothing.
        for index, response in enumerate(message.function_responses):
            path = f"toolResponse.functionResponses[{index}]"
            name = waiting.get(response.id) or self._background_calls.get(response.id)
            if name is None:
                if response.id in self._cancelled_calls:
                    continue
                raise InvalidArgument(
                    f"{path}.id {response.id[:60]!r} is not a pending function call; "
                    "answer only the ids a toolCall sent, once each"
                )
            if response.name and response.name != name:
                raise InvalidArgument(
                    f"{path}.name {response.name[:60]!r} does not match the call's {name!r}"
                )
        results = [
            Turn(role="tool", text=function_result_text(waiting[r.id], r.response))
            for r in message.function_responses
            if r.id in waiting
        ]
        # Results count against the history's bound like any input (a client could
        # otherwise stream endless partial results with willContinue).
        self._check_room(results)
        actions: list[Action] = []
        self.history.extend(results)
        for response in message.function_responses:
            if response.id in waiting:
                if not response.will_continue:
                    del waiting[response.id]
            elif response.id in self._background_calls:
                actions += self._background_result(response)
        if generation is not None and generation is self._generation:
            actions += self._answer_when_ready(generation)
        return actions

    def _background_result(self, response: FunctionResponse) -> list[Action]:
        name = self._background_calls[response.id]
        if not response.will_continue:
            del self._background_calls[response.id]
        turn = Turn(role="tool", text=function_result_text(name, response.response))
        scheduling = response.scheduling or "WHEN_IDLE"
        # SILENT: context only; WHEN_IDLE: a reply once the current one ends;
        # INTERRUPT: a reply now, cutting the current one short.
        return self._add_turns(
            [turn], reply=scheduling != "SILENT", interrupt=scheduling == "INTERRUPT", by_user=False
        )

    # -- context window --------------------------------------------------------------

    def _fit_context(self) -> None:
        """Keep the prompt inside the model's context window (see :func:`fit_context`)."""
        if self._model_limits is None or self.model is None or self.setup is None:
            return
        fit = fit_context(
            self._instruction(), list(self.history), self._model_limits(self.model), self.setup.compression
        )
        if fit.dropped:
            self.dropped_turns += fit.dropped
            self.history.replace(list(self.history)[fit.dropped :])

    def _instruction(self, reply_language: str | None = None, tone: Tone | None = None) -> str | None:
        """The system message: the client's instruction, the reply's language, the user's tone.

        Args:
            reply_language: The language to ask for, if not the session's own (a preview).
            tone: The user's tone, if not the one of their last utterance (a preview).
        """
        reply_language = reply_language or self.reply_language
        instruction = ""
        if self.setup is not None and self.setup.system_instruction is not None:
            instruction = self.setup.system_instruction.text
        # The reply's language, when it is not English: one line after the client's
        # instruction, in the same system message (templates expect only one).
        parts = [instruction, language_instruction(reply_language)]
        tone = tone or self._tone
        if self.native.affective and tone is not None:
            parts.append(tone_line(tone))  # affective dialog: this turn's tone, last
        system = "\n\n".join(part for part in parts if part)
        return system or None

    # -- resumption ------------------------------------------------------------------

    def _checkpoint(self) -> list[Action]:
        assert self.setup is not None
        if self.setup.resumption is None or self._generation is not None:
            return []
        return [Checkpoint(last_consumed_index=self.message_index)]

    def snapshot(self) -> dict[str, object]:
        """The session's resumable state as JSON-ready data."""
        assert self.setup is not None
        return {
            "format": SNAPSHOT_FORMAT,
            "setup": setup_to_json(self.setup),
            "history": [{"role": t.role, "parts": [part_to_json(p) for p in t.parts]} for t in self.history],
            # Non-blocking calls still running on the client: their results are
            # still welcome after the session resumes on another connection.
            "background_calls": dict(self._background_calls),
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Resume from a snapshot; call before the new connection's setup is received.

        Raises:
            InvalidArgument: The snapshot is not one this server can read.
        """
        if self.state is not State.AWAITING_SETUP:
            raise InvalidArgument("a session can only be resumed before its setup")
        if snapshot.get("format") not in READABLE_SNAPSHOT_FORMATS or not isinstance(
            snapshot.get("setup"), dict
        ):
            raise InvalidArgument("the saved session cannot be read by this server version")
        try:
            self._saved_turns = _saved_turns(snapshot)
        except (ValueError, TypeError) as exc:
            raise InvalidArgument("the saved session cannot be read by this server version") from exc
        self._restored = snapshot

    def _load_history(self, snapshot: dict[str, object]) -> None:
        self.history.extend(self._saved_turns)
        self._saved_turns = []
        images = [p for t in self.history for p in t.parts if isinstance(p, ImagePart)]
        self._last_image = images[-1] if images else None
        calls = snapshot.get("background_calls", {})
        if isinstance(calls, dict):
            self._background_calls.update({str(k): str(v) for k, v in calls.items()})

    def close(self) -> list[Action]:
        """End the session; a running generation is cancelled."""
        actions: list[Action] = []
        if self._generation is not None:
            actions.append(CancelGeneration(self._generation.turn_id))
            self._generation = None
        self.state = State.CLOSED
        return actions


def _level(level: str) -> str:
    """A part's resolution level as a session resolution (ULTRA_HIGH is served as HIGH)."""
    return "MEDIA_RESOLUTION_HIGH" if level == "MEDIA_RESOLUTION_ULTRA_HIGH" else level


def _merge_text(parts: list[Part]) -> list[Part]:
    """Neighbouring text parts as one (a turn of text stays one text part)."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, TextPart) and merged and isinstance(merged[-1], TextPart):
            merged[-1] = TextPart(merged[-1].text + part.text)
        else:
            merged.append(part)
    return merged


def _audio_tokens(seconds: float) -> int:
    return round(seconds * AUDIO_TOKENS_PER_SECOND)


def _saved_turns(snapshot: dict[str, object]) -> list[Turn]:
    """The history a snapshot holds, in either format.

    Raises:
        ValueError: The history is malformed.
    """
    history = snapshot.get("history")
    if not isinstance(history, list):
        raise ValueError("the history is not a list")
    turns = []
    for item in history:
        if snapshot.get("format") == 1:
            role, text = item
            turns.append(Turn(role=_saved_role(role), text=str(text)))
        else:
            if not isinstance(item, dict) or not isinstance(item.get("parts"), list):
                raise ValueError("a saved turn is an object with parts")
            parts = [part_from_json(p) for p in item["parts"]]
            turns.append(Turn(role=_saved_role(item.get("role")), parts=parts))
    return turns


def _saved_role(role: object) -> Literal["user", "model", "tool"]:
    return "model" if role == "model" else "tool" if role == "tool" else "user"


def _retiring_images(turns: list[Turn], kept: int) -> tuple[list[Turn], int]:
    """``turns`` with images past the newest ``MAX_HISTORY_IMAGES`` retired, newest first.

    ``kept``: images already kept by newer turns. Returns the turns (a turn that
    keeps its images is the same object) and the images kept so far.
    """
    out = list(turns)
    for index in range(len(out) - 1, -1, -1):
        turn = out[index]
        images = sum(isinstance(p, ImagePart) for p in turn.parts)
        if kept + images > MAX_HISTORY_IMAGES:
            parts: list[Part] = []
            for part in reversed(turn.parts):
                if isinstance(part, ImagePart):
                    kept += 1
                    if kept > MAX_HISTORY_IMAGES:
                        part = RetiredImage(image_digest(part))
                parts.append(part)
            out[index] = Turn(turn.role, parts=parts[::-1])
        else:
            kept += images
    return out, kept
