"""Parse client frames into typed messages. No I/O.

``parse_client_message`` takes the text (or bytes) of one WebSocket frame and
returns one of :class:`Setup`, :class:`ClientContent`, :class:`RealtimeInput`
or :class:`ToolResponse`, or raises :class:`~openlive.errors.InvalidArgument`
with a reason naming what is wrong.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from openlive.errors import InvalidArgument
from openlive.wire import spec
from openlive.wire.decode import decode_frame
from openlive.wire.schema import normalize
from openlive.wire.tools import FunctionResponse, Tools, parse_function_responses, parse_tools

# Parts one clientContent message may hold, all turns together. Each part costs the
# session some microseconds on the event loop; a long history arrives in several
# messages (the loop serves other sessions between them).
MAX_CONTENT_PARTS = 2048


@dataclass(frozen=True)
class Blob:
    """Inline bytes with their MIME type."""

    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Part:
    """One part of a turn. ``raw`` keeps the canonical form for fields not typed here."""

    text: str | None = None
    thought: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Content:
    """A turn: a role and its parts."""

    role: str
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        """The concatenated text of the non-thought parts."""
        return "".join(p.text for p in self.parts if p.text is not None and not p.thought)


@dataclass(frozen=True)
class GenerationConfig:
    """Sampling and output settings from ``setup.generationConfig``."""

    response_modalities: tuple[str, ...] = ("TEXT",)
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    candidate_count: int | None = None


@dataclass(frozen=True)
class SpeechConfig:
    """``generationConfig.speechConfig``: the reply's voice and language."""

    voice_name: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class ActivityDetection:
    """``realtimeInputConfig``: how the user's turns are found in their audio.

    Attributes:
        disabled: The client marks activity with activityStart/activityEnd.
        start_sensitivity: ``START_SENSITIVITY_HIGH``/``_LOW``, or ``None``.
        end_sensitivity: ``END_SENSITIVITY_HIGH``/``_LOW``, or ``None``.
        prefix_padding_ms: Speech needed before start of speech is committed.
        silence_duration_ms: Silence needed before end of speech is committed.
        interrupts: Start of activity interrupts the reply (``START_OF_ACTIVITY_INTERRUPTS``,
            the default) or not (``NO_INTERRUPTION``).
        all_input: ``TURN_INCLUDES_ALL_INPUT``: the turn holds all audio since the
            last turn, not only the detected activity.
    """

    disabled: bool = False
    start_sensitivity: str | None = None
    end_sensitivity: str | None = None
    prefix_padding_ms: int | None = None
    silence_duration_ms: int | None = None
    interrupts: bool = True
    all_input: bool = False


@dataclass(frozen=True)
class Resumption:
    """``sessionResumption``: send handles; resume the session ``handle`` names."""

    handle: str | None = None
    transparent: bool = False


@dataclass(frozen=True)
class Compression:
    """``contextWindowCompression``: a sliding window over the history.

    ``None`` fields take the defaults: trigger at 80 % of the context window,
    shrink to half the trigger.
    """

    trigger_tokens: int | None = None
    target_tokens: int | None = None


@dataclass(frozen=True)
class Setup:
    """The first client message: model and session configuration.

    Attributes:
        model: The model name as the client sent it (e.g. ``models/gemini-2.0-flash-live-001``).
        generation_config: Sampling settings.
        system_instruction: The system instruction, if any.
        speech: Voice and language of spoken replies.
        activity: Activity detection and handling of realtime audio.
        input_transcription: Send ``inputTranscription`` for the user's speech.
        output_transcription: Send ``outputTranscription`` for spoken replies.
        resumption: Session resumption settings, if asked for.
        compression: Context window compression, if asked for.
        tools: The functions and built-in tools the model may use.
        initial_history: ``historyConfig.initialHistoryInClientContent``: the first
            ``clientContent`` messages, up to one with ``turnComplete``, seed the
            history and ask for no reply.
        raw: The whole canonical setup, for settings not typed here.
    """

    model: str
    generation_config: GenerationConfig
    system_instruction: Content | None
    raw: dict[str, Any]
    speech: SpeechConfig = field(default_factory=SpeechConfig)
    activity: ActivityDetection = field(default_factory=ActivityDetection)
    input_transcription: bool = False
    output_transcription: bool = False
    resumption: Resumption | None = None
    compression: Compression | None = None
    tools: Tools = field(default_factory=Tools)
    initial_history: bool = False


@dataclass(frozen=True)
class ClientContent:
    """Turns to append to the conversation; ``turn_complete`` asks for a reply."""

    turns: tuple[Content, ...]
    turn_complete: bool


@dataclass(frozen=True)
class RealtimeInput:
    """Realtime input: audio, video, text, or activity markers (one or more per message).

    Attributes:
        text: Text typed by the user; a whole turn.
        audio: A chunk of the microphone stream.
        video: A frame of the camera or screen stream (an encoded image).
        media_chunks: The older field for audio (and video) chunks.
        activity_start: The user started speaking (automatic detection disabled).
        activity_end: The user stopped speaking (automatic detection disabled).
        audio_stream_end: The microphone was switched off; flush buffered audio.
        raw: The canonical message.
    """

    text: str | None
    raw: dict[str, Any]
    audio: Blob | None = None
    video: Blob | None = None
    media_chunks: tuple[Blob, ...] = ()
    activity_start: bool = False
    activity_end: bool = False
    audio_stream_end: bool = False


@dataclass(frozen=True)
class ToolResponse:
    """The client's responses to function calls."""

    function_responses: tuple[FunctionResponse, ...]


ClientMessage = Setup | ClientContent | RealtimeInput | ToolResponse


def parse_client_message(frame: str | bytes, setup_allowed: bool = True) -> ClientMessage:
    """Parse one client frame.

    Args:
        frame: The frame's payload. Binary frames are accepted when they hold UTF-8
            JSON, as browsers and some clients send JSON in binary frames.
        setup_allowed: False once the session has its setup: another one is then
            refused before its tools are checked (the costly part of a setup).

    Returns:
        The typed message.

    Raises:
        InvalidArgument: The frame is not JSON, not one message, or breaks the schema.
    """
    value = decode_frame(frame)
    if not isinstance(value, dict):
        raise InvalidArgument("message must be a JSON object")
    try:
        return _parse(value, setup_allowed)
    except RecursionError:
        # decode_frame bounds nesting well inside the stack; this is the backstop
        # for checks that recurse several frames per level (JSON Schema, for one).
        raise InvalidArgument("message is nested too deeply to check; flatten it") from None


def _parse(value: dict[str, Any], setup_allowed: bool = True) -> ClientMessage:
    if not setup_allowed and "setup" in value:
        raise InvalidArgument("setup was already received; send it only once per session")
    message = normalize(value, spec.CLIENT_MESSAGE, "")
    if len(message) != 1:
        names = ", ".join(sorted(message)) or "nothing"
        raise InvalidArgument(
            f"message must hold exactly one of setup, clientContent, realtimeInput, toolResponse; got {names}"
        )
    ((kind, body),) = message.items()
    if kind == "setup":
        return _setup(body)
    if kind == "clientContent":
        parts = sum(len(turn.get("parts", [])) for turn in body.get("turns", []))
        if parts > MAX_CONTENT_PARTS:
            raise InvalidArgument(
                f"clientContent holds {parts} parts; at most {MAX_CONTENT_PARTS} in one message: "
                "send a long history in several clientContent messages"
            )
        return ClientContent(
            turns=tuple(_content(t, default_role="user") for t in body.get("turns", [])),
            turn_complete=bool(body.get("turnComplete", False)),
        )
    if kind == "realtimeInput":
        return RealtimeInput(
            text=body.get("text"),
            raw=body,
            audio=_blob(body["audio"]) if "audio" in body else None,
            video=_blob(body["video"]) if "video" in body else None,
            media_chunks=tuple(_blob(chunk) for chunk in body.get("mediaChunks", [])),
            activity_start="activityStart" in body,
            activity_end="activityEnd" in body,
            audio_stream_end=bool(body.get("audioStreamEnd", False)),
        )
    return ToolResponse(function_responses=parse_function_responses(body.get("functionResponses", [])))


def _setup(body: dict[str, Any]) -> Setup:
    model = body.get("model")
    if not model:
        raise InvalidArgument("setup.model is required")
    config = body.get("generationConfig", {})
    modalities = tuple(m for m in config.get("responseModalities", []) if m != "MODALITY_UNSPECIFIED")
    if len(modalities) > 1:
        raise InvalidArgument(
            "setup.generationConfig.responseModalities: set exactly one of TEXT or AUDIO, not both"
        )
    instruction = body.get("systemInstruction")
    speech = config.get("speechConfig", {})
    detection = body.get("realtimeInputConfig", {})
    automatic = detection.get("automaticActivityDetection", {})
    voice = speech.get("voiceConfig", {})
    return Setup(
        speech=SpeechConfig(
            # ``voice`` is the newer SDKs' plain speaker name.
            voice_name=voice.get("prebuiltVoiceConfig", {}).get("voiceName") or voice.get("voice"),
            language_code=speech.get("languageCode"),
        ),
        initial_history=bool(body.get("historyConfig", {}).get("initialHistoryInClientContent", False)),
        activity=ActivityDetection(
            disabled=bool(automatic.get("disabled", False)),
            start_sensitivity=automatic.get("startOfSpeechSensitivity"),
            end_sensitivity=automatic.get("endOfSpeechSensitivity"),
            prefix_padding_ms=automatic.get("prefixPaddingMs"),
            silence_duration_ms=automatic.get("silenceDurationMs"),
            interrupts=detection.get("activityHandling") != "NO_INTERRUPTION",
            all_input=detection.get("turnCoverage") == "TURN_INCLUDES_ALL_INPUT",
        ),
        resumption=Resumption(
            handle=body["sessionResumption"].get("handle") or None,
            transparent=bool(body["sessionResumption"].get("transparent", False)),
        )
        if "sessionResumption" in body
        else None,
        compression=Compression(
            trigger_tokens=body["contextWindowCompression"].get("triggerTokens"),
            target_tokens=body["contextWindowCompression"].get("slidingWindow", {}).get("targetTokens"),
        )
        if "contextWindowCompression" in body
        else None,
        tools=parse_tools(body.get("tools", [])),
        input_transcription="inputAudioTranscription" in body,
        output_transcription="outputAudioTranscription" in body,
        model=model,
        generation_config=GenerationConfig(
            # The Live API answers with audio when no modality is named.
            response_modalities=modalities or ("AUDIO",),
            temperature=config.get("temperature"),
            top_p=config.get("topP"),
            top_k=config.get("topK"),
            max_output_tokens=config.get("maxOutputTokens"),
            seed=config.get("seed"),
            presence_penalty=config.get("presencePenalty"),
            frequency_penalty=config.get("frequencyPenalty"),
            candidate_count=config.get("candidateCount"),
        ),
        system_instruction=_content(instruction, default_role="system") if instruction else None,
        raw=body,
    )


def setup_from_canonical(body: dict[str, Any]) -> Setup:
    """A typed setup from its canonical (already normalised) form.

    Raises:
        InvalidArgument: Required fields are missing or conflict.
    """
    return _setup(body)


def setup_to_json(setup: Setup) -> dict[str, Any]:
    """The setup as JSON-ready data (bytes as base64), for saving a session."""
    encoded: dict[str, Any] = json.loads(json.dumps(setup.raw, default=_bytes_to_base64))
    return encoded


def setup_from_json(data: dict[str, Any]) -> Setup:
    """Rebuild a setup saved with :func:`setup_to_json`.

    Raises:
        InvalidArgument: The data is not a valid setup.
    """
    return _setup(normalize(data, spec.SETUP, "setup"))


def _bytes_to_base64(value: object) -> str:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot save {type(value).__name__}")


def _blob(body: dict[str, Any]) -> Blob:
    return Blob(mime_type=body.get("mimeType", ""), data=body.get("data", b""))


def _content(body: dict[str, Any], default_role: str) -> Content:
    parts = tuple(
        Part(text=p.get("text"), thought=bool(p.get("thought", False)), raw=p) for p in body.get("parts", [])
    )
    return Content(role=body.get("role") or default_role, parts=parts)
