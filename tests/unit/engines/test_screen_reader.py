"""The screen reader: layout, reading order, change, colours, bounds, spacing, bad images.

Most tests build text boxes by hand; those marked with the OCR fixture run the real
PP-OCR models (rapidocr-onnxruntime) on small Pillow-drawn frames.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from openlive.engines import screen_reader as sr
from openlive.engines.screen_reader import (
    MAIN_TEXT_CHARS,
    MAX_DESCRIPTION_CHARS,
    Change,
    InkGaps,
    ScreenReader,
    TextBlock,
    TextLine,
    change,
    changed_bands,
    changed_cells,
    colour_name,
    compose,
    dark_on_light,
    dominant_colours,
    ink_gaps,
    layout,
    main_line,
    place,
    respace,
    text_size,
    tidy,
)
from openlive.errors import ConfigError

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size)
    return ImageFont.load_default(size=size)


def box(text: str, left: float, top: float, width: float = 100, height: float = 20) -> TextLine:
    return TextLine(text, left, top, left + width, top + height, 0.99)


def texts(blocks: list[TextBlock]) -> list[list[str]]:
    return [[line.text for line in block.lines] for block in blocks]


# --- layout and reading order ------------------------------------------------------------


def test_stacked_lines_form_one_block_read_top_to_bottom() -> None:
    lines = [box("third", 100, 160), box("first", 100, 100), box("second", 100, 130)]
    assert texts(layout(lines)) == [["first", "second", "third"]]


def test_boxes_on_one_row_are_read_left_to_right_as_one_line() -> None:
    lines = [box("world", 160, 100, 80), box("hello", 50, 102, 90)]
    assert texts(layout(lines)) == [["hello world"]]


def test_columns_far_apart_are_separate_blocks_in_reading_order() -> None:
    # A sidebar and a content column side by side: not interleaved line by line.
    sidebar = [box(f"file {i}", 10, 100 + 30 * i, 80) for i in range(4)]
    content = [box(f"code {i}", 400, 104 + 30 * i, 300) for i in range(4)]
    blocks = layout(content + sidebar)
    assert texts(blocks) == [[f"file {i}" for i in range(4)], [f"code {i}" for i in range(4)]]


def test_blocks_are_ordered_top_first_then_left() -> None:
    lines = [box("bottom", 10, 600), box("right", 900, 40), box("left", 10, 42)]
    assert [block.lines[0].text for block in layout(lines)] == ["left", "right", "bottom"]


def test_a_heading_much_larger_than_the_text_under_it_is_its_own_block() -> None:
    lines = [box("Heading", 100, 100, 300, 60), box("small print", 100, 165, 200, 14)]
    assert len(layout(lines)) == 2


def test_layout_of_nothing_is_nothing() -> None:
    assert layout([]) == []


def test_places_name_the_nine_regions_and_the_top_bar() -> None:
    w, h = 1280, 720
    assert place(500, 5, 700, 25, w, h) == "the top bar"
    assert place(10, 100, 100, 120, w, h) == "the top left"
    assert place(600, 100, 700, 120, w, h) == "the top"
    assert place(600, 350, 700, 370, w, h) == "the centre"
    assert place(1200, 350, 1270, 370, w, h) == "the right"
    assert place(10, 650, 100, 700, w, h) == "the bottom left"
    assert place(1200, 650, 1270, 700, w, h) == "the bottom right"


# --- change ------------------------------------------------------------------------------


def screen(colour: str = "white", size: tuple[int, int] = (640, 360)) -> Image.Image:
    return Image.new("RGB", size, colour)


def test_identical_frames_have_no_change() -> None:
    image = screen()
    ImageDraw.Draw(image).text((20, 20), "Hello", fill="black", font=font(20))
    assert change(image, image.copy()) == Change(0.0, ())


def test_a_change_is_located_where_it_happened() -> None:
    before = screen()
    after = before.copy()
    ImageDraw.Draw(after).rectangle((500, 280, 630, 350), fill="red")
    result = change(after, before)
    assert 0 < result.fraction < 0.1
    assert result.places[0] == "the bottom right"


def test_jpeg_noise_is_not_a_change() -> None:
    import io

    image = screen("#3060a0")
    ImageDraw.Draw(image).text((20, 20), "Some text on the screen", fill="white", font=font(24))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=60)
    noisy = Image.open(buffer).convert("RGB")
    assert change(noisy, image).fraction == 0


def test_a_frame_of_another_size_is_all_new() -> None:
    assert change(screen(size=(640, 360)), screen(size=(320, 180))).resized
    assert changed_cells(screen(size=(640, 360)), screen(size=(320, 180))) is None


def test_changed_bands_span_the_width_and_hold_touched_lines_whole() -> None:
    before = screen(size=(1280, 720))
    after = before.copy()
    ImageDraw.Draw(after).rectangle((900, 400, 1000, 410), fill="black")
    cells = changed_cells(after, before)
    assert cells is not None
    # A line of the previous frame reaching into the change, and one far from it.
    touched = box("a line that reaches the change", 100, 385, 900, 40)
    far = box("far away", 100, 100, 200, 20)
    bands = changed_bands(cells, after.size, [touched, far])
    assert len(bands) == 1
    top, bottom = bands[0]
    assert top <= 385 and bottom >= 425 and top > 120
    assert changed_bands(np.zeros_like(cells), after.size, [far]) == []


# --- colours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rgb", "name"),
    [
        ((255, 255, 255), "white"),
        ((0, 0, 0), "black"),
        ((30, 30, 30), "black"),
        ((60, 60, 60), "dark grey"),
        ((128, 128, 128), "grey"),
        ((200, 200, 200), "light grey"),
        ((220, 30, 30), "red"),
        ((30, 160, 40), "green"),
        ((20, 90, 200), "blue"),
        ((10, 20, 80), "dark blue"),
        ((250, 220, 30), "yellow"),
        ((250, 140, 20), "orange"),
        ((140, 60, 200), "purple"),
    ],
)
def test_colour_names(rgb: tuple[int, int, int], name: str) -> None:
    assert colour_name(*rgb) == name


def test_dominant_colours_are_named_largest_first_and_small_ones_left_out() -> None:
    image = screen("white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 639, 119), fill="#1565c0")  # a third: blue
    draw.rectangle((0, 350, 5, 359), fill="red")  # a speck: not named
    colours = dominant_colours(image)
    assert [name for name, _ in colours] == ["white", "blue"]
    assert colours[0][1] == pytest.approx(2 / 3, abs=0.05)


# --- description and its bound -----------------------------------------------------------


def test_description_quotes_text_with_its_place_and_colours() -> None:
    blocks = layout(
        [
            box("File Edit View", 10, 40),
            box("Inbox", 10, 200),
            box("Save changes?", 560, 340, 160, 34),
            box("Your edits are lost otherwise", 560, 380, 300, 20),
        ]
    )
    text = compose((1280, 720), blocks, [("white", 0.8), ("blue", 0.1)], None, [])
    summary, *rest = text.split("\n")
    assert "1280x720" in summary and "mostly white and blue" in summary
    # The main text: from the headline on (said so), as one quote, a stop after a line without one.
    assert summary.startswith(
        'The screen\'s main text, from its headline: "Save changes? Your edits are lost otherwise".'
    )
    assert 'Top bar (tabs, menus): "File Edit View".' in rest
    assert 'Other text: at the top left: "Inbox".' in rest


def test_text_of_one_size_is_read_from_its_top_and_the_main_text_is_bounded() -> None:
    lines = [box(f"$ command number {n} printed this line", 10, 100 + 30 * n, 500, 20) for n in range(20)]
    summary = compose((1280, 720), layout(lines), [], None, []).split("\n")[0]
    main = summary.split("The screen's main text: ")[1]
    assert main.startswith('"$ command number 0 printed this line.')
    assert len(main) < MAIN_TEXT_CHARS + 60 and "number 19" not in main


def test_the_top_bars_centred_text_is_the_window_title() -> None:
    w, h = 1280, 720
    blocks = layout([box("File Edit", 10, 10, 100, 20), box("Quarterly report", 560, 10, 160, 20)])
    text = compose((w, h), blocks, [], None, [])
    assert 'Window title: "Quarterly report".\nTop bar (tabs, menus): "File Edit".' in text
    # Nothing centred: no title named.
    text = compose((w, h), layout([box("File Edit", 10, 10, 100, 20)]), [], None, [])
    assert "Window title" not in text and 'Top bar (tabs, menus): "File Edit".' in text


def test_a_line_of_a_few_characters_is_never_the_headline() -> None:
    w, h = 1280, 720
    prompt = box("$", 10, 300, 12, 60)  # tall ink, nothing to read
    lines = [box(f"output line {n}", 10, 100 + 30 * n, 300, 20) for n in range(5)]
    assert main_line([prompt, *lines], w, h) in lines


def test_text_size_is_the_letters_height_not_the_boxs() -> None:
    def crop(size: int, text: str) -> np.ndarray:
        image = Image.new("L", (20 * len(text), 3 * size), 255)
        ImageDraw.Draw(image).text((5, size // 2), text, fill=0, font=font(size))
        return np.asarray(image)

    small, big = text_size(crop(16, "cannot undo this")), text_size(crop(28, "cannot undo this"))
    assert 1.5 < big / small < 2.1
    # Brackets and descenders do not make text look larger.
    assert text_size(crop(16, "return json.lod(f)")) < 1.25 * small
    assert text_size(crop(16, "   ")) == 0.0


def test_the_main_text_is_the_largest_below_the_top_bar_nearest_the_centre() -> None:
    w, h = 1280, 720
    title = box("Huge title bar text", 400, 2, 400, 50)
    small = box("small corner", 10, 600, 100, 14)
    side = box("Large but at the side", 10, 300, 200, 30)
    centre = box("Large in the middle", 500, 340, 300, 29)
    assert main_line([title, small, side, centre], w, h) == centre
    assert main_line([title, small], w, h) == small
    assert main_line([title], w, h) is None


def test_description_reports_change_and_new_text() -> None:
    text = compose((640, 360), [], [("white", 1.0)], Change(0.12, ("the bottom right",)), ["Build failed"])
    assert "12% of the screen changed, at the bottom right" in text
    assert 'New text: "Build failed"' in text
    assert "No text can be read" in text
    assert "Nothing changed" in compose((640, 360), [], [], Change(0.0, ()), [])


def test_description_is_bounded_and_drops_the_smallest_text_first() -> None:
    small = [box(f"footnote number {i} with some small print", 10, 100 + 12 * i, 400, 10) for i in range(200)]
    big = box("THE IMPORTANT HEADLINE", 600, 20, 500, 40)
    text = compose((1280, 4000), layout([*small, big]), [("white", 1.0)], None, [])
    assert len(text) <= MAX_DESCRIPTION_CHARS
    assert "THE IMPORTANT HEADLINE" in text
    assert "smaller lines left out" in text
    assert len(compose((1280, 4000), layout([*small, big]), [], None, [], limit=300)) <= 300


def test_a_single_huge_line_is_cut_to_the_bound() -> None:
    for top in (0, 300):  # in the top bar, and the main text
        text = compose((1280, 720), layout([box("word " * 2000, 0, top, 1280, 20)]), [], None, [], limit=500)
        assert len(text) <= 500 and '"word word' in text and '..."' in text
    text = compose((1280, 720), layout([box("word " * 2000, 0, 300, 1280, 20)]), [], None, [], limit=200)
    assert len(text) <= 200 and text.endswith("...")


# --- recognised text: spaces and plain characters -----------------------------------------


def crop_of(text: str, size: int = 28, monospace: bool = False) -> tuple[np.ndarray, list[float]]:
    """A line's crop and each character's centre, as the recogniser would report them."""
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont
    mono = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
    face = ImageFont.truetype(str(mono), size) if monospace and mono.exists() else font(size)
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    width = int(draw.textlength(text, font=face)) + 20
    image = Image.new("RGB", (width, size + 16), "white")
    ImageDraw.Draw(image).text((10, 6), text, fill="black", font=face)
    centres = []
    for index in range(len(text)):
        left = draw.textlength(text[:index], font=face)
        right = draw.textlength(text[: index + 1], font=face)
        centres.append(10 + (left + right) / 2)
    return np.asarray(image), centres


@pytest.mark.parametrize("monospace", [False, True])
def test_spaces_come_back_where_the_words_part(monospace: bool) -> None:
    sentence = "Please contact alice.martin@example.org for access"
    crop, centres = crop_of(sentence, monospace=monospace)
    squeezed = sentence.replace(" ", "")
    positions = [c for c, ch in zip(centres, sentence, strict=True) if ch != " "]
    assert respace(squeezed, positions, ink_gaps(crop)) == sentence


def test_respace_keeps_text_without_gaps_or_positions() -> None:
    crop, centres = crop_of("Hello")
    assert respace("Hello", centres, ink_gaps(crop)) == "Hello"
    assert respace("Hello", [], ink_gaps(crop)) == "Hello"
    assert ink_gaps(np.full((20, 50, 3), 255, np.uint8)) is None  # blank: no ink at all
    assert ink_gaps(np.zeros((2, 2), np.uint8)) is None


def test_crops_become_dark_text_on_a_light_ground() -> None:
    light_on_dark = np.full((20, 60, 3), (40, 30, 120), np.uint8)
    light_on_dark[8:12, 10:50] = 250
    plain = dark_on_light(light_on_dark)
    assert plain[0, 0].tolist() == [255, 255, 255] and plain[10, 20].tolist() == [0, 0, 0]
    dark_on_white = np.full((20, 60, 3), 230, np.uint8)
    dark_on_white[8:12, 10:50] = 20
    plain = dark_on_light(dark_on_white)
    assert plain[0, 0].tolist() == [255, 255, 255] and plain[10, 20].tolist() == [0, 0, 0]
    flat = np.full((20, 60, 3), 128, np.uint8)
    assert dark_on_light(flat) is flat


def test_tidy_makes_full_width_forms_plain_and_fixes_a_leading_zero_for_o() -> None:
    assert tidy("print（'0rder 25455'）：") == "print('Order 25455'):"
    assert tidy("  a \t b ") == "a b"
    assert tidy("port 0 and 10.0rc and v0.1") == "port 0 and 10.0rc and v0.1"
    assert tidy("db.example.com:36o77 and 1O5") == "db.example.com:36077 and 105"
    assert tidy("2 of 3 octopus") == "2 of 3 octopus"


def test_tidy_reads_a_comma_inside_an_address_as_a_dot_and_leaves_prose_and_code() -> None:
    assert tidy("connect to db,example.org:58318") == "connect to db.example.org:58318"
    assert tidy("mail ana,silva@example,com") == "mail ana.silva@example.com"
    assert tidy("print(a,b) and 1,234 items, then more") == "print(a,b) and 1,234 items, then more"


def test_no_space_inside_a_number_however_wide_the_gap() -> None:
    # A wide gap between every two characters: all part, but not at a number's separators.
    text = "ab6:45c2.94d1,5"
    positions = [20.0 * i for i in range(len(text))]
    gaps = InkGaps(tuple((20 * i + 5, 20 * i + 15) for i in range(len(text) - 1)), 20, 1.0)
    assert respace(text, positions, gaps) == "a b 6:4 5 c 2.9 4 d 1,5"


# --- the real OCR on small frames --------------------------------------------------------


@pytest.fixture(scope="module")
def reader() -> ScreenReader:
    pytest.importorskip("rapidocr_onnxruntime")
    reader = ScreenReader()
    reader.load()
    return reader


def frame(lines: list[tuple[str, tuple[int, int]]], size: tuple[int, int] = (640, 360)) -> Image.Image:
    image = screen(size=size)
    draw = ImageDraw.Draw(image)
    for text, xy in lines:
        draw.text(xy, text, fill="black", font=font(22))
    return image


def test_reads_text_in_reading_order(reader: ScreenReader) -> None:
    image = frame([("Second line here", (40, 160)), ("First line here", (40, 60))])
    listing = reader.describe(image, None)
    assert "First line here" in listing and "Second line here" in listing
    assert listing.index("First line here") < listing.index("Second line here")


def test_new_text_since_the_previous_frame_is_named(reader: ScreenReader) -> None:
    before = frame([("Build started", (40, 80))])
    after = frame([("Build started", (40, 80)), ("Build failed", (40, 280))])
    # The previous frame never read: the text where the screen changed.
    text = ScreenReader().describe(after, before)
    assert 'New text: "Build failed"' in text
    assert "Build started" not in text.split("New text:")[1].split(".")[0]
    # The previous frame read: only the changed band is read again, and the rest is kept.
    fresh = ScreenReader()
    fresh.describe(before, None)
    text = fresh.describe(after, before)
    assert 'New text: "Build failed"' in text and "Build started" in text
    assert "Nothing changed since the last frame" in reader.describe(after, after.copy())


def test_reading_only_the_changed_bands_matches_reading_the_whole_frame(reader: ScreenReader) -> None:
    base = [("Inbox (3 unread)", (40, 40)), ("Meeting at 10:30", (40, 120)), ("Lunch with Ana", (360, 200))]
    before = frame(base)
    after = frame([*base, ("Your build passed", (40, 300))])
    incremental = ScreenReader()
    incremental.describe(before, None)
    assert incremental.describe(after, before) == ScreenReader().describe(after, before)


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        (Image.new("RGB", (1, 1), "white"), "too small"),
        (Image.new("L", (4, 300), 0), "too small"),
        (Image.new("RGB", (20000, 12), "white"), "too narrow"),
        (Image.new("RGB", (640, 360), "black"), "No text can be read"),
        (Image.new("RGBA", (300, 200), (0, 0, 0, 0)), "No text can be read"),
        (Image.new("P", (300, 200), 3), "No text can be read"),
    ],
)
def test_bad_images_get_a_plain_answer(reader: ScreenReader, image: Image.Image, expected: str) -> None:
    text = reader.describe(image, None)
    assert expected in text and len(text) <= MAX_DESCRIPTION_CHARS


def test_a_long_thin_strip_with_text_is_still_read(reader: ScreenReader) -> None:
    image = frame([("Status: all systems normal", (10, 8))], size=(2400, 44))
    assert "all systems normal" in reader.describe(image, None)


def test_a_huge_frame_is_scaled_down_and_still_described(reader: ScreenReader) -> None:
    image = screen(size=(4000, 3000))
    ImageDraw.Draw(image).text((200, 200), "Quarterly report", fill="black", font=font(120))
    text = reader.describe(image, screen(size=(800, 600)))
    assert "Quarterly report" in text and "4000x3000" in text and "size differs" in text


def test_threads_share_the_reader_safely(reader: ScreenReader) -> None:
    images = [frame([(f"Window number {n}", (40, 40 + 20 * n))]) for n in range(4)]
    expected = [reader.describe(image, None) for image in images]
    reader._cache.clear()
    results: dict[int, str] = {}

    def run(index: int) -> None:
        results[index] = reader.describe(images[index], None)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[n] for n in range(4)] == expected


def test_a_changed_model_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    wrong = {name: "0" * 64 for name in sr.RAPIDOCR_MODELS}
    monkeypatch.setattr(sr, "RAPIDOCR_MODELS", wrong)
    monkeypatch.setattr(sr, "_ENGINE", None)
    with pytest.raises(ConfigError, match="refusing to load"):
        ScreenReader().load()


def test_both_describers_name_places_one_way() -> None:
    from openlive.engines.image_summary import located, region

    assert region(0.1, 0.1) == "the top left" and located(region(0.1, 0.1)) == "at the top left"
    assert region(0.5, 0.5) == "the centre" and located("the centre") == "in the centre"
    assert region(0.9, 0.5) == "the right" and located("the right") == "on the right"
    assert region(0.5, 0.9) == "the bottom" and located("the bottom") == "at the bottom"
    # The screen reader's place is the same region, but for the strip of title bars and menus.
    assert place(100, 600, 200, 640, 1280, 720) == region(150 / 1280, 620 / 720)
