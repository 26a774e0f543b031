"""Hypothesis strategies for hostile client frames.

Frames are built two ways, mixed:

- from the protocol's own schema (``openlive.wire.spec``), so generated messages
  reach deep fields (enums inside lists, sampling values, audio blobs, tool
  responses), with any value swapped at random for a hostile one, and field names
  spelled in camelCase or snake_case at random;
- as raw text, so things ``json.dumps`` cannot write appear too: number literals
  with huge exponents or thousands of digits, NaN and Infinity, lone surrogate
  escapes, nesting thousands of levels deep, duplicate keys, cut-off frames.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from hypothesis import strategies as st

from openlive.wire import spec
from openlive.wire.schema import Any_, Enum, Kind, ListOf, Obj, Scalar

MODEL = "models/gemini-2.0-flash-live-001"

# Raw JSON text spliced in where a marker string was written, for what json.dumps
# cannot produce.
RAW_LITERALS = [
    "1e600000",
    "-1e999999999",
    "1e999",
    "-1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "9" * 5000,
    "9" * 401,
    "-" + "1" * 300,
    "1" + "0" * 300,
    "[" * 99 + "1" + "]" * 99,
    "[" * 101 + "1" + "]" * 101,
    "[" * 980 + "1" + "]" * 980,
    "[" * 5000 + "1" + "]" * 5000,
    '{"a":' * 150 + "1" + "}" * 150,
    '"\\udfff"',
    '"\\ud800x"',
    '"ok \\ud83d\\ude00"',
    '"\\ude00\\ud83d"',
    '{"k": 1, "k": 2}',
    '{"k\\udfff": 1}',
]
_MARKER = "\x00raw{}\x00"
_MARKER_TEXT = re.compile(r'"\\u0000raw(\d+)\\u0000"')

HOSTILE_STRINGS = [
    "\udfff",
    "\ud800",
    "a\udc00b",
    "\ud83d",
    "1e600000",
    "-1e999999999",
    "1e-600000",
    "0e999999999",
    # Exponents past what decimal.Decimal holds (about 10**18) raise InvalidOperation.
    "1e" + "9" * 25,
    "-0e" + "9" * 40,
    "9" * 5000,
    "9" * 70,
    "NaN",
    "Infinity",
    "-0",
    "1_000",
    "\u0663\u0663\u0663",
    "\uff11\uff16\uff10\uff10\uff10",
    "0x10",
    "",
    " ",
    "\x00",
    "x\nINFO forged log line",
    "\U0001f642",
    "\u00fc" * 300,
    "audio/pcm;rate=" + "9" * 4400,
    "audio/pcm;rate=abc",
    "audio/pcm;rate=-16000",
    "audio/pcm;rate=16000.5",
    "audio/pcm;rate=8k",
    "audio/pcm;rate=",
    "audio/pcm;channels=2",
    "audio/pcm;rate=16000;channels=2",
    "audio/pcm;rate=16000;encoding=float32",
    "audio/pcm;rate=\u0663\u0663\u0663\u0663\u0663",
    "audio/pcm;rate=0",
    "audio/pcm;rate=1",
    "audio/pcm;rate=999999",
    "audio/pcm",
    "audio/pcm;rate=16000",
    "audio/pcm;rate=8000",
    "AUDIO/PCM; rate=48000",
    "audio/L16;rate=24000",
    "image/jpeg",
    "video/mp4",
    MODEL,
    "gemini-2.0-flash-live-001",
    "models/unknown",
    "TEXT",
    "AUDIO",
    "Puck",
    "en-US",
    "auth_tokens/x",
    "https://example.test/\udfff",
    "0" * 32 + ".07." + "A" * 32,
]

_NUMBER_TEXTS = st.from_regex(r"\A-?[0-9]{1,25}(\.[0-9]{0,5})?([eE][-+]?[0-9]{1,30})?\Z")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 2**31, -(2**31) - 1, 10**400, -5, 0, 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 2.0000001, -0.0]),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=12),
    st.sampled_from(HOSTILE_STRINGS),
    _NUMBER_TEXTS,
)

_KNOWN_NAMES: list[str] = []


def _collect_names(kind: Kind, seen: set[int]) -> None:
    if id(kind) in seen:
        return
    seen.add(id(kind))
    if isinstance(kind, Obj):
        _KNOWN_NAMES.extend(kind.fields)
        for child in kind.fields.values():
            _collect_names(child, seen)
    elif isinstance(kind, ListOf):
        _collect_names(kind.item, seen)


_collect_names(spec.CLIENT_MESSAGE, set())

keys = st.one_of(
    st.sampled_from(sorted(set(_KNOWN_NAMES))),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=8),
    st.sampled_from(["\udfff", "a\nb", "__proto__", "setup", "", "x" * 200]),
)

json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=16,
)


def snake(name: str) -> str:
    """The snake_case spelling of a camelCase field name."""
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _draw_value(draw: st.DrawFn, kind: Kind, depth: int, raws: list[str]) -> Any:
    # Now and then anything at all, or a raw literal json.dumps cannot write.
    roll = draw(st.integers(0, 29))
    if roll == 0 or depth > 8:
        return draw(json_values)
    if roll == 1:
        raws.append(draw(st.sampled_from(RAW_LITERALS)))
        return _MARKER.format(len(raws) - 1)
    if isinstance(kind, Obj):
        fields = sorted(kind.fields)
        names = draw(st.lists(st.sampled_from(fields), max_size=4, unique=True)) if fields else []
        body: dict[Any, Any] = {}
        for name in names:
            spelled = snake(name) if draw(st.booleans()) else name
            body[spelled] = _draw_value(draw, kind.fields[name], depth + 1, raws)
        if draw(st.integers(0, 15)) == 0:
            body[draw(keys)] = draw(json_values)
        return body
    if isinstance(kind, ListOf):
        return [_draw_value(draw, kind.item, depth + 1, raws) for _ in range(draw(st.integers(0, 3)))]
    if isinstance(kind, Enum):
        return draw(st.one_of(st.sampled_from(kind.values), st.integers(-2, len(kind.values) + 1)))
    if isinstance(kind, Any_):
        return draw(json_values)
    assert isinstance(kind, Scalar)
    if kind.kind == "str":
        return draw(st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=20)))
    if kind.kind == "bool":
        return draw(st.booleans())
    if kind.kind == "int":
        return draw(st.one_of(st.integers(), _NUMBER_TEXTS, st.floats(), st.sampled_from([3.0, "7", "1e3"])))
    if kind.kind == "float":
        return draw(st.one_of(st.floats(), _NUMBER_TEXTS, st.integers(), st.sampled_from([0.5, "0.25", 2])))
    # bytes: base64 in either alphabet, or not base64 at all.
    data = draw(st.binary(max_size=64))
    encoder = draw(st.sampled_from([base64.b64encode, base64.urlsafe_b64encode]))
    return draw(st.one_of(st.just(encoder(data).decode()), st.sampled_from(HOSTILE_STRINGS)))


def _encode(draw: st.DrawFn, value: Any, raws: list[str]) -> str | bytes:
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    text = _MARKER_TEXT.sub(lambda m: raws[int(m.group(1))], text)
    if draw(st.integers(0, 19)) == 0 and text:
        text = text[: draw(st.integers(0, len(text) - 1))]
    if draw(st.integers(0, 9)) == 0:
        # A binary frame; lone surrogates become bytes that are not UTF-8.
        return text.encode("utf-8", errors="surrogatepass")
    return text


@st.composite
def messages_of(draw: st.DrawFn, kind: Kind, name: str) -> str | bytes:
    """One frame whose top-level field is ``name``, with a body shaped like ``kind``."""
    raws: list[str] = []
    body = _draw_value(draw, kind, 1, raws)
    return _encode(draw, {snake(name) if draw(st.booleans()) else name: body}, raws)


@st.composite
def setups(draw: st.DrawFn) -> str | bytes:
    """A setup frame that is usually close to valid, so sessions go on past it."""
    raws: list[str] = []
    body = _draw_value(draw, spec.SETUP, 1, raws)
    if not isinstance(body, dict):
        body = {}
    if draw(st.integers(0, 9)):
        body["model"] = draw(st.sampled_from([MODEL, MODEL.removeprefix("models/")]))
        config = body.get("generationConfig", body.get("generation_config"))
        if not isinstance(config, dict):
            config = {}
        config["responseModalities"] = [draw(st.sampled_from(["TEXT", "AUDIO"]))]
        body["generationConfig"] = config
        body.pop("generation_config", None)
    return _encode(draw, {"setup": body}, raws)


def _seed_images() -> list[bytes]:
    import io

    from PIL import Image

    seeds = []
    for fmt, size in (("JPEG", (24, 16)), ("PNG", (16, 24)), ("JPEG", (8, 8))):
        out = io.BytesIO()
        Image.linear_gradient("L").resize(size).convert("RGB").save(out, format=fmt)
        seeds.append(out.getvalue())
    return seeds


SEED_IMAGES = _seed_images()
IMAGE_TYPES = [
    "image/jpeg",
    "image/png",
    "image/jpg",
    "IMAGE/JPEG",
    "image/gif",
    "image/webp",
    "video/mp4",
    "",
]


@st.composite
def image_bytes(draw: st.DrawFn) -> bytes:
    """Image bytes: real small images, cut short, with bytes flipped, or a header spliced onto noise."""
    data = bytearray(draw(st.sampled_from(SEED_IMAGES)))
    roll = draw(st.integers(0, 4))
    if roll == 1:
        data = data[: draw(st.integers(0, len(data)))]
    elif roll == 2:
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif roll == 3:
        # Width and height bytes rewritten: a PNG's IHDR, or anywhere in a JPEG's header.
        at = 16 if data.startswith(b"\x89PNG") else draw(st.integers(2, min(200, len(data) - 4)))
        data[at : at + 4] = draw(st.binary(min_size=4, max_size=4))
    elif roll == 4:
        data = data[:20] + bytearray(draw(st.binary(max_size=64)))
    return bytes(data)


@st.composite
def image_messages(draw: st.DrawFn) -> str | bytes:
    """A frame carrying an image: realtimeInput.video, a mediaChunk, or a clientContent part."""
    blob = {
        "data": base64.b64encode(draw(image_bytes())).decode(),
        "mimeType": draw(st.sampled_from(IMAGE_TYPES)),
    }
    where = draw(st.sampled_from(["video", "media_chunks", "client_content"]))
    if where == "video":
        message: dict[str, Any] = {"realtimeInput": {"video": blob}}
    elif where == "media_chunks":
        message = {"realtime_input": {"media_chunks": [blob]}}
    else:
        parts = [{"inline_data": blob}, {"text": "what is this?"}]
        message = {"clientContent": {"turns": [{"role": "user", "parts": parts}], "turnComplete": True}}
    if where != "client_content" and draw(st.booleans()):
        message.setdefault("realtimeInput", message.pop("realtime_input", {}))["text"] = "and now?"
    return json.dumps(message)


client_messages = st.one_of(
    messages_of(spec.CLIENT_CONTENT, "clientContent"),
    messages_of(spec.REALTIME_INPUT, "realtimeInput"),
    messages_of(spec.TOOL_RESPONSE, "toolResponse"),
    image_messages(),
)

raw_frames = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40),
    st.binary(max_size=40),
    st.sampled_from(RAW_LITERALS),
    json_values.map(lambda v: json.dumps(v)),
)

frames = st.one_of(setups(), client_messages, raw_frames)
