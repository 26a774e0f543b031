"""FrameVision: images sized for an engine that reads them, described once for one that does not."""

from __future__ import annotations

import io
import time

from PIL import Image

from openlive.engines.base import ChatMessage, ImageDescriber, LLMCapabilities
from openlive.engines.image_summary import ImageSummary
from openlive.images import Resolution, resolution
from openlive.parts import ImagePart, TextPart
from openlive.pipeline.vision import FrameVision
from openlive.testing import FakeDescriber, FakeLLM

LOW = resolution("MEDIA_RESOLUTION_LOW")
HIGH = resolution("MEDIA_RESOLUTION_HIGH")


def jpeg(size: tuple[int, int], colour: tuple[int, int, int] = (30, 60, 200)) -> ImagePart:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return ImagePart(out.getvalue(), "image/jpeg")


def vision(describer: ImageDescriber, res: Resolution = HIGH, executor: object = None) -> FrameVision:
    return FrameVision(lambda: describer, lambda: res, executor)  # type: ignore[arg-type]


def prompt(*images: ImagePart) -> list[ChatMessage]:
    messages = [ChatMessage("system", "Be brief.")]
    for number, image in enumerate(images):
        parts = (image, TextPart(f"question {number}"))
        messages.append(ChatMessage("user", f"[an image (image/jpeg)]question {number}", parts))
    return messages


def test_a_text_only_engine_gets_descriptions_in_place_of_images() -> None:
    describer = FakeDescriber()
    first, second = jpeg((640, 480)), jpeg((320, 240), (200, 10, 10))
    prepared = vision(describer).prepare(FakeLLM(), prompt(first, second))
    assert prepared[0] == ChatMessage("system", "Be brief.")
    assert prepared[1] == ChatMessage("user", "[image: a 640x480 picture]question 0")
    # The second image is described after the first: what changed.
    assert prepared[2] == ChatMessage("user", "[image: a 320x240 picture after a 640x480 image]question 1")


def test_each_image_is_described_once() -> None:
    describer = FakeDescriber()
    frames = vision(describer)
    image = jpeg((100, 100))
    for _ in range(3):
        frames.prepare(FakeLLM(), prompt(image))
    assert describer.calls == [(100, 100)]


def test_the_describer_gets_the_image_at_the_sessions_resolution() -> None:
    describer = FakeDescriber()
    vision(describer, LOW).prepare(FakeLLM(), prompt(jpeg((1920, 1080))))
    ((width, height),) = describer.calls
    assert max(width, height) <= LOW.max_side


def test_an_engine_that_reads_images_gets_them_sized_to_the_resolution() -> None:
    describer = FakeDescriber()
    engine = FakeLLM(capabilities=LLMCapabilities(images=True))
    big, small = jpeg((1920, 1080)), jpeg((200, 100))
    prepared = vision(describer, LOW).prepare(engine, prompt(big, small))
    sized = prepared[1].parts[0]
    assert isinstance(sized, ImagePart) and sized.mime_type == "image/jpeg"
    assert Image.open(io.BytesIO(sized.data)).size == (512, 288)
    assert prepared[2].parts[0] == small  # small enough: passed as sent
    assert describer.calls == []


def test_a_describer_that_fails_costs_the_description_not_the_reply() -> None:
    class Broken:
        def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
            raise RuntimeError("model crashed")

    prepared = vision(Broken()).prepare(FakeLLM(), prompt(jpeg((64, 64))))
    assert "a 64x64 image that could not be described" in prepared[1].content


def test_frames_described_ahead_are_one_at_a_time_with_rests_between() -> None:
    from concurrent.futures import ThreadPoolExecutor

    describer = FakeDescriber(delay_s=0.2)

    def settle(frames: FrameVision) -> None:
        deadline = time.monotonic() + 5
        while frames._busy and time.monotonic() < deadline:  # noqa: SLF001 - waiting for the worker
            time.sleep(0.01)

    with ThreadPoolExecutor(4) as pool:
        frames = vision(describer, HIGH, pool)
        flood = [jpeg((40 + n, 40)) for n in range(30)]
        for image in flood:
            frames.see(image, None)
        settle(frames)
        # The first frame was described at once; the 29 that came while it ran were not.
        assert describer.calls == [(40, 40)]
        frames.see(jpeg((100, 40)), None)  # still resting: as long as the description took
        settle(frames)
        assert describer.calls == [(40, 40)]
        time.sleep(0.25)
        frames.see(jpeg((101, 40)), None)
        settle(frames)
    assert describer.calls == [(40, 40), (101, 40)]
    # A turn whose frame was not described ahead describes it itself, once.
    frames.prepare(FakeLLM(), prompt(flood[-1]))
    frames.prepare(FakeLLM(), prompt(flood[-1]))
    assert describer.calls == [(40, 40), (101, 40), (69, 40)]


def test_image_summary_says_size_colours_and_what_changed() -> None:
    summary = ImageSummary()
    blue = Image.new("RGB", (800, 600), (40, 80, 200))
    changed = blue.copy()
    changed.paste((250, 250, 250), (0, 0, 400, 300))
    text = summary.describe(changed, blue)
    assert text.startswith("A 800x600")
    assert "blue" in text and "white" in text
    assert "changed since the previous image, mostly at the top left" in text
    assert "Nothing changed" in summary.describe(blue, blue)
    assert isinstance(summary, ImageDescriber)


def test_a_frame_described_ahead_is_found_even_if_the_prompt_dropped_the_image_before_it() -> None:
    from concurrent.futures import ThreadPoolExecutor

    describer = FakeDescriber()
    before, frame = jpeg((50, 50)), jpeg((60, 60))
    with ThreadPoolExecutor(1) as pool:
        frames = vision(describer, HIGH, pool)
        frames.see(frame, before)
    # A tiny model's prompt keeps recent turns only: the earlier image is gone from it.
    prepared = frames.prepare(FakeLLM(), prompt(frame))
    assert describer.calls == [(60, 60)]
    assert prepared[1].content == "[image: a 60x60 picture after a 50x50 image]question 0"


def test_a_frame_seen_ahead_for_a_vision_engine_is_scaled_ahead_not_described() -> None:
    from concurrent.futures import ThreadPoolExecutor

    describer = FakeDescriber()
    engine = FakeLLM(capabilities=LLMCapabilities(images=True))
    frame = jpeg((1920, 1080))
    with ThreadPoolExecutor(1) as pool:
        frames = vision(describer, LOW, pool)
        frames.see(frame, None, sized=True)
    first = frames.prepare(engine, prompt(frame))[1].parts[0]
    again = frames.prepare(engine, prompt(frame))[1].parts[0]
    assert first is again  # the scaled frame made ahead, from the cache
    assert isinstance(first, ImagePart) and Image.open(io.BytesIO(first.data)).size == (512, 288)
    assert describer.calls == []
