"""The multimodal message model: a message is a list of parts.

A conversation turn (``openlive.session.history.Turn``) and a prompt message
(``openlive.engines.base.ChatMessage``) hold parts: text, an image (bytes and
MIME type), a reference to audio the user spoke, a function call, a function
response. An engine declares what it reads
(:class:`~openlive.engines.base.LLMCapabilities`); an engine that reads text only
gets :func:`render_text` of the parts.

Parts are saved for resumption as JSON (:func:`part_to_json`, :func:`part_from_json`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TextPart:
    """Text."""

    text: str


@dataclass(frozen=True)
class ImagePart:
    """An image (a photo, a video frame, a screen), as encoded bytes.

    ``source`` names the field it came in (``realtimeInput.video``), for the reason
    given if it later fails to decode; it is not saved and not compared.
    """

    data: bytes
    mime_type: str
    source: str = field(default="", compare=False)


@dataclass(frozen=True)
class RetiredImage:
    """An image the history no longer keeps (its bytes dropped to bound memory), named by its digest.

    It reads as it did once it was no longer the newest image (see
    :mod:`openlive.pipeline.vision`), so that dropping its bytes does not change the
    prompt the engine has cached.
    """

    digest: str


@dataclass(frozen=True)
class AudioPart:
    """Audio the user spoke: its length, and what it was heard as (the audio itself is not kept)."""

    seconds: float
    transcript: str = ""


@dataclass(frozen=True)
class FunctionCallPart:
    """The model called a function."""

    id: str
    name: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionResponsePart:
    """A function's result."""

    id: str
    name: str
    response: Mapping[str, Any] = field(default_factory=dict)


Part = TextPart | ImagePart | RetiredImage | AudioPart | FunctionCallPart | FunctionResponsePart

EARLIER_IMAGE = "[an earlier image]"


def holds_image(parts: Iterable[Part]) -> bool:
    """Whether ``parts`` hold an image, kept or retired."""
    return any(isinstance(part, ImagePart | RetiredImage) for part in parts)


def image_digest(part: ImagePart) -> str:
    """A short digest naming an image's bytes."""
    return hashlib.blake2b(part.data, digest_size=12).hexdigest()


def text_of(part: Part) -> str:
    """One part as text, for an engine that reads text only."""
    match part:
        case TextPart():
            return part.text
        case ImagePart():
            return f"[an image ({part.mime_type})]"
        case RetiredImage():
            return EARLIER_IMAGE
        case AudioPart():
            return part.transcript
        case FunctionCallPart():
            return f"[called {part.name}({json.dumps(dict(part.args), sort_keys=True)})]"
        case FunctionResponsePart():
            return f"[{part.name} returned {json.dumps(dict(part.response), sort_keys=True)}]"


def render_text(parts: Iterable[Part]) -> str:
    """The parts as one text."""
    return "".join(text_of(p) for p in parts)


def only_text(parts: Iterable[Part]) -> bool:
    """Whether every part is text (a text-only engine loses nothing)."""
    return all(isinstance(p, TextPart) for p in parts)


# What an image costs the history's bound of characters: what its 258 tokens would
# take as text. Images are bounded by number (the session keeps its newest few),
# not by this cost, so a large screenshot is not refused for its bytes.
IMAGE_HISTORY_COST = 258 * 4


def part_size(part: Part) -> int:
    """What a part costs the history's bound: characters of text, a fixed cost for an image."""
    if isinstance(part, ImagePart):
        return IMAGE_HISTORY_COST
    return len(text_of(part))


def part_to_json(part: Part) -> dict[str, Any]:
    """A part as JSON-ready data (the resumption snapshot's form)."""
    match part:
        case TextPart():
            return {"text": part.text}
        case ImagePart():
            return {
                "image": {"mimeType": part.mime_type, "data": base64.b64encode(part.data).decode("ascii")}
            }
        case RetiredImage():
            return {"retiredImage": {"digest": part.digest}}
        case AudioPart():
            return {"audio": {"seconds": part.seconds, "transcript": part.transcript}}
        case FunctionCallPart():
            return {"functionCall": {"id": part.id, "name": part.name, "args": dict(part.args)}}
        case FunctionResponsePart():
            return {"functionResponse": {"id": part.id, "name": part.name, "response": dict(part.response)}}


def part_from_json(data: object) -> Part:
    """A part saved by :func:`part_to_json`.

    Raises:
        ValueError: The data is not a saved part.
    """
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("a saved part is an object with one key")
    ((kind, body),) = data.items()
    if kind == "text" and isinstance(body, str):
        return TextPart(body)
    if not isinstance(body, dict):
        raise ValueError(f"a saved {kind} part is an object")
    try:
        if kind == "image":
            return ImagePart(base64.b64decode(str(body["data"]), validate=True), str(body["mimeType"]))
        if kind == "retiredImage":
            return RetiredImage(str(body["digest"]))
        if kind == "audio":
            return AudioPart(float(body["seconds"]), str(body.get("transcript", "")))
        if kind == "functionCall":
            return FunctionCallPart(str(body["id"]), str(body["name"]), dict(body.get("args", {})))
        if kind == "functionResponse":
            return FunctionResponsePart(str(body["id"]), str(body["name"]), dict(body.get("response", {})))
    except (KeyError, TypeError, binascii.Error) as exc:
        raise ValueError(f"a saved {kind} part is malformed: {exc}") from exc
    raise ValueError(f"unknown part kind {kind[:20]!r}")
