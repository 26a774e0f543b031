"""A held-out set of shared screens and questions about them, answered through the real server.

Written on 2026-12-06 before any of its answers were looked at, and kept apart from the
screen reader's own evaluation set (``tests/e2e/engines/screens.py``): other kinds of
window, other wording, other layouts. Each item is a 1280x720 "screenshot" drawn with
Pillow (DejaVu and Liberation fonts where installed, else Pillow's own; 14-34 px; light
and dark themes; JPEG at quality 70-85, as a client sends frames), a question a user
asks about it ("what does my screen say?", "what's the error message?", "what's the
title of the window?", ...) and the key text the answer must contain.

An answer reads the screen back correctly when its key text is in it, compared after
case, punctuation and spacing are normalised (a spoken answer's transcript has no
punctuation to compare).

Run it through a real server (``python -m tests.e2e.screen_questions``): it starts
``openlive serve`` on the embedded models, asks each question in a fresh session with
the frame shared twice (a second of screen sharing), at the server's default
temperature and at 0, and prints each answer and the score; ``--describe`` also says
whether the key text was in the screen reader's description (an OCR miss) or only the
model failed to say it. ``--fresh``, ``--unseen`` and ``--heldout`` ask the second,
third and fourth sets (``FRESH``, ``UNSEEN``, ``HELDOUT``) instead.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1280, 720
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def font(name: str | None, size: int) -> Font:
    """A font by file name, or Pillow's own (``None``, or the file is not installed)."""
    for directory in FONT_DIRS:
        if name and (directory / name).exists():
            return ImageFont.truetype(str(directory / name), size)
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class Look:
    """A theme and the fonts a frame is drawn in."""

    dark: bool
    face: str | None
    size: int
    quality: int

    @property
    def ground(self) -> tuple[int, int, int]:
        return (30, 32, 38) if self.dark else (246, 246, 248)

    @property
    def ink(self) -> tuple[int, int, int]:
        return (225, 228, 232) if self.dark else (28, 30, 34)

    @property
    def muted(self) -> tuple[int, int, int]:
        return (150, 155, 165) if self.dark else (110, 115, 125)

    @property
    def panel(self) -> tuple[int, int, int]:
        return (48, 52, 60) if self.dark else (255, 255, 255)

    @property
    def bar(self) -> tuple[int, int, int]:
        return (20, 22, 26) if self.dark else (222, 224, 230)


class Canvas:
    """A frame being drawn: a window with a title bar, then its content."""

    def __init__(self, look: Look, title: str) -> None:
        self.look = look
        self.image = Image.new("RGB", (WIDTH, HEIGHT), look.ground)
        self.draw = ImageDraw.Draw(self.image)
        self.draw.rectangle((0, 0, WIDTH, 40), fill=look.bar)
        for index, colour in enumerate(((236, 95, 90), (245, 190, 80), (100, 200, 90))):
            self.draw.ellipse((14 + 22 * index, 13, 28 + 22 * index, 27), fill=colour)
        face = font(look.face, 17)
        width = self.draw.textlength(title, font=face)
        self.draw.text(((WIDTH - width) / 2, 10), title, fill=look.ink, font=face)

    def text(self, xy: tuple[float, float], text: str, size: int | None = None, **kw: Any) -> None:
        fill = kw.pop("fill", self.look.ink)
        self.draw.text(xy, text, fill=fill, font=font(kw.pop("face", self.look.face), size or self.look.size))

    def box(self, xy: tuple[float, float, float, float], fill: Any = None, outline: Any = None) -> None:
        self.draw.rounded_rectangle(xy, radius=8, fill=fill or self.look.panel, outline=outline)

    def jpeg(self) -> bytes:
        out = io.BytesIO()
        self.image.save(out, format="JPEG", quality=self.look.quality)
        return out.getvalue()


@dataclass(frozen=True)
class Item:
    """One shared screen, the question asked about it, and what the answer must contain."""

    name: str
    draw: Callable[[], bytes]
    question: str
    key: str


ASK_SAY = "What does my screen say?"
ASK_ERROR = "What's the error message?"
ASK_TITLE = "What's the title of the window?"
ASK_READ = "Can you read me what's on my screen?"
ASK_DIALOG = "What does this dialog say?"
ASK_HEADLINE = "What's the headline on this page?"


def _dialog(look: Look, title: str, heading: str, body: str, buttons: tuple[str, ...]) -> bytes:
    c = Canvas(look, title)
    c.text((60, 80), "Documents   Downloads   Pictures   Music", size=15, fill=look.muted)
    c.box((340, 210, 940, 500), outline=look.muted)
    c.text((380, 240), heading, size=look.size + 6)
    c.text((380, 300), body, size=look.size - 2)
    x = 900
    for label in reversed(buttons):
        w = c.draw.textlength(label, font=font(look.face, 16)) + 36
        c.box((x - w, 440, x, 476), fill=(60, 110, 220))
        c.text((x - w + 18, 448), label, size=16, fill=(255, 255, 255))
        x -= w + 14
    return c.jpeg()


def _terminal(look: Look, title: str, lines: tuple[str, ...]) -> bytes:
    c = Canvas(Look(True, look.face, look.size, look.quality), title)
    y = 60.0
    for line in lines:
        colour = (
            (240, 110, 100) if "rror" in line or "denied" in line or "not found" in line else (210, 215, 210)
        )
        c.text((24, y), line, fill=colour)
        y += look.size * 1.6
    return c.jpeg()


def _web(look: Look, title: str, url: str, headline: str, body: tuple[str, ...], aside: str) -> bytes:
    c = Canvas(look, title)
    c.box((20, 50, WIDTH - 20, 84), fill=look.panel)
    c.text((36, 56), url, size=16, fill=look.muted)
    c.text((60, 100), "Home   News   Sport   Weather   Contact", size=16, fill=look.muted)
    c.text((60, 160), headline, size=look.size + 12)
    y = 240.0
    for line in body:
        c.text((60, y), line, size=look.size - 2)
        y += look.size * 1.7
    c.box((900, 160, 1240, 400), outline=look.muted)
    c.text((920, 180), aside, size=15, fill=look.muted)
    return c.jpeg()


def _menu(look: Look, title: str, entries: tuple[str, ...], note: str) -> bytes:
    c = Canvas(look, title)
    c.text((20, 50), "File   Edit   View   Insert   Format   Tools   Help", size=16)
    c.box((60, 80, 360, 80 + 38 * len(entries)), outline=look.muted)
    for index, entry in enumerate(entries):
        c.text((80, 90 + 38 * index), entry, size=look.size - 2)
    c.text((460, 330), note, size=look.size + 4)
    return c.jpeg()


def _toast(look: Look, title: str, backdrop: tuple[str, ...], heading: str, message: str) -> bytes:
    c = Canvas(look, title)
    y = 80.0
    for line in backdrop:
        c.text((60, y), line, size=15, fill=look.muted)
        y += 28
    c.box((820, 560, 1250, 690), outline=(230, 120, 60))
    c.text((845, 578), heading, size=look.size)
    c.text((845, 625), message, size=look.size - 4)
    return c.jpeg()


def _form(look: Look, title: str, fields: tuple[str, ...], error: str) -> bytes:
    c = Canvas(look, title)
    c.box((440, 120, 840, 600))
    c.text((480, 150), "Sign in", size=30)
    y = 220.0
    for field in fields:
        c.text((480, y), field, size=15, fill=look.muted)
        c.box((480, y + 24, 800, y + 60), fill=look.ground, outline=look.muted)
        y += 90
    c.text((480, y + 10), error, size=look.size - 2, fill=(210, 50, 50))
    return c.jpeg()


def _editor(look: Look, title: str, code: tuple[str, ...], problem: str) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 220, HEIGHT), fill=look.bar)
    for index, name in enumerate(("src", "main.py", "utils.py", "tests", "README.md")):
        c.text((16, 60 + 28 * index), name, size=15)
    y = 60.0
    for number, line in enumerate(code, start=1):
        c.text((240, y), f"{number:>3}  {line}", size=look.size - 2, face="DejaVuSansMono.ttf")
        y += look.size * 1.5
    c.box((220, 560, WIDTH, HEIGHT), fill=look.panel)
    c.text((240, 572), "PROBLEMS   OUTPUT   TERMINAL", size=14, fill=look.muted)
    c.text((240, 610), problem, size=look.size - 2, fill=(220, 80, 70))
    return c.jpeg()


def _banner(look: Look, title: str, big: str, small: tuple[str, ...]) -> bytes:
    c = Canvas(look, title)
    face = font(look.face, look.size + 18)
    width = c.draw.textlength(big, font=face)
    c.text(((WIDTH - width) / 2, 250), big, size=look.size + 18)
    y = 340.0
    for line in small:
        w = c.draw.textlength(line, font=font(look.face, look.size - 2))
        c.text(((WIDTH - w) / 2, y), line, size=look.size - 2, fill=look.muted)
        y += look.size * 1.6
    return c.jpeg()


L = Look


ITEMS: tuple[Item, ...] = (
    Item(
        "error dialog, light sans",
        lambda: _dialog(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Photo Library",
            "Import failed",
            "The card reader was disconnected.",
            ("Retry", "Cancel"),
        ),
        ASK_ERROR,
        "card reader was disconnected",
    ),
    Item(
        "confirm dialog, dark liberation",
        lambda: _dialog(
            L(True, "LiberationSans-Regular.ttf", 22, 75),
            "Notes",
            "Delete this note?",
            "You cannot undo this action.",
            ("Delete", "Keep"),
        ),
        ASK_DIALOG,
        "delete this note",
    ),
    Item(
        "save dialog, title question",
        lambda: _dialog(
            L(False, "LiberationSerif-Regular.ttf", 22, 85),
            "Quarterly Budget Draft",
            "Save changes?",
            "Your edits will be lost otherwise.",
            ("Save", "Discard"),
        ),
        ASK_TITLE,
        "quarterly budget draft",
    ),
    Item(
        "terminal, permission denied",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 18, 80),
            "bash - server",
            (
                "$ cp backup.tar /var/archive/",
                "cp: cannot create regular file: Permission denied",
                "$ ",
            ),
        ),
        ASK_ERROR,
        "permission denied",
    ),
    Item(
        "terminal, module not found",
        lambda: _terminal(
            L(True, "LiberationMono-Regular.ttf", 18, 75),
            "python",
            (
                ">>> import pandas",
                "Traceback (most recent call last):",
                "ModuleNotFoundError: No module named pandas",
                ">>>",
            ),
        ),
        ASK_ERROR,
        "no module named pandas",
    ),
    Item(
        "terminal, read screen",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 20, 80),
            "deploy",
            ("$ make deploy", "Uploading 14 files", "Deployment complete in 38 seconds", "$ "),
        ),
        ASK_SAY,
        "deployment complete",
    ),
    Item(
        "news page headline",
        lambda: _web(
            L(False, "DejaVuSerif.ttf", 22, 80),
            "Morning Post",
            "https://morningpost.example/city",
            "River festival returns this summer",
            ("Organisers expect more boats than ever.", "Tickets go on sale next week."),
            "Most read today",
        ),
        ASK_HEADLINE,
        "river festival returns this summer",
    ),
    Item(
        "recipe page, dark, screen says",
        lambda: _web(
            L(True, "LiberationSans-Regular.ttf", 22, 75),
            "Kitchen Notes",
            "https://kitchen.example/bread",
            "Simple sourdough bread",
            ("Mix flour, water and starter.", "Rest the dough overnight."),
            "Related recipes",
        ),
        ASK_SAY,
        "simple sourdough bread",
    ),
    Item(
        "404 page",
        lambda: _banner(
            L(False, "DejaVuSans-Bold.ttf", 26, 80),
            "Browser",
            "Page not found",
            ("The link you followed may be broken.", "Go back to the home page."),
        ),
        ASK_SAY,
        "page not found",
    ),
    Item(
        "context menu",
        lambda: _menu(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Writer",
            ("Cut", "Copy", "Paste", "Insert comment", "Word count"),
            "Chapter two: the long winter",
        ),
        ASK_SAY,
        "chapter two",
    ),
    Item(
        "menu, dark, title question",
        lambda: _menu(
            L(True, "LiberationSans-Regular.ttf", 20, 75),
            "Garden Planner",
            ("New bed", "Open plan", "Export", "Print"),
            "Tomatoes need water today",
        ),
        ASK_TITLE,
        "garden planner",
    ),
    Item(
        "toast notification",
        lambda: _toast(
            L(False, "DejaVuSans.ttf", 22, 80),
            "Calendar",
            ("Monday 9:00  Standup", "Monday 11:00  Design review", "Tuesday 14:00  Dentist"),
            "Battery low",
            "Plug in your charger soon",
        ),
        ASK_SAY,
        "battery low",
    ),
    Item(
        "toast, dark, error",
        lambda: _toast(
            L(True, "LiberationSans-Bold.ttf", 22, 75),
            "Mail",
            ("Inbox (3)", "Sent", "Drafts", "Archive"),
            "Sending failed",
            "The server rejected the attachment",
        ),
        ASK_ERROR,
        "server rejected the attachment",
    ),
    Item(
        "login form error",
        lambda: _form(
            L(False, "LiberationSans-Regular.ttf", 22, 85),
            "Bank Portal",
            ("Username", "Password"),
            "Incorrect password, try again",
        ),
        ASK_ERROR,
        "incorrect password",
    ),
    Item(
        "login form, dark, title",
        lambda: _form(
            L(True, "DejaVuSans.ttf", 20, 80),
            "Staff Rota",
            ("Email", "Password"),
            "Account locked for 10 minutes",
        ),
        ASK_TITLE,
        "staff rota",
    ),
    Item(
        "editor problem panel",
        lambda: _editor(
            L(False, "DejaVuSans.ttf", 20, 80),
            "main.py - Visual Editor",
            ("import json", "", "def load(path):", "    with open(path) as f:", "        return json.lod(f)"),
            "AttributeError: module json has no attribute lod",
        ),
        ASK_ERROR,
        "has no attribute lod",
    ),
    Item(
        "editor, dark, title",
        lambda: _editor(
            L(True, "DejaVuSans.ttf", 20, 75),
            "invoice_report.py",
            ("total = 0", "for row in rows:", "    total += row.amount", "print(total)"),
            "No problems have been detected",
        ),
        ASK_TITLE,
        "invoice_report.py",
    ),
    Item(
        "update prompt, read",
        lambda: _banner(
            L(False, "LiberationSans-Regular.ttf", 24, 80),
            "Software Update",
            "Restart to finish updating",
            ("Your work will be saved.", "This takes about five minutes."),
        ),
        ASK_READ,
        "restart to finish updating",
    ),
    Item(
        "installer progress, dark",
        lambda: _banner(
            L(True, "DejaVuSansCondensed.ttf", 24, 75),
            "Installer",
            "Copying files 42 percent",
            ("Please keep the computer on.",),
        ),
        ASK_SAY,
        "copying files",
    ),
    Item(
        "pillow default font dialog",
        lambda: _dialog(
            L(False, None, 22, 80),
            "Printer",
            "Paper jam in tray 2",
            "Open the side door and remove the paper.",
            ("OK",),
        ),
        ASK_ERROR,
        "paper jam in tray 2",
    ),
    Item(
        "pillow default font web page",
        lambda: _web(
            L(False, None, 22, 80),
            "Town Library",
            "https://library.example/events",
            "Storytime moves to Saturday",
            ("Children of all ages welcome.", "Free entry, no booking."),
            "Opening hours",
        ),
        ASK_HEADLINE,
        "storytime moves to saturday",
    ),
    Item(
        "small text dialog",
        lambda: _dialog(
            L(False, "DejaVuSans.ttf", 16, 70),
            "Backup",
            "Backup finished",
            "All 312 photos were copied.",
            ("Close",),
        ),
        ASK_SAY,
        "backup finished",
    ),
    Item(
        "serif dark dialog, read",
        lambda: _dialog(
            L(True, "DejaVuSerif.ttf", 20, 80),
            "Video Call",
            "Your camera is blocked",
            "Allow camera access in settings.",
            ("Open settings",),
        ),
        ASK_READ,
        "camera is blocked",
    ),
    Item(
        "narrow font terminal, read",
        lambda: _terminal(
            L(True, "LiberationSansNarrow-Regular.ttf", 20, 80),
            "ssh",
            ("$ ssh build-box", "ssh: Could not resolve hostname build-box", "$ "),
        ),
        ASK_ERROR,
        "could not resolve hostname",
    ),
)


# Written at 11:55 on 2026-12-06, after the description's format had been changed while
# looking at some answers of ITEMS (so those are no longer fully held out), and scored
# once afterwards with nothing changed in between.
FRESH: tuple[Item, ...] = (
    Item(
        "fresh: disk full dialog",
        lambda: _dialog(
            L(False, "LiberationSans-Regular.ttf", 20, 80),
            "Finder",
            "Disk almost full",
            "Free up space to keep syncing.",
            ("Manage", "Later"),
        ),
        ASK_SAY,
        "disk almost full",
    ),
    Item(
        "fresh: dark error dialog",
        lambda: _dialog(
            L(True, "DejaVuSans.ttf", 20, 75),
            "Spreadsheet",
            "Formula error",
            "Division by zero in cell C14.",
            ("OK",),
        ),
        ASK_ERROR,
        "division by zero",
    ),
    Item(
        "fresh: dialog title",
        lambda: _dialog(
            L(False, "DejaVuSerif.ttf", 20, 80),
            "Holiday Photos 2026",
            "Share album?",
            "Anyone with the link can view it.",
            ("Share", "Cancel"),
        ),
        ASK_TITLE,
        "holiday photos 2026",
    ),
    Item(
        "fresh: git terminal",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 18, 80),
            "git",
            ("$ git push origin main", "error: failed to push some refs", "$ "),
        ),
        ASK_ERROR,
        "failed to push some refs",
    ),
    Item(
        "fresh: npm terminal read",
        lambda: _terminal(
            L(True, "LiberationMono-Regular.ttf", 20, 80),
            "node",
            ("$ npm test", "All 57 tests passed", "$ "),
        ),
        ASK_SAY,
        "all 57 tests passed",
    ),
    Item(
        "fresh: disk terminal",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 18, 75),
            "admin",
            ("$ rm old.log", "rm: old.log: No such file or directory", "$ "),
        ),
        ASK_ERROR,
        "no such file or directory",
    ),
    Item(
        "fresh: weather page",
        lambda: _web(
            L(False, "LiberationSans-Regular.ttf", 22, 80),
            "Weather",
            "https://weather.example/today",
            "Heavy rain expected tonight",
            ("Bring an umbrella tomorrow.", "Winds up to 40 km per hour."),
            "Ten day forecast",
        ),
        ASK_HEADLINE,
        "heavy rain expected tonight",
    ),
    Item(
        "fresh: shop page dark",
        lambda: _web(
            L(True, "DejaVuSans.ttf", 22, 75),
            "Shop",
            "https://shop.example/cart",
            "Your cart is empty",
            ("Browse our new arrivals.", "Free delivery over 50 euros."),
            "Recently viewed",
        ),
        ASK_SAY,
        "your cart is empty",
    ),
    Item(
        "fresh: blog page title",
        lambda: _web(
            L(False, "DejaVuSerif.ttf", 20, 80),
            "Field Notes Blog",
            "https://fieldnotes.example",
            "Birds of the northern coast",
            ("Puffins return in April.", "Gannets nest on the cliffs."),
            "Archive",
        ),
        ASK_TITLE,
        "field notes blog",
    ),
    Item(
        "fresh: menu note",
        lambda: _menu(
            L(False, "LiberationSans-Regular.ttf", 20, 80),
            "Slides",
            ("New slide", "Duplicate", "Delete slide", "Hide slide"),
            "Quarterly sales review",
        ),
        ASK_SAY,
        "quarterly sales review",
    ),
    Item(
        "fresh: toast reminder",
        lambda: _toast(
            L(False, "DejaVuSans.ttf", 22, 80),
            "Tasks",
            ("Buy milk", "Call the plumber", "Renew passport"),
            "Meeting in 5 minutes",
            "Team sync in room B",
        ),
        ASK_SAY,
        "meeting in 5 minutes",
    ),
    Item(
        "fresh: toast error dark",
        lambda: _toast(
            L(True, "DejaVuSans.ttf", 22, 75),
            "Music",
            ("Playlists", "Albums", "Artists"),
            "Playback error",
            "This song is not available offline",
        ),
        ASK_ERROR,
        "not available offline",
    ),
    Item(
        "fresh: form error",
        lambda: _form(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Library Account",
            ("Card number", "PIN"),
            "Card number not recognised",
        ),
        ASK_ERROR,
        "card number not recognised",
    ),
    Item(
        "fresh: form title",
        lambda: _form(
            L(False, "LiberationSerif-Regular.ttf", 22, 85),
            "Parking Permits",
            ("Email", "Password"),
            "Session expired, sign in again",
        ),
        ASK_TITLE,
        "parking permits",
    ),
    Item(
        "fresh: editor syntax error",
        lambda: _editor(
            L(False, "DejaVuSans.ttf", 20, 80),
            "app.js - Code",
            ("const total = items", "  .map(x => x.price", "  .reduce((a, b) => a + b)"),
            "SyntaxError: missing ) after argument list",
        ),
        ASK_ERROR,
        "missing after argument list",
    ),
    Item(
        "fresh: banner read",
        lambda: _banner(
            L(False, "DejaVuSans-Bold.ttf", 24, 80),
            "Video",
            "Connection lost",
            ("Trying to reconnect.", "Check your network."),
        ),
        ASK_READ,
        "connection lost",
    ),
    Item(
        "fresh: banner dark",
        lambda: _banner(
            L(True, "LiberationSans-Regular.ttf", 26, 75),
            "Game",
            "Level complete",
            ("Score 4200", "Press any key to continue."),
        ),
        ASK_SAY,
        "level complete",
    ),
    Item(
        "fresh: pillow font banner",
        lambda: _banner(
            L(False, None, 24, 80),
            "Scanner",
            "Scan saved to Documents",
            ("3 pages, 1.2 MB",),
        ),
        ASK_SAY,
        "scan saved to documents",
    ),
    Item(
        "fresh: pillow font dark dialog",
        lambda: _dialog(
            L(True, None, 20, 80),
            "Camera",
            "Memory card locked",
            "Slide the lock switch to record.",
            ("OK",),
        ),
        ASK_ERROR,
        "memory card locked",
    ),
    Item(
        "fresh: condensed dialog read",
        lambda: _dialog(
            L(False, "DejaVuSansCondensed.ttf", 20, 80),
            "Timer",
            "Time is up",
            "Your pasta is ready.",
            ("Stop",),
        ),
        ASK_READ,
        "time is up",
    ),
)


ASK_WRITTEN = "What's written on my screen?"
ASK_NOTICE = "What does that notification say?"
ASK_TELL = "Tell me what this says."

# Written at 01:58 on 2026-12-07, before the reply to a turn with an image was given to
# another model and before any of these answers were seen; scored before and after.
UNSEEN: tuple[Item, ...] = (
    Item(
        "unseen: sync dialog",
        lambda: _dialog(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Cloud Drive",
            "Sync paused",
            "Your laptop is on battery saver.",
            ("Resume", "Close"),
        ),
        ASK_WRITTEN,
        "sync paused",
    ),
    Item(
        "unseen: printer error dark",
        lambda: _dialog(
            L(True, "LiberationSans-Regular.ttf", 22, 80),
            "Print",
            "Printer offline",
            "Paper jam in tray two.",
            ("Cancel job",),
        ),
        ASK_ERROR,
        "paper jam in tray two",
    ),
    Item(
        "unseen: dialog tell",
        lambda: _dialog(
            L(False, "LiberationSerif-Regular.ttf", 22, 85),
            "Mail",
            "Send without subject?",
            "The message has no subject line.",
            ("Send", "Don't send"),
        ),
        ASK_TELL,
        "send without subject",
    ),
    Item(
        "unseen: window title settings",
        lambda: _dialog(
            L(True, "DejaVuSans.ttf", 20, 75),
            "Garden Planner Pro",
            "Reset layout?",
            "All beds will move back to the grid.",
            ("Reset", "Cancel"),
        ),
        ASK_TITLE,
        "garden planner pro",
    ),
    Item(
        "unseen: terminal disk",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 18, 80),
            "deploy",
            ("$ docker build .", "error: no space left on device", "$ "),
        ),
        ASK_ERROR,
        "no space left on device",
    ),
    Item(
        "unseen: terminal tests read",
        lambda: _terminal(
            L(True, "LiberationMono-Regular.ttf", 20, 75),
            "make",
            ("$ make check", "Build finished in 12 seconds", "$ "),
        ),
        ASK_WRITTEN,
        "build finished in 12 seconds",
    ),
    Item(
        "unseen: terminal connection refused",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 20, 80),
            "psql",
            ("$ psql -h db", "psql: connection refused", "$ "),
        ),
        ASK_READ,
        "connection refused",
    ),
    Item(
        "unseen: news page",
        lambda: _web(
            L(False, "DejaVuSerif.ttf", 22, 80),
            "City Times",
            "https://citytimes.example/local",
            "New bridge opens on Monday",
            ("Traffic will be diverted.", "Cyclists get a separate lane."),
            "Most read",
        ),
        ASK_HEADLINE,
        "new bridge opens on monday",
    ),
    Item(
        "unseen: recipe page dark",
        lambda: _web(
            L(True, "LiberationSans-Regular.ttf", 22, 80),
            "Recipes",
            "https://cook.example/soup",
            "Easy tomato soup",
            ("Ready in 25 minutes.", "Serves four people."),
            "Related recipes",
        ),
        ASK_WRITTEN,
        "easy tomato soup",
    ),
    Item(
        "unseen: page title",
        lambda: _web(
            L(False, "DejaVuSans.ttf", 20, 85),
            "Mountain Rail Tickets",
            "https://rail.example/book",
            "Choose your seat",
            ("Window seats are sold out.", "Aisle seats remain."),
            "Your trip",
        ),
        ASK_TITLE,
        "mountain rail tickets",
    ),
    Item(
        "unseen: menu note",
        lambda: _menu(
            L(True, "DejaVuSans.ttf", 20, 80),
            "Photos",
            ("Rotate", "Crop", "Adjust colour", "Export"),
            "Export complete",
        ),
        ASK_SAY,
        "export complete",
    ),
    Item(
        "unseen: toast message",
        lambda: _toast(
            L(False, "LiberationSans-Regular.ttf", 22, 80),
            "Calendar",
            ("Monday", "Tuesday", "Wednesday"),
            "Battery low",
            "Plug in your charger soon",
        ),
        ASK_NOTICE,
        "battery low",
    ),
    Item(
        "unseen: toast dark",
        lambda: _toast(
            L(True, "DejaVuSerif.ttf", 20, 75),
            "Chat",
            ("Anna: see you at six", "Ben: running late"),
            "Upload failed",
            "The file is larger than 25 MB",
        ),
        ASK_ERROR,
        "larger than 25 mb",
    ),
    Item(
        "unseen: form error",
        lambda: _form(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Gym Members",
            ("Member ID", "Password"),
            "Wrong password, try again",
        ),
        ASK_ERROR,
        "wrong password",
    ),
    Item(
        "unseen: form read",
        lambda: _form(
            L(True, "LiberationSans-Regular.ttf", 22, 80),
            "Bank",
            ("Username", "Code"),
            "Account locked for 10 minutes",
        ),
        ASK_READ,
        "account locked for 10 minutes",
    ),
    Item(
        "unseen: editor error",
        lambda: _editor(
            L(True, "DejaVuSans.ttf", 20, 80),
            "server.go - Code",
            ("func main() {", "    port := config.Port", "}"),
            "undefined: config",
        ),
        ASK_ERROR,
        "undefined config",
    ),
    Item(
        "unseen: editor warning",
        lambda: _editor(
            L(False, "LiberationSans-Regular.ttf", 20, 80),
            "notes.py - Code",
            ("import os", "import sys", "print(sys.argv)"),
            "Unused import os",
        ),
        ASK_SAY,
        "unused import os",
    ),
    Item(
        "unseen: banner",
        lambda: _banner(
            L(False, "DejaVuSans-Bold.ttf", 24, 80),
            "Installer",
            "Installation complete",
            ("You can close this window.",),
        ),
        ASK_TELL,
        "installation complete",
    ),
    Item(
        "unseen: banner dark",
        lambda: _banner(
            L(True, "LiberationSerif-Regular.ttf", 26, 80),
            "Stream",
            "Stream starting soon",
            ("Stay tuned.", "Chat is open."),
        ),
        ASK_SAY,
        "stream starting soon",
    ),
    Item(
        "unseen: pillow font banner",
        lambda: _banner(
            L(True, None, 24, 80),
            "Updater",
            "Restart required",
            ("Save your work first.",),
        ),
        ASK_NOTICE,
        "restart required",
    ),
)


# ---------------------------------------------------------------------------------------
# The fourth set: written at 05:05 on 2026-12-07, before any change of the readback2 branch
# and before any of its answers were seen. Scored (default temperature, one trial each) at
# 5/26 before the reading turn (responder.reading_prompt), 12-14/26 after it in four runs;
# of the fourteen misses of the last run, three are OCR (words run together: "securityfixes",
# "Yourflight", "platfom"), two a table or cart read by columns (a total apart from its
# label), four or five questions that name nothing on the screen and stay with SmolLM2
# ("Where am I going?", "What is it asking?"), the rest the reader answering wrongly (a
# window title for a page's heading, a calendar's other day). New kinds of
# window (chat, calendar, settings, spreadsheet, compiler output, cart, route, inbox, system
# dialogs), questions that do not name the screen, several fonts and sizes, light and dark.


def _chat(look: Look, title: str, contacts: tuple[str, ...], said: tuple[tuple[str, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 280, HEIGHT), fill=look.bar)
    for index, name in enumerate(contacts):
        c.text((24, 64 + 44 * index), name, size=17)
    y = 80.0
    for index, (sender, text) in enumerate(said):
        right = index % 2 == 1
        x = 720 if right else 320
        c.text((x, y), sender, size=14, fill=look.muted)
        c.box((x - 10, y + 22, x + 520, y + 22 + look.size * 2), fill=(60, 110, 220) if right else look.panel)
        c.text((x + 4, y + 22 + look.size * 0.45), text, fill=(255, 255, 255) if right else look.ink)
        y += look.size * 2 + 52
    c.box((300, 650, 1260, 700), outline=look.muted)
    c.text((320, 662), "Type a message", size=16, fill=look.muted)
    return c.jpeg()


def _calendar(look: Look, title: str, month: str, events: tuple[tuple[int, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.text((40, 56), month, size=look.size + 8)
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    cell_w, cell_h = (WIDTH - 80) / 7, 110
    for index, day in enumerate(days):
        c.text((40 + index * cell_w + 8, 110), day, size=15, fill=look.muted)
    booked = dict(events)
    for week in range(5):
        for day in range(7):
            number = week * 7 + day + 1
            if number > 31:
                continue
            x, y = 40 + day * cell_w, 138 + week * cell_h
            c.draw.rectangle((x, y, x + cell_w, y + cell_h), outline=look.muted)
            c.text((x + 8, y + 6), str(number), size=14, fill=look.muted)
            if number in booked:
                c.box((x + 4, y + 34, x + cell_w - 4, y + 70), fill=(90, 160, 110))
                c.text((x + 10, y + 42), booked[number], size=look.size - 6, fill=(255, 255, 255))
    return c.jpeg()


def _settings(
    look: Look, title: str, sections: tuple[str, ...], heading: str, rows: tuple[tuple[str, str], ...]
) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 300, HEIGHT), fill=look.bar)
    for index, name in enumerate(sections):
        c.text((28, 70 + 40 * index), name, size=17)
    c.text((360, 70), heading, size=look.size + 10)
    y = 150.0
    for label, value in rows:
        c.box((350, y, 1230, y + 56))
        c.text((376, y + 15), label, size=look.size - 2)
        w = c.draw.textlength(value, font=font(look.face, look.size - 2))
        c.text((1200 - w, y + 15), value, size=look.size - 2, fill=look.muted)
        y += 70
    return c.jpeg()


def _sheet(look: Look, title: str, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> bytes:
    c = Canvas(look, title)
    c.text((20, 50), "File   Edit   View   Insert   Data   Help", size=15)
    columns = len(header)
    x0, y0, cw, rh = 60, 100, 260, 44
    for col, name in enumerate(("", *"ABCDEFG"[:columns])):
        c.text((x0 - 40 + col * cw + (0 if col == 0 else 40), y0 - 26), name, size=14, fill=look.muted)
    for row, values in enumerate((header, *rows)):
        y = y0 + row * rh
        c.text((x0 - 40, y + 12), str(row + 1), size=14, fill=look.muted)
        for col, value in enumerate(values):
            x = x0 + col * cw
            c.draw.rectangle((x, y, x + cw, y + rh), outline=look.muted)
            c.text((x + 10, y + 11), value, size=look.size - 4)
    return c.jpeg()


def _compile(look: Look, title: str, code: tuple[str, ...], output: tuple[str, ...]) -> bytes:
    c = Canvas(look, title)
    y = 60.0
    for number, line in enumerate(code, start=1):
        c.text((30, y), f"{number:>3}  {line}", size=look.size - 2, face="DejaVuSansMono.ttf")
        y += look.size * 1.45
    c.box((0, 430, WIDTH, HEIGHT), fill=look.bar)
    c.text((20, 442), "BUILD OUTPUT", size=14, fill=look.muted)
    y = 476.0
    for line in output:
        red = "error" in line.lower()
        c.text(
            (20, y),
            line,
            size=look.size - 3,
            face="DejaVuSansMono.ttf",
            fill=(235, 90, 80) if red else look.ink,
        )
        y += look.size * 1.5
    return c.jpeg()


def _cart(look: Look, title: str, lines: tuple[tuple[str, str], ...], total: str, note: str) -> bytes:
    c = Canvas(look, title)
    c.text((80, 70), "Shopping cart", size=look.size + 10)
    y = 150.0
    for name, price in lines:
        c.text((80, y), name, size=look.size - 2)
        w = c.draw.textlength(price, font=font(look.face, look.size - 2))
        c.text((760 - w, y), price, size=look.size - 2)
        c.draw.line((80, y + look.size + 14, 760, y + look.size + 14), fill=look.muted)
        y += look.size + 32
    c.box((840, 150, 1220, 420))
    c.text((870, 175), "Order summary", size=look.size)
    c.text((870, 250), "Total", size=look.size + 2)
    w = c.draw.textlength(total, font=font(look.face, look.size + 2))
    c.text((1190 - w, 250), total, size=look.size + 2)
    c.box((870, 330, 1190, 385), fill=(240, 160, 40))
    c.text((920, 343), "Checkout", size=look.size, fill=(20, 20, 20))
    c.text((80, y + 30), note, size=look.size - 4, fill=look.muted)
    return c.jpeg()


def _route(look: Look, title: str, start: str, end: str, eta: str, steps: tuple[str, ...]) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((420, 40, WIDTH, HEIGHT), fill=(200, 220, 200) if not look.dark else (40, 60, 50))
    for x in range(440, WIDTH, 90):
        c.draw.line(
            (x, 40, x + 140, HEIGHT), fill=(240, 240, 235) if not look.dark else (70, 80, 75), width=6
        )
    c.draw.line((520, 620, 760, 380, 1100, 160), fill=(60, 120, 230), width=8)
    c.box((20, 60, 400, 700))
    c.text((40, 80), f"From: {start}", size=look.size - 4)
    c.text((40, 116), f"To: {end}", size=look.size - 4)
    c.text((40, 180), eta, size=look.size + 6)
    y = 260.0
    for step in steps:
        c.text((40, y), step, size=look.size - 6, fill=look.muted)
        y += 36
    return c.jpeg()


def _inbox(look: Look, title: str, mails: tuple[tuple[str, str, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 240, HEIGHT), fill=look.bar)
    for index, folder in enumerate(("Inbox", "Starred", "Sent", "Drafts", "Spam")):
        c.text((30, 70 + 40 * index), folder, size=17)
    y = 70.0
    for sender, subject, when in mails:
        c.text((270, y), sender, size=look.size - 2, face="DejaVuSans-Bold.ttf" if look.face else None)
        c.text((540, y), subject, size=look.size - 2)
        w = c.draw.textlength(when, font=font(look.face, 15))
        c.text((1250 - w, y + 2), when, size=15, fill=look.muted)
        c.draw.line((260, y + look.size + 18, WIDTH, y + look.size + 18), fill=look.muted)
        y += look.size + 40
    return c.jpeg()


ASK_TOTAL = "What's the total?"
ASK_LAST_SENDER = "Who sent the last message?"
ASK_DIALOG_WANTS = "What does the dialog want me to do?"

HELDOUT: tuple[Item, ...] = (
    Item(
        "heldout: chat last sender",
        lambda: _chat(
            L(False, "DejaVuSans.ttf", 18, 80),
            "Messenger",
            ("Priya Shah", "Tom Okafor", "Book Club"),
            (
                ("Tom Okafor", "Are we still on for Friday?"),
                ("You", "Yes, 7 pm works"),
                ("Priya Shah", "I'll bring the dessert"),
            ),
        ),
        ASK_LAST_SENDER,
        "priya",
    ),
    Item(
        "heldout: chat dark, what did she say",
        lambda: _chat(
            L(True, "DejaVuSans.ttf", 20, 75),
            "Team Chat",
            ("General", "Design", "Marta Lopez"),
            (("Marta Lopez", "The client moved the call to 3 pm"), ("You", "Thanks, noted")),
        ),
        "What did Marta say?",
        "moved the call to 3 pm",
    ),
    Item(
        "heldout: chat, small font, read the message",
        lambda: _chat(
            L(False, "DejaVuSansCondensed.ttf", 16, 80),
            "Family",
            ("Mum", "Dad", "Grandma"),
            (("Grandma", "The train arrives at platform 4"),),
        ),
        "Read me the new message.",
        "train arrives at platform 4",
    ),
    Item(
        "heldout: calendar, what's on the 14th",
        lambda: _calendar(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Calendar",
            "March 2027",
            ((3, "Gym"), (14, "Dentist 10:30"), (22, "Flight to Oslo")),
        ),
        "What do I have on the 14th?",
        "dentist",
    ),
    Item(
        "heldout: calendar dark, month",
        lambda: _calendar(
            L(True, "DejaVuSerif.ttf", 22, 80),
            "Planner",
            "October 2026",
            ((9, "Piano lesson"), (27, "Tax deadline")),
        ),
        "Which month is it showing?",
        "october 2026",
    ),
    Item(
        "heldout: settings, device name",
        lambda: _settings(
            L(False, "DejaVuSans.ttf", 20, 85),
            "Settings",
            ("Network", "Bluetooth", "Display", "About"),
            "About this device",
            (("Device name", "Kitchen Tablet"), ("Model", "Tab S7"), ("Storage", "41 GB free")),
        ),
        "What is the device called?",
        "kitchen tablet",
    ),
    Item(
        "heldout: settings dark, storage",
        lambda: _settings(
            L(True, "DejaVuSans.ttf", 20, 80),
            "System Preferences",
            ("General", "Storage", "Privacy"),
            "Storage",
            (("Used", "212 GB"), ("Available", "44 GB"), ("Photos", "96 GB")),
        ),
        "How much space is available?",
        "44 gb",
    ),
    Item(
        "heldout: settings, page heading",
        lambda: _settings(
            L(False, None, 20, 80),
            "Control Panel",
            ("Sound", "Power", "Keyboard"),
            "Power and sleep",
            (("Screen turns off after", "10 minutes"), ("Sleep after", "30 minutes")),
        ),
        "Which settings page am I on?",
        "power and sleep",
    ),
    Item(
        "heldout: spreadsheet total",
        lambda: _sheet(
            L(False, "DejaVuSans.ttf", 22, 80),
            "Expenses.xlsx",
            ("Item", "Cost"),
            (("Rent", "950"), ("Food", "310"), ("Travel", "85"), ("Total", "1345")),
        ),
        ASK_TOTAL,
        "1345",
    ),
    Item(
        "heldout: spreadsheet dark, cell",
        lambda: _sheet(
            L(True, "DejaVuSansMono.ttf", 22, 80),
            "Sales Q3",
            ("Region", "Units", "Growth"),
            (("North", "420", "4%"), ("South", "385", "7%"), ("West", "512", "12%")),
        ),
        "How many units did West sell?",
        "512",
    ),
    Item(
        "heldout: compile error, no screen word",
        lambda: _compile(
            L(True, "DejaVuSans.ttf", 20, 80),
            "main.rs - IDE",
            ("fn main() {", '    let count: u32 = "ten";', '    println!("{}", count);', "}"),
            ("Compiling demo v0.1.0", "error[E0308]: mismatched types", "could not compile demo"),
        ),
        "Why won't it compile?",
        "mismatched types",
    ),
    Item(
        "heldout: compile error light, what went wrong",
        lambda: _compile(
            L(False, "DejaVuSans.ttf", 20, 85),
            "Main.java - IDE",
            (
                "public class Main {",
                "  public static void main(String[] a) {",
                "    System.out.println(total)",
                "  }",
                "}",
            ),
            ("javac Main.java", "Main.java:3: error: ';' expected", "1 error"),
        ),
        "What went wrong with the build?",
        "expected",
    ),
    Item(
        "heldout: login form, what does it say",
        lambda: _form(
            L(False, "DejaVuSerif.ttf", 20, 80),
            "Payroll",
            ("Employee number", "Password"),
            "Your password expired yesterday",
        ),
        "Why can't I log in?",
        "password expired",
    ),
    Item(
        "heldout: login dark, message",
        lambda: _form(
            L(True, "DejaVuSansCondensed.ttf", 22, 75),
            "School Portal",
            ("Student ID", "Password"),
            "Too many attempts, wait 5 minutes",
        ),
        "What's the message under the form?",
        "too many attempts",
    ),
    Item(
        "heldout: cart total",
        lambda: _cart(
            L(False, "DejaVuSans.ttf", 22, 80),
            "Shop - Cart",
            (("Running shoes", "89.00"), ("Socks, 3 pairs", "12.50"), ("Water bottle", "15.00")),
            "116.50",
            "Free delivery on orders over 50",
        ),
        "How much is it altogether?",
        "116.50",
    ),
    Item(
        "heldout: cart dark, items",
        lambda: _cart(
            L(True, "DejaVuSerif.ttf", 20, 80),
            "Bookshop",
            (("The Quiet Harbour", "14.99"), ("Atlas of Rivers", "32.00")),
            "46.99",
            "Gift wrap available at checkout",
        ),
        ASK_TOTAL,
        "46.99",
    ),
    Item(
        "heldout: route eta",
        lambda: _route(
            L(False, "DejaVuSans.ttf", 24, 80),
            "Maps",
            "Home",
            "Central Station",
            "24 min (9.2 km)",
            ("Head north on Elm Street", "Turn left onto Queen Road", "Arrive at Central Station"),
        ),
        "How long will it take to get there?",
        "24 min",
    ),
    Item(
        "heldout: route dark, first step",
        lambda: _route(
            L(True, "DejaVuSansCondensed.ttf", 26, 80),
            "Navigation",
            "Office",
            "Airport Terminal 2",
            "41 min (33 km)",
            ("Take the ring road east", "Exit at junction 12", "Follow signs for Terminal 2"),
        ),
        "Where am I going?",
        "airport terminal 2",
    ),
    Item(
        "heldout: inbox latest sender",
        lambda: _inbox(
            L(False, "DejaVuSans.ttf", 20, 80),
            "Mail - Inbox",
            (
                ("Hannah Berg", "Invoice for November", "09:41"),
                ("Pet Clinic", "Rex is due for a checkup", "Yesterday"),
                ("Leo Martin", "Photos from the wedding", "Mon"),
            ),
        ),
        "Who emailed me most recently?",
        "hannah berg",
    ),
    Item(
        "heldout: inbox dark, subject",
        lambda: _inbox(
            L(True, "DejaVuSans.ttf", 20, 75),
            "Inbox (3)",
            (
                ("Airline", "Your flight is delayed by 2 hours", "07:15"),
                ("Newsletter", "Ten tips for winter gardens", "Sun"),
            ),
        ),
        "What's the subject of the top email?",
        "flight is delayed",
    ),
    Item(
        "heldout: system dialog wants",
        lambda: _dialog(
            L(False, "DejaVuSans.ttf", 20, 80),
            "System",
            "Update ready",
            "Restart now to install security fixes.",
            ("Restart", "Later"),
        ),
        ASK_DIALOG_WANTS,
        "restart now to install security fixes",
    ),
    Item(
        "heldout: permission dialog dark",
        lambda: _dialog(
            L(True, "DejaVuSerif.ttf", 20, 80),
            "Privacy",
            "Allow microphone access?",
            "Recorder wants to use your microphone.",
            ("Allow", "Deny"),
        ),
        "What is it asking?",
        "allow microphone access",
    ),
    Item(
        "heldout: low disk system dialog, pillow font",
        lambda: _dialog(
            L(False, None, 22, 80),
            "Storage",
            "Startup disk is full",
            "Delete files to free some space.",
            ("Manage", "Ignore"),
        ),
        "What's the warning about?",
        "startup disk is full",
    ),
    Item(
        "heldout: big heading page, screen",
        lambda: _banner(
            L(False, "DejaVuSerif.ttf", 28, 80),
            "Bank",
            "Payment received",
            ("Reference 88213", "Thank you for your payment."),
        ),
        "Can you tell me what's on the screen right now?",
        "payment received",
    ),
    Item(
        "heldout: news page, top story",
        lambda: _web(
            L(True, "DejaVuSans.ttf", 20, 80),
            "Daily Courier",
            "https://courier.example/world",
            "Snow closes mountain passes",
            ("Drivers are told to stay home.", "Schools open late on Tuesday."),
            "Trending",
        ),
        "What's the top story?",
        "snow closes mountain passes",
    ),
    Item(
        "heldout: terminal, what happened",
        lambda: _terminal(
            L(True, "DejaVuSansMono.ttf", 16, 80),
            "zsh",
            ("$ pip install numpy", "ERROR: Could not find a version that satisfies numpy", "$ "),
        ),
        "What happened?",
        "could not find a version",
    ),
)


def tuning_items(count: int) -> tuple[Item, ...]:
    """The screen reader's tuning frames, asked what the screen says; the key: its longest key text."""
    from tests.e2e.engines.screens import TUNE_SEEDS, render

    items = []
    for seed in TUNE_SEEDS[:count]:
        frame = render(seed)
        key = max(frame.keys, key=len)
        items.append(Item(f"tuning {seed} {frame.kind}", lambda jpeg=frame.jpeg: jpeg, ASK_SAY, key))
    return tuple(items)


def normalise(text: str) -> str:
    """Lower case, punctuation as spaces, single spaces (a transcript has no punctuation)."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def read_back(key: str, answer: str) -> bool:
    """Whether ``answer`` holds ``key`` (both normalised)."""
    return f" {normalise(key)} " in f" {normalise(answer)} "


# ---------------------------------------------------------------------------------------
# Scoring through the real server.


async def ask(client: Any, item: Item, temperature: float | None, model: str) -> str:
    """Share ``item``'s frame for a second in a fresh session, ask its question, return the answer."""
    from google.genai import types

    # With compression a session with video has no time limit: a loaded machine's first
    # frame (the OCR models loading) must not end it at the 2-minute limit.
    config: dict[str, Any] = {
        "response_modalities": ["TEXT"],
        "context_window_compression": {"sliding_window": {}},
    }
    if temperature is not None:
        config["temperature"] = temperature
    frame = types.Blob(data=item.draw(), mime_type="image/jpeg")
    async with asyncio.timeout(180):
        async with client.aio.live.connect(model=model, config=config) as session:
            for _ in range(2):
                await session.send_realtime_input(video=frame)
            await session.send_realtime_input(text=item.question)
            answer = ""
            async for message in session.receive():
                answer += message.text or ""
    return answer


async def score(base_url: str, temperatures: list[float | None], model: str, describe: bool) -> int:
    """Ask every item at each temperature; print the answers and the scores."""
    from google import genai

    client = genai.Client(api_key="GEMINI_API_KEY", http_options={"base_url": base_url})
    if describe:
        from openlive.engines.screen_reader import ScreenReader
        from openlive.images import decode

        reader = ScreenReader()
    failures = 0
    for temperature in temperatures:
        hits = 0
        for item in ITEMS:
            started = time.perf_counter()
            try:
                answer = await ask(client, item, temperature, model)
            except Exception as error:  # noqa: BLE001 - a failed session is a miss, said why
                answer = f"(no answer: {error})"
            ok = read_back(item.key, answer)
            hits += ok
            seen = ""
            if describe:
                described = reader.describe(decode(item.draw(), 2048), None)
                seen = " (in description)" if read_back(item.key, described) else " (OCR MISSED)"
            print(
                f"[{'ok' if ok else 'MISS'}] t={temperature} {item.name}: {item.question!r} -> "
                f"{answer.strip()[:200]!r}{seen} ({time.perf_counter() - started:.1f} s)",
                flush=True,
            )
        print(f"temperature {temperature}: {hits}/{len(ITEMS)} read back", flush=True)
        failures += len(ITEMS) - hits
    return failures


def main() -> None:
    """Start a real server (or use ``--url``), score the set, print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", help="a running server's base URL (default: start one)")
    parser.add_argument("--model", default="gemini-2.0-flash-live-001")
    parser.add_argument("--describe", action="store_true", help="say whether OCR found the key text")
    parser.add_argument("--temperatures", default="default,0")
    parser.add_argument("--save", help="write the frames as JPEG files to this directory")
    parser.add_argument(
        "--tune",
        type=int,
        metavar="N",
        help="ask 'What does my screen say?' of the first N tuning frames of tests/e2e/engines/screens.py "
        "instead (the set to look at while changing things; this one stays held out)",
    )
    parser.add_argument("--fresh", action="store_true", help="ask the fresh set (FRESH) instead")
    parser.add_argument("--unseen", action="store_true", help="ask the third set (UNSEEN) instead")
    parser.add_argument("--heldout", action="store_true", help="ask the fourth set (HELDOUT) instead")
    args = parser.parse_args()
    global ITEMS
    if args.fresh:
        ITEMS = FRESH
    if args.unseen:
        ITEMS = UNSEEN
    if args.heldout:
        ITEMS = HELDOUT
    if args.tune:
        ITEMS = tuning_items(args.tune)
    if args.save:
        for index, item in enumerate(ITEMS):
            Path(args.save, f"{index:02d}.jpg").write_bytes(item.draw())
        return
    temperatures = [None if t == "default" else float(t) for t in args.temperatures.split(",")]
    if args.url:
        asyncio.run(score(args.url, temperatures, args.model, args.describe))
        return
    import os

    from tests.e2e.conftest import start_server, stop_server

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), "--no-voice")
        try:
            assert server.cert is not None
            os.environ["SSL_CERT_FILE"] = str(server.cert)
            asyncio.run(score(server.base_url, temperatures, args.model, args.describe))
        finally:
            stop_server(server)
    sys.exit(0)


if __name__ == "__main__":
    main()
