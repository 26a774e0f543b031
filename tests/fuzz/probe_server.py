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
BASE = f"ws://127.0.0.1:{PORT}{PATH}"

results: list[dict] = []
health_worst = [0.0]
health_samples = [0]


def key_q(extra: str = "") -> str:
    return f"?key={CANARY_KEY}{rng.randint(0, 999)}" + extra


async def health_poller(stop: asyncio.Event) -> None:
    async with httpx.AsyncClient() as client:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                await client.get(f"http://127.0.0.1:{PORT}/health", timeout=30)
            except Exception as e:  # noqa: BLE001
                print("health error", e)
            dt = time.perf_counter() - t
            health_samples[0] += 1
            if dt > 0.1:
                print(f"health stall {dt * 1000:.0f} ms at {time.strftime('%H:%M:%S')}", flush=True)
            if dt > health_worst[0]:
                health_worst[0] = dt
            await asyncio.sleep(0.05)


async def run_case(
    name: str,
    frames: list,
    query: str | None = None,
    headers: dict | None = None,
    wait_s: float = 8.0,
    raw: bool = False,
) -> dict:
    url = BASE + (query if query is not None else key_q())
    rec: dict = {"name": name}
    t0 = time.perf_counter()
    try:
        async with connect(
            url,
            max_size=None,
            ping_interval=None,
            additional_headers=headers or {},
            open_timeout=15,
            close_timeout=5,
        ) as ws:
            for f in frames:
                if isinstance(f, (dict, list)):
                    f = json.dumps(f, allow_nan=True)
                await ws.send(f)
            got = []
            try:
                async with asyncio.timeout(wait_s):
                    async for m in ws:
                        got.append(m if isinstance(m, str) else m[:50])
            except TimeoutError:
                rec["code"] = "open"
            except websockets.exceptions.ConnectionClosed:
                pass
            rec["msgs"] = len(got)
            if ws.close_code is not None or "code" not in rec:
                rec["code"] = ws.close_code
                rec["reason"] = ws.close_reason
    except websockets.exceptions.InvalidStatus as e:
        rec["code"] = f"http{e.response.status_code}"
    except Exception as e:  # noqa: BLE001
        rec["code"] = f"exc:{type(e).__name__}"
        rec["reason"] = str(e)[:100]
    rec["s"] = round(time.perf_counter() - t0, 3)
    results.append(rec)
    return rec


def setup(**extra) -> dict:
    s = {"model": MODEL, "generationConfig": {"responseModalities": ["TEXT"]}}
    for k, v in extra.items():
        s[k] = v
    return {"setup": s}


def gen(**cfg) -> dict:
    c = {"responseModalities": ["TEXT"]}
    c.update(cfg)
    return {"setup": {"model": MODEL, "generationConfig": c}}


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


def huge_value():
    return rng.choice(HUGE + [10 ** rng.randint(20, 400), -(10**401), 1e308, -1e308, 5e-324, 2**63, 2**64])


def numeric_setups() -> list[tuple[str, dict]]:
    out = []
    for f in [
        "candidateCount",
        "maxOutputTokens",
        "temperature",
        "topP",
        "topK",
        "presencePenalty",
        "frequencyPenalty",
        "seed",
        "logprobs",
    ]:
        out.append((f"gen.{f}", gen(**{f: huge_value()})))
    out.append(
        ("thinkingBudget", gen(thinkingConfig={"thinkingBudget": huge_value(), "includeThoughts": True}))
    )
    out.append(("mediaResolution", gen(mediaResolution=huge_value())))
    out.append(("speech.langnum", gen(speechConfig={"languageCode": huge_value()})))
    out.append(
        (
            "speech.voicenum",
            gen(speechConfig={"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": huge_value()}}}),
        )
    )
    out.append(
        (
            "rtic.prefix",
            setup(realtimeInputConfig={"automaticActivityDetection": {"prefixPaddingMs": huge_value()}}),
        )
    )
    out.append(
        (
            "rtic.silence",
            setup(realtimeInputConfig={"automaticActivityDetection": {"silenceDurationMs": huge_value()}}),
        )
    )
    out.append(
        (
            "rtic.sens",
            setup(
                realtimeInputConfig={"automaticActivityDetection": {"startOfSpeechSensitivity": huge_value()}}
            ),
        )
    )
    out.append(("rtic.handling", setup(realtimeInputConfig={"activityHandling": huge_value()})))
    out.append(
        ("cwc.trigger", setup(contextWindowCompression={"triggerTokens": huge_value(), "slidingWindow": {}}))
    )
    out.append(
        ("cwc.target", setup(contextWindowCompression={"slidingWindow": {"targetTokens": huge_value()}}))
    )
    out.append(("resume.handle", setup(sessionResumption={"handle": str(huge_value())})))
    out.append(("resume.transparent", setup(sessionResumption={"transparent": huge_value()})))
    out.append(("proactivity", setup(proactivity={"proactiveAudio": huge_value()})))
    out.append(("affective", gen(enableAffectiveDialog=huge_value())))
    out.append(("historyConfig", setup(historyConfig={"initialHistoryInClientContent": huge_value()})))
    out.append(
        ("tools.behavior", setup(tools=[{"functionDeclarations": [{"name": "f", "behavior": huge_value()}]}]))
    )
    out.append(
        (
            "tools.params.min",
            setup(
                tools=[
                    {
                        "functionDeclarations": [
                            {
                                "name": "f",
                                "parameters": {
                                    "type": "OBJECT",
                                    "properties": {
                                        "a": {
                                            "type": "INTEGER",
                                            "minimum": huge_value(),
                                            "maxItems": huge_value(),
                                        }
                                    },
                                },
                            }
                        ]
                    }
                ]
            ),
        )
    )
    out.append(
        (
            "tools.pjs.max",
            setup(
                tools=[
                    {
                        "functionDeclarations": [
                            {
                                "name": "f",
                                "parametersJsonSchema": {
                                    "type": "object",
                                    "properties": {"a": {"type": "string", "maxLength": huge_value()}},
                                },
                            }
                        ]
                    }
                ]
            ),
        )
    )
    out.append(("safety", setup(safetySettings=[{"category": huge_value()}])))
    out.append(("labels", setup(labels={"a": huge_value()})))
    out.append(("responseSchema", gen(responseSchema={"type": "OBJECT", "maxItems": huge_value()})))
    return out


SURR = ["\udfff", "\ud800", "a\udbffb", "\ud83d"]


def surrogate_frames() -> list[tuple[str, list]]:
    s = rng.choice(SURR) + CANARY_TEXT
    raw_setup = setup()
    out = [
        ("sur.model", [setup() | {"setup": {"model": "models/" + s}}]),
        ("sur.sysinst", [setup(systemInstruction={"parts": [{"text": s}]})]),
        ("sur.fieldname", [{"setup": {"model": MODEL, s: 1}}]),
        ("sur.voice", [gen(speechConfig={"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": s}}})]),
        ("sur.lang", [gen(speechConfig={"languageCode": s})]),
        ("sur.thinkingLevel", [gen(thinkingConfig={"thinkingLevel": s})]),
        ("sur.fn", [setup(tools=[{"functionDeclarations": [{"name": s, "description": s}]}])]),
        ("sur.labels", [setup(labels={s: s})]),
        (
            "sur.cc",
            [
                raw_setup,
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": s}]}],
                        "turnComplete": True,
                    }
                },
            ],
        ),
        ("sur.rt", [raw_setup, {"realtimeInput": {"text": s}}]),
        (
            "sur.mime",
            [raw_setup, {"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=" + s, "data": "AAAA"}}}],
        ),
        (
            "sur.video.mime",
            [raw_setup, {"realtimeInput": {"video": {"mimeType": "image/" + s, "data": "AAAA"}}}],
        ),
        (
            "sur.toolresp",
            [raw_setup, {"toolResponse": {"functionResponses": [{"id": s, "name": s, "response": {s: s}}]}}],
        ),
        (
            "sur.role",
            [
                raw_setup,
                {"clientContent": {"turns": [{"role": s, "parts": [{"text": "hi"}]}], "turnComplete": True}},
            ],
        ),
        ("sur.handle", [setup(sessionResumption={"handle": s})]),
    ]
    return out


NAN = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"]


def nan_frames() -> list[tuple[str, list]]:
    out = []
    for i, where in enumerate(
        [
            '{"setup":{"model":"%s","labels":{"a":%s}}}',
            '{"setup":{"model":"%s","tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"OBJECT","properties":{"a":{"type":"NUMBER","minimum":%s}}}}]}]}}',
            '{"setup":{"model":"%s","tools":[{"codeExecution":{"x":%s}}]}}',
            '{"setup":{"model":"%s","generationConfig":{"responseSchema":{"x":%s}}}}',
            '{"setup":{"model":"%s","generationConfig":{"speechConfig":{"multiSpeakerVoiceConfig":[%s]}}}}',
            '{"setup":{"model":"%s","generationConfig":{"temperature":%s}}}',
            '{"setup":{"model":"%s","generationConfig":{"routingConfig":{"a":[1,{"b":%s}]}}}}',
        ]
    ):
        out.append((f"nan.setup{i}", [where % (MODEL, rng.choice(NAN))]))
    s = json.dumps(setup(sessionResumption={}))
    for i, where in enumerate(
        [
            '{"toolResponse":{"functionResponses":[{"id":"x","name":"f","response":{"v":%s}}]}}',
            '{"clientContent":{"turns":[{"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":%s}}}]}],"turnComplete":false}}',
            '{"clientContent":{"turns":[{"role":"user","parts":[{"functionResponse":{"name":"f","response":{"a":%s}}}]}],"turnComplete":true}}',
            '{"realtimeInput":{"text":"hi","x":%s}}',
        ]
    ):
        out.append((f"nan.after{i}", [s, where % rng.choice(NAN)]))
    return out


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def nesting_frames() -> list[tuple[str, list]]:
    out = []
    for depth in [rng.randint(95, 99), 100, 101, rng.randint(900, 1100), 50000, 300000]:
        for kind in ("list", "obj"):
            v = nested(depth, kind)
            out.append((f"deep.labels.{kind}{depth}", [f'{{"setup":{{"model":"{MODEL}","labels":{v}}}}}']))
            out.append(
                (
                    f"deep.enum.{kind}{depth}",
                    [f'{{"setup":{{"model":"{MODEL}","generationConfig":{{"mediaResolution":{v}}}}}}}'],
                )
            )
    # nested tool schema (anyOf/items recursion)
    sch: dict = {"type": "STRING"}
    for _ in range(rng.randint(60, 98)):
        sch = {"type": "ARRAY", "items": sch}
    out.append(
        ("deep.schema.items", [setup(tools=[{"functionDeclarations": [{"name": "f", "parameters": sch}]}])])
    )
    sch2: dict = {"type": "string"}
    for _ in range(45):
        sch2 = {"anyOf": [sch2, {"type": "null"}]}
    out.append(
        (
            "deep.schema.anyOf",
            [setup(tools=[{"functionDeclarations": [{"name": "f", "parametersJsonSchema": sch2}]}])],
        )
    )
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


def audio_frames() -> list[tuple[str, list]]:
    s = setup()
    out = []
    for i, m in enumerate(AUDIO_MIMES):
        out.append((f"mime.audio{i}", [s, {"realtimeInput": {"audio": {"mimeType": m, "data": pcm(0.1)}}}]))
        out.append(
            (f"mime.chunk{i}", [s, {"realtimeInput": {"mediaChunks": [{"mimeType": m, "data": pcm(0.05)}]}}])
        )
    for i, d in enumerate(
        [
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
    ):
        out.append(
            (
                f"b64.audio{i}",
                [s, {"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": d}}}],
            )
        )
    out.append(
        (
            "audio.odd",
            [
                s,
                {
                    "realtimeInput": {
                        "audio": {"mimeType": "audio/pcm", "data": base64.b64encode(b"\x01").decode()}
                    }
                },
            ],
        )
    )
    out.append(("audio.empty", [s, {"realtimeInput": {"audio": {"mimeType": "audio/pcm", "data": ""}}}]))
    out.append(
        (
            "audio.big",
            [
                s,
                {
                    "realtimeInput": {
                        "audio": {
                            "mimeType": "audio/pcm;rate=192000",
                            "data": base64.b64encode(bytes(6_000_000)).decode(),
                        }
                    }
                },
            ],
        )
    )
    out.append(
        (
            "audio.toobig",
            [s, {"realtimeInput": {"audio": {"mimeType": "audio/pcm", "data": "A" * 9_000_000}}}],
        )
    )
    return out


def png(
    w: int, h: int, body: bytes | None = None, color: int = 2, depth: int = 8, extra: bytes = b""
) -> bytes:
    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    if body is None:
        body = zlib.compress(bytes(h * (1 + w * 3)), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def real_jpeg(w: int = 64, h: int = 48, **kw) -> bytes:
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
            png(
                8,
                8,
                extra=(
                    lambda d: (
                        struct.pack(">I", len(d)) + b"zTXt" + d + struct.pack(">I", zlib.crc32(b"zTXt" + d))
                    )
                )(b"k\x00\x00" + zlib.compress(bytes(50_000_000), 9)),
            ),
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


def image_frames() -> list[tuple[str, list]]:
    out = []
    s = setup()
    for name, mime, data in image_payloads():
        d = data if isinstance(data, str) else base64.b64encode(data).decode()
        blob = {"mimeType": mime, "data": d}
        out.append((f"img.video.{name}", [s, {"realtimeInput": {"video": blob}}]))
        out.append((f"img.chunk.{name}", [s, {"realtimeInput": {"mediaChunks": [blob]}}]))
        out.append(
            (
                f"img.cc.{name}",
                [
                    s,
                    {
                        "clientContent": {
                            "turns": [
                                {
                                    "role": "user",
                                    "parts": [
                                        {"inlineData": blob},
                                        {"text": "What is in the picture? " + CANARY_TEXT},
                                    ],
                                }
                            ],
                            "turnComplete": True,
                        }
                    },
                ],
            )
        )
    # resolution fields
    out.append(
        (
            "img.numTokens.huge",
            [
                s,
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [
                                    {
                                        "inlineData": {
                                            "mimeType": "image/jpeg",
                                            "data": base64.b64encode(real_jpeg()).decode(),
                                        },
                                        "mediaResolution": {
                                            "level": "MEDIA_RESOLUTION_HIGH",
                                            "numTokens": "1e600000",
                                        },
                                    }
                                ],
                            }
                        ],
                        "turnComplete": True,
                    }
                },
            ],
        )
    )
    out.append(
        (
            "img.numTokens.neg",
            [
                s,
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [
                                    {
                                        "inlineData": {
                                            "mimeType": "image/jpeg",
                                            "data": base64.b64encode(real_jpeg()).decode(),
                                        },
                                        "mediaResolution": {"numTokens": -2147483648},
                                    }
                                ],
                            }
                        ],
                        "turnComplete": True,
                    }
                },
            ],
        )
    )
    out.append(
        (
            "img.numTokens.max",
            [
                s,
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [
                                    {
                                        "inlineData": {
                                            "mimeType": "image/jpeg",
                                            "data": base64.b64encode(real_jpeg()).decode(),
                                        },
                                        "mediaResolution": {"numTokens": 2147483647},
                                    },
                                    {"text": "hi"},
                                ],
                            }
                        ],
                        "turnComplete": True,
                    }
                },
            ],
        )
    )
    out.append(
        (
            "img.videoMetadata.fps",
            [
                s,
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"videoMetadata": {"fps": "1e600000"}}]}],
                        "turnComplete": True,
                    }
                },
            ],
        )
    )
    return out


def native_frames() -> list[tuple[str, list]]:
    nm = "models/gemini-2.5-flash-native-audio-preview-12-2025"
    out = []
    for i, extra in enumerate(
        [
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
    ):
        body = {"model": nm}
        body.update(extra)
        frames: list = [{"setup": body}]
        if i == 10:
            frames.append(
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": CANARY_TEXT}]}] * 50,
                        "turnComplete": True,
                    }
                }
            )
            frames.append(
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": "hi"}]}],
                        "turnComplete": True,
                    }
                }
            )
        out.append((f"native{i}", frames))
    return out


def misc_frames() -> list[tuple[str, list]]:
    s = setup()
    return [
        ("notjson", ["{"]),
        ("binary.notutf8", [b"\xff\xfe\x00"]),
        ("binary.json", [json.dumps(setup()).encode()]),
        ("array", ["[]"]),
        ("dupkey", [f'{{"setup":{{"model":"{MODEL}","model":"{MODEL}"}}}}']),
        (
            "snake.dup",
            [f'{{"setup":{{"model":"{MODEL}","generation_config":{{}},"generationConfig":{{}}}}}}'],
        ),
        ("two.setups", [s, s]),
        ("no.setup.first", [{"realtimeInput": {"text": "hi"}}]),
        (
            "bigint.literal",
            ['{{"setup":{{"model":"{}","generationConfig":{{"seed":{}}}}}}}'.format(MODEL, "9" * 5000)],
        ),
        ("bigint.labels", ['{{"setup":{{"model":"{}","labels":{{"a":{}}}}}}}'.format(MODEL, "9" * 4000)]),
        (
            "float.literal.exp",
            [f'{{"setup":{{"model":"{MODEL}","generationConfig":{{"temperature":1e-99999999}}}}}}'],
        ),
        ("long.field", [{"setup": {"model": MODEL, "x" * 1_000_000: 1}}]),
        ("ctrl.field", [{"setup": {"model": MODEL, "a\nINFO forged line\r\x1b[31m": 1}}]),
        ("model.unknown.ctrl", [{"setup": {"model": "models/x\n" + CANARY_TEXT}}]),
        ("model.long", [{"setup": {"model": "m" * 5_000_000}}]),
        ("activity.both", [s, {"realtimeInput": {"activityStart": {}, "activityEnd": {}}}]),
        ("activity.nonempty", [s, {"realtimeInput": {"activityStart": {"x": 1}}}]),
        ("empty.rt", [s, {"realtimeInput": {}}]),
        ("cc.noturns", [s, {"clientContent": {}}]),
        (
            "cc.many.parts",
            [s, {"clientContent": {"turns": [{"parts": [{"text": "a"}] * 100000}], "turnComplete": False}}],
        ),
        (
            "history.flood",
            [s]
            + [{"clientContent": {"turns": [{"parts": [{"text": "y" * 400000}]}], "turnComplete": False}}]
            * 4,
        ),
        (
            "toolresp.unknown",
            [s, {"toolResponse": {"functionResponses": [{"id": "nope", "name": "nope", "response": {}}]}}],
        ),
        ("handle.zeros", [setup(sessionResumption={"handle": "v01.abc"})]),
        ("handle.garbage", [setup(sessionResumption={"handle": "\x00" * 1000})]),
        ("handle.long", [setup(sessionResumption={"handle": "a" * 2_000_000})]),
        (
            "tools.ref.remote",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {"a": {"$ref": "http://127.0.0.1:9/x"}},
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.ref.missing",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {"a": {"$ref": "#/$defs/nope"}},
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.pattern.redos",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {"a": {"type": "string", "pattern": "(a+)+$"}},
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.pattern.bad",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {"a": {"type": "string", "pattern": "(((("}},
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.type.weird",
            [setup(tools=[{"functionDeclarations": [{"name": "f", "parameters": {"type": ["x"]}}]}])],
        ),
        (
            "history.many.small",
            [s]
            + [
                {
                    "clientContent": {
                        "turns": [
                            {"role": "user", "parts": [{"text": "a"}]},
                            {"role": "model", "parts": [{"text": "b"}]},
                        ]
                        * 1000,
                        "turnComplete": False,
                    }
                }
            ]
            * 50
            + [
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": "hi " + CANARY_TEXT}]}],
                        "turnComplete": True,
                    }
                }
            ],
        ),
        (
            "history.1000.turns",
            [s]
            + [
                {
                    "clientContent": {
                        "turns": [
                            {"role": "user", "parts": [{"text": "a"}]},
                            {"role": "model", "parts": [{"text": "b"}]},
                        ]
                        * 250,
                        "turnComplete": False,
                    }
                }
            ]
            * 2
            + [
                {
                    "clientContent": {
                        "turns": [{"role": "user", "parts": [{"text": "hi"}]}],
                        "turnComplete": True,
                    }
                }
            ],
        ),
        (
            "tools.bigschema.a",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {
                                            f"p{i}": {"type": "string", "description": "x" * 20}
                                            for i in range(900)
                                        },
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.bigschema.b",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "f",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {
                                            f"p{i}": {"type": "string", "description": "y" * 20}
                                            for i in range(900)
                                        },
                                    },
                                }
                            ]
                        }
                    ]
                )
            ],
        ),
        (
            "tools.grammar.bomb",
            [
                setup(
                    tools=[
                        {
                            "functionDeclarations": [
                                {
                                    "name": "get_weather",
                                    "description": "weather for a city",
                                    "parametersJsonSchema": {
                                        "type": "object",
                                        "properties": {
                                            "city": {
                                                "type": "string",
                                                "minLength": 1,
                                                "maxLength": 2000000000,
                                            }
                                        },
                                        "required": ["city"],
                                    },
                                }
                            ]
                        }
                    ]
                ),
                {
                    "clientContent": {
                        "turns": [
                            {
                                "role": "user",
                                "parts": [{"text": "What is the weather in Paris? Call get_weather."}],
                            }
                        ],
                        "turnComplete": True,
                    }
                },
            ],
        ),
        ("tools.many", [setup(tools=[{"functionDeclarations": [{"name": f"f{i}"} for i in range(20000)]}])]),
        ("tools.dupname", [setup(tools=[{"functionDeclarations": [{"name": "f"}, {"name": "f"}]}])]),
        ("tools.name.weird", [setup(tools=[{"functionDeclarations": [{"name": "a b\n{}<|im_end|>"}]}])]),
    ]


async def probe_messages() -> None:
    groups = [
        numeric_setups(),
        surrogate_frames(),
        nan_frames(),
        nesting_frames(),
        audio_frames(),
        image_frames(),
        native_frames(),
        misc_frames(),
    ]
    cases = [(n, f if isinstance(f, list) else [f]) for g in groups for n, f in g]
    print(f"{len(cases)} message cases")
    sem = asyncio.Semaphore(6)

    async def one(name, frames):
        async with sem:
            await run_case(name, frames, wait_s=6.0)

    await asyncio.gather(*(one(n, f) for n, f in cases))


async def probe_credentials() -> None:
    s = [setup()]
    k = CANARY_KEY
    cases = [
        ("cred.repeat.conflict", f"?key={k}1&key={k}2"),
        ("cred.repeat.same", f"?key={k}3&key={k}3"),
        ("cred.pct.name", f"?%6Bey={k}4"),
        ("cred.pct.name2", f"?k%65y={k}5&alt=sse"),
        ("cred.upper", f"?KEY={k}6"),
        ("cred.access_token.plain", f"?access_token=auth_tokens/{k}7"),
        ("cred.semicolon", f"?x=1;key={k}8"),
        ("cred.badutf8", f"?key=%ff%fe{k}9"),
        ("cred.long", f"?key={k}" + "z" * 20000),
        ("cred.fragmentish", f"?key={k}10%23frag"),
        ("cred.plus", f"?key={k}+11"),
        ("cred.encoded.amp", f"?a=b%26key%3D{k}12"),
        ("cred.apikey", f"?api_key={k}13&apiKey={k}14"),
        ("cred.double.q", f"??key={k}15"),
    ]
    for name, q in cases:
        await run_case(name, s, query=q, wait_s=2.0)
    await run_case(
        "cred.header.query.conflict", s, query=f"?key={k}16", headers={"x-goog-api-key": f"{k}17"}, wait_s=2.0
    )
    await run_case(
        "cred.header.twice",
        s,
        query="",
        headers=[("x-goog-api-key", f"{k}18"), ("x-goog-api-key", f"{k}19")],
        wait_s=2.0,
    )  # type: ignore[arg-type]
    # constrained endpoint with junk tokens
    cpath = BASE.replace("BidiGenerateContent", "BidiGenerateContentConstrained")
    for name, q in [
        ("tok.none", ""),
        ("tok.junk", f"?access_token={k}20"),
        ("tok.name", f"?access_token=auth_tokens/{k}21"),
        ("tok.conflict", f"?access_token=auth_tokens/{k}22&access_token=auth_tokens/{k}23"),
    ]:
        rec: dict = {"name": name}
        try:
            async with connect(cpath + q, ping_interval=None) as ws:
                await ws.send(json.dumps(setup()))
                try:
                    async with asyncio.timeout(3):
                        async for _ in ws:
                            pass
                except (TimeoutError, websockets.exceptions.ConnectionClosed):
                    pass
                rec["code"], rec["reason"] = ws.close_code, ws.close_reason
        except Exception as e:  # noqa: BLE001
            rec["code"] = f"exc:{type(e).__name__}"
        results.append(rec)
    # HTTP endpoints with keys in queries
    async with httpx.AsyncClient() as c:
        for p in [
            f"/v1beta/models?key={k}24",
            f"/v1beta/models?key={k}25&key={k}26",
            f"/v1beta/models/x?%6bey={k}27",
            f"/nope?key={k}28",
            f"/health?key={k}29",
            f"/metrics?access_token={k}30",
            f"/console/info?key={k}31",
        ]:
            r = await c.get(f"http://127.0.0.1:{PORT}{p}")
            results.append({"name": "http" + p.split("?")[0], "code": f"http{r.status_code}"})
        r = await c.post(
            f"http://127.0.0.1:{PORT}/v1beta/auth_tokens?key={k}32", content=b'{"uses": "1e600000"}'
        )
        results.append(
            {"name": "auth_tokens.uses.exp", "code": f"http{r.status_code}", "reason": r.text[:120]}
        )
        r = await c.post(f"http://127.0.0.1:{PORT}/v1beta/auth_tokens?key={k}33", content=b'{"uses": NaN}')
        results.append({"name": "auth_tokens.nan", "code": f"http{r.status_code}", "reason": r.text[:120]})
        r = await c.post(
            f"http://127.0.0.1:{PORT}/v1beta/auth_tokens?key={k}34",
            content=b'{"expireTime": "99999-01-01T00:00:00Z"}',
        )
        results.append({"name": "auth_tokens.expire", "code": f"http{r.status_code}", "reason": r.text[:120]})
        r = await c.post(
            f"http://127.0.0.1:{PORT}/v1beta/auth_tokens?key={k}35",
            content=b'{"newSessionExpireTime": "1e600000"}',
        )
        results.append({"name": "auth_tokens.nse", "code": f"http{r.status_code}", "reason": r.text[:120]})
        r = await c.post(f"http://127.0.0.1:{PORT}/v1beta/auth_tokens?key={k}36", content=b"x" * 300000)
        results.append({"name": "auth_tokens.big", "code": f"http{r.status_code}", "reason": r.text[:120]})


async def probe_origins() -> None:
    s = [setup()]
    for name, origin in [
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
    ]:
        await run_case(name, s, headers={"Origin": origin}, wait_s=2.0)
    async with httpx.AsyncClient() as c:
        for name, h in [
            ("console.info.evil", {"Origin": "http://evil.example"}),
            ("console.info.fwd", {"X-Forwarded-For": "1.2.3.4"}),
            ("console.info.host", {"Host": "evil.example"}),
            ("console.info.ok", {}),
        ]:
            r = await c.get(f"http://127.0.0.1:{PORT}/console/info", headers=h)
            results.append({"name": name, "code": f"http{r.status_code}"})
        for name, h in [
            ("console.token.evil", {"Origin": "http://evil.example"}),
            ("console.token.fwd", {"X-Forwarded-For": "1.2.3.4"}),
            (
                "console.token.pw.bad",
                {"X-Forwarded-For": "1.2.3.4", "X-Openlive-Console-Password": "%ZZ%" + CANARY_KEY},
            ),
            (
                "console.token.pw.long",
                {"X-Forwarded-For": "1.2.3.4", "X-Openlive-Console-Password": "a" * 60000},
            ),
            ("console.token.ok", {}),
        ]:
            r = await c.post(f"http://127.0.0.1:{PORT}/console/token", headers=h)
            results.append({"name": name, "code": f"http{r.status_code}"})
        for p in [
            "/console/..%2f..%2fetc%2fpasswd",
            "/console/%2e%2e",
            "/console/index.html%00",
            "/console/" + "a" * 10000,
            "/console/.%2e/pyproject.toml",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/console/\\..\\x",
        ]:
            r = await c.get(f"http://127.0.0.1:{PORT}{p}")
            results.append(
                {
                    "name": "path:" + p[:40],
                    "code": f"http{r.status_code}",
                    "body": r.text[:60] if r.status_code == 200 else "",
                }
            )
        r = await c.get(f"http://127.0.0.1:{PORT}/metrics")
        results.append(
            {
                "name": "metrics",
                "code": f"http{r.status_code}",
                "canary_in_metrics": CANARY_TEXT in r.text or CANARY_KEY in r.text,
            }
        )


async def raw_tcp_probes() -> None:
    """Silent TCP, slowloris head, slow body, WebSocket without setup, idle session, per-address cap."""

    async def silent(n: int) -> list[float]:
        socks = []
        for _ in range(n):
            r, w = await asyncio.open_connection("127.0.0.1", PORT)
            socks.append((r, w))
        t0 = time.perf_counter()

        async def wait_close(r):
            try:
                await asyncio.wait_for(r.read(), 40)
                return time.perf_counter() - t0
            except (TimeoutError, ConnectionError):
                return -1.0

        return await asyncio.gather(*(wait_close(r) for r, _ in socks))

    async def slowloris() -> float:
        r, w = await asyncio.open_connection("127.0.0.1", PORT)
        t0 = time.perf_counter()
        w.write(f"GET {PATH}?key={CANARY_KEY}40 HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
        await w.drain()
        try:
            for i in range(60):
                w.write(b"X-a%d: b\r\n" % i)
                await w.drain()
                try:
                    data = await asyncio.wait_for(r.read(1), 1.0)
                    if data == b"":
                        return time.perf_counter() - t0
                except TimeoutError:
                    pass
        except ConnectionError:
            return time.perf_counter() - t0
        return -1.0

    async def slow_body(path: str) -> float:
        r, w = await asyncio.open_connection("127.0.0.1", PORT)
        t0 = time.perf_counter()
        w.write(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{{".encode())
        await w.drain()
        try:
            for _ in range(45):
                w.write(b" ")
                await w.drain()
                try:
                    data = await asyncio.wait_for(r.read(100), 1.0)
                    if data is not None:
                        return time.perf_counter() - t0
                except TimeoutError:
                    pass
        except ConnectionError:
            return time.perf_counter() - t0
        return -1.0

    async def no_setup() -> dict:
        t0 = time.perf_counter()
        async with connect(BASE + key_q(), ping_interval=None) as ws:
            try:
                async with asyncio.timeout(40):
                    async for _ in ws:
                        pass
            except TimeoutError:
                return {"code": "open", "s": 40}
            except websockets.exceptions.ConnectionClosed:
                pass
            return {"code": ws.close_code, "reason": ws.close_reason, "s": round(time.perf_counter() - t0, 1)}

    async def idle_session() -> dict:
        t0 = time.perf_counter()
        events = []
        async with connect(BASE + key_q(), ping_interval=None) as ws:
            await ws.send(json.dumps(setup()))
            try:
                async with asyncio.timeout(60):
                    async for m in ws:
                        events.append((round(time.perf_counter() - t0, 1), str(m)[:60]))
            except TimeoutError:
                return {"code": "open", "s": 60, "events": events}
            except websockets.exceptions.ConnectionClosed:
                pass
            return {"code": ws.close_code, "s": round(time.perf_counter() - t0, 1), "events": events}

    async def cap() -> Counter:
        conns = []
        codes: Counter = Counter()
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
        return codes

    t = await asyncio.gather(
        silent(300),
        slowloris(),
        slow_body("/v1beta/auth_tokens"),
        slow_body("/console/token"),
        no_setup(),
        idle_session(),
    )
    closed = [x for x in t[0] if x >= 0]
    results.append(
        {
            "name": "silent.tcp.300",
            "closed": len(closed),
            "max_s": round(max(closed, default=-1), 1),
            "still_open_or_reset": len(t[0]) - len(closed),
        }
    )
    results.append({"name": "slowloris.head", "closed_after_s": round(t[1], 1)})
    results.append({"name": "slowbody.auth_tokens", "answered_or_closed_after_s": round(t[2], 1)})
    results.append({"name": "slowbody.console_token", "answered_or_closed_after_s": round(t[3], 1)})
    results.append({"name": "ws.no.setup"} | t[4])
    results.append({"name": "ws.idle.session"} | t[5])
    results.append({"name": "per.address.cap", "codes": dict(await cap())})


async def main() -> None:
    stop = asyncio.Event()
    poller = asyncio.create_task(health_poller(stop))
    t0 = time.perf_counter()
    await probe_messages()
    await probe_credentials()
    await probe_origins()
    if SLOW:
        await raw_tcp_probes()
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
