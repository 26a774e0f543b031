"""Turning a reply into the words a voice should say: markup, numbers, units, times, dates, abbreviations.

The cases were written before the rules, from what a listener expects to hear. They are
compared word by word (case, punctuation and hyphens aside), so the test says *what* is
spoken, not how it is punctuated.
"""

from __future__ import annotations

import random
import re

import pytest

from openlive.pipeline.clauses import ClauseSplitter
from openlive.pipeline.speakable import SpeakableClauses, speakable

# (category, written, spoken)
CASES: list[tuple[str, str, str]] = [
    # markup
    ("markup", "**Apple** is red.", "Apple is red."),
    ("markup", "- **Apple**: sweet and crunchy", "Apple: sweet and crunchy"),
    ("markup", "* Banana", "Banana"),
    ("markup", "1. Cherry", "Cherry"),
    ("markup", "2) Second step", "Second step"),
    ("markup", "## Summary", "Summary"),
    ("markup", "### Title ###", "Title"),
    ("markup", "Use the `print` function.", "Use the print function."),
    ("markup", "Read [the docs](https://example.com/docs) first.", "Read the docs first."),
    ("markup", "That's great 😀!", "That's great!"),
    ("markup", "Rocket 🚀 launch ✨", "Rocket launch"),
    ("markup", "| Fruit | Color |", "Fruit, Color"),
    ("markup", "|---|:---:|", ""),
    ("markup", "> A quote here", "A quote here"),
    ("markup", "_italic_ words", "italic words"),
    ("markup", "*italic* words", "italic words"),
    ("markup", "***very*** important", "very important"),
    ("markup", "~~struck~~ text", "struck text"),
    ("markup", "Visit https://www.example.com/path?q=1 today.", "Visit example dot com today."),
    ("markup", "Line one<br>line two", "Line one line two"),
    ("markup", "the snake_case_name here", "the snake case name here"),
    ("markup", "Use __init__ here", "Use init here"),
    ("markup", "C# and F#", "C sharp and F sharp"),
    ("markup", "our #1 priority", "our number one priority"),
    ("markup", "Tom & Jerry", "Tom and Jerry"),
    ("markup", "---", ""),
    ("markup", "- [ ] buy milk", "buy milk"),
    ("markup", "- [x] done", "done"),
    ("markup", "**Note:** be careful", "Note: be careful"),
    ("markup", "![a cat](cat.png)", ""),
    ("markup", "2 * 3 = 6", "two times three equals six"),
    ("markup", "5 + 5", "five plus five"),
    ("markup", "```python", ""),
    ("markup", "Hello 👋🏽 there", "Hello there"),
    # numbers
    ("number", "I have 3 cats.", "I have three cats."),
    ("number", "It costs $250.", "It costs two hundred fifty dollars."),
    ("number", "$9.99", "nine dollars and ninety-nine cents"),
    ("number", "$1,250,000", "one million two hundred fifty thousand dollars"),
    ("number", "$1.5 million", "one point five million dollars"),
    ("number", "€20", "twenty euros"),
    ("number", "£5", "five pounds"),
    ("number", "$1", "one dollar"),
    ("number", "$0.50", "fifty cents"),
    ("number", "1,000 people", "one thousand people"),
    ("number", "pi is 3.14", "pi is three point one four"),
    ("number", "-5 degrees", "minus five degrees"),
    ("number", "50%", "fifty percent"),
    ("number", "2.5%", "two point five percent"),
    ("number", "1st place", "first place"),
    ("number", "the 2nd time", "the second time"),
    ("number", "the 23rd", "the twenty-third"),
    ("number", "the 101st", "the one hundred first"),
    ("number", "1/2 cup", "one half cup"),
    ("number", "3/4 of them", "three quarters of them"),
    ("number", "pages 5-10", "pages five to ten"),
    ("number", "in 1999", "in nineteen ninety-nine"),
    ("number", "in 2024", "in twenty twenty-four"),
    ("number", "since 2005", "since two thousand five"),
    ("number", "1,234", "one thousand two hundred thirty-four"),
    ("number", "0", "zero"),
    ("number", "1000000", "one million"),
    ("number", "about 12 eggs", "about twelve eggs"),
    # units
    ("unit", "5 km", "five kilometers"),
    ("unit", "1 km", "one kilometer"),
    ("unit", "3 kg", "three kilograms"),
    ("unit", "5kg", "five kilograms"),
    ("unit", "20°C", "twenty degrees Celsius"),
    ("unit", "68 °F", "sixty-eight degrees Fahrenheit"),
    ("unit", "45°", "forty-five degrees"),
    ("unit", "100 mph", "one hundred miles per hour"),
    ("unit", "60 km/h", "sixty kilometers per hour"),
    ("unit", "2.5 cm", "two point five centimeters"),
    ("unit", "500 ml", "five hundred milliliters"),
    ("unit", "16 GB", "sixteen gigabytes"),
    ("unit", "10 lbs", "ten pounds"),
    ("unit", "30 min", "thirty minutes"),
    ("unit", "200 mg", "two hundred milligrams"),
    ("unit", "6 ft", "six feet"),
    ("unit", "1 ft", "one foot"),
    ("unit", "2 GHz", "two gigahertz"),
    ("unit", "3 hrs", "three hours"),
    # times
    ("time", "3:30 pm", "three thirty p m"),
    ("time", "10:05 am", "ten oh five a m"),
    ("time", "7:00 p.m.", "seven p m"),
    ("time", "15:45", "fifteen forty-five"),
    ("time", "at 9 am", "at nine a m"),
    ("time", "at 7:00", "at seven o'clock"),
    ("time", "10 a.m.", "ten a m"),
    # dates
    ("date", "2024-05-01", "May first, twenty twenty-four"),
    ("date", "May 1st", "May first"),
    ("date", "on May 1", "on May first"),
    ("date", "on March 3, 2024", "on March third, twenty twenty-four"),
    ("date", "1 May 2024", "the first of May, twenty twenty-four"),
    ("date", "12/25/2024", "December twenty-fifth, twenty twenty-four"),
    ("date", "Jan. 5", "January fifth"),
    # abbreviations
    ("abbreviation", "Dr. Smith", "Doctor Smith"),
    ("abbreviation", "Mr. Jones", "Mister Jones"),
    ("abbreviation", "Mrs. Brown", "Missus Brown"),
    ("abbreviation", "fruit, e.g. apples", "fruit, for example apples"),
    ("abbreviation", "i.e. this one", "that is this one"),
    ("abbreviation", "apples, pears, etc.", "apples, pears, et cetera"),
    ("abbreviation", "cats vs. dogs", "cats versus dogs"),
    ("abbreviation", "approx. 5", "approximately five"),
    ("abbreviation", "No. 5", "number five"),
    ("abbreviation", "St. Louis", "Saint Louis"),
    ("abbreviation", "Prof. Lee", "Professor Lee"),
    ("abbreviation", "Martin Luther King Jr.", "Martin Luther King Junior"),
]

# Written after the first version of the rules, to check them on text they were not made
# for: 38 of these 42 were right at once (the autolink, "a * b", "1990s", "a 5 km run" were
# not); the rules were then fixed for them.
HELD_OUT_CASES: list[tuple[str, str, str]] = [
    ("markup", "### Step 2: Mix the dough", "Step two: Mix the dough"),
    ("markup", "+ Oranges", "Oranges"),
    ("markup", "   - nested item", "nested item"),
    ("markup", "**Pros:** cheap, fast", "Pros: cheap, fast"),
    ("markup", "Try `pip install numpy` first", "Try pip install numpy first"),
    ("markup", "See <https://python.org>", "See python dot org"),
    ("markup", "I love it! ❤️", "I love it!"),
    ("markup", "| Name | Age |\n", "Name, Age"),
    ("markup", "Use *only* this", "Use only this"),
    ("markup", "## 🍎 Apples", "Apples"),
    ("markup", "1. **Bananas** - rich in potassium", "Bananas rich in potassium"),
    ("markup", "a * b", "a times b"),
    ("number", "It weighs 1.5 tons", "It weighs one point five tons"),
    ("number", "over 10,000 users", "over ten thousand users"),
    ("number", "$20 or $30", "twenty dollars or thirty dollars"),
    ("number", "$3.5 billion", "three point five billion dollars"),
    ("number", "in the 1990s", "in the nineteen nineties"),
    ("number", "a 3rd option", "a third option"),
    ("number", "up 12.5%", "up twelve point five percent"),
    ("number", "Chapter 11", "Chapter eleven"),
    ("number", "between 3 and 5", "between three and five"),
    ("number", "2,500 years ago", "two thousand five hundred years ago"),
    ("number", "it's -10 outside", "it's minus ten outside"),
    ("number", "about 7.5 million people", "about seven point five million people"),
    ("unit", "a 5 km run", "a five kilometer run"),
    ("unit", "25 °C", "twenty-five degrees Celsius"),
    ("unit", "1.5 L", "one point five liters"),
    ("unit", "8 oz", "eight ounces"),
    ("unit", "120 km/h", "one hundred twenty kilometers per hour"),
    ("unit", "512 MB", "five hundred twelve megabytes"),
    ("time", "at 12:30 pm", "at twelve thirty p m"),
    ("time", "by 6:15", "by six fifteen"),
    ("time", "from 9am to 5pm", "from nine a m to five p m"),
    ("date", "on July 4th, 1776", "on July fourth, seventeen seventy-six"),
    ("date", "Dec. 25", "December twenty-fifth"),
    ("date", "2023-12-31", "December thirty-first, twenty twenty-three"),
    ("date", "the 5th of May", "the fifth of May"),
    ("abbreviation", "Ms. Taylor", "Miz Taylor"),
    ("abbreviation", "Dr. Who vs. the Daleks", "Doctor Who versus the Daleks"),
    ("abbreviation", "fruits (e.g., apples)", "fruits (for example, apples)"),
    ("abbreviation", "salt, pepper, etc. are fine", "salt, pepper, et cetera are fine"),
    ("abbreviation", "Mt. Everest", "Mount Everest"),
]

# A probe of other markup and written forms (2026-12-07): HTML entities, highlights,
# headings underlined with "=", math signs, short decades, version numbers, phone
# numbers, e-mail addresses, and money followed by a comma; each was misread before.
PROBE_CASES: list[tuple[str, str, str]] = [
    ("markup", "Salt &amp; pepper", "Salt and pepper"),
    ("markup", "He said &quot;hi&quot;", "He said hi"),
    ("markup", "==Important== note", "Important note"),
    ("markup", "Title\n=====\nBody", "Title Body"),
    ("markup", "Write to ann.lee@example.org today", "Write to ann dot lee at example dot org today"),
    ("number", "2^10 is 1024", "two to the power of ten is one thousand twenty-four"),
    ("number", "10 ÷ 2 ≈ 5", "ten divided by two approximately five"),
    ("number", "x ≤ 3 and y ≥ 4", "x is less than or equal to three and y is greater than or equal to four"),
    ("number", "5 < 10", "five is less than ten"),
    ("number", "20 ± 2", "twenty plus or minus two"),
    ("number", "music of the '80s", "music of the eighties"),
    ("number", "in the early 70s", "in the early seventies"),
    ("number", "version 3.10.2.", "version three point ten point two"),
    ("number", "at 10.0.0.1", "at ten dot zero dot zero dot one"),
    ("number", "call 212-555-0100", "call two one two five five five zero one zero zero"),
    ("number", "+44 (20) 7946-0958", "plus four four two zero seven nine four six zero nine five eight"),
    ("number", "€20, £5 and $3", "twenty euros, five pounds and three dollars"),
]


def words(text: str) -> list[str]:
    """The spoken words, without case, punctuation or hyphens."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


@pytest.mark.parametrize(
    ("category", "written", "spoken"),
    CASES + HELD_OUT_CASES + PROBE_CASES,
    ids=[f"{c}:{w}" for c, w, _ in CASES + HELD_OUT_CASES + PROBE_CASES],
)
def test_speakable(category: str, written: str, spoken: str) -> None:
    said = speakable(written)
    assert words(said) == words(spoken)
    assert not _MARKUP.search(said)


def test_the_set_is_broad() -> None:
    categories = {c for c, _, _ in CASES}
    assert len(CASES) >= 60
    assert categories == {"markup", "number", "unit", "time", "date", "abbreviation"}


def test_plain_text_is_left_alone() -> None:
    text = "Sure, I can help with that. What would you like to know?"
    assert speakable(text) == text


def test_other_languages_keep_their_numbers_for_the_synthesiser() -> None:
    # Number words are English rules; espeak-ng reads digits in its own language.
    assert speakable("**Drei** Äpfel kosten 5 Euro.", "de-DE") == "Drei Äpfel kosten 5 Euro."


# ---- the clause stream ----------------------------------------------------------------------


def spoken_stream(text: str, chunk_sizes: list[int], language: str = "en-US") -> list[str]:
    """Feed ``text`` in chunks through the clause splitter and the speakable stream."""
    splitter, stream = ClauseSplitter(), SpeakableClauses(language)
    out: list[str] = []
    at = 0
    for size in chunk_sizes:
        for clause in splitter.push(text[at : at + size]):
            out.append(stream.push(clause))
        at += size
    for clause in splitter.push(text[at:]) + splitter.flush():
        out.append(stream.push(clause))
    out.append(stream.flush())
    return [piece for piece in out if piece.strip()]


def test_a_code_block_is_not_read_out() -> None:
    text = "Here is an example:\n```python\nprint('hi')\nx = [1, 2]\n```\nThat prints hi.\n"
    spoken = " ".join(spoken_stream(text, [3] * 40))
    assert words(spoken) == words("Here is an example: That prints hi.")


def test_bold_split_across_clauses_is_not_spoken() -> None:
    text = "Here are **three lovely fruits with bold names** for you. Enjoy them."
    spoken = " ".join(spoken_stream(text, [2] * 40))
    assert "*" not in spoken
    assert words(spoken) == words("Here are three lovely fruits with bold names for you. Enjoy them.")


def test_a_link_split_across_clauses_is_not_spoken() -> None:
    text = "See [the official getting started guide for beginners](https://example.com/a_b) now. Bye."
    spoken = " ".join(spoken_stream(text, [5] * 30))
    assert not re.search(r"[\[\]()_]|https?|example", spoken)
    assert words(spoken) == words("See the official getting started guide for beginners now. Bye.")


def test_a_table_is_read_row_by_row_without_its_rule() -> None:
    text = "| Fruit | Color |\n|-------|-------|\n| Apple | Red |\n| Banana | Yellow |\n"
    spoken = " ".join(spoken_stream(text, [4] * 30))
    assert words(spoken) == words("Fruit, Color. Apple, Red. Banana, Yellow.")


def test_list_items_keep_a_pause_between_them() -> None:
    pieces = spoken_stream("Fruits:\n- **Apple**\n- **Banana**\n- **Cherry**\n", [3] * 20)
    assert [p.strip() for p in pieces] == ["Fruits:", "Apple.", "Banana.", "Cherry."]


def test_clause_whitespace_is_kept_so_the_transcript_reads_well() -> None:
    stream = SpeakableClauses("en-US")
    assert stream.push("It costs $5 today. ") == "It costs five dollars today. "


# ---- no markup survives, whatever the model writes ----------------------------------------

_MARKUP = re.compile(r"[*#`\[\]|_~]|\]\(|==|&\w+;|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")
_WORDS = ["apple", "banana", "cherry", "red", "big", "fast", "we", "go", "x2", "3", "$4", "7%", "C#"]


def _random_markdown(rng: random.Random) -> str:
    def phrase() -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 6)))

    makers = [
        lambda: f"**{phrase()}**",
        lambda: f"*{phrase()}*",
        lambda: f"__{phrase()}__",
        lambda: f"_{phrase()}_",
        lambda: f"~~{phrase()}~~",
        lambda: f"`{phrase()}`",
        lambda: f"[{phrase()}](https://example.com/{rng.choice(_WORDS)}_{rng.randint(0, 9)})",
        lambda: f"![{phrase()}](img_{rng.randint(0, 9)}.png)",
        lambda: f"\n{'#' * rng.randint(1, 6)} {phrase()}\n",
        lambda: f"\n- {phrase()}\n",
        lambda: f"\n* {phrase()}\n",
        lambda: f"\n{rng.randint(1, 9)}. {phrase()}\n",
        lambda: f"\n| {phrase()} | {phrase()} |\n|---|---|\n| {phrase()} | {phrase()} |\n",
        lambda: f"\n```{rng.choice(['', 'python', 'js'])}\n{phrase()}\n```\n",
        lambda: f"\n> {phrase()}\n",
        lambda: rng.choice(["😀", "🚀", "✨", "👍🏽", "❤️", "🎉"]),
        lambda: phrase() + rng.choice([".", ",", "!", "?", ":", ""]),
        lambda: "snake_case_word",
        lambda: "#" + str(rng.randint(1, 99)),
        lambda: "`",
        lambda: "**",
        lambda: "[",
    ]
    return " ".join(rng.choice(makers)() for _ in range(rng.randint(3, 25)))


@pytest.mark.parametrize("seed", range(200))
def test_no_markup_is_ever_spoken(seed: int) -> None:
    rng = random.Random(seed)
    text = _random_markdown(rng)
    chunks = [rng.randint(1, 8) for _ in range(len(text))]
    for piece in spoken_stream(text, chunks):
        assert not _MARKUP.search(piece), (text, piece)
    assert not _MARKUP.search(speakable(text)), text


@pytest.mark.parametrize(
    "text",
    ["1" * 5000, "1," * 3000, "[" * 5000, "*" * 5000, "](" * 3000, "$" + "1" * 3000, "1" * 3000 + "st",
     "1" * 3000 + " km", "12/12/" + "1" * 3000,
     "1." * 3000, "555-" * 2000, "a.b@" * 2000, "=" * 5000, "==a" * 2000, "&amp;" * 2000, "^" * 5000,
     "`" * 3000, "![" * 3000, "Dr. " * 2000, "\n```\n" * 500],
    ids=lambda t: repr(t[:8]),
)  # fmt: skip
def test_odd_text_is_read_without_error_or_markup(text: str) -> None:
    # Long runs of digits are read digit by digit; no pattern has an unbounded repeat.
    said = speakable(text)
    assert not _MARKUP.search(said)
    assert len(said) < 20 * len(text)
