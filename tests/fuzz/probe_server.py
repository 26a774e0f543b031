"""A hostile probe of a running openlive server, over real sockets (loopback only).

Not a test (pytest does not collect it): the held-out probe of issue 11's second
round, kept so it can be run again with new seeds against a real server, e.g.

    openlive serve --no-tls --port 18911 --data-dir D --idle-timeout-s 20 \\
        --max-connections-per-address 8 2> server.log &
    python tests/fuzz/probe_server.py 18911 server.log SEED [--slow]

It sends ~300 hostile sessions (numbers with huge exponents in every numeric field,
lone surrogates, NaN, deep nesting, odd MIME types and base64, broken and bomb
images, hostile tool schemas, long histories, conflicting credentials, Origin
headers) and with ``--slow`` silent TCP, slowloris heads and bodies, a WebSocket
without setup, an idle session and the per-address cap. It prints the close codes,
the cases closed with 1011 or 1006, /health's worst latency while it ran, and how
often the server log holds a credential, a canary of user text, or a traceback.

Every case is one entry of the table (:func:`phases`): a WebSocket session
(:class:`Ws`), an HTTP request (:class:`Http`) or a raw probe of its own
(:class:`Raw`); :func:`run` plays any of them and records what came back.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import random
import struct
import sys
import time
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import connect

PORT = int(sys.argv[1])
LOG = sys.argv[2]
SEED = int(sys.argv[3])
SLOW = "--slow" in sys.argv
rng = random.Random(SEED)
MODEL = "models/gemini-2.0-flash-live-001"
CANARY_KEY = f"SECRETKEY{SEED}x"
CANARY_TEXT = f"CANARYTEXT{SEED}"
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
CONSTRAINED_PATH = PATH.replace("BidiGenerateContent", "BidiGenerateContentConstrained")
BASE = f"ws://127.0.0.1:{PORT}{PATH}"
HTTP = f"http://127.0.0.1:{PORT}"

Record = dict[str, Any]
Frame = dict[str, Any] | list[Any] | str | bytes

results: list[Record] = []
health_worst = [0.0]
health_samples = [0]


def key_q(extra: str = "") -> str:
    return f"?key={CANARY_KEY}{rng.randint(0, 999)}" + extra


async def health_poller(stop: asyncio.Event) -> None:
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                await client.get(f"{HTTP}/health", timeout=30)
            except Exception as e:  # noqa: BLE001
                print("health error", e)
            dt = time.perf_counter() - t
            health_samples[0] += 1
            if dt > 0.1:
                print(f"health stall {dt * 1000:.0f} ms at {time.strftime('%H:%M:%S')}", flush=True)
            if dt > health_worst[0]:
                health_worst[0] = dt
            await asyncio.sleep(0.05)


# The kinds of case, and the runner that plays each.


@dataclass(frozen=True)
class Ws:
    """A WebSocket session: connect, send ``frames``, hear it until it closes or ``wait_s`` passes.

    ``query`` None is a fresh key of its own; ``""`` is no query at all.
    """

    name: str
    frames: list[Frame]
    query: str | None = None
    headers: dict[str, str] | list[tuple[str, str]] | None = None
    wait_s: float = 6.0
    path: str = PATH


def nothing_more(_response: httpx.Response) -> Record:
    return {}


def reason(response: httpx.Response) -> Record:
    return {"reason": response.text[:120]}


def body_if_served(response: httpx.Response) -> Record:
    return {"body": response.text[:60] if response.status_code == 200 else ""}


def canaries(response: httpx.Response) -> Record:
    return {"canary_in_metrics": CANARY_TEXT in response.text or CANARY_KEY in response.text}


@dataclass(frozen=True)
class Http:
    """One HTTP request; ``keep`` picks what its record holds besides the status code."""

    name: str
    path: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    keep: Callable[[httpx.Response], Record] = nothing_more


@dataclass(frozen=True)
class Raw:
    """A probe below the protocol (or of many connections): ``probe`` returns the record's fields."""

    name: str
    probe: Callable[[], Awaitable[Record]]


Case = Ws | Http | Raw


@dataclass
class Heard:
    """What a WebSocket session heard before it closed, or before the wait ran out."""

    messages: list[tuple[float, str | bytes]]  # each with the seconds since the connect began
    timed_out: bool
    code: int | None
    reason: str | None
    seconds: float  # from the connect to the close, or to the end of the wait


async def converse(
    url: str,
    frames: list[Frame],
    wait_s: float,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
) -> Heard:
    """Connect to ``url``, send ``frames`` (JSON unless text or bytes already) and hear the replies."""
    t0 = time.perf_counter()
    async with connect(
        url,
        max_size=None,
        ping_interval=None,
        additional_headers=headers or {},
        open_timeout=15,
        close_timeout=5,
    ) as ws:
        for frame in frames:
            if isinstance(frame, (dict, list)):
                frame = json.dumps(frame, allow_nan=True)
            await ws.send(frame)
        messages: list[tuple[float, str | bytes]] = []
        timed_out = False
        try:
            async with asyncio.timeout(wait_s):
                async for m in ws:
                    messages.append((time.perf_counter() - t0, m))
        except TimeoutError:
            timed_out = True
        except websockets.exceptions.ConnectionClosed:
            pass
        return Heard(messages, timed_out, ws.close_code, ws.close_reason, time.perf_counter() - t0)


async def session_record(case: Ws) -> Record:
    url = f"ws://127.0.0.1:{PORT}{case.path}" + (case.query if case.query is not None else key_q())
    rec: Record = {"name": case.name}
    t0 = time.perf_counter()
    try:
        heard = await converse(url, case.frames, case.wait_s, case.headers)
        if heard.timed_out:
            rec["code"] = "open"
        rec["msgs"] = len(heard.messages)
        if heard.code is not None or "code" not in rec:
            rec["code"] = heard.code
            rec["reason"] = heard.reason
    except websockets.exceptions.InvalidStatus as e:
        rec["code"] = f"http{e.response.status_code}"
    except Exception as e:  # noqa: BLE001
        rec["code"] = f"exc:{type(e).__name__}"
        rec["reason"] = str(e)[:100]
    rec["s"] = round(time.perf_counter() - t0, 3)
    return rec


async def run(case: Case, http: httpx.AsyncClient) -> None:
    """Play one case and add its record to the results."""
    match case:
        case Ws():
            rec = await session_record(case)
        case Http():
            r = await http.request(case.method, HTTP + case.path, headers=case.headers, content=case.content)
            rec = {"name": case.name, "code": f"http{r.status_code}"} | case.keep(r)
        case Raw():
            rec = {"name": case.name} | await case.probe()
    results.append(rec)


async def run_all(cases: list[Case], parallel: int) -> None:
    """Play ``cases``, at most ``parallel`` at a time (1: one after another, in order)."""
    sem = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient() as http:

        async def one(case: Case) -> None:
            async with sem:
                await run(case, http)

        await asyncio.gather(*(one(case) for case in cases))


# What the cases send.


def setup(**extra: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"model": MODEL, "generationConfig": {"responseModalities": ["TEXT"]}}
    for k, v in extra.items():
        s[k] = v
    return {"setup": s}


def gen(**cfg: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"responseModalities": ["TEXT"]}
    c.update(cfg)
    return {"setup": {"model": MODEL, "generationConfig": c}}


def with_functions(*declarations: dict[str, Any]) -> dict[str, Any]:
    """A setup that declares ``declarations`` as its tool's functions."""
    return setup(tools=[{"functionDeclarations": list(declarations)}])


def json_schema_function(properties: dict[str, Any], name: str = "f", **more: Any) -> dict[str, Any]:
    """A function whose JSON-schema parameters are an object of ``properties`` (``required``: in it)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if "required" in more:
        schema["required"] = more.pop("required")
    return {"name": name, **more, "parametersJsonSchema": schema}


def part(p: str | dict[str, Any]) -> dict[str, Any]:
    return {"text": p} if isinstance(p, str) else p


def turn(role: str | None, *parts: str | dict[str, Any]) -> dict[str, Any]:
    """A turn of ``parts`` (a string is a text part); a role of None is left out."""
    t: dict[str, Any] = {} if role is None else {"role": role}
    t["parts"] = [part(p) for p in parts]
    return t


def content(turns: list[dict[str, Any]], complete: bool = True) -> dict[str, Any]:
    return {"clientContent": {"turns": turns, "turnComplete": complete}}


def said(*parts: str | dict[str, Any]) -> dict[str, Any]:
    """The user's one complete turn."""
    return content([turn("user", *parts)])


def blob(mime: str, data: str) -> dict[str, str]:
    return {"mimeType": mime, "data": data}


def realtime(**fields: Any) -> dict[str, Any]:
    return {"realtimeInput": fields}


HUGE = [
    "1e600000",
    "-1e999999999",
    "1E+2147483648",
    "9" * 64,
    "1" + "0" * 63,
    " 1e99999999 ",
    "0e99999999",
    "1.0e-99999999",
    "-0e-999999999",
    "1e-2147483649",
    "12345678901234567890e1000000",
    "1e" + "9" * 60,
    "+1e5",
    "1e600000" * 8,
    "٣٣",
    "1_000",
    "0x10",
    "inf",
    "NaN",
    "-Infinity",
    "",
]


def huge_value() -> Any:
    return rng.choice(HUGE + [10 ** rng.randint(20, 400), -(10**401), 1e308, -1e308, 5e-324, 2**63, 2**64])


def numeric_cases() -> list[Case]:
    fields = [
        "candidateCount",
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "presencePenalty",
        "frequencyPenalty",
        "seed",
        "logprobs",
    ]
    out: list[Case] = [Ws(f"gen.{f}", [gen(**{f: huge_value()})]) for f in fields]
    vad = "automaticActivityDetection"
    # A list's items are made in order, so a seed draws the same values as it always did.
    return out + [
        Ws("thinkingBudget", [gen(thinkingConfig={"thinkingBudget": huge_value(), "includeThoughts": True})]),
        Ws("mediaResolution", [gen(mediaResolution=huge_value())]),
        Ws("speech.langnum", [gen(speechConfig={"languageCode": huge_value()})]),
        Ws(
            "speech.voicenum",
            [gen(speechConfig={"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": huge_value()}}})],
        ),
        Ws("rtic.prefix", [setup(realtimeInputConfig={vad: {"prefixPaddingMs": huge_value()}})]),
        Ws("rtic.silence", [setup(realtimeInputConfig={vad: {"silenceDurationMs": huge_value()}})]),
        Ws("rtic.sens", [setup(realtimeInputConfig={vad: {"startOfSpeechSensitivity": huge_value()}})]),
        Ws("rtic.handling", [setup(realtimeInputConfig={"activityHandling": huge_value()})]),
        Ws(
            "cwc.trigger",
            [setup(contextWindowCompression={"triggerTokens": huge_value(), "slidingWindow": {}})],
        ),
        Ws("cwc.target", [setup(contextWindowCompression={"slidingWindow": {"targetTokens": huge_value()}})]),
        Ws("resume.handle", [setup(sessionResumption={"handle": str(huge_value())})]),
        Ws("resume.transparent", [setup(sessionResumption={"transparent": huge_value()})]),
        Ws("proactivity", [setup(proactivity={"proactiveAudio": huge_value()})]),
        Ws("affective", [gen(enableAffectiveDialog=huge_value())]),
        Ws("historyConfig", [setup(historyConfig={"initialHistoryInClientContent": huge_value()})]),
        Ws("tools.behavior", [with_functions({"name": "f", "behavior": huge_value()})]),
        Ws(
            "tools.params.min",
            [
                with_functions(
                    {
                        "name": "f",
                        "parameters": {
                            "type": "OBJECT",
                            "properties": {
                                "a": {"type": "INTEGER", "minimum": huge_value(), "maxItems": huge_value()}
                            },
                        },
                    }
                )
            ],
        ),
        Ws(
            "tools.pjs.max",
            [with_functions(json_schema_function({"a": {"type": "string", "maxLength": huge_value()}}))],
        ),
        Ws("safety", [setup(safetySettings=[{"category": huge_value()}])]),
        Ws("labels", [setup(labels={"a": huge_value()})]),
        Ws("responseSchema", [gen(responseSchema={"type": "OBJECT", "maxItems": huge_value()})]),
    ]


SURR = ["\udfff", "\ud800", "a\udbffb", "\ud83d"]


def surrogate_cases() -> list[Case]:
    s = rng.choice(SURR) + CANARY_TEXT
    raw_setup = setup()
    return [
        Ws("sur.model", [{"setup": {"model": "models/" + s}}]),
        Ws("sur.sysinst", [setup(systemInstruction={"parts": [{"text": s}]})]),
        Ws("sur.fieldname", [{"setup": {"model": MODEL, s: 1}}]),
        Ws("sur.voice", [gen(speechConfig={"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": s}}})]),
        Ws("sur.lang", [gen(speechConfig={"languageCode": s})]),
        Ws("sur.thinkingLevel", [gen(thinkingConfig={"thinkingLevel": s})]),
        Ws("sur.fn", [with_functions({"name": s, "description": s})]),
        Ws("sur.labels", [setup(labels={s: s})]),
        Ws("sur.cc", [raw_setup, said(s)]),
        Ws("sur.rt", [raw_setup, realtime(text=s)]),
        Ws("sur.mime", [raw_setup, realtime(audio=blob("audio/pcm;rate=" + s, "AAAA"))]),
        Ws("sur.video.mime", [raw_setup, realtime(video=blob("image/" + s, "AAAA"))]),
        Ws(
            "sur.toolresp",
            [raw_setup, {"toolResponse": {"functionResponses": [{"id": s, "name": s, "response": {s: s}}]}}],
        ),
        Ws("sur.role", [raw_setup, content([turn(s, "hi")])]),
        Ws("sur.handle", [setup(sessionResumption={"handle": s})]),
    ]


NAN = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]
# Written as text: json.dumps would not write these numbers where they go.
NAN_IN_SETUP = [
    '{"setup":{"model":"%s","labels":{"a":%s}}}',
    '{"setup":{"model":"%s","tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"NUMBER","minimum":%s}}}}]}]}}',
    '{"setup":{"model":"%s","tools":[{"codeExecution":{"x":%s}}]}}',
    '{"setup":{"model":"%s","generationConfig":{"responseSchema":{"x":%s}}}}',
    '{"setup":{"model":"%s","generationConfig":{"speechConfig":{"multiSpeakerVoiceConfig":[%s]}}}}',
    '{"setup":{"model":"%s","generationConfig":{"temperature":%s}}}',
    '{"setup":{"model":"%s","generationConfig":{"routingConfig":{"a":[1,{"b":%s}]}}}}',
]
NAN_AFTER_SETUP = [
    '{"toolResponse":{"functionResponses":[{"id":"x","name":"f","response":{"v":%s}}]}}',
    '{"clientContent":{"turns":[{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":%s}}}]}],"turnComplete":false}}',
    '{"clientContent":{"turns":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"a":%s}}}]}],"turnComplete":true}}',
    '{"realtimeInput":{"text":"hi","x":%s}}',
]


def nan_cases() -> list[Case]:
    out: list[Case] = [
        Ws(f"nan.setup{i}", [where % (MODEL, rng.choice(NAN))]) for i, where in enumerate(NAN_IN_SETUP)
    ]
    s = json.dumps(setup(sessionResumption={}))
    out += [Ws(f"nan.after{i}", [s, where % rng.choice(NAN)]) for i, where in enumerate(NAN_AFTER_SETUP)]
    return out


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def nesting_cases() -> list[Case]:
    out: list[Case] = []
    for depth in [rng.randint(95, 99), 100, 101, rng.randint(900, 1100), 50000, 300000]:
        for kind in ("list", "obj"):
            v = nested(depth, kind)
            out.append(Ws(f"deep.labels.{kind}{depth}", [f'{{"setup":{{"model":"{MODEL}","labels":{v}}}}}']))
            out.append(
                Ws(
                    f"deep.enum.{kind}{depth}",
                    [f'{{"setup":{{"model":"{MODEL}","generationConfig":{{"mediaResolution":{v}}}}}}}'],
                )
            )
    # nested tool schema (anyOf/items recursion)
    sch: dict[str, Any] = {"type": "STRING"}
    for _ in range(rng.randint(60, 98)):
        sch = {"type": "ARRAY", "items": sch}
    out.append(Ws("deep.schema.items", [with_functions({"name": "f", "parameters": sch})]))
    sch2: dict[str, Any] = {"type": "string"}
    for _ in range(45):
        sch2 = {"anyOf": [sch2, {"type": "null"}]}
    out.append(Ws("deep.schema.anyOf", [with_functions({"name": "f", "parametersJsonSchema": sch2})]))
    return out


def pcm(seconds: float, rate: int = 16000) -> str:
    n = int(seconds * rate)
    data = struct.pack(f"<{n}h", *(int(3000 * ((i * 7919) % 97 - 48) / 48) for i in range(n)))
    return base64.b64encode(data).decode()


AUDIO_MIMES = [
    "audio/pcm;rate=" + "9" * rng.randint(4000, 5000),
    "audio/pcm;rate=",
    "audio/pcm;rate=abc",
    "audio/pcm;rate=-16000",
    "audio/pcm;rate=16000.5",
    "audio/pcm;rate=8k",
    "audio/pcm;rate=١٦٠٠٠",
    "audio/pcm;rate=16000;channels=2",
    "audio/pcm;encoding=float32",
    "audio/pcm;rate=16000;rate=8000",
    "AUDIO/PCM;RATE=16000",
    "audio/pcm; rate=16000",
    "audio/pcm;rate=3999",
    "audio/pcm;rate=192001",
    "audio/pcm;rate=1e5",
    "audio/pcm;rate=0x3e80",
    "audio/wav",
    "audio/x-wav",
    "",
    "a" * 200000,
    "audio/pcm\x00",
    "audio/pcm\n;rate=16000",
    "audio/pcm;rate=16000 ",
    "audio/pcm;;",
    "audio/opus",
    "image/jpeg",
    "audio/pcm;rate=00016000",
    "audio/pcm;rate=+16000",
]
BAD_BASE64: list[Any] = [
    "!!!!",
    "a",
    "ab=c",
    "AAA=A",
    "AA\nAA",
    "AA AA",
    "====",
    "A" * 5,
    "-_-_",
    "AAAA====",
    5,
    [],
    {},
    True,
    "Zm9v" * 2 + "\x00",
]


def audio_cases() -> list[Case]:
    s = setup()
    out: list[Case] = []
    for i, m in enumerate(AUDIO_MIMES):
        out.append(Ws(f"mime.audio{i}", [s, realtime(audio=blob(m, pcm(0.1)))]))
        out.append(Ws(f"mime.chunk{i}", [s, realtime(mediaChunks=[blob(m, pcm(0.05))])]))
    for i, d in enumerate(BAD_BASE64):
        out.append(Ws(f"b64.audio{i}", [s, realtime(audio=blob("audio/pcm;rate=16000", d))]))
    return out + [
        Ws("audio.odd", [s, realtime(audio=blob("audio/pcm", base64.b64encode(b"\x01").decode()))]),
        Ws("audio.empty", [s, realtime(audio=blob("audio/pcm", ""))]),
        Ws(
            "audio.big",
            [s, realtime(audio=blob("audio/pcm;rate=192000", base64.b64encode(bytes(6_000_000)).decode()))],
        ),
        Ws("audio.toobig", [s, realtime(audio=blob("audio/pcm", "A" * 9_000_000))]),
    ]


def png(
    w: int, h: int, body: bytes | None = None, color: int = 2, depth: int = 8, extra: bytes = b""
) -> bytes:
    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    if body is None:
        body = zlib.compress(bytes(h * (1 + w * 3)), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def real_jpeg(w: int = 64, h: int = 48, **kw: Any) -> bytes:
    from PIL import Image

    im = Image.new("RGB", (w, h), (200, 30, 30))
    b = io.BytesIO()
    im.save(b, "JPEG", **kw)
    return b.getvalue()


def jpeg_with_size(w: int, h: int) -> bytes:
    data = bytearray(real_jpeg())
    i = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, i + 5, h, w)
    return bytes(data)


def ztxt_chunk(d: bytes) -> bytes:
    return struct.pack(">I", len(d)) + b"zTXt" + d + struct.pack(">I", zlib.crc32(b"zTXt" + d))


def image_payloads() -> list[tuple[str, str, bytes | str]]:
    j = real_jpeg()
    p = png(32, 32)
    bomb_body = zlib.compress(bytes(4096 * (1 + 4096 * 3)), 9)
    return [
        ("jpeg.ok", "image/jpeg", j),
        ("jpeg.trunc", "image/jpeg", j[: len(j) // 2]),
        ("jpeg.trunc.header", "image/jpeg", j[:20]),
        ("jpeg.sig.only", "image/jpeg", b"\xff\xd8\xff"),
        ("jpeg.huge.dims", "image/jpeg", jpeg_with_size(65535, 65535)),
        ("jpeg.zero.dims", "image/jpeg", jpeg_with_size(0, 0)),
        ("jpeg.8000x2000", "image/jpeg", jpeg_with_size(8000, 2000)),
        ("jpeg.progressive", "image/jpeg", real_jpeg(progressive=True)),
        ("jpeg.garbage.after.sof", "image/jpeg", j[:200] + bytes(rng.randbytes(500))),
        ("jpeg.as.png", "image/png", j),
        ("png.ok", "image/png", p),
        ("png.trunc", "image/png", p[: len(p) - 20]),
        ("png.bomb.dims", "image/png", png(100000, 100000, body=b"x")),
        ("png.bomb.2^31", "image/png", png(2**31 - 1, 1, body=b"x")),
        ("png.4096.zlibbomb", "image/png", png(4096, 4096, body=bomb_body)),
        ("png.bad.ihdr.crc", "image/png", p[:29] + b"\x00\x00\x00\x00" + p[33:]),
        ("png.badcolor", "image/png", png(32, 32, color=9)),
        ("png.16bit", "image/png", png(8, 8, depth=16, body=zlib.compress(bytes(8 * (1 + 8 * 6))))),
        (
            "png.ztxt.bomb",
            "image/png",
            png(8, 8, extra=ztxt_chunk(b"k\x00\x00" + zlib.compress(bytes(50_000_000), 9))),
        ),
        ("png.random", "image/png", b"\x89PNG\r\n\x1a\n" + rng.randbytes(300)),
        ("gif", "image/gif", b"GIF89a" + bytes(20)),
        ("webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
        ("svg", "image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("mime.long", "image/jpeg" + ";x" * 100000, j),
        ("mime.upper", "IMAGE/JPEG", j),
        ("mime.params", "image/jpeg; q=1", j),
        ("mime.empty", "", j),
        ("mime.ctrl", "image/jpeg\r\nX-Injected: 1", j),
        ("data.b64bad", "image/jpeg", "%%%notbase64"),
        ("data.empty", "image/jpeg", b""),
        ("data.toobig", "image/jpeg", b"\xff\xd8\xff" + bytes(5 * 1024 * 1024)),
    ]


def image_cases() -> list[Case]:
    out: list[Case] = []
    s = setup()
    for name, mime, data in image_payloads():
        picture = blob(mime, data if isinstance(data, str) else base64.b64encode(data).decode())
        out.append(Ws(f"img.video.{name}", [s, realtime(video=picture)]))
        out.append(Ws(f"img.chunk.{name}", [s, realtime(mediaChunks=[picture])]))
        out.append(
            Ws(f"img.cc.{name}", [s, said({"inlineData": picture}, "What is in the picture? " + CANARY_TEXT)])
        )

    def jpeg_at(resolution: dict[str, Any]) -> dict[str, Any]:
        return {
            "inlineData": blob("image/jpeg", base64.b64encode(real_jpeg()).decode()),
            "mediaResolution": resolution,
        }

    # resolution fields
    return out + [
        Ws(
            "img.numTokens.huge",
            [s, said(jpeg_at({"level": "MEDIA_RESOLUTION_HIGH", "numTokens": "1e600000"}))],
        ),
        Ws("img.numTokens.neg", [s, said(jpeg_at({"numTokens": -2147483648}))]),
        Ws("img.numTokens.max", [s, said(jpeg_at({"numTokens": 2147483647}), "hi")]),
        Ws("img.videoMetadata.fps", [s, said({"videoMetadata": {"fps": "1e600000"}})]),
    ]


NATIVE_SETUPS: list[dict[str, Any]] = [
    {"proactivity": {"proactiveAudio": "true"}},
    {"proactivity": {"proactiveAudio": True, "proactiveVideo": 1}},
    {"proactivity": {"x": True}},
    {"proactivity": []},
    {"generationConfig": {"enableAffectiveDialog": "yes"}},
    {"generationConfig": {"thinkingConfig": {"thinkingBudget": -2}}},
    {"generationConfig": {"thinkingConfig": {"thinkingBudget": "-1"}}},
    {"generationConfig": {"thinkingConfig": {"thinkingLevel": "x" * 100000}}},
    {"generationConfig": {"thinkingConfig": {"thinkingLevel": "HIGH\n" + CANARY_TEXT}}},
    {"historyConfig": {"initialHistoryInClientContent": "true"}},
    {"historyConfig": {"initialHistoryInClientContent": True}},
]


def native_cases() -> list[Case]:
    nm = "models/gemini-2.5-flash-native-audio-preview-12-2025"
    out: list[Case] = []
    for i, extra in enumerate(NATIVE_SETUPS):
        frames: list[Frame] = [{"setup": {"model": nm} | extra}]
        if i == 10:  # a history sent in client content, then a turn
            frames += [content([turn("user", CANARY_TEXT)] * 50), said("hi")]
        out.append(Ws(f"native{i}", frames))
    return out


def misc_cases() -> list[Case]:
    s = setup()
    back_and_forth = [turn("user", "a"), turn("model", "b")]
    return [
        Ws("notjson", ["{"]),
        Ws("binary.notutf8", [b"\xff\xfe\x00"]),
        Ws("binary.json", [json.dumps(setup()).encode()]),
        Ws("array", ["[]"]),
        Ws("dupkey", [f'{{"setup":{{"model":"{MODEL}","model":"{MODEL}"}}}}']),
        Ws(
            "snake.dup",
            [f'{{"setup":{{"model":"{MODEL}","generation_config":{{}},"generationConfig":{{}}}}}}'],
        ),
        Ws("two.setups", [s, s]),
        Ws("no.setup.first", [realtime(text="hi")]),
        Ws(
            "bigint.literal",
            ['{{"setup":{{"model":"{}","generationConfig":{{"seed":{}}}}}}}'.format(MODEL, "9" * 5000)],
        ),
        Ws("bigint.labels", ['{{"setup":{{"model":"{}","labels":{{"a":{}}}}}}}'.format(MODEL, "9" * 4000)]),
        Ws(
            "float.literal.exp",
            [f'{{"setup":{{"model":"{MODEL}","generationConfig":{{"temperature":1e-99999999}}}}}}'],
        ),
        Ws("long.field", [{"setup": {"model": MODEL, "x" * 1_000_000: 1}}]),
        Ws("ctrl.field", [{"setup": {"model": MODEL, "a\nINFO forged line\r\x1b[31m": 1}}]),
        Ws("model.unknown.ctrl", [{"setup": {"model": "models/x\n" + CANARY_TEXT}}]),
        Ws("model.long", [{"setup": {"model": "m" * 5_000_000}}]),
        Ws("activity.both", [s, realtime(activityStart={}, activityEnd={})]),
        Ws("activity.nonempty", [s, realtime(activityStart={"x": 1})]),
        Ws("empty.rt", [s, realtime()]),
        Ws("cc.noturns", [s, {"clientContent": {}}]),
        Ws("cc.many.parts", [s, content([turn(None, *["a"] * 100000)], complete=False)]),
        Ws("history.flood", [s] + [content([turn(None, "y" * 400000)], complete=False)] * 4),
        Ws(
            "toolresp.unknown",
            [s, {"toolResponse": {"functionResponses": [{"id": "nope", "name": "nope", "response": {}}]}}],
        ),
        Ws("handle.zeros", [setup(sessionResumption={"handle": "v01.abc"})]),
        Ws("handle.garbage", [setup(sessionResumption={"handle": "\x00" * 1000})]),
        Ws("handle.long", [setup(sessionResumption={"handle": "a" * 2_000_000})]),
        Ws(
            "tools.ref.remote",
            [with_functions(json_schema_function({"a": {"$ref": "http://127.0.0.1:9/x"}}))],
        ),
        Ws("tools.ref.missing", [with_functions(json_schema_function({"a": {"$ref": "#/$defs/nope"}}))]),
        Ws(
            "tools.pattern.redos",
            [with_functions(json_schema_function({"a": {"type": "string", "pattern": "(a+)+$"}}))],
        ),
        Ws(
            "tools.pattern.bad",
            [with_functions(json_schema_function({"a": {"type": "string", "pattern": "(((("}}))],
        ),
        Ws("tools.type.weird", [with_functions({"name": "f", "parameters": {"type": ["x"]}})]),
        Ws(
            "history.many.small",
            [s] + [content(back_and_forth * 1000, complete=False)] * 50 + [said("hi " + CANARY_TEXT)],
        ),
        Ws("history.1000.turns", [s] + [content(back_and_forth * 250, complete=False)] * 2 + [said("hi")]),
        *(
            Ws(
                f"tools.bigschema.{suffix}",
                [
                    with_functions(
                        json_schema_function(
                            {f"p{i}": {"type": "string", "description": letter * 20} for i in range(900)}
                        )
                    )
                ],
            )
            for suffix, letter in (("a", "x"), ("b", "y"))
        ),
        Ws(
            "tools.grammar.bomb",
            [
                with_functions(
                    json_schema_function(
                        {"city": {"type": "string", "minLength": 1, "maxLength": 2000000000}},
                        name="get_weather",
                        description="weather for a city",
                        required=["city"],
                    )
                ),
                said("What is the weather in Paris? Call get_weather."),
            ],
        ),
        Ws("tools.many", [with_functions(*({"name": f"f{i}"} for i in range(20000)))]),
        Ws("tools.dupname", [with_functions({"name": "f"}, {"name": "f"})]),
        Ws("tools.name.weird", [with_functions({"name": "a b\n{}<|im_end|>"})]),
    ]


def credential_cases() -> list[Case]:
    k = CANARY_KEY
    s: list[Frame] = [setup()]

    def cred(name: str, query: str, headers: Any = None) -> Ws:
        return Ws(name, s, query=query, headers=headers, wait_s=2.0)

    def tok(name: str, query: str) -> Ws:
        # The constrained endpoint, with junk tokens.
        return Ws(name, s, query=query, wait_s=3.0, path=CONSTRAINED_PATH)

    def keyed_post(name: str, n: int, body: bytes) -> Http:
        return Http(name, f"/v1beta/auth_tokens?key={k}{n}", method="POST", content=body, keep=reason)

    # HTTP endpoints with keys in their queries, named by their paths.
    keyed_gets = [
        f"/v1beta/models?key={k}24",
        f"/v1beta/models?key={k}25&key={k}26",
        f"/v1beta/models/x?%6bey={k}27",
        f"/nope?key={k}28",
        f"/health?key={k}29",
        f"/metrics?access_token={k}30",
        f"/console/info?key={k}31",
    ]
    return [
        cred("cred.repeat.conflict", f"?key={k}1&key={k}2"),
        cred("cred.repeat.same", f"?key={k}3&key={k}3"),
        cred("cred.pct.name", f"?%6Bey={k}4"),
        cred("cred.pct.name2", f"?k%65y={k}5&alt=sse"),
        cred("cred.upper", f"?KEY={k}6"),
        cred("cred.access_token.plain", f"?access_token=auth_tokens/{k}7"),
        cred("cred.semicolon", f"?x=1;key={k}8"),
        cred("cred.badutf8", f"?key=%ff%fe{k}9"),
        cred("cred.long", f"?key={k}" + "z" * 20000),
        cred("cred.fragmentish", f"?key={k}10%23frag"),
        cred("cred.plus", f"?key={k}+11"),
        cred("cred.encoded.amp", f"?a=b%26key%3D{k}12"),
        cred("cred.apikey", f"?api_key={k}13&apiKey={k}14"),
        cred("cred.double.q", f"??key={k}15"),
        cred("cred.header.query.conflict", f"?key={k}16", {"x-goog-api-key": f"{k}17"}),
        cred("cred.header.twice", "", [("x-goog-api-key", f"{k}18"), ("x-goog-api-key", f"{k}19")]),
        tok("tok.none", ""),
        tok("tok.junk", f"?access_token={k}20"),
        tok("tok.name", f"?access_token=auth_tokens/{k}21"),
        tok("tok.conflict", f"?access_token=auth_tokens/{k}22&access_token=auth_tokens/{k}23"),
        *(Http("http" + p.split("?")[0], p) for p in keyed_gets),
        keyed_post("auth_tokens.uses.exp", 32, b'{"uses": "1e600000"}'),
        keyed_post("auth_tokens.nan", 33, b'{"uses": NaN}'),
        keyed_post("auth_tokens.expire", 34, b'{"expireTime": "99999-01-01T00:00:00Z"}'),
        keyed_post("auth_tokens.nse", 35, b'{"newSessionExpireTime": "1e600000"}'),
        keyed_post("auth_tokens.big", 36, b"x" * 300000),
    ]


def origin_cases() -> list[Case]:
    s: list[Frame] = [setup()]
    origins = [
        ("o.evil", "http://evil.example"),
        ("o.null", "null"),
        ("o.localhost.evil", "http://localhost.evil.example"),
        ("o.127nip", "http://127.0.0.1.nip.io"),
        ("o.v6", "http://[::1]:3000"),
        ("o.127.1", "http://127.1"),
        ("o.int", "http://2130706433"),
        ("o.file", "file://"),
        ("o.long", "http://" + "a" * 5000),
        ("o.localhost", "http://localhost:5173"),
        ("o.sub.localhost", "http://app.localhost"),
        ("o.userinfo", "http://localhost@evil.example"),
        ("o.badport", "http://localhost:99999"),
        ("o.own", f"http://127.0.0.1:{PORT}"),
        ("o.https.evil", "https://evil.example:443"),
        ("o.ws", "ws://127.0.0.1"),
        ("o.space", " http://localhost "),
        ("o.trailing.dot", "http://localhost."),
    ]
    # The console's routes, asked from elsewhere, and the paths around its files.
    evil = {"Origin": "http://evil.example"}
    forwarded = {"X-Forwarded-For": "1.2.3.4"}
    password = "X-Openlive-Console-Password"
    paths = [
        "/console/..%2f..%2fetc%2fpasswd",
        "/console/%2e%2e",
        "/console/index.html%00",
        "/console/" + "a" * 10000,
        "/console/.%2e/pyproject.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/console/\\..\\x",
    ]
    return [
        *(Ws(name, s, headers={"Origin": origin}, wait_s=2.0) for name, origin in origins),
        Http("console.info.evil", "/console/info", headers=evil),
        Http("console.info.fwd", "/console/info", headers=forwarded),
        Http("console.info.host", "/console/info", headers={"Host": "evil.example"}),
        Http("console.info.ok", "/console/info"),
        Http("console.token.evil", "/console/token", method="POST", headers=evil),
        Http("console.token.fwd", "/console/token", method="POST", headers=forwarded),
        Http(
            "console.token.pw.bad",
            "/console/token",
            method="POST",
            headers=forwarded | {password: "%ZZ%" + CANARY_KEY},
        ),
        Http(
            "console.token.pw.long",
            "/console/token",
            method="POST",
            headers=forwarded | {password: "a" * 60000},
        ),
        Http("console.token.ok", "/console/token", method="POST"),
        *(Http("path:" + p[:40], p, keep=body_if_served) for p in paths),
        Http("metrics", "/metrics", keep=canaries),
    ]


# The raw probes: below the protocol, or of many connections at once.


async def silent_tcp(n: int) -> Record:
    """``n`` connections that never say a word: when does the server close them?"""
    socks = []
    for _ in range(n):
        r, w = await asyncio.open_connection("127.0.0.1", PORT)
        socks.append((r, w))
    t0 = time.perf_counter()

    async def wait_close(r: asyncio.StreamReader) -> float:
        try:
            await asyncio.wait_for(r.read(), 40)
            return time.perf_counter() - t0
        except (TimeoutError, ConnectionError):
            return -1.0

    waited = await asyncio.gather(*(wait_close(r) for r, _ in socks))
    closed = [x for x in waited if x >= 0]
    return {
        "closed": len(closed),
        "max_s": round(max(closed, default=-1), 1),
        "still_open_or_reset": len(waited) - len(closed),
    }


async def dribble(head: str, pieces: list[bytes], read_n: int, answered: Callable[[bytes], bool]) -> float:
    """Send ``head``, then ``pieces`` about one a second; seconds until the server answers or hangs up.

    -1 if it did neither before the pieces ran out.
    """
    r, w = await asyncio.open_connection("127.0.0.1", PORT)
    t0 = time.perf_counter()
    w.write(head.encode())
    await w.drain()
    try:
        for piece in pieces:
            w.write(piece)
            await w.drain()
            try:
                data = await asyncio.wait_for(r.read(read_n), 1.0)
                if answered(data):
                    return time.perf_counter() - t0
            except TimeoutError:
                pass
    except ConnectionError:
        return time.perf_counter() - t0
    return -1.0


async def slowloris() -> Record:
    """A request head that never ends, one header a second."""
    head = f"GET {PATH}?key={CANARY_KEY}40 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    headers = [b"X-a%d: b\r\n" % i for i in range(60)]
    return {"closed_after_s": round(await dribble(head, headers, 1, lambda data: data == b""), 1)}


def slow_body(path: str) -> Callable[[], Awaitable[Record]]:
    """A POST to ``path`` whose body comes a byte a second."""
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{{"

    async def probe() -> Record:
        seconds = await dribble(head, [b" "] * 45, 100, lambda data: True)
        return {"answered_or_closed_after_s": round(seconds, 1)}

    return probe


async def no_setup() -> Record:
    """A WebSocket that never sends its setup."""
    heard = await converse(BASE + key_q(), [], 40)
    if heard.timed_out:
        return {"code": "open", "s": 40}
    return {"code": heard.code, "reason": heard.reason, "s": round(heard.seconds, 1)}


async def idle_session() -> Record:
    """A session set up, then never spoken to."""
    heard = await converse(BASE + key_q(), [setup()], 60)
    events = [(round(at, 1), str(m)[:60]) for at, m in heard.messages]
    if heard.timed_out:
        return {"code": "open", "s": 60, "events": events}
    return {"code": heard.code, "s": round(heard.seconds, 1), "events": events}


async def cap() -> Record:
    """More sessions from one address than it may have."""
    conns = []
    codes: Counter[str | int] = Counter()
    for _i in range(12):
        try:
            ws = await connect(BASE + key_q(), ping_interval=None)
            conns.append(ws)
        except Exception as e:  # noqa: BLE001
            codes[f"exc:{type(e).__name__}"] += 1
    for ws in conns:
        await ws.send(json.dumps(setup()))
    await asyncio.sleep(3)
    for ws in conns:
        codes[ws.close_code or "open"] += 1
        await ws.close()
    return {"codes": dict(codes)}


def phases() -> list[tuple[list[Case], int]]:
    """The table: every case, in phases run one after another, each with how many run at once."""
    messages = [
        *numeric_cases(),
        *surrogate_cases(),
        *nan_cases(),
        *nesting_cases(),
        *audio_cases(),
        *image_cases(),
        *native_cases(),
        *misc_cases(),
    ]
    print(f"{len(messages)} message cases")
    table: list[tuple[list[Case], int]] = [(messages, 6), (credential_cases(), 1), (origin_cases(), 1)]
    if SLOW:
        slow: list[Case] = [
            Raw("silent.tcp.300", lambda: silent_tcp(300)),
            Raw("slowloris.head", slowloris),
            Raw("slowbody.auth_tokens", slow_body("/v1beta/auth_tokens")),
            Raw("slowbody.console_token", slow_body("/console/token")),
            Raw("ws.no.setup", no_setup),
            Raw("ws.idle.session", idle_session),
        ]
        # The cap last, alone: the slow probes' connections would count against it.
        table += [(slow, len(slow)), ([Raw("per.address.cap", cap)], 1)]
    return table


async def main() -> None:
    stop = asyncio.Event()
    poller = asyncio.create_task(health_poller(stop))
    t0 = time.perf_counter()
    for cases, parallel in phases():
        await run_all(cases, parallel)
    stop.set()
    await poller
    codes = Counter(str(r.get("code")) for r in results if "code" in r)
    with open(f"probe_results_{SEED}.json", "w") as f:
        json.dump(results, f, indent=1, default=str)
    print("close codes:", dict(codes))
    bad = [
        r for r in results if str(r.get("code")) in ("1011", "1006") or str(r.get("code")).startswith("exc")
    ]
    print("BAD (1011/1006/exc):", json.dumps(bad, default=str)[:3000])
    print(
        f"health: {health_samples[0]} samples, worst {health_worst[0] * 1000:.0f} ms; "
        f"run {time.perf_counter() - t0:.0f} s"
    )
    log = open(LOG, encoding="utf-8", errors="replace").read()
    print(
        "key canary in log:",
        log.count(CANARY_KEY),
        " text canary in log:",
        log.count(CANARY_TEXT),
        " tracebacks:",
        log.count("Traceback"),
        " ERROR lines:",
        sum(1 for line in log.splitlines() if " ERROR " in line),
    )


asyncio.run(main())
