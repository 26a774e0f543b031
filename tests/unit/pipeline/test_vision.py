"""FrameVision: images sized for an engine that reads them, described once for one that does not."""

from __future__ import annotations

import io
import time

from PIL import Image

from openlive.engines.base import ChatMessage, ImageDescriber, LLMCapabilities
from openlive.engines.image_summary import ImageSummary
from openlive.images import Resolution, resolution
from openlive.parts import ImagePart, RetiredImage, TextPart, image_digest
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
    # Only the newest image in full; an earlier one by its summary (its first line).
    assert prepared[1] == ChatMessage("user", "[an earlier image: a 640x480 picture]\nquestion 0")
    # The second image is described after the first: what changed.
    assert prepared[2] == ChatMessage("user", "[image: a 320x240 picture after a 640x480 image]\nquestion 1")


def test_an_earlier_image_is_given_by_the_first_line_of_its_description_cut_short() -> None:
    class TwoLines:
        def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
            return f"summary {image.width} " + "x" * 400 + "\nall the rest of the text"

    prepared = vision(TwoLines()).prepare(FakeLLM(), prompt(jpeg((64, 64)), jpeg((32, 32))))
    older, newest = prepared[1].content, prepared[2].content
    assert older.startswith("[an earlier image: summary 64 xxx") and "rest of the text" not in older
    assert len(older) < 250 and older.endswith("...]\nquestion 0")
    assert newest.startswith("[image: summary 32 ") and "all the rest of the text]" in newest


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


def settle(frames: FrameVision) -> None:
    deadline = time.monotonic() + 5
    while frames._busy and time.monotonic() < deadline:  # noqa: SLF001 - waiting for the worker
        time.sleep(0.01)


def test_frames_described_ahead_are_one_at_a_time_and_only_the_newest_waits() -> None:
    from concurrent.futures import ThreadPoolExecutor

    describer = FakeDescriber(delay_s=0.2)
    with ThreadPoolExecutor(4) as pool:
        frames = vision(describer, HIGH, pool)
        flood = [jpeg((40 + n, 40)) for n in range(30)]
        for image in flood:
            frames.see(image, None)
        settle(frames)
    # The first frame was described at once; of the 29 that came while it ran, only the
    # newest, after it.
    assert describer.calls == [(40, 40), (69, 40)]
    # A turn on the newest frame finds it ready.
    frames.prepare(FakeLLM(), prompt(flood[-1]))
    assert describer.calls == [(40, 40), (69, 40)]


def test_a_picture_read_before_after_the_same_one_is_ready_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    describer = FakeDescriber()
    read: list[ImagePart] = []
    first, second = jpeg((50, 50)), jpeg((60, 60))
    with ThreadPoolExecutor(1) as pool:
        frames = FrameVision(lambda: describer, lambda: HIGH, pool, read.append)
        # A screen going back and forth: each frame is read after the other once...
        for frame, previous in ((first, None), (second, first), (first, second)):
            frames.see(frame, previous)
            settle(frames)
        assert len(describer.calls) == 3 and read == [first, second, first]
        # ...and then is ready as it comes, without reading it again.
        frames.see(second, first)
        assert read == [first, second, first, second] and not frames._busy  # noqa: SLF001
    assert len(describer.calls) == 3
    # It is the stream's newest reading: a turn on it gets its own description.
    assert frames.prepare(FakeLLM(), prompt(second))[1].content.startswith("[image: a 60x60 picture")


def test_a_turn_gets_the_newest_reading_of_the_stream_rather_than_wait_for_its_frame() -> None:
    describer = FakeDescriber()
    frames = vision(describer)  # nothing is read ahead: no executor
    first, second = jpeg((50, 50)), jpeg((60, 60))
    # Nothing of the stream read yet: the turn reads its frame itself.
    frames.see(first, None)
    assert "a 50x50 picture" in frames.prepare(FakeLLM(), prompt(first))[1].content
    frames.see(second, first)
    text = frames.prepare(FakeLLM(), prompt(second))[1].content
    assert text.startswith("[image: a 50x50 picture\n(Read from the screen 1 s before its newest frame")
    assert describer.calls == [(50, 50)]  # the turn did not wait for the second frame
    # An image sent in a turn (never streamed) is read for its turn.
    sent = jpeg((70, 70))
    assert "a 70x70 picture" in frames.prepare(FakeLLM(), prompt(sent))[1].content


def test_a_frame_that_looks_unlike_the_newest_reading_is_read_for_its_turn() -> None:
    describer = FakeDescriber()
    frames = vision(describer)  # nothing is read ahead: no executor
    black, page = jpeg((50, 50), (0, 0, 0)), jpeg((60, 60), (250, 250, 250))
    frames.see(black, None)
    frames.prepare(FakeLLM(), prompt(black))  # a camera starting black: read
    frames.see(page, black)
    # The black reading cannot stand in for a white page: the turn reads its own frame.
    assert frames.prepare(FakeLLM(), prompt(page))[1].content.startswith("[image: a 60x60 picture")
    assert describer.calls == [(50, 50), (60, 60)]


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
    assert prepared[1].content == "[image: a 60x60 picture after a 50x50 image]\nquestion 0"


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


def test_a_turn_long_after_reads_no_frame_of_its_history_again() -> None:
    describer = FakeDescriber()
    frames = vision(describer)  # nothing is read ahead: no executor
    first = jpeg((50, 50))
    frames.see(first, None)
    frames.prepare(FakeLLM(), prompt(first))  # the first frame of the stream: read for its turn
    later = [jpeg((51 + n, 50)) for n in range(20)]  # more frames than the cache holds
    for before, frame in zip([first, *later], later, strict=False):
        frames.see(frame, before)
    prepared = frames.prepare(FakeLLM(), prompt(first, later[-1]))
    assert describer.calls == [(50, 50)]  # no turn waits for the OCR of a streamed frame
    assert prepared[1].content == "[an earlier image: a 50x50 picture]\nquestion 0"
    assert "(Read from the screen" in prepared[2].content


def test_the_prompt_read_ahead_gives_every_image_by_its_summary() -> None:
    class TwoLines:
        def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
            return f"summary {image.width}\nthe rest"

    frames = vision(TwoLines())
    first, second = jpeg((64, 64)), jpeg((32, 32))
    ahead = frames.prepare(FakeLLM(), prompt(first, second), newest_in_full=False)
    assert [m.content for m in ahead[1:]] == [
        "[an earlier image: summary 64]\nquestion 0",
        "[an earlier image: summary 32]\nquestion 1",
    ]
    # The turn that brings a newer frame starts the same way.
    turn = frames.prepare(FakeLLM(), prompt(first, second, jpeg((16, 16))))
    assert [m.content for m in turn[1:3]] == [m.content for m in ahead[1:]]


def test_an_earlier_image_reads_the_same_every_turn_and_once_its_bytes_are_retired() -> None:
    describer = FakeDescriber()
    frames = vision(describer)
    first, second, third = jpeg((50, 50)), jpeg((60, 60)), jpeg((70, 70))
    frames.see(first, None)
    frames.prepare(FakeLLM(), prompt(first))  # the turn reads its frame: "a 50x50 picture"
    frames.see(second, first)
    # The second frame is not read yet: its turn reads the first frame's reading for it.
    as_earlier = frames.prepare(FakeLLM(), [*prompt(first, second), *prompt(third)[1:]])[2].content
    assert as_earlier.startswith("[an earlier image: a 50x50 picture")
    frames.describe(second, first)  # then its own reading comes in
    again = frames.prepare(FakeLLM(), [*prompt(first, second), *prompt(third)[1:]])[2].content
    assert again == as_earlier  # the prompt the engine cached does not change under it
    # Its bytes dropped from the history, it still reads as it did.
    retired = [ChatMessage("user", "", (RetiredImage(image_digest(second)), TextPart("question 1")))]
    assert frames.prepare(FakeLLM(), retired)[0].content == as_earlier
    unknown = [ChatMessage("user", "", (RetiredImage("0" * 24), TextPart("question 1")))]
    assert frames.prepare(FakeLLM(), unknown)[0].content == "[an earlier image]question 1"
