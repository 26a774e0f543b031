"""What only the SQLite store promises: several processes, kill -9, the file itself."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from openlive.errors import ConfigError
from openlive.store import SessionRecord, SqliteStore, TokenRecord, open_store
from tests.unit.store import _workers

REPO = Path(__file__).resolve().parents[3]


def _token(name: str, uses: int = 1) -> TokenRecord:
    now = time.time()
    return TokenRecord(
        name=name, owner="k", uses_left=uses, expire_time=now + 600, new_session_expire_time=now + 300
    )


async def test_one_use_tokens_across_two_processes(tmp_path: Path, now: float) -> None:
    path = str(tmp_path / "store.db")
    names = [f"auth_tokens/t{i}" for i in range(20)]
    store = SqliteStore(path)
    for name in names:
        await store.put_token(_token(name))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results: multiprocessing.Queue[list[str]] = ctx.Queue()
    procs = [
        ctx.Process(target=_workers.spend_tokens, args=(path, names, now, barrier, results)) for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    wins = [await asyncio.to_thread(results.get, True, 120) for _ in procs]
    for proc in procs:
        await asyncio.to_thread(proc.join, 60)
        assert proc.exitcode == 0
    # Each process tried each token twice (two stores each): 80 attempts, 20 wins, one per token.
    assert sorted(wins[0] + wins[1]) == sorted(names)
    for name in names:
        with pytest.raises(Exception, match="no uses left"):
            await store.use_token(name, now, True)
    await store.close()


def _kill_while_saving(path: Path, lines_before_kill: int) -> list[str]:
    """Run a child that saves sessions in a loop; SIGKILL it; return the ids it reported saved."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")])}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.unit.store._workers", str(path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    seen = 0
    while seen < lines_before_kill:
        line = child.stdout.readline()
        assert line, child.stderr.read().decode() if child.stderr else "child died"
        seen += 1
    os.kill(child.pid, signal.SIGKILL)  # right after a save returned, likely mid-way through the next
    rest, _ = child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL
    # Every complete line was written after its save returned; all of them must be durable.
    out = rest.decode()
    complete = out.split("\n")[:-1] if not out.endswith("\n") else out.splitlines()
    return [f"s{i}" for i in range(seen)] + [line.split()[1] for line in complete]


@pytest.mark.parametrize("lines_before_kill", [1, 25, 80])
async def test_sigkill_right_after_save_loses_nothing(tmp_path: Path, lines_before_kill: int) -> None:
    path = tmp_path / "store.db"
    saved = await asyncio.to_thread(_kill_while_saving, path, lines_before_kill)
    assert len(saved) >= lines_before_kill
    store = SqliteStore(path)
    for sid in saved:
        record = await store.load_session(sid, time.time())
        assert record is not None, f"{sid} was reported saved but is gone"
        assert record.version == int(sid[1:]) and record.snapshot["i"] == record.version
    await store.save_session("after", SessionRecord("o", 1, {}, time.time() + 60))  # still writable
    await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_file_is_private_and_in_wal_mode(tmp_path: Path, now: float) -> None:
    path = tmp_path / "new" / "dir" / "store.db"
    store = SqliteStore(path)
    await store.save_session("s", SessionRecord("o", 1, {}, now + 60))
    await store.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_expired_rows_are_purged_on_writes_a_batch_at_a_time(tmp_path: Path, now: float) -> None:
    clock = [now]
    store = SqliteStore(tmp_path / "s.db", purge_batch=3, clock=lambda: clock[0])
    for i in range(7):
        await store.save_session(f"s{i}", SessionRecord("o", 1, {}, now + 10))
        await store.put_token(_token(f"auth_tokens/t{i}"))
    clock[0] = now + 10_000  # everything above has expired

    def counts() -> tuple[int, int]:
        with sqlite3.connect(tmp_path / "s.db") as conn:
            (sessions,) = conn.execute("SELECT count(*) FROM sessions").fetchone()
            (tokens,) = conn.execute("SELECT count(*) FROM tokens").fetchone()
        return sessions, tokens

    assert counts() == (7, 7)
    await store.save_session("live", SessionRecord("o", 1, {}, now + 20_000))
    assert counts() == (7 - 3 + 1, 7 - 3)
    await store.put_token(TokenRecord("auth_tokens/live", "k", 1, now + 20_000, now + 20_000))
    assert counts() == (2, 1 + 1)
    await store.save_session("live2", SessionRecord("o", 1, {}, now + 20_000))
    assert counts() == (2, 1)
    await store.close()


async def test_a_newer_schema_is_refused(tmp_path: Path, now: float) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    store = SqliteStore(path)
    with pytest.raises(ConfigError, match="newer"):
        await store.load_session("s", now)
    await store.close()


async def test_operations_run_off_the_event_loop(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    loop_thread = threading.get_ident()
    seen: list[int] = []
    await store._run(lambda conn: seen.append(threading.get_ident()))
    assert seen and seen[0] != loop_thread
    await store.close()


async def test_closed_store_refuses_work(tmp_path: Path, now: float) -> None:
    store = SqliteStore(tmp_path / "s.db")
    await store.save_session("s", SessionRecord("o", 1, {}, now + 60))
    await store.close()
    await store.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        await store.load_session("s", now)


async def test_memory_store(tmp_path: Path, now: float) -> None:
    store = SqliteStore(":memory:")
    await store.save_session("s", SessionRecord("o", 1, {"a": 1}, now + 60))
    assert await store.load_session("s", now) == SessionRecord("o", 1, {"a": 1}, now + 60)
    await store.close()


async def test_open_store_takes_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(str(tmp_path / "a.db"))
    assert isinstance(store, SqliteStore) and store.path == str(tmp_path / "a.db")
    monkeypatch.setenv("HOME", str(tmp_path))
    home = open_store("~/b.db")
    assert isinstance(home, SqliteStore) and home.path == str(tmp_path / "b.db")
    await store.close()
    await home.close()
