"""``openlive index``: fill and inspect the local search index from the command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from openlive.cli import main
from openlive.tools.search import LocalIndex, default_index_path


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.md").write_text("# Lighthouses\n\nThe keeper lit the lamp at dusk.", encoding="utf-8")
    (root / "b.txt").write_text("Bees\n\nBees make honey from nectar.", encoding="utf-8")
    (root / "c.html").write_text("<title>Owls</title><p>Owls hunt at night.</p>", encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def no_config(monkeypatch: pytest.MonkeyPatch) -> None:
    # The developer's own config or data directory must not leak into these tests.
    monkeypatch.delenv("OPENLIVE_CONFIG", raising=False)
    monkeypatch.delenv("OPENLIVE_DATA_DIR", raising=False)


def test_add_to_an_explicit_index(docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index_file = tmp_path / "my.sqlite3"
    assert main(["index", "add", str(docs / "a.md"), str(docs / "b.txt"), "--index", str(index_file)]) == 0
    out = capsys.readouterr().out
    assert "indexed 2 documents" in out and str(index_file) in out
    with LocalIndex(index_file) as index:
        assert index.count() == 2
        [hit] = asyncio.run(index.search("who lit the lamp?"))
        assert hit.title == "Lighthouses" and "lamp at dusk" in hit.snippet

    # Again, plus a directory holding both: only the new file counts, nothing is doubled.
    assert main(["index", "add", str(docs), "--index", str(index_file)]) == 0
    out = capsys.readouterr().out
    assert "indexed 1 document (new or changed)" in out and "it holds 3 documents" in out


def test_default_index_is_in_the_data_dir(
    docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    assert main(["index", "add", str(docs), "--data-dir", str(data_dir)]) == 0
    expected = default_index_path(data_dir)
    assert expected.is_file()
    assert str(expected) in capsys.readouterr().out

    assert main(["index", "stats", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.strip() == f"3 documents in {expected}"


def test_data_dir_from_the_environment(
    docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENLIVE_DATA_DIR", str(tmp_path / "envdata"))
    assert main(["index", "add", str(docs / "b.txt")]) == 0
    assert default_index_path(tmp_path / "envdata").is_file()


def test_stats_without_an_index_creates_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index_file = tmp_path / "none.sqlite3"
    assert main(["index", "stats", "--index", str(index_file)]) == 0
    assert capsys.readouterr().out.startswith("0 documents")
    assert not index_file.exists()


def test_missing_path_fails_cleanly_and_indexes_nothing(
    docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index_file = tmp_path / "i.sqlite3"
    code = main(["index", "add", str(docs / "a.md"), str(tmp_path / "missing"), "--index", str(index_file)])
    assert code == 2
    captured = capsys.readouterr()
    assert f"no such file or directory: {tmp_path / 'missing'}" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert not index_file.exists()


def test_unsupported_file_and_bad_index_fail_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    assert main(["index", "add", str(pdf), "--index", str(tmp_path / "i.sqlite3")]) == 1
    assert "not a supported type" in capsys.readouterr().err

    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("not sqlite " * 200, encoding="utf-8")
    assert main(["index", "stats", "--index", str(bogus)]) == 1
    err = capsys.readouterr().err
    assert "not a search index" in err and "Traceback" not in err


def test_bad_config_fails_cleanly(docs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("data_dir = [", encoding="utf-8")
    assert main(["index", "add", str(docs), "--config", str(config)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_index_without_action_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index"]) == 2
    assert "add" in capsys.readouterr().out


def test_add_needs_a_path() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["index", "add"])
    assert exit_info.value.code == 2
