"""Make a reply speakable: markup becomes plain words, numbers become the words said. No I/O.

In English, numbers, money, units, times, dates and common abbreviations are spelled out
as a person would say them; in every language, markup is removed. A spoken reply arrives
as clauses (:mod:`openlive.pipeline.clauses`), so the conversion works clause by clause
through :class:`SpeakableClauses`, which keeps the little state that crosses a clause
boundary: whether a code block is open (its lines are not read out), whether the clause
starts a line (only then is ``- `` or ``1.`` a list marker), and a clause that must be
joined to the next to be read right (``Dr.`` before a name, a lone list marker, ``May 1,``
before its year). Inline markers are removed wherever they are, so a ``**`` or a link's
``](url)`` that lands in another clause than its partner is never spoken either.
:func:`speakable` converts a whole text the same way.

What the synthesiser says is what the client reads in ``outputTranscription`` and what
the conversation history keeps: the words the user heard.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from num2words import num2words

__all__ = ["SpeakableClauses", "speakable"]

# Longest text held back waiting for the clause that completes it.
MAX_HELD_CHARS = 300

# ---- words for numbers (US English: no "and", no commas) ------------------------------------

_DIGITS = "zero one two three four five six seven eight nine".split()


def _us(words: str) -> str:
    return words.replace(",", "").replace(" and ", " ")


def cardinal(n: int) -> str:
    """``250`` as ``two hundred fifty``."""
    if abs(n) >= 10**15:  # an identifier more than a quantity: read digit by digit
        return " ".join(_DIGITS[int(d)] for d in str(abs(n)))
    return ("minus " if n < 0 else "") + _us(num2words(abs(n), lang="en"))


def ordinal(n: int) -> str:
    """``23`` as ``twenty-third``."""
    if n >= 10**15:
        return cardinal(n)
    return _us(num2words(n, lang="en", to="ordinal"))


def year(n: int) -> str:
    """``1999`` as ``nineteen ninety-nine``, ``2005`` as ``two thousand five``."""
    return _us(num2words(n, lang="en", to="year"))


def number(text: str) -> str:
    """A written number (``1,234``, ``3.14``, ``-5``) in words."""
    text = text.replace(",", "")
    sign = ""
    if text.startswith(("-", "−")):
        sign, text = "minus ", text[1:]
    whole, _, fraction = text.partition(".")
    if len(whole) > 15:  # an identifier more than a quantity: read digit by digit
        words = " ".join(_DIGITS[int(d)] for d in whole)
    else:
        words = cardinal(int(whole or "0"))
    if fraction:
        words += " point " + " ".join(_DIGITS[int(d)] for d in fraction)
    return sign + words


# ---- markup -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_HORIZONTAL_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
# The line under a heading written as "Title" then "=====" (a line of dashes is a rule).
_SETEXT_RULE = re.compile(r"^\s*={3,}\s*$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$", re.S)
_QUOTE = re.compile(r"^\s*(>\s?)+")
_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?:\[[ xX]\]\s+)?")
_LONE_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s*$")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
_AUTOLINK = re.compile(r"<((?:https?://|www\.)[^<>\s]+)>", re.I)
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# Every repeated part is bounded, so that no text costs more than linear time to read.
_IMAGE = re.compile(r"!\[[^\]]{0,300}\]\([^)]{0,500}\)?")
_LINK = re.compile(r"\[([^\]]{0,300})\]\([^)\s]{0,500}\)?")
_REF_LINK = re.compile(r"\[([^\]]{0,300})\]\[[^\]]{0,50}\]")
_LINK_TAIL = re.compile(r"\]\([^)\s]{0,500}\)?")
_URL = re.compile(r"\b(?:https?://|www\.)([^\s/?#)\]]+)[^\s)\]]*", re.I)
_CODE = re.compile(r"`{1,3}([^`]{0,300})`{1,3}")
_HIGHLIGHT = re.compile(r"==(?=\S)([^=\n]{0,300}?\S)==")
_EMAIL = re.compile(r"\b([\w.+-]{1,64})@([\w-]{1,63}(?:\.[\w-]{1,63}){1,8})\b")
_MATH_TIMES = re.compile(r"(\d)\s*[*×]\s*(?=\d)|(\w) [*×] (?=\w)")
_UNDERSCORE_IN_WORD = re.compile(r"(?<=[A-Za-z0-9])_+(?=[A-Za-z0-9])")
_SHARP = re.compile(r"\b([A-G])#(?!\w)")
_NUMBER_SIGN = re.compile(r"#\s?(?=\d)")
# Pictographs, dingbats, symbols, flags, and the joiners and modifiers that build emoji.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2b00-\u2bff"
    "\u3030\u303d\u3297\u3299\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
_LEFTOVER = re.compile(r"[*`_~#\[\]{}<>^\\|]")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA = re.compile(r"(,\s*){2,}")
_ENDS_WITH_PUNCT = re.compile(r"[.!?:;,…]['\")\]]*$")


def _domain(match: re.Match[str]) -> str:
    host = match.group(1).lower().rstrip(".,;:!?")
    host = host.removeprefix("www.")
    return " dot ".join(part for part in host.split(".") if part)


def _email(match: re.Match[str]) -> str:
    user = " dot ".join(part for part in match.group(1).split(".") if part)
    return f"{user} at {' dot '.join(match.group(2).lower().split('.'))}"


def _markup(text: str) -> str:
    """Inline markup removed, keeping the words it marks."""
    text = _HTML_BREAK.sub(" ", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")  # &amp; &nbsp; &lt; as the characters they stand for
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _LINK_TAIL.sub("", text)
    text = _URL.sub(_domain, text)
    text = _EMAIL.sub(_email, text)
    text = _HIGHLIGHT.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _MATH_TIMES.sub(lambda m: f"{m.group(1) or m.group(2)} times ", text)
    text = _UNDERSCORE_IN_WORD.sub(" ", text)
    text = _SHARP.sub(r"\1 sharp", text)
    text = _NUMBER_SIGN.sub("number ", text)
    text = text.replace("~~", "")
    text = _EMOJI.sub("", text)
    if "|" in text:
        cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
        text = ", ".join(cell for cell in cells if cell)
    return text


# ---- English: abbreviations, dates, times, money, units, numbers ----------------------------

_MONTHS = "January February March April May June July August September October November December".split()
_MONTH_ABBREVIATIONS = {m[:3]: m for m in _MONTHS} | {"Sept": "September"}
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_MONTH_ABBR_NAMES = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
_MONTH_ABBR = rf"(?:{_MONTH_ABBR_NAMES})\.?"

_ABBREVIATIONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\be\.\s?g\.(?=\s|$|,)", re.I), "for example"),
    (re.compile(r"\bi\.\s?e\.(?=\s|$|,)", re.I), "that is"),
    (re.compile(r"\betc\.(?=\s*$)"), "et cetera."),
    (re.compile(r"\betc\.?(?!\w)"), "et cetera"),
    (re.compile(r"\bvs\.?(?=\s)"), "versus"),
    (re.compile(r"\bapprox\.(?=\s|$)"), "approximately"),
    (re.compile(r"\bDr\.(?=\s|$)"), "Doctor"),
    (re.compile(r"\bMr\.(?=\s|$)"), "Mister"),
    (re.compile(r"\bMrs\.(?=\s|$)"), "Missus"),
    (re.compile(r"\bMs\.(?=\s|$)"), "Miz"),
    (re.compile(r"\bProf\.(?=\s|$)"), "Professor"),
    (re.compile(r"\bMt\.(?=\s|$)"), "Mount"),
    (re.compile(r"\bJr\.(?=\s*$)"), "Junior."),
    (re.compile(r"\bJr\.?(?!\w)"), "Junior"),
    (re.compile(r"\bSr\.(?=\s*$)"), "Senior."),
    (re.compile(r"\bSr\.?(?!\w)"), "Senior"),
    # "Main St." is a street; "St. Louis" a saint.
    (re.compile(r"(?<=[A-Z][a-z]) St\.(?=\s*$)"), " Street."),
    (re.compile(r"(?<=[A-Z][a-z]) St\.(?=\s)"), " Street"),
    (re.compile(r"\bSt\.(?=\s|$)"), "Saint"),
    (re.compile(r"\bNo\.\s?(?=\d)"), "number "),
    (re.compile(r"\s&\s"), " and "),
    (re.compile(r"\s@\s"), " at "),
]

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH}|{_MONTH_ABBR})(?:,?\s+(\d{{4}}))?\b")
_MONTH_DAY = re.compile(
    rf"\b({_MONTH}|{_MONTH_ABBR})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,\s*(\d{{4}})\b)?"
)
_CLOCK_MERIDIEM = re.compile(r"\b(\d{1,2}):(\d{2})\s*([AaPp])\.?\s?[Mm]\b\.?")
_HOUR_MERIDIEM = re.compile(r"\b(\d{1,2})\s*([AaPp])\.?\s?[Mm]\b\.?")
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})\b(?!:)")
_CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "€": ("euro", "euros", "cent", "cents"),
             "£": ("pound", "pounds", "penny", "pence"), "¥": ("yen", "yen", "", "")}  # fmt: skip
_SCALE = r"(?:thousand|million|billion|trillion)"
# A written number: digits with thousands commas, and decimals.
_NUM = r"(?:\d{1,3}(?:,\d{3}){1,8}|\d{1,25})(?:\.\d{1,12})?"
_MONEY = re.compile(rf"([$€£¥])\s?({_NUM})(?:\s+({_SCALE})\b)?")
_PERCENT = re.compile(rf"(?<![\d,.])(-?{_NUM})\s?%")
_ORDINAL = re.compile(r"\b(\d{1,15})(?:st|nd|rd|th)\b")
_FRACTION = re.compile(r"(?<![\d/])(\d{1,3})/(\d{1,3})(?![\d/])")
_RANGE = re.compile(rf"(?<![\d.,\-])({_NUM})\s?[-–]\s?({_NUM})(?![\d-])")
_DECADE = re.compile(r"\b(1[1-9]|20)(\d)0s\b")
_SHORT_DECADE = re.compile(r"(?:['’]|(?<=\bthe )|(?<=\bearly )|(?<=\blate )|(?<=\bmid-))([2-9])0s\b")
# Three-part version numbers and four-part addresses ("2.0.1", "192.168.1.1").
_DOTTED = re.compile(r"(?<![\d.])\d{1,4}(?:\.\d{1,4}){2,3}(?!\.?\d)")
# Phone numbers in the usual written shapes: "555-123-4567", "+1 (800) 555-0199".
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)\s?\d{3,4}[\s.-]\d{4}|\d{3}([.-])\d{3}\1\d{4})(?!\d)"
)
_CONTEXT_YEAR = re.compile(
    r"\b(in|since|by|until|till|from|of|year|during|before|after|around|circa|early|late|mid|to|and)"
    r"(\s+)(1[1-9]\d\d|20\d\d)\b(?![.,]\d)",
    re.I,
)
_BARE_YEAR = re.compile(r"(?<![\d,.$€£¥-])\b(1[1-9]\d\d)\b(?![.,]\d)")
_NEGATIVE = re.compile(r"(?<![\w.])[-−](?=\d)")
_NUMBER = re.compile(r"(?<![\d.])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_SYMBOLS = [
    (re.compile(r"(?<=\d)\s*\+\s*(?=\d)|\s\+\s"), " plus "),
    (re.compile(r"\s=\s|(?<=\d)=(?=\d)"), " equals "),
    (re.compile(r"~(?=\s?\d)"), "about "),
    (re.compile(r"(?<=\d)\s?\^\s?(?=\d)|(?<=\w) \^ (?=\w)"), " to the power of "),
    (re.compile(r"\s?÷\s?"), " divided by "),
    (re.compile(r"\s?≈\s?"), " approximately "),
    (re.compile(r"\s?≠\s?|\s!=\s"), " is not equal to "),
    (re.compile(r"\s?≤\s?|\s<=\s"), " is less than or equal to "),
    (re.compile(r"\s?≥\s?|\s>=\s"), " is greater than or equal to "),
    (re.compile(r"\s<\s"), " is less than "),
    (re.compile(r"\s>\s"), " is greater than "),
    (re.compile(r"\s?±\s?"), " plus or minus "),
]

# Unit symbol -> (singular, plural). Matched after a number, case-sensitively.
_UNITS: dict[str, tuple[str, str]] = {
    "km/h": ("kilometer per hour", "kilometers per hour"),
    "kph": ("kilometer per hour", "kilometers per hour"),
    "mph": ("mile per hour", "miles per hour"),
    "m/s": ("meter per second", "meters per second"),
    "°C": ("degree Celsius", "degrees Celsius"),
    "°F": ("degree Fahrenheit", "degrees Fahrenheit"),
    "°": ("degree", "degrees"),
    "km": ("kilometer", "kilometers"),
    "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"),
    "m": ("meter", "meters"),
    "mi": ("mile", "miles"),
    "ft": ("foot", "feet"),
    "yd": ("yard", "yards"),
    "kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"),
    "g": ("gram", "grams"),
    "lb": ("pound", "pounds"),
    "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"),
    "ml": ("milliliter", "milliliters"),
    "mL": ("milliliter", "milliliters"),
    "l": ("liter", "liters"),
    "L": ("liter", "liters"),
    "kWh": ("kilowatt hour", "kilowatt hours"),
    "kW": ("kilowatt", "kilowatts"),
    "W": ("watt", "watts"),
    "V": ("volt", "volts"),
    "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"),
    "MHz": ("megahertz", "megahertz"),
    "GHz": ("gigahertz", "gigahertz"),
    "KB": ("kilobyte", "kilobytes"),
    "kB": ("kilobyte", "kilobytes"),
    "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"),
    "TB": ("terabyte", "terabytes"),
    "ms": ("millisecond", "milliseconds"),
    "sec": ("second", "seconds"),
    "secs": ("second", "seconds"),
    "s": ("second", "seconds"),
    "min": ("minute", "minutes"),
    "mins": ("minute", "minutes"),
    "hr": ("hour", "hours"),
    "hrs": ("hour", "hours"),
    "h": ("hour", "hours"),
}
_UNIT = re.compile(
    rf"(?:\b([Aa]n?) )?(?<![\w.,])(-?{_NUM})\s?("
    + "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
    + r")(?![\w/°])"
)


def _month(name: str) -> str:
    name = name.rstrip(".")
    return _MONTH_ABBREVIATIONS.get(name, name)


def _date(month: int, day: int, year_text: str | None) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{_MONTHS[month - 1]} {ordinal(day)}"
    return f"{spoken}, {year(int(year_text))}" if year_text else spoken


def _iso_date(m: re.Match[str]) -> str:
    return _date(int(m.group(2)), int(m.group(3)), m.group(1)) or m.group(0)


def _slash_date(m: re.Match[str]) -> str:
    return _date(int(m.group(1)), int(m.group(2)), m.group(3)) or m.group(0)


def _day_month(m: re.Match[str]) -> str:
    day = int(m.group(1))
    if not 1 <= day <= 31:
        return m.group(0)
    spoken = f"the {ordinal(day)} of {_month(m.group(2))}"
    return f"{spoken}, {year(int(m.group(3)))}" if m.group(3) else spoken


def _month_day(m: re.Match[str]) -> str:
    day = int(m.group(2))
    if not 1 <= day <= 31:
        return m.group(0)
    spoken = f"{_month(m.group(1))} {ordinal(day)}"
    return f"{spoken}, {year(int(m.group(3)))}" if m.group(3) else spoken


def _minutes(minutes: int) -> str:
    return f"oh {cardinal(minutes)}" if minutes < 10 else cardinal(minutes)


def _clock_meridiem(m: re.Match[str]) -> str:
    hour, minutes = int(m.group(1)), int(m.group(2))
    if hour > 23 or minutes > 59:
        return m.group(0)
    spoken = cardinal(hour) + ("" if minutes == 0 else " " + _minutes(minutes))
    return f"{spoken} {m.group(3).lower()} m"


def _hour_meridiem(m: re.Match[str]) -> str:
    hour = int(m.group(1))
    return m.group(0) if hour > 12 else f"{cardinal(hour)} {m.group(2).lower()} m"


def _clock(m: re.Match[str]) -> str:
    hour, minutes = int(m.group(1)), int(m.group(2))
    if hour > 23 or minutes > 59:
        return m.group(0)
    if minutes == 0:
        return f"{cardinal(hour)} hundred" if hour > 12 else f"{cardinal(hour)} o'clock"
    return f"{cardinal(hour)} {_minutes(minutes)}"


def _money(m: re.Match[str]) -> str:
    one, many, cent, cents = _CURRENCY[m.group(1)]
    amount, scale = m.group(2).replace(",", ""), m.group(3)
    if scale:
        return f"{number(amount)} {scale} {many}"
    whole_text, _, fraction = amount.partition(".")
    whole = int(whole_text or "0")
    if not fraction or not cent or len(fraction) > 2:
        return f"{number(amount)} {one if amount in ('1', '1.0') else many}"
    hundredths = int(fraction.ljust(2, "0"))
    parts = []
    if whole or not hundredths:
        parts.append(f"{cardinal(whole)} {one if whole == 1 else many}")
    if hundredths:
        parts.append(f"{cardinal(hundredths)} {cent if hundredths == 1 else cents}")
    return " and ".join(parts)


def _unit(m: re.Match[str]) -> str:
    article, value, symbol = m.group(1), m.group(2), m.group(3)
    singular, plural = _UNITS[symbol]
    if article:  # "a 5 km run": the unit is an adjective, so singular
        return f"{article} {number(value)} {singular}"
    return f"{number(value)} {singular if value in ('1', '-1') else plural}"


def _fraction(m: re.Match[str]) -> str:
    top, bottom = int(m.group(1)), int(m.group(2))
    if bottom == 0:
        return m.group(0)
    if bottom == 2:
        return f"{cardinal(top)} {'half' if top == 1 else 'halves'}"
    if bottom == 4:
        return f"{cardinal(top)} {'quarter' if top == 1 else 'quarters'}"
    if bottom == 1:
        return f"{cardinal(top)} over one"
    return f"{cardinal(top)} {ordinal(bottom)}{'' if top == 1 else 's'}"


def _short_decade(m: re.Match[str]) -> str:
    tens = cardinal(int(m.group(1)) * 10)
    return tens[:-1] + "ies"


def _dotted(m: re.Match[str]) -> str:
    parts = m.group(0).split(".")
    return (" dot " if len(parts) == 4 else " point ").join(cardinal(int(part)) for part in parts)


def _phone(m: re.Match[str]) -> str:
    groups = re.findall(r"\+?\d+", m.group(0))
    return ", ".join(
        ("plus " if group.startswith("+") else "") + " ".join(_DIGITS[int(d)] for d in group.lstrip("+"))
        for group in groups
    )


def _decade(m: re.Match[str]) -> str:
    spoken = year(int(m.group(1) + m.group(2) + "0"))
    return spoken[:-1] + "ies" if spoken.endswith("y") else spoken + "s"


_ENGLISH_STEPS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (_PHONE, _phone),
    (_ISO_DATE, _iso_date),
    (_SLASH_DATE, _slash_date),
    (_DAY_MONTH, _day_month),
    (_MONTH_DAY, _month_day),
    (_CLOCK_MERIDIEM, _clock_meridiem),
    (_HOUR_MERIDIEM, _hour_meridiem),
    (_CLOCK, _clock),
    (_MONEY, _money),
    (_PERCENT, lambda m: f"{number(m.group(1))} percent"),
    (_DECADE, _decade),
    (_SHORT_DECADE, _short_decade),
    (_DOTTED, _dotted),
    (_UNIT, _unit),
    (_ORDINAL, lambda m: ordinal(int(m.group(1)))),
    (_FRACTION, _fraction),
    (_RANGE, lambda m: f"{number(m.group(1))} to {number(m.group(2))}"),
    (_CONTEXT_YEAR, lambda m: f"{m.group(1)}{m.group(2)}{year(int(m.group(3)))}"),
    (_BARE_YEAR, lambda m: year(int(m.group(1)))),
    (_NEGATIVE, lambda m: "minus "),
    (_NUMBER, lambda m: number(m.group(0))),
]


def _english(text: str) -> str:
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    for symbol, words in _SYMBOLS:
        text = symbol.sub(words, text)
    for step, spell in _ENGLISH_STEPS:
        text = step.sub(spell, text)
    return text


def _tidy(text: str) -> str:
    text = _LEFTOVER.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _REPEATED_COMMA.sub(", ", text)
    return text.strip().lstrip(",;:").strip()


# ---- the clause stream ----------------------------------------------------------------------

_HOLD = re.compile(
    rf"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|Mt|No|vs|approx|{_MONTH_ABBR_NAMES})\.|\be\.g\.|\bi\.e\.|"
    rf"\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,)\s*$"
)


class SpeakableClauses:
    """Convert a reply clause by clause, carrying what crosses clause boundaries.

    Args:
        language: The BCP-47 code the reply is spoken in; number, date and abbreviation
            rules apply to English (``en-*``) only, markup removal to every language.
    """

    def __init__(self, language: str = "en-US") -> None:
        self._english = language.lower().startswith("en")
        self._in_code = False
        self._line_start = True
        # The line being read began as a list item, heading or table row.
        self._block_line = False
        self._held = ""

    def push(self, clause: str) -> str:
        """The speakable form of the next clause; ``""`` when nothing of it is to be said yet.

        The clause's surrounding whitespace is kept, so the spoken clauses joined together
        read like the reply.
        """
        text = self._held + clause
        line_start = self._line_start and not self._in_code
        if len(text) < MAX_HELD_CHARS and (
            _HOLD.search(text) or (line_start and _LONE_ITEM.match(text) and "\n" not in text)
        ):
            self._held = text
            return ""
        self._held = ""
        return self._convert(text)

    def flush(self) -> str:
        """Whatever is still held, once the reply has ended."""
        held, self._held = self._held, ""
        return self._convert(held) if held else ""

    def _convert(self, text: str) -> str:
        out = []
        for line in text.splitlines(keepends=True):
            at_start = self._line_start
            self._line_start = line.endswith(("\n", "\r"))
            if _FENCE.match(line) and at_start:
                self._in_code = not self._in_code
                continue
            if self._in_code:
                continue
            out.append(self._line(line, at_start))
        return "".join(out)

    def _line(self, line: str, at_start: bool) -> str:
        lead = line[: len(line) - len(line.lstrip())]
        trail = line[len(line.rstrip()) :]
        body = line.strip()
        if not body:
            return line
        block = self._block_line and not at_start
        if at_start:
            if _TABLE_RULE.match(body) or _HORIZONTAL_RULE.match(body) or _SETEXT_RULE.match(body):
                return ""
            heading = _HEADING.match(body)
            if heading:
                body, block = heading.group(1), True
            body = _QUOTE.sub("", body)
            item = _ITEM.match(body)
            if item:
                body, block = body[item.end() :], True
            block = block or body.startswith("|")
        ends_line = line.endswith(("\n", "\r"))
        self._block_line = block and not ends_line
        spoken = _markup(body)
        if self._english:
            spoken = _english(spoken)
        spoken = _tidy(spoken)
        if not spoken:
            return ""
        if block and ends_line and not _ENDS_WITH_PUNCT.search(spoken):
            # A list item, heading or table row ends with a pause, as it would be read.
            spoken += "."
        return lead + spoken + trail


def speakable(text: str, language: str = "en-US") -> str:
    """The words to say for a whole text (see :class:`SpeakableClauses`).

    Args:
        text: What the model wrote.
        language: The BCP-47 code it is spoken in.
    """
    stream = SpeakableClauses(language)
    return stream.push(text) + stream.flush()
