"""Search back-ends for the Live API's ``googleSearch`` tool.

Two providers share one small Protocol, :class:`SearchProvider`:

* :class:`LocalIndex`, the embedded default: documents on this machine (text,
  Markdown, reStructuredText, HTML) in a SQLite FTS5 index, filled by
  ``openlive index add``. Documents are cut into passages of a few paragraphs, so
  a hit hands the model the passage that matched rather than a whole file.
* :class:`SearxngProvider`: a SearXNG instance's JSON API, for real web results
  while staying self-hosted.

Both return :class:`SearchResult` items whose ``snippet`` is the plain text the
model will read, and raise :class:`SearchError` with a reason a person can act on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import httpx

from openlive.errors import ConfigError, OpenliveError
from openlive.tools.html_text import parse_html

logger = logging.getLogger(__name__)

INDEX_FILE_NAME = "search-index.sqlite3"

# A passage is both the unit of ranking and the snippet the model reads: long
# enough to answer a question, short enough that five of them stay cheap.
MAX_PASSAGE_CHARS = 600
MAX_SNIPPET_CHARS = 600
MAX_TITLE_CHARS = 200
# Bounds on work per call: files larger than this are not text worth indexing,
# and a huge query would only make a huge OR expression.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_QUERY_TERMS = 32
MAX_RESULTS = 50

INDEXED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".html", ".htm"})

# Bump when the schema or the text extraction changes: an index made by another
# version is refused with a message saying to rebuild it.
SCHEMA_VERSION = 1

# Title matches count double: a document titled "Brazil vs Argentina" is about it.
# Given as FTS5's rank function (not a bm25() call) because bm25() cannot be used
# in the subquery that picks each document's best passage.
_RANK = "bm25(2.0, 1.0)"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    uri TEXT NOT NULL,
    title TEXT NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    doc_id INTEGER NOT NULL REFERENCES documents (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc_id ON passages (doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passage_fts USING fts5 (
    title, body,
    content = 'passages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

# SQLite documents that with MIN() the bare columns come from the row holding the
# minimum, so this picks each document's best passage (lowest bm25) in one pass.
_SEARCH_SQL = """
SELECT d.uri, d.title, p.body, MIN(m.score) AS best
FROM (SELECT rowid AS id, rank AS score FROM passage_fts
      WHERE passage_fts MATCH ? AND rank MATCH ?) AS m
JOIN passages AS p ON p.id = m.id
JOIN documents AS d ON d.id = p.doc_id
GROUP BY p.doc_id
ORDER BY best, d.id
LIMIT ?
"""

# Words that carry no topic in a natural-language question. Dropping them keeps
# bm25 from rewarding passages for containing "the" and "did".
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each else ever few for
    from further get gets got had has have having he her here hers herself him himself his how i if
    in into is it its itself just me might more most must my myself no nor not now of off on once
    only or other our ours ourselves out over own please same shall she should so some such than
    that the their theirs them themselves then there these they this those through to too under
    until up upon very was we were what when where which while who whom whose why will with would
    you your yours yourself yourselves tell know find show give s t d ll m re ve
    """.split()
)


class SearchError(OpenliveError):
    """A search provider failed: unreachable, timed out, bad answer, or a bad index."""


@dataclass(frozen=True)
class SearchResult:
    """One hit, as the model will see it.

    Attributes:
        uri: ``file:///...`` for a local document (or the URL the document names as
            its own), the page's ``http(s)`` URL for web results.
        title: The document's or page's title.
        snippet: The passage that matched, plain text, at most about 600 characters.
    """

    uri: str
    title: str
    snippet: str


class SearchProvider(Protocol):
    """Something that answers a natural-language query with ranked results."""

    async def search(self, query: str, limit: int = 5) -> list[SearchResult]:
        """The best results for ``query``, best first, at most ``limit`` of them.

        Raises:
            SearchError: The provider failed; the reason says what to fix.
        """
        ...


def default_index_path(data_dir: Path) -> Path:
    """Where the local search index lives inside openlive's data directory."""
    return data_dir / INDEX_FILE_NAME


# -- the local index ---------------------------------------------------------------


class LocalIndex:
    """A full-text index of local documents in one SQLite file (FTS5, bm25 ranking).

    The connection is shared by the caller's thread and the worker threads that
    :meth:`search` runs in, so every use goes through one lock. Other processes
    may read the file while ``openlive index add`` writes it (WAL mode).

    Args:
        path: The SQLite file; it and its directory are created if missing.

    Raises:
        SearchError: The file cannot be opened, is not a search index, was made
            by another version of openlive, or this SQLite lacks FTS5.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn = _open_index(self.path)
        self._closed = False

    def __repr__(self) -> str:
        return f"LocalIndex({str(self.path)!r})"

    def __enter__(self) -> LocalIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def add(self, path: str | Path) -> int:
        """Index a file, or every supported file under a directory.

        Supported: ``.txt``, ``.md``/``.markdown``, ``.rst``, ``.html``/``.htm``.
        A file already indexed with the same content is left alone; a changed one
        replaces its old passages. Adding a directory again also drops documents
        under it whose files are gone. Hidden files and directories are skipped.

        Args:
            path: A file or a directory.

        Returns:
            How many documents were added or updated.

        Raises:
            SearchError: The path does not exist, or a file named directly is not a
                supported type or cannot be read.
        """
        root = Path(path).expanduser()
        if not root.exists():
            raise SearchError(f"no such file or directory: {root}")
        root = root.resolve()
        if root.is_dir():
            return self._add_tree(root)
        if root.suffix.lower() not in INDEXED_SUFFIXES:
            supported = ", ".join(sorted(INDEXED_SUFFIXES))
            raise SearchError(f"cannot index {root}: not a supported type ({supported})")
        document = _load_document(root)
        with self._locked() as conn, conn:
            return int(self._store(conn, document))

    def count(self) -> int:
        """How many documents the index holds."""
        with self._locked() as conn:
            row = conn.execute("SELECT COUNT(*) FROM documents").fetchone()
        return int(row[0])

    async def search(self, query: str, limit: int = 5) -> list[SearchResult]:
        """The best passage of each of the best-matching documents, best first.

        The query is natural language; its meaningful words are OR-ed, so FTS5
        syntax or punctuation in it is only ever text. Runs in a worker thread.

        Args:
            query: What to look for.
            limit: Most results to return (capped at 50).

        Raises:
            SearchError: The index is closed or SQLite failed.
        """
        expression = fts_query(query)
        if expression is None or limit <= 0:
            logger.info("search: the query has no words to look for; nothing found")
            return []
        results = await asyncio.to_thread(self._search, expression, min(limit, MAX_RESULTS))
        if not results:
            # The query itself is user content: only DEBUG may show it.
            logger.info("search: nothing found in the local index (%s)", self.path.name)
        return results

    def close(self) -> None:
        """Close the database; further use raises :class:`SearchError`. Idempotent."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    # -- internals ---------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise SearchError(f"search index {self.path} is closed")
            yield self._conn

    def _search(self, expression: str, limit: int) -> list[SearchResult]:
        with self._locked() as conn:
            try:
                rows = conn.execute(_SEARCH_SQL, (expression, _RANK, limit)).fetchall()
            except sqlite3.Error as exc:
                raise SearchError(f"search index {self.path} failed: {exc}") from exc
        return [SearchResult(uri=uri, title=title, snippet=body) for uri, title, body, _ in rows]

    def _add_tree(self, root: Path) -> int:
        changed = 0
        seen: set[str] = set()
        with self._locked() as conn, conn:
            for file in _walk(root):
                try:
                    document = _load_document(file)
                except SearchError as exc:
                    # One unreadable file must not stop a directory from indexing.
                    logger.warning("skipping %s", exc.reason)
                    continue
                seen.add(document.path)
                changed += self._store(conn, document)
            self._prune(conn, root, seen)
        return changed

    def _store(self, conn: sqlite3.Connection, document: _Document) -> bool:
        row = conn.execute("SELECT id, sha256 FROM documents WHERE path = ?", (document.path,)).fetchone()
        if row is not None and row[1] == document.sha256:
            return False
        if row is not None:
            _delete_document(conn, row[0])
        cursor = conn.execute(
            "INSERT INTO documents (path, uri, title, sha256) VALUES (?, ?, ?, ?)",
            (document.path, document.uri, document.title, document.sha256),
        )
        doc_id = cursor.lastrowid
        for body in document.passages:
            cursor = conn.execute(
                "INSERT INTO passages (doc_id, title, body) VALUES (?, ?, ?)",
                (doc_id, document.title, body),
            )
            conn.execute(
                "INSERT INTO passage_fts (rowid, title, body) VALUES (?, ?, ?)",
                (cursor.lastrowid, document.title, body),
            )
        return True

    def _prune(self, conn: sqlite3.Connection, root: Path, seen: set[str]) -> None:
        prefix = str(root) + os.sep
        rows = conn.execute(
            "SELECT id, path FROM documents WHERE substr(path, 1, ?) = ?", (len(prefix), prefix)
        ).fetchall()
        for doc_id, path in rows:
            if path not in seen and not Path(path).is_file():
                _delete_document(conn, doc_id)


def _open_index(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread is off because search() runs in worker threads; the
        # LocalIndex lock makes sure only one thread uses the connection at a time.
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
    except (OSError, sqlite3.Error) as exc:
        raise SearchError(f"cannot open search index {path}: {exc}") from exc
    try:
        _prepare(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise SearchError(
                f"search index {path} was made by another version of openlive; "
                "delete it and run `openlive index add` again"
            )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except sqlite3.OperationalError as exc:
        if "fts5" in str(exc):
            raise SearchError(
                f"this Python's SQLite ({sqlite3.sqlite_version}) was built without FTS5, "
                "which the local search index needs"
            ) from exc
        raise SearchError(f"cannot use search index {path}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        raise SearchError(f"{path} is not a search index ({exc})") from exc


def _delete_document(conn: sqlite3.Connection, doc_id: int) -> None:
    # An external-content FTS5 table forgets a row only when told its old values.
    conn.execute(
        "INSERT INTO passage_fts (passage_fts, rowid, title, body)"
        " SELECT 'delete', id, title, body FROM passages WHERE doc_id = ?",
        (doc_id,),
    )
    conn.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
    conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))


def _walk(root: Path) -> Iterator[Path]:
    """Supported, non-hidden files under ``root``, in a stable order, symlinks not followed."""
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and Path(name).suffix.lower() in INDEXED_SUFFIXES:
                yield Path(directory, name)


# -- query ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def fts_query(query: str) -> str | None:
    """Turn a natural-language query into a safe FTS5 expression, or ``None`` if empty.

    Each meaningful word becomes a quoted FTS5 string and the strings are OR-ed:
    bm25 then ranks passages with more (and rarer) query words first. Quoting
    means nothing in the query (``AND``, ``*``, ``col:x``, a stray ``"``) can act
    as FTS5 syntax. If every word is a stopword (``"who is it"``), they are all kept.

    Examples:
        >>> fts_query("When did the last Brazil vs. Argentina match happen?")
        '"last" OR "brazil" OR "vs" OR "argentina" OR "match" OR "happen"'
    """
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(query)))
    meaningful = [word for word in words if word not in STOPWORDS] or words
    if not meaningful:
        return None
    # \w+ never yields a double quote, so wrapping in quotes is a complete escape.
    return " OR ".join(f'"{word}"' for word in meaningful[:MAX_QUERY_TERMS])


# -- documents -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    path: str
    uri: str
    title: str
    sha256: str
    passages: list[str]


def _load_document(path: Path) -> _Document:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SearchError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise SearchError(f"cannot read {path}: {exc.strerror}") from exc
    raw = data.decode("utf-8", errors="replace")
    suffix = path.suffix.lower()
    uri = path.as_uri()
    if suffix in (".html", ".htm"):
        page = parse_html(raw)
        # Each line of the page's text is a block (a paragraph, list item, cell, or a
        # line cut by <br>): make it a paragraph, so a passage keeps it on its own line.
        text = page.text.replace("\n", "\n\n")
        title = page.title or page.heading or _first_line(page.text)
        uri = page.canonical or uri
    elif suffix in (".md", ".markdown"):
        text, title = _markdown_text(raw)
    elif suffix == ".rst":
        text, title = _rst_text(raw)
    else:
        text, title = raw, _first_line(raw)
    return _Document(
        path=str(path),
        uri=uri,
        title=_cut(title or path.stem, MAX_TITLE_CHARS),
        sha256=hashlib.sha256(data).hexdigest(),
        passages=passages(text),
    )


def passages(text: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[str]:
    """Cut text into passages of whole paragraphs, each at most ``max_chars``.

    Consecutive paragraphs are grouped while they fit; a paragraph that is too
    long on its own is cut at sentence ends, then at spaces.
    """
    flat = (_collapse(paragraph) for paragraph in re.split(r"\n\s*\n", text))
    pieces = (piece for paragraph in flat if paragraph for piece in _split_long(paragraph, max_chars))
    return _pack(pieces, "\n", max_chars)


def _split_long(text: str, max_chars: int) -> list[str]:
    """One collapsed paragraph cut at sentence ends, then at spaces, into pieces that fit."""
    if len(text) <= max_chars:
        return [text]
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return _pack((part for s in sentences for part in _split_words(s, max_chars)), " ", max_chars)


def _split_words(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    # A run with no spaces longer than max_chars is cut hard.
    chunks = (word[i : i + max_chars] for word in text.split(" ") for i in range(0, len(word), max_chars))
    return _pack(chunks, " ", max_chars)


def _pack(pieces: Iterable[str], separator: str, max_chars: int) -> list[str]:
    """Consecutive pieces joined by ``separator`` while the result fits in ``max_chars``.

    A piece longer than ``max_chars`` stays whole, alone in its own result.
    """
    packed: list[str] = []
    current = ""
    for piece in pieces:
        if current and len(current) + len(separator) + len(piece) > max_chars:
            packed.append(current)
            current = piece
        else:
            current = f"{current}{separator}{piece}" if current else piece
    if current:
        packed.append(current)
    return packed


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _cut(text: str, max_chars: int) -> str:
    """``text`` in at most ``max_chars`` characters, cut at a space when possible."""
    text = _collapse(text)
    if len(text) <= max_chars:
        return text
    head = text[: max_chars - 1]
    space = head.rfind(" ")
    if space > max_chars // 2:
        head = head[:space]
    return head + "…"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


# Markdown and reStructuredText are turned into readable plain text with a few
# patterns: the model reads the snippet, and markup characters only waste it.

# Line patterns use [ \t], never \s, which would swallow the blank lines that
# separate paragraphs.
_MD_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.DOTALL)
_MD_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE)
_MD_SETEXT_HEADING = re.compile(r"^(\S[^\n]*)\n {0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)
_MD_SUBS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^ {0,3}(```|~~~).*$", re.MULTILINE), ""),  # code fences (code stays)
    (re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+.*$", re.MULTILINE), ""),  # link reference definitions
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links -> their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links -> their text
    (_MD_ATX_HEADING, r"\1"),  # heading marks
    (re.compile(r"^ {0,3}(?:=+|-+|\*{3,}|_{3,})[ \t]*$", re.MULTILINE), ""),  # setext underlines, rules
    (re.compile(r"^ {0,3}>[ \t]?", re.MULTILINE), ""),  # block quotes
    (re.compile(r"<[^>\n]+>"), ""),  # inline HTML tags
    # Strong. Not __x__: that strips Python's __init__ far more often than it helps.
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"`+"), ""),  # inline code marks
]


def _markdown_text(raw: str) -> tuple[str, str]:
    """Plain text and title (first heading, else first line) of a Markdown document."""
    source = _MD_FRONT_MATTER.sub("", raw, count=1)
    headings = [m for m in (_MD_ATX_HEADING.search(source), _MD_SETEXT_HEADING.search(source)) if m]
    text = source
    for pattern, replacement in _MD_SUBS:
        text = pattern.sub(replacement, text)
    if headings:
        first = min(headings, key=lambda m: m.start())
        title = first.group(1)
        for pattern, replacement in _MD_SUBS[2:]:  # links or emphasis inside the heading
            title = pattern.sub(replacement, title)
    else:
        title = _first_line(text)
    return unescape(text), unescape(title.strip())


_RST_ADORNMENT = re.compile(r"""^([=\-~^"'`*+#:.<>_])\1{2,}[ \t]*$""")
_RST_SUBS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^\.\. [^\n]*$", re.MULTILINE), ""),  # directives, comments, targets
    (re.compile(r"`([^`<]+?)\s*<[^>]+>`_{1,2}"), r"\1"),  # `text <url>`_ -> text
    (re.compile(r":[\w:+-]+:`([^`<]+?)\s*(?:<[^>]+>)?`"), r"\1"),  # :role:`text <target>` -> text
    (re.compile(r"`([^`]+)`_{1,2}"), r"\1"),  # `reference`_ -> reference
    (re.compile(r"``([^`]+)``"), r"\1"),  # ``literal``
    (re.compile(r"\*\*([^*]+)\*\*"), r"\1"),  # strong
    (re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])"), r"\1"),  # emphasis
]


def _rst_text(raw: str) -> tuple[str, str]:
    """Plain text and title (first section title, else first line) of a reST document."""
    lines = raw.splitlines()
    title = ""
    for i, line in enumerate(lines[:-1]):
        below = lines[i + 1]
        if line.strip() and not _RST_ADORNMENT.match(line) and _RST_ADORNMENT.match(below):
            if len(below.strip()) >= len(line.strip()):
                title = line.strip()
                break
    text = "\n".join("" if _RST_ADORNMENT.match(line) else line for line in lines)
    for pattern, replacement in _RST_SUBS:
        text = pattern.sub(replacement, text)
    return text, title or _first_line(text)


# -- SearXNG -------------------------------------------------------------------------


class SearxngProvider:
    """Web search through a SearXNG instance's JSON API.

    The instance must allow the JSON format (``search: formats: [html, json]`` in
    its ``settings.yml``); without it SearXNG answers 403.

    Args:
        base_url: The instance's root, e.g. ``http://127.0.0.1:8888``.
        timeout_s: Seconds to wait for an answer.
        transport: An httpx transport to use instead of the network (tests pass
            ``httpx.MockTransport``).

    Raises:
        ConfigError: ``base_url`` is not an ``http(s)://`` URL.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"SearXNG URL must start with http:// or https://, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._transport = transport

    def __repr__(self) -> str:
        return f"SearxngProvider({self.base_url!r})"

    async def search(self, query: str, limit: int = 5) -> list[SearchResult]:
        """The instance's first ``limit`` results for ``query``.

        Raises:
            SearchError: Unreachable, timed out, an HTTP error, or not SearXNG's JSON.
        """
        if not query.strip() or limit <= 0:
            return []
        data = await self._get_json({"q": query, "format": "json"})
        results = _searxng_results(data, min(limit, MAX_RESULTS), self.base_url)
        if not results:
            logger.info("search: SearXNG found nothing")
        return results

    async def _get_json(self, params: dict[str, str]) -> Any:
        url = f"{self.base_url}/search"
        # A client per search: searches are rare (one per tool call) and this way
        # there is no connection pool to close or to tie to one event loop.
        async with httpx.AsyncClient(
            transport=self._transport,
            timeout=self.timeout_s,
            headers={"Accept": "application/json"},
        ) as client:
            try:
                response = await client.get(url, params=params)
            except httpx.TimeoutException as exc:
                raise SearchError(
                    f"SearXNG at {self.base_url} did not answer within {self.timeout_s:g} s"
                ) from exc
            except httpx.HTTPError as exc:
                raise SearchError(f"cannot reach SearXNG at {self.base_url}: {exc}") from exc
        if response.status_code == 403:
            raise SearchError(
                f"SearXNG at {self.base_url} refused the JSON API (HTTP 403); "
                "add json to search.formats in its settings.yml"
            )
        if response.status_code >= 400:
            raise SearchError(f"SearXNG at {self.base_url} answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise SearchError(
                f"SearXNG at {self.base_url} did not answer with JSON; is that URL a SearXNG instance?"
            ) from exc


def _searxng_results(data: Any, limit: int, base_url: str) -> list[SearchResult]:
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise SearchError(f"SearXNG at {base_url} answered JSON without a results list")
    results: list[SearchResult] = []
    for item in data["results"]:
        if len(results) >= limit:
            break
        if not isinstance(item, dict):
            continue
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        title = item.get("title")
        content = item.get("content")
        results.append(
            SearchResult(
                uri=url,
                title=_cut(unescape(title), MAX_TITLE_CHARS) if isinstance(title, str) and title else url,
                snippet=_cut(_plain(content), MAX_SNIPPET_CHARS) if isinstance(content, str) else "",
            )
        )
    return results


def _plain(text: str) -> str:
    """Text with any HTML tags and entities SearXNG engines leave in removed."""
    return unescape(re.sub(r"<[^>]+>", "", text))
