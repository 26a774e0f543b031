"""Fixtures for the store tests: a real redis-server, and stores of both kinds."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from openlive.store import SqliteStore, Store

REDIS_MISSING = (
    "redis-server is not installed (Debian: apt-get install redis-server); Redis store tests skipped"
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _start_redis(exe: str, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    log = workdir / "redis.log"
    for _ in range(5):  # another process may grab the free port before redis binds it
        port = _free_port()
        # fmt: off
        args = [exe, "--save", "", "--appendonly", "no", "--port", str(port), "--bind", "127.0.0.1",
                "--dir", str(workdir), "--logfile", str(log)]
        # fmt: on
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if _answers_ping(port):
                return proc, port
            time.sleep(0.02)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    text = log.read_text(errors="replace") if log.exists() else ""
    pytest.fail(f"redis-server did not start on a loopback port:\n{text[-2000:]}")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free loopback port (no persistence), for the whole run."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip(REDIS_MISSING)
    pytest.importorskip("redis", reason="the 'redis' Python package is not installed")
    proc, port = _start_redis(exe, tmp_path_factory.mktemp("redis"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix of its own for each test, so tests never see each other's keys."""
    return f"openlive-test-{uuid.uuid4().hex}:"


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["sqlite", "redis"])
async def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    """Makes stores of one kind that all share the same backing (file, or Redis + prefix)."""
    created: list[Store] = []
    if request.param == "sqlite":
        path = tmp_path / "data" / "store.db"

        def make() -> Store:
            created.append(SqliteStore(path))
            return created[-1]

    else:
        url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        from openlive.store.redis import RedisStore

        def make() -> Store:
            created.append(RedisStore(url, prefix=prefix))
            return created[-1]

    yield make
    for store in created:
        await store.close()


@pytest.fixture
def store(make_store: StoreFactory) -> Store:
    """One store of the parametrized kind."""
    return make_store()


@pytest.fixture
def now() -> float:
    """The current Unix time: stores expire records by the real clock, so tests start from it."""
    return time.time()
