"""Reduce an HTML page to its title and readable text, with the standard library only.

One parser serves both readers of HTML: the URL context tool (:func:`html_to_text`)
and the local search index (:func:`parse_html`, which also gives the first heading
and the ``<link rel="canonical">`` URL).

The text is what a model is given to read, so what a person would not see is left
out: scripts, styles, templates, inline SVG/MathML, and the contents of embedded
frames and objects. Block elements (paragraphs, headings, list items, table rows)
become line breaks; runs of whitespace inside a line collapse to one space; at
most one blank line separates blocks. ``<pre>`` keeps its line breaks and
indentation, since code and tables there depend on them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose content is never shown as text. All of them have end tags, so a
# depth counter over them stays balanced (a void element here would never close).
_HIDDEN = frozenset(
    {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas", "select"}
)
# Elements that start and end a line of text. Table cells are among them: a model
# reads one cell per line well enough, and a row's cells run together would be worse.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Block elements that are set apart by a blank line, as a browser sets them apart by a margin.
_PARAGRAPHS = frozenset(
    {"blockquote", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "ol", "p", "pre", "table", "ul"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class HtmlPage:
    """What a reader gets from one HTML document.

    Attributes:
        title: The first non-empty ``<title>``, whitespace collapsed; ``""`` if none.
        text: The visible text, one block per line, a blank line between paragraphs.
        heading: The first non-empty heading (``<h1>`` to ``<h6>``), whitespace
            collapsed; ``""`` if none. A title for pages that lack one.
        canonical: The ``http(s)`` URL of ``<link rel="canonical">`` (the last one,
            if several); ``""`` if none or if it is relative.
    """

    title: str
    text: str
    heading: str = ""
    canonical: str = ""


class _TextParser(HTMLParser):
    """Collects the title, visible text, first heading and canonical URL of one document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title_parts: list[str] = []
        self.lines: list[str] = []
        self.heading = ""
        self.canonical = ""
        self._in_title = False
        self._title_done = False  # the first non-empty title has been read
        self._heading_parts: list[str] | None = None  # the first heading, while it is read
        self._hidden_depth = 0
        self._pre_depth = 0
        self._line: list[str] = []
        self._line_is_pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "link":
            self._read_link(dict(attrs))
        elif tag in _BLOCKS:
            self._break_line(blank=tag in _PARAGRAPHS)
            if tag == "pre":
                self._pre_depth += 1
            elif tag in _HEADINGS and not self.heading and self._heading_parts is None:
                self._heading_parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            # A stray end tag must not make the counter negative and hide nothing.
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag == "title":
            self._in_title = False
            self._title_done = self._title_done or bool(self.title_parts)
        elif tag in _BLOCKS:
            self._break_line(blank=tag in _PARAGRAPHS)
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)
            elif tag in _HEADINGS and self._heading_parts is not None:
                # An empty heading (an image, say) leaves the next one to be read.
                self.heading = _SPACE.sub(" ", "".join(self._heading_parts)).strip()
                self._heading_parts = None

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        if self._in_title:
            # Only the document's first title counts; later ones (inside inline SVG,
            # say) are neither the title nor body text.
            if not self._title_done:
                self.title_parts.append(data)
            return
        if self._heading_parts is not None:
            self._heading_parts.append(data)
        if self._pre_depth:
            self._add_pre(data)
        else:
            self._line.append(data)

    def _read_link(self, attrs: dict[str, str | None]) -> None:
        rel = (attrs.get("rel") or "").lower().split()
        href = (attrs.get("href") or "").strip()
        if "canonical" in rel and href.startswith(("http://", "https://")):
            self.canonical = href

    def _add_pre(self, data: str) -> None:
        """Adds preformatted text, keeping its own line breaks."""
        first, *rest = data.split("\n")
        self._line.append(first)
        self._line_is_pre = True
        for part in rest:
            self._break_line()
            self._line.append(part)
            self._line_is_pre = True

    def _break_line(self, *, blank: bool = False) -> None:
        """Ends the current line, then, for paragraph-like elements, leaves one blank line."""
        raw = "".join(self._line)
        if self._line_is_pre:
            # Blank lines inside <pre> are content (they separate code blocks).
            self.lines.append(raw.rstrip())
        else:
            line = _SPACE.sub(" ", raw).strip()
            if line:
                self.lines.append(line)
        self._line = []
        self._line_is_pre = False
        if blank and self.lines and self.lines[-1]:
            self.lines.append("")

    def finish(self) -> HtmlPage:
        """Flushes the last line and returns what was read."""
        self.close()
        self._break_line()
        return HtmlPage(
            title=_SPACE.sub(" ", "".join(self.title_parts)).strip(),
            text="\n".join(self.lines).strip("\n"),
            heading=self.heading,
            canonical=self.canonical,
        )


def parse_html(html: str) -> HtmlPage:
    """Reads an HTML document's title, readable text, first heading and canonical URL.

    Args:
        html: The document, already decoded to text. Malformed markup is read as
            browsers would roughly read it; unclosed hidden elements (an unclosed
            ``<script>``) hide the rest of the document.
    """
    parser = _TextParser()
    parser.feed(html)
    return parser.finish()


def html_to_text(html: str) -> tuple[str, str]:
    """Reduces an HTML document to ``(title, text)``, as :func:`parse_html` reads them."""
    page = parse_html(html)
    return page.title, page.text
