"""The embedded default's eyes: a frame described in words, from what can be read reliably.

A tiny text-only language model cannot see. What it can be told reliably about a screen
frame is the text on it (PP-OCRv4 detection and recognition, the ONNX models that
``rapidocr-onnxruntime`` ships, SHA-256 checked before they load), where that text is
(blocks of lines, named by their place on the screen), what changed since the previous
frame (regions that differ, lines that are new) and the dominant colours, named. That is
all it is told: objects, faces, scenes, pictures and handwriting are not recognised, and
the description says only what was measured.

The description is short, plainly worded and bounded (``MAX_DESCRIPTION_CHARS``), with
the text quoted exactly as it was read, in reading order (blocks top to bottom, lines
top to bottom, left to right).
"""

from __future__ import annotations

import colorsys
import hashlib
import logging
import re
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from openlive.engines.assets import verify_package_models
from openlive.engines.embedded import INSTALL_EMBEDDED
from openlive.engines.image_summary import located, region
from openlive.errors import ConfigError, EngineError
from openlive.priority import PRIORITY

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

RAPIDOCR_PACKAGE = "rapidocr_onnxruntime"
# The model files of rapidocr-onnxruntime 1.4.4 and their SHA-256: PP-OCRv4 text
# detection and recognition, and the orientation classifier its constructor loads
# (never run: screen text is upright). Any other file is refused.
RAPIDOCR_MODELS: Mapping[str, str] = {
    "models/ch_PP-OCRv4_det_infer.onnx": "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    "models/ch_PP-OCRv4_rec_infer.onnx": "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
    "models/ch_ppocr_mobile_v2.0_cls_infer.onnx": (
        "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"
    ),
}

# onnxruntime threads per OCR run. The machine's other core is the voice's.
OCR_THREADS = 1
# Text detection runs on the frame scaled so its longer side is at most this (never
# scaled up): 1280x720 is read at 960x540, where 12 px UI text is still found. rapidocr's
# default scales the shorter side up to 736 (1312x736), whatever the frame's size:
# measured 0.8 of its time at 1280x720 and 0.35 at 512x288 (describe, loaded machine).
DETECTION_SIDE = 960
# Larger frames are scaled down first, so a frame's cost is bounded whatever is sent.
MAX_SIDE = 1920
# Smaller than this on a side, there is nothing to read.
MIN_SIDE = 8
# A recognised line below this confidence is left out rather than quoted wrongly.
MIN_TEXT_SCORE = 0.5
MAX_DESCRIPTION_CHARS = 1600
# A longer line (a paragraph read as one line) is cut: one line must not take the room
# of all the others.
MAX_LINE_CHARS = 240
# Frames whose OCR is remembered (by content digest), so the previous frame is not read
# twice and an unchanged screen costs a digest, not an OCR run.
CACHE_FRAMES = 8

# When less than this share of a frame changed and the previous frame's text is known,
# only bands around the changes are read again (typing in a chat costs a strip, not a
# frame).
INCREMENTAL_SHARE = 0.35
# Change detection: both frames as grey thumbnails; a cell differs when its mean
# brightness moves by more than this (of 255), which JPEG noise does not reach.
CHANGE_GRID = (64, 36)
CHANGE_THRESHOLD = 14.0
COLOUR_GRID = (48, 27)
# The strip along the top (a share of the height) where title bars, tabs and menus are:
# described last, after the window's content.
TOP_BAR = 0.09
# Text at least this share of the largest text's height counts as large.
LARGE_TEXT = 0.85
# The largest text is a headline, where the main text starts, when it is this many
# times the size of the typical line; text of about one size is read from its top.
HEADLINE = 1.35
# A line with fewer letters and digits than this is not measured for the main text.
WORDLIKE = 4
# The main text, read from its first line, is at most about this long.
MAIN_TEXT_CHARS = 280
# A colour is named when it covers at least this share of the frame.
COLOUR_SHARE = 0.06


@dataclass(frozen=True)
class TextLine:
    """One line of text read on the frame, in the frame's pixels.

    Attributes:
        text: The text as recognised.
        left: Left edge.
        top: Top edge.
        right: Right edge.
        bottom: Bottom edge.
        score: The recogniser's confidence, 0 to 1.
        ink: The height of the body of its letters (:func:`text_size`; 0: not measured).
            The detector pads its boxes by about the same few pixels whatever the
            font's size, so the ink tells large text from small better than the box.
    """

    text: str
    left: float
    top: float
    right: float
    bottom: float
    score: float
    ink: float = 0.0

    @property
    def height(self) -> float:
        """Height of the line's box."""
        return max(1.0, self.bottom - self.top)

    @property
    def size(self) -> float:
        """How large the text is: its ink's height where measured, else its box's."""
        return self.ink if self.ink > 0 else self.height


@dataclass(frozen=True)
class TextBlock:
    """Lines that belong together (a paragraph, a menu, a column), in reading order."""

    lines: tuple[TextLine, ...]

    @property
    def left(self) -> float:
        """Left edge."""
        return min(line.left for line in self.lines)

    @property
    def top(self) -> float:
        """Top edge."""
        return min(line.top for line in self.lines)

    @property
    def right(self) -> float:
        """Right edge."""
        return max(line.right for line in self.lines)

    @property
    def bottom(self) -> float:
        """Bottom edge."""
        return max(line.bottom for line in self.lines)


# Word spacing: the recogniser (trained mostly on Chinese) often drops the spaces between
# Latin words. A space is put back where the line's crop has a gap without ink between
# two characters that is wide for this line: at least WORD_GAP of the ink's height (a
# word space is about 0.3 em in ordinary UI fonts, the gap inside a word well under
# 0.15 em) and TYPICAL_GAPS times its typical gap (monospaced fonts leave wide gaps
# inside words too). A narrower gap (SOFT_GAP of that) also counts where the recogniser
# read the two characters unusually far apart (PITCH times the line's typical distance),
# the two clues agreeing. Punctuation and the digit 1 have wide side bearings: a gap
# beside them must be NARROW_GAP times wider.
WORD_GAP = 0.3
TYPICAL_GAPS = 2.5
SOFT_GAP = 0.75
PITCH = 1.5
NARROW = frozenset(".:@/,;-_1!|'")
NARROW_GAP = 1.3
# The recogniser's own clue: between two characters it read, the output columns where
# it saw neither give the space class some probability even where blank wins. Where
# that probability reaches SPACE_ODDS, a space is put back whatever the ink says
# (overhanging letters, "rf", "y2", close up the columns without ink between words).
# Measured on the frames of tests/e2e (boundaries labelled by the drawn text): 0.1 or
# more at 80-90 % of the spaces the recogniser dropped and at 0.03-0.2 % of the other
# boundaries; with the ink, 94-99 % of them come back. Beside a character that joins
# the parts of a name, an address, a path or a time, the clue is mostly the
# recogniser's doubt about the joiner: only the ink counts there.
SPACE_ODDS = 0.1
JOINERS = frozenset("_@/\\.:")


@dataclass(frozen=True)
class InkGaps:
    """The columns without ink inside a line's crop.

    Attributes:
        runs: ``(start, end)`` column ranges without ink, end exclusive, between the
            first and the last inked column.
        ink_height: Rows from the highest to the lowest ink.
        typical: The median width of the runs.
    """

    runs: tuple[tuple[int, int], ...]
    ink_height: int
    typical: float

    @property
    def word_gap(self) -> float:
        """The narrowest run that parts two words on this line."""
        return max(2.0, WORD_GAP * self.ink_height, TYPICAL_GAPS * self.typical)


def ink_gaps(crop: np.ndarray[Any, Any]) -> InkGaps | None:
    """The gaps between inked columns of a line's crop (``None``: no clear ink).

    Ink is whatever stands out from the crop's border colour by more than half the
    crop's contrast, so light text on dark and dark text on light read alike.

    Args:
        crop: The line's pixels, height x width (x channels).
    """
    grey = crop.astype(np.float32)
    if grey.ndim == 3:
        grey = grey.mean(axis=2)
    if grey.ndim != 2 or grey.shape[0] < 4 or grey.shape[1] < 4:
        return None
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    distance = np.abs(grey - float(np.median(border)))
    contrast = float(np.percentile(distance, 99))
    if contrast < 30:
        return None
    ink = distance > contrast / 2
    rows = np.nonzero(ink.any(axis=1))[0]
    columns = ink.any(axis=0)
    inked = np.nonzero(columns)[0]
    if len(rows) == 0 or len(inked) == 0:
        return None
    # Runs of empty columns: where the inked/empty state flips.
    span = columns[int(inked[0]) : int(inked[-1]) + 1].astype(np.int8)
    flips = np.diff(span)
    starts = np.nonzero(flips == -1)[0] + 1 + int(inked[0])
    ends = np.nonzero(flips == 1)[0] + 1 + int(inked[0])
    runs = tuple((int(a), int(b)) for a, b in zip(starts, ends, strict=True))
    typical = float(np.median([b - a for a, b in runs])) if runs else 1.0
    return InkGaps(runs, int(rows[-1] - rows[0] + 1), typical)


def text_size(crop: np.ndarray[Any, Any]) -> float:
    """How tall a line's letters are, in pixels (0: no clear ink).

    The median, over the crop's inked columns, of each column's ink extent: the
    x-height of lower-case text (most letters have neither ascender nor descender), the
    cap height of capitals and digits, whatever few brackets, descenders or accents the
    line holds. The detector's boxes carry about the same
    padding at every font size, so their heights tell large text from small poorly.
    """
    grey = crop.astype(np.float32)
    if grey.ndim == 3:
        grey = grey.mean(axis=2)
    if grey.ndim != 2 or grey.shape[0] < 4 or grey.shape[1] < 4:
        return 0.0
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    distance = np.abs(grey - float(np.median(border)))
    contrast = float(np.percentile(distance, 99))
    if contrast < 30:
        return 0.0
    ink = distance > contrast / 2
    inked = ink.any(axis=0)
    if not inked.any():
        return 0.0
    columns = ink[:, inked]
    rows = ink.shape[0]
    first = columns.argmax(axis=0)
    last = rows - 1 - columns[::-1].argmax(axis=0)
    return float(np.median(last - first + 1))


def respace(
    text: str,
    positions: Sequence[float],
    gaps: InkGaps | None,
    odds: Sequence[float] | None = None,
) -> str:
    """``text`` with a space wherever a word gap falls between two characters.

    Args:
        text: The recognised characters.
        positions: Each character's position along the crop, in the crop's pixels.
        gaps: The crop's gaps (:func:`ink_gaps`).
        odds: For each boundary between two neighbouring characters, the recogniser's
            probability of a space there (:func:`space_odds`); ignored unless there is
            one per boundary.
    """
    if len(text) < 2:
        return text
    if odds is not None and len(odds) != len(text) - 1:
        odds = None
    inked = gaps is not None and bool(gaps.runs) and len(positions) == len(text)
    if not inked and odds is None:
        return text
    widest = np.zeros(len(text))  # widest gap at the boundary before text[index]
    pitches = np.ones(len(text) - 1)
    typical_pitch = 1.0
    if inked and gaps is not None:
        pitches = np.diff(np.asarray(positions, dtype=np.float64))
        typical_pitch = float(np.median(pitches))
        # Each gap goes to the character boundary nearest its centre: the recogniser
        # reads a character at a column near its middle, not always exactly there, so a
        # gap may lie just beside the two characters' columns rather than between them.
        boundaries = (np.asarray(positions[:-1], dtype=np.float64) + np.asarray(positions[1:])) / 2
        nearest = [(int(np.argmin(np.abs(boundaries - (a + b) / 2))) + 1, b - a) for a, b in gaps.runs]
        taken = {index for index, _ in nearest}
        for index, width in nearest:
            if odds is not None and odds[index - 1] < SPACE_ODDS:
                # One boundary off, where the recogniser saw a space and no gap of its
                # own: the gap is that space ("3:05f rom" is "3:05 from").
                beside = [
                    i
                    for i in (index - 1, index + 1)
                    if 1 <= i < len(text) and odds[i - 1] >= SPACE_ODDS and i not in taken
                ]
                if len(beside) == 1:
                    index = beside[0]
            widest[index] = max(widest[index], width)
    out = [text[0]]
    for index in range(1, len(text)):
        pair = text[index - 1 : index + 1]
        split = False
        if inked and gaps is not None:
            least = gaps.word_gap
            if pair[0] in NARROW or pair[1] in NARROW:
                least *= NARROW_GAP
            apart = pitches[index - 1] >= PITCH * typical_pitch
            split = widest[index] >= least or (apart and widest[index] >= SOFT_GAP * least)
        if odds is not None and not split and not (JOINERS & set(pair)):
            split = odds[index - 1] >= SPACE_ODDS
        if split and " " not in pair and not _inside_number(text, index):
            out.append(" ")
        out.append(text[index])
    return "".join(out)


def space_odds(space: np.ndarray[Any, Any], columns: Sequence[int]) -> list[float] | None:
    """The recogniser's probability of a space between each two neighbouring characters.

    Args:
        space: The space class's probability at each output column of the recogniser.
        columns: The output column each character was read at, in order.

    Returns:
        One value per boundary: the highest probability of a space at the columns
        strictly between the two characters' (0 where they are neighbours), or ``None``
        when the columns do not fit the probabilities (not increasing, out of range).
    """
    probabilities = np.asarray(space, dtype=np.float64)
    if probabilities.ndim != 1 or not columns:
        return None
    if columns[0] < 0 or columns[-1] >= len(probabilities):
        return None
    if any(b <= a for a, b in zip(columns, columns[1:], strict=False)):
        return None
    probabilities = np.nan_to_num(probabilities, nan=0.0, posinf=0.0, neginf=0.0)
    return [
        float(probabilities[a + 1 : b].max()) if b > a + 1 else 0.0
        for a, b in zip(columns, columns[1:], strict=False)
    ]


def _inside_number(text: str, index: int) -> bool:
    """Whether the boundary before ``text[index]`` is beside a separator inside a number.

    Times, decimals and thousands ("6:45", "2.94", "1,234") never part at their
    separator, however wide the separator's side bearings leave the gap.
    """

    def separator_between_digits(at: int) -> bool:
        return (
            0 < at < len(text) - 1 and text[at] in ".:," and text[at - 1].isdigit() and text[at + 1].isdigit()
        )

    return separator_between_digits(index - 1) or separator_between_digits(index)


_O_IN_NUMBER = re.compile(r"(?<=\d)[oO](?=\d)")
_ZERO_IN_WORD = re.compile(r"(?<![\w.])0(?=[a-z]{2,}\b)")


def tidy(text: str) -> str:
    """Recognised text in plain characters.

    Full-width forms (the Chinese recogniser's brackets and colons) become their ASCII
    twins, a zero that starts a word of lower-case letters, a common misreading of a
    capital O ("0rder"), becomes the letter, a letter o between two digits ("36o77")
    becomes a zero, and a comma read for the dot of an address becomes the dot.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_IN_WORD.sub("O", text)
    text = _O_IN_NUMBER.sub("0", text)
    return " ".join(_address_dots(word) for word in text.split())


_ADDRESS = re.compile(r"@|\.[a-z]{2,}\b")
_COMMA_BETWEEN_LETTERS = re.compile(r"(?<=[a-z]),(?=[a-z])")


def _address_dots(word: str) -> str:
    """A comma between two letters of an address or host name, read for its dot.

    In prose a comma is followed by a space; inside a word that is an e-mail address or
    a host name ("db,example.org") it is the recogniser's misreading of a dot.
    """
    if "," in word and _ADDRESS.search(word):
        return _COMMA_BETWEEN_LETTERS.sub(".", word)
    return word


def dark_on_light(crop: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A line's crop as grey, dark text on a light ground, its contrast stretched.

    The recogniser reads light text on coloured or dark grounds (chat bubbles, dark
    themes) worse than dark text on light; the ground is the crop's border colour.
    A crop with almost no contrast is left as it is.
    """
    grey = crop.astype(np.float32)
    if grey.ndim == 3:
        grey = grey.mean(axis=2)
    if grey.ndim != 2 or grey.size == 0:
        return crop
    low, high = float(np.percentile(grey, 1)), float(np.percentile(grey, 99))
    if high - low < 20:
        return crop
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    stretched = (grey - low) * (255 / (high - low))
    if float(np.median(border)) < (low + high) / 2:
        stretched = 255 - stretched
    plain = np.clip(stretched, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(plain[:, :, None], 3, axis=2))


class _SpaceClue:
    """Wraps rapidocr's CTC decoder: each result with word boxes also carries the space's odds.

    rapidocr reports, with ``return_word_box``, each character's output column but not
    the probabilities behind it; this appends the space class's probability at every
    output column (:func:`space_odds` reads it) to each result's word-box list.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        characters = list(getattr(inner, "character", ()))
        self.space = characters.index(" ") if " " in characters else None

    def __call__(self, preds: Any, return_word_box: bool = False, **kwargs: Any) -> Any:
        results = self.inner(preds, return_word_box, **kwargs)
        if not return_word_box or self.space is None or getattr(preds, "ndim", 0) != 3:
            return results
        for index, result in enumerate(results):
            # Only where rapidocr's word-box list is as expected (its five fields): a
            # missing clue costs spaces, never the line.
            if index < len(preds) and len(result) > 2 and isinstance(result[2], list) and len(result[2]) == 5:
                result[2].append(np.asarray(preds[index, :, self.space], dtype=np.float32))
        return results

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _SpacingRecognizer:
    """Wraps rapidocr's recogniser: crops made dark on light, and spaces between words restored.

    The recogniser reports, for each character, the output column it was read at; the
    columns scale to the crop's width, and the crop's ink gaps say where words part, as
    does the recogniser's own probability of a space between two characters
    (:class:`_SpaceClue`).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, crops: Any, return_word_box: bool = False) -> tuple[list[tuple[str, float]], float]:
        if isinstance(crops, np.ndarray):
            crops = [crops]
        results, elapsed = self.inner([dark_on_light(crop) for crop in crops], True)
        out = []
        for crop, result in zip(crops, results, strict=True):
            text, score = str(result[0]), float(result[1])
            out.append((self._spaced(crop, text, result[2] if len(result) > 2 else None), score))
        return out, elapsed

    @staticmethod
    def _spaced(crop: np.ndarray[Any, Any], text: str, info: Any) -> str:
        try:
            steps = float(info[0])
            columns = [int(column) for word in info[2] for column in word]
        except (TypeError, ValueError, IndexError):
            return text
        if not text or steps <= 0 or len(columns) != len(text):
            return text
        odds = None
        if len(info) > 5:
            try:
                odds = space_odds(info[5], columns)
            except (TypeError, ValueError):
                odds = None
        width = crop.shape[1]
        positions = [(column + 0.5) / steps * width for column in columns]
        return respace(text, positions, ink_gaps(crop), odds)


class _Checkpointed:
    """An ONNX session of rapidocr's whose every run starts at :meth:`Priority.checkpoint`."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any) -> Any:
        PRIORITY.checkpoint()
        return self.inner(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# ---------------------------------------------------------------------------------------
# OCR: one engine per process, loaded on first use, runs one frame at a time.

_ENGINE_LOCK = threading.Lock()
_ENGINE: Any = None


def _engine() -> Any:
    """The RapidOCR engine, loaded (once) after its model files' SHA-256 are checked.

    Raises:
        ConfigError: rapidocr-onnxruntime is missing or its models are not the pinned ones.
    """
    global _ENGINE
    if _ENGINE is None:
        verify_package_models(RAPIDOCR_PACKAGE, RAPIDOCR_MODELS)
        try:
            from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ConfigError(f"rapidocr-onnxruntime cannot be imported ({exc}); {INSTALL_EMBEDDED}") from exc
        # rapidocr logs each call at INFO on its own handler.
        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        engine = RapidOCR(
            intra_op_num_threads=OCR_THREADS,
            inter_op_num_threads=1,
            text_score=MIN_TEXT_SCORE,
            det_limit_type="max",
            det_limit_side_len=DETECTION_SIDE,
        )
        # Each model run is a step that a reading ahead of its turn pauses before while
        # a reply's urgent work runs (a frame's reading takes up to a second).
        engine.text_det.infer = _Checkpointed(engine.text_det.infer)
        engine.text_rec.session = _Checkpointed(engine.text_rec.session)
        engine.text_rec.postprocess_op = _SpaceClue(engine.text_rec.postprocess_op)
        engine.text_rec = _SpacingRecognizer(engine.text_rec)
        _ENGINE = engine
    return _ENGINE


def read_text(image: Image.Image) -> list[TextLine]:
    """The text boxes on an RGB image, in no particular order.

    The caller holds ``_ENGINE_LOCK``: the engine keeps per-call state.

    Raises:
        EngineError: The OCR run failed.
    """
    rgb = np.asarray(image.convert("RGB"))
    pixels = rgb[:, :, ::-1]  # OpenCV's BGR order
    try:
        result, _ = _engine()(np.ascontiguousarray(pixels), use_cls=False)
    except ConfigError:
        raise
    except Exception as exc:
        raise EngineError(f"reading the frame's text failed: {exc}") from exc
    lines = []
    for box, text, score in result or ():
        text = tidy(str(text))
        if not text or float(score) < MIN_TEXT_SCORE:
            continue
        xs = [float(point[0]) for point in box]
        ys = [float(point[1]) for point in box]
        left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        crop = rgb[max(0, int(top)) : int(np.ceil(bottom)), max(0, int(left)) : int(np.ceil(right))]
        ink = text_size(crop)
        lines.append(TextLine(text, left, top, right, bottom, float(score), ink))
    return lines


# ---------------------------------------------------------------------------------------
# Layout: boxes into lines and blocks, in reading order.


def _same_row(a: TextLine, b: TextLine) -> bool:
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap > 0.5 * min(a.height, b.height)


def _together(a: TextLine, b: TextLine) -> bool:
    """Whether two boxes belong to one block: neighbours on a row, or stacked lines."""
    height = min(a.height, b.height)
    if _same_row(a, b):
        gap = max(a.left, b.left) - min(a.right, b.right)
        return gap < 2.5 * height
    vertical_gap = max(a.top, b.top) - min(a.bottom, b.bottom)
    horizontal_overlap = min(a.right, b.right) - max(a.left, b.left)
    aligned = abs(a.left - b.left) < 2 * height or horizontal_overlap > 0
    similar = max(a.height, b.height) < 1.8 * height
    return vertical_gap < 1.2 * height and aligned and similar


def _rows(lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Lines grouped into rows, top to bottom, each left to right."""
    rows: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda item: (item.top + item.bottom) / 2):
        for row in rows:
            if _same_row(row[-1], line):
                row.append(line)
                break
        else:
            rows.append([line])
    for row in rows:
        row.sort(key=lambda item: item.left)
    rows.sort(key=lambda row: min(item.top for item in row))
    return rows


def _merge(row: Sequence[TextLine]) -> TextLine:
    """The boxes of one row of a block as one line, left to right."""
    if len(row) == 1:
        return row[0]
    return TextLine(
        " ".join(line.text for line in row),
        min(line.left for line in row),
        min(line.top for line in row),
        max(line.right for line in row),
        max(line.bottom for line in row),
        min(line.score for line in row),
        max(line.ink for line in row),
    )


def layout(lines: Sequence[TextLine]) -> list[TextBlock]:
    """Text boxes grouped into blocks, in reading order.

    Boxes on one row close together, or lines stacked one under the other, form a
    block; blocks are ordered by their top edge (within half a line, left first), and
    each block's lines top to bottom, left to right.
    """
    parent = list(range(len(lines)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for i, a in enumerate(lines):
        for j in range(i + 1, len(lines)):
            if _together(a, lines[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[TextLine]] = {}
    for index, line in enumerate(lines):
        groups.setdefault(find(index), []).append(line)
    blocks = []
    for members in groups.values():
        blocks.append(TextBlock(tuple(_merge(row) for row in _rows(members))))
    if not blocks:
        return []
    unit = float(np.median([line.height for line in lines]))
    blocks.sort(key=lambda block: (round(block.top / max(unit, 1.0) / 2), block.left))
    return blocks


def in_top_bar(top: float, bottom: float, height: int) -> bool:
    """Whether a box is in the strip along the top that holds title bars, tabs and menus."""
    return (top + bottom) / 2 < TOP_BAR * height


def place(left: float, top: float, right: float, bottom: float, width: int, height: int) -> str:
    """Where a box is on the screen, in words: "the top bar", else its :func:`region`."""
    if in_top_bar(top, bottom, height):
        return "the top bar"
    return region((left + right) / 2 / width, (top + bottom) / 2 / height)


def main_line(lines: Sequence[TextLine], width: int, height: int) -> TextLine | None:
    """The line a person notices first: the largest text below the top bar.

    Of lines nearly as large as the largest, the one nearest the centre of the screen.
    A line of fewer than ``WORDLIKE`` letters and digits (a prompt's "$", an icon read
    as a letter) is not measured against the others: its size says little.
    """
    below = [line for line in lines if not in_top_bar(line.top, line.bottom, height)]
    candidates = [line for line in below if sum(c.isalnum() for c in line.text) >= WORDLIKE] or below
    if not candidates:
        return None
    tallest = max(line.size for line in candidates)
    large = [line for line in candidates if line.size >= LARGE_TEXT * tallest]

    def off_centre(line: TextLine) -> float:
        dx = (line.left + line.right) / 2 / width - 0.5
        dy = (line.top + line.bottom) / 2 / height - 0.5
        return dx * dx + dy * dy

    return min(large, key=off_centre)


# ---------------------------------------------------------------------------------------
# Colours and change: computed on small thumbnails.


def colour_name(red: float, green: float, blue: float) -> str:
    """A plain name for an RGB colour (components 0 to 255)."""
    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    if value < 0.13:
        return "black"
    if saturation < 0.18 or (value < 0.3 and saturation < 0.35):
        if value < 0.35:
            return "dark grey"
        if value < 0.68:
            return "grey"
        if value < 0.9:
            return "light grey"
        return "white"
    degrees = hue * 360
    if degrees < 15 or degrees >= 345:
        name = "red"
    elif degrees < 40:
        name = "brown" if value < 0.6 else "orange"
    elif degrees < 68:
        name = "yellow"
    elif degrees < 165:
        name = "green"
    elif degrees < 195:
        name = "teal"
    elif degrees < 255:
        name = "blue"
    elif degrees < 290:
        name = "purple"
    else:
        name = "pink"
    if value < 0.4 and name not in ("brown",):
        return f"dark {name}"
    return name


def dominant_colours(image: Image.Image) -> list[tuple[str, float]]:
    """Named colours covering at least ``COLOUR_SHARE`` of the frame, largest first."""
    from PIL import Image as PILImage

    thumb = np.asarray(image.convert("RGB").resize(COLOUR_GRID, PILImage.Resampling.BOX), dtype=np.float64)
    names = Counter(colour_name(*pixel) for pixel in thumb.reshape(-1, 3))
    total = sum(names.values())
    return [(name, count / total) for name, count in names.most_common() if count / total >= COLOUR_SHARE]


@dataclass(frozen=True)
class Change:
    """What differs between two frames.

    Attributes:
        fraction: Share of the frame that changed, 0 to 1.
        places: Where the changes are, largest first.
        resized: The two frames differ in size (everything counts as changed).
    """

    fraction: float
    places: tuple[str, ...]
    resized: bool = False


def _grey_thumb(image: Image.Image) -> np.ndarray[Any, np.dtype[np.float32]]:
    from PIL import Image as PILImage

    thumb = image.convert("L").resize(CHANGE_GRID, PILImage.Resampling.BOX)
    return np.asarray(thumb, dtype=np.float32)


def changed_cells(image: Image.Image, previous: Image.Image) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
    """The thumbnail cells (rows x columns of ``CHANGE_GRID``) that differ; ``None`` if the sizes differ."""
    if image.size != previous.size:
        return None
    return np.abs(_grey_thumb(image) - _grey_thumb(previous)) > CHANGE_THRESHOLD


def change(image: Image.Image, previous: Image.Image) -> Change:
    """Which parts of ``image`` differ from ``previous`` (thumbnail cells, named by place)."""
    return _change_of(changed_cells(image, previous))


def _change_of(cells: np.ndarray[Any, np.dtype[np.bool_]] | None) -> Change:
    if cells is None:
        return Change(1.0, (), resized=True)
    if not cells.any():
        return Change(0.0, ())
    cols, rows = CHANGE_GRID
    counts: Counter[str] = Counter()
    for y, x in zip(*np.nonzero(cells), strict=True):
        counts[place(x, y, x + 1, y + 1, cols, rows)] += 1
    return Change(float(cells.mean()), tuple(name for name, _ in counts.most_common(3)))


def changed_bands(
    cells: np.ndarray[Any, np.dtype[np.bool_]], size: tuple[int, int], lines: Sequence[TextLine]
) -> list[tuple[int, int]]:
    """Horizontal bands of the frame (top, bottom) to read again after a change.

    Each band spans the frame's width (a line of text is never cut at its side), holds
    the changed rows of cells with one cell's margin, and grows to hold whole any line
    of the previous frame it touches (that line may have changed).
    """
    width, height = size
    cell = height / cells.shape[0]
    bands: list[list[float]] = []
    for row in np.nonzero(cells.any(axis=1))[0]:
        top, bottom = (row - 1) * cell, (row + 2) * cell
        if bands and top <= bands[-1][1]:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    grown = True
    while grown:
        grown = False
        for band in bands:
            for line in lines:
                if (
                    line.bottom > band[0]
                    and line.top < band[1]
                    and (line.top < band[0] or line.bottom > band[1])
                ):
                    band[0], band[1] = min(band[0], line.top - 2), max(band[1], line.bottom + 2)
                    grown = True
        bands.sort()
        merged: list[list[float]] = []
        for band in bands:
            if merged and band[0] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], band[1])
            else:
                merged.append(band)
        bands = merged
    return [(max(0, int(top)), min(height, int(np.ceil(bottom)))) for top, bottom in bands]


# ---------------------------------------------------------------------------------------
# The description.


def _quote(text: str, cut: bool = True) -> str:
    """The text in double quotes (its own double quotes as single), cut at ``MAX_LINE_CHARS``."""
    return '"' + (_cut(text) if cut else text).replace('"', "'") + '"'


def main_text(blocks: Sequence[TextBlock], width: int, height: int) -> list[TextLine]:
    """The lines a person reads first, in the order they read them.

    From the most prominent line below the top bar (:func:`main_line`) on, in reading
    order, up to ``MAIN_TEXT_CHARS``: a dialog's heading and message, a page's headline
    and first lines. Where no line stands out by size (``HEADLINE`` times the typical
    line: a terminal, an editor, a page of one size) the text is read from its top.
    """
    content = [
        line for block in blocks if not in_top_bar(block.top, block.bottom, height) for line in block.lines
    ]
    if not content:
        return []
    main = main_line(content, width, height)
    typical = float(np.median([line.size for line in content]))
    start = 0
    if main is not None and main.size >= HEADLINE * typical:
        start = next(index for index, line in enumerate(content) if line is main)
    chosen: list[TextLine] = []
    used = 0
    for line in content[start:]:
        if chosen and used + len(line.text) > MAIN_TEXT_CHARS:
            break
        chosen.append(line)
        used += len(line.text) + 2
    return chosen


def _headline_first(main: Sequence[TextLine], blocks: Sequence[TextBlock], height: int) -> bool:
    """Whether the main text (:func:`main_text`) starts at a line that stands out by size."""
    content = [
        line for block in blocks if not in_top_bar(block.top, block.bottom, height) for line in block.lines
    ]
    return bool(main and content) and main[0].size >= HEADLINE * float(
        np.median([line.size for line in content])
    )


def _sentences(lines: Sequence[TextLine]) -> str:
    """Lines as one quotable text: a line that ends without punctuation gets a full stop.

    A small model copies one quoted text more reliably than a list of quotes, and a
    speech synthesiser pauses at the stops between a heading and its message.
    """
    texts = [_cut(line.text) for line in lines]
    return " ".join(
        text if index == len(texts) - 1 or text[-1:] in ".!?:;," else text + "."
        for index, text in enumerate(texts)
    )


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 3].rstrip() + "..."


def compose(
    size: tuple[int, int],
    blocks: Sequence[TextBlock],
    colours: Sequence[tuple[str, float]],
    changed: Change | None,
    new_text: Sequence[str],
    limit: int = MAX_DESCRIPTION_CHARS,
) -> str:
    """The frame's description in plain words, at most ``limit`` characters.

    Its first line is a summary that stands on its own (a prompt may keep only that of
    an older frame): the main text (:func:`main_text`) as one quote, first (the text a
    small model should copy when asked what the screen says), then the frame's size and
    colours. Then the window's title (the top bar's text centred on the screen), the
    rest of the top bar (tabs, menus), what changed, and the rest of the text, block by block in reading
    order with each block's place. When it does not fit, the lines of the smallest
    other text are left out first, and the description says how many were.
    """
    width, height = size
    colour_words = " and ".join(name for name, _ in colours[:3]) or "mixed colours"
    picture = f"a {width}x{height} screen image, mostly {colour_words}"
    main = main_text(blocks, width, height)
    if main:
        quoted = _quote(_sentences(main), cut=False)
        # Said when it starts at a headline: asked for "the headline", a small model
        # otherwise quotes the window's title.
        label = "main text, from its headline" if _headline_first(main, blocks, height) else "main text"
        summary = f"The screen's {label}: {quoted}. ({picture[0].upper()}{picture[1:]}.)"
    elif any(block.lines for block in blocks):
        summary = f"{picture[0].upper()}{picture[1:]}."
    else:
        summary = f"{picture[0].upper()}{picture[1:]}. No text can be read on it."
    head = [summary]
    bars = sorted(
        (block for block in blocks if in_top_bar(block.top, block.bottom, height)),
        key=lambda block: abs((block.left + block.right) / 2 - width / 2),
    )
    if bars and abs((bars[0].left + bars[0].right) / 2 / width - 0.5) < 1 / 6:
        # Centred in the top bar: the window's title.
        head.append(f"Window title: {_quote(_sentences(bars[0].lines))}.")
        bars = bars[1:]
    if bars:
        quoted = " ".join(_quote(_sentences(block.lines)) for block in bars)
        head.append(f"Top bar (tabs, menus): {quoted}.")
    if changed is not None:
        if changed.resized:
            head.append("It is a new picture: its size differs from the last frame.")
        elif changed.fraction == 0:
            head.append("Nothing changed since the last frame.")
        else:
            percent = max(1, round(100 * changed.fraction))
            head.append(
                f"Since the last frame, {percent}% of the screen changed, at {' and '.join(changed.places)}."
            )
        if new_text:
            head.append("New text: " + " ".join(_quote(text) for text in new_text[:6]) + ".")
    chosen = {id(line) for line in main}
    content = [block for block in blocks if not in_top_bar(block.top, block.bottom, height)]
    others = [line for block in content for line in block.lines if id(line) not in chosen]
    kept = {id(line) for line in others}
    smallest_first = sorted(others, key=lambda line: line.size)

    def render() -> str:
        parts = ["\n".join(head)]
        rest = []
        for block in content:
            quoted = [_quote(line.text) for line in block.lines if id(line) in kept]
            if quoted:
                where = place(block.left, block.top, block.right, block.bottom, width, height)
                rest.append(f"{located(where)}: " + " ".join(quoted))
        if rest:
            parts.append("Other text: " + "; ".join(rest) + ".")
        if len(kept) < len(others):
            parts.append(f"({len(others) - len(kept)} smaller lines left out.)")
        return "\n".join(parts)

    text = render()
    for line in smallest_first:
        if len(text) <= limit:
            break
        kept.discard(id(line))
        text = render()
    return _bounded(text, limit)


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 3)].rstrip() + "..."


# ---------------------------------------------------------------------------------------


def _digest(image: Image.Image | None) -> bytes:
    if image is None:
        return b""
    return hashlib.blake2b(image.tobytes(), digest_size=16, person=f"{image.size}".encode()[:16]).digest()


def _prepare(image: Image.Image) -> Image.Image:
    """The frame as RGB, scaled down so its longer side is at most ``MAX_SIDE``."""
    from PIL import Image as PILImage

    rgb = image.convert("RGB")
    longest = max(rgb.size)
    if longest > MAX_SIDE:
        scale = MAX_SIDE / longest
        rgb = rgb.resize(
            (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), PILImage.Resampling.LANCZOS
        )
    return rgb


class ScreenReader:
    """Describes a frame in words for a text-only model: its text, layout, change, colours.

    The OCR models load on the first frame and are shared by every reader in the
    process; frames are read one at a time (the engine keeps per-call state), so
    ``describe`` is safe to call from several threads. It blocks: call it off the
    event loop.

    Args:
        limit: The longest description, in characters.
        cache_frames: Frames whose text is remembered; 0 reads every frame afresh
            (what a benchmark of the OCR's cost wants).
    """

    def __init__(self, limit: int = MAX_DESCRIPTION_CHARS, cache_frames: int = CACHE_FRAMES) -> None:
        self._limit = limit
        self._cache_frames = cache_frames
        self._cache: OrderedDict[bytes, list[TextLine]] = OrderedDict()

    def load(self) -> None:
        """Load and check the OCR models now rather than on the first frame.

        Raises:
            ConfigError: rapidocr-onnxruntime is missing or its models are not the pinned ones.
        """
        with _ENGINE_LOCK:
            _engine()

    def _remember(self, key: bytes, lines: list[TextLine]) -> None:
        self._cache[key] = lines
        self._cache.move_to_end(key)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)

    def _read(
        self,
        frame: Image.Image,
        before: Image.Image | None,
        cells: np.ndarray[Any, np.dtype[np.bool_]] | None,
    ) -> tuple[list[TextLine], list[TextLine] | None]:
        """The frame's text, and the previous frame's if known (from the cache).

        A frame seen before costs nothing; a frame that differs a little from a known
        previous one has only the bands around its changes read again.
        """
        key = _digest(frame)
        with _ENGINE_LOCK:
            known = self._cache.get(_digest(before)) if before is not None else None
            lines = self._cache.get(key)
            if lines is not None:
                self._cache.move_to_end(key)
                return lines, known
            started = time.perf_counter()
            if known is not None and cells is not None and 0 < cells.mean() <= INCREMENTAL_SHARE:
                bands = changed_bands(cells, frame.size, known)
                lines = [
                    line for line in known if not any(line.bottom > a and line.top < b for a, b in bands)
                ]
                for top, bottom in bands:
                    if bottom - top >= MIN_SIDE:
                        strip = read_text(frame.crop((0, top, frame.width, bottom)))
                        lines.extend(_shifted(line, top) for line in strip)
                how = f"{len(bands)} changed bands"
            else:
                lines = read_text(frame)
                how = "the whole frame"
            log.debug(
                "read %s: %d text boxes in %.0f ms", how, len(lines), 1000 * (time.perf_counter() - started)
            )
            self._remember(key, lines)
            return lines, known

    def describe(self, image: Image.Image, previous: Image.Image | None) -> str:
        """The frame in plain words: its text in reading order, where it is, what changed.

        Args:
            image: The frame, decoded (any mode; read as RGB).
            previous: The frame before it in the same stream, or ``None``.

        Returns:
            A description of at most ``limit`` characters.

        Raises:
            ConfigError: The OCR models are missing or not the pinned ones.
            EngineError: The OCR run failed.
        """
        width, height = image.size
        if min(width, height) < MIN_SIDE:
            return _bounded(
                f"An image of {width}x{height} pixels: too small to show anything readable.", self._limit
            )
        frame = _prepare(image)
        if min(frame.size) < MIN_SIDE:
            return _bounded(
                f"An image of {width}x{height} pixels: a thin strip too narrow to read.", self._limit
            )
        before = _prepare(previous) if previous is not None and min(previous.size) >= MIN_SIDE else None
        cells = changed_cells(frame, before) if before is not None else None
        lines, known = self._read(frame, before, cells)
        changed = _change_of(cells) if before is not None else None
        new_text: list[str] = []
        if changed is not None and changed.fraction > 0:
            ordered = [line for block in layout(lines) for line in block.lines]
            if known is not None:
                seen = {line.text.lower() for line in known}
                new_text = [line.text for line in ordered if line.text.lower() not in seen]
            elif cells is not None:
                # The previous frame was never read: the text where the screen changed.
                new_text = [line.text for line in ordered if _touches(line, cells, frame.size)]
        blocks = _rescale(layout(lines), width / frame.width)
        return compose((width, height), blocks, dominant_colours(frame), changed, new_text, self._limit)


def _overlaps(line: TextLine, band: tuple[int, int]) -> bool:
    return line.bottom > band[0] and line.top < band[1]


def _shifted(line: TextLine, dy: float) -> TextLine:
    return TextLine(line.text, line.left, line.top + dy, line.right, line.bottom + dy, line.score, line.ink)


def _touches(line: TextLine, cells: np.ndarray[Any, np.dtype[np.bool_]], size: tuple[int, int]) -> bool:
    rows, cols = cells.shape
    width, height = size
    r0, r1 = int(line.top / height * rows), int(np.ceil(line.bottom / height * rows))
    c0, c1 = int(line.left / width * cols), int(np.ceil(line.right / width * cols))
    return bool(cells[max(0, r0) : r1, max(0, c0) : c1].any())


def _rescale(blocks: Sequence[TextBlock], factor: float) -> list[TextBlock]:
    """Blocks in the original frame's pixels (the OCR may have run on a smaller copy)."""
    if abs(factor - 1) < 1e-6:
        return list(blocks)
    return [
        TextBlock(
            tuple(
                TextLine(
                    line.text,
                    line.left * factor,
                    line.top * factor,
                    line.right * factor,
                    line.bottom * factor,
                    line.score,
                    line.ink * factor,
                )
                for line in block.lines
            )
        )
        for block in blocks
    ]
