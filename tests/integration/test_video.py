"""Video frames and images through a real server on loopback, with fake engines.

What a turn sees, what the engine gets (described for a text-only model, sized for
a vision model behind the OpenAI-compatible engine), usage by modality, the time
limit of a session with video, and bad images closing only their own session.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import struct
import zlib
from typing import Any

import httpx
import pytest
from PIL import Image
from websockets.exceptions import ConnectionClosed

from openlive.engines.base import ChatMessage
from openlive.engines.openai_compat import OpenAICompatEngine
from openlive.images import MAX_IMAGE_BYTES
from openlive.testing import FakeDescriber, FakeLLM, running_server

from .helpers import check_serving, session, setup_message, text_of

CAMERA = (1280, 720)


def camera_frame(size: tuple[int, int] = CAMERA, seed: int = 0) -> bytes:
    """A camera-like JPEG: a gradient with a bright patch (no flat colour a codec could shrink to nothing)."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((220, 180 - seed, 40), (width // 3, height // 3, width // 2, height // 2))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def video(data: bytes, mime: str = "image/jpeg") -> dict[str, Any]:
    return {"realtimeInput": {"video": {"data": base64.b64encode(data).decode(), "mimeType": mime}}}


def typed(text: str) -> dict[str, Any]:
    return {"realtimeInput": {"text": text}}


async def reply_to(client: Any, message: dict[str, Any]) -> list[dict[str, Any]]:
    await client.send(message)
    return await client.until_turn_complete()


def usage_of(messages: list[dict[str, Any]]) -> dict[str, int]:
    (usage,) = [m["usageMetadata"] for m in messages if "usageMetadata" in m]
    return {d["modality"]: d["tokenCount"] for d in usage["promptTokensDetails"]}


async def test_a_text_model_answers_from_the_frames_description() -> None:
    describer = FakeDescriber(lambda image, previous: f"a {image.width}x{image.height} screen saying HELLO")
    fake = FakeLLM(reply=lambda messages: messages[-1].content)
    async with running_server(fake, describer=describer) as srv, session(srv) as client:
        await client.send(video(camera_frame()))
        reply = await reply_to(client, typed("what does my screen say?"))
    assert text_of(reply) == "[image: a 1280x720 screen saying HELLO]\nwhat does my screen say?"
    assert usage_of(reply)["VIDEO"] == 258
    assert describer.calls == [CAMERA]


async def test_low_resolution_gives_the_describer_a_smaller_image_and_costs_66_tokens() -> None:
    describer = FakeDescriber()
    async with running_server(FakeLLM(), describer=describer) as srv:
        setup = setup_message(mediaResolution="MEDIA_RESOLUTION_LOW")
        async with session(srv, setup) as client:
            await client.send(video(camera_frame()))
            reply = await reply_to(client, typed("and now?"))
    assert usage_of(reply)["VIDEO"] == 66
    assert describer.calls == [(512, 288)]


class VisionEndpoint:
    """An OpenAI-compatible vision endpoint: records each request, answers with the image sizes it got."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path != "/v1/chat/completions":
            return httpx.Response(404, json={"detail": "Not Found"})
        for message in body["messages"]:
            if isinstance(message["content"], list):
                for item in message["content"]:
                    if item["type"] == "image_url":
                        url = item["image_url"]["url"]
                        assert url.startswith("data:image/jpeg;base64,")
                        data = base64.b64decode(url.split(",", 1)[1])
                        self.sizes.append(Image.open(io.BytesIO(data)).size)
        answer = json.dumps({"choices": [{"index": 0, "delta": {"content": f"saw {self.sizes}"}}]})
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=f"data: {answer}\n\ndata: [DONE]\n\n".encode(),
        )


@pytest.mark.parametrize(
    ("resolution", "size"),
    [("MEDIA_RESOLUTION_LOW", (512, 288)), ("MEDIA_RESOLUTION_MEDIUM", (1024, 576)), (None, CAMERA)],
)
async def test_a_camera_frame_reaches_a_vision_engine_at_the_sessions_resolution(
    resolution: str | None, size: tuple[int, int]
) -> None:
    endpoint = VisionEndpoint()
    describer = FakeDescriber()
    engine = OpenAICompatEngine(
        "http://127.0.0.1:9/v1",
        "vision",
        context_size=8192,
        transport=httpx.MockTransport(endpoint),
        images=True,
    )
    config = {"mediaResolution": resolution} if resolution else {}
    async with (
        running_server(engine, describer=describer) as srv,
        session(srv, setup_message(**config)) as client,
    ):
        await client.send(video(camera_frame()))
        reply = await reply_to(client, typed("what do you see?"))
    assert endpoint.sizes == [size]
    assert text_of(reply) == f"saw {[size]}"
    assert describer.calls == []  # the engine reads images itself


def png_declaring(width: int, height: int) -> bytes:
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr))


def png_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (6000, 6000), 0).save(out, format="PNG")
    return out.getvalue()


BAD_IMAGES = {
    "garbage-as-jpeg": (
        video(b"these bytes are no picture at all"),
        "realtimeInput.video.data is not a JPEG image",
    ),
    "png-bomb": (video(png_bomb(), "image/png"), "realtimeInput.video.data declares 6000x6000 pixels"),
    "huge-declared-png": (video(png_declaring(65535, 65535), "image/png"), "declares 65535x65535 pixels"),
    "wrong-mime": (
        video(camera_frame(), "image/gif"),
        "realtimeInput.video.mimeType 'image/gif' is not a supported",
    ),
    "png-sent-as-jpeg": (video(png_declaring(10, 10)), "realtimeInput.video.data is not a JPEG image"),
    "oversized": (
        video(b"\xff\xd8\xff" + b"\x00" * (MAX_IMAGE_BYTES + 1)),
        f"over the limit of {MAX_IMAGE_BYTES}",
    ),
    "truncated-jpeg": (video(camera_frame()[:400]), "realtimeInput.video.data could not be decoded"),
    "video-chunk": (
        {"realtimeInput": {"mediaChunks": [{"data": "AAAA", "mimeType": "video/mp4"}]}},
        "realtimeInput.mediaChunks[0].mimeType 'video/mp4' is not supported",
    ),
    "bad-client-content-image": (
        {
            "clientContent": {
                "turns": [
                    {"role": "user", "parts": [{"inlineData": {"data": "AAAA", "mimeType": "image/png"}}]}
                ],
                "turnComplete": True,
            }
        },
        "clientContent.turns[0].parts[0].inlineData.data is not a PNG image",
    ),
}


@pytest.mark.parametrize("case", list(BAD_IMAGES.values()), ids=list(BAD_IMAGES))
async def test_a_bad_image_closes_only_its_own_session_with_1007(case: tuple[dict[str, Any], str]) -> None:
    message, reason = case
    async with running_server(FakeLLM(), describer=FakeDescriber()) as srv:
        async with session(srv) as good, session(srv) as bad:
            await bad.send(message)
            if "truncated" in reason or "decoded" in reason:
                await bad.send(typed("what is it?"))  # decoding waits for the turn that uses the frame
            closed = await bad.closed()
            assert closed.code == 1007, closed
            assert reason in closed.reason
            reply = await reply_to(good, typed("still here"))
            assert text_of(reply) == "echo: still here"
        await check_serving(srv)


async def test_a_session_with_video_ends_at_its_own_limit_with_go_away() -> None:
    async with running_server(
        FakeLLM(), describer=FakeDescriber(), video_session_limit_s=1.0, go_away_notice_s=0.5
    ) as srv:
        async with session(srv) as client:
            await reply_to(client, typed("no video yet"))
            await asyncio.sleep(0.3)
            await client.send(video(camera_frame()))
            closed = await client.closed()
    assert [m["goAway"] for m in closed.messages if "goAway" in m] == [{"timeLeft": "0.5s"}]
    assert closed.code == 1001
    assert "session with video" in closed.reason


async def test_a_session_with_video_and_compression_has_no_such_limit() -> None:
    async with running_server(
        FakeLLM(), describer=FakeDescriber(), video_session_limit_s=0.3, go_away_notice_s=0.1
    ) as srv:
        setup = setup_message()
        setup["setup"]["contextWindowCompression"] = {"slidingWindow": {}}
        async with session(srv, setup) as client, session(srv) as plain:
            await client.send(video(camera_frame()))
            await plain.send(video(camera_frame()))
            assert (await plain.closed()).code == 1001
            reply = await reply_to(client, typed("still here?"))
            assert text_of(reply) == "echo: [image: a 1280x720 picture]\nstill here?"


async def test_a_flood_of_frames_closes_the_flooder_with_1008_and_another_client_talks_on() -> None:
    describer = FakeDescriber(delay_s=0.05)
    frames = [camera_frame((640, 360), seed=n) for n in range(40)]
    async with running_server(FakeLLM(), describer=describer) as srv:
        async with session(srv) as flooder, session(srv) as talker:

            async def flood() -> None:
                with contextlib.suppress(ConnectionClosed):
                    for _ in range(5):
                        for data in frames:
                            await flooder.send(video(data))

            task = asyncio.create_task(flood())
            for n in range(3):
                reply = await reply_to(talker, typed(f"turn {n}"))
                assert text_of(reply) == f"echo: turn {n}"
            await task
            closed = await flooder.closed()
    assert closed.code == 1008
    assert "video frames arrive faster than 10 a second" in closed.reason
    # Of the frames taken before the close, only the newest waiting one was described at a time.
    assert len(describer.calls) < 10, len(describer.calls)


async def test_frames_at_a_steady_pace_are_taken_beyond_the_burst() -> None:
    describer = FakeDescriber()
    async with running_server(FakeLLM(), describer=describer, max_video_fps=50.0) as srv:
        async with session(srv) as client:
            for n in range(45):  # past the burst of 30, at about 30 a second
                await client.send(video(camera_frame((320, 180), seed=n)))
                await asyncio.sleep(0.03)
            reply = await reply_to(client, typed("still here?"))
    assert text_of(reply) == "echo: [image: a 320x180 picture]\nstill here?"


async def test_a_text_only_engine_reads_the_frame_as_text_only() -> None:
    fake = FakeLLM()
    async with running_server(fake, describer=FakeDescriber()) as srv, session(srv) as client:
        await client.send(video(camera_frame()))
        await reply_to(client, typed("look"))
    messages: list[ChatMessage] = list(fake.calls[-1][0])
    assert messages[-1] == ChatMessage("user", "[image: a 1280x720 picture]\nlook")
