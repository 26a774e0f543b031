"""Whether a turn's words are about what the user shows: their screen, a picture, the camera.

A tiny model's reply to such a turn, when its prompt holds an image, is written by
its reader (:func:`openlive.pipeline.responder.reply_engine`): SmolLM2-135M given a
screen's description quotes the wrong block of it or says it cannot see screens.
Every other turn of a session that shares its screen stays with the tiny model:
the reader's first token comes seconds later on a loaded machine, and a voice
session shown frames at 1 fps has an image in every turn's prompt.

A word list, not a model: it is asked for every turn with an image, on the event
loop, and must cost nothing. It leans towards yes: a turn taken wrongly costs the
reader's slower reply, one missed gets the tiny model's answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from openlive.engines.base import ChatMessage
from openlive.parts import AudioPart, TextPart

# What a user names on a screen, in a picture or in front of a camera.
SHOWN = frozenset(
    """
    screen screens display monitor desktop image images picture pictures photo photos
    screenshot camera video frame window windows page pages tab tabs site website app
    dialog dialogue popup box message messages error errors warning warnings notification
    notifications alert banner button buttons menu title titles headline heading caption
    label text words line lines link email document file slide code terminal chart graph
    table sign poster form field
    """.split()
)
# Seeing and reading.
SEEING = frozenset(
    """
    see sees seeing seen saw look looks looking watch watching show shows showing shown
    read reading say says saying written writing displayed displays appear appears visible
    notice spot
    """.split()
)
# Pointing at something shown.
POINTING = frozenset("this that these those here".split())
WORDS = SHOWN | SEEING | POINTING

_WORD = re.compile(r"[a-z]+")


def refers_to_shown(text: str) -> bool:
    """Whether ``text`` names something shown, seeing or reading it, or points at it ("what's this?")."""
    return not WORDS.isdisjoint(_WORD.findall(text.lower().replace("'", " ")))


# Words too common to tie a question to a screen's text ("what is the ..." on both).
COMMON = frozenset(
    """
    the and for are but not you your yours all any can had has have her hers him his how its
    our out who whom whose what when where which why will with would could should shall may
    might must was were been being did does doing done this that these those there here then
    than them they their theirs she he me my mine myself we us it is am an as at be by do go
    if in into of on or so to up no yes from about after again also just like more most much
    many some such only own same very too now new one get got let make made take tell want
    need know think please thanks thank okay hey hello right well really still ever
    whats thats theres heres cant dont wont didnt doesnt isnt arent youre
    """.split()
)
# A piece of a word the screen reader quoted: letters, or digits ("14th": "14" and "th").
_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_QUOTED = re.compile(r'"([^"]*)"')


def names_shown_text(text: str, shown: str) -> bool:
    """Whether ``text`` names a word of the text quoted in the description ``shown``.

    The screen reader quotes every line it read in double quotes; a question that
    uses one of those words ("what's the total?" over a sheet with a "Total" row,
    "how much space is available?" over "Available 44 GB") is about the screen even
    without a word of :func:`refers_to_shown`. Common words do not count, and words
    of three letters or fewer count only as numbers.
    """
    quoted = {
        token for line in _QUOTED.findall(shown.lower()) for token in _TOKEN.findall(line.replace("'", ""))
    }
    asked = {token for token in _TOKEN.findall(text.lower().replace("'", "")) if _telling(token)}
    return not asked.isdisjoint(quoted)


def _telling(token: str) -> bool:
    """A word that can tie a question to a screen: not common, and a number or longer than three letters."""
    return token not in COMMON and (token.isdigit() or len(token) > 3)


def users_words(messages: Sequence[ChatMessage]) -> str:
    """The words of the newest user message (typed, or its speech's transcript); ``""`` if none."""
    for message in reversed(messages):
        if message.role != "user":
            continue
        if not message.parts:
            return message.content
        return " ".join(
            part.text if isinstance(part, TextPart) else part.transcript
            for part in message.parts
            if isinstance(part, TextPart | AudioPart)
        )
    return ""
