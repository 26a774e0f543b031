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
model failed to say it. ``--fresh``, ``--unseen``, ``--heldout`` and ``--blind`` ask the
second, third, fourth and fifth sets (``FRESH``, ``UNSEEN``, ``HELDOUT``, ``BLIND``) instead.
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


# ---------------------------------------------------------------------------------------
# The fifth set: written at 01:30 on 2026-12-08 before any model, and the server, saw it (the frames
# only rendered and looked at). New kinds of screen (a video call, a music player, weather,
# a bank balance, a watchlist, parcel tracking, a recipe, a boarding pass, an updater, sign-up
# forms, a browser error page, a file list, a task board, a receipt, a PDF, a photo editor's
# layers, a diff, a CI log, a thermostat, a smart-home panel, TV news, subtitles, a score
# screen, a translator, notes, a sticky note, a slide), a third of the questions general
# ("What's on my screen?"), the rest asking for one thing on it.

GREEN = (60, 170, 90)
RED = (215, 70, 60)
BLUE = (60, 110, 220)
WHITE = (255, 255, 255)


def _width(c: Canvas, text: str, size: int, face: str | None = None) -> float:
    return c.draw.textlength(text, font=font(face or c.look.face, size))


def _call(
    look: Look,
    title: str,
    people: tuple[str, ...],
    speaker: str,
    caption: str,
    notice: tuple[str, str] | None,
) -> bytes:
    c = Canvas(look, title)
    cols = 3 if len(people) > 4 else 2
    rows = (len(people) + cols - 1) // cols
    tile_w, tile_h = (WIDTH - 40 - 16 * (cols - 1)) / cols, (500 - 16 * (rows - 1)) / rows
    shades = ((70, 90, 120), (110, 80, 90), (80, 110, 90), (120, 105, 70), (90, 85, 125), (70, 110, 115))
    for index, name in enumerate(people):
        x, y = 20 + (index % cols) * (tile_w + 16), 52 + (index // cols) * (tile_h + 16)
        c.box((x, y, x + tile_w, y + tile_h), fill=shades[index % len(shades)])
        if name == speaker:
            c.draw.rounded_rectangle((x, y, x + tile_w, y + tile_h), radius=8, outline=GREEN, width=5)
        initials = "".join(part[0] for part in name.split())
        cx, cy = x + tile_w / 2, y + tile_h / 2 - 16
        c.draw.ellipse((cx - 40, cy - 40, cx + 40, cy + 40), fill=(235, 235, 235))
        c.text((cx - _width(c, initials, 28) / 2, cy - 17), initials, size=28, fill=(60, 60, 60))
        label = f"{name} (speaking)" if name == speaker else name
        size = look.size - 4
        c.box(
            (x + 10, y + tile_h - 20 - size, x + 30 + _width(c, label, size), y + tile_h - 8), fill=(0, 0, 0)
        )
        c.text((x + 20, y + tile_h - 16 - size), label, size=size, fill=WHITE)
    w = _width(c, caption, look.size)
    c.box(((WIDTH - w) / 2 - 20, 566, (WIDTH + w) / 2 + 20, 576 + look.size + 14), fill=(0, 0, 0))
    c.text(((WIDTH - w) / 2, 574), caption, fill=WHITE)
    c.draw.rectangle((0, 640, WIDTH, HEIGHT), fill=look.bar)
    c.text((24, 668), "10:42  |  Weekly planning", size=16, fill=look.muted)
    x = 430.0
    for label in ("Mute", "Stop video", "Share screen", "Chat", "Leave"):
        w = _width(c, label, 16) + 36
        c.box((x, 660, x + w, 700), fill=RED if label == "Leave" else look.panel)
        c.text((x + 18, 670), label, size=16, fill=WHITE if label == "Leave" else look.ink)
        x += w + 14
    if notice:
        heading, line = notice
        c.box((440, 250, 840, 370), fill=(20, 20, 24), outline=(230, 120, 60))
        c.text((640 - _width(c, heading, look.size + 4) / 2, 270), heading, size=look.size + 4, fill=WHITE)
        c.text(
            (640 - _width(c, line, look.size - 4) / 2, 320), line, size=look.size - 4, fill=(200, 200, 200)
        )
    return c.jpeg()


def _player(
    look: Look, title: str, song: str, artist: str, album: str, times: tuple[str, str], queue: tuple[str, ...]
) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 240, HEIGHT), fill=look.bar)
    for index, name in enumerate(("Home", "Search", "Library", "Liked songs", "Radio")):
        c.text((28, 70 + 40 * index), name, size=17)
    for i in range(340):
        c.draw.line((300, 80 + i, 640, 80 + i), fill=(200 - i // 3, 90 + i // 4, 140 + i // 6))
    c.draw.ellipse((400, 180, 540, 320), outline=(240, 220, 200), width=6)
    c.text((680, 90), "NOW PLAYING", size=14, fill=look.muted)
    c.text((680, 120), song, size=look.size + 10)
    c.text((680, 140 + look.size + 10), artist, size=look.size)
    c.text((680, 170 + 2 * look.size), album, size=look.size - 4, fill=look.muted)
    c.draw.rounded_rectangle((300, 450, 1240, 458), radius=4, fill=look.muted)
    c.draw.rounded_rectangle((300, 450, 610, 458), radius=4, fill=GREEN)
    c.text((300, 466), times[0], size=14, fill=look.muted)
    c.text((1240 - _width(c, times[1], 14), 466), times[1], size=14, fill=look.muted)
    controls = "Shuffle      Previous      Pause      Next      Repeat"
    c.text((770 - _width(c, controls, 17) / 2, 500), controls, size=17)
    c.text((300, 560), "Up next", size=16, fill=look.muted)
    for index, line in enumerate(queue):
        c.text((300, 590 + 32 * index), line, size=16)
    return c.jpeg()


def _weather(
    look: Look,
    title: str,
    city: str,
    now: tuple[str, str, str],
    hours: tuple[tuple[str, str], ...],
    days: tuple[tuple[str, str, str], ...],
) -> bytes:
    c = Canvas(look, title)
    temperature, condition, extra = now
    c.text((60, 70), city, size=look.size + 8)
    c.text((60, 120), temperature, size=80, face="DejaVuSans.ttf")
    c.text((60, 230), condition, size=look.size)
    c.text((60, 240 + look.size), extra, size=look.size - 6, fill=look.muted)
    c.box((740, 60, 1240, 320))
    c.text((770, 76), "Next 5 days", size=16, fill=look.muted)
    for index, (day, sky, span) in enumerate(days):
        y = 110 + 40 * index
        c.text((770, y), day, size=look.size - 6)
        c.text((880, y), sky, size=look.size - 6)
        c.text((1210 - _width(c, span, look.size - 6), y), span, size=look.size - 6)
    c.box((40, 360, 1240, 520))
    step = 1200 / len(hours)
    for index, (hour, value) in enumerate(hours):
        x = 40 + step * index + step / 2
        c.text((x - _width(c, hour, 16) / 2, 390), hour, size=16, fill=look.muted)
        c.text((x - _width(c, value, look.size - 4) / 2, 440), value, size=look.size - 4)
    c.text((40, 560), "Air quality: Good     UV index: 2     Sunset 18:47", size=16, fill=look.muted)
    return c.jpeg()


def _bank(
    look: Look,
    title: str,
    greeting: str,
    account: tuple[str, str, str],
    rows: tuple[tuple[str, str, str], ...],
) -> bytes:
    c = Canvas(look, title)
    name, balance, pending = account
    c.draw.rectangle((0, 40, WIDTH, 130), fill=(20, 80, 150))
    c.text((60, 70), greeting, size=look.size + 2, fill=WHITE)
    c.text((1060, 76), "Log out", size=16, fill=WHITE)
    c.box((60, 170, 640, 420))
    c.text((90, 195), name, size=look.size - 4, fill=look.muted)
    c.text((90, 250), "Available balance", size=look.size - 2)
    c.text((90, 290), balance, size=look.size + 16)
    c.text((90, 360), pending, size=look.size - 6, fill=look.muted)
    x = 60.0
    for label in ("Transfer", "Pay a bill", "Statements"):
        w = _width(c, label, 17) + 40
        c.box((x, 450, x + w, 494), fill=(20, 80, 150))
        c.text((x + 20, 461), label, size=17, fill=WHITE)
        x += w + 16
    c.box((700, 170, 1240, 680))
    c.text((730, 190), "Recent activity", size=look.size)
    for index, (payee, when, amount) in enumerate(rows):
        y = 250 + 66 * index
        c.text((730, y), payee, size=look.size - 4)
        c.text((730, y + look.size), when, size=14, fill=look.muted)
        c.text((1210 - _width(c, amount, look.size - 4), y), amount, size=look.size - 4)
    return c.jpeg()


def _ticker(look: Look, title: str, indices: str, rows: tuple[tuple[str, str, str, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((0, 40, WIDTH, 76), fill=look.bar)
    c.text((20, 48), indices, size=16, fill=look.muted)
    c.text((60, 100), "Watchlist", size=look.size + 8)
    header = ("Symbol", "Company", "Last", "Change")
    columns = (60, 200, 520, 660)
    for x, label in zip(columns, header, strict=True):
        c.text((x, 165), label, size=15, fill=look.muted)
    for index, row in enumerate(rows):
        y = 200 + 56 * index
        c.draw.line((60, y - 8, 780, y - 8), fill=look.muted)
        for x, value in zip(columns, row, strict=True):
            colour = (GREEN if value.startswith("+") else RED) if x == 660 else look.ink
            c.text((x, y + 6), value, size=look.size, fill=colour)
    c.box((840, 140, 1240, 460))
    c.text((860, 156), "1 day", size=15, fill=look.muted)
    points = [(860 + 18 * i, 400 - ((i * 37) % 90) - 2 * i) for i in range(21)]
    c.draw.line(points, fill=GREEN, width=3)
    c.text((60, 640), "Prices delayed by 15 minutes. Not investment advice.", size=14, fill=look.muted)
    return c.jpeg()


def _tracking(
    look: Look,
    title: str,
    url: str,
    number: str,
    status: tuple[str, str],
    events: tuple[tuple[str, str], ...],
) -> bytes:
    c = Canvas(look, title)
    c.box((20, 50, WIDTH - 20, 84))
    c.text((36, 56), url, size=16, fill=look.muted)
    c.text((80, 110), f"Tracking number {number}", size=16, fill=look.muted)
    c.text((80, 140), status[0], size=look.size + 8)
    c.text((80, 160 + look.size + 8), status[1], size=look.size - 4)
    for index, stage in enumerate(("Shipped", "In transit", "At depot", "Delivered")):
        x = 100 + 220 * index
        if index:
            c.draw.line((x - 220, 300, x, 300), fill=GREEN if index < 3 else look.muted, width=4)
        c.draw.ellipse((x - 10, 290, x + 10, 310), fill=GREEN if index < 3 else look.muted)
        c.text((x - _width(c, stage, 15) / 2, 322), stage, size=15, fill=look.muted)
    for index, (when, what) in enumerate(events):
        y = 390 + 52 * index
        c.text((80, y), when, size=15, fill=look.muted)
        c.text((260, y), what, size=look.size - 6)
    c.box((900, 110, 1240, 330), outline=look.muted)
    for index, line in enumerate(
        ("Need help?", "Change delivery", "Contact the courier", "Report a problem")
    ):
        c.text((925, 130 + 46 * index), line, size=17, fill=look.ink if index == 0 else BLUE)
    return c.jpeg()


def _recipe(
    look: Look, title: str, dish: str, meta: str, ingredients: tuple[str, ...], steps: tuple[str, ...]
) -> bytes:
    c = Canvas(look, title)
    c.text((60, 60), dish, size=look.size + 12)
    c.text((60, 80 + look.size + 12), meta, size=16, fill=look.muted)
    c.box((60, 160, 440, 680))
    c.text((84, 180), "Ingredients", size=look.size + 2)
    for index, line in enumerate(ingredients):
        c.text((84, 230 + (look.size + 16) * index), line, size=look.size - 2)
    c.text((480, 170), "Method", size=look.size + 2)
    y = 220.0
    for number, line in enumerate(steps, start=1):
        c.text((480, y), f"{number}.  {line}", size=look.size)
        y += look.size * 2.2
    c.text((480, 640), "Print     Save     Share", size=16, fill=BLUE)
    return c.jpeg()


def _boarding(
    look: Look,
    title: str,
    airline: str,
    route: tuple[str, str, str, str],
    fields: tuple[tuple[str, str], ...],
) -> bytes:
    c = Canvas(look, title)
    c.box((190, 70, 1090, 650))
    c.draw.rounded_rectangle((190, 70, 1090, 140), radius=8, fill=(150, 30, 60))
    c.text((230, 88), airline, size=look.size + 4, fill=WHITE)
    c.text((900, 94), "BOARDING PASS", size=16, fill=WHITE)
    origin, origin_city, dest, dest_city = route
    c.text((240, 165), origin, size=60)
    c.text((240, 240), origin_city, size=16, fill=look.muted)
    c.draw.line((480, 205, 760, 205), fill=look.muted, width=3)
    c.draw.polygon(((760, 195), (780, 205), (760, 215)), fill=look.muted)
    c.text((840, 165), dest, size=60)
    c.text((840, 240), dest_city, size=16, fill=look.muted)
    for index, (label, value) in enumerate(fields):
        x, y = 240 + 210 * (index % 4), 300 + 100 * (index // 4)
        c.text((x, y), label, size=14, fill=look.muted)
        c.text((x, y + 24), value, size=look.size + 2)
    c.draw.line((210, 510, 1070, 510), fill=look.muted, width=1)
    c.text((240, 540), "Gate closes 20 minutes before departure.", size=15, fill=look.muted)
    c.text((240, 570), "Cabin bag only. Have your ID ready.", size=15, fill=look.muted)
    for i in range(9):
        for j in range(9):
            if (i * 7 + j * 3 + i * j) % 3:
                c.draw.rectangle((900 + 14 * i, 520 + 12 * j, 912 + 14 * i, 530 + 12 * j), fill=look.ink)
    return c.jpeg()


def _updater(
    look: Look, title: str, heading: str, subtitle: str, notes: tuple[str, ...], buttons: tuple[str, ...]
) -> bytes:
    c = Canvas(look, title)
    c.draw.ellipse((90, 90, 190, 190), fill=BLUE)
    c.draw.polygon(((140, 165), (115, 130), (165, 130)), fill=WHITE)
    c.draw.rectangle((132, 108, 148, 132), fill=WHITE)
    c.text((230, 96), heading, size=look.size + 8)
    c.text((230, 110 + look.size + 8), subtitle, size=look.size - 4, fill=look.muted)
    c.box((230, 220, 1180, 540), outline=look.muted)
    c.text((256, 240), "What's new", size=look.size)
    for index, line in enumerate(notes):
        c.text((256, 290 + (look.size + 18) * index), f"- {line}", size=look.size - 4)
    c.draw.rectangle((230, 586, 248, 604), outline=look.muted, width=2)
    c.text((260, 584), "Automatically check for updates", size=16, fill=look.muted)
    x = 1180.0
    for label in reversed(buttons):
        w = _width(c, label, 17) + 40
        c.box((x - w, 620, x, 664), fill=BLUE if label == buttons[-1] else look.panel, outline=look.muted)
        c.text((x - w + 20, 631), label, size=17, fill=WHITE if label == buttons[-1] else look.ink)
        x -= w + 14
    return c.jpeg()


def _signup(
    look: Look,
    title: str,
    brand: tuple[str, str],
    heading: str,
    fields: tuple[tuple[str, str], ...],
    message: str,
    strength: str | None = None,
) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((0, 40, 480, HEIGHT), fill=(40, 120, 110))
    c.text((50, 280), brand[0], size=34, fill=WHITE)
    c.text((50, 336), brand[1], size=17, fill=(210, 235, 230))
    c.text((560, 80), heading, size=look.size + 8)
    y = 150.0
    for label, value in fields:
        c.text((560, y), label, size=15, fill=look.muted)
        c.box((560, y + 24, 1180, y + 64), fill=look.panel, outline=look.muted)
        c.text((576, y + 32), value, size=look.size - 2)
        y += 92
    if strength:
        for index in range(4):
            c.draw.rectangle(
                (560 + 120 * index, y - 16, 670 + 120 * index, y - 10), fill=RED if index == 0 else look.muted
            )
        c.text((1060, y - 24), strength, size=15, fill=RED)
        y += 12
    c.text((560, y), message, size=look.size - 2, fill=RED)
    c.box((560, y + 60, 860, y + 108), fill=(40, 120, 110))
    c.text((590, y + 72), "Continue", size=18, fill=WHITE)
    return c.jpeg()


def _browser_error(look: Look, tabs: tuple[str, ...], active: int, url: str, page: tuple[str, str]) -> bytes:
    c = Canvas(look, "Browser")
    c.draw.rectangle((0, 40, WIDTH, 124), fill=look.bar)
    for index, tab in enumerate(tabs):
        x = 10 + 230 * index
        c.box((x, 46, x + 222, 80), fill=look.panel if index == active else look.ground)
        c.text((x + 14, 54), tab[:22], size=15, fill=look.ink if index == active else look.muted)
    c.box((120, 86, WIDTH - 120, 116), fill=look.panel)
    c.text((140, 92), url, size=16, fill=look.muted)
    c.draw.rectangle((0, 124, WIDTH, HEIGHT), fill=WHITE)
    heading, footer = page
    c.text((24, 150), heading, size=look.size, face="DejaVuSerif-Bold.ttf", fill=(0, 0, 0))
    c.draw.line((24, 170 + look.size, WIDTH - 24, 170 + look.size), fill=(160, 160, 160), width=1)
    w = _width(c, footer, 17, "DejaVuSerif.ttf")
    c.text(((WIDTH - w) / 2, 186 + look.size), footer, size=17, face="DejaVuSerif.ttf", fill=(0, 0, 0))
    return c.jpeg()


def _files(look: Look, title: str, path: str, rows: tuple[tuple[str, str, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 220, HEIGHT), fill=look.bar)
    for index, place in enumerate(("Recent", "Home", "Desktop", "Documents", "Downloads", "Videos", "Trash")):
        c.text((24, 64 + 36 * index), place, size=16)
    c.box((240, 52, 1260, 88))
    c.text((256, 60), path, size=16, fill=look.muted)
    for x, label in zip((260, 760, 900), ("Name", "Size", "Modified"), strict=True):
        c.text((x, 108), label, size=15, fill=look.muted)
    for index, (name, size, when) in enumerate(rows):
        y = 140 + (look.size + 26) * index
        if index % 2:
            c.draw.rectangle((240, y - 6, 1260, y + look.size + 14), fill=look.panel)
        c.text((260, y), name, size=look.size)
        c.text((760, y), size, size=look.size)
        c.text((900, y), when, size=look.size, fill=look.muted)
    c.draw.rectangle((220, 690, WIDTH, HEIGHT), fill=look.bar)
    c.text((240, 696), f"{len(rows)} items, 212.4 GB free", size=14, fill=look.muted)
    return c.jpeg()


def _board(look: Look, title: str, columns: tuple[tuple[str, tuple[str, ...]], ...]) -> bytes:
    c = Canvas(look, title)
    c.text((30, 56), "Sprint 14", size=look.size + 8)
    c.text((1000, 64), "Filter    Sort    + Add card", size=16, fill=look.muted)
    tags = ((90, 160, 110), (200, 140, 60), (110, 110, 200), (190, 90, 120))
    for col, (name, cards) in enumerate(columns):
        x = 30 + 310 * col
        c.box((x, 110, x + 290, 700), fill=look.bar)
        c.text((x + 16, 124), f"{name}  ({len(cards)})", size=look.size - 2, fill=look.muted)
        for row, card in enumerate(cards):
            y = 170 + 110 * row
            c.box((x + 10, y, x + 280, y + 96))
            c.draw.rectangle((x + 24, y + 14, x + 70, y + 20), fill=tags[(row + col) % len(tags)])
            c.text((x + 24, y + 36), card, size=look.size - 2)
    return c.jpeg()


def _receipt(
    look: Look, title: str, shop: tuple[str, ...], lines: tuple[tuple[str, str], ...], footer: str
) -> bytes:
    c = Canvas(look, title)
    paper, black, mono = (250, 248, 240), (30, 30, 30), "DejaVuSansMono.ttf"
    c.draw.rectangle((440, 56, 840, 712), fill=paper)
    y = 76.0
    for line in shop:
        c.text((640 - _width(c, line, look.size, mono) / 2, y), line, size=look.size, face=mono, fill=black)
        y += look.size + 8
    y += 14
    for name, amount in lines:
        if name.startswith("-"):
            c.text((460, y), "-" * 30, size=look.size - 2, face=mono, fill=black)
        else:
            c.text((460, y), name, size=look.size - 2, face=mono, fill=black)
            w = _width(c, amount, look.size - 2, mono)
            c.text((820 - w, y), amount, size=look.size - 2, face=mono, fill=black)
        y += look.size + 8
    c.text((640 - _width(c, footer, 15, mono) / 2, y + 16), footer, size=15, face=mono, fill=black)
    c.text((40, 660), "receipt_0412.jpg   1 of 3", size=15, fill=look.muted)
    return c.jpeg()


def _pdf(look: Look, title: str, heading: str, paragraph: tuple[str, ...], page: str) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((0, 40, WIDTH, 80), fill=look.bar)
    c.text((20, 50), "Open    Print    Zoom 100%    Find", size=15, fill=look.muted)
    c.text((1180 - _width(c, page, 15), 50), page, size=15, fill=look.muted)
    c.draw.rectangle((0, 80, 200, HEIGHT), fill=look.bar)
    for index in range(4):
        c.draw.rectangle((50, 100 + 150 * index, 150, 230 + 150 * index), fill=WHITE, outline=look.muted)
    c.draw.rectangle((300, 96, 1160, HEIGHT), fill=WHITE)
    black = (20, 20, 20)
    c.text((380, 130), "Harbour View Lettings", size=15, fill=(120, 120, 120))
    c.text((380, 170), heading, size=look.size + 8, fill=black)
    y = 250.0
    for line in paragraph:
        c.text((380, y), line, size=look.size, fill=black)
        y += look.size * 1.7
    c.text((380, y + 40), "Signed, The Management", size=look.size - 2, fill=black)
    return c.jpeg()


def _layers(look: Look, title: str, layers: tuple[str, ...], status: str) -> bytes:
    c = Canvas(look, title)
    c.text((20, 48), "File   Edit   Image   Layer   Select   Filter   Window", size=15)
    c.draw.rectangle((0, 76, 56, HEIGHT), fill=look.bar)
    for index in range(10):
        c.draw.rectangle((14, 92 + 44 * index, 42, 120 + 44 * index), outline=look.muted, width=2)
    c.draw.rectangle((80, 96, 900, 660), fill=(60, 40, 45))
    for row in range(8):
        for col in range(12):
            x, y = 80 + col * 68 + (row % 2) * 34, 96 + row * 70
            c.draw.rectangle((x, y, min(x + 64, 900), y + 66), outline=(90, 60, 60), width=3)
    c.draw.rounded_rectangle((260, 300, 720, 420), radius=40, outline=(255, 80, 200), width=10)
    c.box((930, 96, 1260, 660))
    c.text((950, 110), "Layers", size=look.size + 2)
    c.text((950, 150), "Normal      Opacity 100%", size=look.size - 1, fill=look.muted)
    for index, name in enumerate(layers):
        y = 190 + 52 * index
        c.draw.rectangle((940, y, 1250, y + 44), fill=look.bar if index else (60, 90, 150))
        c.draw.ellipse((950, y + 16, 962, y + 28), fill=look.muted)
        c.draw.rectangle((972, y + 6, 1004, y + 38), fill=(120, 120, 120))
        c.text((1016, y + 12), name, size=look.size, fill=WHITE if not index else look.ink)
    c.draw.rectangle((56, 680, WIDTH, HEIGHT), fill=look.bar)
    c.text((70, 690), status, size=14, fill=look.muted)
    return c.jpeg()


def _diff(look: Look, title: str, message: str, path: str, lines: tuple[str, ...], summary: str) -> bytes:
    c = Canvas(look, title)
    mono = "DejaVuSansMono.ttf"
    c.text((30, 56), message, size=look.size + 8)
    c.text((30, 100 + look.size), "Rosa Lindqvist committed 2 hours ago   a41f9c2", size=15, fill=look.muted)
    c.box((30, 160, 1250, 690), outline=look.muted)
    c.draw.rectangle((31, 161, 1249, 200), fill=look.bar)
    c.text((50, 170), path, size=look.size, face=mono)
    c.text((1230 - _width(c, summary, 15), 172), summary, size=15, fill=look.muted)
    y = 216.0
    for number, line in enumerate(lines, start=12):
        tint = {"+": (210, 245, 215), "-": (250, 215, 215)}.get(line[:1])
        if tint:
            c.draw.rectangle((31, y - 4, 1249, y + look.size + 6), fill=tint)
        c.text((50, y), f"{number:>3}", size=look.size, face=mono, fill=look.muted)
        c.text((120, y), line, size=look.size, face=mono)
        y += look.size + 12
    return c.jpeg()


def _ci(look: Look, title: str, jobs: tuple[tuple[str, str], ...], log: tuple[str, ...]) -> bytes:
    c = Canvas(look, title)
    c.text((30, 56), "Pipeline #4821  on branch billing-fixes", size=look.size + 4)
    c.box((30, 110, 320, 690))
    for index, (job, state) in enumerate(jobs):
        y = 130 + 60 * index
        colour = {"passed": GREEN, "failed": RED}.get(state, look.muted)
        c.draw.ellipse((50, y + 4, 66, y + 20), fill=colour)
        c.text((80, y), job, size=17)
        c.text((80, y + 24), state, size=14, fill=colour)
    c.draw.rectangle((340, 110, 1250, 690), fill=(18, 18, 20))
    y = 126.0
    for line in log:
        colour = RED if "FAILED" in line or "Error" in line or "failed" in line else (200, 205, 200)
        c.text((356, y), line, size=look.size, fill=colour)
        y += look.size + 9
    return c.jpeg()


def _thermostat(
    look: Look, title: str, room: str, dial: tuple[str, str, str], schedule: tuple[tuple[str, str], ...]
) -> bytes:
    c = Canvas(look, title)
    target, now, mode = dial
    c.text((60, 60), room, size=look.size)
    c.draw.ellipse((140, 140, 580, 580), outline=(230, 130, 50), width=14)
    c.draw.arc((140, 140, 580, 580), start=140, end=330, fill=look.muted, width=14)
    c.text((360 - _width(c, "Set to", 18) / 2, 270), "Set to", size=18, fill=look.muted)
    c.text((360 - _width(c, target, look.size + 30) / 2, 310), target, size=look.size + 30)
    c.text((360 - _width(c, mode, 18) / 2, 420), mode, size=18, fill=(230, 130, 50))
    c.text((60, 620), now, size=look.size - 6, fill=look.muted)
    c.box((700, 120, 1220, 560))
    c.text((730, 140), "Schedule", size=look.size - 4)
    for index, (when, what) in enumerate(schedule):
        y = 200 + 60 * index
        c.text((730, y), when, size=look.size - 10, fill=look.muted)
        c.text((880, y), what, size=look.size - 10)
    c.text((700, 600), "Eco mode    Away    Boost 1 h", size=18, fill=look.muted)
    return c.jpeg()


def _home(look: Look, title: str, rooms: tuple[str, ...], tiles: tuple[tuple[str, str], ...]) -> bytes:
    c = Canvas(look, title)
    c.text((40, 56), "Good evening", size=look.size + 8)
    x = 40.0
    for index, room in enumerate(rooms):
        w = _width(c, room, 16) + 32
        c.box((x, 110, x + w, 146), fill=BLUE if index == 0 else look.panel, outline=look.muted)
        c.text((x + 16, 118), room, size=16, fill=WHITE if index == 0 else look.ink)
        x += w + 12
    for index, (name, state) in enumerate(tiles):
        x, y = 40 + 300 * (index % 4), 180 + 170 * (index // 4)
        c.box((x, y, x + 280, y + 150))
        c.draw.ellipse((x + 20, y + 20, x + 52, y + 52), fill=(240, 180, 60) if index % 3 else BLUE)
        c.text((x + 20, y + 70), name, size=look.size - 2)
        c.text((x + 20, y + 74 + look.size), state, size=look.size - 4, fill=look.muted)
    c.text((40, 560), "Scenes:   Movie night   Good night   Leaving home", size=17, fill=look.muted)
    return c.jpeg()


def _tv(look: Look, title: str, channel: str, story: tuple[str, str], ticker: str, clock: str) -> bytes:
    c = Canvas(look, title)
    for i in range(640):
        c.draw.line((0, 40 + i, WIDTH, 40 + i), fill=(30 + i // 12, 50 + i // 10, 90 + i // 8))
    c.draw.ellipse((520, 140, 760, 380), fill=(190, 150, 130))
    c.draw.rectangle((460, 360, 820, 560), fill=(40, 40, 60))
    c.box((1090, 60, 1250, 110), fill=(200, 30, 40))
    c.text((1110, 70), channel, size=22, fill=WHITE)
    headline, strap = story
    c.draw.rectangle((60, 540, 1220, 540 + look.size + 22), fill=(245, 245, 245))
    c.draw.rectangle((60, 540, 230, 540 + look.size + 22), fill=(200, 30, 40))
    c.text((76, 550), "BREAKING", size=look.size - 8, fill=WHITE)
    c.text((250, 548), headline, size=look.size, fill=(20, 20, 20))
    c.draw.rectangle((60, 562 + look.size, 1220, 600 + look.size), fill=(20, 30, 60))
    c.text((76, 570 + look.size), strap, size=17, fill=WHITE)
    c.draw.rectangle((0, 670, WIDTH, HEIGHT), fill=(10, 10, 10))
    c.text((20, 682), clock, size=18, fill=(250, 200, 60))
    c.text((110, 682), ticker, size=18, fill=WHITE)
    return c.jpeg()


def _video(look: Look, title: str, subtitle: str, position: str) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((0, 40, WIDTH, 640), fill=(20, 26, 30))
    c.draw.polygon(
        ((0, 500), (300, 330), (620, 470), (980, 300), (1280, 430), (1280, 640), (0, 640)), fill=(40, 60, 55)
    )
    c.draw.ellipse((900, 90, 980, 170), fill=(220, 210, 170))
    c.draw.rectangle((360, 300, 420, 520), fill=(15, 15, 18))
    face = font(look.face, look.size)
    w = c.draw.textlength(subtitle, font=face)
    c.draw.text(
        ((WIDTH - w) / 2, 570), subtitle, font=face, fill=WHITE, stroke_width=2, stroke_fill=(0, 0, 0)
    )
    c.draw.rectangle((0, 640, WIDTH, HEIGHT), fill=look.bar)
    c.draw.rectangle((20, 652, 1260, 656), fill=look.muted)
    c.draw.rectangle((20, 652, 330, 656), fill=RED)
    c.text((20, 672), f"Play    {position}", size=16, fill=look.muted)
    c.text((1080, 672), "CC    1x    Full", size=16, fill=look.muted)
    return c.jpeg()


def _scores(
    look: Look, title: str, heading: str, rows: tuple[tuple[str, str, str], ...], footer: str
) -> bytes:
    c = Canvas(look, title)
    c.draw.rectangle((0, 40, WIDTH, HEIGHT), fill=(16, 20, 40))
    w = _width(c, heading, look.size + 14)
    c.text(((WIDTH - w) / 2, 80), heading, size=look.size + 14, fill=(250, 200, 60))
    for x, label in zip((300, 700, 880), ("Team", "Points", "Rounds"), strict=True):
        c.text((x, 200), label, size=16, fill=(150, 160, 190))
    for index, row in enumerate(rows):
        y = 240 + (look.size + 30) * index
        c.draw.rectangle(
            (280, y - 10, 1000, y + look.size + 14), fill=(30, 36, 70) if index % 2 else (40, 48, 90)
        )
        for x, value in zip((300, 700, 880), row, strict=True):
            c.text((x, y), value, size=look.size - 4, fill=WHITE)
    c.text(((WIDTH - _width(c, footer, 18)) / 2, 640), footer, size=18, fill=(150, 160, 190))
    return c.jpeg()


def _translator(look: Look, title: str, languages: tuple[str, str], source: str, target: str) -> bytes:
    c = Canvas(look, title)
    c.text((40, 56), "Text     Images     Documents     Websites", size=17, fill=look.muted)
    for index, (x, chosen) in enumerate(((40, languages[0]), (660, languages[1]))):
        labels = ("Detect language", chosen, "German") if index == 0 else (chosen, "Spanish", "Italian")
        lx = float(x)
        for label in labels:
            c.text((lx, 104), label, size=17, fill=BLUE if label == chosen else look.muted)
            lx += _width(c, label, 17) + 30
        c.box((x, 140, x + 580, 500), fill=look.panel if index == 0 else look.bar, outline=look.muted)
    c.text((64, 170), source, size=look.size)
    c.text((684, 170), target, size=look.size)
    c.text((64, 460), f"{len(source)} / 5000", size=14, fill=look.muted)
    c.text((684, 460), "Copy     Listen     Rate this translation", size=14, fill=look.muted)
    c.text((40, 560), "History     Saved     Contribute", size=16, fill=look.muted)
    return c.jpeg()


def _notes(
    look: Look, title: str, notes: tuple[tuple[str, str], ...], heading: str, lines: tuple[str, ...]
) -> bytes:
    c = Canvas(look, title)
    c.box((0, 40, 340, HEIGHT), fill=look.bar)
    c.text((20, 56), "Search notes", size=15, fill=look.muted)
    for index, (name, when) in enumerate(notes):
        y = 100 + 70 * index
        if index == 0:
            c.draw.rectangle((0, y - 8, 340, y + 58), fill=(250, 220, 120))
        c.text((20, y), name, size=18, fill=(20, 20, 20) if index == 0 else look.ink)
        c.text((20, y + 28), when, size=14, fill=(90, 90, 90) if index == 0 else look.muted)
    c.text((380, 70), "Edited today at 08:12", size=14, fill=look.muted)
    c.text((380, 100), heading, size=look.size + 8)
    y = 170.0
    for line in lines:
        c.draw.rectangle((384, y + 6, 398, y + 20), outline=look.muted, width=2)
        c.text((414, y), line, size=look.size - 2)
        y += look.size + 16
    return c.jpeg()


def _desktop(look: Look, icons: tuple[str, ...], note: tuple[str, ...], clock: str) -> bytes:
    c = Canvas(look, "Finder")
    for i in range(680):
        c.draw.line((0, 40 + i, WIDTH, 40 + i), fill=(40 + i // 8, 90 + i // 12, 120 + i // 10))
    c.text(
        (WIDTH - 30 - _width(c, clock, 16, "DejaVuSans.ttf"), 62),
        clock,
        size=16,
        face="DejaVuSans.ttf",
        fill=WHITE,
    )
    for index, name in enumerate(icons):
        y = 80 + 110 * index
        c.draw.rounded_rectangle((60, y, 120, y + 56), radius=6, fill=(120, 170, 230))
        c.text(
            (90 - _width(c, name, 14, "DejaVuSans.ttf") / 2, y + 62),
            name,
            size=14,
            face="DejaVuSans.ttf",
            fill=WHITE,
        )
    c.draw.rectangle((560, 230, 960, 560), fill=(252, 232, 120))
    c.draw.rectangle((560, 230, 960, 262), fill=(240, 214, 90))
    y = 290.0
    for line in note:
        c.text((590, y), line, size=look.size, fill=(40, 36, 20))
        y += look.size + 18
    return c.jpeg()


def _slides(look: Look, title: str, thumbs: int, heading: str, bullets: tuple[str, ...], notes: str) -> bytes:
    c = Canvas(look, title)
    c.text((20, 48), "Home   Insert   Design   Transitions   Slide Show   View", size=15)
    c.draw.rectangle((0, 76, 220, HEIGHT), fill=look.bar)
    for index in range(thumbs):
        y = 96 + 112 * index
        c.text((12, y), str(index + 1), size=14, fill=look.muted)
        c.draw.rectangle(
            (34, y, 200, y + 94), fill=WHITE, outline=BLUE if index == 1 else look.muted, width=3
        )
        c.draw.rectangle((50, y + 16, 150, y + 24), fill=(160, 160, 170))
    c.draw.rectangle((260, 96, 1240, 600), fill=WHITE, outline=look.muted)
    ink = (25, 30, 60)
    c.text((320, 150), heading, size=look.size, fill=ink)
    c.draw.rectangle((320, 170 + look.size, 520, 176 + look.size), fill=(230, 120, 50))
    for index, line in enumerate(bullets):
        c.text((340, 250 + (look.size + 6) * index), f"- {line}", size=look.size - 10, fill=ink)
    c.text((270, 620), notes, size=15, fill=look.muted)
    return c.jpeg()


BLIND: tuple[Item, ...] = (
    Item(
        "blind: video call, who is speaking",
        lambda: _call(
            L(True, "DejaVuSans.ttf", 20, 80),
            "Meet - Weekly planning",
            ("Jonas Weber", "Amara Nwosu", "Lucia Ferrante", "Ravi Menon"),
            "Amara Nwosu",
            "Amara Nwosu: I've sent the slides to everyone",
            None,
        ),
        "Who is speaking right now?",
        "amara nwosu",
    ),
    Item(
        "blind: video call muted notice",
        lambda: _call(
            L(True, "LiberationSans-Regular.ttf", 22, 72),
            "Video Call",
            ("Ines Duarte", "Karl Brandt", "Mei Tanaka", "Owen Price", "Sara Holm", "You"),
            "Karl Brandt",
            "Karl Brandt: Can everyone see my screen?",
            ("You are muted", "Press M to unmute"),
        ),
        "What's the screen telling me?",
        "you are muted",
    ),
    Item(
        "blind: music player, song",
        lambda: _player(
            L(False, "DejaVuSerif.ttf", 22, 82),
            "Music",
            "Paper Lanterns",
            "Odile and the Northbound",
            "Harbour Lights (2025)",
            ("1:12", "3:48"),
            ("Glass Rivers - Tamsin Hale", "Night Bus Home - The Lowmoor Band", "Cinder - Kaito Mori"),
        ),
        "What song is playing?",
        "paper lanterns",
    ),
    Item(
        "blind: music player dark, artist",
        lambda: _player(
            L(True, "DejaVuSansCondensed.ttf", 24, 76),
            "Radio Player",
            "Slow Tide",
            "The Velvet Orchard",
            "Salt and Static",
            ("2:40", "4:05"),
            ("Quiet Engines - Brightwater", "Lantern Field - June Okoro"),
        ),
        "Who's this song by?",
        "the velvet orchard",
    ),
    Item(
        "blind: weather app, conditions",
        lambda: _weather(
            L(True, "DejaVuSans.ttf", 26, 85),
            "Weather",
            "Porto",
            ("16°", "Light drizzle", "Feels like 14°   Wind 18 km/h   Humidity 88%"),
            (
                ("Now", "16°"),
                ("15:00", "17°"),
                ("16:00", "17°"),
                ("17:00", "15°"),
                ("18:00", "14°"),
                ("19:00", "13°"),
            ),
            (
                ("Tue", "Sunny", "21° / 12°"),
                ("Wed", "Cloudy", "19° / 13°"),
                ("Thu", "Showers", "17° / 11°"),
                ("Fri", "Windy", "18° / 10°"),
                ("Sat", "Sunny", "22° / 13°"),
            ),
        ),
        "What's the weather like in Porto right now?",
        "light drizzle",
    ),
    Item(
        "blind: banking app balance",
        lambda: _bank(
            L(False, "LiberationSans-Regular.ttf", 22, 78),
            "Northbank",
            "Good morning, Dana",
            ("Everyday Account  **** 4821", "€864.20", "Pending: €42.10"),
            (
                ("Lidl Braga", "Today", "-€23.80"),
                ("Salary - Fernwood Ltd", "28 Nov", "+€1,950.00"),
                ("Electricity bill", "26 Nov", "-€71.45"),
                ("Cinema Trindade", "24 Nov", "-€16.00"),
                ("Transfer to Savings", "22 Nov", "-€300.00"),
            ),
        ),
        "How much is left in my account?",
        "864.20",
    ),
    Item(
        "blind: stock watchlist, dark mono",
        lambda: _ticker(
            L(True, "DejaVuSansMono.ttf", 18, 74),
            "Markets",
            "FTSE 100 7,912.4 +0.3%     DAX 18,220.1 -0.1%     S&P 500 5,431.9 +0.6%     EUR/USD 1.0842",
            (
                ("ORC", "Orchard Foods", "47.71", "-0.8%"),
                ("NWE", "Northwind Energy", "48.17", "+2.3%"),
                ("BLK", "Bluekite Air", "12.06", "-3.1%"),
                ("HSL", "Halden Steel", "31.90", "+0.4%"),
                ("QMD", "Quill Media", "8.44", "+1.2%"),
            ),
        ),
        "What's Northwind Energy trading at?",
        "48.17",
    ),
    Item(
        "blind: parcel tracking page",
        lambda: _tracking(
            L(False, "DejaVuSans.ttf", 24, 80),
            "Track your parcel",
            "https://parcels.example/track/JD014829371",
            "JD014829371",
            ("Held at Leipzig depot", "Address check needed before delivery"),
            (
                ("Today 07:12", "Arrived at Leipzig depot"),
                ("Yesterday 22:40", "Left the Hamburg hub"),
                ("Mon 15:05", "Collected from sender"),
            ),
        ),
        "What does this page say?",
        "held at leipzig depot",
    ),
    Item(
        "blind: recipe card, oven time",
        lambda: _recipe(
            L(False, "DejaVuSerif.ttf", 18, 70),
            "Recipes - Plum cake",
            "Spiced plum cake",
            "Serves 8   Prep 20 min   Difficulty: easy",
            ("250 g plums", "180 g flour", "120 g butter", "2 eggs", "1 tsp cinnamon", "100 g brown sugar"),
            (
                "Heat the oven to 180 C and line a tin.",
                "Beat the butter, sugar and eggs, then fold in the flour.",
                "Top with the plums and bake for 35 minutes.",
                "Leave to cool for 10 minutes before slicing.",
            ),
        ),
        "How long does it need in the oven?",
        "35 minutes",
    ),
    Item(
        "blind: boarding pass, boarding time",
        lambda: _boarding(
            L(False, "DejaVuSansCondensed.ttf", 22, 84),
            "Wallet",
            "Atlantic Wings",
            ("LIS", "Lisbon", "CPH", "Copenhagen"),
            (
                ("Passenger", "MARIA COSTA"),
                ("Flight", "AW 1357"),
                ("Date", "12 MAR"),
                ("Seat", "23F"),
                ("Gate", "B37"),
                ("Boarding", "14:25"),
                ("Departs", "14:55"),
                ("Group", "3"),
            ),
        ),
        "What time does my flight board?",
        "14:25",
    ),
    Item(
        "blind: software updater",
        lambda: _updater(
            L(True, "DejaVuSans.ttf", 20, 80),
            "Software Update",
            "Version 4.12.1 is available",
            "You have 4.11.3. The download is 186 MB.",
            ("Faster start-up on older laptops", "Fixes printing from the share sheet", "New dark icons"),
            ("Remind me tomorrow", "Install now"),
        ),
        "What does this window say?",
        "4.12.1",
    ),
    Item(
        "blind: sign-up password hint",
        lambda: _signup(
            L(False, "LiberationSerif-Regular.ttf", 20, 75),
            "Fernwood - Create account",
            ("Fernwood", "Plan trips with friends"),
            "Create your account",
            (("Full name", "Dana Reyes"), ("Email", "dana.reyes@mail.example"), ("Password", "********")),
            "Add a number or a symbol to make it stronger",
            strength="Weak",
        ),
        "What's it saying about my password?",
        "add a number or a symbol",
    ),
    Item(
        "blind: browser 502 page",
        lambda: _browser_error(
            L(True, "DejaVuSerif.ttf", 32, 80),
            ("Inbox (12)", "Team wiki", "502 Bad Gateway", "Cheap flights"),
            2,
            "https://status.intranet.example/dashboard",
            ("502 Bad Gateway", "nginx/1.24.0"),
        ),
        "What does it say here?",
        "502 bad gateway",
    ),
    Item(
        "blind: file manager, file size",
        lambda: _files(
            L(False, "DejaVuSans.ttf", 16, 82),
            "Files - Videos",
            "Home / Videos / 2026",
            (
                ("notes_from_trip.txt", "4 KB", "3 Nov 2026"),
                ("budget_2027.ods", "36 KB", "18 Nov 2026"),
                ("harbour_timelapse.mp4", "1.8 GB", "21 Nov 2026"),
                ("scan_0032.pdf", "2.1 MB", "22 Nov 2026"),
                ("cover.png", "812 KB", "30 Nov 2026"),
                ("old_backup.zip", "640 MB", "1 Dec 2026"),
            ),
        ),
        "How big is the video?",
        "1.8 gb",
    ),
    Item(
        "blind: task board, in progress",
        lambda: _board(
            L(True, "DejaVuSansCondensed.ttf", 18, 78),
            "Boards - Website",
            (
                (
                    "To do",
                    ("Fix footer links", "New pricing table", "Cookie banner copy", "Update team photos"),
                ),
                ("In progress", ("Rewrite onboarding emails",)),
                ("Review", ("Blog post on pricing", "Mobile menu spacing")),
                ("Done", ("Move DNS to new host", "Refund page", "Contact form test")),
            ),
        ),
        "What's in progress?",
        "rewrite onboarding emails",
    ),
    Item(
        "blind: receipt photo, tip",
        lambda: _receipt(
            L(True, "DejaVuSansMono.ttf", 20, 72),
            "Photos - receipt_0412.jpg",
            ("CAFE MIRADOURO", "Rua do Sol 14, Porto", "02/12/2026 10:37"),
            (
                ("Flat white x2", "7.80"),
                ("Almond croissant", "4.20"),
                ("Shakshuka", "13.50"),
                ("Orange juice", "4.50"),
                ("-", ""),
                ("Subtotal", "30.00"),
                ("Tip 18%", "5.40"),
                ("TOTAL EUR", "35.40"),
            ),
            "Obrigado! Table 7",
        ),
        "How much did I tip?",
        "5.40",
    ),
    Item(
        "blind: PDF letter, read to me",
        lambda: _pdf(
            L(False, "DejaVuSerif.ttf", 20, 85),
            "rent_review.pdf",
            "Notice of rent review",
            (
                "Dear tenant, from 1 June 2027 the monthly",
                "rent for Flat 4B will rise to 1,180 euros.",
                "Please update your standing order before",
                "that date. Contact us with any questions.",
            ),
            "Page 1 of 2",
        ),
        "Read this to me.",
        "rent for flat 4b will rise",
    ),
    Item(
        "blind: photo editor layers",
        lambda: _layers(
            L(True, "DejaVuSans.ttf", 14, 70),
            "poster_final.psd @ 66%",
            ("Neon sign text", "Glow", "Brick wall", "Background"),
            "Zoom 66%    2400 x 1600 px    RGB/8",
        ),
        "What's the top layer called?",
        "neon sign text",
    ),
    Item(
        "blind: git diff, which file",
        lambda: _diff(
            L(False, "DejaVuSansMono.ttf", 17, 80),
            "Commit a41f9c2",
            "Raise upload limits for teams",
            "config/limits.toml",
            (
                "[uploads]",
                "-max_file_mb = 50",
                "+max_file_mb = 200",
                "-max_files = 10",
                "+max_files = 25",
                " timeout_seconds = 120",
            ),
            "+2 -2",
        ),
        "Which file does this change?",
        "limits.toml",
    ),
    Item(
        "blind: CI log, failing test",
        lambda: _ci(
            L(True, "LiberationMono-Regular.ttf", 16, 76),
            "CI - Pipelines",
            (("lint", "passed"), ("build", "passed"), ("unit-tests", "failed"), ("deploy", "skipped")),
            (
                "$ pytest -q tests/",
                "tests/test_billing.py::test_invoice_total PASSED",
                "tests/test_billing.py::test_refund_rounding FAILED",
                "tests/test_billing.py::test_currency_codes PASSED",
                "tests/test_users.py::test_signup_email PASSED",
                "",
                "    assert refund.amount == Decimal('10.00')",
                "AssertionError: assert Decimal('9.99') == Decimal('10.00')",
                "",
                "=========== 1 failed, 212 passed in 41.3s ===========",
                "Job failed: exit code 1",
            ),
        ),
        "Which test failed?",
        "test_refund_rounding",
    ),
    Item(
        "blind: thermostat target",
        lambda: _thermostat(
            L(True, "DejaVuSans.ttf", 30, 82),
            "Home Heat",
            "Living room",
            ("21.5°", "Currently 19.0° inside, 6° outside", "Heating"),
            (
                ("06:30", "Wake  20.0°"),
                ("08:30", "Away  16.0°"),
                ("17:30", "Home  21.0°"),
                ("22:30", "Sleep  17.5°"),
            ),
        ),
        "What's the thermostat set to?",
        "21.5",
    ),
    Item(
        "blind: smart home, back door",
        lambda: _home(
            L(False, "DejaVuSansCondensed.ttf", 20, 80),
            "Home",
            ("All rooms", "Living room", "Kitchen", "Garden", "Garage"),
            (
                ("Living room lights", "On, 70%"),
                ("Front door", "Locked"),
                ("Back door", "Unlocked"),
                ("Garage door", "Closed"),
                ("Kitchen speaker", "Paused"),
                ("Hall camera", "Recording"),
                ("Bedroom blinds", "Open 40%"),
                ("Sprinklers", "Off until 06:00"),
            ),
        ),
        "Is the back door locked?",
        "unlocked",
    ),
    Item(
        "blind: TV news, breaking",
        lambda: _tv(
            L(True, "DejaVuSans-Bold.ttf", 28, 74),
            "Live TV",
            "NEWS 24",
            ("Harbour ferry strike called off", "Services resume from 6 am on Thursday"),
            "Rail fares rise 3% in April  |  Storm warning for the west coast  |  Council backs new library",
            "18:04",
        ),
        "What's this about?",
        "ferry strike called off",
    ),
    Item(
        "blind: subtitles over a video",
        lambda: _video(
            L(True, "DejaVuSans.ttf", 30, 78),
            "The Quiet Coast - S1 E3",
            "I left the keys under the blue flowerpot.",
            "12:04 / 48:30",
        ),
        "What does it say on the video?",
        "under the blue flowerpot",
    ),
    Item(
        "blind: game score screen",
        lambda: _scores(
            L(True, "DejaVuSans-Bold.ttf", 26, 80),
            "Arena",
            "Team Falcon wins!",
            (("Team Falcon", "2,140", "7"), ("Team Orca", "1,985", "5"), ("Team Lynx", "1,420", "3")),
            "Press A to play again    B to leave",
        ),
        "Who won?",
        "team falcon",
    ),
    Item(
        "blind: address form validation",
        lambda: _signup(
            L(False, "DejaVuSans.ttf", 18, 84),
            "Checkout - Delivery",
            ("Fernhill Books", "Checkout, step 2 of 3"),
            "Delivery address",
            (("Street", "Rua das Flores 12"), ("City", "Braga"), ("Postcode", "4700")),
            "Postcode must have 5 digits",
        ),
        "What's wrong with the form?",
        "postcode must have 5 digits",
    ),
    Item(
        "blind: translator, French",
        lambda: _translator(
            L(False, "LiberationSans-Regular.ttf", 24, 80),
            "Translate",
            ("English", "French"),
            "I would like a table for two.",
            "Je voudrais une table pour deux.",
        ),
        "How do I say that in French?",
        "je voudrais une table pour deux",
    ),
    Item(
        "blind: notes app, pillow font",
        lambda: _notes(
            L(False, None, 22, 80),
            "Notes",
            (
                ("Packing list for Norway", "Today"),
                ("Book club questions", "Tuesday"),
                ("Car service", "2 Dec"),
            ),
            "Packing list for Norway",
            ("Wool socks", "Rain jacket", "Power adapter", "Ferry tickets"),
        ),
        "What's on my screen?",
        "packing list for norway",
    ),
    Item(
        "blind: sticky note on desktop",
        lambda: _desktop(
            L(False, "DejaVuSerif-Italic.ttf", 24, 76),
            ("Taxes 2026", "Screenshots", "Invoices", "Trash"),
            ("Call the vet before 4", "Rex: ear drops twice", "Buy bin bags"),
            "Wed 13:52",
        ),
        "What have I written here?",
        "call the vet before 4",
    ),
    Item(
        "blind: slide editor",
        lambda: _slides(
            L(False, "DejaVuSans.ttf", 34, 82),
            "Q1 planning.pptx",
            5,
            "Hiring plan for the Lisbon office",
            ("Two designers by March", "One data engineer", "Office opens in May"),
            "Click to add speaker notes",
        ),
        "What am I looking at?",
        "hiring plan for the lisbon office",
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
    parser.add_argument("--blind", action="store_true", help="ask the fifth set (BLIND) instead")
    args = parser.parse_args()
    global ITEMS
    if args.fresh:
        ITEMS = FRESH
    if args.unseen:
        ITEMS = UNSEEN
    if args.heldout:
        ITEMS = HELDOUT
    if args.blind:
        ITEMS = BLIND
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
