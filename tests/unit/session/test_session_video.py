"""The session's video and images: which frame a turn sees, bounded memory, tokens, bad input."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from PIL import Image

from openlive.engines.audio_base import LIVE_API_LANGUAGES, LIVE_API_VOICES
from openlive.engines.base import GenerationStats
from openlive.engines.registry import ModelTable
from openlive.errors import CLOSE_INVALID_ARGUMENT, InvalidArgument
from openlive.parts import ImagePart, RetiredImage, TextPart, image_digest
from openlive.session import Action, SeeFrame, Send, Session, SpeechCapabilities, StartGeneration
from openlive.session.session import MAX_HISTORY_IMAGES
from openlive.testing import FakeLLM
from openlive.wire import parse_client_message

MODEL = "gemini-2.0-flash-live-001"
SPEECH = SpeechCapabilities(voices=LIVE_API_VOICES, languages=LIVE_API_LANGUAGES)


def jpeg(shade: int, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (shade, shade, shade)).save(out, format="JPEG")
    return out.getvalue()


def blob(data: bytes, mime: str = "image/jpeg") -> dict[str, str]:
    return {"data": base64.b64encode(data).decode(), "mimeType": mime}


def feed(session: Session, message: dict[str, Any]) -> list[Action]:
    return session.receive(parse_client_message(json.dumps(message)))


def active(resolution: str | None = None, compression: bool = False) -> Session:
    session = Session(ModelTable({MODEL: FakeLLM()}).resolve, session_id="video-1", speech=SPEECH)
    config: dict[str, Any] = {"responseModalities": ["TEXT"]}
    if resolution:
        config["mediaResolution"] = resolution
    setup: dict[str, Any] = {"model": f"models/{MODEL}", "generationConfig": config}
    if compression:
        setup["contextWindowCompression"] = {"slidingWindow": {}}
    feed(session, {"setup": setup})
    return session


def frame(session: Session, data: bytes, field: str = "video") -> list[Action]:
    if field == "media_chunks":
        return feed(session, {"realtime_input": {"media_chunks": [blob(data)]}})
    return feed(session, {"realtimeInput": {field: blob(data)}})


def text(session: Session, words: str) -> StartGeneration:
    (start,) = [
        a for a in feed(session, {"realtimeInput": {"text": words}}) if isinstance(a, StartGeneration)
    ]
    return start


def images_of(start: StartGeneration) -> list[ImagePart]:
    return [p for m in start.messages for p in m.parts if isinstance(p, ImagePart)]


def finish(session: Session, start: StartGeneration) -> dict[str, Any]:
    sends = [
        a.message
        for a in session.generation_done(start.turn_id, GenerationStats(10, 2))
        if isinstance(a, Send)
    ]
    (done,) = [m for m in sends if "turnComplete" in m.get("serverContent", {})]
    usage: dict[str, Any] = done["usageMetadata"]
    return usage


@pytest.mark.parametrize("field", ["video", "media_chunks"])
def test_a_turn_sees_the_newest_frame_before_it_and_older_ones_are_dropped(field: str) -> None:
    session = active()
    for shade in (10, 100, 200):
        actions = frame(session, jpeg(shade), field)
        assert [type(a) for a in actions] == [SeeFrame]
    start = text(session, "what is on my screen?")
    (image,) = images_of(start)
    assert image == ImagePart(jpeg(200), "image/jpeg")
    last = start.messages[-1]
    assert last.parts == (image, TextPart("what is on my screen?"))
    assert "what is on my screen?" in last.content


def test_a_frame_is_seen_by_one_turn_and_a_later_frame_waits_for_the_next() -> None:
    session = active()
    frame(session, jpeg(10))
    first = text(session, "one")
    finish(session, first)
    second = text(session, "two")
    assert len(images_of(second)) == 1  # the first turn's frame, in the history; no new one
    finish(session, second)
    frame(session, jpeg(250))
    third = text(session, "three")
    assert images_of(third)[-1] == ImagePart(jpeg(250), "image/jpeg")
    assert third.messages[-1].parts[0] == ImagePart(jpeg(250), "image/jpeg")


def test_a_reply_started_ahead_fixes_the_frame_its_turn_sees() -> None:
    session = active()
    frame(session, jpeg(10))
    ahead = session.preview_reply("look at this", 1.0)
    assert ahead is not None
    frame(session, jpeg(200))  # arrives after the user stopped talking
    actions = session.speech_transcribed("look at this", 1.0)
    (start,) = [a for a in actions if isinstance(a, StartGeneration)]
    assert start.messages == ahead.messages
    assert images_of(start) == [ImagePart(jpeg(10), "image/jpeg")]
    finish(session, start)
    # The later frame is not lost: the next turn sees it.
    assert images_of(text(session, "and now?"))[-1] == ImagePart(jpeg(200), "image/jpeg")


def test_the_history_keeps_only_the_newest_images() -> None:
    session = active()
    for shade in range(MAX_HISTORY_IMAGES + 3):
        frame(session, jpeg(20 * shade))
        finish(session, text(session, f"turn {shade}"))
    kept = [p for t in session.history for p in t.parts if isinstance(p, ImagePart)]
    assert kept == [ImagePart(jpeg(20 * s), "image/jpeg") for s in range(3, MAX_HISTORY_IMAGES + 3)]
    retired = [p for t in session.history for p in t.parts if isinstance(p, RetiredImage)]
    # The three oldest, each named by its digest (its text in the prompt stays as it was).
    assert retired == [RetiredImage(image_digest(ImagePart(jpeg(20 * s), "image/jpeg"))) for s in range(3)]


def test_the_history_counts_its_kept_images_as_they_retire() -> None:
    session = active()
    for shade in range(MAX_HISTORY_IMAGES + 3):
        frame(session, jpeg(20 * shade))
        finish(session, text(session, f"turn {shade}"))
        live = sum(isinstance(p, ImagePart) for t in session.history for p in t.parts)
        assert session.history.images == live <= MAX_HISTORY_IMAGES


def test_a_long_history_of_text_is_not_walked_for_images(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each message walked every turn of the history looking for images to retire
    # (with 100,000 turns of text, 200 ms of event loop per message).
    import openlive.session.session as session_module

    session = active()
    turns = [{"role": "user", "parts": [{"text": "a"}]}, {"role": "model", "parts": [{"text": "b"}]}] * 250
    for _ in range(2):
        feed(session, {"clientContent": {"turns": turns, "turnComplete": False}})
    walked: list[int] = []
    real = session_module._retiring_images

    def counting(turns: list[Any], kept: int) -> Any:
        walked.append(len(turns))
        return real(turns, kept)

    monkeypatch.setattr(session_module, "_retiring_images", counting)
    feed(session, {"clientContent": {"turns": turns[:1], "turnComplete": False}})
    frame(session, jpeg(10))
    assert max(walked, default=0) <= 1


def test_a_reply_started_ahead_is_kept_by_the_turn_that_retires_the_oldest_image() -> None:
    session = active()
    for shade in range(MAX_HISTORY_IMAGES):
        frame(session, jpeg(20 * shade))
        finish(session, text(session, f"turn {shade}"))
    frame(session, jpeg(200))  # the turn with this frame retires the oldest image
    ahead = session.preview_reply("look at this", 1.0)
    assert ahead is not None
    (start,) = [a for a in session.speech_transcribed("look at this", 1.0) if isinstance(a, StartGeneration)]
    assert start.messages == ahead.messages  # so the reply ahead is claimed, not read again
    assert RetiredImage(image_digest(ImagePart(jpeg(0), "image/jpeg"))) in start.messages[1].parts


def test_a_flood_of_frames_holds_one_frame() -> None:
    session = active()
    for shade in range(300):
        frame(session, jpeg(shade % 256))
    start = text(session, "what now?")
    assert images_of(start) == [ImagePart(jpeg(299 % 256), "image/jpeg")]
    assert session.history.chars < 5_000


@pytest.mark.parametrize(
    ("resolution", "tokens"),
    [("MEDIA_RESOLUTION_LOW", 66), ("MEDIA_RESOLUTION_MEDIUM", 258), (None, 258)],
)
def test_usage_counts_a_frame_as_video_tokens_at_the_sessions_resolution(
    resolution: str | None, tokens: int
) -> None:
    session = active(resolution)
    frame(session, jpeg(10))
    usage = finish(session, text(session, "hi"))
    details = {d["modality"]: d["tokenCount"] for d in usage["promptTokensDetails"]}
    assert details == {"TEXT": 10, "VIDEO": tokens}
    assert usage["promptTokenCount"] == 10 + tokens


def test_images_in_client_content_join_the_turn_and_count_as_image_tokens() -> None:
    session = active("MEDIA_RESOLUTION_MEDIUM")
    big = jpeg(90, (1280, 720))
    actions = feed(
        session,
        {
            "clientContent": {
                "turns": [
                    {"role": "user", "parts": [{"text": "what is this?"}, {"inline_data": blob(big)}]},
                ],
                "turnComplete": True,
            }
        },
    )
    (start,) = [a for a in actions if isinstance(a, StartGeneration)]
    assert start.messages[-1].parts == (TextPart("what is this?"), ImagePart(big, "image/jpeg"))
    usage = finish(session, start)
    details = {d["modality"]: d["tokenCount"] for d in usage["promptTokensDetails"]}
    assert details["IMAGE"] == 2 * 258 and "VIDEO" not in details


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        (
            {"inline_data": blob(b"not a picture")},
            "clientContent.turns[0].parts[1].inlineData.data is not a JPEG",
        ),
        ({"inline_data": blob(jpeg(1), "image/gif")}, "clientContent.turns[0].parts[1].inlineData.mimeType"),
        (
            {"inline_data": blob(b"\x00\x01", "audio/pcm")},
            "clientContent.turns[0].parts[1].inlineData.mimeType",
        ),
    ],
)
def test_a_bad_image_in_client_content_is_refused_naming_the_part(part: dict[str, Any], reason: str) -> None:
    session = active()
    message = {
        "clientContent": {"turns": [{"role": "user", "parts": [{"text": "see"}, part]}], "turnComplete": True}
    }
    with pytest.raises(InvalidArgument) as error:
        feed(session, message)
    assert error.value.reason.startswith(reason)
    assert error.value.close_code == CLOSE_INVALID_ARGUMENT
    assert len(session.history) == 0


def test_frame_brings_the_previous_image_for_what_changed() -> None:
    session = active()
    (first,) = frame(session, jpeg(10))
    assert isinstance(first, SeeFrame) and first.previous is None
    finish(session, text(session, "one"))
    (second,) = frame(session, jpeg(90))
    assert isinstance(second, SeeFrame) and second.previous == ImagePart(jpeg(10), "image/jpeg")
    assert session.has_video


def test_a_resumed_session_keeps_its_images() -> None:
    session = active()
    frame(session, jpeg(40))
    finish(session, text(session, "one"))
    snapshot = json.loads(json.dumps(session.snapshot()))
    resumed = Session(ModelTable({MODEL: FakeLLM()}).resolve, speech=SPEECH)
    resumed.restore(snapshot)
    feed(resumed, {"setup": {"model": f"models/{MODEL}"}})
    assert [p for t in resumed.history for p in t.parts if isinstance(p, ImagePart)] == [
        ImagePart(jpeg(40), "image/jpeg")
    ]


def test_an_image_parts_own_media_resolution_sets_its_tokens() -> None:
    session = active("MEDIA_RESOLUTION_HIGH")
    part = {"inline_data": blob(jpeg(90, (1280, 720))), "media_resolution": {"level": "MEDIA_RESOLUTION_LOW"}}
    actions = feed(
        session,
        {
            "clientContent": {
                "turns": [{"role": "user", "parts": [part, {"text": "what?"}]}],
                "turnComplete": True,
            }
        },
    )
    (start,) = [a for a in actions if isinstance(a, StartGeneration)]
    details = {d["modality"]: d["tokenCount"] for d in finish(session, start)["promptTokensDetails"]}
    assert details["IMAGE"] == 66


def test_a_preview_left_behind_does_not_hold_an_old_frame() -> None:
    session = active()
    frame(session, jpeg(10))
    assert session.preview_reply("uh", 0.3) is not None  # speech that then made no turn
    for shade in (60, 120, 180, 240):
        frame(session, jpeg(shade))
    start = text(session, "what now?")  # typed: never the preview's frame
    assert images_of(start) == [ImagePart(jpeg(240), "image/jpeg")]
    finish(session, start)
    frame(session, jpeg(30))
    assert session.preview_reply("look", 1.0) is not None
    for shade in (70, 90, 110, 130):
        frame(session, jpeg(shade))
    (spoken,) = [a for a in session.speech_transcribed("look", 1.0) if isinstance(a, StartGeneration)]
    # Four frames later the preview is stale: the turn sees the newest frame.
    assert spoken.messages[-1].parts[0] == ImagePart(jpeg(130), "image/jpeg")
