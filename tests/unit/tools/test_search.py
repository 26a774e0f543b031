"""Search back-ends: the local FTS5 index and the SearXNG client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from openlive.errors import ConfigError, OpenliveError
from openlive.tools.search import (
    MAX_PASSAGE_CHARS,
    LocalIndex,
    SearchError,
    SearchResult,
    SearxngProvider,
    default_index_path,
    fts_query,
    passages,
)

FOOTBALL = """\
# Brazil against Argentina

The rivalry between the two national teams is among the oldest in football.

## Latest match

The last Brazil vs. Argentina soccer match was played on 21 November 2023 at the
Maracana stadium in Rio de Janeiro; Argentina won 1-0 with a header by Otamendi.
"""

COOKING = """\
Pasta for beginners

Bring a large pot of water to the boil and salt it well.

Cook the spaghetti for nine minutes, then drain and toss with the sauce.
"""

WEATHER = """\
Weather in Rio de Janeiro
=========================

Rio has a tropical climate: hot, humid summers and warm winters.
"""


@pytest.fixture
def index(tmp_path: Path) -> Iterator[LocalIndex]:
    with LocalIndex(tmp_path / "index.sqlite3") as local:
        yield local


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    write(root / "football.md", FOOTBALL)
    write(root / "cooking.txt", COOKING)
    write(root / "weather.rst", WEATHER)
    return root


# -- query building -------------------------------------------------------------------


def test_query_keeps_meaningful_words_quoted_and_ored() -> None:
    expression = fts_query("When did the last Brazil vs. Argentina soccer match happen?")
    assert expression == '"last" OR "brazil" OR "vs" OR "argentina" OR "soccer" OR "match" OR "happen"'


@pytest.mark.parametrize("query", ["", "   ", '"', "*", "?!.", "()"])
def test_query_without_words_is_none(query: str) -> None:
    assert fts_query(query) is None


def test_query_of_only_stopwords_keeps_them() -> None:
    assert fts_query("Who is it?") == '"who" OR "is" OR "it"'


def test_query_drops_duplicates_and_bounds_terms() -> None:
    assert fts_query("Pasta pasta PASTA") == '"pasta"'
    many = " ".join(f"word{i}" for i in range(100))
    expression = fts_query(many)
    assert expression is not None and expression.count(" OR ") == 31


# -- passages ---------------------------------------------------------------------------


def test_passages_group_short_paragraphs_and_cut_long_ones() -> None:
    short = "First paragraph.\n\nSecond paragraph."
    assert passages(short) == ["First paragraph.\nSecond paragraph."]
    sentence = "This sentence has exactly some words in it and ends here. "
    long_text = sentence * 40 + "\n\n" + "x" * 1500
    cut = passages(long_text)
    assert all(0 < len(p) <= MAX_PASSAGE_CHARS for p in cut)
    assert len(cut) >= 5
    # Nothing is lost: every character of the text (bar whitespace) is in a passage.
    assert "".join("".join(cut).split()) == "".join(long_text.split())
    # Sentence-cut passages end at a sentence end.
    assert cut[0].endswith("here.")


def test_passages_of_blank_text_are_empty() -> None:
    assert passages(" \n\n \t\n") == []


# -- local index ----------------------------------------------------------------------


async def test_right_document_ranks_first(index: LocalIndex, docs: Path) -> None:
    assert index.add(docs) == 3
    assert index.count() == 3
    results = await index.search("When did the last Brazil vs. Argentina soccer match happen?")
    assert results[0].uri == (docs / "football.md").resolve().as_uri()
    assert results[0].title == "Brazil against Argentina"
    # The weather page shares "Rio de Janeiro" with the football page but not the question.
    cooking = await index.search("how long should I cook spaghetti")
    assert [r.title for r in cooking] == ["Pasta for beginners"]
    weather = await index.search("what is the climate like in Rio?")
    assert weather[0].title == "Weather in Rio de Janeiro"
    assert {r.title for r in weather} == {"Weather in Rio de Janeiro", "Brazil against Argentina"}


async def test_snippet_is_the_matching_passage_one_per_document(index: LocalIndex, tmp_path: Path) -> None:
    filler = "\n\n".join(f"Paragraph {i} talks about gardening, tomatoes and compost." for i in range(40))
    text = f"Long notes\n\n{filler}\n\nThe submarine dived to four hundred metres.\n\n{filler}"
    write(tmp_path / "notes.txt", text)
    assert index.add(tmp_path / "notes.txt") == 1
    # Every passage matches "tomatoes"; the best one is the one that also has the submarine,
    # and it is not the document's first passage.
    results = await index.search("How deep did the submarine dive among the tomatoes?")
    assert len(results) == 1  # many passages, one document, one result
    snippet = results[0].snippet
    assert "submarine dived to four hundred metres" in snippet
    assert len(snippet) <= MAX_PASSAGE_CHARS
    assert snippet.count("gardening") < 10  # a passage, not the whole file
    compost = await index.search("compost")
    assert len(compost) == 1


async def test_limit_and_no_match(index: LocalIndex, tmp_path: Path) -> None:
    for i in range(8):
        write(tmp_path / "d" / f"doc{i}.txt", f"Document {i}\n\nShared word zeppelin.")
    index.add(tmp_path / "d")
    assert len(await index.search("zeppelin", limit=3)) == 3
    assert len(await index.search("zeppelin")) == 5
    assert await index.search("zeppelin", limit=0) == []
    assert await index.search("xylophone") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a "quoted',
        "AND OR NOT",
        "*",
        "col:x",
        "title:brazil",
        "",
        "NEAR(a b, 2)",
        "^start",
        "- + {x}",
        "'",
    ],
)
async def test_hostile_queries_never_raise(index: LocalIndex, docs: Path, query: str) -> None:
    index.add(docs)
    results = await index.search(query)
    assert isinstance(results, list)


async def test_fts_syntax_in_a_query_is_only_text(index: LocalIndex, docs: Path) -> None:
    index.add(docs)
    # As FTS5 syntax, "title:spaghetti" would search titles only, and find nothing;
    # as text it is two words, and "spaghetti" is in the cooking page's body.
    results = await index.search("title:spaghetti")
    assert [r.title for r in results] == ["Pasta for beginners"]


async def test_readding_unchanged_changed_and_removed_files(index: LocalIndex, docs: Path) -> None:
    assert index.add(docs) == 3
    assert index.add(docs) == 0
    assert index.add(docs / "football.md") == 0
    assert index.count() == 3

    write(docs / "cooking.txt", "Pasta for beginners\n\nRisotto needs constant stirring.")
    assert index.add(docs) == 1
    assert index.count() == 3
    assert await index.search("spaghetti") == []
    stirred = await index.search("risotto")
    assert len(stirred) == 1 and "constant stirring" in stirred[0].snippet

    (docs / "weather.rst").unlink()
    assert index.add(docs) == 0
    assert index.count() == 2
    assert await index.search("tropical climate") == []


async def test_same_file_through_another_spelling_is_one_document(
    index: LocalIndex, docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(docs)
    assert index.add("football.md") == 1
    assert index.add(docs / ".." / "docs" / "football.md") == 0
    assert index.count() == 1


def test_hidden_and_unsupported_files_are_skipped(index: LocalIndex, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root / "a.txt", "kept")
    write(root / "sub" / "b.HTML", "<p>kept too</p>")
    write(root / ".git" / "c.txt", "hidden directory")
    write(root / ".d.md", "hidden file")
    write(root / "e.py", "print('not indexed')")
    (root / "f.pdf").write_bytes(b"%PDF-1.4 binary")
    assert index.add(root) == 2


def test_missing_and_unsupported_paths_raise(index: LocalIndex, tmp_path: Path) -> None:
    with pytest.raises(SearchError, match="no such file or directory"):
        index.add(tmp_path / "nope")
    write(tmp_path / "x.pdf", "binary")
    with pytest.raises(SearchError, match="not a supported type"):
        index.add(tmp_path / "x.pdf")
    assert issubclass(SearchError, OpenliveError)


async def test_html_is_reduced_to_text(index: LocalIndex, tmp_path: Path) -> None:
    page = """<!doctype html><html><head><title>Tides &amp; Moon</title>
    <style>.x { color: red }</style><script>var secretvariable = 1;</script>
    <link rel="canonical" href="https://example.org/tides"></head>
    <body><h1>Ignored heading</h1><p>The moon pulls the <b>oceans</b>,<br>making tides.</p>
    <noscript>enable javascript</noscript></body></html>"""
    write(tmp_path / "tides.html", page)
    write(tmp_path / "plain.htm", "<html><body><div><h2>Orbit  basics</h2><p>Planets orbit.</p></div>")
    index.add(tmp_path)
    [tides] = await index.search("why are there tides")
    assert tides == SearchResult(
        uri="https://example.org/tides",
        title="Tides & Moon",
        snippet="Ignored heading\nThe moon pulls the oceans,\nmaking tides.",
    )
    assert await index.search("secretvariable color javascript") == []
    [orbit] = await index.search("orbit")
    assert orbit.title == "Orbit basics"
    assert orbit.uri == (tmp_path / "plain.htm").resolve().as_uri()


async def test_markdown_and_rst_markup_is_removed(index: LocalIndex, tmp_path: Path) -> None:
    markdown = """---
layout: post
---
Intro line

Setext Title
============

Read **the [manual](https://example.org/m)** and run `make` in `__init__.py`.
"""
    rst = """=========
 Install
=========

Run ``pip install openlive`` as described in :ref:`the guide <guide>`.

.. note:: a directive line
"""
    write(tmp_path / "a.md", markdown)
    write(tmp_path / "b.rst", rst)
    index.add(tmp_path)
    [md] = await index.search("manual")
    assert md.title == "Setext Title"
    assert "Read the manual and run make in __init__.py." in md.snippet
    assert "layout" not in md.snippet and "=" not in md.snippet
    [doc] = await index.search("pip install")
    assert doc.title == "Install"
    assert "Run pip install openlive as described in the guide." in doc.snippet
    assert "directive" not in doc.snippet and "==" not in doc.snippet


async def test_index_persists_across_opens(tmp_path: Path, docs: Path) -> None:
    path = tmp_path / "nested" / "dir" / "index.sqlite3"
    with LocalIndex(path) as first:
        first.add(docs)
    with LocalIndex(path) as second:
        assert second.count() == 3
        assert (await second.search("spaghetti"))[0].title == "Pasta for beginners"


async def test_closed_index_raises(tmp_path: Path) -> None:
    local = LocalIndex(tmp_path / "i.sqlite3")
    local.close()
    local.close()  # idempotent
    with pytest.raises(SearchError, match="closed"):
        local.count()
    with pytest.raises(SearchError, match="closed"):
        await local.search("anything")


def test_a_file_that_is_not_an_index_is_refused(tmp_path: Path) -> None:
    bogus = write(tmp_path / "bogus.sqlite3", "this is not a database " * 100)
    with pytest.raises(SearchError, match="not a search index"):
        LocalIndex(bogus)


@pytest.mark.timeout(10)
async def test_search_runs_off_the_event_loop(index: LocalIndex, docs: Path) -> None:
    index.add(docs)
    # While another thread holds the index, a search waits in a worker thread and
    # the event loop keeps running other tasks.
    index._lock.acquire()
    try:
        pending = asyncio.create_task(index.search("spaghetti"))
        ticks = 0
        for _ in range(5):
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks == 5 and not pending.done()
    finally:
        index._lock.release()
    assert (await pending)[0].title == "Pasta for beginners"


async def test_concurrent_searches(index: LocalIndex, docs: Path) -> None:
    index.add(docs)
    results = await asyncio.gather(*(index.search("spaghetti") for _ in range(20)))
    assert all(r[0].title == "Pasta for beginners" for r in results)


def test_default_index_path(tmp_path: Path) -> None:
    assert default_index_path(tmp_path) == tmp_path / "search-index.sqlite3"


# -- SearXNG ----------------------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def searxng(handler: Handler, base_url: str = "http://searx.test/", **kwargs: float) -> SearxngProvider:
    return SearxngProvider(base_url, transport=httpx.MockTransport(handler), **kwargs)


SEARX_ANSWER = {
    "query": "brazil argentina",
    "results": [
        {
            "url": "https://example.com/match",
            "title": "Brazil 0-1 Argentina &amp; more",
            "content": "Argentina <b>won</b> the match at the Maracana.",
        },
        {"url": "javascript:alert(1)", "title": "bad scheme", "content": "dropped"},
        {"title": "no url", "content": "dropped"},
        "not an object",
        {"url": "https://example.com/no-title"},
        {"url": "https://example.com/third", "title": "Third", "content": "x" * 2000},
    ],
}


async def test_searxng_maps_results() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SEARX_ANSWER)

    results = await searxng(handler).search("brazil argentina")
    assert [str(r.url.copy_with(query=None)) for r in seen] == ["http://searx.test/search"]
    assert dict(seen[0].url.params) == {"q": "brazil argentina", "format": "json"}
    assert results[0] == SearchResult(
        uri="https://example.com/match",
        title="Brazil 0-1 Argentina & more",
        snippet="Argentina won the match at the Maracana.",
    )
    assert results[1] == SearchResult(
        uri="https://example.com/no-title", title="https://example.com/no-title", snippet=""
    )
    assert results[2].uri == "https://example.com/third"
    assert len(results[2].snippet) <= 600
    assert len(results) == 3


async def test_searxng_limit() -> None:
    many = {"results": [{"url": f"https://e.com/{i}", "title": str(i), "content": ""} for i in range(10)]}
    provider = searxng(lambda request: httpx.Response(200, json=many))
    assert [r.title for r in await provider.search("q", limit=2)] == ["0", "1"]
    assert len(await provider.search("q")) == 5


async def test_searxng_empty_query_sends_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    assert await searxng(handler).search("   ") == []
    assert await searxng(handler).search("q", limit=0) == []


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="boom"), "HTTP 500"),
        (httpx.Response(403, text="forbidden"), "search.formats"),
        (httpx.Response(200, text="<html>not json</html>"), "did not answer with JSON"),
        (httpx.Response(200, json=["a", "list"]), "without a results list"),
        (httpx.Response(200, json={"results": "nope"}), "without a results list"),
    ],
)
async def test_searxng_bad_answers(response: httpx.Response, message: str) -> None:
    with pytest.raises(SearchError, match=message) as caught:
        await searxng(lambda request: response).search("q")
    assert "http://searx.test" in caught.value.reason


async def test_searxng_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(SearchError, match=r"did not answer within 2\.5 s"):
        await searxng(handler, timeout_s=2.5).search("q")


async def test_searxng_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(SearchError, match="cannot reach SearXNG at http://searx.test: connection refused"):
        await searxng(handler).search("q")


async def test_searxng_real_timeout_on_a_slow_server() -> None:
    # The timeout is enforced by httpx on a real socket, not only mapped.
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(SearchError, match="did not answer within"):
            await SearxngProvider(f"http://127.0.0.1:{port}", timeout_s=0.2).search("q")
    finally:
        server.close()


def test_searxng_url_must_be_http() -> None:
    with pytest.raises(ConfigError, match="http:// or https://"):
        SearxngProvider("searx.local:8888")
